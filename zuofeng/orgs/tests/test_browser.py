"""End to end in Debian's Chromium: log in, browse the org tree, open an org, list its people.

Runs twice, on a desktop window and on a phone-sized one (390×844), and leaves screenshots in
test-artifacts/ for a person to look at. Every request must stay on the server (no outside fonts
or scripts), none may fail, and the page may not scroll sideways.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs import services
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, id_number, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture
def district(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    people = [
        ("张伟", d.v1, "13800000001", "member", "支部书记"),
        ("王芳", d.v1, "13800000002", "member", "组织委员"),
        ("李娜", d.v1, "13800000003", "probationary", ""),
        ("刘洋", d.v2, "13800000004", "member", "宣传委员"),
        ("陈静", d.v2, "13800000005", "league", ""),
        ("杨帆", d.v2, "", "masses", ""),
        ("赵磊", d.w1, "13800000007", "member", "支部书记"),
        ("黄敏", d.dept_branch, "13800000008", "member", "纪检委员"),
    ]
    for seq, (name, org, phone, status, position) in enumerate(people):
        services.person_create(
            actor=None,
            org=org,
            name=name,
            phone=phone,
            political_status=status,
            position=position,
            id_number=id_number("330104", dt.date(1980 + seq, 1 + seq, 10), seq, male=seq % 2 == 0),
        )
    make_user("lead", ("lead_office", d.root))
    return d


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_log_in_browse_the_tree_and_list_people(browser, artifacts, live_server, district, device):
    seen = browser.run(lambda chromium: walk_through(chromium, live_server.url, artifacts, device))
    assert seen["failures"] == []
    assert [u for u in seen["requests"] if not u.startswith(live_server.url)] == [], (
        "requests left the server"
    )


def walk_through(chromium, base: str, artifacts: Path, device: str) -> dict:
    """The scenario, in the browser's thread: what it saw, and assertions on the way."""
    context = chromium.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    requests_seen: list[str] = []
    failures: list[str] = []
    page.on("request", lambda r: requests_seen.append(r.url))
    page.on("requestfailed", lambda r: failures.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.url} {r.status}"))
    page.on("console", lambda m: m.type == "error" and failures.append(f"console: {m.text}"))

    def shot(step: str) -> None:
        page.screenshot(path=str(artifacts / f"{device}-{step}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert width <= 0, f"{step}: the page scrolls sideways by {width}px"

    try:
        # An anonymous visit lands on the login form.
        page.goto(f"{base}/")
        assert page.url.startswith(f"{base}/accounts/login/")
        shot("1-login")
        page.get_by_label("用户名").fill("lead")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        assert page.get_by_role("heading", level=1).inner_text() == "你好，lead"
        shot("2-home")

        # The org tree shows the district root with its totals.
        page.get_by_role("link", name="组织", exact=True).first.click()
        page.wait_for_url("**/orgs/")
        root = page.locator("article").filter(has_text="测试区委")
        assert root.locator(".stat b").all_inner_texts() == ["8", "8"]
        shot("3-tree")

        # Root → the town → its children and their people counts.
        root.get_by_role("link", name="测试区委").click()
        page.wait_for_url("**/orgs/D/")
        page.get_by_role("link", name="东关街道").click()
        page.wait_for_url("**/orgs/T/")
        assert page.get_by_role("heading", level=1).inner_text() == "东关街道"
        rows = page.locator("table tbody tr")
        assert rows.count() == 2
        assert rows.nth(0).locator("td.num").all_inner_texts() == ["1", "3"]
        shot("4-org")

        # …and the people of the town's whole subtree, phone numbers masked.
        page.get_by_role("link", name="查看本组织及下属组织人员").click()
        page.wait_for_url("**/people/?org=T")
        names = page.locator("table tbody tr td:first-child").all_inner_texts()
        assert names == ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"]
        assert "138****0001" in page.content()
        assert "13800000001" not in page.content()
        shot("5-people")
    finally:
        context.close()
    return {"failures": failures, "requests": requests_seen}
