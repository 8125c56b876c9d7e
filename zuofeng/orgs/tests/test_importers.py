"""Orgs and people through the sheet framework: files, commands and pages.

Every rejected file is checked to have written nothing: the counts of orgs, people and audit
entries are the same before and after. A re-import that changes nothing appends no audit entry
(an import audits the changes it makes, once per file).
"""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
import python_calamine
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from zuofeng.core import sheets
from zuofeng.core.models import AuditEntry
from zuofeng.core.tests.test_sheets import CONTENT_TYPES, _zip, read_back, write_xlsx
from zuofeng.orgs import services
from zuofeng.orgs.models import Org, Person, segment
from zuofeng.orgs.tests.factories import id_number, make_user

D = dt.date
ORG_HEADERS = ["组织编码", "组织名称", "上级组织编码", "组织类别", "简称", "排序号"]
PEOPLE_HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "所在组织编码",
    "政治面貌",
    "干部层级",
    "职务",
    "人员编号",
]
ID_A = id_number("330682", D(1990, 1, 1), 1, True)  # 男
ID_B = id_number("330682", D(1988, 5, 20), 2, False)  # 女
ID_C = id_number("330682", D(1995, 12, 31), 3, True)


def totals():
    return Org.objects.count(), Person.objects.count(), AuditEntry.objects.count()


def fail_lines(kind, rows, **kwargs):
    """The error lines of an import that must fail, after proving it wrote nothing."""
    before = totals()
    with pytest.raises(sheets.ImportFailed) as caught:
        sheets.run_import(kind, rows, **kwargs)
    assert totals() == before
    return caught.value.lines()


def org_row(code, name, parent, kind="党支部", short="", order=None):
    return dict(zip(ORG_HEADERS, [code, name, parent, kind, short, order], strict=True))


def person_row(**values):
    keys = dict(
        name="姓名",
        gender="性别",
        birth="出生日期",
        id="身份证号",
        phone="手机号",
        org="所在组织编码",
        status="政治面貌",
        level="干部层级",
        position="职务",
        no="人员编号",
    )
    row = dict.fromkeys(PEOPLE_HEADERS, "")
    row.update({keys[k]: v for k, v in values.items()})
    return row


def last_audit():
    return AuditEntry.objects.order_by("-seq").first()


def run_cli(*argv):
    """The real command line: returns the exit code (0 on success)."""
    # run_from_argv closes every connection when it ends: that would end the test's transaction.
    with mock.patch.object(connections, "close_all"):
        try:
            ManagementUtility(["zuofeng", *argv]).execute()
        except SystemExit as exc:
            return exc.code
    return 0


# --- orgs --------------------------------------------------------------------------------------


def test_orgs_file_child_before_parent(district, tmp_path, capsys):
    path = write_xlsx(
        tmp_path / "orgs.xlsx",
        ORG_HEADERS,
        [
            ["T1A", "东关村第一党小组", "T1N", "党支部", "", 2],  # its parent comes later
            ["T1N", "东关村新党支部", "T", "村党组织", "新支部", 1],
            ["DB", "区教育局", "D", "department", "", None],  # kind by code
        ],
    )
    before = AuditEntry.objects.count()
    assert run_cli("import", "orgs", str(path)) == 0
    assert capsys.readouterr().out.strip() == "orgs: created 3, updated 0, unchanged 0"
    t1n, t1a, db_ = (Org.objects.get(code=c) for c in ("T1N", "T1A", "DB"))
    assert (t1n.parent, t1n.path, t1n.depth) == (
        district.town,
        district.town.path + segment(t1n.pk),
        2,
    )
    assert (t1a.parent, t1a.path, t1a.depth) == (t1n, t1n.path + segment(t1a.pk), 3)
    assert (t1n.short_name, t1n.sort_order, t1n.kind.code, t1a.sort_order) == (
        "新支部",
        1,
        "village",
        2,
    )
    assert (db_.parent, db_.kind.name, db_.path) == (
        district.root,
        "区级部门",
        district.root.path + segment(db_.pk),
    )
    assert Org.objects.subtree(district.town).count() == 5
    assert AuditEntry.objects.count() == before + 1
    entry = last_audit()
    assert (entry.action, entry.actor_name[:4]) == ("import.orgs", "cli:")
    assert entry.after == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rows": 3,
        "sha256": sheets.reader.check_xlsx(path).sha256,
    }


