import datetime as dt

import pytest

from zuofeng.core.indicators import IndicatorError, Period, get
from zuofeng.orgs.models import SEGMENT
from zuofeng.orgs.tests.factories import make_org
from zuofeng.study import cadence, selectors
from zuofeng.study.choices import Cadence
from zuofeng.study.models import YouthGroup
from zuofeng.study.tests.helpers import activity

P = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))
MONTHLY = ("支部委员会", "党小组会", "主题党日")


def d(m, day=15):
    return dt.date(2025, m, day)


def test_units_are_whole_calendar_units_inside_the_period():
    q = cadence.units(Cadence.QUARTER, Period(dt.date(2025, 2, 15), dt.date(2025, 9, 29)))
    assert [u.label for u in q] == ["2025年第2季度"]
    m = cadence.units(Cadence.MONTH, Period(dt.date(2025, 3, 2), dt.date(2025, 5, 31)))
    assert [(u.start, u.end) for u in m] == [
        (dt.date(2025, 4, 1), dt.date(2025, 4, 30)),
        (dt.date(2025, 5, 1), dt.date(2025, 5, 31)),
    ]
    assert cadence.units(Cadence.YEAR, P) == []


@pytest.fixture
def branches(district):
    a = district.dept_branch
    b = make_org("DA2", "区财政局第二党支部", "branch", district.dept)
    for org in (a, b):
        for m in range(3, 10):
            for k in MONTHLY:
                day = dt.date(2025, 3, 1) if (m, k) == (3, "支部委员会") else d(m)
                activity(org, k, day)
        activity(org, "支部党员大会", dt.date(2025, 6, 30))  # last day of Q2
        activity(org, "支部党员大会", dt.date(2025, 7, 1))  # first day of Q3
        activity(org, "党课", dt.date(2025, 4, 1))
    activity(a, "党课", dt.date(2025, 9, 30))
    activity(b, "党课", dt.date(2025, 10, 1))  # one day late: Q3 missed
    # b's March 支部委员会 moves to the last day of February: March missed.
    from zuofeng.study.models import Activity

    Activity.objects.filter(org=b, kind__name="支部委员会", date=dt.date(2025, 3, 1)).update(
        date=dt.date(2025, 2, 28)
    )
    return a, b


def test_compliance_on_quarter_and_month_edges(district, branches):
    a, _b = branches
    results = {r.code: r for r in cadence.evaluate(district.root.path, P)}
    assert set(results) == {"DA1", "DA2"}  # only 党支部 have seeded rules
    assert results["DA1"].met
    missing = [(s.kind, s.unit, s.have, s.need) for s in results["DA2"].missing]
    assert missing == [("支部委员会", "2025年3月", 0, 1), ("党课", "2025年第3季度", 0, 1)]
    ind = get("study.cadence_compliance_rate")
    assert ind.value(district.root.path, P) == 0.5
    assert ind.value(district.root.path, P, {"kind": "主题党日"}) == 1.0
    assert ind.value(district.root.path, P, {"kind": "党课"}) == 0.5
    assert ind.value(a.path, P) == 1.0
    assert ind.value(district.town.path, P) is None  # no org with rules there
    # A period starting mid-March does not check March.
    assert ind.value(district.root.path, Period(dt.date(2025, 3, 2), dt.date(2025, 9, 30))) == 0.5
    assert ind.by_child(district.root.path, 2 * SEGMENT, P) == {district.dept.path: 0.5}
    with pytest.raises(IndicatorError):
        ind.value(district.root.path, P, {"kind": "不存在"})


def test_compliance_rate_is_one_statement_and_follows_minimums(
    district, branches, django_assert_num_queries
):
    """The rate counts in the database (the rules, whether the scope holds every org, then one
    statement) and agrees with the detailed evaluation when a rule asks for two a month, or
    for none."""
    from zuofeng.study.models import CadenceRule

    ind = get("study.cadence_compliance_rate")
    root = district.root.path
    with django_assert_num_queries(3):
        assert ind.value(root, P) == 0.5
    CadenceRule.objects.filter(kind__name="主题党日").update(minimum=2)
    assert ind.value(root, P, {"kind": "主题党日"}) == 0.0  # one a month each: both short
    assert [r.met for r in cadence.evaluate(root, P)] == [False, False]
    assert ind.value(root, P) == 0.0
    CadenceRule.objects.filter(kind__name="主题党日").update(minimum=0)
    assert ind.value(root, P, {"kind": "主题党日"}) == 1.0  # nothing asked: met by both
    assert ind.value(root, P) == 0.5
    _a, b = branches
    b.active = False
    b.save(update_fields=["active"])
    assert ind.value(root, P) == 1.0  # an inactive org is not checked


def test_counts_person_times_and_kind_filter(district):
    activity(district.v1, "主题党日", d(4), present=12)
    activity(district.v1, "党课", d(5), present=8)
    activity(district.w1, "邻里文化活动", d(6), present=40)
    activity(district.w1, "邻里文化活动", d(10), present=40)  # outside the period
    activity(district.v2, "主题党日", dt.date(2025, 2, 28), present=9)  # outside
    root = district.root.path

    def v(key, **f):
        return get(key).value(root, P, f)

    assert (v("study.sessions"), v("study.person_times")) == (2, 20)
    assert v("study.sessions", kind="党课") == 1
    assert v("study.person_times", kind="主题党日") == 12
    assert v("study.sessions", group="四学联动") == 2
    assert (v("practice.activities"), v("practice.person_times")) == (1, 40)
    assert v("practice.activities", kind="邻里文化活动") == 1
    assert v("practice.activities", kind="党课") == 0
    assert get("study.sessions").by_child(root, 2 * SEGMENT, P) == {district.town.path: 2}
    with pytest.raises(IndicatorError):
        v("study.sessions", kind="没有这种")


