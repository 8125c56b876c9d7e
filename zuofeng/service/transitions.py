"""The request loop as data: 已提交 → 已受理 → 已交办 → 已签收 → 办理中 → 已办结 → 已评价 →
已关闭, with 退回, 延期 (asked, then approved), 重办 (once, after 不满意) and 督办 (when late).

`WHERE` says at which org the actor's role is checked: the front desk's or the lead unit's.
"""

from django.utils.translation import gettext_lazy as _

from zuofeng.core.loops import Loop, Transition
from zuofeng.service.choices import OPEN_STATES
from zuofeng.service.choices import RequestState as S
from zuofeng.service.permissions import (
    HANDLE_ROLES,
    RATE_ROLES,
    ROUTE_ROLES,
    SUPERVISE_ROLES,
)

WORKING = frozenset({S.SIGNED, S.HANDLING})
LATE_STATES = frozenset({S.ASSIGNED, S.SIGNED, S.HANDLING})


def _stay(action, states, roles, label, requires) -> list[Transition]:
    """An action that keeps the state: one transition per source state."""
    return [
        Transition(action, frozenset({s}), s, roles, label, requires=requires)
        for s in sorted(states)
    ]


TRANSITIONS = (
    Transition("accept", frozenset({S.SUBMITTED}), S.ACCEPTED, ROUTE_ROLES, _("受理")),
    Transition(
        "assign", frozenset({S.ACCEPTED}), S.ASSIGNED, ROUTE_ROLES, _("交办"), requires=("unit",)
    ),
    Transition("sign", frozenset({S.ASSIGNED}), S.SIGNED, HANDLE_ROLES, _("签收")),
    # Not our duty: back to the front desk with a reason, within the return limit.
    Transition(
        "return", frozenset({S.ASSIGNED}), S.ACCEPTED, HANDLE_ROLES, _("退回"), requires=("reason",)
    ),
    Transition("start", frozenset({S.SIGNED}), S.HANDLING, HANDLE_ROLES, _("开始办理")),
    # Extension: asked by the lead unit before the deadline, approved by the front desk.
    *_stay("extend", WORKING, HANDLE_ROLES, _("申请延期"), ("days", "reason")),
    *_stay("approve_extension", WORKING, ROUTE_ROLES, _("批准延期"), ()),
    Transition(
        "resolve",
        WORKING,
        S.RESOLVED,
        HANDLE_ROLES,
        _("办结"),
        requires=("resolution",),
    ),
    Transition(
        "rate",
        frozenset({S.RESOLVED}),
        S.RATED,
        RATE_ROLES,
        _("评价"),
        requires=("satisfaction",),
    ),
    Transition(
        "redo", frozenset({S.RATED}), S.HANDLING, ROUTE_ROLES, _("重办"), requires=("reason",)
    ),
    Transition("close", frozenset({S.RESOLVED, S.RATED}), S.CLOSED, ROUTE_ROLES, _("关闭")),
    # 督办 when late (checked in the effect): the state stays, the record counts it.
    *_stay("supervise", LATE_STATES, SUPERVISE_ROLES, _("督办"), ("note",)),
)

REQUEST_LOOP = Loop(
    name="service_request",
    state_labels={s.value: str(s.label) for s in S},
    transitions=TRANSITIONS,
    open_states=OPEN_STATES,
)

# The org whose subtree the actor's role must reach, per action.
WHERE = {
    "accept": "front_desk",
    "assign": "front_desk",
    "approve_extension": "front_desk",
    "redo": "front_desk",
    "close": "front_desk",
    "supervise": "unit",
    "sign": "unit",
    "return": "unit",
    "start": "unit",
    "extend": "unit",
    "resolve": "unit",
    "rate": "unit",
}