def test_reimporting_the_same_orgs_changes_nothing(district, tmp_path, capsys):
    path = write_xlsx(
        tmp_path / "orgs.xlsx",
        ORG_HEADERS,
        [["N1", "新单位", "D", "区级部门", "", 3], ["N2", "新单位支部", "N1", "党支部", "", None]],
    )
    assert run_cli("import", "orgs", str(path)) == 0
    snapshot = list(Org.objects.values_list("code", "path", "version", "updated_at"))
    before = totals()
    capsys.readouterr()
    assert run_cli("import", "orgs", str(path)) == 0
    assert capsys.readouterr().out.strip() == "orgs: created 0, updated 0, unchanged 2"
    assert totals() == before  # no new audit entry either
    assert list(Org.objects.values_list("code", "path", "version", "updated_at")) == snapshot


def test_existing_district_exported_and_reimported_is_unchanged(district, tmp_path):
    path = tmp_path / "orgs.xlsx"
    assert sheets.export_file("orgs", path) == 8
    before = Org.objects.count(), Person.objects.count()
    report = sheets.run_import_file("orgs", path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    assert (Org.objects.count(), Person.objects.count()) == before


def test_update_by_code_renames_and_reparents_keeping_paths(district):
    leaf = services.org_create(
        actor=None, code="T1X", name="党小组", kind=district.v1.kind, parent=district.v1
    )
    report = sheets.run_import(
        "orgs",
        [
            org_row("T1", "东关村党委", "U", kind="村党组织"),  # moves with its subtree
            org_row("T1Y", "新小组", "T1X"),  # new, under the moved subtree
        ],
    )
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    t1, leaf, new = (Org.objects.get(code=c) for c in ("T1", "T1X", "T1Y"))
    assert (t1.name, t1.parent_id, t1.version) == ("东关村党委", district.town2.pk, 2)
    assert t1.path == district.town2.path + segment(t1.pk)
    assert (leaf.path, leaf.depth) == (t1.path + segment(leaf.pk), 3)
    assert (new.path, new.depth, new.parent_id) == (leaf.path + segment(new.pk), 4, leaf.pk)
    assert {o.code for o in Org.objects.subtree(district.town2)} == {"U", "U1", "T1", "T1X", "T1Y"}
    assert {o.code for o in Org.objects.subtree(district.town)} == {"T", "T2"}


def test_moves_are_applied_top_down(district):
    """T goes under DA while T1 goes under a new org below T: parents are placed first."""
    sheets.run_import(
        "orgs",
        [
            org_row("T1", "东关村党支部", "TN", kind="村党组织"),
            org_row("TN", "东关新区", "T", kind="党委"),
            org_row("T", "东关街道", "DA", kind="乡镇街道"),
        ],
    )
    for org in Org.objects.all():
        expected = (org.parent.path if org.parent_id else "") + segment(org.pk)
        assert org.path == expected, org.code
        assert org.depth == len(org.path) // 9 - 1
    assert Org.objects.get(code="T1").path.startswith(Org.objects.get(code="DA").path)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([org_row("N1", "", "D")], ["第2行 组织名称: 必填"]),
        ([org_row("", "新单位", "D")], ["第2行 组织编码: 必填"]),
        (
            [org_row("N/1", "新单位", "D")],
            ["第2行 组织编码: 组织编码只能由字母、数字、下划线和连字符组成，最长32位"],
        ),
        ([org_row("N1", "新单位", "NOPE")], ["第2行 上级组织编码: 上级组织“NOPE”不存在"]),
        ([org_row("N1", "新单位", "D", kind="星球")], ["第2行 组织类别: 未知的组织类别“星球”"]),
        ([org_row("N1", "新单位", "D", order="一")], ["第2行 排序号: 应为整数"]),
        (
            [org_row("N1", "新单位", "D"), org_row("N1", "又一个", "D")],
            ["第3行 组织编码: 与第2行重复"],
        ),
        (
            [org_row("X", "甲", "Y"), org_row("Y", "乙", "X")],
            [
                "第2行 上级组织编码: 上级关系形成循环：X → Y → X",
                "第3行 上级组织编码: 上级关系形成循环：X → Y → X",
            ],
        ),
        ([org_row("N1", "新单位", "N1")], ["第2行 上级组织编码: 不能以自身为上级组织"]),
        (  # a cycle through an org that is not in the file: T1 is below T
            [org_row("T", "东关街道", "T1", kind="乡镇街道")],
            ["第2行 上级组织编码: 上级关系形成循环：T → T1 → T"],
        ),
        ([org_row("D", "测试区委", "T", kind="区委")], ["第2行 上级组织编码: 根组织不能移动"]),
        (
            [org_row("T", "东关街道", "", kind="乡镇街道")],
            ["第2行 上级组织编码: 必填：只有根组织可以不填上级组织编码"],
        ),
    ],
    ids=[
        "missing-name",
        "missing-code",
        "bad-code",
        "unknown-parent",
        "unknown-kind",
        "bad-order",
        "duplicate-in-file",
        "cycle",
        "own-parent",
        "cycle-through-db",
        "root-moved",
        "parent-removed",
    ],
)
def test_bad_org_rows_write_nothing(district, rows, expected):
    assert fail_lines("orgs", rows) == expected


