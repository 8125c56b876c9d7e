"""The org paths copied onto activities, problems and requests (zuofeng.core.subtree) and the
rollup of activities (zuofeng.core.rollups) stay exact. On a generated dataset, every indicator
that reads a copy or the rollup (the root and its children read the rollup) equals brute-force
aggregation through the org table — for the root, every district and town and some branches,
alone and by child — after generation and after each kind of change: records moved to another
holder (by `save()`, by a queryset update, by a stale instance written back), subtrees moved
(the org service and the org import's bulk move), records and orgs deleted, rows bulk-inserted
with a wrong path, figures of activities changed (person-times, kind and category, date).
`zuofeng subtree --check` finds a copy or a rollup gone stale behind the triggers' back and
`--rebuild` repairs it."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F, Sum

from bench.scale import ROOT_CODE, Sizes, generate
from zuofeng.core import rollups, subtree
from zuofeng.core.indicators import Period, get
from zuofeng.orgs.models import SEGMENT, Org
from zuofeng.rectify.models import Problem
from zuofeng.service.models import ServiceRequest
from zuofeng.study import cadence
from zuofeng.study.choices import Cadence
from zuofeng.study.models import Activity, ActivityKind, CadenceRule

pytestmark = pytest.mark.django_db
SIZES = Sizes(orgs=400, people=50, activities=2000, problems=400, requests=500)
YEAR = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
SPRING = Period(dt.date(2025, 3, 10), dt.date(2025, 6, 20))
SECOND_QUARTER = Period(dt.date(2025, 4, 1), dt.date(2025, 6, 30))  # whole months
PERIODS = (YEAR, SPRING, SECOND_QUARTER)


def _activities(path, p):
    return Activity.objects.filter(
        org__path__startswith=path, category="study", date__range=(p.start, p.end)
    )


# key → brute force over the org table (the join the copies replace)
BRUTE = {
    "study.sessions": lambda path, p: _activities(path, p).count(),
    "study.person_times": lambda path, p: (
        _activities(path, p).aggregate(s=Sum("present_count"))["s"] or 0
    ),
    "study.orgs_with_study": lambda path, p: Org.objects.filter(
        path__startswith=path,
        pk__in=Activity.objects.filter(category="study", date__range=(p.start, p.end)).values(
            "org"
        ),
    ).count(),
    "practice.activities": lambda path, p: Activity.objects.filter(
        org__path__startswith=path, category="practice", date__range=(p.start, p.end)
    ).count(),
    "rectify.problems_found": lambda path, p: Problem.objects.filter(
        unit__path__startswith=path, found_date__range=(p.start, p.end)
    ).count(),
    "rectify.problems_closed": lambda path, p: Problem.objects.filter(
        unit__path__startswith=path, closed_date__range=(p.start, p.end)
    ).count(),
    "service.requests_received": lambda path, p: ServiceRequest.objects.filter(
        unit__path__startswith=path, submitted_date__range=(p.start, p.end)
    ).count(),
    "service.requests_resolved": lambda path, p: ServiceRequest.objects.filter(
        unit__path__startswith=path, resolved_date__range=(p.start, p.end)
    ).count(),
}


def brute_cadence(path, period, width, kind=None) -> dict[str, tuple[int, int]]:
    """(orgs met, orgs checked) per prefix, counted from the activities one by one."""
    rules = [r for r in CadenceRule.objects.filter(active=True) if kind in (None, r.kind)]
    checks = [(r, us) for r in rules if (us := cadence.units(r.cadence, period))]
    if not checks:
        return {}
    held = Counter(
        (org, kind_id, day.year, day.month)
        for org, kind_id, day in Activity.objects.filter(org__path__startswith=path).values_list(
            "org", "kind", "date"
        )
    )
    out: dict[str, tuple[int, int]] = {}
    orgs = Org.objects.filter(
        path__startswith=path, active=True, kind__in={r.org_kind_id for r, _ in checks}
    )
    for org in orgs:
        met = all(
            sum(held[(org.pk, r.kind_id, m.year, m.month)] for m in u.months) >= r.minimum
            for r, us in checks
            if r.org_kind_id == org.kind_id
            for u in us
        )
        prefix = org.path[:width]
        if len(prefix) == width:
            was_met, total = out.get(prefix, (0, 0))
            out[prefix] = (was_met + met, total + 1)
    return out


def assert_cadence_exact(scopes):
    """The cadence figures read the per-org yearly rollup: the same as counting activities."""
    lesson = ActivityKind.objects.get(name="党课")
    for period in PERIODS:
        for kind in (None, lesson):
            for org in scopes[:12]:
                for width in (len(org.path), len(org.path) + SEGMENT):
                    got = cadence.met_by_prefix(org.path, period, width, kind)
                    assert got == brute_cadence(org.path, period, width, kind), (org, period)
            root = scopes[0]
            met = {r.org_id for r in cadence.evaluate(root.path, period, kind) if r.met}
            brute = brute_cadence(root.path, period, len(root.path), kind)
            assert len(met) == brute.get(root.path, (0, 0))[0]


def assert_exact():
    for c in subtree.copies():
        assert subtree.stale(c) == 0, c.table
    for r in rollups.rollups():
        assert rollups.stale(r) == 0, r.table
    root = Org.objects.get(code=ROOT_CODE)
    scopes = list(Org.objects.filter(path__startswith=root.path, depth__lte=root.depth + 2))
    scopes += list(
        Org.objects.filter(path__startswith=root.path, depth=root.depth + 3).order_by("pk")[:5]
    )
    assert_cadence_exact(scopes)
    for key, brute in BRUTE.items():
        indicator = get(key)
        for period in PERIODS:
            for org in scopes:
                assert indicator.value(org.path, period) == brute(org.path, period), (key, org)
            for org in scopes[:12]:
                width = len(org.path) + SEGMENT
                got = indicator.by_child(org.path, width, period)
                children = Org.objects.filter(parent=org)
                expected = {c.path: brute(c.path, period) for c in children}
                # (a holder's own records may come keyed by its own, shorter path: not a child)
                assert {p: v for p, v in got.items() if v and len(p) == width} == {
                    p: v for p, v in expected.items() if v
                }, (key, org)


@pytest.fixture
def generated():
    generate(SIZES, 11, log=lambda _line: None)
    # A rule some branches meet and some miss (the seeded monthly ones nobody meets on a few
    # random activities per org): at least one 党课 a year, instead of one a quarter.
    CadenceRule.objects.filter(kind__name="党课").update(active=False)
    rule = CadenceRule.objects.filter(kind__name="党课").first()
    CadenceRule.objects.create(
        org_kind=rule.org_kind, kind=rule.kind, cadence=Cadence.YEAR, minimum=1
    )
    return Org.objects.get(code=ROOT_CODE)


def _branches(root, n):
    return list(
        Org.objects.filter(path__startswith=root.path, depth=root.depth + 3).order_by("pk")[:n]
    )


def test_exact_after_generation_and_record_edits(generated):
    root = generated
    assert_exact()
    a, b, c = _branches(root, 3)
    # A record moved by save(), by a queryset update, and a bulk insert naming a wrong path.
    act = Activity.objects.filter(category="study").order_by("pk").first()
    act.org = a
    act.save()
    Activity.objects.filter(
        pk__in=list(Activity.objects.values_list("pk", flat=True)[5:40])
    ).update(org=b)
    problem = Problem.objects.order_by("pk").first()
    problem.unit = c
    problem.save()
    ServiceRequest.objects.filter(pk__in=ServiceRequest.objects.values("pk")[:30]).update(unit=a)
    kind = act.kind
    Activity.objects.bulk_create(
        [
            Activity(
                org=c,
                org_path="999",  # never trusted: the trigger writes the holder's path
                kind=kind,
                category=kind.category,
                topic="补录",
                date=dt.date(2025, 4, 1),
                present_count=9,
            )
            for _ in range(3)
        ]
    )
    # A row written by raw SQL that leaves the path out (another tool, a data migration).
    columns = (
        "kind_id, category, topic, date, mode, place, host, recorder, named, expected_count,"
        " present_count, minutes, youth_group_id, created_by_id, created_at, version"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO study_activity (org_id, {columns}) SELECT %s, {columns}"
            " FROM study_activity WHERE category = 'study' ORDER BY id LIMIT 1",
            [b.pk],
        )
    raw = Activity.objects.order_by("-pk").first()
    assert (raw.org_id, raw.org_path) == (b.pk, b.path)
    assert_exact()
    # Figures of activities change: person-times, kind (and with it the category), date.
    practice_kind = ActivityKind.objects.filter(category="practice").order_by("pk").first()
    ids = list(Activity.objects.filter(category="study").values_list("pk", flat=True)[:60])
    Activity.objects.filter(pk__in=ids[:20]).update(present_count=F("present_count") - 1)
    Activity.objects.filter(pk__in=ids[20:40]).update(kind=practice_kind, category="practice")
    moved = Activity.objects.get(pk=ids[40])
    moved.date = dt.date(2025, 3, 10)
    moved.present_count -= 1
    moved.save()
    assert_exact()
    # Deletes: records, then an org left without records.
    Activity.objects.filter(org=a).delete()
    Problem.objects.filter(unit=b).delete()
    ServiceRequest.objects.filter(unit=c).delete()
    assert_exact()


def test_exact_after_subtree_moves_and_stale_instances(generated):
    from zuofeng.orgs import bulk, services

    root = generated
    towns = list(Org.objects.filter(depth=root.depth + 2).order_by("pk")[:3])
    town = towns[0]
    held = Activity.objects.filter(org__path__startswith=town.path).order_by("pk").first()
    stale_instance = Activity.objects.get(pk=held.pk)  # read before the move
    services.org_move(actor=None, org=town, new_parent=towns[1])  # one level deeper
    assert_exact()
    # An old instance saved after the move writes its old path back: the triggers correct it.
    stale_instance.topic = "改了主题"
    stale_instance.save()
    assert_exact()
    # The org import's bulk move of a subtree (one UPDATE over the paths), nested: towns[1]
    # now holds towns[0].
    moved = Org.objects.get(pk=towns[1].pk)
    current = dict(Org.objects.values_list("code", "path"))
    new_path = towns[2].path + moved.path[-SEGMENT:]
    bulk._move_subtree(current, moved.path, new_path)
    Org.objects.filter(pk=moved.pk).update(parent=towns[2])
    assert Org.objects.get(pk=town.pk).path.startswith(new_path)
    assert_exact()


def test_check_finds_a_rollup_gone_stale_and_rebuild_repairs_it(generated):
    r = next(r for r in rollups.rollups() if r.source == Activity._meta.db_table)
    with connection.cursor() as cursor:
        for sql in r.drops(connection.vendor):
            cursor.execute(sql)
    Activity.objects.filter(pk__in=Activity.objects.values("pk")[:10]).delete()
    assert rollups.stale(r) > 0
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("subtree", "--check", stdout=out)
    assert f"{r.table}: 0 stale" not in out.getvalue()
    call_command("subtree", "--rebuild", stdout=io.StringIO())
    assert_exact()
    Activity.objects.filter(pk__in=Activity.objects.values("pk")[:10]).delete()  # triggers back
    assert_exact()


def test_check_finds_a_copy_gone_stale_and_rebuild_repairs_it(generated):
    c = next(c for c in subtree.copies() if c.table == Activity._meta.db_table)
    call_command("subtree", "--check", stdout=io.StringIO())
    # A copy made stale behind the triggers' back (as a restore that skips them could).
    with connection.cursor() as cursor:
        for sql in subtree._drop(connection.vendor, c):
            cursor.execute(sql)
        cursor.execute(
            f"UPDATE {c.table} SET {c.column} = '0' WHERE id IN "
            f"(SELECT id FROM {c.table} ORDER BY id LIMIT 7)"
        )
    assert subtree.stale(c) == 7
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("subtree", "--check", stdout=out)
    assert f"{c.table}.{c.column}: 7 stale" in out.getvalue()
    out = io.StringIO()
    call_command("subtree", "--rebuild", stdout=out)
    assert f"{c.table}.{c.column}: rewrote 7" in out.getvalue()
    assert_exact()
    # The triggers are back: a new move is followed again.
    act = Activity.objects.order_by("pk").last()
    act.org = Org.objects.get(code=ROOT_CODE)
    act.save()
    assert subtree.stale(c) == 0
