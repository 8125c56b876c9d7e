"""Demo rule lists: the finance bureau's negative list (17 categories, 94 items), the district's
village micro-power list (20 items), spending of some departments and towns over the campaign
period checked against the list, budgets for every department and town, and village cases.

Deterministic (one seed), loaded through the same imports as a district's own sheets; the
figures come from the records (see docs/rules.md for the values they give).
"""

from __future__ import annotations

import datetime as dt
import random

from zuofeng.core import demo
from zuofeng.orgs.demo import dept_code, town_code
from zuofeng.orgs.models import Org

SEED = 20250309
START, END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)
LIST_NAME = "上虞区“过紧日子”负面清单（2025年版）"
REVIEWED_ON = dt.date(2025, 10, 15)  # the finance bureau's review after the campaign period

SPENDERS = [
    dept_code(n)
    for n in (
        "区委办公室",
        "区财政局",
        "区教育体育局",
        "区卫生健康局",
        "区文化广电旅游局",
        "区住房和城乡建设局",
        "区农业农村局",
        "区机关事务管理中心",
        "杭州湾上虞经济技术开发区",
    )
] + [town_code(n) for n in ("百官街道", "曹娥街道", "道墟街道", "陈溪乡", "丰惠镇")]

# (econ code, summaries, amount range, people range or None, documents, payees)
ORDINARY = [
    (
        "30201",
        ["购买办公用品", "复印纸、硒鼓采购", "办公耗材"],
        (300, 6000),
        None,
        "发票",
        ["虞舜文具店", "上虞办公用品有限公司"],
    ),
    (
        "30211",
        ["赴杭州参加业务培训差旅费", "赴省厅汇报工作差旅费", "外出调研差旅费"],
        (400, 4000),
        (1, 4),
        "出差审批单、发票",
        ["个人"],
    ),
    (
        "30217",
        ["接待市局检查组工作餐", "接待兄弟区县考察团工作餐", "接待省厅调研组工作餐"],
        (600, 3000),
        (6, 20),
        "公函、接待清单、发票",
        ["机关食堂", "东关饭店", "舜江宾馆"],
    ),
    (
        "30215",
        ["全区工作推进会会议费", "业务工作会议费"],
        (3000, 20000),
        (40, 120),
        "会议通知、签到表、发票",
        ["舜江宾馆", "上虞国际大酒店"],
    ),
    (
        "30216",
        ["业务骨干培训班培训费", "新任职干部培训费"],
        (5000, 30000),
        (20, 80),
        "培训通知、签到表、发票",
        ["区委党校", "舜江宾馆"],
    ),
    (
        "30231",
        ["公务用车加油费", "公务用车保险费", "公务用车维修费"],
        (300, 4500),
        None,
        "发票",
        ["中石化上虞加油站", "定点维修厂"],
    ),
    (
        "30202",
        ["政策汇编印刷费", "宣传册印刷费"],
        (2000, 20000),
        None,
        "合同、发票",
        ["上虞印刷厂"],
    ),
    ("30213", ["办公楼空调维修", "办公室门窗维修"], (1000, 20000), None, "发票", ["上虞建安公司"]),
]
# Spending that breaks an item: (econ code, summary, amount, people, documents, payee, month-day)
BREACHES = [
    ("30217", "接待市局检查组工作餐", 3744, 12, "公函、接待清单、发票", "东关饭店", None),
    ("30217", "接待考察团工作餐", 2860, 11, "接待清单、发票", "舜江宾馆", None),
    ("30217", "接待客商工作餐含茅台酒", 5200, 10, "公函、接待清单、发票", "东关饭店", None),
    ("30217", "接待工作餐", 1600, 8, "公函、发票", "云庭私人会所", None),
    ("30217", "接待上级部门工作餐", 1320, 9, "公函、接待清单、发票", "舜江宾馆", "09-30"),
    ("30211", "赴北京学习考察差旅费（商务舱）", 8600, 2, "出差审批单、发票", "个人", None),
    ("30211", "外出考察差旅费含景区门票", 3100, 3, "出差审批单、发票", "个人", None),
    (
        "30215",
        "年度工作会议（度假村）",
        46000,
        60,
        "会议通知、签到表、发票",
        "上虞国际大酒店",
        None,
    ),
    ("30216", "专题培训班培训费", 52000, 50, "培训通知、签到表、发票", "舜江宾馆", None),
    ("30229", "职工中秋节日慰问品", 18000, None, "发票", "上虞百货公司", "09-30"),
    ("30299", "购买购物卡", 20000, None, "发票", "上虞百货公司", None),
    ("30202", "印制2026年台历挂历", 12000, None, "合同、发票", "上虞印刷厂", None),
    ("30231", "公务用车大修", 7800, None, "发票", "定点维修厂", None),
    ("31002", "采购办公桌椅（红木）", 86000, None, "合同、验收单、发票", "上虞家具城", None),
]