def test_coverage_lists_exactly_the_idle_orgs(district):
    activity(district.v1, "主题党日", d(4))
    activity(district.dept_branch, "党课", d(8))
    activity(district.w1, "义诊义剪", d(5))  # practice is not study
    root = district.root.path
    idle = get("study.orgs_without_study")
    names = sorted(idle.records(root, P).values_list("code", flat=True))
    assert names == ["D", "DA", "T", "T2", "U", "U1"]
    assert idle.value(root, P) == 6
    assert get("study.coverage_rate").value(root, P) == round(2 / 8, 4)
    assert idle.value(root, P, {"kind": "党课"}) == 7
    assert get("study.coverage_rate").value(root, P, {"kind": "党课"}) == round(1 / 8, 4)
    assert idle.by_child(root, 2 * SEGMENT, P) == {
        district.dept.path: 1,
        district.town.path: 2,
        district.town2.path: 2,
    } | {root: 1}
    cov = selectors.coverage(district.root, P)
    assert (cov.total, cov.covered, cov.rate) == (8, 2, 0.25)


def test_coverage_matrix_children_by_month(district, django_assert_num_queries):
    activity(district.v1, "主题党日", d(4))
    activity(district.v2, "主题党日", d(4, 30))
    activity(district.w1, "党课", d(9, 30))
    activity(district.w1, "志愿服务", d(9))  # practice: not counted
    with django_assert_num_queries(2):
        orgs, months, counts = selectors.coverage_matrix(district.root, P)
    assert [o.code for o in orgs] == ["DA", "T", "U"]
    assert months == [dt.date(2025, m, 1) for m in range(3, 10)]
    assert counts == [
        [0] * 7,
        [0, 2, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 1],
    ]
    # Below the per-day rollup's cut (a town's children) the activities are counted.
    orgs, months, counts = selectors.coverage_matrix(district.town, P)
    found = {o.code: row for o, row in zip(orgs, counts, strict=True)}
    assert found[district.v1.code] == [0, 1, 0, 0, 0, 0, 0]
    assert found[district.v2.code] == [0, 1, 0, 0, 0, 0, 0]


def test_youth_indicators(district):
    g = YouthGroup.objects.create(name="虞青一社", org=district.dept)
    activity(district.dept, "大讲堂", d(4), present=60, youth_group=g)
    activity(district.dept, "案例研讨", d(5), present=30, youth_group=g)
    activity(district.dept, "大讲堂", d(5), present=99)  # not tagged to a group
    root = district.root.path
    assert get("study.youth_activities").value(root, P) == 2
    assert get("study.youth_person_times").value(root, P) == 90
    assert get("study.youth_person_times").value(root, P, {"kind": "大讲堂"}) == 60
    progress = selectors.youth_groups_progress(P, [root])[0]
    assert progress["done"] == 2 and progress["person_times"] == 90
    assert dict(progress["kinds"])["大讲堂"] == 1


def test_channel_indicators(district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zuofeng.study import services
    from zuofeng.study.models import ActivityKind, Channel
    from zuofeng.study.tests.helpers import person

    ps = [person(district.w1, f"员{i}") for i in range(4)]
    radio = Channel.objects.get(name="红色收音机")
    item = services.item_create(
        actor=None,
        channel=radio,
        publisher=district.root,
        title="t",
        audio=SimpleUploadedFile("a.mp3", b"ID3" + b"\0" * 100),
        duration_seconds=60,
        kind=ActivityKind.objects.get(name="党课"),
    )
    text = services.item_create(
        actor=None, channel=radio, publisher=district.root, title="文字", body="正文"
    )
    services.item_publish(actor=None, item=item, targets=[district.w1], on=d(4))
    services.item_publish(actor=None, item=text, targets=[district.w1], on=d(5))
    services.delivery_progress(person=ps[0], item=item, seconds=60)
    services.delivery_progress(person=ps[1], item=item, seconds=20)
    services.delivery_open(person=ps[2], item=text)
    root = district.root.path
    assert get("study.channel_items").value(root, P) == 2
    assert get("study.channel_items").value(root, P, {"kind": "党课"}) == 1
    assert get("study.channel_completion_rate").value(root, P) == round(2 / 8, 4)
    assert get("study.channel_completion_rate").value(root, P, {"kind": "党课"}) == 0.25
    assert get("study.channel_items").value(district.v1.path, P) == 0


def test_every_study_indicator_drills_down_without_a_query_per_row(
    district, django_assert_max_num_queries
):
    from zuofeng.core.indicators import registry

    for m in (4, 5, 6):
        activity(district.v1, "主题党日", d(m))
    keys = [k for k in registry() if k.startswith(("study.", "practice."))]
    assert len(keys) == 15
    for key in keys:
        ind = get(key)
        with django_assert_max_num_queries(6):
            rows = [str(o) for o in ind.records(district.root.path, P)[:50]]
        assert all(rows), key
        if key == "study.sessions":
            assert rows[0].startswith("2025-0") and ind.records(district.root.path, P).count() == 3
