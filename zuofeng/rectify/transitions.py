"""The problem loop as data: 登记 → 交办 → 整改中 → 申请销号 → 已销号, with 退回 and 长期整改."""

from django.utils.translation import gettext_lazy as _

from zuofeng.core.loops import Loop, Transition
from zuofeng.rectify.choices import ProblemState as S
from zuofeng.rectify.permissions import UNIT_ROLES, VERIFY_ROLES

TRANSITIONS = (
    # The lead office or an inspector assigns: unit, responsible person, deadline.
    Transition("assign", frozenset({S.REGISTERED}), S.ASSIGNED, VERIFY_ROLES, _("交办")),
    # The responsible unit signs for it and starts rectifying.
    Transition("sign", frozenset({S.ASSIGNED}), S.RECTIFYING, UNIT_ROLES, _("签收")),
    # The unit submits its result with at least one piece of evidence (checked in the effect).
    Transition(
        "submit",
        frozenset({S.RECTIFYING, S.LONG_TERM}),
        S.SUBMITTED,
        UNIT_ROLES,
        _("申请销号"),
        requires=("result",),
    ),
    # A verifier — never the responsible unit itself — closes it out, returns it, or keeps it
    # as a standing measure with a review date.
    Transition("close", frozenset({S.SUBMITTED}), S.CLOSED, VERIFY_ROLES, _("销号")),
    Transition(
        "return",
        frozenset({S.SUBMITTED}),
        S.RECTIFYING,
        VERIFY_ROLES,
        _("退回"),
        requires=("reason",),
    ),
    Transition(
        "long_term",
        frozenset({S.SUBMITTED}),
        S.LONG_TERM,
        VERIFY_ROLES,
        _("转长期整改"),
        requires=("review_date",),
    ),
)

PROBLEM_LOOP = Loop(
    name="problem",
    state_labels={s.value: str(s.label) for s in S},
    transitions=TRANSITIONS,
    open_states=frozenset({S.REGISTERED, S.ASSIGNED, S.RECTIFYING, S.SUBMITTED}),
)
