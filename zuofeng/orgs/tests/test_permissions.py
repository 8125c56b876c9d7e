"""The permission matrix, generated from tables (the NetBox pattern).

Part 1: every page and endpoint × (anonymous, no role, out of scope, allowed).
Part 2: every role code × every action, against an independent table of who may do what.
Part 3: denied writes change nothing; list pages pin their query count.

The "world" is the small district with one person in 东关街道 (T, in scope for the town user)
and one in 陈溪乡 (U, out of scope for the town user). The expectations below are written from
the specification (DOMAIN/SECURITY), not derived from `permissions.ROLE_ACTIONS`, so a wrong entry
in that table fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zuofeng.core.models import AuditEntry, CalendarOverride
from zuofeng.orgs import services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import Org, Person, RoleAssignment, User
from zuofeng.orgs.tests.factories import PersonFactory, build_small_district, make_org, make_user

LOGIN = "/accounts/login/"
ALL_ROLES = frozenset(Role.values)
BUSINESS = frozenset(
    {"lead_office", "unit_admin", "branch_secretary", "grid_cadre", "inspector", "leader"}
)
ORG_WRITERS = frozenset({"lead_office", "unit_admin"})
PERSON_WRITERS = frozenset({"lead_office", "unit_admin", "branch_secretary"})
REVEALERS = frozenset({"lead_office", "unit_admin", "inspector"})
USER_PAGES = frozenset({"system_admin", "security_admin"})


@dataclass(frozen=True)
class Endpoint:
    """One page or API operation; URLs and bodies are built from the world of a test."""

    name: str
    kind: str  # "page" or "api"
    method: str
    url: Callable[[SimpleNamespace], str]
    roles: frozenset[str]  # roles (held at the district root) that may use it
    ok: int = 200
    body: Callable[[SimpleNamespace], dict] | None = None
    # The same operation aimed outside the town user's subtree; None: not tied to a place.
    out_of_scope: Callable[[SimpleNamespace], str] | None = None
    out_of_scope_body: Callable[[SimpleNamespace], dict] | None = None
    # Audit actions an allowed call appends (reads append nothing).
    audits: tuple[str, ...] = ()
    # The role the town user holds at 东关街道 for the scope rows of the matrix.
    town_role: str = "lead_office"
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def write(self) -> bool:
        return self.method != "GET"


def _p(w) -> int:
    return w.person_t.pk


def _pu(w) -> int:
    return w.person_u.pk


PAGES = [
    Endpoint("home", "page", "GET", lambda w: "/", ALL_ROLES),
    Endpoint("org_tree", "page", "GET", lambda w: "/orgs/", BUSINESS),
    Endpoint(
        "org_detail",
        "page",
        "GET",
        lambda w: "/orgs/T/",
        BUSINESS,
        out_of_scope=lambda w: "/orgs/U/",
    ),
    Endpoint(
        "person_list",
        "page",
        "GET",
        lambda w: "/people/?org=T1",
        BUSINESS,
        out_of_scope=lambda w: "/people/?org=U1",
    ),
    Endpoint(
        "person_detail",
        "page",
        "GET",
        lambda w: f"/people/{_p(w)}/",
        BUSINESS,
        out_of_scope=lambda w: f"/people/{_pu(w)}/",
    ),
    Endpoint(
        "person_reveal",
        "page",
        "POST",
        lambda w: f"/people/{_p(w)}/reveal/phone/",
        REVEALERS,
        out_of_scope=lambda w: f"/people/{_pu(w)}/reveal/phone/",
        audits=("person.reveal",),
    ),
    Endpoint("user_list", "page", "GET", lambda w: "/manage/users/", USER_PAGES),
    Endpoint(
        "user_create",
        "page",
        "POST",
        lambda w: "/manage/users/",
        frozenset({"system_admin"}),
        ok=302,
        body=lambda w: {"username": "new.user", "display_name": "新用户"},
        audits=("user.create",),
    ),
    Endpoint("user_detail", "page", "GET", lambda w: f"/manage/users/{w.target.pk}/", USER_PAGES),
    Endpoint(
        "user_disable",
        "page",
        "POST",
        lambda w: f"/manage/users/{w.target.pk}/",
        frozenset({"system_admin"}),
        ok=302,
        body=lambda w: {"op": "disable"},
        audits=("user.disable",),
    ),
    Endpoint(
        "role_grant",
        "page",
        "POST",
        lambda w: f"/manage/users/{w.target.pk}/",
        frozenset({"security_admin"}),
        ok=302,
        body=lambda w: {"op": "grant", "role": "leader", "org_code": "T"},
        audits=("role.grant",),
    ),
    Endpoint("audit_log", "page", "GET", lambda w: "/manage/audit/", frozenset({"audit_admin"})),
    Endpoint("calendar", "page", "GET", lambda w: "/manage/calendar/", frozenset({"system_admin"})),
    Endpoint(
        "calendar_set",
        "page",
        "POST",
        lambda w: "/manage/calendar/",
        frozenset({"system_admin"}),
        ok=302,
        body=lambda w: {"op": "set", "day": "2031-01-02", "kind": "holiday", "note": "测试"},
        audits=("calendar.set",),
    ),
]

API = [
    Endpoint(
        "api_org_list",
        "api",
        "GET",
        lambda w: "/api/v1/orgs?under=T",
        BUSINESS,
        out_of_scope=lambda w: "/api/v1/orgs?under=U",
    ),
    Endpoint(
        "api_org_get",
        "api",
        "GET",
        lambda w: "/api/v1/orgs/T1",
        BUSINESS,
        out_of_scope=lambda w: "/api/v1/orgs/U1",
    ),
    Endpoint(
        "api_org_subtree",
        "api",
        "GET",
        lambda w: "/api/v1/orgs/T/subtree",
        BUSINESS,
        out_of_scope=lambda w: "/api/v1/orgs/U/subtree",
    ),
    Endpoint(
        "api_org_create",
        "api",
        "POST",
        lambda w: "/api/v1/orgs",
        ORG_WRITERS,
        ok=201,
        body=lambda w: {"code": "T3", "name": "新建村党支部", "kind": "village", "parent": "T"},
        out_of_scope=lambda w: "/api/v1/orgs",
        out_of_scope_body=lambda w: {
            "code": "U2",
            "name": "新建村党支部",
            "kind": "village",
            "parent": "U",
        },
        audits=("org.create",),
    ),
    Endpoint(
        "api_org_update",
        "api",
        "PATCH",
        lambda w: "/api/v1/orgs/T1",
        ORG_WRITERS,
        body=lambda w: {"name": "东关村党委", "version": 1},
        out_of_scope=lambda w: "/api/v1/orgs/U1",
        audits=("org.update",),
    ),
    Endpoint(
        "api_org_move",
        "api",
        "POST",
        lambda w: "/api/v1/orgs/T2/move",
        ORG_WRITERS,
        body=lambda w: {"parent": "T1"},
        out_of_scope=lambda w: "/api/v1/orgs/U1/move",
        out_of_scope_body=lambda w: {"parent": "T"},
        audits=("org.move",),
    ),
    Endpoint(
        "api_person_list",
        "api",
        "GET",
        lambda w: "/api/v1/people?org=T",
        BUSINESS,
        out_of_scope=lambda w: "/api/v1/people?org=U",
    ),
    Endpoint(
        "api_person_get",
        "api",
        "GET",
        lambda w: f"/api/v1/people/{_p(w)}",
        BUSINESS,
        out_of_scope=lambda w: f"/api/v1/people/{_pu(w)}",
    ),
    Endpoint(
        "api_person_create",
        "api",
        "POST",
        lambda w: "/api/v1/people",
        PERSON_WRITERS,
        ok=201,
        body=lambda w: {"name": "新成员", "org": "T1", "phone": "13800000003"},
        out_of_scope=lambda w: "/api/v1/people",
        out_of_scope_body=lambda w: {"name": "新成员", "org": "U1"},
        audits=("person.create",),
        town_role="branch_secretary",
    ),
    Endpoint(
        "api_person_update",
        "api",
        "PATCH",
        lambda w: f"/api/v1/people/{_p(w)}",
        PERSON_WRITERS,
        body=lambda w: {"position": "支部委员", "version": 1},
        out_of_scope=lambda w: f"/api/v1/people/{_pu(w)}",
        audits=("person.update",),
        town_role="branch_secretary",
    ),
]

ENDPOINTS = PAGES + API
SCOPED = [e for e in ENDPOINTS if e.out_of_scope is not None]


def _ids(endpoints):
    return [e.name for e in endpoints]


# --- the world and the request helpers -------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The production hasher costs ~0.5 s a user; the matrix makes hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    d = build_small_district()
    person_t = services.person_create(
        actor=None, org=d.v1, name="张三", phone="13800000001", position="党员"
    )
    person_u = services.person_create(
        actor=None, org=d.w1, name="李四", phone="13800000002", position="党员"
    )
    target = make_user("target.user")
    return SimpleNamespace(**vars(d), person_t=person_t, person_u=person_u, target=target)


def state() -> dict:
    """Everything a write could touch, so a denial can be shown to have changed nothing."""
    return {
        "orgs": list(
            Org.objects.order_by("pk").values_list(
                "code", "name", "parent_id", "path", "active", "version"
            )
        ),
        "people": list(
            Person.objects.order_by("pk").values_list(
                "name", "org_id", "position", "phone_hash", "version"
            )
        ),
        "users": list(User.objects.order_by("pk").values_list("username", "is_active")),
        "roles": list(RoleAssignment.objects.order_by("pk").values_list("user_id", "role", "org")),
        "calendar": list(CalendarOverride.objects.values_list("day", "kind")),
        "audit": AuditEntry.objects.count(),
    }


def new_audit_actions(before: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(seq__gt=before).order_by("seq").values_list("action", flat=True)
    )


def audit_head() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def authenticate(client, endpoint: Endpoint, user: User | None) -> dict:
    """Log in (pages) or issue a bearer token (API); done before any snapshot is taken."""
    if user is None:
        return {}
    if endpoint.kind == "page":
        client.force_login(user)
        return {}
    return {"Authorization": f"Bearer {services.token_create(actor=None, user=user)}"}


def call(client, endpoint: Endpoint, url: str, body: dict | None, headers: dict):
    if endpoint.kind == "page":
        if endpoint.method == "GET":
            return client.get(url)
        return client.post(url, body or {})
    return client.generic(
        endpoint.method,
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
    )


def assert_denied(response, endpoint: Endpoint, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    if endpoint.kind == "api":
        detail = {401: "unauthorized", 403: "forbidden", 404: "not found"}[status]
        assert response.json() == {"detail": detail}


# --- part 1: anonymous, no role, out of scope, allowed ---------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids(ENDPOINTS))
def test_anonymous_is_sent_to_login_or_told_401(client, world, endpoint):
    before = state()
    response = call(client, endpoint, endpoint.url(world), _body(endpoint, world), {})
    if endpoint.kind == "page":
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN}?next=")
    else:
        assert_denied(response, endpoint, 401)
    assert state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids(ENDPOINTS))
def test_user_without_a_role_is_forbidden(client, world, endpoint):
    headers = authenticate(client, endpoint, make_user("nobody"))
    before = state()
    response = call(client, endpoint, endpoint.url(world), _body(endpoint, world), headers)
    if endpoint.name == "home":
        # Everyone who can log in lands on the home page; it shows no data, only the advice
        # to ask the security administrator for a role.
        assert response.status_code == 200
        assert response.context["cards"] == []
        assert "尚未授权任何角色" in response.content.decode()
    else:
        assert_denied(response, endpoint, 403)
    assert state() == before


@pytest.mark.parametrize("endpoint", SCOPED, ids=_ids(SCOPED))
def test_out_of_scope_answers_404_like_a_missing_record(client, world, endpoint):
    town_user = make_user("town.user", (endpoint.town_role, world.town))
    headers = authenticate(client, endpoint, town_user)
    before = state()
    body = (endpoint.out_of_scope_body or endpoint.body or (lambda w: None))(world)
    response = call(client, endpoint, endpoint.out_of_scope(world), body, headers)
    assert_denied(response, endpoint, 404)
    assert state() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_ids(ENDPOINTS))
def test_allowed_user_gets_the_page_or_the_change(client, world, endpoint):
    if endpoint.out_of_scope is not None:
        user = make_user("town.user", (endpoint.town_role, world.town))
    else:
        user = make_user("allowed", (sorted(endpoint.roles)[0], world.root))
    headers = authenticate(client, endpoint, user)
    head = audit_head()
    response = call(client, endpoint, endpoint.url(world), _body(endpoint, world), headers)
    assert response.status_code == endpoint.ok, response.content[:300]
    assert new_audit_actions(head) == list(endpoint.audits)
    EFFECTS.get(endpoint.name, lambda w, r: None)(world, response)


def _body(endpoint: Endpoint, w) -> dict | None:
    return endpoint.body(w) if endpoint.body else None


def _effect_org_create(w, response):
    org = Org.objects.get(code="T3")
    assert (org.name, org.parent_id, org.kind.code) == ("新建村党支部", w.town.pk, "village")
    assert response.json()["code"] == "T3"


def _effect_org_update(w, response):
    assert Org.objects.values_list("name", "version").get(code="T1") == ("东关村党委", 2)


def _effect_org_move(w, response):
    assert Org.objects.get(code="T2").parent_id == w.v1.pk
    assert response.json()["parent"] == "T1"


def _effect_person_create(w, response):
    person = Person.objects.get(name="新成员")
    assert (person.org_id, person.phone) == (w.v1.pk, "13800000003")
    assert response.json()["phone"] == "138****0003"


def _effect_person_update(w, response):
    assert Person.objects.values_list("position", "version").get(pk=w.person_t.pk) == (
        "支部委员",
        2,
    )


def _effect_reveal(w, response):
    assert response.content.decode().strip() == "13800000001"


def _effect_user_create(w, response):
    user = User.objects.get(username="new.user")
    assert response["Location"] == f"/manage/users/{user.pk}/"
    assert user.must_change_password is True


def _effect_user_disable(w, response):
    assert User.objects.get(pk=w.target.pk).is_active is False


def _effect_role_grant(w, response):
    assert list(w.target.role_assignments.values_list("role", "org__code")) == [("leader", "T")]


def _effect_calendar_set(w, response):
    assert list(CalendarOverride.objects.values_list("kind", "note")) == [("holiday", "测试")]


EFFECTS = {
    "api_org_create": _effect_org_create,
    "api_org_update": _effect_org_update,
    "api_org_move": _effect_org_move,
    "api_person_create": _effect_person_create,
    "api_person_update": _effect_person_update,
    "person_reveal": _effect_reveal,
    "user_create": _effect_user_create,
    "user_disable": _effect_user_disable,
    "role_grant": _effect_role_grant,
    "calendar_set": _effect_calendar_set,
}


def test_lists_show_only_the_subtree_in_scope(client, world):
    """A town user's lists hold the town and nothing of the other town or the department."""
    town_user = make_user("town.user", ("lead_office", world.town))
    token = services.token_create(actor=None, user=town_user)
    auth = {"Authorization": f"Bearer {token}"}
    orgs = client.get("/api/v1/orgs", headers=auth).json()
    assert [o["code"] for o in orgs["items"]] == ["T", "T1", "T2"]
    people = client.get("/api/v1/people", headers=auth).json()
    assert [p["name"] for p in people["items"]] == ["张三"]
    client.force_login(town_user)
    assert [r["org"].code for r in client.get("/orgs/").context["roots"]] == ["T"]
    assert [p.name for p in client.get("/people/").context["page"]] == ["张三"]
    assert [o.code for o in client.get("/orgs/", {"q": "村"}).context["results"]] == ["T1", "T2"]
    assert client.get("/orgs/U/").status_code == 404


