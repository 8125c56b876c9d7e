"""The holder org's path copied onto the big record tables (activities, problems, requests).

A figure for a subtree is a range on the org path. On the org table that range is indexed, but
a district's records are scattered over the whole record table, so counting them meant joining
every record of the period to the orgs. With the holder's path on the record itself and an
index that starts with it, a district's period is one index range of its own rows.

The copy is kept by the database, not by the code that writes records: triggers set it on every
insert and on every change of the holder, and rewrite it when an org's path changes (a subtree
moved). Bulk inserts, queryset updates, imports and raw SQL are all covered, and a stale value
written back by an old model instance is corrected by the same triggers. `zuofeng subtree
--check` compares every copy with the org table (and every rollup, zuofeng.core.rollups, with
its records); `--rebuild` rewrites them.
"""

# Only table and column names from the models' metadata are formatted into this SQL.
# ruff: noqa: S608

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Copy:
    table: str  # the record table
    holder: str  # its foreign key column to orgs_org
    column: str  # the copied path

    @property
    def name(self) -> str:
        return f"zf_{self.table}_{self.column}"

    @property
    def org_trigger(self) -> str:
        return f"zf_orgs_org_path_to_{self.table}"


ORG_TABLE = "orgs_org"


def _postgresql(c: Copy) -> list[str]:
    return [
        f"""CREATE OR REPLACE FUNCTION {c.name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.{c.column} := (SELECT path FROM {ORG_TABLE} WHERE id = NEW.{c.holder});
            RETURN NEW;
        END $$""",
        f"""CREATE TRIGGER {c.name} BEFORE INSERT OR UPDATE OF {c.holder}, {c.column}
        ON {c.table} FOR EACH ROW EXECUTE FUNCTION {c.name}()""",
        f"""CREATE OR REPLACE FUNCTION {c.org_trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {c.table} SET {c.column} = NEW.path WHERE {c.holder} = NEW.id;
            RETURN NULL;
        END $$""",
        f"""CREATE TRIGGER {c.org_trigger} AFTER UPDATE OF path ON {ORG_TABLE}
        FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
        EXECUTE FUNCTION {c.org_trigger}()""",
    ]


def _sqlite(c: Copy) -> list[str]:
    # SQLite cannot assign NEW in a BEFORE trigger: an AFTER trigger updates the row it just
    # wrote. Recursive triggers are off, so that update does not fire the trigger again, and
    # the WHEN clause keeps the update trigger from rewriting a value that is already right.
    fresh = f"(SELECT path FROM {ORG_TABLE} WHERE id = NEW.{c.holder})"
    return [
        f"""CREATE TRIGGER {c.name}_insert AFTER INSERT ON {c.table}
        WHEN NEW.{c.column} IS NOT {fresh} BEGIN
            UPDATE {c.table} SET {c.column} = {fresh} WHERE id = NEW.id;
        END""",
        f"""CREATE TRIGGER {c.name}_update AFTER UPDATE OF {c.holder}, {c.column} ON {c.table}
        WHEN NEW.{c.column} IS NOT {fresh} BEGIN
            UPDATE {c.table} SET {c.column} = {fresh} WHERE id = NEW.id;
        END""",
        f"""CREATE TRIGGER {c.org_trigger} AFTER UPDATE OF path ON {ORG_TABLE}
        WHEN OLD.path IS NOT NEW.path BEGIN
            UPDATE {c.table} SET {c.column} = NEW.path WHERE {c.holder} = NEW.id;
        END""",
    ]


def _drop(vendor: str, c: Copy) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {c.org_trigger} ON {ORG_TABLE}",
            f"DROP FUNCTION IF EXISTS {c.org_trigger}()",
            f"DROP TRIGGER IF EXISTS {c.name} ON {c.table}",
            f"DROP FUNCTION IF EXISTS {c.name}()",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {c.org_trigger}",
        f"DROP TRIGGER IF EXISTS {c.name}_update",
        f"DROP TRIGGER IF EXISTS {c.name}_insert",
    ]


def _triggers(vendor: str, c: Copy) -> list[str]:
    return _postgresql(c) if vendor == "postgresql" else _sqlite(c)