def test_every_bad_org_row_is_listed_not_just_the_first(district):
    rows = [
        org_row("OK1", "好单位", "D"),
        org_row("N1", "", "NOPE", kind="星球"),
        org_row("OK2", "好单位二", "OK1"),
        org_row("N/2", "坏编码", "D"),
    ]
    assert fail_lines("orgs", rows) == [
        "第3行 组织名称: 必填",
        "第3行 上级组织编码: 上级组织“NOPE”不存在",
        "第3行 组织类别: 未知的组织类别“星球”",
        "第5行 组织编码: 组织编码只能由字母、数字、下划线和连字符组成，最长32位",
    ]


def test_a_root_can_be_created_from_the_command_line(db):
    report = sheets.run_import("orgs", [org_row("R", "某区委", "", kind="区委")])
    root = Org.objects.get(code="R")
    assert (report.created, root.parent_id, root.path, root.depth) == (1, None, segment(root.pk), 0)


def test_a_web_user_imports_only_inside_their_scope(district):
    user = make_user("town", ("unit_admin", district.town))
    report = sheets.run_import(
        "orgs", [org_row("T3", "新社区", "T", kind="社区党组织")], actor=user
    )
    assert report.created == 1
    assert last_audit().actor_id == user.pk
    assert fail_lines(
        "orgs",
        [
            org_row("U2", "陈溪新村", "U", kind="村党组织"),  # under an org outside the scope
            org_row("R2", "新区委", "", kind="区委"),  # a root
            org_row("U1", "改名", "U", kind="村党组织"),  # an org outside the scope
            org_row("T1", "东关村党支部", "U", kind="村党组织"),  # moved out of the scope
            org_row("D", "测试区委", "", kind="区委"),  # unchanged: not a write, so no error
        ],
        actor=user,
    ) == [
        "第2行 上级组织编码: 不在您的管辖范围内",
        "第3行 上级组织编码: 只能在命令行创建根组织",
        "第4行 组织编码: 不在您的管辖范围内",
        "第5行 上级组织编码: 不在您的管辖范围内",
    ]


def test_dry_run_validates_and_counts_but_writes_nothing(district, tmp_path, capsys):
    path = write_xlsx(tmp_path / "o.xlsx", ORG_HEADERS, [["N1", "新单位", "D", "区级部门", "", 1]])
    before = totals()
    assert run_cli("import", "orgs", str(path), "--dry-run") == 0
    assert capsys.readouterr().out.strip() == (
        "orgs: created 1, updated 0, unchanged 0 (dry run, nothing written)"
    )
    assert totals() == before


# --- the command line: failures -------------------------------------------------------------


def test_cli_lists_every_bad_row_and_exits_1(district, tmp_path, capsys):
    path = write_xlsx(
        tmp_path / "o.xlsx",
        ORG_HEADERS,
        [["N1", "", "D", "区级部门"], ["N2", "好", "NOPE", "区级部门"]],
    )
    before = totals()
    assert run_cli("import", "orgs", str(path)) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "第2行 组织名称: 必填",
        "第3行 上级组织编码: 上级组织“NOPE”不存在",
        "CommandError: 2处错误，未导入任何数据",
    ]
    assert totals() == before


