"""Rollup tables kept exact by database triggers.

A rollup holds, per key — the holder's path cut to a few segments, a few columns of the record
(category, kind, day) — how many records there are and sums of some of their columns. A figure
for a scope no deeper than the cut reads the rollup's few rows instead of the records: the
province root's study sessions are some hundred thousand rollup rows, not ten million activities.

Triggers on the record table add each inserted row to its key, take each deleted row from its
key, and for an update that changes a key or a summed column take the old row from its old key
and add the new row to its new key. Every change is a signed addition, so the result does not
depend on the order the database runs triggers in, and a subtree move (which rewrites the
records' copied paths, zuofeng.core.subtree) moves their counts with them. `zuofeng subtree
--check` compares each rollup with a fresh aggregation of its records; `--rebuild` recomputes it.
"""

# Only table and column names from the rollups' definitions are formatted into this SQL.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Expr:
    """A key or a summed figure computed from a record's columns, in each database's dialect;
    `{row}` stands for the record (NEW, OLD, or the table)."""

    sqlite: str
    postgresql: str
    columns: tuple[str, ...]  # the record columns it reads

    def sql(self, row: str, vendor: str) -> str:
        return (self.postgresql if vendor == "postgresql" else self.sqlite).format(row=row)


# A key is a source column copied under its own name, or (rollup column, expression); a sum is
# (rollup column, source column | "1" to count | expression).
Key = str | tuple[str, Expr]
Source = str | Expr


@dataclass(frozen=True)
class Rollup:
    table: str  # the rollup table
    source: str  # the record table
    path: str | None  # the source's copied holder path (zuofeng.core.subtree), or None
    width: int | None  # digits of path kept (whole segments); None keeps the whole path
    keys: tuple[Key, ...]  # further key columns (the only ones without a path)
    sums: tuple[tuple[str, Source], ...]

    @property
    def trigger(self) -> str:
        return f"zf_rollup_{self.table}"

    def _key_names(self) -> list[str]:
        keys = [k if isinstance(k, str) else k[0] for k in self.keys]
        return keys if self.path is None else [self.path, *keys]

    def _key(self, row: str, vendor: str) -> list[str]:
        path = [] if self.path is None else [f"{row}.{self.path}"]
        if path and self.width is not None:
            path = [f"substr({path[0]}, 1, {self.width})"]
        return path + [
            f"{row}.{k}" if isinstance(k, str) else k[1].sql(row, vendor) for k in self.keys
        ]

    @staticmethod
    def _figure(source: Source, row: str, vendor: str) -> str:
        if isinstance(source, Expr):
            return f"({source.sql(row, vendor)})"
        return "1" if source == "1" else f"{row}.{source}"

    def _add(self, row: str, sign: str, vendor: str) -> str:
        """Upsert `sign` × the row's figures at its key."""
        columns = [*self._key_names(), *(c for c, _ in self.sums)]
        values = self._key(row, vendor) + [
            f"{sign}{self._figure(source, row, vendor)}" for _, source in self.sums
        ]
        conflict = ", ".join(self._key_names())
        updates = ", ".join(f"{c} = {self.table}.{c} + excluded.{c}" for c, _ in self.sums)
        return (
            f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({', '.join(values)}) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )

    def _watched(self) -> list[str]:
        out = [] if self.path is None else [self.path]
        for item in [*self.keys, *(s for _, s in self.sums)]:
            if isinstance(item, tuple):
                item = item[1]
            names = item.columns if isinstance(item, Expr) else (item,)
            out += [n for n in names if n != "1" and n not in out]
        return out

    def _changed(self, vendor: str) -> str:
        differs = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
        return " OR ".join(f"OLD.{c} {differs} NEW.{c}" for c in self._watched())

    def triggers(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                f"""CREATE OR REPLACE FUNCTION {self.trigger}() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        {self._add("OLD", "-", vendor)};
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        {self._add("NEW", "", vendor)};
                    END IF;
                    RETURN NULL;
                END $$""",
                f"""CREATE TRIGGER {self.trigger}_insert_delete AFTER INSERT OR DELETE
                ON {self.source} FOR EACH ROW EXECUTE FUNCTION {self.trigger}()""",
                f"""CREATE TRIGGER {self.trigger}_update
                AFTER UPDATE OF {", ".join(self._watched())} ON {self.source}
                FOR EACH ROW WHEN ({self._changed(vendor)}) EXECUTE FUNCTION {self.trigger}()""",
            ]
        return [
            f"""CREATE TRIGGER {self.trigger}_insert AFTER INSERT ON {self.source} BEGIN
                {self._add("NEW", "", vendor)};
            END""",
            f"""CREATE TRIGGER {self.trigger}_delete AFTER DELETE ON {self.source} BEGIN
                {self._add("OLD", "-", vendor)};
            END""",
            f"""CREATE TRIGGER {self.trigger}_update
            AFTER UPDATE OF {", ".join(self._watched())} ON {self.source}
            WHEN {self._changed(vendor)} BEGIN
                {self._add("OLD", "-", vendor)};
                {self._add("NEW", "", vendor)};
            END""",
        ]

    def drops(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                f"DROP TRIGGER IF EXISTS {self.trigger}_update ON {self.source}",
                f"DROP TRIGGER IF EXISTS {self.trigger}_insert_delete ON {self.source}",
                f"DROP FUNCTION IF EXISTS {self.trigger}()",
            ]
        return [
            f"DROP TRIGGER IF EXISTS {self.trigger}_update",
            f"DROP TRIGGER IF EXISTS {self.trigger}_delete",
            f"DROP TRIGGER IF EXISTS {self.trigger}_insert",
        ]

    def _fresh(self, vendor: str) -> str:
        """The rollup's rows computed from the records."""
        key = ", ".join(self._key(self.source, vendor))
        sums = ", ".join(
            f"COUNT(*) AS {c}"
            if s == "1"
            else f"COALESCE(SUM({self._figure(s, self.source, vendor)}), 0) AS {c}"
            for c, s in self.sums
        )
        return f"SELECT {key}, {sums} FROM {self.source} GROUP BY {key}"

    def rebuild_sql(self, vendor: str) -> list[str]:
        columns = ", ".join([*self._key_names(), *(c for c, _ in self.sums)])
        insert = f"INSERT INTO {self.table} ({columns}) {self._fresh(vendor)}"
        return [f"DELETE FROM {self.table}", insert]

    def stale_sql(self, vendor: str) -> str:
        """How many keys differ between the rollup (its non-zero rows) and the records."""
        cols = self._key_names()
        sums = [c for c, _ in self.sums]
        kept = f"SELECT {', '.join(cols + sums)} FROM {self.table} WHERE " + " OR ".join(
            f"{c} <> 0" for c in sums
        )
        fresh = f"SELECT * FROM ({self._fresh(vendor)}) f"
        return (
            f"SELECT (SELECT COUNT(*) FROM ({kept} EXCEPT {fresh}) a) "
            f"+ (SELECT COUNT(*) FROM ({fresh} EXCEPT {kept}) b)"
        )


