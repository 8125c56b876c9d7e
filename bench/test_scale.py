"""The scale generator is deterministic: same seed and sizes → the same counts and rows; another
seed → other rows. Rows are compared by content (org codes, not surrogate ids)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import transaction

from bench.scale import ROOT_CODE, Sizes, generate

SIZES = Sizes(orgs=60, people=300, activities=500, problems=120, requests=200)


def _digest() -> str:
    from zuofeng.orgs.models import Org, Person
    from zuofeng.rectify.models import Problem
    from zuofeng.service.models import ServiceRequest
    from zuofeng.study.models import Activity

    tables = [
        Org.objects.values_list("code", "name", "parent__code", "depth", "kind__code"),
        Person.objects.values_list("name", "gender", "birth_date", "org__code"),
        Activity.objects.values_list("org__code", "kind__name", "category", "date", "mode"),
        Problem.objects.values_list(
            "number", "unit__code", "found_date", "state", "deadline", "closed_date"
        ),
        ServiceRequest.objects.values_list(
            "number",
            "tracking_code",
            "unit__code",
            "front_desk__code",
            "enterprise__credit_code",
            "contact_phone_hash",
            "state",
            "submitted_date",
            "resolved_date",
        ),
    ]
    h = hashlib.sha256()
    for qs in tables:
        for row in sorted(map(repr, qs)):
            h.update(row.encode())
    return h.hexdigest()


def _run(seed: int) -> tuple[dict[str, int], str]:
    with transaction.atomic():
        done = generate(SIZES, seed, log=lambda _line: None)
        counts = {name: rows for name, (rows, _seconds) in done.items() if name != "analyze"}
        digest = _digest()
        transaction.set_rollback(True)
    return counts, digest


@pytest.mark.django_db
def test_same_seed_same_counts_and_rows():
    first = _run(3)
    second = _run(3)
    assert first == second
    assert first[0] == {
        "orgs": 60,
        "people": 300,
        "activities": 500,
        "problems": 120,
        "requests": 200,
    }
    assert _run(4)[1] != first[1]


@pytest.mark.django_db
def test_generated_rows_are_ones_the_application_reads():
    """Paths as the org services compute them, and the indicators count the generated rows."""
    from zuofeng.core.indicators import Period
    from zuofeng.dashboard.selectors import by_child, figures
    from zuofeng.orgs.models import SEGMENT, Org
    from zuofeng.rectify.models import Problem
    from zuofeng.service.models import ServiceRequest

    generate(SIZES, 5, log=lambda _line: None)
    root = Org.objects.get(code=ROOT_CODE)
    for org in Org.objects.filter(path__startswith=root.path).select_related("parent"):
        parent_path = org.parent.path if org.parent_id else ""
        assert org.path == parent_path + f"{org.pk:0{SEGMENT}d}"
        assert org.depth == len(org.path) // SEGMENT - 1
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    found, received = figures(root, year, ["rectify.problems_found", "service.requests_received"])
    assert found.value == Problem.objects.count() == SIZES.problems
    assert received.value == ServiceRequest.objects.count() == SIZES.requests
    assert sum(v for _child, v in by_child(root, "rectify.problems_found", year)) == SIZES.problems
    citizen = ServiceRequest.objects.filter(kind="citizen").first()
    assert citizen.contact_phone.startswith("1380000")
    with pytest.raises(SystemExit):
        generate(SIZES, 5, log=lambda _line: None)  # into a database that already has it


@pytest.mark.django_db
def test_the_writer_keeps_awkward_text_and_nulls():
    """Tabs, newlines and backslashes survive COPY's text format (and executemany); None is
    NULL, booleans are booleans."""
    from bench.scale import Writer
    from zuofeng.orgs.models import Org, OrgKind

    kind = OrgKind.objects.get(code="branch")
    name = "a\tb\\c\nd\re \\N"
    Writer(Org, ["code", "name", "kind", "parent", "path", "depth", "active"], bulk=False).write(
        [("AWK1", name, kind.pk, None, "999999999", 0, False)]
    )
    org = Org.objects.get(code="AWK1")
    assert (org.name, org.parent_id, org.active, org.version) == (name, None, False, 1)
