"""The sheet framework on its own: safe opening, cell normalisation, the all-or-nothing run with a
test importer, formula escaping on export, and templates. The orgs and people importers are
tested in zuofeng/orgs/tests/test_importers.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import struct
import zipfile

import pytest
import python_calamine
import xlsxwriter

from zuofeng.core import sheets
from zuofeng.core.sheets import framework, reader
from zuofeng.core.sheets.reader import InvalidFile, check_xlsx, parse_date
from zuofeng.core.sheets.writer import SheetSpec, escape_formula, write_workbook

D = dt.date


def write_xlsx(path, headers, rows, *, title=None):
    """A real xlsx written with XlsxWriter: str as text, dates as date cells, numbers as numbers."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = wb.add_worksheet()
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    first = 0
    if title:
        ws.write_string(0, 0, title)
        first = 1
    for col, header in enumerate(headers):
        ws.write_string(first, col, header)
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    wb.close()
    return path


def read_back(path, sheet=0):
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_index(sheet).to_python()


# --- a test importer: records what it is asked to write ------------------------------------

applied: list[dict] = []


class Items(sheets.Importer):
    kind = "test-items"
    label = "测试"
    columns = (
        sheets.Column("code", "编码", ("code",), required=True, parse=sheets.CODE),
        sheets.Column("name", "名称", ("name",), required=True, max_length=10),
        sheets.Column("day", "日期", ("day",), parse=sheets.DATE),
        sheets.Column("n", "数量", ("n", "count"), parse=sheets.INT),
        sheets.Column("color", "颜色", ("color",), choices=lambda: ["红", "绿"]),
    )

    def plan(self, rows, present, errors, *, actor):
        for row in rows:
            if row.ok("code") and row["code"] == "BAD":
                errors.add(row, "code", "坏编码")
        return [dict(r.values) for r in rows]

    def counts(self, plan):
        return len(plan), 0, 0

    def apply(self, plan, *, actor, report):
        applied.extend(plan)

    def export_rows(self, *, actor, scope, full):
        yield ("=1+2", "@SUM(A1)", D(2025, 4, 1), 3, "红")
        yield ("-5", "+86", None, -7, "\tx")
        yield ("plain", "（全角）", None, None, "")

    def after_export(self, *, actor, rows, scope, full):
        applied.append({"exported": rows})


@pytest.fixture
def items(db):
    framework._discover()
    framework.register(Items)
    applied.clear()
    yield sheets.get_importer("test-items")
    framework._registry.pop("test-items", None)
    applied.clear()


# --- normalising cells --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  东关街道  ", "东关街道"),
        ("第\u3000１２３\u00a0支部", "第 123 支部"),
        ("中共XX（委员会）", "中共XX（委员会）"),  # full-width brackets are correct Chinese
        ("a\u200bb", "ab"),
        ("x \t\n y", "x y"),
        (12.0, "12"),
        (3.5, "3.5"),
        (None, ""),
        (D(2025, 4, 1), "2025-04-01"),
        ("'=1+2", "=1+2"),  # the writer's escape comes off again
        ("'abc", "'abc"),
    ],
)
def test_normalise_text(raw, expected):
    assert reader.normalise_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("３３０ ６８２\u3000Ａ－１", "330682A-1"),  # full-width made ASCII, blanks removed
        (" 138 0000 1234 ", "13800001234"),
        (13800001234.0, "13800001234"),  # a phone typed into a number cell
        ("'-A1", "-A1"),
        (None, ""),
    ],
)
def test_normalise_compact(raw, expected):
    assert reader.normalise_compact(raw) == expected


