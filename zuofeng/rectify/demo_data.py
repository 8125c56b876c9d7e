"""Demo problem ledger: a deterministic ledger for the demo district, loaded through the same
import as a district's own ledger spreadsheet.

The campaign period of the source report is 2025-03-01 to 2025-09-30; inspections (正风肃纪检查)
found 115 problems in it. Other sources add a self-examination ledger around them. Open
problems get deadlines around the day the demo is built, so every warning colour shows.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from zuofeng.core import demo
from zuofeng.core.calendar import WorkCalendar
from zuofeng.orgs.models import Org

SEED = 20250301
START, END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)
INSPECTION_PROBLEMS = 115

TEXTS = {
    "正风肃纪检查": [
        "工作日中午违规饮酒",
        "公车私用接送家属",
        "上班时间脱岗玩手机游戏",
        "违规收受管理服务对象购物卡",
        "办事窗口推诿扯皮、群众反映强烈",
        "村级工程未经民主决策程序",
        "超标准公务接待",
        "会议室长期空置未盘活",
        "涉企检查搞多头重复检查",
        "校园食堂账目不清",
    ],
    "自查": [
        "学习流于形式、以会代学",
        "调研走过场、问题清单不实",
        "文件材料层层加码",
        "服务企业主动性不够",
        "干部担当作为不足、遇事推诿",
    ],
    "巡视巡察": ["“三重一大”决策执行不到位", "选人用人程序不规范", "专项资金拨付滞后"],
    "审计监督": ["非刚性支出压减不到位", "差旅费报销超标准", "政府采购化整为零"],
    "信访反映": ["村务公开不及时", "低保评定不公开不透明", "工程欠薪久拖未决"],
    "纪检监察": ["违规发放津贴补贴", "插手干预工程项目"],
}
CATEGORIES = [
    "形式主义",
    "官僚主义",
    "享乐主义",
    "奢靡之风",
    "不敢为",
    "不善为",
    "不作为",
    "乱作为",
]
CAMPAIGNS = ["两违整治", "校园餐", "养老", "医保", "殡葬", "农村集体“三资”", "乡村振兴资金"]
AREAS = ["权力集中", "资金密集", "资源富集"]
MODES = ["逐项逐条改", "专项整治改", "建章立制改"]


def _date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def rows(today: dt.date) -> list[dict]:
    """The ledger as sheet rows (Chinese headers), same seed → same rows for a given day."""
    rng = random.Random(SEED)
    calendar = WorkCalendar()
    units = list(
        Org.objects.filter(kind__code__in=["department", "town"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    villages = list(
        Org.objects.filter(kind__code__in=["village", "community"])
        .order_by("code")
        .values_list("code", flat=True)
    )
    sources = ["正风肃纪检查"] * INSPECTION_PROBLEMS + (
        ["自查"] * 120
        + ["巡视巡察"] * 25
        + ["审计监督"] * 20
        + ["信访反映"] * 25
        + ["纪检监察"] * 10
    )
    out = []
    for i, source in enumerate(sources, start=1):
        found = _date(rng, START, END)
        unit = (
            rng.choice(villages)
            if source in ("信访反映", "正风肃纪检查") and rng.random() < 0.4
            else rng.choice(units)
        )
        deadline = calendar.add_workdays(found, rng.choice([10, 20, 30, 60]))
        roll = rng.random()
        state, closed = "已销号", None
        if roll < 0.78:
            closed = min(
                _date(rng, found + dt.timedelta(days=5), deadline + dt.timedelta(days=20)), END
            )
            closed = max(closed, found)
        elif roll < 0.84:
            state = "长期整改"
        else:
            state = rng.choice(["交办", "整改中", "整改中", "申请销号"])
            # Open problems fall due around the demo day, so green, yellow and red all show.
            deadline = today + dt.timedelta(days=rng.randint(-15, 40))
        row = {
            "问题编号": f"ZG-2025-{i:05d}",
            "问题描述": rng.choice(TEXTS[source]),
            "问题来源": source,
            "问题类别": rng.choice(CATEGORIES),
            "发现日期": found,
            "责任单位编码": unit,
            "整改方式": rng.choice(MODES),
            "整改时限": deadline,
            "状态": state,
            "销号日期": closed,
            "所属专项": rng.choice(CAMPAIGNS) if rng.random() < 0.35 else "",
            "重点领域": "、".join(sorted(rng.sample(AREAS, rng.randint(0, 2)))),
        }
        out.append(row)
    return out


INSPECTIONS = 57
TEAMS = ["区纪委监委第一检查组", "区纪委监委第二检查组", "区委作风办暗访组", "区委巡察办交叉检查组"]
METHODS = ["open", "covert", "cross"]
ROUNDS = [
    (dt.date(2025, 3, 1), dt.date(2025, 5, 31)),
    (dt.date(2025, 6, 1), dt.date(2025, 7, 31)),
    (dt.date(2025, 8, 1), dt.date(2025, 9, 30)),
]
CIRCULARS = [
    (dt.date(2025, 5, 15), "关于近期正风肃纪检查发现问题的通报"),
    (dt.date(2025, 7, 15), "关于违规吃喝和公车私用问题的通报"),
    (dt.date(2025, 9, 20), "关于作风建设典型问题的通报"),
]


def _inspections(root: Org) -> None:
    """57 inspections, each of the units whose problems it found (the 115 of the ledger)."""
    from zuofeng.rectify import services
    from zuofeng.rectify.models import Problem

    found = list(
        Problem.objects.filter(
            source__name="正风肃纪检查", found_date__gte=START, found_date__lte=END
        )
        .select_related("unit")
        .order_by("found_date", "number")
    )
    rng = random.Random(SEED + 1)
    size = len(found) // INSPECTIONS
    for i in range(INSPECTIONS):
        group = found[i * size : (i + 1) * size] if i < INSPECTIONS - 1 else found[i * size :]
        targets = list({p.unit.pk: p.unit for p in group}.values())
        inspection = services.inspection_create(
            actor=None,
            date=group[0].found_date,
            team=rng.choice(TEAMS),
            method=rng.choice(METHODS),
            targets=targets,
            campaign=group[0].campaign,
            summary=f"检查发现问题{len(group)}个，已全部录入问题台账。",
        )
        services.inspection_attach(actor=None, inspection=inspection, problems=group)


def _rounds_and_circulars(root: Org) -> None:
    from zuofeng.rectify import circulars, rounds
    from zuofeng.rectify.models import Problem

    for opened, closed in ROUNDS:
        r = rounds.round_open(actor=None, org=root, opened_on=opened)
        rounds.round_close(actor=None, round_=r, closed_on=closed)
    inspected = Problem.objects.filter(source__name="正风肃纪检查").select_related("unit")
    for day, title in CIRCULARS:
        cited = list(inspected.filter(found_date__lte=day).order_by("-found_date")[:6])
        circulars.circular_issue(actor=None, issuer=root, title=title, date=day, problems=cited)


LEADER_PROJECTS = 43
LEADERS = [
    "区委书记",
    "区长",
    "区委副书记",
    "常务副区长",
    "区纪委书记",
    "区委组织部部长",
    "区委宣传部部长",
    "区委政法委书记",
    "区委统战部部长",
    "副区长",
]
PROJECT_TOPICS = [
    "违规吃喝专项整治",
    "公车私用治理",
    "涉企检查规范化",
    "窗口服务作风提升",
    "基层减负专项行动",
    "村级工程项目规范管理",
    "校园餐突出问题整治",
    "养老服务资金监管",
    "医保基金使用监管",
    "殡葬领域突出问题整治",
    "农村集体“三资”清理",
    "乡村振兴资金绩效",
    "两违整治攻坚",
    "政府采购规范化",
]


def _leader_projects(root: Org) -> None:
    """43 projects led by district leaders, each grouping up to four problems of its unit."""
    from zuofeng.rectify import projects
    from zuofeng.rectify.models import Problem

    rng = random.Random(SEED + 2)
    owners = list(Org.objects.filter(parent=root).order_by("sort_order", "code"))
    for i in range(LEADER_PROJECTS):
        owner = owners[i % len(owners)]
        mine = list(
            Problem.objects.filter(unit__path__startswith=owner.path)
            .select_related("unit")
            .order_by("number")[:4]
        )
        started = _date(rng, START, dt.date(2025, 6, 30))
        projects.project_create(
            actor=None,
            title=f"{owner.label}{rng.choice(PROJECT_TOPICS)}",
            leader=rng.choice(LEADERS),
            owner=owner,
            started_on=started,
            due_on=started + dt.timedelta(days=rng.choice([90, 120, 180])),
            problems=mine,
        )


def _root() -> Org:
    return Org.objects.filter(parent__isnull=True).order_by("id").first()


def _build_ledger() -> str:
    from zuofeng.core.sheets import run_import
    from zuofeng.rectify.sweeps import sweep

    report = run_import("problems", rows(timezone.localdate()))
    sweep(timezone.localdate())
    return f"{report.created} problems"


def _build_inspections() -> str:
    _inspections(_root())
    _rounds_and_circulars(_root())
    return f"{INSPECTIONS} inspections, {len(ROUNDS)} closed rounds, {len(CIRCULARS)} circulars"


def _build_projects() -> str:
    _leader_projects(_root())
    return f"{LEADER_PROJECTS} leader-led projects"


def _model_exists(name: str):
    def exists() -> bool:
        from django.apps import apps

        return apps.get_model("rectify", name).objects.exists()

    return exists


CHECKLIST_SET = "2025年深入贯彻中央八项规定精神学习教育对照清单"
CHECKLIST_ITEMS = [
    (
        "负面清单",
        "公务接待",
        "超标准接待、无公函接待、违规安排宴请",
        "《党政机关国内公务接待管理规定》",
    ),
    ("负面清单", "公务用车", "公车私用、违规配备使用公务用车", "《党政机关公务用车管理办法》"),
    ("负面清单", "津补贴", "违规发放津贴补贴或福利", "《党政机关厉行节约反对浪费条例》"),
    ("负面清单", "收送礼金", "违规收送礼品礼金、消费卡", "《中国共产党纪律处分条例》"),
    ("负面清单", "吃喝", "违规吃喝、工作日中午饮酒", "中央八项规定精神"),
    ("问题清单", "形式主义", "学习流于形式、以会代学、以文件落实文件", ""),
    ("问题清单", "官僚主义", "服务群众和企业推诿扯皮、门难进脸难看事难办", ""),
    ("问题清单", "担当作为", "不敢为、不善为、不作为、乱作为", ""),
    ("问题清单", "调查研究", "调研走过场、蜻蜓点水", ""),
    ("问题清单", "基层减负", "督查检查考核过多过频、层层加码", ""),
]


def _build_checklists() -> str:
    from zuofeng.core.sheets import run_import

    rows = [
        {
            "清单集": CHECKLIST_SET,
            "清单名称": list_name,
            "清单类型": list_name,
            "类别": category,
            "条目内容": text,
            "依据": basis,
        }
        for list_name, category, text, basis in CHECKLIST_ITEMS
    ]
    return f"{run_import('checklists', rows).created} checklist items"


# Four builders, each run once: a demo made before a later part existed still gets that part.
demo.register("problem ledger", exists=_model_exists("Problem"), build=_build_ledger)
demo.register(
    "inspections, rounds, circulars", exists=_model_exists("Inspection"), build=_build_inspections
)
demo.register("checklists", exists=_model_exists("ChecklistSet"), build=_build_checklists)
demo.register("leader-led projects", exists=_model_exists("LeaderProject"), build=_build_projects)
