"""Services of the district: each write's resulting state and its audit entry; denials change
nothing and write nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client

from zuofeng.core import crypto
from zuofeng.core.errors import Conflict
from zuofeng.core.models import AuditEntry
from zuofeng.orgs import scope, services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import ApiToken, Org, Person, RoleAssignment, User, segment
from zuofeng.orgs.permissions import ORG_VIEW
from zuofeng.orgs.tests.factories import kind

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ID_MALE_1985 = "330682198501181234"
ID_FEMALE_1990_X = "33068219900119122X"


@pytest.fixture(autouse=True)
def fast_hashers(settings):
    # The production hasher takes most of a second per hash; nothing here depends on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lead(district, make_user):
    return make_user("lead", (Role.LEAD_OFFICE, district.root))


@pytest.fixture
def town_admin(district, make_user):
    return make_user("town_admin", (Role.UNIT_ADMIN, district.town))


@pytest.fixture
def secadmin(district, make_user):
    return make_user("secadmin", (Role.SECURITY_ADMIN, district.root))


@pytest.fixture
def sysadmin(district, make_user):
    return make_user("sysadmin", (Role.SYSTEM_ADMIN, district.root))


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def new_entries(seq: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(seq__gt=seq).order_by("seq"))


def tree() -> dict[str, tuple]:
    """Every org's place and version, by code."""
    return {
        o.code: (o.path, o.depth, o.parent.code if o.parent_id else None, o.name, o.version)
        for o in Org.objects.select_related("parent")
    }


def people() -> dict[int, tuple]:
    return {
        p.pk: (
            p.name,
            p.org_id,
            p.person_no,
            p.id_number_enc,
            p.phone_enc,
            p.position,
            p.version,
        )
        for p in Person.objects.all()
    }


@pytest.fixture
def unchanged():
    """Snapshot of everything a denied service could have touched; call to compare."""
    snap = (tree(), people(), set(RoleAssignment.objects.values_list("pk", flat=True)))
    seq = last_seq()

    def check():
        assert tree() == snap[0]
        assert people() == snap[1]
        assert set(RoleAssignment.objects.values_list("pk", flat=True)) == snap[2]
        assert new_entries(seq) == []

    return check


# --- orgs: create ---------------------------------------------------------------------------


def test_org_create_places_the_org_under_its_parent_and_audits_it(district, town_admin):
    seq = last_seq()
    org = services.org_create(
        actor=town_admin,
        code=" T3 ",
        name=" 南门社区党支部 ",
        kind=kind("community"),
        parent=district.town,
        short_name="南门",
    )
    org = Org.objects.get(pk=org.pk)
    assert (org.code, org.name, org.short_name, org.parent_id, org.version) == (
        "T3",
        "南门社区党支部",
        "南门",
        district.town.pk,
        1,
    )
    assert (org.path, org.depth) == (district.town.path + segment(org.pk), 2)
    assert list(Org.objects.subtree(district.town).values_list("code", flat=True)) == [
        "T",
        "T1",
        "T2",
        "T3",
    ]
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "org.create",
        town_admin.pk,
        "orgs.org",
        str(org.pk),
    )
    assert (entry.org_path, entry.before, entry.success) == (org.path, None, True)
    assert entry.after == {
        "code": "T3",
        "name": "南门社区党支部",
        "short_name": "南门",
        "kind": "社区党组织",
        "parent": "T",
        "sort_order": 0,
        "active": True,
    }


def test_org_create_outside_the_actors_scope_is_404(district, town_admin, unchanged):
    with pytest.raises(Http404):
        services.org_create(
            actor=town_admin, code="U9", name="外乡村", kind=kind("village"), parent=district.town2
        )
    unchanged()


