"""The import framework: map headers to columns, parse every cell, let the importer validate
every row, then apply the whole file in one transaction — or write nothing and list every bad
row as (row, column, reason).

Apps register an `Importer` subclass per kind in their `importers.py`; core finds them with
`autodiscover_modules("importers")` and knows no app.

Rules every importer shares:
- Row numbers are Excel's (the header row is usually 1). In-memory rows count as if their
  header were row 1, so the first dict is row 2.
- A column that is absent from the file leaves that field of existing records alone; a column
  that is present but empty clears the field (or gives its default). Unknown columns are ignored.
- Re-importing a file that changes nothing writes nothing, and so appends no audit entry: like
  every service, an import audits the changes it makes, once per file, not the attempt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zuofeng.core.sheets import reader
from zuofeng.core.sheets.reader import InvalidFile

RowError = tuple[int, str, str]  # (Excel row number, column header, message)


class ImportFailed(Exception):
    """At least one row is bad; nothing was written. `.errors` lists every (row, column, reason)."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = sorted(errors, key=lambda e: e[0])  # stable: columns keep their order
        super().__init__(
            _("%(n)d处错误，未导入任何数据") % {"n": len(self.errors)}
            if self.errors
            else _("导入失败")
        )

    def lines(self) -> list[str]:
        return [format_error(e) for e in self.errors]


def format_error(error: RowError) -> str:
    row, column, message = error
    if row <= 0:
        return message
    if column:
        return _("第%(row)d行 %(column)s: %(message)s") % {
            "row": row,
            "column": column,
            "message": message,
        }
    return _("第%(row)d行: %(message)s") % {"row": row, "message": message}


class UnknownKind(LookupError):
    """No importer is registered under that kind."""


class ExportError(Exception):
    """An export cannot run as asked (an unknown scope code); one line."""


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    sha256: str = ""

    def summary(self) -> str:
        text = (
            f"{self.kind}: created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}"
        )
        return text + (" (dry run, nothing written)" if self.dry_run else "")

    def audit_after(self) -> dict:
        after = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rows": self.rows,
        }
        if self.sha256:
            after["sha256"] = self.sha256
        return after


# --- columns and rows --------------------------------------------------------------------------

TEXT, CODE, DATE, INT = "text", "code", "date", "int"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its Chinese header (the interface), English aliases, the key the
    importer reads, whether a value is required, and how a cell is parsed (TEXT: free text;
    CODE: codes and numbers with every blank removed; DATE; INT). `choices` lists the allowed
    labels for the template's 可选值 sheet."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: str = TEXT
    max_length: int | None = None
    choices: Callable[[], Sequence[str]] | None = None
    width: int = 14


@dataclass(slots=True)
class Row:
    """One data row, parsed: `values` holds a value for every column present in the sheet;
    `bad` names the columns already reported, so an importer skips their further checks."""

    number: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def ok(self, key: str) -> bool:
        return key not in self.bad


class Errors:
    """Collects row errors and marks the column of a row as bad."""

    def __init__(self, importer: Importer):
        self._items: list[tuple[int, int, str, str]] = []
        self._headers = {c.key: c.header for c in importer.columns}
        self._order = {c.key: i for i, c in enumerate(importer.columns)}

    def add(self, row: Row | int, key: str, message: str) -> None:
        number = row.number if isinstance(row, Row) else row
        self._items.append((number, self._order.get(key, 99), key, str(message)))
        if isinstance(row, Row):
            row.bad.add(key)

    @property
    def items(self) -> list[RowError]:
        """By row, then in column order."""
        return [
            (number, self._headers.get(key, key), message)
            for number, _order, key, message in sorted(self._items, key=lambda e: e[:2])
        ]

    def __bool__(self) -> bool:
        return bool(self._items)


def _header_key(text: object) -> str:
    return re.sub(r"[\s_\-*＊]+", "", reader.normalise_text(text)).lower()


# --- the importer base and its registry --------------------------------------------------------


