import datetime as dt
from decimal import Decimal

import pytest

from zuofeng.core.indicators import Period, get
from zuofeng.core.sheets import ImportFailed, run_import
from zuofeng.rules import services
from zuofeng.rules.models import BudgetLine, CaseFlag, CaseStep, PowerCase
from zuofeng.rules.tests.factories import budget, full

YEAR = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture
def power(district):
    return services.power_items_seed(actor=None, org=district.root)


def flags(case):
    return sorted((f.kind, f.explanation) for f in CaseFlag.objects.filter(case__number=case))


def test_seed_has_twenty_items_with_processes(power):
    assert len(power) == 20
    assert [s.name for s in power[0].steps.all()] == [
        "党组织提议",
        "两委商议",
        "党员大会审议",
        "村民代表会议决议",
        "决议公开",
        "实施结果公开",
    ]


def test_a_full_procedure_has_no_flag(power):
    run_import("powercases", full("C1"))
    assert flags("C1") == []
    assert CaseStep.objects.count() == 6


def test_missing_step_and_threshold(power):
    rows = [r for r in full("C1", amount="150000") if r["步骤名称"] != "党员大会审议"]
    rows += [r for r in full("C2") if r["步骤名称"] not in ("党员大会审议", "决议公开")]
    run_import("powercases", rows)
    assert flags("C1") == [("threshold", "金额 150000 元超过限额 100000 元，未履行“党员大会审议”")]
    assert flags("C2") == [("missing", "缺少步骤“决议公开”")]


def test_order_quorum_notice_and_documents(power):
    rows = full(
        "C1",
        **{
            "两委商议": {"日期": "2025-03-28"},
            "村民代表会议决议": {"实到人数": 19, "同意人数": 15},
            "决议公开": {"日期": "2025-04-25", "材料": ""},
        },
    )
    run_import("powercases", rows)
    assert flags("C1") == [
        ("documents", "“决议公开”缺少材料：公开照片"),
        ("notice", "“决议公开”在“村民代表会议决议”后第 15 天才进行，超过 7 天时限"),
        ("order", "“两委商议”（2025-03-28）早于前序步骤“党组织提议”（2025-04-01）"),
        (
            "quorum",
            "“村民代表会议决议”实到 19 人，不足应到 30 人的 2/3；"
            "“村民代表会议决议”同意 15 人，未超过应到 30 人的 1/2",
        ),
    ]


def test_quorum_boundaries(power):
    # 20 of 30 present is exactly 2/3 (enough); 15 of 30 for is exactly 1/2 (not enough).
    run_import("powercases", full("C1", **{"村民代表会议决议": {"实到人数": 20, "同意人数": 16}}))
    run_import("powercases", full("C2", **{"村民代表会议决议": {"实到人数": 20, "同意人数": 15}}))
    assert flags("C1") == []
    assert [k for k, _ in flags("C2")] == ["quorum"]


def test_reimport_is_idempotent_and_a_fix_clears_the_pending_flag(power):
    bad = [r for r in full("C1") if r["步骤名称"] != "决议公开"]
    run_import("powercases", bad)
    again = run_import("powercases", bad)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert len(flags("C1")) == 1
    fixed = run_import("powercases", full("C1"))
    assert fixed.updated == 1 and flags("C1") == []


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"步骤名称": "乡镇审批"},
            "第2行 步骤名称: 事项“工程项目招投标”的流程中没有步骤“乡镇审批”",
        ),
        ({"事项名称": "不存在的事项"}, "第2行 事项名称: 小微权力清单中没有事项“不存在的事项”"),
        ({"村社编码": "T"}, "第2行 村社编码: “T”不是村（社区）"),
    ],
)
def test_bad_case_rows_write_nothing(power, change, message):
    rows = full("C1")
    rows[0].update(change)
    with pytest.raises(ImportFailed) as exc:
        run_import("powercases", rows)
    assert message in exc.value.lines()
    assert PowerCase.objects.count() == 0


def test_cut_rate_arithmetic_and_units_below_target(district):
    run_import(
        "budget",
        [
            budget("DA", "30217", "否", "100000", "80000"),  # DA: 1 − 150000/200000 = 25%
            budget("DA", "30215", "否", "100000", "70000"),
            budget("DA", "30101", "是", "900000", "990000"),  # rigid: not counted
            budget("T1", "30217", "否", "50000", "45000"),  # T1: 10%, below 15%
            budget("U1", "30217", "否", "50000", "42500"),  # U1: exactly 15%: on target
        ],
    )
    rate, below = get("rules.nonrigid_cut_rate"), get("rules.units_below_target")
    root = district.root.path
    # District: 1 − (150000 + 45000 + 42500) / (200000 + 50000 + 50000) = 0.2083
    assert rate.value(root, YEAR) == 0.2083
    assert rate.value(district.dept.path, YEAR) == 0.25
    assert rate.value(district.town.path, YEAR) == 0.1
    assert below.value(root, YEAR) == 1
    assert below.value(district.town2.path, YEAR) == 0
    width = len(root) + 9
    assert rate.by_child(root, width, YEAR) == {
        district.dept.path: 0.25,
        district.town.path: 0.1,
        district.town2.path: 0.15,
    }
    assert below.by_child(root, width, YEAR) == {district.town.path: 1}
    assert rate.value(root, Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) is None


def test_cut_target_is_configurable(district, settings):
    run_import("budget", [budget("T1", "30217", "否", "100000", "85000")])
    below = get("rules.units_below_target")
    assert below.value(district.root.path, YEAR) == 0
    settings.RULES_CUT_TARGET = "0.2"
    assert below.value(district.root.path, YEAR) == 1


def test_budget_bad_rows_and_reimport(district):
    with pytest.raises(ImportFailed) as exc:
        run_import(
            "budget",
            [budget("DA", "30217", "否", "-1", "5"), budget("DA", "30215", "也许", "1", "1")],
        )
    assert exc.value.lines() == [
        "第2行 上年执行数（元）: 金额不能为负数",
        "第3行 刚性: 应为“是”或“否”",
    ]
    assert BudgetLine.objects.count() == 0
    rows = [budget("DA", "30217", "否", "100", "80")]
    run_import("budget", rows)
    report = run_import("budget", rows)
    assert (report.created, report.unchanged) == (0, 1)
    run_import("budget", [budget("DA", "30217", "否", "100", "70")])
    assert BudgetLine.objects.get().budget == Decimal("70.00")


def test_power_indicators(power, district):
    rows = full("C1") + [r for r in full("C2") if r["步骤名称"] != "决议公开"]
    rows += [{**r, "村社编码": "T1"} for r in full("C3", **{"两委商议": {"日期": "2025-03-28"}})]
    run_import("powercases", rows)
    flag = CaseFlag.objects.get(case__number="C3")
    services.finding_review(actor=None, finding=flag, decision="dismissed", reason="补录日期笔误")
    p = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))
    root = district.root.path

    def v(key, path=root, **f):
        return get(key).value(path, p, f)

    assert v("rules.power_items") == 20
    assert v("rules.power_items", district.w1.path) == 20  # issued above the village
    assert v("rules.power_cases") == 3
    assert v("rules.power_flags") == 1  # the dismissed one does not count
    assert v("rules.power_flags", kind="missing") == 1
    assert v("rules.power_compliance_rate") == round(2 / 3, 4)
    assert v("rules.power_cases", district.town.path) == 1
    assert v("rules.power_compliance_rate", district.town.path) == 1.0
