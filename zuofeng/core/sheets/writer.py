"""Writing xlsx with XlsxWriter, so that no exported cell can act as a formula.

Two layers of defence. Strings are always written as string cells (XlsxWriter's `write()` would
turn "=…" into a formula; the workbook is opened with strings_to_formulas off and every string
goes through `write_string`). And a string that a spreadsheet program would take for a formula
once the sheet is saved as CSV or the cell is edited — one starting with = + - @, tab, CR or
LF, or their full-width forms, even after leading blanks — gets a leading apostrophe (OWASP
"CSV injection"). The reader removes that apostrophe again, so an export imports back unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

import xlsxwriter

from zuofeng.core.sheets.reader import FORMULA_START

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def escape_formula(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet could evaluate; leave other text alone."""
    if value and (value[0] in FORMULA_START or value.lstrip()[:1] in FORMULA_START):
        return "'" + value
    return value


@dataclass
class SheetSpec:
    """One worksheet: a header row, then the rows; columns may be text-formatted (so Excel
    keeps an 18-digit ID as typed) or offer a drop-down list from a range of another sheet."""

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]] = ()
    widths: Sequence[int] = ()
    text_columns: frozenset[int] = frozenset()
    required_columns: frozenset[int] = frozenset()
    dropdowns: dict[int, str] = field(default_factory=dict)


def write_workbook(target: str | IO[bytes], sheets: Sequence[SheetSpec]) -> list[int]:
    """Write the sheets to a path or binary file; returns the number of data rows of each."""
    options = dict(WORKBOOK_OPTIONS)
    if isinstance(target, str):
        options["constant_memory"] = True  # rows stream to disk: exports of millions fit
    else:
        options["in_memory"] = True
    workbook = xlsxwriter.Workbook(target, options)
    try:
        counts = _write_sheets(workbook, sheets)
    except BaseException:
        with contextlib.suppress(Exception):
            workbook.close()  # releases its temporary files; the caller reports the error
        raise
    workbook.close()
    return counts


def _write_sheets(workbook, sheets: Sequence[SheetSpec]) -> list[int]:
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    head_required = workbook.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "font_color": "#C8102E"}
    )
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    counts = []
    for spec in sheets:
        ws = workbook.add_worksheet(spec.name)
        for col, header in enumerate(spec.headers):
            width = spec.widths[col] if col < len(spec.widths) else 14
            ws.set_column(col, col, width, text if col in spec.text_columns else None)
            ws.write_string(0, col, header, head_required if col in spec.required_columns else head)
        if spec.headers:
            ws.freeze_panes(1, 0)
        for col, source in spec.dropdowns.items():
            ws.data_validation(
                1, col, 1_048_575, col, {"validate": "list", "source": source, "ignore_blank": True}
            )
        n = 0
        for n, values in enumerate(spec.rows, start=1):
            for col, value in enumerate(values):
                _write_cell(ws, n, col, value, date, stamp)
        counts.append(n)
    return counts


def _write_cell(ws, row: int, col: int, value: object, date_format, stamp_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        ws.write_string(row, col, escape_formula(value))
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value.replace(tzinfo=None), stamp_format)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    else:
        ws.write_string(row, col, escape_formula(str(value)))
