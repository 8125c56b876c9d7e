"""In Debian's Chromium: the lead office computes a season, opens a board (ECharts bars drawn),
switches board, drills into a participant and on to the records behind a value; a phone-width
view of the board."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user
from zuofeng.races import services
from zuofeng.races.models import Season
from zuofeng.races.tests.factories import build_race, problem

D = dt.date
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    race = build_race(d)
    problem(d.v1, closed=D(2025, 5, 1), deadline=D(2025, 5, 10))
    problem(d.town, closed=D(2025, 5, 20), deadline=D(2025, 5, 10))
    problem(d.w1, closed=D(2025, 6, 1), deadline=D(2025, 6, 1))
    services.season_add(actor=None, race=race, code="2025-Q2")
    make_user("lead", ("lead_office", d.root))
    return race


def test_board_and_drill_down_in_the_browser(browser, artifacts, live_server, world):
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts))
    assert seen == []
    assert Season.objects.get().state == "computed"


def walk(chromium, base: str, shots: Path) -> list[str]:
    failures: list[str] = []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.url} {r.status}"))
    page.on("pageerror", lambda e: failures.append(f"script error: {e}"))
    try:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("lead")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("link", name="赛马比拼").click()
        page.get_by_role("link", name="测试赛马").click()
        page.wait_for_url("**/races/*/2025-Q2/")
        page.get_by_role("button", name="计算成绩").click()
        page.wait_for_url("**/races/*/2025-Q2/")
        # The bars are drawn: one rect per participant in the SVG ECharts renders.
        page.locator("#chart-ranking svg").wait_for()
        assert page.locator(".red-list li").all_inner_texts() == ["陈溪乡 90.00分"]
        assert page.locator(".black-list li").all_inner_texts() == ["区财政局 50.00分"]
        page.screenshot(path=str(shots / "race-1-board.png"), full_page=True)
        page.get_by_role("link", name="招商引资榜").click()
        page.wait_for_url("**/?board=*")
        assert page.get_by_role("heading", level=2).inner_text().startswith("招商引资榜")
        page.get_by_role("link", name="作风效能榜").click()
        page.get_by_role("link", name="东关街道").click()
        page.wait_for_url("**/units/T/")
        assert "东关街道" in page.get_by_role("heading", level=1).inner_text()
        row = page.locator("tr", has_text="按期销号率")
        assert "50.0%" in row.inner_text() and "0.00 / 40" in row.inner_text()
        page.screenshot(path=str(shots / "race-2-breakdown.png"), full_page=True)
        row.get_by_role("link", name="查看记录").click()
        page.wait_for_url("**/leaves/*/")
        assert page.locator("ul.records li").count() == 2
        page.locator("ul.records a").first.click()
        page.wait_for_url("**/problems/*/")
        phone = context.new_page()
        phone.set_viewport_size({"width": 390, "height": 844})
        phone.goto(page.url.split("/problems/")[0] + "/races/")
        phone.get_by_role("link", name="测试赛马").click()
        phone.locator("#chart-ranking svg").wait_for()
        phone.screenshot(path=str(shots / "race-3-phone.png"), full_page=True)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the board scrolls sideways on a phone ({width}px)"
    finally:
        context.close()
    return failures
