import datetime as dt

from django.urls import reverse

from zuofeng.core.sheets import run_import
from zuofeng.rectify.models import Problem
from zuofeng.rules.models import Hit, NegativeItem, PowerCase
from zuofeng.rules.tests.conftest import expense_row


def urls(world):
    hit = Hit.objects.get(expense__voucher_no="V1", item__text="工作餐超标准")
    case = PowerCase.objects.get()
    item = NegativeItem.objects.first()
    return {
        "home": (reverse("rules_home"), False),
        "list": (reverse("rules_list", args=[item.category.negative_list_id]), False),
        "item": (reverse("rules_item", args=[item.pk]), False),
        "hits": (reverse("rules_hits"), False),
        "hit": (reverse("rules_hit", args=[hit.pk]), True),
        "budget": (reverse("rules_budget"), False),
        "power": (reverse("rules_power_items"), False),
        "power_item": (reverse("rules_power_item", args=[case.item_id]), False),
        "cases": (reverse("rules_cases"), False),
        "case": (reverse("rules_case", args=[case.pk]), True),
    }


def test_permission_matrix(client, world, users):
    """Anonymous → login; no role → 403; out of scope → 404 on a record; in scope → 200."""
    for name, (url, scoped) in urls(world).items():
        assert client.get(url).status_code == 302, name
        client.force_login(users["none"])
        assert client.get(url).status_code == 403, name
        client.force_login(users["out"])
        assert client.get(url).status_code == (404 if scoped else 200), name
        for who in ("unit", "lead", "leader"):
            client.force_login(users[who])
            assert client.get(url).status_code == 200, (name, who)
        client.logout()


def test_scope_limits_what_a_unit_sees(client, world, users):
    client.force_login(users["unit"])
    page = client.get(reverse("rules_hits")).content.decode()
    assert "V1" in page and "V2" not in page
    budget_page = client.get(reverse("rules_budget")).content.decode()
    assert "5.0%" in budget_page and "20.0%" not in budget_page


def test_unit_cannot_review_its_own_hit_and_nothing_changes(client, world, users):
    hit = Hit.objects.filter(expense__voucher_no="V1").first()
    client.force_login(users["unit"])
    response = client.post(reverse("rules_hit", args=[hit.pk]), {"decision": "confirmed"})
    assert response.status_code == 403
    hit.refresh_from_db()
    assert hit.state == "pending"