def install(schema_editor, c: Copy) -> None:
    """Migration step: fill the column from the org table, then install the triggers."""
    vendor = schema_editor.connection.vendor
    statements = _triggers(vendor, c)
    schema_editor.execute(rebuild_sql(c, vendor))
    for sql in statements:
        schema_editor.execute(sql)


def uninstall(schema_editor, c: Copy) -> None:
    for sql in _drop(schema_editor.connection.vendor, c):
        schema_editor.execute(sql)


def _differs(vendor: str) -> str:
    return "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"


def rebuild_sql(c: Copy, vendor: str) -> str:
    fresh = f"(SELECT path FROM {ORG_TABLE} WHERE id = {c.table}.{c.holder})"
    return f"UPDATE {c.table} SET {c.column} = {fresh} WHERE {c.column} {_differs(vendor)} {fresh}"


def copies() -> list[Copy]:
    """Every copied path of the installed apps, read from the models that declare one."""
    from django.apps import apps

    out = [c for c in map(_copy_of, apps.get_models()) if c is not None]
    return sorted(out, key=lambda c: c.table)


def stale(c: Copy, using: str = "default") -> int:
    """How many rows hold a path other than their holder's."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {c.table} t JOIN {ORG_TABLE} o ON o.id = t.{c.holder} "
            f"WHERE t.{c.column} {_differs(connection.vendor)} o.path"
        )
        return cursor.fetchone()[0]


def rebuild(c: Copy, using: str = "default") -> int:
    """Rewrite every stale copy; returns the rows rewritten."""
    from django.db import connections, transaction

    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(rebuild_sql(c, connection.vendor))
        return cursor.rowcount


def _copy_of(model) -> Copy | None:
    declared = getattr(model, "SUBTREE_COPY", None)
    if not declared:
        return None
    holder, column = declared
    return Copy(model._meta.db_table, model._meta.get_field(holder).column, column)


@contextmanager
def inserting(model, using: str = "default"):
    """Around a bulk insert of many rows into `model` inside the writing transaction.

    On SQLite the insert trigger is an AFTER trigger, and a statement that fires a trigger
    keeps a statement journal of every page it changes, which doubled the cost of each row of
    a 100,000-row import even when the trigger found nothing to correct. Here that trigger is
    dropped for the block and created again after it, all in the caller's transaction (which
    holds SQLite's write lock, so no other writer can insert meanwhile, and a rollback brings
    the trigger back); then one statement corrects the copy on every row the block added (a
    larger id than any before it) whose path is not its holder's. The caller should name
    the right path, but the copy stays exact whatever it names. Other databases' triggers
    set the copy before the row is written and cost little: there this only yields."""
    from django.db import connections

    connection = connections[using]
    c = _copy_of(model)
    if c is None or connection.vendor != "sqlite":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("subtree.inserting() must run inside the writing transaction")
    trigger = f"{c.name}_insert"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s", [trigger]
        )
        installed = cursor.fetchone()[0] > 0
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {c.table}")
        last = cursor.fetchone()[0]
        if installed:
            cursor.execute(f"DROP TRIGGER {trigger}")
    try:
        yield
    finally:
        if installed:
            with connection.cursor() as cursor:
                cursor.execute(_sqlite(c)[0])
    with connection.cursor() as cursor:
        cursor.execute(f"{rebuild_sql(c, connection.vendor)} AND id > %s", [last])


def ensure(using: str = "default") -> list[Copy]:
    """Drop and create the triggers of every copied path whose column exists; returns those."""
    from django.db import connections, transaction

    connection = connections[using]
    done = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for c in copies():
            if c.table not in tables or ORG_TABLE not in tables:
                continue
            columns = {
                col.name for col in connection.introspection.get_table_description(cursor, c.table)
            }
            if c.column not in columns:
                continue
            for sql in _drop(connection.vendor, c) + _triggers(connection.vendor, c):
                cursor.execute(sql)
            done.append(c)
    return done


def ensure_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: once per migrate, when the core app's signal comes."""
    if getattr(sender, "name", "") == "zuofeng.core":
        from zuofeng.core import rollups

        ensure(using)
        rollups.ensure(using)
