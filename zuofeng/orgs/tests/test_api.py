"""The JSON API over real HTTP: a live server, `requests` and a bearer token.

Covers list filters and pagination, create/update/move with their validation errors, optimistic
locking, masking of ID and phone numbers, and the OpenAPI description.

Every test here is transactional (the live server answers from its own connection), and on
PostgreSQL each one costs a flush of every table; so the cases of one behaviour share a test
and run as subtests, in an order where the read-only and refused cases come first.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import requests

from zuofeng.core.models import AuditEntry
from zuofeng.orgs import services
from zuofeng.orgs.models import Org, Person
from zuofeng.orgs.tests.factories import build_small_district, id_number, make_user

# The live server sees only committed rows; serialized rollback brings back the seeded org
# kinds that the flush after each transactional test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ZHANG_ID = id_number("330102", dt.date(1990, 5, 17), 12, male=True)
LI_ID = id_number("330103", dt.date(1985, 1, 2), 34, male=False)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(live_server):
    """The small district with four people; a lead-office token at the root."""
    d = build_small_district()
    zhang = services.person_create(
        actor=None,
        org=d.v1,
        name="张三",
        id_number=ZHANG_ID,
        phone="13800000001",
        political_status="member",
        position="支部书记",
        person_no="P001",
    )
    li = services.person_create(
        actor=None,
        org=d.v2,
        name="李四",
        id_number=LI_ID,
        phone="13900000002",
        political_status="masses",
    )
    wang = services.person_create(
        actor=None, org=d.w1, name="王五", phone="13700000003", political_status="league"
    )
    zhao = services.person_create(actor=None, org=d.dept_branch, name="赵六")
    lead = make_user("lead", ("lead_office", d.root))
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {services.token_create(actor=None, user=lead)}"
    yield SimpleNamespace(
        **vars(d),
        zhang=zhang,
        li=li,
        wang=wang,
        zhao=zhao,
        lead=lead,
        http=http,
        base=live_server.url,
    )
    http.close()


def get(w, path: str, **params) -> requests.Response:
    return w.http.get(f"{w.base}/api/v1{path}", params=params, timeout=10)


def send(w, method: str, path: str, body: dict) -> requests.Response:
    return w.http.request(method, f"{w.base}/api/v1{path}", json=body, timeout=10)


def codes(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [o["code"] for o in response.json()["items"]]


def names(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()["items"]]


def assert_invalid(response: requests.Response, *fields: str) -> None:
    """422 in the documented shape, one or more non-empty messages for exactly these fields."""
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"] == "invalid"
    assert set(body["errors"]) == set(fields)
    assert all(m and isinstance(m, str) for msgs in body["errors"].values() for m in msgs)


def masked_id(number: str) -> str:
    return number[:6] + "*" * 8 + number[-4:]


# --- orgs: reads -------------------------------------------------------------------------------

ORG_FILTERS = [
    ({"q": "村"}, ["T1", "T2", "U1"]),  # name contains
    ({"q": "u1"}, ["U1"]),  # exact code, any case
    ({"kind": "village"}, ["T1", "U1"]),  # kind code
    ({"kind": "乡镇街道"}, ["T", "U"]),  # kind name
    ({"under": "T"}, ["T", "T1", "T2"]),  # a subtree
    ({"under": "T", "q": "社区"}, ["T2"]),
    ({"kind": "nosuchkind"}, []),
    ({"active": "true"}, ["D", "DA", "DA1", "T", "T1", "T2", "U", "U1"]),
    ({"active": "false"}, []),
]

ORG_PAGES = [
    ({"limit": 3, "offset": 0}, ["D", "DA", "DA1"]),
    ({"limit": 3, "offset": 3}, ["T", "T1", "T2"]),
    ({"limit": 3, "offset": 6}, ["U", "U1"]),
    ({"limit": 3, "offset": 8}, []),
]


def test_org_reads(world, subtests):
    response = get(world, "/orgs")
    assert response.json()["count"] == 8
    assert codes(response) == ["D", "DA", "DA1", "T", "T1", "T2", "U", "U1"]
    assert response.json()["items"][4] == {
        "code": "T1",
        "name": "东关村党支部",
        "short_name": "",
        "kind": "村党组织",
        "parent": "T",
        "depth": 2,
        "sort_order": 0,
        "active": True,
        "version": 1,
    }
    for params, expected in ORG_FILTERS:
        with subtests.test("filter", **params):
            assert codes(get(world, "/orgs", **params)) == expected
    for params, expected in ORG_PAGES:
        with subtests.test("page", **params):
            response = get(world, "/orgs", **params)
            assert codes(response) == expected
            assert response.json()["count"] == 8
    for params in ({"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": "x"}, {"active": "x"}):
        with subtests.test("bad query", **params):
            assert_invalid(get(world, "/orgs", **params), *params)
    with subtests.test("subtree and one org"):
        assert codes(get(world, "/orgs/T/subtree")) == ["T", "T1", "T2"]
        one = get(world, "/orgs/U1")
        assert one.status_code == 200
        assert (one.json()["name"], one.json()["parent"]) == ("陈家岙村党支部", "U")
    for path, params in (
        ("/orgs", {"under": "NOPE"}),
        ("/orgs/NOPE", {}),
        ("/orgs/NOPE/subtree", {}),
    ):
        with subtests.test("unknown", path=path, **params):
            response = get(world, path, **params)
            assert (response.status_code, response.json()) == (404, {"detail": "not found"})
    with subtests.test("inactive orgs filter"):
        services.org_update(actor=None, org=world.v2, active=False)
        assert codes(get(world, "/orgs", active="false")) == ["T2"]
        assert "T2" not in codes(get(world, "/orgs", active="true"))
        assert len(codes(get(world, "/orgs"))) == 8


# --- orgs: create, update, move ------------------------------------------------------------------

BAD_ORGS = [
    ({"name": "无编码", "kind": "village", "parent": "T"}, "code"),
    ({"code": "坏 编码", "name": "x", "kind": "village", "parent": "T"}, "code"),
    ({"code": "x" * 33, "name": "x", "kind": "village", "parent": "T"}, "code"),
    ({"code": "T3", "name": "", "kind": "village", "parent": "T"}, "name"),
    ({"code": "T3", "name": "x" * 101, "kind": "village", "parent": "T"}, "name"),
    ({"code": "T3", "name": "x", "kind": "nosuchkind", "parent": "T"}, "kind"),
    ({"code": "T1", "name": "重复", "kind": "village", "parent": "T"}, "code"),  # taken
    (
        {"code": "T3", "name": "x", "kind": "village", "parent": "T", "sort_order": "a"},
        "sort_order",
    ),
    ({"code": "T3", "name": "x", "kind": "village"}, "parent"),
]


def test_create_org(world, subtests):
    for body, field in BAD_ORGS:
        with subtests.test("refused", field=field, body=body):
            before = Org.objects.count(), AuditEntry.objects.count()
            assert_invalid(send(world, "POST", "/orgs", body), field)
            assert (Org.objects.count(), AuditEntry.objects.count()) == before
    with subtests.test("unknown parent"):
        body = {"code": "X", "name": "x", "kind": "town", "parent": "NOPE"}
        assert send(world, "POST", "/orgs", body).status_code == 404
        assert not Org.objects.filter(code="X").exists()

    body = {
        "code": "T3",
        "name": "西关村党支部",
        "kind": "村党组织",
        "parent": "T",
        "sort_order": 3,
    }
    response = send(world, "POST", "/orgs", body)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "code": "T3",
        "name": "西关村党支部",
        "short_name": "",
        "kind": "村党组织",
        "parent": "T",
        "depth": 2,
        "sort_order": 3,
        "active": True,
        "version": 1,
    }
    assert Org.objects.get(code="T3").path.startswith(world.town.path)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_name, entry.channel) == ("org.create", "lead", "api")
    assert codes(get(world, "/orgs/T/subtree")) == ["T", "T1", "T2", "T3"]


def test_update_org_and_stale_version(world, subtests):
    for body, field in (
        ({"kind": "nosuchkind"}, "kind"),
        ({"name": ""}, "name"),
        ({"sort_order": 10**9}, "sort_order"),
        ({"version": 0}, "version"),
        ({"active": "maybe"}, "active"),
    ):
        with subtests.test("refused", field=field):
            assert_invalid(send(world, "PATCH", "/orgs/T1", body), field)
            assert Org.objects.values_list("name", "version").get(code="T1") == ("东关村党支部", 1)

    response = send(world, "PATCH", "/orgs/T1", {"version": 1, "short_name": "东关村"})
    assert response.status_code == 200, response.text
    assert (response.json()["short_name"], response.json()["version"]) == ("东关村", 2)

    stale = send(world, "PATCH", "/orgs/T1", {"version": 1, "name": "别人的修改"})
    assert stale.status_code == 409
    assert stale.json() == {"detail": "该记录已被他人修改，请刷新后重试"}
    assert Org.objects.values_list("name", "short_name", "version").get(code="T1") == (
        "东关村党支部",
        "东关村",
        2,
    )
    assert list(AuditEntry.objects.filter(action="org.update").values_list("object_id")) == [
        (str(world.v1.pk),)
    ]


def test_move_org(world, subtests):
    # under its own child, under itself, the root
    for code, parent in (("T", "T1"), ("T", "T"), ("D", "T")):
        with subtests.test("refused", code=code, parent=parent):
            paths = list(Org.objects.order_by("pk").values_list("path", flat=True))
            assert_invalid(send(world, "POST", f"/orgs/{code}/move", {"parent": parent}), "parent")
            assert list(Org.objects.order_by("pk").values_list("path", flat=True)) == paths
    with subtests.test("unknown parent"):
        assert send(world, "POST", "/orgs/T/move", {"parent": "NOPE"}).status_code == 404

    response = send(world, "POST", "/orgs/T/move", {"parent": "DA"})
    assert response.status_code == 200, response.text
    assert (response.json()["parent"], response.json()["depth"]) == ("DA", 2)
    assert codes(get(world, "/orgs/DA/subtree")) == ["DA", "DA1", "T", "T1", "T2"]
    assert get(world, "/orgs/T2").json()["depth"] == 3
    # the people of the moved town now count under the department
    assert names(get(world, "/people", org="DA")) == ["赵六", "张三", "李四"]


# --- people: reads -------------------------------------------------------------------------------

PEOPLE_FILTERS = [
    ({}, ["赵六", "张三", "李四", "王五"]),
    ({"org": "T"}, ["张三", "李四"]),  # the town's whole subtree
    ({"org": "U1"}, ["王五"]),
    ({"political_status": "masses"}, ["李四"]),
    ({"political_status": "league", "org": "T"}, []),
    ({"phone": "13800000001"}, ["张三"]),  # exact, through the keyed hash
    ({"phone": "1380000000"}, []),  # no partial matches
    ({"id_number": LI_ID}, ["李四"]),
    ({"q": "张"}, ["张三"]),
    ({"q": "P001"}, ["张三"]),  # exact 人员编号
    ({"limit": 2, "offset": 1}, ["张三", "李四"]),
]


def test_people_reads_are_masked(world, subtests):
    response = get(world, "/people", org="T1")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": world.zhang.pk,
                "name": "张三",
                "gender": "M",
                "birth_date": "1990-05-17",
                "id_number": masked_id(ZHANG_ID),
                "phone": "138****0001",
                "org": "T1",
                "political_status": "member",
                "cadre_level": "",
                "position": "支部书记",
                "person_no": "P001",
                "active": True,
                "version": 1,
            }
        ],
        "count": 1,
    }
    assert ZHANG_ID not in response.text
    assert "13800000001" not in response.text

    one = get(world, f"/people/{world.li.pk}")
    assert one.status_code == 200
    assert (one.json()["phone"], one.json()["id_number"]) == ("139****0002", masked_id(LI_ID))
    assert LI_ID not in one.text and "13900000002" not in one.text

    for params, expected in PEOPLE_FILTERS:
        with subtests.test("filter", **params):
            response = get(world, "/people", **params)
            assert names(response) == expected
            assert response.json()["count"] == (4 if "limit" in params else len(expected))
    for params in ({"political_status": "boss"}, {"cadre_level": "king"}, {"limit": 0}):
        with subtests.test("bad query", **params):
            assert_invalid(get(world, "/people", **params), *params)
    for path, params in (("/people", {"org": "NOPE"}), ("/people/999999", {}), ("/people/0", {})):
        with subtests.test("unknown", path=path):
            assert get(world, path, **params).status_code == 404


# --- people: writes ------------------------------------------------------------------------------

BAD_PEOPLE = [
    ({"org": "T1"}, "name"),
    ({"name": "", "org": "T1"}, "name"),
    ({"name": "x", "org": "T1", "id_number": "123"}, "id_number"),
    ({"name": "x", "org": "T1", "id_number": ZHANG_ID[:17] + "Y"}, "id_number"),
    ({"name": "x", "org": "T1", "id_number": ZHANG_ID}, "id_number"),  # already registered
    ({"name": "x", "org": "T1", "phone": "12345"}, "phone"),
    ({"name": "x", "org": "T1", "gender": "X"}, "gender"),
    ({"name": "x", "org": "T1", "birth_date": "2999-01-01"}, "birth_date"),
    ({"name": "x", "org": "T1", "birth_date": "yesterday"}, "birth_date"),
    ({"name": "x", "org": "T1", "political_status": "boss"}, "political_status"),
    ({"name": "x", "org": "T1", "person_no": "P001"}, "person_no"),  # already taken
]


def test_create_person(world, subtests):
    for body, field in BAD_PEOPLE:
        with subtests.test("refused", field=field, body=body):
            before = Person.objects.count(), AuditEntry.objects.count()
            assert_invalid(send(world, "POST", "/people", body), field)
            assert (Person.objects.count(), AuditEntry.objects.count()) == before
    with subtests.test("unknown org"):
        assert send(world, "POST", "/people", {"name": "x", "org": "NOPE"}).status_code == 404

    number = id_number("330102", dt.date(2001, 3, 4), 5, male=False)
    body = {"name": "钱七", "org": "T2", "id_number": number, "phone": "13600000004"}
    response = send(world, "POST", "/people", body)
    assert response.status_code == 201, response.text
    created = response.json()
    # gender and birth date come from the ID number; both numbers come back masked
    assert (created["gender"], created["birth_date"]) == ("F", "2001-03-04")
    assert (created["phone"], created["id_number"]) == ("136****0004", masked_id(number))
    person = Person.objects.get(pk=created["id"])
    assert (person.id_number, person.phone, person.org_id) == (number, "13600000004", world.v2.pk)
    assert number not in person.id_number_enc and "13600000004" not in person.phone_enc
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.after["phone"]) == ("person.create", "136****0004")


def test_update_person_and_stale_version(world, subtests):
    for body, field in (({"phone": "abc"}, "phone"), ({"name": ""}, "name"), ({"org": ""}, "org")):
        with subtests.test("refused", field=field):
            assert_invalid(send(world, "PATCH", f"/people/{world.li.pk}", body), field)
            person = Person.objects.get(pk=world.li.pk)
            assert (person.phone, person.version) == ("13900000002", 1)
    with subtests.test("missing person"):
        assert send(world, "PATCH", "/people/999999", {"name": "x"}).status_code == 404

    response = send(world, "PATCH", f"/people/{world.li.pk}", {"version": 1, "position": "委员"})
    assert response.status_code == 200, response.text
    assert (response.json()["position"], response.json()["version"]) == ("委员", 2)

    stale = send(world, "PATCH", f"/people/{world.li.pk}", {"version": 1, "position": "书记"})
    assert stale.status_code == 409
    person = Person.objects.get(pk=world.li.pk)
    assert (person.position, person.version) == ("委员", 2)

    moved = send(world, "PATCH", f"/people/{world.wang.pk}", {"org": "T1", "phone": "13700000009"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["org"], moved.json()["phone"]) == ("T1", "137****0009")
    assert names(get(world, "/people", phone="13700000009")) == ["王五"]
    assert names(get(world, "/people", phone="13700000003")) == []


# --- authentication and the description ------------------------------------------------------


def test_tokens_and_openapi(world, subtests):
    for headers in ({}, {"Authorization": "Bearer zf_nonsense"}, {"Authorization": "Basic eA=="}):
        with subtests.test("refused token", **headers):
            response = requests.get(f"{world.base}/api/v1/orgs", headers=headers, timeout=10)
            assert (response.status_code, response.json()) == (401, {"detail": "unauthorized"})

    response = requests.get(f"{world.base}/api/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/orgs": {"get", "post"},
        "/api/v1/orgs/{code}": {"get", "patch"},
        "/api/v1/orgs/{code}/subtree": {"get"},
        "/api/v1/orgs/{code}/move": {"post"},
        "/api/v1/people": {"get", "post"},
        "/api/v1/people/{person_id}": {"get", "patch"},
    }.items():
        assert methods <= set(paths[path]), path
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert {"id_number", "phone"} <= set(schema["components"]["schemas"]["PersonOut"]["properties"])

    services.user_set_active(actor=None, user=world.lead, active=False)
    assert get(world, "/orgs").status_code == 401


# --- bytes PostgreSQL cannot store ---------------------------------------------------------------
# These need no live server: the Django client is enough, and a plain transaction is cheaper.

NUL_API = [
    ("GET", "/api/v1/orgs?q=a%00b", None, "q"),
    ("GET", "/api/v1/orgs?under=%00", None, "under"),
    ("GET", "/api/v1/orgs/T%00", None, "code"),
    ("GET", "/api/v1/orgs/T%00/subtree", None, "code"),
    ("GET", "/api/v1/people?q=%00", None, "q"),
    ("GET", "/api/v1/people?org=T%00", None, "org"),
    ("POST", "/api/v1/orgs", {"code": "X", "name": "a\x00", "kind": "town", "parent": "D"}, "name"),
    ("PATCH", "/api/v1/orgs/T1", {"short_name": "\x00"}, "short_name"),
    ("POST", "/api/v1/orgs/T1/move", {"parent": "U\x00"}, "parent"),
    ("POST", "/api/v1/people", {"name": "张\x00", "org": "T1"}, "name"),
    ("PATCH", "/api/v1/people/1", {"position": "\x00"}, "position"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "body", "field"), NUL_API, ids=[f"{m} {u}" for m, u, *_ in NUL_API]
)
def test_nul_in_any_api_input_is_422_not_500(client, method, url, body, field):
    d = build_small_district()
    token = services.token_create(actor=None, user=make_user("lead", ("lead_office", d.root)))
    before = Org.objects.count(), Person.objects.count(), AuditEntry.objects.count()
    response = client.generic(
        method,
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.content
    assert response.json() == {
        "detail": "invalid",
        "errors": {field: ["Value error, 不能包含空字符（NUL）"]},
    }
    assert (Org.objects.count(), Person.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/orgs/?q=%00", 400),
        ("/orgs/?kind=%00", 400),
        ("/orgs/T%00/", 404),
        ("/people/?q=%00", 400),
        ("/people/?org=%00", 400),
        ("/manage/users/?q=%00", 400),
    ],
)
def test_nul_in_a_page_query_is_a_client_error(client, url, status):
    d = build_small_district()
    role = "system_admin" if url.startswith("/manage/") else "lead_office"
    client.force_login(make_user("someone", (role, d.root)))
    assert client.get(url).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("bad_id", ["abc", "", "²", "-1", "0", "99999999999999999999999"])
def test_malformed_record_ids_in_admin_forms_are_404(client, bad_id):
    d = build_small_district()
    target = make_user("target", ("leader", d.town))
    client.force_login(make_user("security", ("security_admin", d.root)))
    response = client.post(f"/manage/users/{target.pk}/", {"op": "revoke", "id": bad_id})
    assert response.status_code == 404
    assert list(target.role_assignments.values_list("role", flat=True)) == ["leader"]

    client.force_login(make_user("system", ("system_admin", d.root)))
    response = client.post("/manage/calendar/", {"op": "delete", "id": bad_id})
    assert response.status_code == 404
