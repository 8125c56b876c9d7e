"""The settings page in Debian's Chromium on a phone-sized screen, as the lead office: deactivate
a category from its row, change one SLA cell, and see a refused value shown back."""

from __future__ import annotations

from pathlib import Path

import pytest

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user
from zuofeng.service.models import FrontDesk, RequestCategory, SlaPolicy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    FrontDesk.objects.create(org=d.dept, is_default=True)
    make_user("lead", ("lead_office", d.root))
    return d


def test_settings_page_in_the_browser(browser, artifacts, live_server, world):
    c = RequestCategory.objects.get(name="融资")
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts, c.pk))
    assert seen == []
    c.refresh_from_db()
    assert c.active is False
    assert SlaPolicy.objects.get(category=None, urgency="urgent").resolve_days == 4


def walk(chromium, base: str, shots: Path, pk: int) -> list[str]:
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
        page.goto(f"{base}/service/requests/")
        page.get_by_role("link", name="诉求设置").click()
        page.wait_for_url(f"{base}/service/settings/")
        page.locator(f'input[form="cat-{pk}"][name="active"]').uncheck()
        page.locator(f"#cat-{pk} button").click()
        page.wait_for_url(f"{base}/service/settings/")
        if "已保存诉求类别：融资" not in page.content():
            failures.append("no confirmation after saving the category")
        page.locator('input[name="default-urgent-resolve_days"]').fill("4")
        page.get_by_role("button", name="保存办理时限").click()
        page.wait_for_url(f"{base}/service/settings/")
        page.locator('input[name="default-normal-sign_days"]').fill("99")
        page.get_by_role("button", name="保存办理时限").click()
        if "默认·一般的签收时限：应在0到30个工作日之间" not in page.content():
            failures.append("the refused SLA value has no message")
        page.screenshot(path=str(shots / "service-settings.png"), full_page=True)
    finally:
        context.close()
    return failures