def test_org_create_without_the_change_action_is_404(district, make_user):
    viewer = make_user("viewer", (Role.GRID_CADRE, district.town))
    seq = last_seq()
    with pytest.raises(Http404):
        services.org_create(
            actor=viewer, code="T9", name="新村", kind=kind("village"), parent=district.town
        )
    assert not Org.objects.filter(code="T9").exists()
    assert new_entries(seq) == []


def test_only_the_command_line_creates_a_root(district, lead, unchanged):
    with pytest.raises(PermissionDenied):
        services.org_create(
            actor=lead, code="X", name="另一个区", kind=kind("department"), parent=None
        )
    unchanged()


@pytest.mark.parametrize("code", ["T1", "a b", "", "x" * 33])
def test_org_create_refuses_a_taken_or_malformed_code(district, lead, unchanged, code):
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            actor=lead, code=code, name="新村", kind=kind("village"), parent=district.town
        )
    assert set(exc.value.message_dict) == {"code"}
    unchanged()


# --- orgs: update ---------------------------------------------------------------------------


def test_org_update_changes_fields_bumps_the_version_and_audits(district, town_admin):
    seq = last_seq()
    org = services.org_update(
        actor=town_admin, org=district.v1, version=1, name="东关村党总支", sort_order=5
    )
    stored = Org.objects.get(pk=district.v1.pk)
    assert (stored.name, stored.sort_order, stored.version) == ("东关村党总支", 5, 2)
    assert org.version == 2
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_id, entry.org_path) == (
        "org.update",
        town_admin.pk,
        str(district.v1.pk),
        district.v1.path,
    )
    common = {"code": "T1", "short_name": "", "kind": "村党组织", "parent": "T", "active": True}
    assert entry.before == {**common, "name": "东关村党支部", "sort_order": 0}
    assert entry.after == {**common, "name": "东关村党总支", "sort_order": 5}


def test_org_update_with_a_stale_version_conflicts_and_changes_nothing(district, lead):
    services.org_update(actor=lead, org=district.v1, version=1, name="第一次")
    snapshot, seq = tree(), last_seq()
    # a second editor still holding version 1
    with pytest.raises(Conflict):
        services.org_update(actor=lead, org=district.v1, version=1, name="第二次")
    assert tree() == snapshot
    assert tree()["T1"][3:] == ("第一次", 2)
    assert new_entries(seq) == []


def test_org_update_without_changes_writes_nothing(district, lead, unchanged):
    services.org_update(actor=lead, org=district.v1, version=1, name="东关村党支部")
    unchanged()


def test_org_update_outside_scope_is_404(district, town_admin, unchanged):
    with pytest.raises(Http404):
        services.org_update(actor=town_admin, org=district.w1, name="改名")
    unchanged()


def test_org_update_refuses_fields_that_are_not_editable(district, lead, unchanged):
    with pytest.raises(ValidationError) as exc:
        services.org_update(actor=lead, org=district.v1, path="000000001", depth=0)
    assert exc.value.message_dict == {"path": ["不可修改"], "depth": ["不可修改"]}
    unchanged()


# --- orgs: move -----------------------------------------------------------------------------


def test_org_move_rewrites_the_paths_and_depths_of_the_whole_subtree(district, lead):
    # given the town T with its two villages under the root
    d = district
    before = tree()
    seq = last_seq()
    # when T moves under the department DA
    moved = services.org_move(actor=lead, org=d.town, new_parent=d.dept)
    # then T and everything below it follow, and nothing else moves
    t_path = d.root.path + segment(d.dept.pk) + segment(d.town.pk)
    expected = {
        **before,
        "T": (t_path, 2, "DA", "东关街道", 2),
        "T1": (t_path + segment(d.v1.pk), 3, "T", "东关村党支部", 1),
        "T2": (t_path + segment(d.v2.pk), 3, "T", "新村社区党支部", 1),
    }
    assert tree() == expected
    assert (moved.path, moved.depth, moved.parent_id) == (t_path, 2, d.dept.pk)
    assert list(Org.objects.subtree(d.dept).values_list("code", flat=True)) == [
        "DA",
        "DA1",
        "T",
        "T1",
        "T2",
    ]
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_id, entry.org_path) == (
        "org.move",
        lead.pk,
        str(d.town.pk),
        t_path,
    )
    assert (entry.before["parent"], entry.after["parent"]) == ("D", "DA")
    assert {k: v for k, v in entry.before.items() if k != "parent"} == {
        k: v for k, v in entry.after.items() if k != "parent"
    }