def _date(rng: random.Random) -> dt.date:
    return START + dt.timedelta(days=rng.randint(0, (END - START).days))


def expense_rows() -> list[dict]:
    """The spending of the demo units as sheet rows (same seed → same rows)."""
    rng = random.Random(SEED)
    rows = []
    for unit in SPENDERS:
        for n in range(1, 41):
            code, summaries, (low, high), people, docs, payees = rng.choice(ORDINARY)
            heads = rng.randint(*people) if people else None
            amount = rng.randint(low, high)
            if code == "30217":
                amount = min(amount, 140 * heads)  # within the 150-yuan standard
            if code in ("30215", "30216"):
                amount = min(amount, 500 * heads)
            rows.append(
                {
                    "凭证号": f"{unit}-2025-{n:04d}",
                    "日期": _date(rng),
                    "单位编码": unit,
                    "经济分类编码": code,
                    "金额（元）": amount,
                    "摘要": rng.choice(summaries),
                    "收款方": rng.choice(payees),
                    "人数": heads,
                    "附件": docs,
                }
            )
    for i, unit in enumerate(SPENDERS):
        picks = rng.sample(BREACHES, 3 if i % 3 else 4)
        for j, (code, summary, amount, heads, docs, payee, md) in enumerate(picks, start=1):
            day = _date(rng)
            if md:
                day = dt.date(2025, int(md[:2]), int(md[3:]))
            rows.append(
                {
                    "凭证号": f"{unit}-2025-9{j:03d}",
                    "日期": day,
                    "单位编码": unit,
                    "经济分类编码": code,
                    "金额（元）": amount,
                    "摘要": summary,
                    "收款方": payee,
                    "人数": heads,
                    "附件": docs,
                }
            )
    return rows


NONRIGID = ["30201", "30202", "30211", "30213", "30215", "30216", "30217", "30231", "30299"]
RIGID = ["30101", "30102", "30108", "30113"]


