"""Read routing to a streaming replica (DATABASE_REPLICA_URL).

Only reads made inside `reading_replica()` go to the `replica` database: the indicator and
dashboard selectors wrap their reads in it. Everything else — pages that edit, services,
sweeps, imports — reads and writes `default`, so nobody acts on a row that the replica has not
replayed yet. Writes always go to `default`; migrations run only there (the replica follows
the primary's WAL, schema included).

Inside a transaction on `default` reads stay on `default` even within `reading_replica()`:
a service that writes and then computes a figure must see its own write.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("zuofeng_reading_replica", default=False)


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads inside this block may go to the replica, when one is configured."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_database() -> str:
    """The alias a read made now would use."""
    if not (_reading_replica.get() and replica_configured()):
        return "default"
    from django.db import connections

    if connections["default"].in_atomic_block:
        return "default"
    return REPLICA


class ReplicaRouter:
    """DATABASE_ROUTERS entry: a no-op (everything on `default`) without a replica."""

    def db_for_read(self, model, **hints) -> str:
        return read_database()

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The replica holds the same rows as default: objects from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == "default"