def test_cli_caps_the_listing_and_says_how_many_more(district, tmp_path, capsys):
    rows = [[f"N{i}", "", "D", "区级部门"] for i in range(205)]
    path = write_xlsx(tmp_path / "o.xlsx", ORG_HEADERS, rows)
    assert run_cli("import", "orgs", str(path)) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 202
    assert err[-2:] == ["……另有5处错误未列出", "CommandError: 205处错误，未导入任何数据"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p: p.write_bytes(b"\xef\xbb\xbf\xe5\xa7\x93\xe5\x90\x8d,code\n"),
            "不是有效的 Excel 文件（.xlsx）",
        ),
        (
            lambda p: _zip(
                p, {"[Content_Types].xml": CONTENT_TYPES, "xl/big.xml": b"0" * (3 << 20)}
            ),
            "文件解压后过大：不能超过 1 MB",
        ),
        (lambda p: p.write_bytes(b"PK\x03\x04" + b"0" * (2 << 20)), "文件过大：不能超过 1 MB"),
    ],
    ids=["not-xlsx", "zip-bomb", "too-large"],
)
def test_cli_refuses_a_bad_file_in_one_line(district, tmp_path, capsys, settings, make, message):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    path = tmp_path / "upload.xlsx"
    make(path)
    before = totals()
    assert run_cli("import", "people", str(path)) == 1
    assert capsys.readouterr().err.splitlines() == [f"CommandError: {message}"]
    assert totals() == before


def test_cli_unknown_kind(db, tmp_path):
    with pytest.raises(CommandError, match="未知的导入类型"):
        call_command("import", "widgets", str(tmp_path / "x.xlsx"))


# --- people --------------------------------------------------------------------------------


def test_people_file_with_every_date_form_and_normalisation(district, tmp_path, capsys):
    fullwidth_id = ID_B.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    path = write_xlsx(
        tmp_path / "p.xlsx",
        PEOPLE_HEADERS,
        [
            [
                "张三",
                "男",
                "1990-01-01",
                ID_A,
                "138 0000 1234",
                "T1",
                "中共党员",
                "中层干部",
                "村主任",
                "P001",
            ],
            [
                "李四",
                "女",
                "1988/5/20",
                fullwidth_id,
                "１３９００００５６７８",
                "T1",
                "预备党员",
                "",
                "",
                "P002",
            ],
            [
                "王五",
                "",
                "1995年12月31日",
                ID_C,
                13700001111,
                "DA1",
                "群众",
                "一般干部",
                "科员",
                "P003",
            ],
            ["赵六", "男", D(1980, 2, 3), "", "", "T2", "", "区管领导干部", "", "P004"],
            [" 钱 七 ", "女", "２０００年１月２日", "", "", "U1", "共青团员", "", "", "P005"],
        ],
    )
    assert run_cli("import", "people", str(path)) == 0
    assert capsys.readouterr().out.strip() == "people: created 5, updated 0, unchanged 0"
    p = {x.person_no: x for x in Person.objects.select_related("org")}
    assert (p["P001"].name, p["P001"].gender, p["P001"].birth_date) == ("张三", "M", D(1990, 1, 1))
    assert (p["P001"].phone, p["P001"].id_number, p["P001"].org.code) == ("13800001234", ID_A, "T1")
    assert (p["P001"].political_status, p["P001"].cadre_level, p["P001"].position) == (
        "member",
        "middle",
        "村主任",
    )
    assert (p["P002"].id_number, p["P002"].phone, p["P002"].birth_date) == (
        ID_B,
        "13900005678",
        D(1988, 5, 20),
    )
    assert p["P002"].political_status == "probationary"
    # Gender and birth date come from the ID when the columns are empty.
    assert (p["P003"].gender, p["P003"].birth_date, p["P003"].phone) == (
        "M",
        D(1995, 12, 31),
        "13700001111",
    )
    assert (p["P003"].political_status, p["P003"].cadre_level) == ("masses", "general")
    assert (p["P004"].birth_date, p["P004"].political_status, p["P004"].cadre_level) == (
        D(1980, 2, 3),
        "member",  # the default
        "district_leader",
    )
    assert (p["P005"].name, p["P005"].birth_date, p["P005"].political_status) == (
        "钱 七",
        D(2000, 1, 2),
        "league",
    )
    assert (p["P005"].id_number_enc, p["P005"].phone_enc) == ("", "")
    entry = last_audit()
    assert entry.action == "import.people"
    assert (entry.after["created"], entry.after["rows"]) == (5, 5)