def budget_rows() -> list[dict]:
    """2025 budgets of every department and town: most cut non-rigid spending by 16–24%, a
    few (every eleventh unit) by only 6–12%."""
    rng = random.Random(SEED + 1)
    units = list(
        Org.objects.filter(kind__code__in=["department", "town"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    rows = []
    for i, unit in enumerate(units):
        rate = rng.uniform(0.06, 0.12) if i % 11 == 5 else rng.uniform(0.16, 0.24)
        for code in NONRIGID:
            prior = rng.randint(20, 400) * 1000
            rows.append(_budget(unit, code, "否", prior, round(prior * (1 - rate))))
        for code in RIGID:
            prior = rng.randint(500, 3000) * 1000
            rows.append(_budget(unit, code, "是", prior, round(prior * rng.uniform(1.0, 1.05))))
    return rows


def _budget(unit, code, rigid, prior, budget) -> dict:
    return {
        "单位编码": unit,
        "年度": 2025,
        "经济分类编码": code,
        "刚性": rigid,
        "上年执行数（元）": prior,
        "本年预算数（元）": budget,
    }


CASE_ITEMS = [
    ("工程项目招投标", "村道硬化工程招标", (60000, 180000)),
    ("村级重大事项决策", "村文化礼堂改造", (100000, 300000)),
    ("集体资产资源处置", "集体厂房出租", (30000, 90000)),
    ("村级物资采购", "防汛物资采购", (8000, 40000)),
    ("集体资金使用", "村庄环境整治资金使用", (20000, 90000)),
]
# Which rule a broken case breaks, by case index (the rest follow the full procedure).
BREAKS = {3: "missing", 8: "order", 13: "quorum", 19: "notice", 26: "threshold", 33: "quorum"}


def case_rows() -> list[dict]:
    """40 cases in 20 villages (two per village), six of them broken in one way each."""
    from zuofeng.rules.models import PowerItem

    rng = random.Random(SEED + 2)
    villages = list(
        Org.objects.filter(kind__code="village").order_by("code").values_list("code", flat=True)
    )[::40][:20]
    steps = {
        item.name: list(item.steps.order_by("order"))
        for item in PowerItem.objects.prefetch_related("steps")
    }
    rows = []
    for n in range(40):
        village = villages[n // 2]
        name, subject, (low, high) = CASE_ITEMS[n % len(CASE_ITEMS)]
        amount = rng.randint(low // 1000, high // 1000) * 1000
        broken = BREAKS.get(n)
        if broken == "threshold":
            name, subject, amount = "工程项目招投标", "村道拓宽工程招标", 160000
        day = _date(rng)
        day = min(max(day, START + dt.timedelta(days=5)), END - dt.timedelta(days=45))
        offsets = [0, 2, 6, 9, 12, 35]
        for k, step in enumerate(steps[name]):
            if (broken, step.name) in (("missing", "决议公开"), ("threshold", "党员大会审议")):
                continue
            date = day + dt.timedelta(days=offsets[k])
            if broken == "order" and step.name == "两委商议":
                date = day - dt.timedelta(days=3)
            if broken == "notice" and step.name == "决议公开":
                date = day + dt.timedelta(days=25)
            row = {
                "案件编号": f"XW-2025-{n + 1:04d}",
                "村社编码": village,
                "事项名称": name,
                "金额（元）": amount,
                "步骤名称": step.name,
                "日期": date,
                "材料": step.documents,
                "事由": subject,
            }
            if step.attend_den:
                due = rng.randint(25, 45)
                present = due - rng.randint(0, due // 4)
                votes = present - rng.randint(0, present // 5)
                if broken == "quorum" and step.name == "村民代表会议决议":
                    present, votes = due // 2, due // 3
                row.update({"应到人数": due, "实到人数": present, "同意人数": votes})
            rows.append(row)
    return rows


def _org(code: str) -> Org:
    return Org.objects.get(code=code)


def _root() -> Org:
    return Org.objects.filter(parent__isnull=True).order_by("id").first()


def _build() -> str:
    from zuofeng.core.sheets import run_import
    from zuofeng.rules import services
    from zuofeng.rules.models import CaseFlag, Hit

    root = _root()
    services.negative_list_seed(
        actor=None,
        issuer=_org(dept_code("区财政局")),
        applies_to=root,
        effective_from=START,
        name=LIST_NAME,
        doc_number="虞财预〔2025〕8号",
    )
    services.power_items_seed(actor=None, org=root)
    expenses = run_import("expenses", expense_rows())
    budget = run_import("budget", budget_rows())
    cases = run_import("powercases", case_rows())
    hits = list(Hit.objects.order_by("expense__date", "expense__voucher_no", "item_id"))
    # The finance bureau's review: every sixth hit confirmed, every ninth dismissed.
    for i, hit in enumerate(hits):
        if i % 6 == 0:
            services.finding_review(
                actor=None, finding=hit, decision="confirmed", on=REVIEWED_ON, to_ledger=i == 0
            )
        elif i % 9 == 0:
            services.finding_review(
                actor=None,
                finding=hit,
                decision="dismissed",
                reason="经核实为上级部门统一安排，已补齐审批手续",
                on=REVIEWED_ON,
            )
    flag = CaseFlag.objects.order_by("case__number", "id").first()
    if flag is not None:
        services.finding_review(actor=None, finding=flag, decision="confirmed", on=REVIEWED_ON)
    return (
        f"negative list (17 categories, 94 items), {expenses.created} expenses, "
        f"{len(hits)} hits, {budget.created} budget lines, {cases.created} micro-power cases"
    )


def _exists() -> bool:
    from zuofeng.rules.models import NegativeList

    return NegativeList.objects.exists()


demo.register("rule lists", exists=_exists, build=_build)
