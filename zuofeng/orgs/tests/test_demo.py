"""The demo district: a deterministic generator shaped like the source report, and the command
that loads it through the spreadsheet import and keeps one demo account per role."""

from __future__ import annotations

import collections
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from zuofeng.core.validators import normalise_phone, parse_id_number
from zuofeng.orgs import demo
from zuofeng.orgs.choices import SEED_ORG_KINDS, CadreLevel
from zuofeng.orgs.models import Org, Person, RoleAssignment, User


@pytest.fixture(scope="module")
def rows() -> demo.DemoDistrict:
    return demo.district()


def _by_code(rows) -> dict[str, dict]:
    return {o["组织编码"]: o for o in rows.orgs}


def _ancestors(by_code, code: str) -> list[str]:
    chain = []
    parent = by_code[code]["上级组织编码"]
    while parent:
        chain.append(parent)
        parent = by_code[parent]["上级组织编码"]
    return chain


def _age(birth, day) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- the generator ----------------------------------------------------------------------------


def test_same_seed_gives_identical_rows(rows):
    again = demo.district()

    assert again.orgs == rows.orgs
    assert again.people == rows.people
    assert list(demo.org_rows()) == rows.orgs


def test_another_seed_gives_other_rows_but_the_same_anchors(rows):
    other = demo.district(seed=7)

    assert other.orgs != rows.orgs
    assert [p["姓名"] for p in other.people] != [p["姓名"] for p in rows.people]
    assert [p["身份证号"] for p in other.people] != [p["身份证号"] for p in rows.people]
    # The demo accounts' orgs keep their codes whatever the seed.
    other_by_code = _by_code(other)
    for code in demo.ANCHORS.values():
        assert other_by_code[code]["组织名称"] == _by_code(rows)[code]["组织名称"]


def test_rows_carry_exactly_the_spreadsheet_headers(rows):
    assert {tuple(o) for o in rows.orgs} == {demo.ORG_HEADERS}
    assert {tuple(p) for p in rows.people} == {demo.PERSON_HEADERS}


def test_org_counts_follow_the_report(rows):
    kinds = collections.Counter(o["组织类别"] for o in rows.orgs)
    grassroots = [o for o in rows.orgs if o["组织类别"] in demo.GRASSROOTS_KINDS]

    assert kinds["区委"] == 1
    assert kinds["区级部门"] == 69
    assert kinds["乡镇街道"] == 20
    assert len(grassroots) == 3270
    assert kinds["村党组织"] + kinds["社区党组织"] == 1733
    assert kinds["两新党组织"] == 1008
    assert kinds["党委"] + kinds["党总支"] + kinds["党支部"] + kinds["机关事业单位党组织"] == 529
    assert len(rows.orgs) == 1 + 69 + 20 + 3270


def test_tree_is_well_formed(rows):
    seen: set[str] = set()
    kind_names = {name for _, name, _ in SEED_ORG_KINDS}
    for org in rows.orgs:
        assert org["组织编码"] not in seen
        assert org["上级组织编码"] == "" or org["上级组织编码"] in seen  # parents first
        assert org["组织类别"] in kind_names
        assert isinstance(org["排序号"], int)
        seen.add(org["组织编码"])
    roots = [o for o in rows.orgs if not o["上级组织编码"]]
    assert roots == [
        {
            "组织编码": "SY",
            "组织名称": "中共绍兴市上虞区委员会",
            "上级组织编码": "",
            "组织类别": "区委",
            "简称": "上虞区委",
            "排序号": 0,
        }
    ]
    by_code = _by_code(rows)
    for org in rows.orgs:
        if org["组织类别"] in demo.GRASSROOTS_KINDS:
            # Grassroots organisations sit below one of the 69 departments or 20 towns.
            unit = _ancestors(by_code, org["组织编码"])[-2]
            assert by_code[unit]["组织类别"] in ("区级部门", "乡镇街道")
        else:
            assert org["组织类别"] in ("区委", "区级部门", "乡镇街道")
    names = [o["组织名称"] for o in rows.orgs]
    assert len(set(names)) == len(names)
    siblings = collections.defaultdict(list)
    for org in rows.orgs:
        siblings[org["上级组织编码"]].append(org["排序号"])
    assert all(len(set(orders)) == len(orders) for orders in siblings.values())