def test_org_move_deeper_and_back_up_keeps_depths_right(district, lead):
    d = district
    original = tree()
    # two levels deeper: DA (depth 1) under T1 (depth 2)
    services.org_move(actor=lead, org=d.dept, new_parent=d.v1)
    da_path = d.v1.path + segment(d.dept.pk)
    assert tree()["DA"][:3] == (da_path, 3, "T1")
    assert tree()["DA1"][:3] == (da_path + segment(d.dept_branch.pk), 4, "DA")
    # and back under the root
    services.org_move(actor=lead, org=d.dept, new_parent=d.root)
    restored = tree()
    assert restored["DA"] == (*original["DA"][:4], 3)
    assert {code: row for code, row in restored.items() if code != "DA"} == {
        code: row for code, row in original.items() if code != "DA"
    }
    assert [e.action for e in AuditEntry.objects.order_by("-seq")[:2]] == ["org.move"] * 2


@pytest.mark.parametrize("target", ["town", "v1", "v2"])
def test_org_move_under_itself_or_a_descendant_is_refused(district, lead, unchanged, target):
    with pytest.raises(ValidationError) as exc:
        services.org_move(actor=lead, org=district.town, new_parent=getattr(district, target))
    assert exc.value.message_dict == {"parent": ["不能移动到自身或其下级组织之下"]}
    unchanged()


def test_the_root_cannot_move(district, lead, unchanged):
    with pytest.raises(ValidationError) as exc:
        services.org_move(actor=lead, org=district.root, new_parent=district.dept)
    assert exc.value.message_dict == {"parent": ["根组织不能移动"]}
    unchanged()


@pytest.mark.parametrize(
    ("org", "new_parent"),
    [
        ("v1", "town2"),  # own org, but the destination is outside the actor's scope
        ("w1", "town"),  # destination inside, but the org itself is outside
        ("town", "dept"),  # the actor's own root: moving it needs scope above it
    ],
)
def test_org_move_outside_scope_is_404(district, town_admin, unchanged, org, new_parent):
    with pytest.raises(Http404):
        services.org_move(
            actor=town_admin,
            org=getattr(district, org),
            new_parent=getattr(district, new_parent),
        )
    unchanged()


def test_org_move_to_the_same_parent_writes_nothing(district, lead, unchanged):
    services.org_move(actor=lead, org=district.v1, new_parent=district.town)
    unchanged()


def test_after_a_move_scope_follows_the_tree(district, make_user, lead):
    # a town admin of T sees T1 until T1 moves to U
    admin = make_user("t_admin", (Role.UNIT_ADMIN, district.town))
    assert scope.can_at(admin, ORG_VIEW, Org.objects.get(code="T1").path)
    services.org_move(actor=lead, org=district.v1, new_parent=district.town2)
    admin = User.objects.get(pk=admin.pk)
    assert not scope.can_at(admin, ORG_VIEW, Org.objects.get(code="T1").path)


# --- people ---------------------------------------------------------------------------------


def person_data(**overrides) -> dict:
    return {
        "name": "张三",
        "id_number": ID_MALE_1985,
        "phone": "13812345678",
        "position": "村委委员",
        "person_no": "P-0001",
        **overrides,
    }


