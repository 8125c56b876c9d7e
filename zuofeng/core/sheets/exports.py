"""Exports and templates: the same columns an import reads, written so no cell is a formula."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from django.utils import translation
from xlsxwriter.utility import xl_col_to_name

from zuofeng.core.sheets.framework import CODE, Importer, get_importer
from zuofeng.core.sheets.writer import SheetSpec, write_workbook

ALLOWED_SHEET = "可选值"


def _sheet_name(importer: Importer) -> str:
    with translation.override("zh-hans"):
        return str(importer.label)


def export_file(
    kind: str,
    target: str | Path | IO[bytes],
    *,
    actor=None,
    scope: str | None = None,
    full: bool = False,
) -> int:
    """Write the records of `kind` (within `scope`, an org code) in the import's columns; text
    that looks like a formula is escaped. Returns the number of rows; the export is audited."""
    importer = get_importer(kind)
    rows = importer.export_rows(actor=actor, scope=scope, full=full)
    spec = SheetSpec(
        name=_sheet_name(importer),
        headers=importer.headers,
        rows=rows,
        widths=[c.width for c in importer.columns],
        text_columns=frozenset(i for i, c in enumerate(importer.columns) if c.parse == CODE),
    )
    count = write_workbook(str(target) if isinstance(target, Path) else target, [spec])[0]
    importer.after_export(actor=actor, rows=count, scope=scope, full=full)
    return count


def write_template(kind: str, target: str | Path | IO[bytes]) -> None:
    """An empty sheet with the headers (required ones in red, codes as text cells, drop-downs
    for fixed vocabularies) and a second sheet, 可选值, listing the allowed values."""
    importer = get_importer(kind)
    allowed = importer.allowed_values()
    dropdowns = {}
    for letter_index, (header, values) in enumerate(allowed):
        col = importer.headers.index(header)
        letter = xl_col_to_name(letter_index)
        dropdowns[col] = f"='{ALLOWED_SHEET}'!${letter}$2:${letter}${max(len(values), 1) + 1}"
    depth = max((len(v) for _h, v in allowed), default=0)
    main = SheetSpec(
        name=_sheet_name(importer),
        headers=importer.headers,
        widths=[c.width for c in importer.columns],
        text_columns=frozenset(i for i, c in enumerate(importer.columns) if c.parse == CODE),
        required_columns=frozenset(i for i, c in enumerate(importer.columns) if c.required),
        dropdowns=dropdowns,
    )
    values = SheetSpec(
        name=ALLOWED_SHEET,
        headers=[h for h, _v in allowed],
        rows=[[v[i] if i < len(v) else None for _h, v in allowed] for i in range(depth)],
        widths=[16] * len(allowed),
    )
    write_workbook(str(target) if isinstance(target, Path) else target, [main, values])