_ROLLUPS: list[Rollup] = []


def register(rollup: Rollup) -> Rollup:
    if rollup not in _ROLLUPS:
        _ROLLUPS.append(rollup)
    return rollup


def rollups() -> list[Rollup]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("indicators")  # apps declare their rollups beside their indicators
    return list(_ROLLUPS)


def install(schema_editor, rollup: Rollup) -> None:
    """Migration step: fill the rollup from its records, then install its triggers."""
    vendor = schema_editor.connection.vendor
    for sql in rollup.drops(vendor) + rollup.rebuild_sql(vendor) + rollup.triggers(vendor):
        schema_editor.execute(sql)


def uninstall(schema_editor, rollup: Rollup) -> None:
    for sql in rollup.drops(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def _tables(connection, cursor) -> set[str]:
    return set(connection.introspection.table_names(cursor))


def ensure(using: str = "default") -> list[Rollup]:
    """Drop and create the triggers of every rollup whose tables exist."""
    from django.db import connections, transaction

    connection = connections[using]
    done = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        tables = _tables(connection, cursor)
        for r in rollups():
            if {r.table, r.source} <= tables:
                for sql in r.drops(connection.vendor) + r.triggers(connection.vendor):
                    cursor.execute(sql)
                done.append(r)
    return done


def stale(rollup: Rollup, using: str = "default") -> int:
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(rollup.stale_sql(connection.vendor))
        return cursor.fetchone()[0]


def rebuild(rollup: Rollup, using: str = "default") -> int:
    """Recompute the rollup from its records; returns its rows."""
    from django.db import connections, transaction

    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for sql in rollup.rebuild_sql(connection.vendor):
            cursor.execute(sql)
        cursor.execute(f"SELECT COUNT(*) FROM {rollup.table}")
        return cursor.fetchone()[0]


def year_of(column: str) -> tuple[str, Expr]:
    """A key: the calendar year of a date column (ISO text on SQLite)."""
    return (
        "year",
        Expr(
            sqlite=f"CAST(substr({{row}}.{column}, 1, 4) AS integer)",
            postgresql=f"CAST(EXTRACT(year FROM {{row}}.{column}) AS integer)",
            columns=(column,),
        ),
    )


def month_counts(column: str) -> tuple[tuple[str, Expr], ...]:
    """Sums m1 … m12: how many records fall in each month of the key's year."""
    return tuple(
        (
            f"m{m}",
            Expr(
                sqlite=f"CASE WHEN substr({{row}}.{column}, 6, 2) = '{m:02d}' THEN 1 ELSE 0 END",
                postgresql=(
                    f"CASE WHEN EXTRACT(month FROM {{row}}.{column}) = {m} THEN 1 ELSE 0 END"
                ),
                columns=(column,),
            ),
        )
        for m in range(1, 13)
    )