def test_named_units_of_the_report_are_where_the_report_puts_them(rows):
    by_code = _by_code(rows)
    by_name = {o["组织名称"]: o for o in rows.orgs}
    towns = [o["组织名称"] for o in rows.orgs if o["组织类别"] == "乡镇街道"]
    departments = [o for o in rows.orgs if o["组织类别"] == "区级部门"]
    known_as = {o["组织名称"] for o in departments} | {o["简称"] for o in departments}

    assert sorted(towns) == sorted(demo.TOWNS)
    assert len(set(towns)) == 20
    for name in (
        "区委办公室",
        "区委组织部",
        "区委宣传部",
        "区委编办",
        "区财政局",
        "区公安分局",
        "生态环境分局",
        "区文广旅游局",
        "区企服中心",
        "团区委",
        "杭州湾上虞经开区",
    ):
        assert name in known_as
    chenjiaao = by_code[demo.CHENJIAAO]
    assert chenjiaao["组织名称"] == "陈家岙村党支部"
    assert by_code[chenjiaao["上级组织编码"]]["组织名称"] == "陈溪乡"
    assert by_code[by_name["和城社区党委"]["上级组织编码"]]["组织名称"] == "曹娥街道"
    chunhui = by_name["春晖中学第一党支部"]
    assert _ancestors(by_code, chunhui["组织编码"])[-2] == demo.EDUCATION
    assert by_name["区委编办机关党支部"]["上级组织编码"] == demo.EDITORIAL
    assert by_code[demo.FINANCE]["组织名称"] == "区财政局"
    # 两新 organisations sit under the towns and the economic development zone.
    new_units = {
        _ancestors(by_code, o["组织编码"])[-2] for o in rows.orgs if o["组织类别"] == "两新党组织"
    }
    assert new_units == {f"T{i:02d}" for i in range(1, 21)} | {demo.ZONE}


def test_people_count_and_numbers(rows):
    assert len(rows.people) == demo.PEOPLE_TOTAL == 45_000
    assert [p["人员编号"] for p in rows.people] == [f"P{n:06d}" for n in range(1, 45_001)]
    codes = {o["组织编码"] for o in rows.orgs}
    assert {p["所在组织编码"] for p in rows.people} <= codes


def test_every_id_number_is_valid_and_agrees_with_birth_date_and_gender(rows):
    regions = collections.Counter()
    for person in rows.people:
        number, birth, gender = parse_id_number(person["身份证号"])
        assert number == person["身份证号"]
        assert birth == person["出生日期"]
        assert gender == {"男": "M", "女": "F"}[person["性别"]]
        assert 1950 <= birth.year <= 2003
        regions[number[:6]] += 1
    assert regions.most_common(1)[0][0] == "330604"
    assert regions["330604"] > len(rows.people) // 2


def test_id_numbers_and_phones_are_unique_and_valid(rows):
    ids = [p["身份证号"] for p in rows.people]
    phones = [p["手机号"] for p in rows.people]

    assert len(set(ids)) == len(ids)
    assert len(set(phones)) == len(phones)
    for phone in phones:
        assert normalise_phone(phone) == phone
        assert phone[:2] in ("13", "15", "16", "17", "18", "19")


def test_names_are_plausible(rows):
    names = [p["姓名"] for p in rows.people]
    surnames = collections.Counter(n[0] for n in names)

    assert all(2 <= len(n) <= 3 for n in names)
    assert {s for s, _ in surnames.most_common(5)} <= set("王李张陈刘杨")
    assert len(set(names)) > 10_000
    secretary = next(p for p in rows.people if p["所在组织编码"] == demo.CHENJIAAO)
    assert (secretary["姓名"], secretary["职务"]) == ("胡建忠", "党支部书记")


def test_people_spread_and_cadres_follow_the_report(rows):
    by_code = _by_code(rows)
    per_org = collections.Counter(p["所在组织编码"] for p in rows.people)
    levels = collections.Counter(p["干部层级"] for p in rows.people)
    statuses = collections.Counter(p["政治面貌"] for p in rows.people)
    labels = {str(c.label) for c in CadreLevel if c.value} | {""}

    grassroots = [o["组织编码"] for o in rows.orgs if o["组织类别"] in demo.GRASSROOTS_KINDS]
    assert all(per_org[code] >= 3 for code in grassroots)
    assert set(levels) == labels
    assert levels["区管领导干部"] == 69 + 20
    assert all(
        by_code[p["所在组织编码"]]["组织类别"] in ("区级部门", "乡镇街道")
        for p in rows.people
        if p["干部层级"] == "区管领导干部"
    )
    # 4,713 ordinary members and cadres of 机关 units: everyone in the 529 other organisations.
    office = [
        p
        for p in rows.people
        if by_code[p["所在组织编码"]]["组织类别"]
        in ("党委", "党总支", "党支部", "机关事业单位党组织")
    ]
    assert len(office) == demo.OFFICE_PEOPLE_TOTAL == 4713
    grassroots_people = [
        p
        for p in rows.people
        if by_code[p["所在组织编码"]]["组织类别"] in ("村党组织", "社区党组织", "两新党组织")
    ]
    assert len(grassroots_people) == 40_198
    assert set(statuses) == {"中共党员", "预备党员", "共青团员", "群众"}
    assert statuses["中共党员"] > 0.9 * len(rows.people)
    assert statuses["预备党员"] > 1000
    young = [
        p for p in rows.people if p["干部层级"] and _age(p["出生日期"], demo.REFERENCE_DATE) <= 35
    ]
    assert len(young) >= 3500


