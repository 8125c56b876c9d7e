"""The rules API with bearer tokens: scope, review and push to the ledger, bad input."""

import pytest

from zuofeng.orgs import services as org_services
from zuofeng.rectify.models import Problem
from zuofeng.rules.models import Hit, NegativeItem, PowerCase

API = "/api/v1/rules"


@pytest.fixture
def call(client):
    tokens = {}

    def call(user, method, path, **kw):
        if user.pk not in tokens:
            tokens[user.pk] = org_services.token_create(actor=None, user=user)
        token = tokens[user.pk]
        return getattr(client, method)(
            f"{API}{path}",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            content_type="application/json",
            **kw,
        )

    return call


def test_hits_are_scoped_and_paginated(call, users, django_assert_max_num_queries):
    lead = call(users["lead"], "get", "/hits")
    assert lead.status_code == 200
    body = lead.json()
    assert body["count"] == Hit.objects.count() == 3
    unit = call(users["unit"], "get", "/hits").json()
    assert {h["voucher_no"] for h in unit["items"]} == {"V1"}
    assert unit["items"][0]["ref"].startswith("RH-")
    assert call(users["out"], "get", "/hits").json()["count"] == 0
    assert call(users["none"], "get", "/hits").status_code == 403
    hit = Hit.objects.filter(expense__voucher_no="V1").first()
    assert call(users["out"], "get", f"/hits/{hit.pk}").status_code == 404
    assert call(users["lead"], "get", "/hits/99999999999999999999").status_code in (404, 422)


def test_review_and_push_round_trip(call, users):
    hit = Hit.objects.get(expense__voucher_no="V1", item__text="工作餐超标准")
    r = call(users["unit"], "post", f"/hits/{hit.pk}/review", data={"decision": "confirmed"})
    assert r.status_code == 403
    r = call(users["lead"], "post", f"/hits/{hit.pk}/review", data={"decision": "dismissed"})
    assert r.status_code in (400, 422)
    r = call(users["lead"], "post", f"/hits/{hit.pk}/review", data={"decision": "confirmed"})
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    r = call(users["lead"], "post", f"/hits/{hit.pk}/problem")
    assert r.status_code == 201
    problem = Problem.objects.get(pk=r.json()["problem_id"])
    assert problem.source_ref == f"RH-{hit.pk}"
    back = call(users["lead"], "get", f"/findings/by-problem/{problem.pk}").json()
    assert back == {"kind": "hit", "id": hit.pk, "ref": f"RH-{hit.pk}"}
    again = call(users["lead"], "post", f"/hits/{hit.pk}/problem")
    assert again.status_code in (400, 422) and Problem.objects.count() == 1


def test_item_check_edit_and_preview(call, users):
    item = NegativeItem.objects.get(text="工作餐超标准")
    bad = call(
        users["lead"],
        "put",
        f"/items/{item.pk}",
        data={"text": "x", "check_type": "amount_over", "params": {"limit": "a", "per": "person"}},
    )
    assert bad.status_code in (400, 422)
    assert bad.json()["errors"] == {"params": ["标准金额应为数字"]}
    item.refresh_from_db()
    assert item.text == "工作餐超标准"
    ok = call(
        users["lead"],
        "put",
        f"/items/{item.pk}",
        data={
            "text": "工作餐超标准",
            "check_type": "amount_over",
            "params": {"codes": ["30217"], "limit": 120, "per": "person"},
        },
    )
    assert ok.status_code == 200 and ok.json()["params"]["limit"] == 120
    assert call(users["unit"], "put", f"/items/{item.pk}", data={"text": "y"}).status_code == 403
    found = call(
        users["lead"],
        "post",
        "/checks/preview",
        data={"check_type": "keyword", "params": {"keywords": ["调研"]}},
    ).json()
    assert {f["voucher_no"] for f in found} == {"V1", "V2"}


def test_budget_and_cases(call, users):
    r = call(users["lead"], "get", "/budget?year=2025").json()
    assert r["target"] == 0.15
    assert [(u["unit"], u["cut_rate"], u["below_target"]) for u in r["units"]] == [
        ("DA", 0.2, False),
        ("T1", 0.05, True),
    ]
    items = call(users["lead"], "get", "/power-items").json()
    assert len(items) == 20 and items[1]["steps"][3]["attend"] == "2/3"
    case = PowerCase.objects.get()
    detail = call(users["unit"], "get", f"/cases/{case.pk}").json()
    assert [s["ok"] for s in detail["steps"]] == [True, True, True, True, False, True]
    assert detail["findings"][0]["explanation"] == "缺少步骤“决议公开”"
    flag_id = detail["findings"][0]["id"]
    assert call(users["out"], "get", f"/cases/{case.pk}").status_code == 404
    r = call(
        users["lead"],
        "post",
        f"/flags/{flag_id}/review",
        data={"decision": "confirmed", "to_ledger": True},
    )
    assert r.status_code == 200 and r.json()["problem"]


def test_api_permission_matrix(client, call, users, world):
    """Anonymous → 401; no role → 403; out of scope → 404 on a record; in scope → 200."""
    hit = Hit.objects.filter(expense__voucher_no="V1").first()
    case = PowerCase.objects.get()
    lst = NegativeItem.objects.first().category.negative_list_id
    paths = {
        "/lists": False,
        f"/lists/{lst}/items": False,
        "/hits": False,
        f"/hits/{hit.pk}": True,
        "/budget?year=2025": False,
        "/power-items": False,
        "/cases": False,
        f"/cases/{case.pk}": True,
    }
    for path, scoped in paths.items():
        assert client.get(f"{API}{path}").status_code == 401, path
        assert call(users["none"], "get", path).status_code == 403, path
        assert call(users["out"], "get", path).status_code == (404 if scoped else 200), path
        for who in ("unit", "lead", "leader"):
            assert call(users[who], "get", path).status_code == 200, (path, who)


def test_api_lists_pin_their_query_count(call, users, django_assert_max_num_queries):
    from zuofeng.core.sheets import run_import
    from zuofeng.rules.tests.conftest import expense_row

    run_import("expenses", [expense_row(f"X{n}", "T1") for n in range(40)])
    token_user = users["lead"]
    call(token_user, "get", "/lists")  # the token, made outside the count
    with django_assert_max_num_queries(12):
        assert call(token_user, "get", "/hits?limit=100").json()["count"] == 43
    with django_assert_max_num_queries(12):
        assert call(token_user, "get", "/cases").status_code == 200