def test_normalise_compact_refuses_an_id_already_truncated_by_excel():
    with pytest.raises(ValueError, match="文本格式"):
        reader.normalise_compact(330682199001010012.0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-04-01", D(2025, 4, 1)),
        ("2025/4/1", D(2025, 4, 1)),
        ("2025年4月1日", D(2025, 4, 1)),
        ("２０２５年４月１日", D(2025, 4, 1)),
        (" 2025 年 4 月 1 日 ", D(2025, 4, 1)),
        ("2025.4.1", D(2025, 4, 1)),
        ("20250401", D(2025, 4, 1)),
        ("2025-04-01 08:30:00", D(2025, 4, 1)),
        (D(2025, 4, 1), D(2025, 4, 1)),
        (dt.datetime(2025, 4, 1, 10, 30), D(2025, 4, 1)),
        (45748.0, D(2025, 4, 1)),  # Excel serial day of a number-formatted date cell
        (45748.4375, D(2025, 4, 1)),
        (20250401.0, D(2025, 4, 1)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date_variants(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2025-13-01", "2025-02-30", "abc", "4/1/2025", "2025年4月", -3.0])
def test_parse_date_rejects(raw):
    with pytest.raises(ValueError, match="日期格式不正确"):
        parse_date(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("12", 12), ("１２", 12), (12.0, 12), ("-3", -3), ("", None)]
)
def test_parse_int(raw, expected):
    assert reader.parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["1.5", 1.5, "abc", "12345678901"])
def test_parse_int_rejects(raw):
    with pytest.raises(ValueError, match="整数"):
        reader.parse_int(raw)


# --- opening uploads safely -----------------------------------------------------------------


def test_a_valid_xlsx_passes_and_is_fingerprinted(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", ["编码"], [["A"]])
    checked = check_xlsx(path)
    assert checked.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert checked.size == path.stat().st_size


def _zip(path, members: dict[str, bytes], method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _file(path, data: bytes):
    path.write_bytes(data)
    return path


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: _file(p, "name,code\n张三,1\n".encode()),  # a CSV named .xlsx
        lambda p: _file(p, b"PK\x03\x04 not really a zip"),
        lambda p: _zip(p, {"xl/workbook.xml": b"<x/>"}),  # no [Content_Types].xml
        lambda p: _zip(  # a Word document renamed
            p,
            {
                "[Content_Types].xml": CONTENT_TYPES.replace(
                    b"spreadsheetml.sheet.main", b"wordprocessingml.document.main"
                )
            },
        ),
        lambda p: _zip(  # an XML entity bomb in the content types
            p,
            {
                "[Content_Types].xml": b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;">]><Types>&b;</Types>'
            },
        ),
        lambda p: _file(p, b""),
    ],
    ids=["csv", "broken-zip", "no-content-types", "docx", "xml-entities", "empty"],
)
def test_not_an_xlsx_is_refused_by_content(tmp_path, make):
    path = make(tmp_path / "upload.xlsx")
    with pytest.raises(InvalidFile, match="不是有效的 Excel 文件"):
        check_xlsx(path)


def test_too_large_is_refused_before_reading(tmp_path, settings):
    path = write_xlsx(tmp_path / "a.xlsx", ["编码"], [["A"] for _ in range(10)])
    settings.IMPORT_MAX_BYTES = path.stat().st_size - 1
    with pytest.raises(InvalidFile, match="文件过大"):
        check_xlsx(path)


def test_too_many_members_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_ZIP_ENTRIES = 10
    members = {"[Content_Types].xml": CONTENT_TYPES} | {f"x/{i}.xml": b"<x/>" for i in range(11)}
    with pytest.raises(InvalidFile, match="文件过多"):
        check_xlsx(_zip(tmp_path / "a.xlsx", members))


def test_zip_bomb_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    bomb = {"[Content_Types].xml": CONTENT_TYPES, "xl/worksheets/sheet1.xml": b"0" * (8 << 20)}
    path = _zip(tmp_path / "bomb.xlsx", bomb)
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(InvalidFile, match="解压后过大"):
        check_xlsx(path)


def test_zip_bomb_that_lies_about_its_size_is_refused(tmp_path, settings):
    """The headers say 100 bytes; the member inflates to 8 MB. The count is what inflates."""
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    path = _zip(
        tmp_path / "liar.xlsx",
        {"[Content_Types].xml": CONTENT_TYPES, "xl/worksheets/sheet1.xml": b"0" * (8 << 20)},
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 100)  # local header: size
    central = data.rfind(b"PK\x01\x02")  # the last member's central directory entry
    struct.pack_into("<I", data, central + 24, 100)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == 100
    with pytest.raises(InvalidFile, match="解压后过大"):
        check_xlsx(path)


# --- running an import --------------------------------------------------------------------


def test_headers_map_in_chinese_or_english_and_rows_parse(items, tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        ["CODE", "名称", "Count", "日期", "备注"],  # an unknown column is ignored
        [["Ａ１", " 甲 ", 3, D(2025, 4, 1)], ["B2", "乙", "４", "2025/4/2"]],
    )
    report = sheets.run_import_file("test-items", path)
    assert (report.rows, report.created, report.updated, report.unchanged) == (2, 2, 0, 0)
    assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert report.summary() == "test-items: created 2, updated 0, unchanged 0"
    assert applied == [
        {"code": "A1", "name": "甲", "n": 3, "day": D(2025, 4, 1)},
        {"code": "B2", "name": "乙", "n": 4, "day": D(2025, 4, 2)},
    ]


def test_every_bad_row_is_listed_with_excel_row_numbers_and_nothing_applied(items, tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx",
        ["编码", "名称", "数量", "日期"],
        [
            ["A", "甲", 1, None],  # row 3: fine (the title is row 1, the header row 2)
            ["", "乙", "x", "2025-02-30"],  # row 4: three errors
            [None, None, None, None],  # a blank row is skipped but keeps its number
            ["BAD", "名称长过了十个字的名称", None, None],  # row 6
        ],
        title="2025年党员名册",
    )
    with pytest.raises(sheets.ImportFailed) as caught:
        sheets.run_import_file("test-items", path)
    assert caught.value.lines() == [
        "第4行 编码: 必填",
        "第4行 日期: 日期格式不正确，应为 2025-04-01、2025/4/1 或 2025年4月1日",
        "第4行 数量: 应为整数",
        "第6行 编码: 坏编码",
        "第6行 名称: 不能超过10个字符",
    ]
    assert applied == []


def test_a_missing_required_column_is_reported_on_the_header_row(items):
    with pytest.raises(sheets.ImportFailed) as caught:
        sheets.run_import("test-items", [{"名称": "甲"}])
    assert caught.value.errors == [(1, "编码", "缺少此列")]


def test_a_repeated_column_is_an_error(items, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", ["编码", "名称", "code"], [["A", "甲", "B"]])
    with pytest.raises(sheets.ImportFailed) as caught:
        sheets.run_import_file("test-items", path)
    assert caught.value.lines() == ["第1行 编码: 列重复"]


def test_a_sheet_without_our_headers_says_so(items, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", ["foo", "bar"], [["1", "2"]])
    with pytest.raises(sheets.ImportFailed, match="1") as caught:
        sheets.run_import_file("test-items", path)
    assert caught.value.errors[0][0] == 1
    assert "未找到表头" in caught.value.errors[0][2]


def test_in_memory_rows_are_numbered_as_if_row_one_were_the_header(items):
    with pytest.raises(sheets.ImportFailed) as caught:
        sheets.run_import("test-items", [{"编码": "A", "名称": "甲"}, {"编码": "", "名称": "乙"}])
    assert caught.value.errors == [(3, "编码", "必填")]


def test_dry_run_counts_and_applies_nothing(items):
    report = sheets.run_import("test-items", [{"code": "A", "name": "甲"}], dry_run=True)
    assert (report.created, report.dry_run) == (1, True)
    assert report.summary().endswith("(dry run, nothing written)")
    assert applied == []


def test_too_many_rows_is_refused(items, settings):
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(sheets.ImportFailed, match="1") as caught:
        sheets.run_import("test-items", [{"编码": str(i), "名称": "x"} for i in range(3)])
    assert caught.value.errors == [(4, "", "行数超过上限 2")]


def test_unknown_kind():
    with pytest.raises(sheets.UnknownKind, match="nope"):
        sheets.get_importer("nope")


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+2", "'=1+2"),
        ("+8613800001234", "'+8613800001234"),
        ("-5", "'-5"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("  =1+2", "'  =1+2"),  # leading blanks do not hide a formula
        ("＝1+2", "'＝1+2"),
        ("东关=街道", "东关=街道"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_escape_formula(value, escaped):
    assert escape_formula(value) == escaped


def test_export_escapes_formulas_and_reads_back_unchanged(items, tmp_path):
    path = tmp_path / "out.xlsx"
    assert sheets.export_file("test-items", path) == 3
    rows = read_back(path)
    assert rows[0] == ["编码", "名称", "日期", "数量", "颜色"]
    assert rows[1] == ["'=1+2", "'@SUM(A1)", D(2025, 4, 1), 3.0, "红"]
    assert rows[2] == ["'-5", "'+86", "", -7.0, "'\tx"]
    assert rows[3][:2] == ["plain", "（全角）"]
    assert applied == [{"exported": 3}]
    # No cell is a formula: the sheet XML holds no <f> element.
    with zipfile.ZipFile(path) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")
    # Importing the export gives the original values back.
    applied.clear()
    sheets.run_import_file("test-items", path, dry_run=False)
    assert [w["code"] for w in applied] == ["=1+2", "-5", "plain"]


def test_template_has_headers_and_allowed_values(items, tmp_path):
    path = tmp_path / "t.xlsx"
    sheets.write_template("test-items", path)
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["测试", "可选值"]
    assert wb.get_sheet_by_index(0).to_python() == [["编码", "名称", "日期", "数量", "颜色"]]
    assert wb.get_sheet_by_name("可选值").to_python() == [["颜色"], ["红"], ["绿"]]
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<dataValidation" in sheet and "'可选值'!$A$2:$A$3" in sheet


def test_write_workbook_to_a_stream():
    buffer = io.BytesIO()
    assert write_workbook(buffer, [SheetSpec("s", ["a"], [["=x"], [1]])]) == [2]
    assert buffer.getvalue()[:4] == b"PK\x03\x04"
