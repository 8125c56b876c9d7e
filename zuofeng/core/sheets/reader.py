"""Reading uploaded spreadsheets safely, and normalising what their cells hold.

An upload is trusted only after its content proves it is an xlsx: the zip magic, a
`[Content_Types].xml` (parsed with defusedxml) that declares a workbook, at most
IMPORT_MAX_ZIP_ENTRIES members, and at most IMPORT_MAX_UNPACKED_BYTES once inflated. The
inflated size is measured by inflating every member ourselves, not read from the zip headers,
because a zip bomb lies in its headers. Only then does python-calamine parse it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_LOCAL_HEADER = struct.Struct("<4s5H3I2H")
_CHUNK = 1 << 20


class InvalidFile(Exception):
    """The upload is not a spreadsheet we accept (type, size, unpacked size); one line."""


@dataclass(frozen=True)
class CheckedFile:
    path: Path
    size: int
    sha256: str


def check_xlsx(path: str | Path) -> CheckedFile:
    """Prove by content that `path` is an xlsx within the size limits, or raise InvalidFile."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidFile(_("无法读取文件")) from exc
    if size > settings.IMPORT_MAX_BYTES:
        raise InvalidFile(
            _("文件过大：不能超过 %(mb)d MB") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        if fh.read(4) != ZIP_MAGIC:
            raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）"))
        fh.seek(0)
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            sha.update(chunk)
        try:
            archive = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）")) from exc
        with archive:
            members = archive.infolist()
            if len(members) > settings.IMPORT_MAX_ZIP_ENTRIES:
                raise InvalidFile(_("文件内部结构异常：包含的文件过多"))
            _check_content_types(archive)
            _check_unpacked_size(fh, members)
    return CheckedFile(path=path, size=size, sha256=sha.hexdigest())


def _check_content_types(archive: zipfile.ZipFile) -> None:
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError as exc:
        raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）")) from exc
    if info.file_size > 1024 * 1024:
        raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）"))
    try:
        root = ElementTree.fromstring(archive.read(info))
    except Exception as exc:  # defusedxml refuses entities and DTDs; zlib or XML errors alike
        raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）")) from exc
    if not any(el.get("ContentType") == WORKBOOK_TYPE for el in root.iter()):
        raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）"))


def _check_unpacked_size(fh, members: list[zipfile.ZipInfo]) -> None:
    """Inflate every member from its raw bytes and count; the headers are not believed."""
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    too_big = InvalidFile(_("文件解压后过大：不能超过 %(mb)d MB") % {"mb": limit // (1024 * 1024)})
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise InvalidFile(_("不支持加密的文件"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）"))
        fh.seek(info.header_offset)
        header = fh.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != ZIP_MAGIC:
            raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）"))
        fields = _LOCAL_HEADER.unpack(header)
        fh.seek(fields[-2] + fields[-1], 1)  # skip the name and extra field
        left = info.compress_size
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        while left > 0:
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            if inflater is None:
                total += len(chunk)
            else:
                try:
                    while chunk and not inflater.eof:
                        out = inflater.decompress(chunk, _CHUNK)
                        total += len(out)
                        if total > limit:
                            raise too_big
                        chunk = inflater.unconsumed_tail
                except zlib.error as exc:
                    raise InvalidFile(_("不是有效的 Excel 文件（.xlsx）")) from exc
            if total > limit:
                raise too_big
            if inflater is not None and inflater.eof:
                break


def iter_sheet(path: str | Path) -> Iterator[tuple[int, list]]:
    """(Excel row number, cell values) of the first sheet, blank rows left out.

    Call check_xlsx first: this parses whatever it is given.
    """
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        first = sheet.start[0] + 1 if sheet.start else 1
        for offset, cells in enumerate(sheet.iter_rows()):
            if cells.count("") + cells.count(None) < len(cells):  # not blank (C-speed test)
                yield first + offset, cells
    except InvalidFile:
        raise
    except Exception as exc:  # calamine raises its own error classes for broken content
        raise InvalidFile(_("无法读取表格内容：文件已损坏或格式不受支持")) from exc


# --- normalising cell values ----------------------------------------------------------------

# Cells a spreadsheet program could take for a formula (OWASP CSV injection): the writer
# prefixes them with an apostrophe, and the reader takes that apostrophe off again.
FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")

_FULLWIDTH_DIGITS = {0xFF10 + i: 0x30 + i for i in range(10)}
_FULLWIDTH_ASCII = {0xFF01 + i: 0x21 + i for i in range(94)}
_SPACES = {0x3000: 0x20, 0x00A0: 0x20, 0x200B: None, 0xFEFF: None, 0x2002: 0x20, 0x2003: 0x20}
_TEXT_TABLE = _FULLWIDTH_DIGITS | _SPACES
_COMPACT_TABLE = _FULLWIDTH_ASCII | _SPACES
_WHITESPACE = re.compile(r"\s+")
# What _TEXT_TABLE changes that split() below does not already treat as a blank.
_TEXT_UNUSUAL = re.compile("[\uff10-\uff19\u200b\ufeff]")


def unescape(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def normalise_text(value: object) -> str:
    """Free text: full-width digits and spaces made ASCII, runs of blanks made one space.

    Full-width punctuation stays: （） and ， are correct in Chinese names.
    """
    if value.__class__ is not str:
        value = cell_text(value)
    if value[:1] == "'":
        value = unescape(value)
    # isascii() is a flag test: ASCII text has nothing to translate; other text rarely has,
    # and a regex finds that much faster than translate() walks it.
    if not value.isascii() and _TEXT_UNUSUAL.search(value):
        value = value.translate(_TEXT_TABLE)
    return " ".join(value.split())  # split(): every Unicode blank, leading and trailing too


def normalise_compact(value: object) -> str:
    """Codes and numbers (org code, ID, phone): every full-width character made ASCII and
    every blank removed, so `３３０６８２ １９９０…` and `330682 1990…` read the same."""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
        # An 18-digit ID typed into a number cell has already lost its last digits.
        raise ValueError(_("数字位数过长，已被 Excel 截断；请将该列设为文本格式后重新填写"))
    if value.__class__ is not str:
        value = cell_text(value)
    if value.isalnum() and value.isascii():  # the usual case: nothing to change
        return value
    if value[:1] == "'":
        value = unescape(value)
    return "".join(value.translate(_COMPACT_TABLE).split())


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
# Excel's serial day 1 is 1900-01-01 and it counts a 29 February 1900 that never was.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: object) -> dt.date | None:
    """A date from a date cell, an Excel serial number, or text such as 2025-04-01,
    2025/4/1, 2025.4.1, 2025年4月1日 or 20250401. Empty gives None; anything else ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 10_000_000 <= value <= 99_991_231 and float(value).is_integer():
            return parse_date(str(int(value)))
        if 1 <= value < 2_958_466:  # up to 9999-12-31
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_date_message())
    text = _WHITESPACE.sub(" ", unescape(str(value)).translate(_COMPACT_TABLE)).strip()
    if not text:
        return None
    for candidate in (text, text.replace(" ", "")):
        for pattern in _DATE_PATTERNS:
            match = pattern.match(candidate)
            if match:
                year, month, day = (int(g) for g in match.groups())
                try:
                    return dt.date(year, month, day)
                except ValueError:
                    raise ValueError(_date_message()) from None
    raise ValueError(_date_message())


def _date_message() -> str:
    return _("日期格式不正确，应为 2025-04-01、2025/4/1 或 2025年4月1日")


def parse_int(value: object) -> int | None:
    """A whole number from a number cell or text; empty gives None; anything else ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_("应为整数"))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(_("应为整数"))
    text = normalise_compact(value)
    if not text:
        return None
    if not re.fullmatch(r"[+-]?\d{1,10}", text):
        raise ValueError(_("应为整数"))
    return int(text)