def test_person_create_derives_birth_and_gender_from_the_id_and_audits_masked(district, town_admin):
    seq = last_seq()
    person = services.person_create(actor=town_admin, org=district.v1, **person_data())
    stored = Person.objects.get(pk=person.pk)
    assert (stored.name, stored.org_id, stored.birth_date, stored.gender) == (
        "张三",
        district.v1.pk,
        dt.date(1985, 1, 18),
        "M",
    )
    assert (stored.id_number, stored.phone, stored.person_no, stored.version) == (
        ID_MALE_1985,
        "13812345678",
        "P-0001",
        1,
    )
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id, entry.org_path) == (
        "person.create",
        town_admin.pk,
        "orgs.person",
        str(person.pk),
        district.v1.path,
    )
    assert entry.before is None
    assert entry.after == {
        "name": "张三",
        "gender": "M",
        "birth_date": "1985-01-18",
        "org": "T1",
        "political_status": "member",
        "cadre_level": "",
        "position": "村委委员",
        "person_no": "P-0001",
        "active": True,
        "id_number": "330682********1234",
        "phone": "138****5678",
    }


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"birth_date": dt.date(1985, 1, 19)}, {"id_number": ["与出生日期不一致"]}),
        ({"gender": "F"}, {"id_number": ["与性别不一致"]}),
        ({"id_number": "330682198501181235"}, {"id_number": ["身份证号校验位不正确"]}),
        ({"phone": "1381234567"}, {"phone": ["手机号应为以1开头的11位数字"]}),
        ({"name": "  "}, {"name": ["必填"]}),
        ({"political_status": "anarchist"}, {"political_status": ["不是有效的政治面貌"]}),
        (
            {"birth_date": dt.date(2999, 1, 1), "id_number": ""},
            {"birth_date": ["出生日期不能晚于今天"]},
        ),
    ],
)
def test_person_create_refuses_inconsistent_data(district, lead, unchanged, overrides, errors):
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=lead, org=district.v1, **person_data(**overrides))
    assert exc.value.message_dict == errors
    unchanged()


@pytest.fixture
def zhang(district):
    return services.person_create(actor=None, org=district.v1, **person_data())


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"person_no": "P-0001", "id_number": ""}, {"person_no": ["人员编号已存在"]}),
        ({"person_no": "P-0002"}, {"id_number": ["身份证号已存在"]}),
        (
            {"person_no": "P-0002", "id_number": ID_MALE_1985.lower()},
            {"id_number": ["身份证号已存在"]},
        ),
        ({}, {"person_no": ["人员编号已存在"], "id_number": ["身份证号已存在"]}),
    ],
)
def test_person_create_refuses_duplicates(district, lead, zhang, unchanged, overrides, errors):
    with pytest.raises(ValidationError) as exc:
        services.person_create(
            actor=lead, org=district.v2, **person_data(name="张三二", phone="", **overrides)
        )
    assert exc.value.message_dict == errors
    unchanged()


def test_person_create_outside_scope_is_404(district, town_admin, unchanged):
    with pytest.raises(Http404):
        services.person_create(actor=town_admin, org=district.w1, **person_data())
    unchanged()


def test_person_create_by_a_role_without_person_change_is_404(district, make_user):
    viewer = make_user("viewer", (Role.GRID_CADRE, district.town))
    seq, count = last_seq(), Person.objects.count()
    with pytest.raises(Http404):
        services.person_create(actor=viewer, org=district.v1, **person_data())
    assert (Person.objects.count(), new_entries(seq)) == (count, [])


