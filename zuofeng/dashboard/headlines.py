"""The headline indicators of the dashboard and the default briefing, in the order of the
source report: learning → self-examination and rectification → serving the centre → people's
livelihood. A key whose module is not installed is left out, never shown as zero."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _l

from zuofeng.core import indicators as reg


@dataclass(frozen=True)
class Section:
    title: str
    keys: tuple[str, ...]


SECTIONS = (
    Section(
        _l("学习教育"),
        (
            "study.sessions",
            "study.person_times",
            "study.coverage_rate",
            "study.cadence_compliance_rate",
            "study.youth_activities",
            "practice.activities",
        ),
    ),
    Section(
        _l("查摆整改"),
        (
            "rectify.problems_found",
            "rectify.problems_closed",
            "rectify.closure_rate",
            "rectify.on_time_rate",
            "rectify.problems_overdue",
            "rectify.inspections",
        ),
    ),
    Section(
        _l("服务中心大局"),
        (
            "service.requests_received",
            "service.requests_resolved",
            "service.on_time_rate",
            "service.satisfaction_rate",
            "service.funds_delivered",
            "service.visits",
        ),
    ),
    Section(
        _l("为民办实事"),
        (
            "projects.started",
            "projects.completed",
            "projects.on_time_rate",
            "programmes.enrolments",
            "approvals.cases",
            "approvals.cycle_reduction_rate",
        ),
    ),
)

# Figures where less is better: a rise is shown in red.
LOWER_IS_BETTER = frozenset({"rectify.problems_overdue", "rectify.problems_open"})

# Monthly trend lines on the dashboard.
TREND = ("study.sessions", "rectify.problems_found", "service.requests_received")


def sections() -> list[tuple[Section, list[str]]]:
    registry = reg.registry()
    out = []
    for section in SECTIONS:
        keys = [k for k in section.keys if k in registry]
        if keys:
            out.append((section, keys))
    return out


def keys() -> list[str]:
    return [k for _section, ks in sections() for k in ks]


def trend_keys() -> list[str]:
    registry = reg.registry()
    return [k for k in TREND if k in registry]
