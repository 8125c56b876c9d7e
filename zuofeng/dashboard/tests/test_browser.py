"""The dashboard in Debian's Chromium: the district root with its charts, switching to a town,
drilling into a tile, and the same page on a phone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.dashboard.tests.test_indicators import _problem
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
D = dt.date


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    _problem(d.v1, D(2025, 4, 1), closed=D(2025, 5, 1), deadline=D(2025, 4, 30))
    _problem(d.v2, D(2025, 5, 5), closed=D(2025, 6, 30), deadline=D(2025, 7, 31))
    _problem(d.w1, D(2025, 6, 1), deadline=D(2025, 6, 15), source="信访反映")
    make_user("leader", ("leader", d.root))
    return d


def test_dashboard_in_the_browser(browser, artifacts, live_server, world):
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts))
    assert seen == []


def walk(chromium, base: str, shots: Path) -> list[str]:
    failures: list[str] = []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.url} {r.status}"))
    page.on("pageerror", lambda e: failures.append(f"script error: {e}"))
    try:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("leader")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("link", name="驾驶舱").click()
        page.wait_for_url(f"{base}/dashboard/")
        page.goto(f"{base}/dashboard/?period=quarter&value=2025-Q2")
        page.wait_for_selector("#chart-trend svg")
        page.wait_for_selector("#chart-bar svg")
        tile = page.locator('a.tile[data-key="rectify.problems_found"] .tile-value')
        if "3" not in tile.inner_text():
            failures.append(f"root tile shows {tile.inner_text()!r}")
        page.screenshot(path=str(shots / "dashboard-root.png"), full_page=True)

        page.locator("details.pickers summary").click()
        page.locator("#scope-select").select_option(label="东关街道")
        page.get_by_role("button", name="进入").click()
        page.wait_for_selector("#chart-trend svg")
        if "东关街道 · 驾驶舱" not in page.locator("h1").inner_text():
            failures.append("scope did not switch to the town")
        tile = page.locator('a.tile[data-key="rectify.problems_found"] .tile-value')
        if "2" not in tile.inner_text():
            failures.append(f"town tile shows {tile.inner_text()!r}")

        page.locator('a.tile[data-key="rectify.problems_closed"]').click()
        page.wait_for_selector("table tbody tr")
        rows = page.locator("table tbody tr").count()
        if rows != 2:
            failures.append(f"drill-down lists {rows} records, expected 2")
        page.screenshot(path=str(shots / "dashboard-drill-down.png"), full_page=True)

        phone = chromium.new_context(
            locale="zh-CN",
            viewport={"width": 390, "height": 844},
            storage_state=context.storage_state(),
        )
        small = phone.new_page()
        small.goto(f"{base}/dashboard/?period=quarter&value=2025-Q2")
        small.wait_for_selector("#chart-bar svg")
        wide = small.evaluate("document.documentElement.scrollWidth")
        if wide > 400:
            failures.append(f"phone page scrolls sideways ({wide}px)")
        small.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
        phone.close()
    finally:
        context.close()
    return failures
