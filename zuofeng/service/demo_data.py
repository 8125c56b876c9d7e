"""Demo service records: enterprises in the development zone's grids with their 1+3+3+N
teams, visits, and requests through the whole loop — built with bulk_create, deterministic
for a given day.

The campaign period of the source report is 2025-03-01 to 2025-09-30; its fourth paragraph
gives the figures the records reproduce (see docs/service.md, "Demo figures"):

- 杭州湾上虞经开区 (scope of the zone): 314 enterprise problems reported by the grid teams and
  resolved (`service.enterprise_requests_resolved`, channel=网格员上报); 402 policy-cashing
  (政策兑现) requests resolved with funds (`service.funds_enterprise_times`) delivering
  165,000,000 yuan (`service.funds_delivered`). The two sets are distinct requests.
- 生态环境分局: 146 visits (`service.visits`) and 97 环评 requests resolved.
- 区公安分局: 52 涉法涉企 requests (account unfreezing) resolved for 52 distinct enterprises,
  with the court and procuratorate as co-handlers.
- 区企服中心: 351 requests (enterprise and citizen) it led, resolved.

Open requests get dates around the day the demo is built, so the unit queue shows every
warning colour.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone

from zuofeng.core import audit, crypto, demo
from zuofeng.core.calendar import WorkCalendar
from zuofeng.core.models import Counter, TimelineEvent
from zuofeng.core.validators import credit_check_char
from zuofeng.orgs import demo as district
from zuofeng.orgs.models import Org, Person, subtree_q
from zuofeng.service.choices import (
    AssignmentRole,
    Channel,
    Kind,
    RatedBy,
    RequestState,
    Satisfaction,
    Size,
    Urgency,
)
from zuofeng.service.models import (
    Enterprise,
    FrontDesk,
    Grid,
    GridMember,
    GridRole,
    RequestAssignment,
    RequestCategory,
    ServiceRequest,
    SlaPolicy,
    Visit,
)

SEED = 20250301
START, END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)

# The report's figures (paragraph 4), and the records that carry them.
ZONE_GRID_RESOLVED = 314
ZONE_FUNDS_TIMES = 402
ZONE_FUNDS_YUAN = 165_000_000
ECO_VISITS = 146
ECO_EIA_RESOLVED = 97
POLICE_UNFROZEN = 52
CENTRE_RESOLVED = 351
CENTRE_CITIZEN = 131  # of the 351

ZONE_GRIDS = 12
ZONE_ENTERPRISES_PER_GRID = 20
OTHER_ENTERPRISES = 200
GRID_PREFIX = "JKQ-WG"


def dept(short: str) -> str:
    """Code of a demo department by its short name (or full name)."""
    for name, short_name in district.DEPARTMENTS:
        if short in (name, short_name):
            return district.dept_code(name)
    raise KeyError(short)


def credit_code(i: int) -> str:
    """A valid demo credit code: 9 (enterprise) 1 (company), region 330604, a serial, check."""
    first17 = f"91330604MA2{i:06d}"
    return first17 + credit_check_char(first17)


ZONE_TEXTS = {
    "要素保障": ["厂房用电增容需求", "用地指标协调", "天然气管网接入", "污水纳管接入"],
    "审批服务": ["技改项目备案加快", "施工许可并联审批", "消防验收协调"],
    "融资": ["流动资金贷款续贷", "应收账款质押融资", "专精特新企业贷款贴息"],
    "用工": ["技术工人招聘", "员工子女入学", "人才公寓申请"],
    "基础设施": ["园区道路破损修复", "厂区周边路灯不亮", "公交线路延伸"],
    "其他": ["周边环境整治", "物流车辆停靠", "企业间纠纷调解"],
}
POLICY_TEXTS = [
    "技术改造补助资金兑现",
    "亩均效益领跑者奖励兑现",
    "研发费用补助兑现",
    "首台套产品奖励兑现",
    "高新技术企业认定奖励兑现",
    "外贸出口奖励兑现",
]
CENTRE_ENTERPRISE_TEXTS = {
    "审批服务": ["营业执照变更办理", "食品经营许可延续", "一件事联办咨询"],
    "融资": ["政府性融资担保申请"],
    "用工": ["社保缴费基数调整", "稳岗返还申请"],
    "其他": ["企业开办全程代办", "跨部门证照联办"],
}
CITIZEN_TEXTS = {
    "民生服务": ["小区加装电梯审批", "老旧小区停车难", "社区养老服务", "学区划分咨询"],
    "其他": ["户籍迁移办理", "不动产登记进度", "公积金提取咨询"],
}
SURNAMES = "王李张陈刘杨黄赵吴周徐孙马朱胡郭何林高罗"
GIVEN = "伟强军建国明华平芳娜敏静丽艳霞燕红梅玲娟"


class _Builder:
    def __init__(self, today: dt.date):
        self.rng = random.Random(SEED)
        self.today = today
        self.cal = WorkCalendar()
        self.cats = {c.name: c for c in RequestCategory.objects.all()}
        self.sla = {p.urgency: p for p in SlaPolicy.objects.filter(category__isnull=True)}
        codes = {
            "zone": dept("杭州湾上虞经开区"),
            "eco": dept("生态环境分局"),
            "police": dept("区公安分局"),
            "centre": dept("区企服中心"),
            "court": dept("区人民法院"),
            "procuratorate": dept("区人民检察院"),
            "finance": district.FINANCE,
        }
        orgs = {o.code: o for o in Org.objects.filter(code__in=codes.values())}
        self.org = {k: orgs[v] for k, v in codes.items()}
        self.towns = list(Org.objects.filter(kind__code="town").order_by("code"))
        self.requests: list[ServiceRequest] = []
        self.co: dict[int, list[Org]] = {}
        self.serial = 0

    # --- enterprises, grids, visits -----------------------------------------------------------

    def enterprises(self) -> None:
        rng = self.rng
        zone = self.org["zone"]
        zone_towns = [t for t in self.towns if t.name in ("沥海街道", "盖北镇", "谢塘镇")]
        grids = Grid.objects.bulk_create(
            Grid(code=f"{GRID_PREFIX}{i:02d}", name=f"经开区第{i}联企网格", org=zone)
            for i in range(1, ZONE_GRIDS + 1)
        )
        people = list(
            Person.objects.filter(subtree_q(zone.path, "org__path"))
            .order_by("id")
            .values_list("id", flat=True)[: ZONE_GRIDS * 10]
        )
        roles = list(GridRole.objects.order_by("sort_order"))
        members, k = [], 0
        for grid in grids:
            for role in roles:
                for _i in range(role.planned or rng.randint(1, 3)):
                    members.append(GridMember(grid=grid, person_id=people[k], role=role))
                    k += 1
        GridMember.objects.bulk_create(members)
        trades = ["化工", "机械", "新材料", "电子", "医药", "纺织", "食品", "汽车零部件"]
        sizes = [Size.LARGE, Size.MEDIUM, Size.MEDIUM, Size.SMALL, Size.SMALL, Size.MICRO]
        words = district.FIRM_WORDS
        rows, n = [], 0
        for grid in grids:
            for _i in range(ZONE_ENTERPRISES_PER_GRID):
                n += 1
                rows.append(
                    Enterprise(
                        credit_code=credit_code(n),
                        name=f"浙江{words[n % len(words)]}{trades[n % len(trades)]}{n:03d}有限公司",
                        town=rng.choice(zone_towns),
                        industry=trades[n % len(trades)],
                        address=f"杭州湾上虞经开区纬{rng.randint(1, 12)}路{rng.randint(1, 300)}号",
                        size=rng.choice(sizes),
                        grid=grid,
                    )
                )
        for _i in range(OTHER_ENTERPRISES):
            n += 1
            town = rng.choice(self.towns)
            rows.append(
                Enterprise(
                    credit_code=credit_code(n),
                    name=f"绍兴市上虞{words[n % len(words)]}{trades[n % len(trades)]}"
                    f"{n:03d}有限公司",
                    town=town,
                    industry=trades[n % len(trades)],
                    address=f"{town.name}工业园区{rng.randint(1, 200)}号",
                    size=rng.choice(sizes),
                )
            )
        self.all_enterprises = Enterprise.objects.bulk_create(rows)
        self.zone_enterprises = self.all_enterprises[: ZONE_GRIDS * ZONE_ENTERPRISES_PER_GRID]

    def visits(self) -> None:
        rng = self.rng
        eco, zone = self.org["eco"], self.org["zone"]
        plan = [(eco, ECO_VISITS, self.all_enterprises), (zone, 180, self.zone_enterprises)]
        visits, cadres = [], []
        for unit, count, pool in plan:
            staff = list(
                Person.objects.filter(subtree_q(unit.path, "org__path"))
                .order_by("id")
                .values_list("id", flat=True)[:30]
            )
            for _i in range(count):
                v = Visit(
                    date=self._day(START, END),
                    enterprise=rng.choice(pool),
                    unit=unit,
                    notes=rng.choice(
                        ["了解企业生产经营情况", "环评审批政策宣讲", "收集企业诉求", "回访诉求办理"]
                    ),
                )
                visits.append(v)
                cadres.append(rng.sample(staff, min(2, len(staff))))
        self.visit_rows = Visit.objects.bulk_create(visits)
        through = Visit.cadres.through
        through.objects.bulk_create(
            through(visit_id=v.pk, person_id=p)
            for v, people in zip(self.visit_rows, cadres, strict=True)
            for p in people
        )
        self.eco_visits = [v for v in self.visit_rows if v.unit_id == eco.pk]

    # --- requests -------------------------------------------------------------------------

    def _day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def _code(self) -> str:
        return "".join(self.rng.choice("ABCDEFGHJKLMNPQRTUVWXY346789") for _i in range(10))

    def _request(
        self,
        *,
        unit: Org,
        category: str,
        channel: str,
        content: str,
        submitted: dt.date,
        state: str,
        enterprise: Enterprise | None = None,
        citizen: tuple[str, str] | None = None,
        funds: int = 0,
        visit: Visit | None = None,
        co: list[Org] = (),
        on_time: bool = True,
        resolve_by: dt.date | None = None,
    ) -> ServiceRequest:
        """One request walked through the loop up to `state`, dates on working days."""
        rng, cal = self.rng, self.cal
        urgency = rng.choices(
            [Urgency.NORMAL, Urgency.URGENT, Urgency.CRITICAL], weights=[85, 12, 3]
        )[0]
        sla = self.sla[urgency]
        self.serial += 1
        r = ServiceRequest(
            number=f"SQ-{submitted.year}-{self.serial:06d}",
            tracking_code=self._code(),
            kind=Kind.ENTERPRISE if enterprise else Kind.CITIZEN,
            enterprise=enterprise,
            channel=channel,
            category=self.cats[category],
            urgency=urgency,
            content=content,
            submitted_date=submitted,
            submitted_at=dt.datetime.combine(submitted, dt.time(9, 30), tzinfo=dt.UTC),
            front_desk=self.org["centre"],
            unit=self.org["centre"],
            visit=visit,
            state=state,
            funds=Decimal(funds),
        )
        if citizen:
            name, phone = citizen
            r.contact_name_enc = crypto.encrypt(name)
            r.contact_phone_enc = crypto.encrypt(phone)
            r.contact_phone_hash = crypto.lookup_hash(phone)
        order = [s.value for s in RequestState]
        reached = order.index(state)
        if reached >= order.index(RequestState.ASSIGNED):
            r.unit = unit
            r.assigned_date = min(cal.add_workdays(submitted, rng.choice([0, 0, 1])), self.today)
            r.sign_deadline = cal.add_workdays(r.assigned_date, sla.sign_days)
            r.deadline = cal.add_workdays(r.assigned_date, sla.resolve_days)
            if co:
                self.co[id(r)] = list(co)
        if reached >= order.index(RequestState.SIGNED):
            late_sign = rng.random() < 0.05
            r.signed_date = cal.add_workdays(r.sign_deadline, 1 if late_sign else 0)
            if r.signed_date > self.today:
                r.signed_date = r.assigned_date
        if reached >= order.index(RequestState.RESOLVED):
            if on_time:
                span = cal.workdays_between(r.signed_date, r.deadline)
                r.resolved_date = cal.add_workdays(r.signed_date, rng.randint(0, max(span, 0)))
            else:
                r.resolved_date = cal.add_workdays(r.deadline, rng.randint(1, 4))
            r.resolved_date = max(r.resolved_date, r.signed_date)
            if resolve_by and r.resolved_date > resolve_by:
                r.resolved_date = max(resolve_by, r.signed_date)
            r.resolved = True
            r.resolution = "已协调解决，并向诉求人反馈办理结果"
        if state == RequestState.RATED or (state == RequestState.CLOSED and rng.random() < 0.85):
            r.satisfaction = rng.choices(
                [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED],
                weights=[82, 14, 4],
            )[0]
            r.rated_by = rng.choice([RatedBy.REQUESTER, RatedBy.CALLBACK])
            r.rated_date = min(r.resolved_date + dt.timedelta(days=rng.randint(1, 3)), self.today)
        if state == RequestState.CLOSED:
            r.closed_date = min(
                (r.rated_date or r.resolved_date) + dt.timedelta(days=2), self.today
            )
        self.requests.append(r)
        return r

    def _citizen(self) -> tuple[str, str]:
        rng = self.rng
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _i in range(rng.randint(1, 2)))
        return name, f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"

    def _done(self) -> str:
        return RequestState.CLOSED if self.rng.random() < 0.8 else RequestState.RATED

    def in_period(self) -> None:
        """The requests resolved in the campaign period that carry the report's figures."""
        rng, o = self.rng, self.org
        last_submit = END - dt.timedelta(days=20)
        grid_categories = list(ZONE_TEXTS)
        for _i in range(ZONE_GRID_RESOLVED):
            cat = rng.choice(grid_categories)
            self._request(
                unit=o["zone"],
                category=cat,
                channel=Channel.GRID,
                content=rng.choice(ZONE_TEXTS[cat]),
                submitted=self._day(START, last_submit),
                state=self._done(),
                enterprise=rng.choice(self.zone_enterprises),
                on_time=rng.random() < 0.93,
                resolve_by=END,
            )
        # 402 policy payments adding up to exactly 165,000,000 yuan.
        weights = [rng.randint(20, 900) for _i in range(ZONE_FUNDS_TIMES)]
        total = sum(weights)
        amounts = [ZONE_FUNDS_YUAN * w // total for w in weights]
        amounts[-1] += ZONE_FUNDS_YUAN - sum(amounts)
        for amount in amounts:
            self._request(
                unit=o["zone"],
                category="政策兑现",
                channel=Channel.SELF,
                content=rng.choice(POLICY_TEXTS),
                submitted=self._day(START, last_submit),
                state=self._done(),
                enterprise=rng.choice(self.zone_enterprises),
                funds=amount,
                on_time=rng.random() < 0.95,
                resolve_by=END,
            )
        for i in range(ECO_EIA_RESOLVED):
            visit = self.eco_visits[i] if i < len(self.eco_visits) else None
            submitted = visit.date if visit and visit.date <= last_submit else None
            self._request(
                unit=o["eco"],
                category="环评",
                channel=Channel.VISIT,
                content=rng.choice(["环评审批流程指导", "排污许可证申领指导", "环评报告编制咨询"]),
                submitted=submitted or self._day(START, last_submit),
                state=self._done(),
                enterprise=visit.enterprise if visit else rng.choice(self.all_enterprises),
                visit=visit if submitted else None,
                on_time=rng.random() < 0.95,
                resolve_by=END,
            )
        for enterprise in rng.sample(self.all_enterprises, POLICE_UNFROZEN):
            self._request(
                unit=o["police"],
                category="涉法涉企",
                channel=rng.choice([Channel.SELF, Channel.HOTLINE]),
                content="企业账户被异地司法冻结，申请协调解冻",
                submitted=self._day(START, last_submit),
                state=self._done(),
                enterprise=enterprise,
                co=[o["court"], o["procuratorate"]],
                resolve_by=END,
            )
        for i in range(CENTRE_RESOLVED):
            citizen = i < CENTRE_CITIZEN
            texts = CITIZEN_TEXTS if citizen else CENTRE_ENTERPRISE_TEXTS
            cat = rng.choice(list(texts))
            self._request(
                unit=o["centre"],
                category=cat,
                channel=rng.choice([Channel.HOTLINE, Channel.ONLINE])
                if citizen
                else rng.choice([Channel.SELF, Channel.ONLINE]),
                content=rng.choice(texts[cat]),
                submitted=self._day(START, last_submit),
                state=self._done(),
                enterprise=None if citizen else rng.choice(self.all_enterprises),
                citizen=self._citizen() if citizen else None,
                on_time=rng.random() < 0.9,
                resolve_by=END,
            )
        # Citizens' requests to the towns (三方协同为民服务直通车).
        for _i in range(150):
            cat = rng.choice(list(CITIZEN_TEXTS))
            self._request(
                unit=rng.choice(self.towns),
                category=cat,
                channel=rng.choice([Channel.HOTLINE, Channel.ONLINE]),
                content=rng.choice(CITIZEN_TEXTS[cat]),
                submitted=self._day(START, last_submit),
                state=self._done(),
                citizen=self._citizen(),
                on_time=rng.random() < 0.88,
                resolve_by=END,
            )

    def recent(self) -> None:
        """Requests of the last weeks before the demo day, in every open state."""
        rng, o, today = self.rng, self.org, self.today
        units = [o["zone"]] * 5 + [o["eco"], o["police"], o["centre"], o["finance"]]
        plan = (
            [RequestState.SUBMITTED] * 6
            + [RequestState.ACCEPTED] * 4
            + [RequestState.ASSIGNED] * 8
            + [RequestState.SIGNED] * 8
            + [RequestState.HANDLING] * 24
            + [RequestState.RESOLVED] * 6
            + [RequestState.CLOSED] * 6
        )
        for state in plan:
            unit = rng.choice(units)
            citizen = unit == o["centre"] and rng.random() < 0.5
            cat = rng.choice(list(CITIZEN_TEXTS)) if citizen else rng.choice(list(ZONE_TEXTS))
            texts = CITIZEN_TEXTS if citizen else ZONE_TEXTS
            self._request(
                unit=unit,
                category=cat,
                channel=Channel.GRID if unit == o["zone"] else Channel.ONLINE,
                content=rng.choice(texts[cat]),
                submitted=today - dt.timedelta(days=rng.randint(1, 16)),
                state=state,
                enterprise=None
                if citizen
                else rng.choice(
                    self.zone_enterprises if unit == o["zone"] else self.all_enterprises
                ),
                citizen=self._citizen() if citizen else None,
                resolve_by=today,
            )

    def save(self) -> int:
        ServiceRequest.objects.bulk_create(self.requests, batch_size=500)
        now = timezone.now()
        assignments, events = [], []
        for r in self.requests:
            at = lambda d: dt.datetime.combine(d, dt.time(10, 0), tzinfo=dt.UTC)  # noqa: E731
            steps = [("submit", "", RequestState.SUBMITTED, r.submitted_date)]
            if r.assigned_date:
                steps += [
                    ("accept", RequestState.SUBMITTED, RequestState.ACCEPTED, r.submitted_date),
                    ("assign", RequestState.ACCEPTED, RequestState.ASSIGNED, r.assigned_date),
                ]
                assignments.append(
                    RequestAssignment(
                        request=r,
                        unit=r.unit,
                        role=AssignmentRole.LEAD,
                        assigned_at=at(r.assigned_date),
                    )
                )
                for u in self.co.get(id(r), []):
                    assignments.append(
                        RequestAssignment(
                            request=r,
                            unit=u,
                            role=AssignmentRole.CO,
                            assigned_at=at(r.assigned_date),
                        )
                    )
            elif r.state == RequestState.ACCEPTED:
                steps.append(
                    ("accept", RequestState.SUBMITTED, RequestState.ACCEPTED, r.submitted_date)
                )
            if r.signed_date:
                steps.append(("sign", RequestState.ASSIGNED, RequestState.SIGNED, r.signed_date))
            if r.state == RequestState.HANDLING or r.resolved_date:
                steps.append(("start", RequestState.SIGNED, RequestState.HANDLING, r.signed_date))
            if r.resolved_date:
                steps.append(
                    ("resolve", RequestState.HANDLING, RequestState.RESOLVED, r.resolved_date)
                )
            if r.rated_date:
                steps.append(("rate", RequestState.RESOLVED, RequestState.RATED, r.rated_date))
            if r.closed_date:
                prev = RequestState.RATED if r.rated_date else RequestState.RESOLVED
                steps.append(("close", prev, RequestState.CLOSED, r.closed_date))
            for action, src, dst, day in steps:
                events.append(
                    TimelineEvent(
                        object_type="service.servicerequest",
                        object_id=str(r.pk),
                        at=min(at(day), now),
                        actor_name="demo",
                        action=action,
                        from_state=src,
                        to_state=dst,
                    )
                )
        RequestAssignment.objects.bulk_create(assignments, batch_size=1000)
        TimelineEvent.objects.bulk_create(events, batch_size=1000)
        # Generated numbers continue after the demo's.
        for year, top in (
            ServiceRequest.objects.values_list("submitted_date__year")
            .annotate(n=Max("number"))
            .values_list("submitted_date__year", "n")
        ):
            Counter.objects.update_or_create(
                name=f"service-request-{year}", defaults={"value": int(top.rsplit("-", 1)[1])}
            )
        return len(self.requests)


def exists() -> bool:
    return Grid.objects.filter(code__startswith=GRID_PREFIX).exists()


def build() -> str:
    from zuofeng.service.sweeps import sweep

    today = timezone.localdate()
    b = _Builder(today)
    FrontDesk.objects.get_or_create(org=b.org["centre"], defaults={"is_default": True})
    b.enterprises()
    b.visits()
    b.in_period()
    b.recent()
    n = b.save()
    result = sweep(today)
    audit.record(
        actor="demo",
        action="service.demo",
        after={
            "enterprises": len(b.all_enterprises),
            "visits": len(b.visit_rows),
            "requests": n,
        },
    )
    red = result.recoloured.get("red", 0)
    return (
        f"{len(b.all_enterprises)} enterprises in {ZONE_GRIDS} grids, {len(b.visit_rows)} "
        f"visits, {n} requests ({red} overdue)"
    )


demo.register("service requests", exists=exists, build=build)
