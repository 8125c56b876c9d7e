import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from zuofeng.core.audit import AuditEntry
from zuofeng.core.indicators import Period, get
from zuofeng.rectify.models import Problem
from zuofeng.rules import services
from zuofeng.rules.models import Hit, NegativeItem
from zuofeng.rules.tests.conftest import expense_row

CAMPAIGN = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))


@pytest.fixture
def hit(imported, district):
    imported([expense_row("V1", "T1")])
    return Hit.objects.get()


def test_confirm_and_push_to_the_ledger_in_one_action_links_both_ways(hit, make_user, district):
    lead = make_user("lead", ("lead_office", district.root))
    services.finding_review(
        actor=lead, finding=hit, decision="confirmed", on=dt.date(2025, 6, 1), to_ledger=True
    )
    hit.refresh_from_db()
    problem = Problem.objects.get()
    assert hit.problem == problem
    assert problem.source_ref == f"RH-{hit.pk}"
    assert problem.source.name == "审计监督"
    assert problem.unit == district.v1 and problem.found_date == dt.date(2025, 6, 1)
    assert problem.key_funds
    assert problem.description == (
        "工作餐超标准：公务接待人均 312 元，超过标准 150 元（凭证号 V1，2025-05-10，金额 3744 元）"
    )
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))[-3:]
    assert actions == ["rules.hit.review", "problem.register", "rules.hit.to_ledger"]


def test_dismissal_needs_a_reason_and_changes_nothing_without_one(hit, make_user, district):
    lead = make_user("lead", ("lead_office", district.root))
    with pytest.raises(ValidationError):
        services.finding_review(actor=lead, finding=hit, decision="dismissed", reason=" ")
    hit.refresh_from_db()
    assert hit.state == "pending"


def test_only_a_confirmed_finding_goes_to_the_ledger_and_only_once(hit, make_user, district):
    lead = make_user("lead", ("lead_office", district.root))
    with pytest.raises(ValidationError):
        services.finding_to_problem(actor=lead, finding=hit)
    services.finding_review(actor=lead, finding=hit, decision="confirmed", to_ledger=True)
    with pytest.raises(ValidationError):
        services.finding_to_problem(actor=lead, finding=hit)
    with pytest.raises(ValidationError):
        services.finding_review(actor=lead, finding=hit, decision="dismissed", reason="x")
    assert Problem.objects.count() == 1


@pytest.mark.parametrize(
    "role, org, error",
    [
        ("unit_admin", "v1", PermissionDenied),  # the unit itself never judges its hits
        ("inspector", "town2", Http404),  # out of scope
        ("leader", "root", PermissionDenied),  # read-only
    ],
)
def test_who_may_review(hit, make_user, district, role, org, error):
    user = make_user("u", (role, getattr(district, org)))
    with pytest.raises(error):
        services.finding_review(actor=user, finding=hit, decision="confirmed")
    hit.refresh_from_db()
    assert hit.state == "pending" and Problem.objects.count() == 0


def test_hit_indicators(imported, district, neg_list):
    imported(
        [
            expense_row("V1", "T1"),  # 1944 over the standard
            expense_row("V2", "T1", **{"附件": "发票"}),  # standard + no 公函
            expense_row("V3", "DA", **{"人数": 30}),  # clean
            expense_row("V4", "DA", **{"日期": "2025-02-01"}),  # before the period
        ]
    )
    for h in Hit.objects.filter(expense__voucher_no="V2"):
        services.finding_review(actor=None, finding=h, decision="confirmed")
    root, town = district.root.path, district.town.path

    def v(key, path=root, **f):
        return get(key).value(path, CAMPAIGN, f)

    assert v("rules.expenses_checked") == 3
    assert v("rules.hits") == 3
    assert v("rules.hits", town) == 3
    assert v("rules.hits", district.dept.path) == 0
    assert v("rules.hits_confirmed") == 2
    assert v("rules.hit_amount") == Decimal("3744") + Decimal("1944")
    assert v("rules.hits", check_type="document_missing") == 1
    assert v("rules.hits", category="公务接待") == 3
    assert v("rules.negative_items") == 7
    assert v("rules.negative_items", town) == 7  # issued above the town, in force there
    assert v("rules.negative_categories") == 1


def test_a_new_version_copies_the_items_and_takes_over_from_its_date(neg_list, district):
    new = services.negative_list_create(
        actor=None,
        name="2025年下半年版",
        issuer=district.dept,
        applies_to=district.root,
        effective_from=dt.date(2025, 7, 1),
        copy_from=neg_list,
    )
    assert [
        (i.text, i.check_type, i.params)
        for i in NegativeItem.objects.filter(category__negative_list=new).order_by("number")
    ] == [
        (i.text, i.check_type, i.params)
        for i in NegativeItem.objects.filter(category__negative_list=neg_list).order_by("number")
    ]
    june, august = (
        Period(dt.date(2025, 6, 1), dt.date(2025, 6, 30)),
        Period(dt.date(2025, 8, 1), dt.date(2025, 8, 31)),
    )
    items = get("rules.negative_items")
    assert items.value(district.root.path, june) == 7
    assert set(
        items.records(district.root.path, august).values_list("category__negative_list", flat=True)
    ) == {new.pk}


def test_the_problem_page_links_back_to_the_hit(hit, make_user, district, client):
    lead = make_user("lead", ("lead_office", district.root))
    services.finding_review(
        actor=lead, finding=hit, decision="confirmed", on=dt.date(2025, 6, 1), to_ledger=True
    )
    client.force_login(lead)
    page = client.get(f"/problems/{Problem.objects.get().pk}/").content.decode()
    assert f'<a href="/rules/ref/RH-{hit.pk}/">RH-{hit.pk}</a>' in page
