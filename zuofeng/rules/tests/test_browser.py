"""In Debian's Chromium: the lead office opens a hit of the negative list, confirms it into the
problem ledger in one action, opens the problem it created and follows the link back."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from zuofeng.core.sheets import run_import
from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user
from zuofeng.rectify.models import Problem
from zuofeng.rules import services
from zuofeng.rules.models import Hit
from zuofeng.rules.tests.conftest import expense_row

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    make_user("lead", ("lead_office", d.root))
    lst = services.negative_list_create(
        actor=None,
        name="测试清单",
        issuer=d.dept,
        applies_to=d.root,
        effective_from=dt.date(2025, 1, 1),
    )
    cat = services.category_save(actor=None, negative_list=lst, name="公务接待")
    services.item_save(
        actor=None,
        category=cat,
        text="工作餐超标准",
        check_type="amount_over",
        params={"codes": ["30217"], "limit": 150, "per": "person"},
    )
    run_import("expenses", [expense_row("V1", "T1")])
    return d


def test_confirm_a_hit_and_open_its_problem(browser, artifacts, live_server, world):
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts))
    assert seen == []
    hit = Hit.objects.get()
    assert hit.state == "confirmed" and hit.problem == Problem.objects.get()


def walk(chromium, base: str, shots: Path) -> list[str]:
    failures: list[str] = []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.url} {r.status}"))
    try:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("lead")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/rules/hits/")
        page.get_by_role("link", name="V1").click()
        page.wait_for_url("**/rules/hits/*/")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading == "公务接待人均 312 元，超过标准 150 元", heading
        page.get_by_label("确认违规").check()
        page.get_by_label("确认后同时登记到问题台账").check()
        page.get_by_role("button", name="提交审核").click()
        page.wait_for_load_state()
        page.screenshot(path=str(shots / "rules-hit-confirmed.png"), full_page=True)
        hit_url = page.url
        page.get_by_role("link", name=re.compile(r"^ZG-\d{4}-")).click()
        page.wait_for_url("**/problems/*/")
        body = page.locator("main").inner_text()
        assert "工作餐超标准：公务接待人均 312 元" in body, body
        assert "审计监督" in body
        page.screenshot(path=str(shots / "rules-problem.png"), full_page=True)
        ref = Hit.objects.get().problem.source_ref
        page.goto(f"{base}/rules/ref/{ref}/")
        assert page.url == hit_url
    finally:
        context.close()
    return failures