def test_confirm_and_push_from_the_page_and_follow_the_links(client, world, users):
    hit = Hit.objects.get(expense__voucher_no="V1", item__text="工作餐超标准")
    client.force_login(users["lead"])
    response = client.post(
        reverse("rules_hit", args=[hit.pk]), {"decision": "confirmed", "to_ledger": "on"}
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    page = client.get(reverse("rules_hit", args=[hit.pk])).content.decode()
    assert reverse("problem_detail", args=[problem.pk]) in page
    ledger_page = client.get(reverse("problem_detail", args=[problem.pk])).content.decode()
    assert f"RH-{hit.pk}" in ledger_page
    back = client.get(reverse("rules_ref", args=[f"RH-{hit.pk}"]))
    assert back.status_code == 302 and back.url == reverse("rules_hit", args=[hit.pk])


def test_dismissal_without_reason_is_refused_on_the_page(client, world, users):
    hit = Hit.objects.filter(expense__voucher_no="V1").first()
    client.force_login(users["lead"])
    client.post(reverse("rules_hit", args=[hit.pk]), {"decision": "dismissed", "reason": ""})
    hit.refresh_from_db()
    assert hit.state == "pending"


def test_case_page_shows_each_step_and_why(client, world, users):
    case = PowerCase.objects.get()
    client.force_login(users["lead"])
    page = client.get(reverse("rules_case", args=[case.pk])).content.decode()
    assert "缺少步骤“决议公开”" in page
    assert page.count("step-bad") == 1 and page.count("step-ok") == 5
    flag = case.flags.get()
    client.post(reverse("rules_case", args=[case.pk]), {"flag": flag.pk, "decision": "confirmed"})
    client.post(reverse("rules_case", args=[case.pk]), {"flag": flag.pk, "action": "to_ledger"})
    flag.refresh_from_db()
    assert flag.problem.source_ref == f"RF-{flag.pk}"
    assert flag.problem.key_power


def test_item_editor_rejects_bad_parameters_and_previews(client, world, users):
    item = NegativeItem.objects.get(text="工作餐超标准")
    client.force_login(users["lead"])
    url = reverse("rules_item", args=[item.pk])
    bad = client.post(
        url, {"text": "x", "check_type": "amount_over", "params": '{"limit": 0, "per": "person"}'}
    )
    assert bad.status_code == 400 and "标准金额应大于0" in bad.content.decode()
    item.refresh_from_db()
    assert item.text == "工作餐超标准"
    preview = client.post(
        reverse("rules_item_preview"),
        {
            "text": "x",
            "check_type": "amount_over",
            "params": '{"limit": 100, "per": "person"}',
            "label": "公务接待",
        },
    )
    assert "公务接待人均 312 元，超过标准 100 元" in preview.content.decode()
    client.force_login(users["unit"])
    assert client.post(url, {"text": "y"}).status_code == 403


def test_list_pages_pin_their_query_count(client, world, users, django_assert_max_num_queries):
    for n in range(3, 30):
        run_import(
            "expenses", [expense_row(f"X{n}", "T1", **{"日期": dt.date(2025, 5, n % 28 + 1)})]
        )
    client.force_login(users["lead"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("rules_hits")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("rules_cases")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("rules_budget")).status_code == 200


def test_manual_items_become_a_selfcheck_checklist(client, world, users):
    from zuofeng.rectify.models import ChecklistItem

    lst = NegativeItem.objects.first().category.negative_list
    client.force_login(users["lead"])
    url = reverse("rules_list", args=[lst.pk])
    assert client.post(url, {"action": "selfcheck"}).status_code == 302
    assert list(ChecklistItem.objects.values_list("category", "text")) == [
        ("公务接待", "陪餐人数超标")
    ]
    client.post(url, {"action": "selfcheck"})
    assert ChecklistItem.objects.count() == 1


def test_budget_page_total_and_page_import_of_a_real_file(client, world, users, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zuofeng.rules.models import Expense
    from zuofeng.rules.tests.test_command import HEADERS, write

    client.force_login(users["lead"])
    page = client.get(reverse("rules_budget")).content.decode()
    assert "12.5%" in page  # 1 − (95 + 80) / (100 + 100)
    rows = [["记-9", "2025-05-12", "T1", "30217", 900, "接待工作餐", "", 3, "发票"]]
    path = write(tmp_path / "x.xlsx", HEADERS, rows)
    upload = SimpleUploadedFile("x.xlsx", path.read_bytes())
    response = client.post(reverse("rules_import", args=["expenses"]), {"file": upload})
    assert response.status_code == 200 and "新增 1 条" in response.content.decode()
    assert Expense.objects.filter(voucher_no="记-9").exists()
    bad = SimpleUploadedFile("x.xlsx", b"not a spreadsheet")
    response = client.post(reverse("rules_import", args=["expenses"]), {"file": bad})
    assert response.status_code == 400
    client.force_login(users["leader"])
    assert client.get(reverse("rules_import", args=["expenses"])).status_code == 403


def test_hits_export_to_xlsx_follows_filters_and_scope(client, world, users, tmp_path):
    from python_calamine import CalamineWorkbook

    from zuofeng.core.audit import AuditEntry

    client.force_login(users["unit"])
    response = client.get(reverse("rules_hits") + "?format=xlsx")
    assert response.status_code == 200
    path = tmp_path / "hits.xlsx"
    path.write_bytes(response.content)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["凭证号", "日期", "单位编码"]
    assert [r[0] for r in rows[1:]] == ["V1"]
    assert rows[1][9] == "公务接待人均 312 元，超过标准 150 元"
    assert AuditEntry.objects.filter(action="export.rules_hits").count() == 1