# --- the command ------------------------------------------------------------------------------

ACCOUNT_ORGS = {
    "demo_lead": ("lead_office", "SY"),
    "demo_unit": ("unit_admin", demo.FINANCE),
    "demo_branch": ("branch_secretary", demo.CHENJIAAO),
    "demo_grid": ("grid_cadre", demo.ZONE),
    "demo_inspector": ("inspector", "SY"),
    "demo_leader": ("leader", "SY"),
    "demo_sysadmin": ("system_admin", "SY"),
    "demo_secadmin": ("security_admin", "SY"),
    "demo_auditor": ("audit_admin", "SY"),
}


def _login(client, username: str, password: str) -> bool:
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_command_builds_the_district_once_and_its_accounts(client, settings, rows):
    from zuofeng.orgs.management.commands.demo import DEMO_PASSWORD

    out = io.StringIO()
    call_command("demo", stdout=out)

    assert Org.objects.count() == 1 + 69 + 20 + 3270
    assert Org.objects.filter(kind__code="department", parent__code="SY").count() == 69
    assert Org.objects.filter(kind__code="town", parent__code="SY").count() == 20
    assert Org.objects.filter(kind__code__in=("village", "community")).count() == 1733
    assert Org.objects.filter(kind__code="new_economy").count() == 1008
    assert Person.objects.count() == 45_000
    assert Person.objects.filter(cadre_level="district_leader").count() == 89
    chenjiaao = Org.objects.get(code=demo.CHENJIAAO)
    assert chenjiaao.name == "陈家岙村党支部"
    assert chenjiaao.parent.name == "陈溪乡"
    secretary = Person.objects.get(org=chenjiaao, position="党支部书记")
    assert secretary.name == "胡建忠"
    row = next(p for p in rows.people if p["所在组织编码"] == demo.CHENJIAAO)
    assert secretary.id_number == row["身份证号"]
    assert secretary.phone == row["手机号"]
    assert secretary.birth_date == row["出生日期"]
    grants = {
        (a.user.username): (a.role, a.org.code)
        for a in RoleAssignment.objects.select_related("user", "org")
    }
    assert grants == ACCOUNT_ORGS
    assert all(u.is_demo and not u.must_change_password for u in User.objects.all())
    text = out.getvalue()
    for username in ACCOUNT_ORGS:
        assert username in text
    assert DEMO_PASSWORD in text

    # Outside demo mode a demo account cannot log in; in demo mode it can.
    settings.DEMO_MODE = False
    assert not _login(client, "demo_lead", DEMO_PASSWORD)
    settings.DEMO_MODE = True
    assert _login(client, "demo_lead", DEMO_PASSWORD)

    # A second run reuses the district and puts a changed password back.
    from zuofeng.orgs import services

    unit = User.objects.get(username="demo_unit")
    services.user_set_password(actor=unit, user=unit, password="Changed#2025pw")
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "demo district exists" in out.getvalue()
    assert Person.objects.count() == 45_000
    assert User.objects.count() == 9
    assert User.objects.get(username="demo_unit").check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_demo_command_refuses_a_database_that_holds_another_district(district):
    with pytest.raises(CommandError, match="not the demo"):
        call_command("demo", stdout=io.StringIO())

    assert not Org.objects.filter(code="SY").exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_reset_refuses_without_a_database_file_or_confirmation(district):
    # The test database is in memory on SQLite; on PostgreSQL --reset wants --yes.
    with pytest.raises(CommandError, match=r"SQLite database file|add --yes"):
        call_command("demo", reset=True, stdout=io.StringIO())

    assert Org.objects.filter(code="D").exists()


def test_demo_command_rejects_a_bad_port():
    with pytest.raises(CommandError, match="between 1 and 65535"):
        call_command("demo", port=70000)
