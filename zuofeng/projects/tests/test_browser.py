"""In Debian's Chromium on a phone-sized screen: the owner unit marks a milestone done from
the project page, and the progress bar moves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user
from zuofeng.projects import services
from zuofeng.projects.models import Milestone, ProjectKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    make_user("unit", ("unit_admin", d.town))
    p = services.project_create(
        actor=None,
        kind=ProjectKind.objects.get(name="结对民生实事项目"),
        title="东关村灌溉渠道修复",
        owner=d.town,
        village=d.v1,
        start_date=dt.date(2025, 3, 1),
        due_date=dt.date(2025, 9, 30),
    )
    services.milestone_add(actor=None, project=p, name="需求调研", deadline=dt.date(2025, 4, 1))
    services.milestone_add(
        actor=None, project=p, name="项目实施", deadline=dt.date(2025, 8, 1), weight=3
    )
    return p


def test_milestone_done_on_a_phone(browser, artifacts, live_server, world):
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts, world.pk))
    assert seen == []
    done = Milestone.objects.get(name="需求调研")
    assert (done.state, done.done_date, done.evidence) == ("done", dt.date(2025, 3, 28), "调研报告")


def walk(chromium, base: str, shots: Path, pk: int) -> list[str]:
    failures: list[str] = []
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.url} {r.status}"))
    try:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("unit")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/projects/")
        page.get_by_role("link", name="东关村灌溉渠道修复").click()
        page.wait_for_url(f"**/projects/{pk}/")
        first = page.locator("ul.milestones li").first
        first.get_by_label("完成日期").fill("2025-03-28")
        first.get_by_label("完成情况").fill("调研报告")
        first.get_by_role("button", name="标记完成").click()
        page.wait_for_url(f"**/projects/{pk}/")
        assert "节点“需求调研”已完成" in page.content()
        assert "进度 25%" in page.content()
        # Nothing is wider than the phone's screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 400:
            failures.append(f"page is {width}px wide on a 390px screen")
        page.screenshot(path=str(shots / "project-milestone-phone.png"), full_page=True)
    finally:
        context.close()
    return failures
