"""The problem ledger's sweep: warning colours by days left, breaches recorded on the timeline."""

import datetime as dt

from django.conf import settings

from zuofeng.core import loops
from zuofeng.rectify.models import Problem
from zuofeng.rectify.services import propose_notices
from zuofeng.rectify.transitions import PROBLEM_LOOP


def _breach(problem: Problem) -> None:
    loops.timeline(
        actor="sweep", obj=problem, action="overdue", note=f"已超过整改时限 {problem.deadline}"
    )


def sweep(today: dt.date) -> loops.SweepResult:
    # Registered problems have no deadline yet; the colours apply from assignment on.
    thresholds = loops.Thresholds(
        green_days=settings.WARNING_GREEN_DAYS, yellow_days=settings.WARNING_YELLOW_DAYS
    )
    result = loops.sweep(
        Problem.objects.all(),
        today=today,
        open_states=PROBLEM_LOOP.open_states,
        thresholds=thresholds,
        on_breach=_breach,
    )
    # The next escalation notice each overdue problem has earned; a person issues it.
    result.recoloured["notices proposed"] = propose_notices(today)
    return result


loops.register_sweep("problems", sweep)
