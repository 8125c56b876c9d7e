"""Demo study records for the demo district: activities, youth groups, channel items.

The source report, for the campaign period 2025-03-01..2025-09-30: “专题学习研讨3500余次”,
the youth study society's “特色学习活动66场…辐射年轻干部3500余人次”, and “邻里文化活动250余次”.
The builder draws every record from a seeded generator (same district → same records) and
writes them with bulk_create; the indicators then count them like any district's own records.

Shape of the study budget (all study-category activities in the period):
- 理论学习中心组学习 twice at the district committee, every department and town, and two
  专题读书班 at the district committee;
- COMPLIANT 党支部 meeting every seeded cadence rule (25 activities each over the period);
  PARTIAL 党支部 doing about half of them;
- the demo branch (陈家岙村) with named attendance of its own members;
- the 66 youth activities (五个一 kinds are study kinds);
- the rest spread one per org over other grassroots orgs until the total reaches SESSIONS,
  which leaves some orgs with no study at all (the coverage list).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import wave

from django.core.files.base import ContentFile

from zuofeng.core import demo
from zuofeng.orgs import demo as district
from zuofeng.orgs.models import Org, Person, subtrees_q
from zuofeng.study.choices import Category, Mode
from zuofeng.study.models import (
    Activity,
    ActivityKind,
    Attendance,
    Channel,
    ChannelItem,
    Delivery,
    Learner,
    YouthGroup,
    YouthMember,
)

SEED = 20250301
START, END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)
SESSIONS = 3548  # 3500余次
YOUTH_ACTIVITIES = 66
NEIGHBOURHOOD = 258  # 邻里文化活动250余次
COMPLIANT, PARTIAL = 36, 44
AFTER = 120  # activities after the period (Oct–Dec 2025): outside the report's figures

MONTHS = [dt.date(2025, m, 1) for m in range(3, 10)]
MONTHLY = ["支部委员会", "党小组会", "主题党日"]
QUARTERLY = ["支部党员大会", "党课"]
REST_KINDS = (
    ["主题党日", "党课", "支部党员大会", "研讨交流", "专题读书班", "走村入户宣讲"],
    [30, 22, 14, 14, 6, 14],
)
TOPICS = {
    "理论学习中心组学习": ["深入学习贯彻中央八项规定精神", "以作风建设新成效推动高质量发展"],
    "专题读书班": ["中央八项规定精神学习教育专题读书班"],
    "支部党员大会": ["学习《中国共产党纪律处分条例》", "通报学习教育查摆问题整改情况"],
    "支部委员会": ["研究部署学习教育工作", "讨论支部问题清单"],
    "党小组会": ["交流学习心得", "对照清单开展自查"],
    "党课": ["书记讲党课：锤炼过硬作风", "以案为鉴 守牢底线"],
    "主题党日": ["重温入党誓词", "走进廉政教育基地", "学习八项规定精神"],
    "研讨交流": ["作风建设专题研讨", "服务企业大家谈"],
    "走村入户宣讲": ["“乡音土话”解读政策理论", "把八项规定精神讲到田间地头"],
    "学习小组": ["青年干部读书分享会", "青年理论学习小组集中学习"],
    "大讲堂": ["“虞青尚学”大讲堂"],
    "案例研讨": ["典型案例分析研讨"],
    "实绩比拼": ["青年干部实绩比拼"],
    "专项调研": ["青年干部专项调研"],
    "邻里文化活动": ["邻里节", "社区文艺汇演", "“三方协同”邻里夜谈"],
    "志愿服务": ["文明实践志愿服务", "环境整治志愿行动"],
    "义诊义剪": ["“梁银大巴”义诊义剪", "送医送健康进村"],
}
YOUTH_GROUPS = [
    ("虞青学习社·机关一分社", "区委组织部", True),
    ("虞青学习社·机关二分社", "区委组织部", True),
    ("虞青学习社·政法分社", "区委政法委", True),
    ("虞青学习社·经济分社", "区发展和改革局", True),
    ("虞青学习社·群团分社", "共青团上虞区委员会", False),  # has not done all five
]
RADIO_ITEMS = [
    "乡音说政策：八项规定是什么",
    "乡音说政策：过紧日子怎么过",
    "红色故事：曹娥江畔的老支书",
    "乡音说政策：村级小微权力清单",
    "红色故事：春晖园里的初心",
    "乡音说政策：为民服务直通车",
]
BROADCAST_ITEMS = [f"组工播报第{n}期：学习教育工作动态" for n in range(1, 11)]
AUDIO_SECONDS = 20


def _day(rng: random.Random, start=START, end=END) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _in_month(rng: random.Random, month: dt.date) -> dt.date:
    nxt = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return _day(rng, month, nxt - dt.timedelta(days=1))


def _dept(name: str) -> str:
    return district.dept_code(name)


class Builder:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.kinds = {k.name: k for k in ActivityKind.objects.all()}
        self.rows: list[Activity] = []
        self.study = 0  # study activities in the campaign period so far

    def add(self, org_id: int, kind: str, day: dt.date, present: int, **extra) -> Activity:
        expected = extra.pop("expected", None)
        if expected is None and not extra.get("named"):
            expected = present + self.rng.randint(0, 3)
        act = Activity(
            org_id=org_id,
            kind=self.kinds[kind],
            category=self.kinds[kind].category,
            topic=self.rng.choice(TOPICS[kind]),
            date=day,
            mode=Mode.ONLINE if self.rng.random() < 0.1 else Mode.OFFLINE,
            expected_count=expected,
            present_count=present,
            **extra,
        )
        self.rows.append(act)
        if act.kind.category == Category.STUDY and START <= day <= END:
            self.study += 1
        return act

    def build(self) -> str:
        orgs = list(Org.objects.order_by("path").values_list("pk", "code", "kind__name", "depth"))
        tops = [o for o in orgs if o[3] <= 1]
        branches = [o for o in orgs if o[2] == district.K_BRANCH]
        self.rng.shuffle(branches)
        demo_branch = next(o for o in orgs if o[1] == district.CHENJIAAO)
        self._centre_groups(tops)
        self._branches(branches[:COMPLIANT], branches[COMPLIANT : COMPLIANT + PARTIAL])
        self._demo_branch(demo_branch[0])
        groups = self._youth()
        taken = {o[0] for o in tops + branches[: COMPLIANT + PARTIAL]} | {demo_branch[0]}
        self._rest([o for o in orgs if o[0] not in taken and o[3] >= 2])
        self._practice(orgs)
        named = [a for a in self.rows if a.named]
        Activity.objects.bulk_create(self.rows, batch_size=1000)
        self._attendance(named)
        items, deliveries = self._channels(orgs)
        self._learner()
        return (
            f"{self.study} study sessions in the campaign period, {len(self.rows)} "
            f"activities in all, {len(groups)} youth groups, {items} channel items, "
            f"{deliveries} deliveries"
        )

    def _centre_groups(self, tops) -> None:
        for pk, _code, _kind, depth in tops:
            for month in (MONTHS[1], MONTHS[4]):  # April and July
                self.add(pk, "理论学习中心组学习", _in_month(self.rng, month), 12 + depth)
            if depth == 0:
                for month in (MONTHS[0], MONTHS[2]):
                    self.add(pk, "专题读书班", _in_month(self.rng, month), 35)

    def _branches(self, compliant, partial) -> None:
        for group, share in ((compliant, 1.0), (partial, 0.5)):
            for pk, *_ in group:
                for month in MONTHS:
                    for kind in MONTHLY:
                        if share == 1.0 or self.rng.random() < share:
                            self.add(pk, kind, _in_month(self.rng, month), self.rng.randint(6, 25))
                for quarter in (MONTHS[1], MONTHS[4]):  # Q2 (Apr–Jun), Q3 (Jul–Sep)
                    for kind in QUARTERLY:
                        if share == 1.0 or self.rng.random() < share:
                            month = quarter.replace(month=quarter.month + self.rng.randrange(3))
                            self.add(pk, kind, _in_month(self.rng, month), self.rng.randint(6, 25))

    def _demo_branch(self, org_id: int) -> None:
        """陈家岙村: named attendance of its own members, monthly 主题党日 and two 党课."""
        self.members = list(Person.objects.filter(org_id=org_id, active=True).order_by("pk"))
        plan = [("主题党日", m) for m in MONTHS] + [("党课", MONTHS[1]), ("党课", MONTHS[5])]
        for kind, month in plan:
            act = self.add(
                org_id,
                kind,
                _in_month(self.rng, month),
                0,
                named=True,
                expected=len(self.members),
                host="胡建忠",
                place="陈家岙村党群服务中心",
            )
            absent = set(self.rng.sample(range(len(self.members)), k=min(2, len(self.members))))
            act._attendees = [(p, i not in absent) for i, p in enumerate(self.members)]
            act.present_count = sum(1 for _, present in act._attendees if present)

    def _youth(self) -> list[YouthGroup]:
        codes = {name: _dept(name) for _, name, _ in YOUTH_GROUPS}
        org_ids = dict(Org.objects.filter(code__in=codes.values()).values_list("code", "pk"))
        groups = YouthGroup.objects.bulk_create(
            YouthGroup(name=name, org_id=org_ids[codes[dept]], description="虞青学习社分社")
            for name, dept, _ in YOUTH_GROUPS
        )
        groups = list(YouthGroup.objects.filter(name__in=[g[0] for g in YOUTH_GROUPS]))
        groups.sort(key=lambda g: [n for n, *_ in YOUTH_GROUPS].index(g.name))
        # Members: cadres of the departments who are young on the first day of the campaign.
        born_after = START.replace(year=START.year - 36)
        young = list(
            Person.objects.filter(
                org__code__startswith="D",
                active=True,
                birth_date__gt=born_after,
            )
            .exclude(cadre_level="")
            .order_by("pk")
            .values_list("pk", flat=True)[: 20 * len(groups)]
        )
        YouthMember.objects.bulk_create(
            YouthMember(group=g, person_id=pk, joined_on=START)
            for i, g in enumerate(groups)
            for pk in young[i * 20 : (i + 1) * 20]
        )
        five = ["学习小组", "大讲堂", "案例研讨", "实绩比拼", "专项调研"]
        plan: list[tuple[YouthGroup, str]] = []
        for g, (_name, _dept_name, complete) in zip(groups, YOUTH_GROUPS, strict=True):
            plan += [(g, k) for k in (five if complete else five[:3])]
        while len(plan) < YOUTH_ACTIVITIES:
            plan.append((groups[len(plan) % len(groups)], "学习小组"))
        for g, kind in plan:
            present = self.rng.randint(110, 180) if kind == "大讲堂" else self.rng.randint(40, 62)
            self.add(g.org_id, kind, _day(self.rng), present, youth_group=g)
        return groups

    def _rest(self, others) -> None:
        self.rng.shuffle(others)
        kinds, weights = REST_KINDS
        for pk, _code, kind_name, _depth in others:
            if self.study >= SESSIONS:
                break
            kind = self.rng.choices(kinds, weights)[0]
            if kind == "走村入户宣讲" and kind_name not in (
                district.K_VILLAGE,
                district.K_COMMUNITY,
            ):
                kind = "主题党日"
            present = (
                self.rng.randint(30, 120) if kind == "走村入户宣讲" else self.rng.randint(5, 30)
            )
            self.add(pk, kind, _day(self.rng), present)
        for pk, *_ in others[:AFTER]:
            self.add(pk, "主题党日", _day(self.rng, dt.date(2025, 10, 1), dt.date(2025, 12, 31)), 9)

    def _practice(self, orgs) -> None:
        villages = [o for o in orgs if o[2] in (district.K_VILLAGE, district.K_COMMUNITY)]
        lianghu = district.town_code("梁湖街道")
        bus = [o for o in orgs if o[1].startswith(lianghu)]
        for _ in range(NEIGHBOURHOOD):
            org = self.rng.choice(villages)
            self.add(org[0], "邻里文化活动", _day(self.rng), self.rng.randint(30, 160))
        for _ in range(130):
            org = self.rng.choice(villages)
            self.add(org[0], "志愿服务", _day(self.rng), self.rng.randint(8, 40))
        for _ in range(36):
            org = self.rng.choice(bus)
            self.add(org[0], "义诊义剪", _day(self.rng), self.rng.randint(40, 120))

    def _attendance(self, named) -> None:
        Attendance.objects.bulk_create(
            Attendance(
                activity=a,
                person=p,
                present=present,
                absence_reason="" if present else self.rng.choice(["外出务工", "病假", "因公出差"]),
            )
            for a in named
            for p, present in a._attendees
        )

    def _channels(self, orgs) -> tuple[int, int]:
        radio = Channel.objects.get(name="红色收音机")
        broadcast = Channel.objects.get(name="组工播报")
        root = Org.objects.get(code=district.ROOT_CODE)
        villages = [o for o in orgs if o[2] in (district.K_VILLAGE, district.K_COMMUNITY)]
        home = next(o for o in villages if o[1] == district.CHENJIAAO)
        villages.remove(home)
        audio = _tone(AUDIO_SECONDS)
        items = []
        for i, title in enumerate(RADIO_ITEMS + BROADCAST_ITEMS):
            is_radio = i < len(RADIO_ITEMS)
            item = ChannelItem(
                channel=radio if is_radio else broadcast,
                title=title,
                body="" if is_radio else f"{title}。各级党组织扎实推进学习教育，确保到底到边。",
                kind=self.kinds["走村入户宣讲" if is_radio else "研讨交流"],
                publisher=root,
                published_on=_day(self.rng),
            )
            if is_radio:
                item.audio.save("audio.wav", ContentFile(audio), save=False)
                item.audio_content_type = "audio/wav"
                item.audio_size = len(audio)
                item.duration_seconds = AUDIO_SECONDS
            items.append(item)
        ChannelItem.objects.bulk_create(items)
        items = list(ChannelItem.objects.filter(publisher=root).order_by("pk"))
        rows = []
        for item in items:
            # Each item reaches the demo branch and a dozen other villages and communities.
            targets = [home, *self.rng.sample(villages, 12)]
            item.targets.set([t[0] for t in targets])
            paths = Org.objects.filter(pk__in=[t[0] for t in targets]).values_list(
                "path", flat=True
            )
            people = Person.objects.filter(subtrees_q(paths, "org__path"), active=True)
            people = people.order_by("pk").values_list("pk", "org_id")
            opened_at = dt.datetime.combine(item.published_on, dt.time(20, 0), dt.UTC)
            for pk, org_id in people:
                opened = self.rng.random() < 0.55
                done = opened and self.rng.random() < 0.6
                listened = 0
                if item.duration_seconds and opened:
                    seconds = item.duration_seconds
                    listened = seconds if done else self.rng.randrange(math.ceil(0.9 * seconds))
                rows.append(
                    Delivery(
                        item=item,
                        person_id=pk,
                        org_id=org_id,
                        published_on=item.published_on,
                        opened_at=opened_at if opened else None,
                        listened_seconds=listened,
                        # A text item is read once opened; audio is completed at 90 %.
                        completed_at=opened_at
                        if (done or not item.duration_seconds) and opened
                        else None,
                    )
                )
        Delivery.objects.bulk_create(rows, batch_size=2000)
        return len(items), len(rows)

    def _learner(self) -> None:
        """The demo branch secretary's account reads 我的学习 as the branch's first member."""
        if self.members:
            Learner.objects.get_or_create(
                username="demo_branch", defaults={"person": self.members[0]}
            )


def _tone(seconds: int) -> bytes:
    """A short 8 kHz mono WAV (a soft 440 Hz tone), so the demo's audio really plays."""
    rate = 8000
    frames = bytes(
        int(128 + 40 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(rate * seconds)
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def _build() -> str:
    return Builder().build()


demo.register("study", exists=lambda: Activity.objects.exists(), build=_build)
