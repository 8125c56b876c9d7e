"""Gap-tolerant generated numbers (ZG-2025-00001 …) that two writers never draw twice."""

from django.db import IntegrityError, transaction
from django.db.models import F

from zuofeng.core.models import Counter


def next_value(name: str) -> int:
    """Increment and return the counter in the caller's transaction. The UPDATE comes first so
    the row lock (PostgreSQL) or write lock (SQLite) is held until the caller commits."""
    return next_values(name, 1)[0]


def next_values(name: str, n: int) -> range:
    """Take the next `n` values of the counter at once (a file of new records), in the caller's
    transaction and under the same lock as next_value."""
    if n < 1:
        return range(0)
    with transaction.atomic():
        if not Counter.objects.filter(name=name).update(value=F("value") + n):
            try:
                with transaction.atomic():
                    Counter.objects.create(name=name, value=n)
                return range(1, n + 1)
            except IntegrityError:
                Counter.objects.filter(name=name).update(value=F("value") + n)
        last = Counter.objects.get(name=name).value
        return range(last - n + 1, last + 1)
