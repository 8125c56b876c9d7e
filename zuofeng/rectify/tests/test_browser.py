"""End to end in Debian's Chromium: register → assign → sign → submit with evidence → close out,
each step by the role that owns it, through the pages a district office uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user
from zuofeng.rectify.models import Problem

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(live_server, tmp_path):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    make_user("lead", ("lead_office", d.root))
    make_user("unit", ("unit_admin", d.town))
    evidence = tmp_path / "整改报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% rectification report\n")
    return d, evidence


def test_problem_loop_in_the_browser(browser, artifacts, live_server, world):
    _d, evidence = world
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts, evidence))
    assert seen == []
    problem = Problem.objects.get()
    assert (problem.state, problem.evidence.count()) == ("closed", 1)


def walk(chromium, base: str, shots: Path, evidence: Path) -> list[str]:
    failures: list[str] = []

    def as_user(username: str):
        context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.url} {r.status}"))
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        return context, page

    context, page = as_user("lead")
    try:
        page.get_by_role("link", name="问题台账").click()
        page.get_by_role("button", name="登记问题").click()
        page.get_by_label("问题描述").fill("村务公开栏内容长期未更新")
        page.get_by_label("问题来源").select_option(label="信访反映")
        page.get_by_label("发现日期").fill("2025-05-06")
        page.get_by_label("责任单位编码").fill("T1")
        page.get_by_role("button", name="登记").click()
        page.wait_for_url("**/problems/*/")
        assert "ZG-2025-00001" in page.get_by_role("heading", level=1).inner_text()
        detail = page.url
        page.get_by_label("或：交办后N个工作日").fill("10")
        page.get_by_role("button", name="交办").click()
        page.wait_for_url(detail)
        assert page.locator(".state").first.inner_text() == "交办"
        page.screenshot(path=str(shots / "problem-1-assigned.png"), full_page=True)
    finally:
        context.close()

    context, page = as_user("unit")
    try:
        page.goto(detail)
        page.get_by_role("button", name="签收").click()
        page.wait_for_url(detail)
        page.get_by_label("佐证材料（PDF、图片或Office文档，20MB以内）").set_input_files(
            str(evidence)
        )
        page.get_by_role("button", name="上传").click()
        page.wait_for_url(detail)
        assert "整改报告.pdf" in page.content()
        page.get_by_label("整改结果").fill("已更新公开栏并建立每月更新制度")
        page.get_by_role("button", name="申请销号").click()
        page.wait_for_url(detail)
        assert page.locator(".state").first.inner_text() == "申请销号"
        # The unit cannot close out its own problem: no such button for it.
        assert page.get_by_role("button", name="销号", exact=True).count() == 0
    finally:
        context.close()

    context, page = as_user("lead")
    try:
        page.goto(detail)
        page.get_by_role("button", name="销号", exact=True).click()
        page.wait_for_url(detail)
        assert page.locator(".state").first.inner_text() == "已销号"
        steps = page.locator("ol.timeline li").all_inner_texts()
        assert len(steps) == 6
        page.screenshot(path=str(shots / "problem-2-closed.png"), full_page=True)
    finally:
        context.close()
    return failures
