"""One-stop approvals at scale: `approvals.days_saved` for one department over 40,000 cases
(160,000 steps) — the registered indicator (SQL over the cycle times the service stores on each
case) beside recomputing every case's critical path from its steps in Python with the work
calendar, over the same rows in the same run. Both must give the same number.

    python -m bench --only projects --rounds 3
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path

from bench.common import Result, alternate, sqlite_database

CASES = 40_000
SEED = 20250930
TARGET = 10.0  # the indicator at least ten times faster than recomputing
PERIOD = (dt.date(2025, 3, 1), dt.date(2025, 9, 30))


def _database(folder: Path) -> None:
    sqlite_database(folder, "projects")


def _populate() -> None:
    from zuofeng.core.calendar import WorkCalendar
    from zuofeng.orgs import services as org_services
    from zuofeng.orgs.models import OrgKind
    from zuofeng.projects.approvals import case_figures
    from zuofeng.projects.models import ApprovalCase, ApprovalStep, Matter

    rng = random.Random(SEED)
    cal = WorkCalendar()
    root = org_services.org_create(
        actor=None,
        code="SY",
        name="区委",
        kind=OrgKind.objects.get(code="district_committee"),
        parent=None,
    )
    depts = [
        org_services.org_create(
            actor=None,
            code=f"D{i:02d}",
            name=f"部门{i}",
            kind=OrgKind.objects.get(code="department"),
            parent=root,
        )
        for i in range(1, 11)
    ]
    matter = Matter.objects.create(name="开工一件事", owner=depts[0])
    cases, steps = [], []
    for n in range(CASES):
        case = ApprovalCase(
            number=f"K{n:06d}",
            matter=matter,
            applicant="某公司",
            submitted_date=dt.date(2025, 1, 2) + dt.timedelta(days=rng.randint(0, 300)),
        )
        cursor, group_end, rows = case.submitted_date, None, []
        a, b = rng.sample(depts, 2)
        plan = [(a, None, rng.randint(1, 5)), (b, 1, rng.randint(2, 12))]
        plan += [(rng.choice(depts), 1, rng.randint(2, 12)), (a, None, rng.randint(1, 4))]
        for dept, group, days in plan:
            if group is None:  # a serial step starts when the previous group has ended
                start, group_end = group_end or cursor, None
            else:
                start = cursor
            end = cal.add_workdays(start, days)
            rows.append(
                ApprovalStep(
                    case=case,
                    name="环节",
                    department=dept,
                    parallel_group=group,
                    start_date=start,
                    end_date=end,
                    statutory_days=days * 3,
                )
            )
            if group is None:
                cursor = end
            else:
                group_end = max(group_end or end, end)
        figures = case_figures(rows, cal)
        for key, value in figures.items():
            setattr(case, key, value)
        case.state, case.finished_date = "closed", max(s.end_date for s in rows)
        cases.append(case)
        steps.extend(rows)
    ApprovalCase.objects.bulk_create(cases, batch_size=5000)
    ApprovalStep.objects.bulk_create(steps, batch_size=5000)
    _populate.scope = depts[3].path


def _indicator() -> None:
    from zuofeng.core.indicators import Period, get

    _indicator.value = get("approvals.days_saved").value(_populate.scope, Period(*PERIOD))


def _recompute() -> None:
    """Without stored cycle times: read every step of the cases finished in the period that
    passed through the department, and compute each critical path with the calendar."""
    from zuofeng.core.calendar import WorkCalendar
    from zuofeng.projects.approvals import Span, critical_path
    from zuofeng.projects.models import ApprovalStep

    cal = WorkCalendar()
    low = _populate.scope
    high = f"{int(low) + 1:0{len(low)}d}"
    served = ApprovalStep.objects.filter(
        department__path__gte=low, department__path__lt=high
    ).values("case_id")
    rows = (
        ApprovalStep.objects.filter(case_id__in=served)
        .values_list("case_id", "parallel_group", "start_date", "end_date", "statutory_days")
        .order_by("case_id")
    )
    by_case: dict[int, list] = {}
    for case_id, group, start, end, statute in rows.iterator(chunk_size=5000):
        by_case.setdefault(case_id, []).append((group, start, end, statute))
    saved = 0
    for steps in by_case.values():
        finished = max(s[2] for s in steps)
        if not PERIOD[0] <= finished <= PERIOD[1]:
            continue
        actual = critical_path(Span(g, cal.workdays_between(s, e)) for g, s, e, _t in steps)
        saved += sum(s[3] for s in steps) - actual
    _recompute.value = saved


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-projects-") as tmp:
        _database(Path(tmp))
        _populate()
        ours, baseline = alternate(_indicator, _recompute, rounds)
        assert _indicator.value == _recompute.value, (_indicator.value, _recompute.value)
        return [
            Result(
                f"approvals.days_saved, 1 of 10 depts, {CASES // 1000}k cases, s",
                ours,
                baseline,
                f"<= {1 / TARGET:.1f}x",
                ours * TARGET <= baseline,
            )
        ]
