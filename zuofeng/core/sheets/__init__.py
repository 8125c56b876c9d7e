"""Spreadsheet import and export: one framework for every kind of sheet (DESIGN.md §4).

    run_import(kind, rows, *, actor=None, dry_run=False) -> ImportReport
    run_import_file(kind, path, *, actor=None, dry_run=False) -> ImportReport
    export_file(kind, target, *, actor=None, scope=None, full=False) -> int
    write_template(kind, target)

Imports are all or nothing: ImportFailed (with `.errors`, every (row, column, reason)) or
InvalidFile (the upload itself is refused) means nothing was written.
"""

from zuofeng.core.sheets.exports import ALLOWED_SHEET, export_file, write_template
from zuofeng.core.sheets.framework import (
    CODE,
    DATE,
    INT,
    TEXT,
    Column,
    Errors,
    ExportError,
    Importer,
    ImportFailed,
    ImportReport,
    Row,
    RowError,
    UnknownKind,
    format_error,
    get_importer,
    kinds,
    register,
    run_import,
    run_import_file,
)
from zuofeng.core.sheets.reader import InvalidFile

__all__ = [
    "ALLOWED_SHEET",
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
    "export_file",
    "format_error",
    "get_importer",
    "kinds",
    "register",
    "run_import",
    "run_import_file",
    "write_template",
]
