"""Gap-tolerant generated numbers (ZG-2025-00001 …) that two writers never draw twice."""

from django.db import IntegrityError, transaction
from django.db.models import F

from zuofeng.core.models import Counter


def next_value(name: str) -> int:
    """Increment and return the counter in the caller's transaction. The UPDATE comes first so
    the row lock (PostgreSQL) or write lock (SQLite) is held until the caller commits."""
    with transaction.atomic():
        if not Counter.objects.filter(name=name).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    Counter.objects.create(name=name, value=1)
                return 1
            except IntegrityError:
                Counter.objects.filter(name=name).update(value=F("value") + 1)
        return Counter.objects.get(name=name).value
