"""Study at scale: 1,000,000 activities over the 3,360-org demo tree (issue 4). For one quarter
at the district root: `study.sessions` by child org (one grouped query) and the coverage list
(orgs with no study activity), each measured beside the plain `SELECT count(*)` of that
quarter's rows in the same run (the floor). Target: within 5× the floor on SQLite.

    python -m bench --only study --rounds 3
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from bench.common import Result, alternate, sqlite_database

ROWS = 1_000_000
SEED = 20250401
TARGET = 5.0  # ours within 5× the floor
QUARTER = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))


def _database(folder: Path) -> None:
    sqlite_database(folder, "study")


def _populate() -> None:
    """The demo org tree and ROWS activities over 2025, written with executemany (the ORM's
    bulk_create would dominate the set-up time, not the measure). A tenth of the grassroots
    orgs hold none in the quarter, so the coverage list is not empty."""
    from django.db import connection, transaction

    from zuofeng.core.sheets import run_import
    from zuofeng.orgs import demo
    from zuofeng.orgs.models import Org
    from zuofeng.study.models import ActivityKind

    run_import("orgs", demo.district(20250601).orgs)
    rng = random.Random(SEED)
    paths = dict(Org.objects.values_list("pk", "path"))
    orgs = list(paths)
    rng.shuffle(orgs)
    idle = set(orgs[: len(orgs) // 10])
    busy = orgs[len(orgs) // 10 :]
    kinds = list(ActivityKind.objects.values_list("pk", "category"))
    start = dt.date(2025, 1, 1)
    now = "2025-12-31 00:00:00"
    sql = (
        "INSERT INTO study_activity (org_id, org_path, kind_id, category, topic, date, mode,"
        " place, host, recorder, named, expected_count, present_count, minutes, youth_group_id,"
        " created_by_id, created_at, version) VALUES (%s, %s, %s, %s, %s, %s, 'offline', '', '',"
        " '', 0, NULL, %s, '', NULL, NULL, %s, 1)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for _ in range(ROWS):
            day = start + dt.timedelta(days=rng.randrange(365))
            org = rng.choice(busy)
            if QUARTER[0] <= day <= QUARTER[1] and org in idle:
                continue
            kind, category = rng.choice(kinds)
            row = (org, paths[org], kind, category, "学习", day.isoformat(), rng.randint(3, 40))
            batch.append((*row, now))
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch.clear()
        # Top up to exactly ROWS outside the quarter.
        cursor.executemany(sql, batch)
        cursor.execute("SELECT count(*) FROM study_activity")
        missing = ROWS - cursor.fetchone()[0]
        org = rng.choice(busy)
        cursor.executemany(
            sql,
            [(org, paths[org], *kinds[0], "学习", "2025-01-15", 9, now)] * missing,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


_CONTEXT: list = []


def _context():
    """The root, the quarter and the two indicators, looked up once (the floor's constants are
    fixed too): the measure is the query, not the registry."""
    if not _CONTEXT:
        from zuofeng.core.indicators import Period, get
        from zuofeng.orgs.models import SEGMENT, Org

        root = Org.objects.get(parent__isnull=True)
        _CONTEXT.extend([root, Period(*QUARTER), get, SEGMENT])
    return _CONTEXT


def _floor() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM study_activity WHERE date >= %s AND date <= %s",
            [QUARTER[0].isoformat(), QUARTER[1].isoformat()],
        )
        _floor.rows = cursor.fetchone()[0]


def _by_child() -> None:
    root, period, get, segment = _context()
    values = get("study.sessions").by_child(root.path, len(root.path) + segment, period)
    _by_child.total = sum(values.values())


def _coverage() -> None:
    root, period, get, _segment = _context()
    _coverage.idle = len(list(get("study.orgs_without_study").records(root.path, period)))


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-study-") as tmp:
        _database(Path(tmp))
        started = time.perf_counter()
        _populate()
        print(f"  (set-up: {ROWS:,} activities in {time.perf_counter() - started:.0f} s)")
        ours, floor = alternate(_by_child, _floor, rounds)
        cov, floor2 = alternate(_coverage, _floor, rounds)
        return [
            Result(
                f"study.sessions by child, 1 quarter of {ROWS // 1000}k (s)",
                ours,
                floor,
                f"<= {TARGET:.0f}x",
                ours <= TARGET * floor,
            ),
            Result(
                f"study coverage list, {_coverage.idle} idle orgs (s)",
                cov,
                floor2,
                f"<= {TARGET:.0f}x",
                cov <= TARGET * floor2,
            ),
        ]