def test_person_update_changes_fields_and_audits_before_and_after(district, town_admin, zhang):
    seq = last_seq()
    old_id_enc = Person.objects.get(pk=zhang.pk).id_number_enc
    person = services.person_update(
        actor=town_admin,
        person=zhang,
        version=1,
        phone="139 0000 1111",
        position="村党支部书记",
        org=district.v2,
    )
    stored = Person.objects.get(pk=zhang.pk)
    assert (stored.phone, stored.position, stored.org_id, stored.version) == (
        "13900001111",
        "村党支部书记",
        district.v2.pk,
        2,
    )
    assert person.version == 2
    # the unchanged ID keeps its ciphertext; the phone's index follows the new number
    assert stored.id_number_enc == old_id_enc
    assert stored.phone_hash == crypto.lookup_hash("13900001111")
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_id, entry.org_path) == (
        "person.update",
        town_admin.pk,
        str(zhang.pk),
        district.v2.path,
    )
    changed = {
        k: (entry.before[k], entry.after[k])
        for k in entry.after
        if entry.before[k] != entry.after[k]
    }
    assert changed == {
        "phone": ("138****5678", "139****1111"),
        "position": ("村委委员", "村党支部书记"),
        "org": ("T1", "T2"),
    }


def test_person_update_with_a_stale_version_conflicts_and_changes_nothing(district, lead, zhang):
    services.person_update(actor=lead, person=zhang, version=1, position="第一次")
    snapshot, seq = people(), last_seq()
    with pytest.raises(Conflict):
        services.person_update(actor=lead, person=zhang, version=1, position="第二次")
    assert people() == snapshot
    assert people()[zhang.pk][5:] == ("第一次", 2)
    assert new_entries(seq) == []


def test_person_update_refuses_a_duplicate_number(district, lead, zhang):
    other = services.person_create(actor=None, org=district.v2, name="李四", person_no="P-0002")
    snapshot, seq = people(), last_seq()
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=lead, person=other, person_no="P-0001")
    assert exc.value.message_dict == {"person_no": ["人员编号已存在"]}
    assert (people(), new_entries(seq)) == (snapshot, [])


def test_person_update_to_an_org_outside_scope_is_404(district, town_admin, zhang):
    snapshot, seq = people(), last_seq()
    with pytest.raises(Http404):
        services.person_update(actor=town_admin, person=zhang, org=district.w1)
    with pytest.raises(Http404):
        services.person_update(actor=town_admin, person=zhang, org=district.dept, name="改名")
    assert (people(), new_entries(seq)) == (snapshot, [])


def test_person_update_refuses_unknown_fields(district, lead, zhang):
    snapshot, seq = people(), last_seq()
    with pytest.raises(ValidationError) as exc:
        services.person_update(actor=lead, person=zhang, id_number_hash="x")
    assert exc.value.message_dict == {"id_number_hash": ["不可修改"]}
    assert (people(), new_entries(seq)) == (snapshot, [])


# --- roles: 三员分立 --------------------------------------------------------------------------


def roles_of(user: User) -> set[tuple[str, str]]:
    return set(RoleAssignment.objects.filter(user=user).values_list("role", "org__code"))


SEPARATE = "系统管理员、安全管理员、审计管理员须由不同人员担任（三员分立）"
NO_BUSINESS = "管理员角色不能与业务角色兼任（三员分立）"


@pytest.mark.parametrize(
    ("held", "granted", "message"),
    [
        (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, SEPARATE),
        (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, SEPARATE),
        (Role.AUDIT_ADMIN, Role.SECURITY_ADMIN, SEPARATE),
        (Role.SYSTEM_ADMIN, Role.LEAD_OFFICE, NO_BUSINESS),
        (Role.AUDIT_ADMIN, Role.GRID_CADRE, NO_BUSINESS),
        (Role.LEADER, Role.AUDIT_ADMIN, NO_BUSINESS),
        (Role.UNIT_ADMIN, Role.SECURITY_ADMIN, NO_BUSINESS),
    ],
)
def test_role_grant_keeps_the_three_administrators_apart(
    district, make_user, secadmin, held, granted, message
):
    user = make_user("someone", (held, district.root))
    seq = last_seq()
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=secadmin, user=user, role=granted, org=district.root)
    assert exc.value.message_dict == {"role": [message]}
    assert roles_of(user) == {(held, "D")}
    assert new_entries(seq) == []


