"""End to end in Debian's Chromium on a phone-sized screen: the public form → the tracking
code → the status page by code + the phone's last four digits."""

from __future__ import annotations

from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import build_small_district
from zuofeng.service.models import FrontDesk, ServiceRequest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    FrontDesk.objects.create(org=d.dept, is_default=True)
    return d


def test_public_form_to_tracking_page(browser, artifacts, live_server, world):
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts))
    failures, code = seen
    assert failures == []
    r = ServiceRequest.objects.get()
    assert (r.tracking_code, r.kind, r.state, r.channel) == (code, "citizen", "submitted", "online")
    assert r.contact_phone == "13912345678"


def walk(chromium, base: str, shots: Path):
    failures: list[str] = []
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.url} {r.status}"))
    try:
        page.goto(f"{base}/public/requests/new/")
        page.get_by_label("姓名").fill("王小明")
        page.get_by_label("手机号").fill("13912345678")
        page.get_by_label("诉求类别").select_option(label="民生服务")
        page.get_by_label("诉求内容").fill("小区门口路灯连续一周不亮")
        page.get_by_label("地点（选填）").fill("百官街道和城社区")
        page.screenshot(path=str(shots / "service-1-public-form.png"), full_page=True)
        page.get_by_role("button", name="提交诉求").click()
        code = page.locator("#tracking-code").inner_text()
        page.screenshot(path=str(shots / "service-2-tracking-code.png"), full_page=True)
        page.get_by_role("link", name="查询办理进度").click()
        page.get_by_label("查询码").fill(code)
        page.get_by_label("手机号后四位").fill("0000")
        page.get_by_role("button", name="查询").click()
        assert "未找到对应的诉求" in page.content()
        page.get_by_label("查询码").fill(code)
        page.get_by_label("手机号后四位").fill("5678")
        page.get_by_role("button", name="查询").click()
        status = page.locator("#status").inner_text()
        assert "已提交" in status and "民生服务" in status
        page.screenshot(path=str(shots / "service-3-status.png"), full_page=True)
    finally:
        context.close()
    return failures, code