def test_raw_columns_hold_no_plaintext_phone_or_id(district):
    sheets.run_import(
        "people",
        [person_row(name="张三", id=ID_A, phone="13800001234", org="T1", no="P1")],
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Person._meta.db_table}")
        raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert "13800001234" not in raw and ID_A not in raw and ID_A[6:14] not in raw
    person = Person.objects.get()
    assert person.id_number_enc.startswith(("a1:", "g1:"))
    assert (person.id_number, person.phone) == (ID_A, "13800001234")
    assert "13800001234" not in str(last_audit().after) and ID_A not in str(last_audit().after)


def test_reimporting_the_same_people_changes_nothing(district, tmp_path):
    path = write_xlsx(
        tmp_path / "p.xlsx",
        PEOPLE_HEADERS,
        [
            ["张三", "男", "1990-01-01", ID_A, "13800001234", "T1", "中共党员", "", "", "P1"],
            ["李四", "", "", ID_B, "", "T2", "", "", "", ""],  # matched by ID only
        ],
    )
    sheets.run_import_file("people", path)
    snapshot = list(Person.objects.values_list("id", "version", "updated_at", "id_number_enc"))
    before = totals()
    report = sheets.run_import_file("people", path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert totals() == before
    assert (
        list(Person.objects.values_list("id", "version", "updated_at", "id_number_enc")) == snapshot
    )


def test_update_by_person_no_and_by_id_number(district):
    sheets.run_import(
        "people",
        [
            person_row(name="张三", id=ID_A, phone="13800001234", org="T1", no="P1"),
            person_row(name="李四", id=ID_B, org="T2"),
        ],
    )
    first, second = Person.objects.get(person_no="P1"), Person.objects.get(name="李四")
    report = sheets.run_import(
        "people",
        [
            person_row(
                name="张三", id=ID_A, phone="13900009999", org="U1", position="书记", no="P1"
            ),
            person_row(
                name="李四", id=ID_B, phone="13700001111", org="T2", no="P2"
            ),  # gains a number
        ],
    )
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.phone, first.org.code, first.position, first.version) == (
        "13900009999",
        "U1",
        "书记",
        2,
    )
    assert (second.phone, second.person_no, second.version) == ("13700001111", "P2", 2)
    assert Person.objects.count() == 2
    # A changed ID under the same person number re-encrypts and re-indexes it.
    sheets.run_import(
        "people", [person_row(name="张三", id=ID_C, org="U1", position="书记", no="P1")]
    )
    first.refresh_from_db()
    assert (first.id_number, first.birth_date, first.phone) == (ID_C, D(1995, 12, 31), "")


def test_absent_columns_keep_their_values(district):
    sheets.run_import(
        "people",
        [person_row(name="张三", id=ID_A, phone="13800001234", org="T1", position="主任", no="P1")],
    )
    report = sheets.run_import(
        "people", [{"人员编号": "P1", "姓名": "张三丰", "所在组织编码": "T1"}]
    )
    assert (report.created, report.updated) == (0, 1)
    person = Person.objects.get()
    assert (person.name, person.phone, person.id_number, person.position) == (
        "张三丰",
        "13800001234",
        ID_A,
        "主任",
    )


BAD_ID = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (person_row(name="", id=ID_A, org="T1"), "第2行 姓名: 必填"),
        (person_row(name="张三", id=ID_A, org=""), "第2行 所在组织编码: 必填"),
        (person_row(name="张三", id=BAD_ID, org="T1"), "第2行 身份证号: 身份证号校验位不正确"),
        (
            person_row(name="张三", id="12345", org="T1"),
            "第2行 身份证号: 身份证号应为18位，前17位为数字，末位为数字或X",
        ),
        (
            person_row(name="张三", id=ID_A, birth="1990-01-02", org="T1"),
            "第2行 身份证号: 与出生日期不一致",
        ),
        (person_row(name="张三", id=ID_A, gender="女", org="T1"), "第2行 身份证号: 与性别不一致"),
        (
            person_row(name="张三", id=ID_A, phone="1380000123", org="T1"),
            "第2行 手机号: 手机号应为以1开头的11位数字",
        ),
        (
            person_row(name="张三", birth="1990-02-30", org="T1", no="P1"),
            "第2行 出生日期: 日期格式不正确，应为 2025-04-01、2025/4/1 或 2025年4月1日",
        ),
        (
            person_row(name="张三", birth="2999-01-01", org="T1", no="P1"),
            "第2行 出生日期: 出生日期不能晚于今天",
        ),
        (person_row(name="张三", gender="未知", org="T1", no="P1"), "第2行 性别: 应为“男”或“女”"),
        (
            person_row(name="张三", status="党员", org="T1", no="P1"),
            "第2行 政治面貌: 不是有效的政治面貌",
        ),
        (
            person_row(name="张三", level="处级", org="T1", no="P1"),
            "第2行 干部层级: 不是有效的干部层级",
        ),
        (person_row(name="张三", id=ID_A, org="NOPE"), "第2行 所在组织编码: 组织编码“NOPE”不存在"),
        (person_row(name="张三", org="T1"), "第2行 人员编号: 人员编号和身份证号至少填写一项"),
        (person_row(name="张三", org="T1", no="P" * 33), "第2行 人员编号: 不能超过32个字符"),
    ],
    ids=[
        "missing-name",
        "missing-org",
        "id-check-digit",
        "id-format",
        "id-vs-birth",
        "id-vs-gender",
        "bad-phone",
        "bad-date",
        "future-birth",
        "bad-gender",
        "bad-status",
        "bad-level",
        "unknown-org",
        "no-key",
        "long-number",
    ],
)
def test_bad_people_rows_write_nothing(district, row, expected):
    assert fail_lines("people", [person_row(name="好人", id=ID_C, org="T1"), row]) == [
        expected.replace("第2行", "第3行")
    ]


