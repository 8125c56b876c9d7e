"""Whole-file writes (zuofeng.core.bulk) and inserting with the holder's path supplied
(zuofeng.core.subtree.inserting), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from zuofeng.core import bulk, subtree
from zuofeng.core.models import TimelineEvent
from zuofeng.orgs.models import Org
from zuofeng.rectify.models import Problem, ProblemSource


def _trigger_installed() -> bool:
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name = %s",
            ["zf_rectify_problem_unit_path_insert"],
        )
        return cursor.fetchone()[0] == 1


def _problem_rows(district, n, *, path=None, start=1):
    source = ProblemSource.objects.first() or ProblemSource.objects.create(name="来源")
    for i in range(start, start + n):
        unit = district.v1 if i % 2 else district.town2
        yield (
            f"BK-{i:05d}",
            "描述",
            source.pk,
            dt.date(2025, 3, i % 28 + 1),
            unit.pk,
            path or unit.path,
        )


NAMES = ("number", "description", "source", "found_date", "unit", "unit_path")


def test_insert_many_fills_defaults_adapts_dates_and_batches(district, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 3)  # 7 rows: three executemany calls
    before = timezone.now()
    with transaction.atomic():
        written = bulk.insert_many(Problem, NAMES, _problem_rows(district, 7))
    assert written == 7
    got = list(Problem.objects.order_by("number"))
    assert [p.number for p in got] == [f"BK-{i:05d}" for i in range(1, 8)]
    first = got[0]
    # Fields not named get the model's defaults; auto_now stamps one "now" for the file.
    assert (first.version, first.warning, first.state, first.notice_level) == (
        1,
        "",
        "registered",
        0,
    )
    assert first.created_at >= before and first.created_at == first.updated_at
    assert first.found_date == dt.date(2025, 3, 2)
    assert first.unit_path == district.v1.path


def test_insert_many_takes_json_and_nothing(district):
    now = timezone.now()
    names = ("object_type", "object_id", "at", "action", "data")
    rows = [("rectify.problem", "1", now, "imported", {"k": "值"})]
    assert bulk.insert_many(TimelineEvent, names, rows) == 1
    assert bulk.insert_many(TimelineEvent, names, iter(())) == 0
    event = TimelineEvent.objects.get()
    assert (event.data, event.at, event.note) == ({"k": "值"}, now, "")


def test_among_passes_many_keys_as_one_parameter(district):
    codes = [f"NOPE-{i}" for i in range(40_000)] + [district.v1.code]
    # 40,001 keys: more than SQLite's default limit of 32,766 parameters in one statement.
    assert list(Org.objects.filter(code__in=bulk.among(codes)).values_list("pk", flat=True)) == [
        district.v1.pk
    ]
    ids = [district.town2.pk, 10**12]
    assert list(Org.objects.filter(pk__in=bulk.among(ids)).values_list("code", flat=True)) == [
        district.town2.code
    ]
    assert not Org.objects.filter(code__in=bulk.among([])).exists()


def test_inserting_keeps_the_copy_exact_whatever_the_rows_name(district):
    with transaction.atomic():
        with subtree.inserting(Problem):
            bulk.insert_many(Problem, NAMES, _problem_rows(district, 4, path="999"))
        assert _trigger_installed()
    assert set(Problem.objects.values_list("unit_path", "unit__path")) == {
        (district.v1.path, district.v1.path),
        (district.town2.path, district.town2.path),
    }
    # The trigger is back: a later plain insert naming a wrong path is corrected by it.
    with transaction.atomic():
        bulk.insert_many(Problem, NAMES, _problem_rows(district, 1, path="999", start=50))
    assert Problem.objects.get(number="BK-00050").unit_path == district.town2.path


def test_inserting_rolls_back_with_its_transaction(district):
    with pytest.raises(ZeroDivisionError), transaction.atomic(), subtree.inserting(Problem):
        bulk.insert_many(Problem, NAMES, _problem_rows(district, 2))
        1 / 0
    assert not Problem.objects.exists()
    assert _trigger_installed()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_inserting_needs_the_writing_transaction():
    with pytest.raises(RuntimeError, match="transaction"), subtree.inserting(Problem):
        pass
