"""Fixtures of the projects tests: the small district with the lead office and unit users."""

from __future__ import annotations

import datetime as dt

import pytest

from zuofeng.projects.models import ProjectKind


@pytest.fixture
def kinds(db):
    return {k.name: k for k in ProjectKind.objects.all()}


@pytest.fixture
def users(district, make_user):
    d = district
    return {
        "lead": make_user("lead", ("lead_office", d.root)),
        "unit": make_user("unit", ("unit_admin", d.town)),
        "other": make_user("other", ("unit_admin", d.town2)),
        "leader": make_user("leader", ("leader", d.root)),
        "norole": make_user("norole"),
    }


D = dt.date