def test_duplicates_within_the_file(district):
    rows = [
        person_row(name="张三", id=ID_A, org="T1", no="P1"),
        person_row(name="李四", id=ID_B, org="T1", no="P1"),
        person_row(name="王五", id=ID_A.lower(), org="T1", no="P3"),
    ]
    assert fail_lines("people", rows) == [
        "第3行 人员编号: 与第2行重复",
        "第4行 身份证号: 与第2行重复",
    ]


def test_duplicates_against_the_database(district):
    sheets.run_import(
        "people",
        [
            person_row(name="张三", id=ID_A, org="T1", no="P1"),
            person_row(name="李四", id=ID_B, org="T1", no="P2"),
        ],
    )
    # P2's ID under P1's number.
    assert fail_lines("people", [person_row(name="张三", id=ID_B, org="T1", no="P1")]) == [
        "第2行 身份证号: 身份证号已被其他人员使用"
    ]
    # P2's ID under a new number.
    assert fail_lines("people", [person_row(name="李四", id=ID_B, org="T1", no="P9")]) == [
        "第2行 人员编号: 与该身份证号人员已有的人员编号不一致"
    ]


def test_web_user_imports_people_only_in_scope(district):
    user = make_user("sec", ("branch_secretary", district.town))
    assert (
        sheets.run_import(
            "people", [person_row(name="张三", id=ID_A, org="T1")], actor=user
        ).created
        == 1
    )
    assert fail_lines(
        "people",
        [
            person_row(name="李四", id=ID_B, org="U1"),  # new, outside
            person_row(name="张三", id=ID_A, org="U1"),  # moved outside
        ],
        actor=user,
    ) == ["第2行 所在组织编码: 不在您的管辖范围内", "第3行 所在组织编码: 不在您的管辖范围内"]


def test_english_alias_headers(district):
    report = sheets.run_import(
        "people",
        [
            {
                "Name": "张三",
                "gender": "male",
                "Birth_Date": "1990-01-01",
                "ID Number": ID_A,
                "phone": "13800001234",
                "org_code": "T1",
                "political_status": "member",
                "cadre_level": "",
                "Position": "科员",
                "person_no": "P1",
            }
        ],
    )
    assert report.created == 1
    person = Person.objects.get()
    assert (person.name, person.gender, person.person_no, person.org.code) == (
        "张三",
        "M",
        "P1",
        "T1",
    )
    report = sheets.run_import(
        "orgs",
        [{"code": "N1", "name": "新单位", "parent_code": "D", "kind": "department", "order": 2}],
    )
    assert (report.created, Org.objects.get(code="N1").sort_order) == (1, 2)


# --- export and template -----------------------------------------------------------------------


@pytest.fixture
def people(district):
    sheets.run_import(
        "people",
        [
            person_row(
                name="张三",
                id=ID_A,
                phone="13812345678",
                org="T1",
                position='=HYPERLINK("http://x")',
                no="P1",
            ),
            person_row(
                name="@李四", id=ID_B, phone="13900001111", org="U1", position="-主任", no="+P2"
            ),
        ],
    )
    return district


