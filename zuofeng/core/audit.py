"""The audit chain: every write appends one entry, hash-linked to the one before it.

Appends take the AuditHead row first (UPDATE, so SQLite takes its write lock and PostgreSQL its
row lock); two writers therefore queue, and the chain cannot fork.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from zuofeng.core import context, crypto
from zuofeng.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _normalise(value: Any) -> Any:
    """JSON round trip, so the hash covers exactly what the database keeps."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))


def _payload(entry: AuditEntry) -> bytes:
    fields = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "org_path": entry.org_path,
        "success": entry.success,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "address": entry.address,
        "channel": entry.channel,
        "prev": entry.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(entry: AuditEntry) -> str:
    return crypto.digest(_payload(entry), entry.algorithm)


def record(
    *,
    actor,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org_path: str = "",
    before: dict | None = None,
    after: dict | None = None,
    success: bool = True,
) -> AuditEntry:
    """Append one entry in the caller's transaction (or its own, outside one)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    ctx = context.current()
    with transaction.atomic():
        if not AuditHead.objects.filter(pk=1).update(seq=F("seq") + 1):
            AuditHead.objects.create(pk=1, seq=1, hash=GENESIS)
        head = AuditHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            seq=head.seq,
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_name=getattr(actor, "username", "") or (actor if isinstance(actor, str) else ""),
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            org_path=org_path,
            success=success,
            before=_normalise(before),
            after=_normalise(after),
            request_id=ctx.request_id,
            address=ctx.address,
            channel=ctx.channel,
            algorithm=crypto.suite(),
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    bad_seq: int | None = None
    reason: str = ""


def verify(batch: int = 5000) -> VerifyResult:
    """Walk the chain in order; the first entry whose hash, link or number is wrong fails it."""
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    last_seq = 0
    qs = AuditEntry.objects.order_by("seq")
    while True:
        page = list(qs.filter(seq__gt=last_seq)[:batch])
        if not page:
            break
        for entry in page:
            if entry.seq != expected_seq:
                return VerifyResult(False, count, expected_seq, "missing or reordered entry")
            if entry.prev_hash != expected_prev:
                return VerifyResult(False, count, entry.seq, "link to previous entry broken")
            if not crypto.constant_time_equal(entry_hash(entry), entry.hash):
                return VerifyResult(False, count, entry.seq, "content altered")
            expected_prev = entry.hash
            expected_seq += 1
            count += 1
            last_seq = entry.seq
    # The head row exists from the first migration on; a missing one counts as (0, genesis),
    # so deleting it cannot hide a truncated tail.
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq > count:
        return VerifyResult(False, count, count + 1, "entries removed from the end")
    if head_seq < count:
        # Entries the head never saw: appended around the application, or the head is gone.
        return VerifyResult(False, head_seq, head_seq + 1, "audit head missing or behind")
    if head_hash != expected_prev:
        return VerifyResult(False, count - 1, count, "audit head does not match the last entry")
    return VerifyResult(True, count)


def protect_table_sql() -> list[str]:
    """Database triggers that refuse UPDATE (and on PostgreSQL DELETE) of audit entries."""
    table = AuditEntry._meta.db_table
    if connection.vendor == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION zuofeng_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql;",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zuofeng_audit_append_only();",
        ]
    if connection.vendor == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;"
        ]
    return []
