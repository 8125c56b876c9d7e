"""Leader-led rectification projects (区领导领衔整治项目): grouping problems under a leader."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.rectify.choices import ProblemState
from zuofeng.rectify.models import Campaign, LeaderProject, Problem
from zuofeng.rectify.permissions import PROBLEM_VIEW
from zuofeng.rectify.services import authorize_verify


@transaction.atomic
def project_create(
    *,
    actor,
    title: str,
    leader: str,
    owner: Org,
    started_on: dt.date,
    problems: list[Problem],
    units: list[Org] | None = None,
    due_on: dt.date | None = None,
    campaign: Campaign | None = None,
) -> LeaderProject:
    """Set up a leader-led project grouping problems of the owner's subtree."""
    authorize_verify(actor, owner)
    outside = [p.number for p in problems if not p.unit.path.startswith(owner.path)]
    if outside:
        raise ValidationError(
            {"problems": _("以下问题不属于牵头单位的范围：%(n)s") % {"n": "、".join(outside)}}
        )
    project = LeaderProject(
        title=(title or "").strip(),
        leader=(leader or "").strip(),
        owner=owner,
        started_on=started_on,
        due_on=due_on,
        campaign=campaign,
    )
    project.full_clean()
    project.save()
    project.problems.set(problems)
    project.units.set(units or [])
    audit.record(
        actor=actor if actor is not None else "cli",
        action="leader_project.create",
        obj=project,
        org_path=owner.path,
        after={
            "title": project.title,
            "leader": project.leader,
            "problems": sorted(p.number for p in problems),
        },
    )
    return project


def projects_visible_to(user) -> QuerySet[LeaderProject]:
    """Projects owned within the user's view, each with its problem counts (one query)."""
    return (
        LeaderProject.objects.filter(subtrees_q(scope.paths_for(user, PROBLEM_VIEW), "owner__path"))
        .select_related("owner", "campaign")
        .annotate(
            total=Count("problems", distinct=True),
            closed=Count("problems", filter=Q(problems__state=ProblemState.CLOSED), distinct=True),
        )
    )
