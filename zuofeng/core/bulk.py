"""Writing a whole file's rows: one INSERT or UPDATE statement run for many parameter rows.

The ORM's bulk_create builds a model instance per row and compiles the INSERT again for every
batch, passing each value through its field; for a 100,000-row import that preparation cost
more than the database's own work (see docs/performance.md). Here the statement is built once
from the model's metadata and the rows go to the driver as tuples, in batches, from any
iterable — a generator keeps only one batch in memory.

Values pass through the backend's adapter where the driver needs it (dates and datetimes, as
the ORM's get_db_prep_save ends for values that already are dates; JSON through its field);
every other value must already be what the column stores (an id for a foreign key, a str for
text). Columns the caller does not name get the field's default, prepared once, so a new
column with a default never breaks an importer; columns with a database default are left to
the database. These helpers write what a caller has validated: they check nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import islice

from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

BATCH = 5000  # rows per executemany call


def converter(field: models.Field, using: str = "default") -> Callable | None:
    """How a value of `field` reaches the driver, or None when it goes as it is. Dates and
    datetimes are memoised: a file repeats its timestamp and many of its dates."""
    connection = connections[using]
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
    elif isinstance(field, models.DateField):
        adapt = connection.ops.adapt_datefield_value
    elif isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    else:
        return None
    seen: dict = {}

    def convert(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = adapt(value)
            return seen[value]

    return convert


def _prepare(fields: Sequence[models.Field], rows: Iterable[Sequence], using: str) -> Iterator:
    converters = [(i, c) for i, c in enumerate(converter(f, using) for f in fields) if c]
    if not converters:
        yield from rows
        return
    for row in rows:
        row = list(row)
        for i, convert in converters:
            if row[i] is not None:
                row[i] = convert(row[i])
        yield row


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _defaults(model, named: set[str], using: str) -> tuple[list[models.Field], tuple]:
    """The concrete fields the caller left out that need a value from us, with it prepared."""
    connection = connections[using]
    now = timezone.now()
    fields, values = [], []
    for field in model._meta.concrete_fields:
        if field.name in named or field.primary_key or field.generated or field.has_db_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        fields.append(field)
        values.append(field.get_db_prep_save(value, connection))
    return fields, tuple(values)


def insert_many(
    model,
    names: Sequence[str],
    rows: Iterable[Sequence],
    *,
    prepared: bool = False,
    using: str = "default",
) -> int:
    """INSERT `rows` (values in the order of `names`) into `model`'s table; the number written.
    `prepared`: the caller already passed dates through converter()."""
    fields = [model._meta.get_field(name) for name in names]
    rest, constants = _defaults(model, {f.name for f in fields}, using)
    connection = connections[using]
    qn = connection.ops.quote_name
    columns = [*fields, *rest]
    # Identifiers come from the model's metadata, quoted; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(model._meta.db_table),
        ", ".join(qn(f.column) for f in columns),
        ", ".join(["%s"] * len(columns)),
    )
    if not prepared:
        rows = _prepare(fields, rows, using)
    if constants:
        rows = ((*row, *constants) for row in rows)
    written = 0
    with connection.cursor() as cursor:
        for batch in _batches(rows, BATCH):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def update_many(
    model,
    names: Sequence[str],
    rows: Iterable[Sequence],
    *,
    bump: Sequence[str] = (),
    using: str = "default",
) -> int:
    """UPDATE … SET names WHERE pk = %s for many rows; each row ends with its pk. The columns
    of `bump` go up by one in the same statement (a record's version)."""
    fields = [model._meta.get_field(name) for name in names]
    connection = connections[using]
    qn = connection.ops.quote_name
    bumped = [qn(model._meta.get_field(name).column) for name in bump]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        qn(model._meta.db_table),
        ", ".join([*(f"{qn(f.column)} = %s" for f in fields), *(f"{c} = {c} + 1" for c in bumped)]),
        qn(model._meta.pk.column),
    )
    written = 0
    with connection.cursor() as cursor:
        for batch in _batches(_prepare([*fields, model._meta.pk], rows, using), BATCH):
            cursor.executemany(sql, batch)
            written += len(batch)
    return written


def among(values: Collection[str] | Collection[int], using: str = "default") -> RawSQL:
    """The right side of `field__in=` for a file's worth of keys, passed as one parameter (a
    JSON array on SQLite, an array on PostgreSQL) rather than one parameter per key: 100,000
    keys stay within SQLite's limit on parameters, and the statement is not built key by
    key. The keys are all text or all whole numbers."""
    keys = list(values)
    whole = bool(keys) and isinstance(keys[0], int)
    # The SQL is one of three constants; the keys are a parameter.
    if connections[using].vendor == "postgresql":
        sql = "SELECT unnest(%s::bigint[])" if whole else "SELECT unnest(%s::text[])"
        return RawSQL(sql, [keys])  # noqa: S611
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(keys, ensure_ascii=False)])
