"""The project loop as data: 立项 → 实施中 → 已完成 → 已验收, with 延期 (a new due date and a
reason, the state unchanged), 验收退回 and 中止 (a reason)."""

from django.utils.translation import gettext_lazy as _

from zuofeng.core.loops import Loop, Transition
from zuofeng.projects.choices import OPEN_STATES
from zuofeng.projects.choices import ProjectState as S
from zuofeng.projects.permissions import UNIT_ROLES, VERIFY_ROLES

TRANSITIONS = (
    # The owner unit starts the work and reports it complete (every milestone done).
    Transition("start", frozenset({S.APPROVED}), S.IN_PROGRESS, UNIT_ROLES, _("开始实施")),
    Transition("complete", frozenset({S.IN_PROGRESS}), S.COMPLETED, UNIT_ROLES, _("报告完成")),
    # The lead office — never the owner unit itself — accepts the result or sends it back.
    Transition("accept", frozenset({S.COMPLETED}), S.ACCEPTED, VERIFY_ROLES, _("验收")),
    Transition(
        "return",
        frozenset({S.COMPLETED}),
        S.IN_PROGRESS,
        VERIFY_ROLES,
        _("验收退回"),
        requires=("reason",),
    ),
    # 延期 keeps the state: one transition per state so the engine's table stays exact.
    Transition(
        "extend",
        frozenset({S.APPROVED}),
        S.APPROVED,
        VERIFY_ROLES,
        _("延期"),
        requires=("due_date", "reason"),
    ),
    Transition(
        "extend",
        frozenset({S.IN_PROGRESS}),
        S.IN_PROGRESS,
        VERIFY_ROLES,
        _("延期"),
        requires=("due_date", "reason"),
    ),
    Transition(
        "stop",
        frozenset({S.APPROVED, S.IN_PROGRESS}),
        S.STOPPED,
        VERIFY_ROLES,
        _("中止"),
        requires=("reason",),
    ),
)

PROJECT_LOOP = Loop(
    name="project",
    state_labels={s.value: str(s.label) for s in S},
    transitions=TRANSITIONS,
    open_states=frozenset(OPEN_STATES),
)
