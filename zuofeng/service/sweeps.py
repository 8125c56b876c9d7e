"""The request loop's sweep: warning colours by days left, breaches on the timeline."""

import datetime as dt

from zuofeng.core import loops
from zuofeng.service.models import ServiceRequest
from zuofeng.service.transitions import REQUEST_LOOP

# Requests are due in days, not months: red past the deadline, yellow on its last day or
# the day before, green when at most 3 calendar days remain.
THRESHOLDS = loops.Thresholds(green_days=3, yellow_days=1)


def _breach(r: ServiceRequest) -> None:
    loops.timeline(actor="sweep", obj=r, action="overdue", note=f"已超过办理时限 {r.deadline}")


def sweep(today: dt.date) -> loops.SweepResult:
    return loops.sweep(
        ServiceRequest.objects.all(),
        today=today,
        open_states=REQUEST_LOOP.open_states,
        thresholds=THRESHOLDS,
        on_breach=_breach,
    )


loops.register_sweep("service_requests", sweep)
