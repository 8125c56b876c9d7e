"""The project sweep: warning colours on open projects (by their due date) and on the open
milestones of open projects; breaches recorded on the project's timeline."""

import datetime as dt

from django.conf import settings

from zuofeng.core import loops
from zuofeng.projects.choices import OPEN_STATES, MilestoneState
from zuofeng.projects.models import Milestone, Project
from zuofeng.projects.transitions import PROJECT_LOOP


def _thresholds() -> loops.Thresholds:
    return loops.Thresholds(
        green_days=settings.WARNING_GREEN_DAYS, yellow_days=settings.WARNING_YELLOW_DAYS
    )


def _project_breach(project: Project) -> None:
    loops.timeline(
        actor="sweep", obj=project, action="overdue", note=f"已超过计划完成日期 {project.deadline}"
    )


def _milestone_breach(milestone: Milestone) -> None:
    loops.timeline(
        actor="sweep",
        obj=milestone.project,
        action="milestone_overdue",
        note=f"节点“{milestone.name}”已超过计划日期 {milestone.deadline}",
    )


def sweep(today: dt.date) -> loops.SweepResult:
    result = loops.sweep(
        Project.objects.all(),
        today=today,
        open_states=PROJECT_LOOP.open_states,
        thresholds=_thresholds(),
        on_breach=_project_breach,
    )
    milestones = loops.sweep(
        Milestone.objects.filter(project__state__in=list(OPEN_STATES)),
        today=today,
        open_states=[MilestoneState.OPEN],
        thresholds=_thresholds(),
        on_breach=_milestone_breach,
    )
    # Milestones of a closed or stopped project carry no colour.
    cleared = (
        Milestone.objects.exclude(project__state__in=list(OPEN_STATES))
        .exclude(warning="")
        .update(warning="")
    )
    for colour, n in milestones.recoloured.items():
        result.recoloured[f"milestones {colour}"] = n
    result.recoloured["milestones cleared"] = cleared
    result.breached.extend(milestones.breached)
    return result


loops.register_sweep("projects", sweep)