class Importer:
    """One kind of sheet. Subclasses set `kind`, `label`, `columns` and implement `plan` (read
    the database, validate every row, decide what to create and update) and `apply` (write the
    plan through the app's services). Optionally `export_rows` for exports."""

    kind: ClassVar[str]
    label: ClassVar[Any]
    columns: ClassVar[tuple[Column, ...]]
    # The actions (zuofeng.orgs.permissions codes) that let a user import and export this kind
    # on the import pages; a kind without them is imported from the command line only.
    import_action: ClassVar[str | None] = None
    export_action: ClassVar[str | None] = None

    def plan(self, rows: list[Row], present: frozenset[str], errors: Errors, *, actor) -> Any:
        """Validate every row (adding to `errors`) and return a plan with counts."""
        raise NotImplementedError

    def counts(self, plan: Any) -> tuple[int, int, int]:
        """(created, updated, unchanged) of a plan."""
        raise NotImplementedError

    def apply(self, plan: Any, *, actor, report: ImportReport) -> None:
        """Write the plan; called inside the import's transaction only when no row is bad."""
        raise NotImplementedError

    def export_rows(self, *, actor, scope: str | None, full: bool) -> Iterable[Sequence[object]]:
        """Rows in column order for `export`; personal fields masked unless `full`."""
        raise NotImplementedError

    def after_export(self, *, actor, rows: int, scope: str | None, full: bool) -> None:
        """Record the export (an audited action); called once the file is written."""

    # Helpers shared by every importer.

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def header_map(self) -> dict[str, Column]:
        mapping: dict[str, Column] = {}
        for col in self.columns:
            for name in (col.header, col.key, *col.aliases):
                mapping[_header_key(name)] = col
        return mapping

    def allowed_values(self) -> list[tuple[str, list[str]]]:
        return [(c.header, list(c.choices())) for c in self.columns if c.choices]


_registry: dict[str, Importer] = {}
_discovered = False


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make `cls` the importer of its kind."""
    _registry[cls.kind] = cls()
    return cls


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("importers")
        _discovered = True


def get_importer(kind: str) -> Importer:
    _discover()
    try:
        return _registry[kind]
    except KeyError:
        raise UnknownKind(
            _("未知的导入类型“%(kind)s”，可选：%(kinds)s")
            % {"kind": kind, "kinds": ", ".join(sorted(_registry))}
        ) from None


def kinds() -> list[str]:
    _discover()
    return sorted(_registry)


# --- parsing a table --------------------------------------------------------------------------


@dataclass
class Table:
    """Header cells, the header's row number, and the data rows as (row number, cells)."""

    headers: list[object]
    header_row: int
    rows: Iterable[tuple[int, Sequence[object]]]


_UNSEEN = object()
_MEMO_SIZE = 20_000  # distinct cells remembered per column (a free-text column has no repeats)

_PARSERS: dict[str, Callable[[object], Any]] = {
    TEXT: reader.normalise_text,
    CODE: reader.normalise_compact,
    DATE: reader.parse_date,
    INT: reader.parse_int,
}


def parse_table(
    importer: Importer, table: Table, errors: Errors
) -> tuple[list[Row], frozenset[str]]:
    """Map the headers, then parse every cell; missing required values become row errors."""
    mapping = importer.header_map()
    positions: list[tuple[int, Column]] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(table.headers):
        col = mapping.get(_header_key(cell))
        if col is None:
            continue
        if col.key in seen:
            errors.add(table.header_row, col.key, _("列重复"))
            continue
        seen[col.key] = index
        positions.append((index, col))
    present = frozenset(seen)
    for col in importer.columns:
        if col.required and col.key not in present:
            errors.add(table.header_row, col.key, _("缺少此列"))
    if errors:
        return [], present
    specs = [
        (index, col.key, _PARSERS[col.parse], col.max_length or 0, col.required, {})
        for index, col in positions
    ]
    rows: list[Row] = []
    limit = settings.IMPORT_MAX_ROWS
    for number, cells in table.rows:  # the hot loop of every import: keep it plain
        if len(rows) >= limit:
            raise ImportFailed([(number, "", _("行数超过上限 %(n)d") % {"n": limit})])
        values: dict[str, Any] = {}
        row = Row(number, values)
        width = len(cells)
        for index, key, parse, max_length, required, seen in specs:
            cell = cells[index] if index < width else None
            # A column repeats its values (a source, a state, a date, a unit): each distinct
            # cell is parsed once. Keyed by type too, as 1 == 1.0 == True.
            memo = (cell.__class__, cell)
            try:
                value = seen.get(memo, _UNSEEN)
            except TypeError:  # an unhashable value from an in-memory row
                value = memo = _UNSEEN
            if value is _UNSEEN:
                try:
                    value = parse(cell)
                except ValueError as exc:
                    errors.add(row, key, str(exc))
                    values[key] = None
                    continue
                if memo is not _UNSEEN and len(seen) < _MEMO_SIZE:
                    seen[memo] = value
            if value is None or value == "":
                if required:
                    errors.add(row, key, _("必填"))
            elif max_length and len(value) > max_length:
                errors.add(row, key, _("不能超过%(n)d个字符") % {"n": max_length})
            values[key] = value
        rows.append(row)
    return rows, present