# --- part 2: every role × every action -------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_role_matrix(client, world, subtests, role):
    """One role held at the district root, tried on every page and endpoint in turn.

    One world per role (not per pair) keeps this fast; the allowed writes touch different
    records, so their order does not matter.
    """
    user = make_user(f"{role}.user", (role, world.root))
    for endpoint in ENDPOINTS:
        with subtests.test(endpoint=endpoint.name, allowed=role in endpoint.roles):
            headers = authenticate(client, endpoint, user)
            before = state()
            head = audit_head()
            response = call(client, endpoint, endpoint.url(world), _body(endpoint, world), headers)
            if role in endpoint.roles:
                assert response.status_code == endpoint.ok, response.content[:300]
                assert new_audit_actions(head) == list(endpoint.audits)
            else:
                assert_denied(response, endpoint, 403)
                assert state() == before


def test_role_table_covers_every_role_and_endpoint():
    """The matrix above is only as good as its table: every role is allowed something."""
    assert {r for e in ENDPOINTS for r in e.roles} == ALL_ROLES
    assert len({e.name for e in ENDPOINTS}) == len(ENDPOINTS) == 24


def test_the_three_administrators_see_no_business_data_anywhere(client, world):
    """三员分立: none of the administrators has a business menu entry or data on the home page."""
    for role in ("system_admin", "security_admin", "audit_admin"):
        user = make_user(f"{role}.user", (role, world.root))
        client.force_login(user)
        response = client.get("/")
        assert response.context["cards"] == []
        assert response.context["can"]["org_view"] is False
        assert response.context["can"]["person_view"] is False
        assert "/orgs/" not in response.content.decode()
        assert "/people/" not in response.content.decode()


