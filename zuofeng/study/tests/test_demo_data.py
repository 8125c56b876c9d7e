"""The demo reproduces the study figures of the report's second and fourth paragraphs."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from zuofeng.core.indicators import Period, get
from zuofeng.orgs import demo as district
from zuofeng.orgs.models import Org
from zuofeng.study import demo_data, selectors
from zuofeng.study.models import Activity, Delivery, Learner

P = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """The demo district and the study builder, once for the module, inside a transaction
    rolled back afterwards (so the seeded catalogues of the test database stay)."""
    from django.db import transaction

    from zuofeng.orgs.management.commands.demo import Command

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            Command(stdout=io.StringIO())._build(district.DEFAULT_SEED)
            first = demo_data._build()
            rows = list(Activity.objects.order_by("pk").values_list("org_id", "kind_id", "date"))
            yield first, rows
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def v(key, **filters):
    return get(key).value(Org.objects.get(code="SY").path, P, filters)


@pytest.mark.django_db
def test_report_figures(demo_db):
    assert 3500 <= v("study.sessions") <= 3599
    assert v("study.sessions") == demo_data.SESSIONS
    assert v("study.youth_activities") == 66
    assert v("study.youth_person_times") >= 3500
    assert v("practice.activities", kind="邻里文化活动") >= 250
    # Plausible for the dashboard: idle orgs, cadence met by some and missed by others,
    # channel items listened to.
    assert v("study.orgs_without_study") > 0
    assert 0 < v("study.cadence_compliance_rate") < 1
    assert v("study.channel_items") == 16
    assert 0 < v("study.channel_completion_rate") < 1
    orgs, months, counts = selectors.coverage_matrix(Org.objects.get(code="SY"), P)
    assert len(orgs) == 89 and len(months) == 7
    assert (
        sum(map(sum, counts))
        == v("study.sessions")
        - Activity.objects.filter(
            org__code="SY", kind__category="study", date__gte=P.start, date__lte=P.end
        ).count()
    )
    assert all(sum(col) > 0 for col in zip(*counts, strict=True))  # every month has activity


@pytest.mark.django_db
def test_demo_branch_sees_its_records(demo_db):
    branch = Org.objects.get(code=district.CHENJIAAO)
    acts = Activity.objects.filter(org=branch)
    assert acts.count() == 9 and all(a.named for a in acts)
    assert all(a.present_count == a.attendance.filter(present=True).count() for a in acts)
    person = Learner.objects.get(username="demo_branch").person
    assert person.org_id == branch.pk
    assert Delivery.objects.filter(person=person).count() == 16


@pytest.mark.django_db
def test_demo_is_deterministic(demo_db):
    from zuofeng.orgs.models import Person

    first, rows = demo_db
    Activity.objects.all().delete()
    for model in ("Delivery", "ChannelItem", "YouthMember", "YouthGroup", "Learner"):
        from django.apps import apps

        apps.get_model("study", model).objects.all().delete()
    assert demo_data._build() == first
    again = list(Activity.objects.order_by("pk").values_list("org_id", "kind_id", "date"))
    assert again == rows
    assert Person.objects.exists()