def _find_header(importer: Importer, rows: Iterable[tuple[int, list]]) -> Table:
    """The header is the first of the first ten rows that names one of our columns, so a
    title row above it (common in office sheets) is allowed."""
    mapping = importer.header_map()
    iterator = iter(rows)
    for _i in range(10):
        try:
            number, cells = next(iterator)
        except StopIteration:
            break
        if any(_header_key(c) in mapping for c in cells):
            return Table(list(cells), number, iterator)
    raise ImportFailed(
        [(1, "", _("未找到表头：第一行应为列名，如 %(h)s") % {"h": "、".join(importer.headers)})]
    )


def _dict_table(rows: Iterable[Mapping[str, object]]) -> Table:
    materialised = list(rows)
    headers: dict[str, None] = {}
    for row in materialised:
        for key in row:
            headers.setdefault(key, None)
    order = list(headers)
    return Table(
        list(order),
        1,
        ((i, [row.get(h) for h in order]) for i, row in enumerate(materialised, start=2)),
    )


# --- running an import ------------------------------------------------------------------------


def _run(kind: str, table: Table | None, *, source, actor, dry_run: bool, sha256: str = ""):
    importer = get_importer(kind)
    report = ImportReport(kind=kind, dry_run=dry_run, sha256=sha256)
    if table is None:
        table = _find_header(importer, source())
    errors = Errors(importer)
    rows, present = parse_table(importer, table, errors)  # no database access: outside the lock
    if errors and not rows:  # the headers are wrong: there is nothing to check rows against
        raise ImportFailed(errors.items)
    report.rows = len(rows)
    try:
        with transaction.atomic():
            # Validation runs in the writing transaction: what was checked is what is written
            # (SQLite takes its write lock at BEGIN; PostgreSQL's unique indexes catch the rest).
            plan = importer.plan(rows, present, errors, actor=actor)
            if errors:
                raise ImportFailed(errors.items)
            report.created, report.updated, report.unchanged = importer.counts(plan)
            if not dry_run and (report.created or report.updated):
                importer.apply(plan, actor=actor, report=report)
    except IntegrityError as exc:  # a concurrent writer took a code or number first
        raise ImportFailed([(0, "", _("数据已被他人同时修改，请重新导入"))]) from exc
    return report


def run_import(
    kind: str,
    rows: Iterable[Mapping[str, object]],
    *,
    actor=None,
    dry_run: bool = False,
) -> ImportReport:
    """Import in-memory rows keyed by header (Chinese or English alias), the values as a
    spreadsheet gives them. All or nothing: raises ImportFailed listing every bad row."""
    return _run(kind, _dict_table(rows), source=None, actor=actor, dry_run=dry_run)


def run_import_file(
    kind: str, path: str | Path, *, actor=None, dry_run: bool = False
) -> ImportReport:
    """Import the first sheet of an xlsx. Raises InvalidFile (not an xlsx, too large, a zip
    bomb) before reading any row, and ImportFailed listing every bad row."""
    get_importer(kind)
    checked = reader.check_xlsx(path)
    return _run(
        kind,
        None,
        source=lambda: reader.iter_sheet(checked.path),
        actor=actor,
        dry_run=dry_run,
        sha256=checked.sha256,
    )


__all__ = [
    "CODE",
    "DATE",
    "INT",
    "TEXT",
    "Column",
    "Errors",
    "ExportError",
    "ImportFailed",
    "ImportReport",
    "Importer",
    "InvalidFile",
    "Row",
    "RowError",
    "UnknownKind",
    "format_error",
    "get_importer",
    "kinds",
    "register",
    "run_import",
    "run_import_file",
]