def test_role_grant_by_someone_without_role_manage_is_refused(district, make_user, sysadmin):
    user = make_user("someone")
    seq = last_seq()
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=sysadmin, user=user, role=Role.GRID_CADRE, org=district.town)
    assert roles_of(user) == set()
    assert new_entries(seq) == []


def test_role_grant_refuses_an_unknown_role(district, make_user, secadmin):
    user = make_user("someone")
    seq = last_seq()
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=secadmin, user=user, role="superuser", org=district.town)
    assert exc.value.message_dict == {"role": ["未知角色：superuser"]}
    assert (roles_of(user), new_entries(seq)) == (set(), [])


def test_role_grant_and_revoke_are_audited(district, make_user, secadmin):
    user = make_user("someone", (Role.GRID_CADRE, district.town))
    seq = last_seq()
    # grant
    assignment = services.role_grant(
        actor=secadmin, user=user, role=Role.BRANCH_SECRETARY, org=district.v1
    )
    assert roles_of(user) == {(Role.GRID_CADRE, "T"), (Role.BRANCH_SECRETARY, "T1")}
    # granting it again changes and records nothing
    assert (
        services.role_grant(actor=secadmin, user=user, role=Role.BRANCH_SECRETARY, org=district.v1)
        == assignment
    )
    (granted,) = new_entries(seq)
    assert (granted.action, granted.actor_id, granted.object_type, granted.object_id) == (
        "role.grant",
        secadmin.pk,
        "orgs.roleassignment",
        str(assignment.pk),
    )
    assert (granted.org_path, granted.before, granted.after) == (
        district.v1.path,
        None,
        {"user": "someone", "role": "branch_secretary", "org": "T1"},
    )
    # revoke
    assignment_id = str(assignment.pk)
    services.role_revoke(actor=secadmin, assignment=assignment)
    assert roles_of(user) == {(Role.GRID_CADRE, "T")}
    (revoked,) = new_entries(granted.seq)
    assert (revoked.action, revoked.actor_id, revoked.object_id, revoked.org_path) == (
        "role.revoke",
        secadmin.pk,
        assignment_id,
        district.v1.path,
    )
    assert (revoked.before, revoked.after) == (
        {"user": "someone", "role": "branch_secretary", "org": "T1"},
        None,
    )


def test_role_revoke_by_someone_without_role_manage_is_refused(district, make_user, sysadmin):
    user = make_user("someone", (Role.GRID_CADRE, district.town))
    assignment = RoleAssignment.objects.get(user=user)
    seq = last_seq()
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=sysadmin, assignment=assignment)
    assert (roles_of(user), new_entries(seq)) == ({(Role.GRID_CADRE, "T")}, [])


# --- users and tokens -----------------------------------------------------------------------


def test_user_create_is_audited_and_needs_user_manage(district, sysadmin, secadmin):
    seq = last_seq()
    with pytest.raises(PermissionDenied):
        services.user_create(actor=secadmin, username="newbie")
    assert (User.objects.filter(username="newbie").exists(), new_entries(seq)) == (False, [])
    user, initial = services.user_create(actor=sysadmin, username="newbie", display_name="新人")
    assert user.check_password(initial)
    assert (user.must_change_password, user.is_active, user.is_demo) == (True, True, False)
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_id, entry.after) == (
        "user.create",
        sysadmin.pk,
        str(user.pk),
        {"username": "newbie", "display_name": "新人"},
    )
    # the initial password is never logged
    assert initial not in str(entry.after)


def raw_token_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM orgs_apitoken")
        return " ".join(str(v) for row in cursor.fetchall() for v in row)


