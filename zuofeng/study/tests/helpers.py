"""Builders shared by the study tests."""

from __future__ import annotations

import datetime as dt

from zuofeng.orgs.models import Org, Person
from zuofeng.study.models import Activity, ActivityKind


def kind(name: str) -> ActivityKind:
    return ActivityKind.objects.get(name=name)


def person(org: Org, name: str, *, born=dt.date(1980, 1, 1), cadre="", no=None) -> Person:
    return Person.objects.create(
        name=name, org=org, birth_date=born, cadre_level=cadre, person_no=no
    )


def activity(org: Org, kind_name: str, day: dt.date, present=10, **extra) -> Activity:
    """A count-only activity written directly (tests of reads, not of the service)."""
    k = kind(kind_name)
    return Activity.objects.create(
        org=org,
        kind=k,
        category=k.category,
        topic="测试",
        date=day,
        present_count=present,
        **extra,
    )
