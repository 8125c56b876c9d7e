"""Demo projects, programmes, approvals and village ledgers: deterministic records (bulk
inserted) whose indicators reproduce the source report's figures for 2025-03-01..2025-09-30.

What gives each figure (scope = org code, see docs/projects.md):
- 完成年度民生实事项目56个: projects.completed, SY, kind=民生实事项目 → 56
- 领办机关效能项目62个: projects.started, SY, kind=机关效能项目 (all under pairings) → 62
- 帮助结对村(社)领办民生实事项目126个: projects.started, SY, kind=结对民生实事项目 → 126
- 托班、冬令营覆盖少儿370余人: programmes.enrolments, 团区委 (D17) → 374
- "大象妈妈"文明实践项目: projects.started, 区委宣传部 (D07), kind=文明实践项目 → 1
- 城建+文物审批一件事 288个: approvals.cases, 区文广旅游局 (D39) → 288; cycle reduction > 60%
- 并联审批环节33个、压缩办事时间48天: approvals.parallel_steps / days_saved, 区企服中心 (D52)
- 共富明细账 村集体年增收20余万元: village.income_growth, 陈家岙村 (T20-V001) → 200,000

Open projects and milestones fall due around the day the demo is built, so the board shows
every warning colour.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from zuofeng.core import audit, crypto
from zuofeng.core import demo as hooks
from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.models import TimelineEvent
from zuofeng.orgs import demo as district
from zuofeng.orgs.models import Org

SEED = 20250302
START, END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)

YOUTH = district.dept_code("共青团上虞区委员会")  # 团区委
PUBLICITY = district.dept_code("区委宣传部")
SERVICE_CENTRE = district.dept_code("区企业综合服务中心")  # 区企服中心
CULTURE = district.dept_code("区文化广电旅游局")  # 区文广旅游局
PLANNING = district.dept_code("绍兴市自然资源和规划局上虞分局")
HOUSING = district.dept_code("区住房和城乡建设局")
MARKET = district.dept_code("区市场监督管理局")
POLICE = district.dept_code("绍兴市公安局上虞区分局")
TAX = district.dept_code("国家税务总局绍兴市上虞区税务局")
SOCIAL = district.dept_code("区人力资源和社会保障局")
HECHENG = f"{district.CAOE}-V001"  # 和城社区

LIVELIHOOD_DONE = 56
EFFICIENCY = 62
PAIRED = 126
PAIRINGS = 100
HERITAGE_CASES = 288
STARTUP_SAVED = [5, 4, 5, 5, 4, 5, 5, 4, 5, 4, 5]  # actual days of the 11 start-up cases

STEPS = {
    "民生实事项目": (("方案制定", 1), ("招标采购", 1), ("组织实施", 3), ("完工验收", 1)),
    "机关效能项目": (("问题梳理", 1), ("制度建立", 2), ("落实推进", 2), ("成效评估", 1)),
    "结对民生实事项目": (("需求调研", 1), ("资金落实", 1), ("项目实施", 3), ("群众评议", 1)),
    "文明实践项目": (("活动策划", 1), ("志愿者招募", 1), ("活动开展", 3), ("总结推广", 1)),
    "党建品牌项目": (("品牌策划", 1), ("载体建设", 2), ("成效展示", 1)),
    "领办项目": (("项目论证", 1), ("基地建设", 2), ("种植管护", 2), ("采收销售", 2)),
}
LIVELIHOOD_TOPICS = [
    "老旧小区改造",
    "农村公路提档升级",
    "城乡供水管网改造",
    "公共厕所提升",
    "社区食堂建设",
    "托育机构新建",
    "文化礼堂提升",
    "口袋公园建设",
    "停车泊位新增",
    "菜市场改造",
    "路灯亮化",
    "校园周边交通整治",
]
EFFICIENCY_TOPICS = [
    "审批事项“一网通办”",
    "涉企检查“综合查一次”",
    "村级事务“一码通”",
    "基层报表精简",
    "民生诉求“接诉即办”",
    "惠农资金“直达快享”",
]
PAIRED_TOPICS = [
    "村道硬化",
    "河道清淤",
    "村居环境整治",
    "农产品产销对接",
    "居家养老服务站",
    "村级活动中心改造",
    "灌溉渠道修复",
    "文化广场建设",
    "污水管网接户",
    "停车场建设",
]
LEADERS = ["区委常委", "副区长", "区人大常委会副主任", "区政协副主席", "局长", "书记"]


def _date(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=rng.randint(0, max((b - a).days, 0)))


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


class _Builder:
    def __init__(self, today: dt.date):
        from zuofeng.projects.models import ProjectKind

        self.today = today
        self.rng = random.Random(SEED)
        self.orgs = {o.code: o for o in Org.objects.filter(depth__lte=1)}
        self.root = Org.objects.get(code=district.ROOT_CODE)
        self.depts = sorted(
            (o for o in self.orgs.values() if o.code.startswith("D")), key=lambda o: o.code
        )
        self.towns = sorted(
            (o for o in self.orgs.values() if o.code.startswith("T")), key=lambda o: o.code
        )
        self.villages = list(
            Org.objects.filter(
                kind__code__in=["village", "community"], parent__in=self.towns
            ).order_by("code")
        )
        self.kinds = {k.name: k for k in ProjectKind.objects.all()}
        self.projects: list = []
        self.milestones: list[tuple] = []  # (project index, name, deadline, weight, done)
        self.events: list[tuple] = []  # (project index, day, action, from, to, note)
        self.serial = 0

    def org(self, code: str) -> Org:
        if code not in self.orgs:
            self.orgs[code] = Org.objects.get(code=code)
        return self.orgs[code]

    # --- projects -----------------------------------------------------------------------

    def project(
        self, kind: str, title: str, owner: Org, start: dt.date, due: dt.date, *, state, **kw
    ) -> int:
        from zuofeng.projects.models import Project

        self.serial += 1
        completed = kw.pop("completed", None)
        p = Project(
            number=f"XM-{start.year}-{self.serial:05d}",
            kind=self.kinds[kind],
            title=title,
            owner=owner,
            start_date=start,
            original_due=due,
            deadline=kw.pop("deadline", due),
            state=state,
            completed_date=completed,
            accepted_date=(
                min(completed + dt.timedelta(days=self.rng.randint(5, 30)), self.today)
                if state == "accepted"
                else None
            ),
            leader=self.rng.choice(LEADERS),
            budget=Decimal(self.rng.randrange(5, 400) * 10000),
            beneficiaries=kw.pop("beneficiaries", self.rng.randrange(50, 3000, 10)),
            **kw,
        )
        p.extensions = 1 if p.deadline != due else 0
        self.projects.append(p)
        index = len(self.projects) - 1
        self.events.append((index, start, "create", "", "approved", ""))
        if state != "approved":
            self.events.append((index, start, "start", "approved", "in_progress", ""))
        if completed:
            self.events.append((index, completed, "complete", "in_progress", "completed", ""))
        if state == "accepted":
            self.events.append((index, p.accepted_date, "accept", "completed", "accepted", ""))
        if state == "stopped":
            self.events.append((index, start, "stop", "in_progress", "stopped", p.stop_reason))
        steps = STEPS[kind]
        span = max((p.deadline - start).days, len(steps))
        for i, (name, weight) in enumerate(steps, start=1):
            deadline = start + dt.timedelta(days=span * i // len(steps))
            if completed:
                done = min(
                    start + dt.timedelta(days=(completed - start).days * i // len(steps)), completed
                )
            elif state == "stopped":
                done = None
            elif deadline < self.today and self.rng.random() < 0.7:
                done = min(deadline + dt.timedelta(days=self.rng.randint(-20, 10)), self.today)
                done = max(done, start)
            elif deadline >= self.today and self.rng.random() < 0.15:
                done = self.today - dt.timedelta(days=self.rng.randint(0, 20))
                done = max(done, start)
            else:
                done = None
            self.milestones.append((index, name, deadline, weight, done, i))
        return index

    def finished(self, kind, title, owner, start, **kw):
        """A project completed inside the period (most on time)."""
        latest = END - dt.timedelta(days=3)
        completed = _date(self.rng, start + dt.timedelta(days=40), latest)
        completed = min(completed, latest)
        due = completed + dt.timedelta(days=self.rng.randint(-25, 60))
        due = max(due, start + dt.timedelta(days=30))
        state = "accepted" if self.rng.random() < 0.7 else "completed"
        return self.project(kind, title, owner, start, due, state=state, completed=completed, **kw)

    def running(self, kind, title, owner, start, **kw):
        """A project still open: due around the demo day, some past it."""
        due = self.today + dt.timedelta(days=self.rng.randint(-45, 75))
        due = max(due, start + dt.timedelta(days=30))
        state = "in_progress" if self.rng.random() < 0.9 else "approved"
        return self.project(kind, title, owner, start, due, state=state, **kw)

    def build_projects(self) -> dict:
        from zuofeng.projects.models import Pairing

        rng = self.rng
        units = self.towns + self.depts[20:40]
        # 民生实事: 56 completed in the period, 10 still running, 4 from the year before.
        for i in range(LIVELIHOOD_DONE):
            owner = units[i % len(units)]
            title = f"{owner.label}{rng.choice(LIVELIHOOD_TOPICS)}"
            village = None
            if i == 1:
                owner, village = self.org(district.CAOE), self.org(HECHENG)
                title = "和城社区适老化改造“一老一小”幸福港湾"
            self.finished(
                "民生实事项目",
                title,
                owner,
                _date(rng, START, dt.date(2025, 6, 15)),
                village=village,
            )
        for i in range(10):
            owner = units[(i * 7) % len(units)]
            self.running(
                "民生实事项目",
                f"{owner.label}{rng.choice(LIVELIHOOD_TOPICS)}",
                owner,
                _date(rng, dt.date(2025, 6, 1), END),
            )
        for i in range(4):
            owner = self.towns[i % len(self.towns)]
            start = dt.date(2024, 3, 1) + dt.timedelta(days=30 * i)
            self.project(
                "民生实事项目",
                f"{owner.label}{rng.choice(LIVELIHOOD_TOPICS)}",
                owner,
                start,
                dt.date(2024, 12, 31),
                state="accepted",
                completed=dt.date(2024, 12, 20),
            )
        # 百个部门联百村: 100 pairings of departments with villages and communities.
        step = max(len(self.villages) // PAIRINGS, 1)
        pairings, seen, k = [], set(), 0
        limit = min(PAIRINGS, len(self.depts) * len(self.villages))
        while len(pairings) < limit and k < 4 * limit:  # small districts repeat pairs
            unit = self.depts[k % len(self.depts)]
            village = self.villages[(k * step + k // len(self.depts)) % len(self.villages)]
            k += 1
            if (unit.pk, village.pk) in seen:
                continue
            seen.add((unit.pk, village.pk))
            pairings.append(
                Pairing(
                    unit=unit,
                    village=village,
                    start_date=dt.date(2025, 3, 10),
                    end_date=dt.date(2027, 3, 9),
                    note="百个部门联百村(社)、百个支部破百难",
                )
            )
        Pairing.objects.bulk_create(pairings)
        pairings = list(Pairing.objects.select_related("unit", "village").order_by("id"))
        for i in range(EFFICIENCY):
            pairing = pairings[i % len(pairings)]
            kw = dict(pairing=pairing, village=pairing.village)
            title = f"{pairing.unit.label}{rng.choice(EFFICIENCY_TOPICS)}"
            start = _date(rng, START, dt.date(2025, 7, 31))
            if i % 3 == 0:
                self.running("机关效能项目", title, pairing.unit, start, **kw)
            elif i == 62 - 1:
                self.project(
                    "机关效能项目",
                    title,
                    pairing.unit,
                    start,
                    start + dt.timedelta(days=120),
                    state="stopped",
                    stop_reason="职能调整，并入其他项目",
                    **kw,
                )
            else:
                self.finished("机关效能项目", title, pairing.unit, start, **kw)
        for i in range(PAIRED):
            pairing = pairings[(i * 3) % len(pairings)]
            kw = dict(pairing=pairing, village=pairing.village)
            title = f"{pairing.village.label}{rng.choice(PAIRED_TOPICS)}"
            start = _date(rng, START, dt.date(2025, 8, 31))
            if i % 4 == 0:
                self.running("结对民生实事项目", title, pairing.unit, start, **kw)
            else:
                self.finished("结对民生实事项目", title, pairing.unit, start, **kw)
        # 区委宣传部 "大象妈妈" 文明实践项目.
        elephant = self.running(
            "文明实践项目",
            "“大象妈妈”文明实践项目",
            self.org(PUBLICITY),
            dt.date(2025, 4, 8),
            beneficiaries=1200,
            beneficiary_note="新手妈妈及育儿家庭",
            description="通过“情感共鸣+经验传递”缓解母亲群体焦虑",
        )
        # 区委编办 党建品牌: a parent with two children, to show the roll-up.
        editorial = self.org(district.EDITORIAL)
        brand = self.running(
            "党建品牌项目", "“精致虞编”党建品牌建设", editorial, dt.date(2025, 3, 20)
        )
        # 陈家岙村 共富明细账: 白芨种植.
        herb = self.finished(
            "领办项目",
            "陈家岙村白芨种植共富项目",
            self.org(district.CHENJIAAO),
            dt.date(2025, 3, 12),
            village=self.org(district.CHENJIAAO),
            beneficiaries=560,
            beneficiary_note="陈家岙村村民",
        )
        return self._save(elephant, brand, editorial, herb)

    def _save(self, elephant: int, brand: int, editorial: Org, herb: int) -> dict:
        from zuofeng.projects.models import Milestone, OutcomeFigure, Project

        Project.objects.bulk_create(self.projects)
        saved = {
            p.number: p
            for p in Project.objects.filter(number__in=[p.number for p in self.projects])
        }
        self.projects = [saved[p.number] for p in self.projects]
        parent = self.projects[brand]
        for title in ("“精编舜源”党建联建", "“编办沙龙”学习品牌"):
            index = self.running(
                "党建品牌项目", title, editorial, dt.date(2025, 4, 1), parent=parent
            )
            Project.objects.bulk_create([self.projects[index]])
        Milestone.objects.bulk_create(
            Milestone(
                project=self.projects[i],
                name=name,
                deadline=deadline,
                weight=weight,
                done_date=done,
                state="done" if done else "open",
                sort_order=order,
            )
            for i, name, deadline, weight, done, order in self.milestones
        )
        OutcomeFigure.objects.bulk_create(
            [
                OutcomeFigure(
                    project=self.projects[herb],
                    name="村集体年增收",
                    value=Decimal(200000),
                    unit="元",
                ),
                OutcomeFigure(
                    project=self.projects[elephant],
                    name="服务妈妈",
                    value=Decimal(1200),
                    unit="人次",
                ),
            ]
        )
        TimelineEvent.objects.bulk_create(
            TimelineEvent(
                object_type="projects.project",
                object_id=str(self.projects[i].pk),
                at=_at(day),
                actor_name="demo",
                action=action,
                from_state=src,
                to_state=dst,
                note=note,
            )
            for i, day, action, src, dst, note in self.events
        )
        return {"elephant": self.projects[elephant], "herb": self.projects[herb]}


# --- programmes -----------------------------------------------------------------------------

PROGRAMMES = [
    # code, name, category, unit, start, end, capacity, enrolled, enrolment window
    (
        "TW-2025-01",
        "2025年寒假冬令营",
        "冬令营",
        YOUTH,
        dt.date(2025, 1, 20),
        dt.date(2025, 2, 7),
        80,
        58,
        (dt.date(2025, 1, 2), dt.date(2025, 1, 15)),
    ),
    (
        "TW-2025-02",
        "高层次人才子女暑期托班（第一期）",
        "托班",
        YOUTH,
        dt.date(2025, 7, 7),
        dt.date(2025, 7, 25),
        160,
        156,
        (dt.date(2025, 6, 10), dt.date(2025, 6, 30)),
    ),
    (
        "TW-2025-03",
        "高层次人才子女暑期托班（第二期）",
        "托班",
        YOUTH,
        dt.date(2025, 7, 28),
        dt.date(2025, 8, 15),
        160,
        154,
        (dt.date(2025, 6, 20), dt.date(2025, 7, 20)),
    ),
    (
        "TW-2026-01",
        "2026年寒假冬令营",
        "冬令营",
        YOUTH,
        dt.date(2026, 1, 26),
        dt.date(2026, 2, 13),
        120,
        64,
        (dt.date(2025, 9, 15), dt.date(2025, 9, 30)),
    ),
    (
        "TW-2026-01B",
        "2026年寒假冬令营（补录）",
        "冬令营",
        YOUTH,
        dt.date(2026, 1, 26),
        dt.date(2026, 2, 13),
        40,
        31,
        (dt.date(2025, 10, 8), dt.date(2025, 10, 31)),
    ),
    (
        "DXMM-2025-01",
        "“大象妈妈”亲子成长沙龙",
        "文明实践",
        PUBLICITY,
        dt.date(2025, 5, 10),
        dt.date(2025, 9, 27),
        60,
        48,
        (dt.date(2025, 4, 20), dt.date(2025, 9, 20)),
    ),
]
CHILD_NAMES = "子涵 梓萱 浩然 一诺 欣怡 宇轩 可馨 俊熙 雨桐 子墨 诗涵 皓轩 思彤 奕辰 若汐 铭泽"
SURNAMES = "王李张陈刘杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"


def build_programmes(elephant) -> int:
    from zuofeng.projects.models import Enrolment, Programme

    rng = random.Random(SEED + 1)
    names = CHILD_NAMES.split()
    count = 0
    for code, name, category, unit, start, end, capacity, enrolled, window in PROGRAMMES:
        programme = Programme.objects.create(
            code=code,
            name=name,
            category=category,
            unit=Org.objects.get(code=unit),
            start_date=start,
            end_date=end,
            capacity=capacity,
            audience="新手妈妈" if category == "文明实践" else "3–12岁少儿",
            project=elephant if category == "文明实践" else None,
        )
        rows = []
        for _ in range(enrolled):
            phone = f"13{rng.randint(0, 9)}{rng.randrange(10**8):08d}"
            rows.append(
                Enrolment(
                    programme=programme,
                    name=rng.choice(SURNAMES) + rng.choice(names),
                    age=rng.randint(3, 12) if category != "文明实践" else None,
                    phone_enc=crypto.encrypt(phone),
                    phone_hash=crypto.lookup_hash(phone),
                    enrolled_on=_date(rng, *window),
                )
            )
        Enrolment.objects.bulk_create(rows)
        count += enrolled
    return count


# --- approvals ------------------------------------------------------------------------------


def build_approvals(today: dt.date) -> str:
    from zuofeng.projects.models import (
        ApprovalCase,
        ApprovalStep,
        Matter,
        MatterGroup,
        RequiredStage,
        ServiceItem,
    )

    rng = random.Random(SEED + 2)
    cal = WorkCalendar()
    org = {
        c: Org.objects.get(code=c)
        for c in (CULTURE, PLANNING, HOUSING, SERVICE_CENTRE, MARKET, POLICE, TAX, SOCIAL)
    }

    def item(name, code, statutory, promised, visits=0):
        return ServiceItem.objects.create(
            name=name,
            department=org[code],
            statutory_days=statutory,
            promised_days=promised,
            visits=visits,
        )

    assess = item("文物保护影响评估审查", CULTURE, 20, 5)
    dig = item("考古调查勘探", CULTURE, 30, 15)
    plan = item("建设工程规划许可", PLANNING, 20, 5, 1)
    build = item("建筑工程施工许可", HOUSING, 15, 3, 1)
    accept = item("综合窗口受理", SERVICE_CENTRE, 1, 1, 1)
    register_ = item("企业设立登记", MARKET, 3, 1)
    seal = item("公章刻制备案", POLICE, 1, 1)
    invoice = item("发票申领", TAX, 2, 1)
    insurance = item("社保参保登记", SOCIAL, 2, 1)

    def matter(name, owner, groups, serial_only=False, description=""):
        m = Matter.objects.create(
            name=name, owner=org[owner], serial_only=serial_only, description=description
        )
        for seq, (mode, items) in enumerate(groups, start=1):
            MatterGroup.objects.create(matter=m, seq=seq, mode=mode).items.set(items)
        return m

    heritage = matter(
        "城建+文物审批一件事",
        CULTURE,
        [("serial", [assess]), ("parallel", [dig, plan]), ("serial", [build])],
        description="涉文保工程项目全周期监管：考古调查勘探须在施工许可前完成",
    )
    startup = matter(
        "企业开办一件事",
        SERVICE_CENTRE,
        [("serial", [accept]), ("serial", [register_]), ("parallel", [seal, invoice, insurance])],
    )
    cases: list[ApprovalCase] = []
    steps: list[list[ApprovalStep]] = []

    def add(number, m, applicant, project, submitted, plan_steps, closed=True):
        """plan_steps: (item, group, working days or None for still running)."""
        case = ApprovalCase(
            number=number,
            matter=m,
            applicant=applicant,
            project_name=project,
            submitted_date=submitted,
        )
        day, rows, group_end = submitted, [], {}
        i = 0
        while i < len(plan_steps):
            it, group, days = plan_steps[i]
            if group is None:
                end = cal.add_workdays(day, days) if days is not None else None
                rows.append(
                    ApprovalStep(
                        case=case,
                        name=it.name,
                        item=it,
                        department=it.department,
                        start_date=day,
                        end_date=end,
                        statutory_days=it.statutory_days,
                    )
                )
                day = end or day
                i += 1
                continue
            members = [s for s in plan_steps[i:] if s[1] == group]
            for it2, _g, d2 in members:
                end = cal.add_workdays(day, d2) if d2 is not None else None
                rows.append(
                    ApprovalStep(
                        case=case,
                        name=it2.name,
                        item=it2,
                        department=it2.department,
                        start_date=day,
                        end_date=end,
                        parallel_group=group,
                        statutory_days=it2.statutory_days,
                    )
                )
                group_end[group] = max(group_end.get(group, day), end or day)
            day = group_end[group]
            i += len(members)
        from zuofeng.projects.approvals import case_figures

        figures = case_figures(rows, cal)
        for key, value in figures.items():
            setattr(case, key, value)
        if closed and figures["actual_days"] is not None:
            case.state, case.finished_date = "closed", max(s.end_date for s in rows)
        cases.append(case)
        steps.append(rows)
        return case

    firms = ["绍兴", "上虞", "虞舜", "曹娥江", "春晖", "杭州湾", "百官", "东山"]
    trades = ["置业", "建设", "文旅", "城投", "实业", "房地产开发", "交通投资"]
    works = [
        "安置房",
        "文化街区改造",
        "道路拓宽",
        "学校扩建",
        "滨江公园",
        "古镇保护提升",
        "老街立面整治",
        "综合体",
    ]
    n = 0
    inside = 0
    while inside < HERITAGE_CASES:
        n += 1
        submitted = _date(rng, dt.date(2025, 2, 3), dt.date(2025, 8, 29))
        case = add(
            f"WB-2025-{n:04d}",
            heritage,
            f"{rng.choice(firms)}{rng.choice(trades)}有限公司",
            f"{rng.choice(firms)}{rng.choice(works)}项目",
            submitted,
            [
                (assess, None, rng.randint(3, 7)),
                (dig, 1, rng.randint(8, 16)),
                (plan, 1, rng.randint(4, 10)),
                (build, None, rng.randint(2, 5)),
            ],
        )
        if START <= case.finished_date <= END:
            inside += 1
        elif case.finished_date > END:
            cases.pop()
            steps.pop()
            n -= 1
    # A few still running, due around the demo day.
    for _j in range(12):
        n += 1
        add(
            f"WB-2025-{n:04d}",
            heritage,
            f"{rng.choice(firms)}{rng.choice(trades)}有限公司",
            f"{rng.choice(firms)}{rng.choice(works)}项目",
            today - dt.timedelta(days=rng.randint(5, 40)),
            [(assess, None, rng.randint(2, 4)), (dig, 1, None), (plan, 1, rng.randint(1, 3))],
            closed=False,
        )
    # 企业开办一件事 through the service centre: 11 cases in the period.
    for j, actual in enumerate(STARTUP_SAVED, start=1):
        register_days = 1 if actual == 4 else 2
        add(
            f"KB-2025-{j:04d}",
            startup,
            f"绍兴市上虞区{rng.choice(firms)}科技有限公司",
            "",
            dt.date(2025, 3, 3) + dt.timedelta(days=16 * j),
            [
                (accept, None, 1),
                (register_, None, register_days),
                (seal, 1, 1),
                (invoice, 1, 2),
                (insurance, 1, rng.randint(1, 2)),
            ],
        )
    ApprovalCase.objects.bulk_create(cases)
    ApprovalStep.objects.bulk_create([s for rows in steps for s in rows])
    RequiredStage.objects.bulk_create(
        RequiredStage(case=c, name=dig.name, before=build.name)
        for c in cases
        if c.matter_id == heritage.pk
    )
    return f"{len(cases)} approval cases"


# --- village ledger -------------------------------------------------------------------------


def build_ledger(herb) -> str:
    from zuofeng.projects.models import LedgerCategory, LedgerEntry

    rng = random.Random(SEED + 3)
    cat = {c.name: c for c in LedgerCategory.objects.all()}
    chenjiaao = Org.objects.get(code=district.CHENJIAAO)
    rows = []

    def entry(village, day, direction, category, amount, summary="", project=None):
        rows.append(
            LedgerEntry(
                village=village,
                date=day,
                direction=direction,
                category=cat[category],
                amount=Decimal(str(round(amount, 2))),
                summary=summary,
                project=project,
            )
        )

    for year in (2024, 2025):
        for month in range(1, 13):
            if year == 2025 and dt.date(year, month, 1) > END:
                break
            entry(
                chenjiaao, dt.date(year, month, 10), "income", "资产租赁", 15000, "村集体厂房租金"
            )
            entry(chenjiaao, dt.date(year, month, 25), "expense", "集体经营", 4000, "保洁及水电")
        entry(chenjiaao, dt.date(year, 6, 18), "income", "补助", 60000, "美丽乡村建设补助")
    entry(chenjiaao, dt.date(2025, 4, 2), "expense", "集体经营", 85000, "白芨种苗采购", herb)
    entry(chenjiaao, dt.date(2025, 7, 15), "income", "项目分红", 80000, "白芨种植首期分红", herb)
    entry(chenjiaao, dt.date(2025, 9, 20), "income", "项目分红", 120000, "白芨种植二期分红", herb)
    others = Org.objects.filter(kind__code="village", depth=2).exclude(pk=chenjiaao.pk)
    for village in list(others.order_by("code")[::40])[:30]:
        base = rng.randrange(4000, 20000, 500)
        for year in (2024, 2025):
            for month in (3, 6, 9, 12):
                if year == 2025 and month == 12:
                    continue
                entry(
                    village,
                    dt.date(year, month, 15),
                    "income",
                    "资产租赁",
                    base * (1 + (year - 2024) * rng.randint(0, 20) / 100),
                )
                entry(village, dt.date(year, month, 20), "expense", "集体经营", base // 3)
    LedgerEntry.objects.bulk_create(rows)
    return f"{len(rows)} ledger entries"


# --- the builders ---------------------------------------------------------------------------


def _exists(name: str):
    def exists() -> bool:
        from django.apps import apps

        return apps.get_model("projects", name).objects.exists()

    return exists


def _build_projects() -> str:
    from zuofeng.projects.models import Project
    from zuofeng.projects.sweeps import sweep

    today = timezone.localdate()
    builder = _Builder(today)
    made = builder.build_projects()
    enrolled = build_programmes(made["elephant"])
    ledger = build_ledger(made["herb"])
    sweep(today)
    summary = f"{Project.objects.count()} projects, {enrolled} enrolments, {ledger}"
    audit.record(actor="demo", action="projects.demo", after={"summary": summary})
    return summary


def _build_approvals() -> str:
    summary = build_approvals(timezone.localdate())
    audit.record(actor="demo", action="approvals.demo", after={"summary": summary})
    return summary


hooks.register(
    "projects, programmes, village ledgers", exists=_exists("Project"), build=_build_projects
)
hooks.register("one-stop approvals", exists=_exists("ApprovalCase"), build=_build_approvals)