def test_export_masks_personal_fields_and_escapes_formulas(people, tmp_path, capsys):
    path = tmp_path / "people.xlsx"
    before = AuditEntry.objects.count()
    assert run_cli("export", "people", str(path)) == 0
    assert capsys.readouterr().out.strip() == f"people: exported 2 rows to {path}"
    rows = read_back(path)
    assert rows[0] == PEOPLE_HEADERS
    assert rows[1] == [
        "张三",
        "男",
        D(1990, 1, 1),
        ID_A[:6] + "********" + ID_A[-4:],
        "138****5678",
        "T1",
        "中共党员",
        "",
        '\'=HYPERLINK("http://x")',
        "P1",
    ]
    assert rows[2][0] == "'@李四" and rows[2][8:] == ["'-主任", "'+P2"]
    assert rows[2][3:5] == [ID_B[:6] + "********" + ID_B[-4:], "139****1111"]
    entry = last_audit()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.after) == ("export.people", {"rows": 2, "scope": "", "full": False})


def test_full_export_round_trips(people, tmp_path):
    path = tmp_path / "people.xlsx"
    call_command("export", "people", str(path), "--full", "--scope", "T")
    rows = read_back(path)
    assert [r[0] for r in rows[1:]] == ["张三"]  # only 东关街道's subtree
    assert rows[1][3:5] == [ID_A, "13812345678"]
    assert last_audit().after == {"rows": 1, "scope": "T", "full": True}
    report = sheets.run_import_file("people", path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)


def test_export_orgs_and_unknown_scope(district, tmp_path):
    path = tmp_path / "orgs.xlsx"
    call_command("export", "orgs", str(path), "--scope", "T")
    assert read_back(path) == [
        ORG_HEADERS,
        ["T", "东关街道", "D", "乡镇街道", "", 0.0],
        ["T1", "东关村党支部", "T", "村党组织", "", 0.0],
        ["T2", "新村社区党支部", "T", "社区党组织", "", 0.0],
    ]
    with pytest.raises(CommandError, match="NOPE"):
        call_command("export", "orgs", str(path), "--scope", "NOPE")


def test_templates(db, tmp_path, capsys):
    for kind, headers, allowed in [
        ("orgs", ORG_HEADERS, {"组织类别": ["区委", "区级部门", "乡镇街道"]}),
        (
            "people",
            PEOPLE_HEADERS,
            {
                "性别": ["男", "女"],
                "政治面貌": ["中共党员", "预备党员", "共青团员", "群众"],
                "干部层级": ["区管领导干部", "中层干部", "一般干部"],
            },
        ),
    ]:
        path = tmp_path / f"{kind}.xlsx"
        assert run_cli("template", kind, str(path)) == 0
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
        assert wb.sheet_names[1] == "可选值"
        assert wb.get_sheet_by_index(0).to_python() == [headers]
        values = wb.get_sheet_by_name("可选值").to_python()
        columns = {h: [r[i] for r in values[1:] if r[i] != ""] for i, h in enumerate(values[0])}
        for header, expected in allowed.items():
            assert columns[header][: len(expected)] == expected
    assert "template written" in capsys.readouterr().out


# --- pages ---------------------------------------------------------------------------------


def upload(client, kind, data: bytes, *, dry_run=False, name="名单.xlsx"):
    payload = {"file": io.BytesIO(data)}
    payload["file"].name = name
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(f"/import/{kind}/", payload)


def downloaded_rows(response):
    data = b"".join(response.streaming_content)  # the test client closes it at the end
    return (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        .get_sheet_by_index(0)
        .to_python()
    )


def xlsx_bytes(tmp_path, headers, rows):
    return write_xlsx(tmp_path / "u.xlsx", headers, rows).read_bytes()