def test_menu_offers_each_administrator_only_their_own_pages(client, world):
    expected = {
        "system_admin": {"/manage/users/", "/manage/calendar/"},
        "security_admin": {"/manage/users/"},
        "audit_admin": {"/manage/audit/"},
        "leader": {"/orgs/", "/people/"},
    }
    links = {"/orgs/", "/people/", "/manage/users/", "/manage/calendar/", "/manage/audit/"}
    for role, shown in expected.items():
        client.force_login(make_user(f"{role}.menu", (role, world.root)))
        nav = client.get("/").content.decode().split("</nav>")[0]
        assert {link for link in links if f'href="{link}"' in nav} == shown, role


# --- part 3: denied writes leave no trace; query counts ---------------------------------------


@pytest.mark.parametrize(
    "endpoint", [e for e in API if e.write], ids=_ids(e for e in API if e.write)
)
def test_view_only_role_cannot_write_through_the_api(client, world, endpoint):
    """A grid cadre may read the town but not change it: 403 at the boundary, no row, no entry."""
    user = make_user("cadre", ("grid_cadre", world.town))
    token = services.token_create(actor=None, user=user)
    before = state()
    response = client.generic(
        endpoint.method,
        endpoint.url(world),
        json.dumps(_body(endpoint, world)),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_denied(response, endpoint, 403)
    assert state() == before


def test_disabled_user_token_is_refused(client, world):
    user = make_user("gone", ("lead_office", world.root))
    token = services.token_create(actor=None, user=user)
    services.user_set_active(actor=None, user=user, active=False)
    response = client.get("/api/v1/orgs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def _count(client, url: str) -> int:
    client.get(url)  # warm up: the first request of a session writes its timestamps
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def _grow_people(org: Org, n: int) -> None:
    PersonFactory.create_batch(n, org=org)


def test_people_list_query_count_does_not_grow_with_rows(client, world):
    client.force_login(make_user("lead", ("lead_office", world.root)))
    _grow_people(world.v1, 3)  # 5 people in all
    small = _count(client, "/people/")
    _grow_people(world.v1, 55)  # 60: a full page of 50 and a second page
    large = _count(client, "/people/")
    assert small == large
    assert len(client.get("/people/").context["page"]) == 50


def test_people_list_query_count_is_pinned(client, world, django_assert_num_queries):
    client.force_login(make_user("lead", ("lead_office", world.root)))
    _grow_people(world.v1, 58)
    client.get("/people/")
    # session, user, grants, the filter org, count, one page of people joined to their orgs
    with django_assert_num_queries(6):
        response = client.get("/people/?org=T")
    assert len(response.context["page"]) == 50


def test_org_tree_query_count_does_not_grow_with_orgs(client, world, django_assert_num_queries):
    client.force_login(make_user("lead", ("lead_office", world.root)))
    small = _count(client, "/orgs/")
    for i in range(20):
        make_org(f"V{i}", f"村{i}", "village", world.town2)
    _grow_people(world.w1, 30)
    assert _count(client, "/orgs/") == small
    # session, user, grants, roots, kinds, 2 counts per root
    with django_assert_num_queries(7):
        client.get("/orgs/")


def test_org_search_query_count_does_not_grow_with_rows(client, world):
    client.force_login(make_user("lead", ("lead_office", world.root)))
    small = _count(client, "/orgs/?q=村")
    for i in range(60):
        make_org(f"V{i}", f"新村{i}", "village", world.town2)
    assert _count(client, "/orgs/?q=村") == small


def test_org_detail_query_count_does_not_grow_with_children(
    client, world, django_assert_num_queries
):
    client.force_login(make_user("lead", ("lead_office", world.root)))
    small = _count(client, "/orgs/U/")
    for i in range(30):
        make_org(f"V{i}", f"村{i}", "village", world.town2)
    _grow_people(world.w1, 30)
    assert _count(client, "/orgs/U/") == small
    # session, user, grants, the org, its ancestors, 2 subtree counts, children + 2 totals
    with django_assert_num_queries(10):
        response = client.get("/orgs/U/")
    assert len(response.context["children"]) == 31
