"""On a phone-sized screen in Debian's Chromium: a branch secretary records a 主题党日 by ticking
attendees, then opens 我的学习 and plays a 红色收音机 item to the end (served in ranges)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zuofeng.core.tests.browser import VENDOR
from zuofeng.orgs.tests.factories import PASSWORD, build_small_district, make_user
from zuofeng.study import demo_data, services
from zuofeng.study.models import Activity, Channel, Delivery, Learner
from zuofeng.study.tests.helpers import person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(live_server):
    assert VENDOR.exists(), "static assets missing: run `make assets`"
    d = build_small_district()
    make_user("sec", ("branch_secretary", d.w1))
    members = [person(d.w1, name) for name in ("胡建忠", "陈明", "王芳", "李强")]
    Learner.objects.create(username="sec", person=members[0])
    item = services.item_create(
        actor=None,
        channel=Channel.objects.get(name="红色收音机"),
        publisher=d.root,
        title="乡音说政策",
        audio=SimpleUploadedFile("a.wav", demo_data._tone(3)),
        duration_seconds=3,
    )
    services.item_publish(actor=None, item=item, targets=[d.w1])
    return d, members


def test_record_a_party_day_on_a_phone(browser, artifacts, live_server, world):
    _d, members = world
    seen = browser.run(lambda chromium: walk(chromium, live_server.url, artifacts))
    assert seen == []
    act = Activity.objects.get()
    assert (act.kind.name, act.named, act.expected_count, act.present_count) == (
        "主题党日",
        True,
        4,
        3,
    )
    absent = act.attendance.get(present=False)
    assert (absent.person.name, absent.absence_reason) == ("王芳", "外出务工")
    delivery = Delivery.objects.get(person=members[0])
    assert delivery.opened_at is not None and delivery.completed_at is not None


def walk(chromium, base: str, shots: Path) -> list[str]:
    failures: list[str] = []
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.on("response", lambda r: r.status >= 500 and failures.append(f"{r.url} {r.status}"))
    try:
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("用户名").fill("sec")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/study/")
        page.get_by_role("button", name="登记活动").click()
        page.wait_for_url("**/study/new/")
        page.get_by_label("活动类型").select_option(label="主题党日")
        page.get_by_label("活动日期").fill("2025-05-08")
        page.get_by_label("活动主题").fill("重温入党誓词")
        page.get_by_role("checkbox", name="王芳").uncheck()
        page.get_by_label("王芳缺席原因").fill("外出务工")
        # Every control fits the phone's width: nothing to scroll sideways.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        page.screenshot(path=str(shots / "study-1-entry-phone.png"), full_page=True)
        page.get_by_role("button", name="保存").click()
        page.wait_for_url("**/study/*/")
        assert page.locator("#present").inner_text() == "3"
        page.screenshot(path=str(shots / "study-2-recorded-phone.png"), full_page=True)

        page.goto(f"{base}/study/my/")
        page.get_by_role("link", name="乡音说政策").click()
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        with page.expect_response("**/progress/"):
            page.evaluate("document.getElementById('player').dispatchEvent(new Event('ended'))")
        page.wait_for_function("document.getElementById('state').textContent === '已完成收听'")
        page.screenshot(path=str(shots / "study-3-listened-phone.png"), full_page=True)
    finally:
        context.close()
    return failures