def test_pages_need_login_and_permission(district, client):
    for url in ("/import/orgs/", "/import/people/template/", "/export/people/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post("/import/orgs/", {})
    assert response.status_code == 302
    client.force_login(make_user("nobody"))
    for url in ("/import/orgs/", "/import/people/", "/import/orgs/template/", "/export/orgs/"):
        assert client.get(url).status_code == 403, url
    before = totals()
    assert upload(client, "orgs", b"x").status_code == 403
    assert totals() == before
    client.force_login(make_user("sec", ("branch_secretary", district.town)))
    assert client.get("/import/people/").status_code == 200
    assert client.get("/import/orgs/").status_code == 403  # person.change but not org.change
    assert client.get("/import/widgets/").status_code == 404


def test_page_import_shows_counts(district, client, tmp_path, settings):
    client.force_login(make_user("lead", ("lead_office", district.root)))
    data = xlsx_bytes(tmp_path, ORG_HEADERS, [["N1", "新单位", "D", "区级部门", "", 1]])
    response = upload(client, "orgs", data, dry_run=True)
    assert response.status_code == 200
    assert response.context["report"].created == 1 and not Org.objects.filter(code="N1").exists()
    response = upload(client, "orgs", data)
    assert response.status_code == 200
    assert (response.context["report"].created, response.context["report"].dry_run) == (1, False)
    assert '<b data-count="created">1</b>' in response.content.decode()
    assert Org.objects.get(code="N1").parent == district.root
    assert last_audit().actor_id == response.context["user"].pk
    assert not list((settings.MEDIA_ROOT / "imports").glob("*.xlsx"))  # the upload is gone


def test_page_bad_rows_list_errors_and_offer_a_report(district, client, tmp_path, settings):
    client.force_login(make_user("lead", ("lead_office", district.root)))
    data = xlsx_bytes(
        tmp_path,
        PEOPLE_HEADERS,
        [
            ["张三", "", "", BAD_ID, "", "T1", "", "", "", ""],
            ["", "", "", "", "", "NOPE", "", "", "", "P2"],
        ],
    )
    before = totals()
    response = upload(client, "people", data)
    assert response.status_code == 200
    assert totals() == before
    assert response.context["failed"].lines() == [
        "第2行 身份证号: 身份证号校验位不正确",
        "第3行 姓名: 必填",
        "第3行 所在组织编码: 组织编码“NOPE”不存在",
    ]
    token = response.context["token"]
    assert f"/import/people/errors/{token}/" in response.content.decode()
    report = client.get(f"/import/people/errors/{token}/")
    assert report.status_code == 200
    assert report["Content-Disposition"] == 'attachment; filename="people-errors.xlsx"'
    rows = downloaded_rows(report)
    assert rows == [
        ["行号", "列名", "错误原因"],
        [2.0, "身份证号", "身份证号校验位不正确"],
        [3.0, "姓名", "必填"],
        [3.0, "所在组织编码", "组织编码“NOPE”不存在"],
    ]
    # Stored under the token, never the upload's name; another session cannot fetch it.
    stored = list((settings.MEDIA_ROOT / "imports" / "errors").glob("*.xlsx"))
    assert f"{token}.xlsx" in [p.name for p in stored] and not any("名单" in p.name for p in stored)
    client.force_login(make_user("lead2", ("lead_office", district.root)))
    assert client.get(f"/import/people/errors/{token}/").status_code == 404
    assert client.get("/import/people/errors/..%2F..%2Fetc/").status_code == 404


def test_page_refuses_bad_files(district, client, tmp_path, settings):
    client.force_login(make_user("lead", ("lead_office", district.root)))
    before = totals()
    response = upload(client, "orgs", b"name,code\n")
    assert (response.status_code, response.context["error"]) == (
        400,
        "不是有效的 Excel 文件（.xlsx）",
    )
    settings.IMPORT_MAX_BYTES = 1024
    response = upload(client, "orgs", b"PK\x03\x04" + b"0" * 4096)
    assert response.status_code == 413 and "文件过大" in response.context["error"]
    response = upload(client, "orgs", b"PK\x03\x04" + b"0" * (200 * 1024))  # refused by length
    assert response.status_code == 413
    response = client.post("/import/orgs/", b"x", content_type="text/plain", CONTENT_LENGTH="x")
    assert response.status_code == 400
    assert totals() == before


def test_page_template_and_export(people, client):
    client.force_login(make_user("admin", ("unit_admin", people.root)))
    response = client.get("/import/people/template/")
    assert response.status_code == 200 and response.content[:4] == b"PK\x03\x04"
    response = client.get("/export/people/?full=1")  # unit_admin lacks person.export_full
    rows = downloaded_rows(response)
    assert rows[1][4] == "138****5678"
    client.force_login(make_user("lead", ("lead_office", people.root)))
    response = client.get("/export/people/?full=1&scope=T")
    rows = downloaded_rows(response)
    assert [r[4] for r in rows[1:]] == ["13812345678"]
    assert last_audit().after == {"rows": 1, "scope": "T", "full": True}
    client.force_login(make_user("town", ("lead_office", people.town)))
    assert client.get("/export/people/?scope=U").status_code == 404  # out of scope