def test_token_create_keeps_only_a_keyed_hash(district, make_user, sysadmin):
    user = make_user("robot", (Role.LEADER, district.root))
    seq = last_seq()
    with time_machine.travel(T0, tick=False):
        plain = services.token_create(actor=sysadmin, user=user, name="nightly")
    assert plain.startswith("zf_")
    assert len(plain) == 3 + 43
    token = ApiToken.objects.get(user=user)
    assert (token.name, token.prefix, token.expires_at, token.revoked_at) == (
        "nightly",
        plain[:10],
        T0 + dt.timedelta(days=365),
        None,
    )
    assert token.key_hash == crypto.token_hash(plain)
    assert plain not in raw_token_rows()
    assert plain[10:20] not in raw_token_rows()
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.object_repr) == (
        "token.create",
        sysadmin.pk,
        f"robot {plain[:10]}…",
    )
    assert entry.after == {"user": "robot", "expires_at": "2026-03-03T01:00:00+00:00"}
    assert plain not in str(entry.after)


def test_token_create_needs_user_manage(district, make_user, secadmin):
    user = make_user("robot")
    seq = last_seq()
    with pytest.raises(PermissionDenied):
        services.token_create(actor=secadmin, user=user)
    assert (ApiToken.objects.count(), new_entries(seq)) == (0, [])


# --- API bearer authentication --------------------------------------------------------------


def api_get(token: str | None, path: str = "/api/v1/orgs"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client().get(path, **headers)


@pytest.fixture
def robot(district, make_user):
    return make_user("robot", (Role.LEADER, district.town))


def test_a_valid_token_authenticates_as_its_user(robot):
    plain = services.token_create(actor=None, user=robot)
    response = api_get(plain)
    assert response.status_code == 200
    assert [o["code"] for o in response.json()["items"]] == ["T", "T1", "T2"]
    assert ApiToken.objects.get(user=robot).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [None, "", "zf_not-a-real-token", "x" * 201],
)
def test_a_missing_or_unknown_token_is_401(robot, header):
    services.token_create(actor=None, user=robot)
    response = api_get(header)
    assert (response.status_code, response.json()) == (401, {"detail": "unauthorized"})


def test_a_revoked_token_is_401(robot):
    plain = services.token_create(actor=None, user=robot)
    ApiToken.objects.filter(user=robot).update(revoked_at=T0)
    response = api_get(plain)
    assert (response.status_code, response.json()) == (401, {"detail": "unauthorized"})
    assert ApiToken.objects.get(user=robot).last_used_at is None


def test_an_expired_token_is_401(robot):
    with time_machine.travel(T0, tick=False) as clock:
        plain = services.token_create(actor=None, user=robot, days=1)
        clock.shift(dt.timedelta(hours=23, minutes=59))
        assert api_get(plain).status_code == 200
        clock.shift(dt.timedelta(minutes=1))
        assert api_get(plain).status_code == 401


def test_a_token_of_an_inactive_user_is_401(robot):
    plain = services.token_create(actor=None, user=robot)
    # deactivated behind the service's back: the token itself is not revoked
    User.objects.filter(pk=robot.pk).update(is_active=False)
    assert ApiToken.objects.get(user=robot).revoked_at is None
    assert api_get(plain).status_code == 401


def test_disabling_a_user_through_the_service_revokes_the_token(robot, sysadmin):
    plain = services.token_create(actor=None, user=robot)
    services.user_set_active(actor=sysadmin, user=robot, active=False)
    services.user_set_active(actor=sysadmin, user=robot, active=True)
    # re-enabling the user does not bring the token back
    assert api_get(plain).status_code == 401


def test_an_api_write_is_audited_on_the_api_channel(district, lead):
    plain = services.token_create(actor=None, user=lead)
    seq = last_seq()
    response = Client(REMOTE_ADDR="10.1.1.1").post(
        "/api/v1/orgs",
        {"code": "T3", "name": "南门社区党支部", "kind": "community", "parent": "T"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )
    assert response.status_code == 201
    (entry,) = new_entries(seq)
    assert (entry.action, entry.actor_id, entry.channel, entry.address) == (
        "org.create",
        lead.pk,
        "api",
        "10.1.1.1",
    )
