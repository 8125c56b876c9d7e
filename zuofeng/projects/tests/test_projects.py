"""Projects: creation rules, milestones and progress roll-up, the loop table, the sweep."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from zuofeng.core.loops import TransitionNotAllowed
from zuofeng.core.models import AuditEntry, TimelineEvent
from zuofeng.projects import selectors, services
from zuofeng.projects.choices import ProjectState as S
from zuofeng.projects.models import Milestone, Project
from zuofeng.projects.sweeps import sweep
from zuofeng.projects.transitions import PROJECT_LOOP

D = dt.date


def _project(kinds, owner, **kw):
    defaults = dict(
        actor=None,
        kind=kinds["民生实事项目"],
        title="村道硬化",
        owner=owner,
        start_date=D(2025, 3, 1),
        due_date=D(2025, 9, 30),
    )
    defaults.update(kw)
    return services.project_create(**defaults)


def test_create_writes_timeline_and_audit(district, kinds, users):
    p = _project(kinds, district.town, actor=users["unit"], village=district.v1)
    assert (p.state, p.deadline, p.number[:8]) == ("approved", D(2025, 9, 30), "XM-2025-")
    assert AuditEntry.objects.filter(action="project.create", object_id=str(p.pk)).count() == 1
    assert TimelineEvent.objects.filter(object_id=str(p.pk), action="create").count() == 1


def test_bad_input_writes_nothing(district, kinds, users):
    with pytest.raises(ValidationError) as e:
        _project(kinds, district.town, due_date=D(2025, 2, 1))
    assert "计划完成日期不能早于开始日期" in str(e.value)
    with pytest.raises(Http404):
        _project(kinds, district.town2, actor=users["unit"])
    with pytest.raises(PermissionDenied):
        _project(kinds, district.town, actor=users["leader"])
    p = _project(kinds, district.town)
    with pytest.raises(ValidationError) as e:
        services.milestone_add(actor=None, project=p, name="x", deadline=D(2025, 4, 1), weight=0)
    assert "权重须为正整数" in str(e.value)
    assert Project.objects.count() == 1 and Milestone.objects.count() == 0


def test_progress_is_the_weighted_share_and_rolls_up(district, kinds):
    parent = _project(kinds, district.root, title="总项目")
    a = _project(kinds, district.town, title="A", parent=parent)
    b = _project(kinds, district.town2, title="B", parent=parent)
    m1 = services.milestone_add(
        actor=None, project=a, name="设计", deadline=D(2025, 4, 1), weight=1
    )
    services.milestone_add(actor=None, project=a, name="施工", deadline=D(2025, 6, 1), weight=3)
    services.milestone_done(actor=None, milestone=m1, done_date=D(2025, 3, 20))
    mb = services.milestone_add(
        actor=None, project=b, name="全部", deadline=D(2025, 5, 1), weight=2
    )
    services.milestone_done(actor=None, milestone=mb, done_date=D(2025, 4, 20))
    progress = selectors.progress_map([parent.pk, a.pk, b.pk])
    assert progress == {parent.pk: 0.625, a.pk: 0.25, b.pk: 1.0}
    # The parent's own milestone is one more part beside its two children.
    services.milestone_add(actor=None, project=parent, name="验收", deadline=D(2025, 9, 1))
    assert selectors.progress_map([parent.pk])[parent.pk] == round((0 + 0.25 + 1.0) / 3, 4)


def _users_for(action, users):
    return users["unit"] if action in ("start", "complete") else users["lead"]


DATA = {
    "extend": {"due_date": D(2026, 12, 31), "reason": "征地延后"},
    "return": {"reason": "资料不全"},
    "stop": {"reason": "规划调整"},
    "complete": {"completed_date": None},
}


def _in_state(kinds, district, state):
    p = _project(kinds, district.town)
    Project.objects.filter(pk=p.pk).update(
        state=state,
        completed_date=D(2025, 9, 1) if state in (S.COMPLETED, S.ACCEPTED) else None,
    )
    return Project.objects.get(pk=p.pk)


@pytest.mark.parametrize(
    "state,action", list(itertools.product(S.values, sorted(PROJECT_LOOP.actions)))
)
def test_loop_table(district, kinds, users, state, action):
    """Every (state, action) pair: allowed ones reach their target, the others change nothing."""
    p = _in_state(kinds, district, state)
    t = PROJECT_LOOP.transition(state, action)
    data = {k: v for k, v in DATA.get(action, {}).items() if v is not None}
    if t is None:
        with pytest.raises(TransitionNotAllowed):
            services.project_transition(
                actor=_users_for(action, users), project=p, action=action, **data
            )
        assert Project.objects.get(pk=p.pk).state == state
        return
    done = services.project_transition(
        actor=_users_for(action, users), project=p, action=action, **data
    )
    assert done.state == t.target
    assert TimelineEvent.objects.filter(object_id=str(p.pk), action=action).count() == 1
    assert AuditEntry.objects.filter(action=f"project.{action}").count() == 1


def test_owner_unit_cannot_accept_or_extend_its_own(district, kinds, users):
    p = _in_state(kinds, district, S.COMPLETED)
    with pytest.raises(PermissionDenied):
        services.project_transition(actor=users["unit"], project=p, action="accept")
    with pytest.raises(Http404):
        services.project_transition(actor=users["other"], project=p, action="accept")
    assert Project.objects.get(pk=p.pk).state == S.COMPLETED


def test_complete_needs_every_milestone_and_extend_a_later_date(district, kinds, users):
    p = _project(kinds, district.town)
    services.milestone_add(actor=None, project=p, name="施工", deadline=D(2025, 6, 1))
    services.project_transition(actor=users["unit"], project=p, action="start")
    with pytest.raises(ValidationError) as e:
        services.project_transition(actor=users["unit"], project=p, action="complete")
    assert "尚有未完成的节点" in str(e.value)
    with pytest.raises(ValidationError) as e:
        services.project_transition(
            actor=users["lead"], project=p, action="extend", due_date=D(2025, 9, 1), reason="x"
        )
    assert "须晚于原完成日期" in str(e.value)
    p = services.project_transition(
        actor=users["lead"], project=p, action="extend", due_date=D(2025, 12, 31), reason="雨季"
    )
    assert (p.state, p.deadline, p.original_due, p.extensions) == (
        S.IN_PROGRESS,
        D(2025, 12, 31),
        D(2025, 9, 30),
        1,
    )


def test_sweep_colours_projects_and_milestones_once(district, kinds):
    today = timezone.localdate()
    late = _project(
        kinds,
        district.town,
        start_date=today - dt.timedelta(days=100),
        due_date=today - dt.timedelta(days=3),
    )
    soon = _project(
        kinds,
        district.town,
        start_date=today - dt.timedelta(days=10),
        due_date=today + dt.timedelta(days=5),
    )
    m = services.milestone_add(
        actor=None, project=soon, name="招标", deadline=today - dt.timedelta(days=1)
    )
    first = sweep(today)
    assert sorted(first.breached) == sorted([late.pk, m.pk])
    assert Project.objects.get(pk=late.pk).warning == "red"
    assert Project.objects.get(pk=soon.pk).warning == "yellow"
    assert Milestone.objects.get(pk=m.pk).warning == "red"
    second = sweep(today)
    assert second.breached == [] and not any(second.recoloured.values())
    assert TimelineEvent.objects.filter(action="milestone_overdue").count() == 1
