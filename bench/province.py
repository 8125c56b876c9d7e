"""`make bench-province`: generate a province-shaped dataset on PostgreSQL (bench/scale.py), then
time the headline indicators — one per module — for the root, a district (level 1), a town
(level 2) and a branch, each beside the bare `SELECT count(*)` over the same period's rows in
the same subtree (the floor), alternately, several rounds.

    make bench-province
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zuofeng_province \
        PROVINCE_ORGS=200000 PROVINCE_PEOPLE=4500000 PROVINCE_ACTIVITIES=10000000 \
        PROVINCE_PROBLEMS=1000000 PROVINCE_REQUESTS=2000000 python -m bench.province

Sizes come from PROVINCE_* (default: a tenth of a province, which generates in a few minutes
on this 2-core machine); PROVINCE_SEED (7), PROVINCE_ROUNDS (5). The database is dropped and
created again — only if it is empty or was made by this benchmark — unless PROVINCE_REUSE=1
and it already holds a generated dataset. Prints one line per measure (`name ours_median
baseline_median ratio target PASS|FAIL`, milliseconds), writes the table with the dataset's
counts into the province block of docs/performance.md (PROVINCE_WRITE=0 to leave it), and
exits 0 whatever the figures: the machine is shared and noisy.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from urllib.parse import urlsplit, urlunsplit

from bench.common import HEADER, Result, alternate
from bench.scale import PROVINCE, ROOT_CODE, Sizes

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zuofeng_province"
KEYS = ["rectify.problems_found", "study.sessions", "service.requests_received"]
PERIOD = (dt.date(2025, 3, 1), dt.date(2025, 9, 30))
RATIO_TARGET = 3.0
# The targets on this machine: province root 1 s, a district 200 ms, a branch 50 ms.
ABSOLUTE_MS = {"root": 1000, "district": 200, "town": 200, "branch": 50}


def sizes_from_env() -> Sizes:
    tenth = Sizes(*(n // 10 for n in (PROVINCE.orgs, PROVINCE.people, PROVINCE.activities,
                                      PROVINCE.problems, PROVINCE.requests)))  # fmt: skip
    return Sizes(
        *(
            int(os.environ.get(f"PROVINCE_{name.upper()}", getattr(tenth, name)))
            for name in ("orgs", "people", "activities", "problems", "requests")
        )
    )


def _server_url(url: str, dbname: str = "postgres") -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def _generated_or_empty(url: str) -> bool:
    """True when the database has no org table, no org, or the generated root."""
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        if conn.execute("SELECT to_regclass('orgs_org') IS NULL").fetchone()[0]:
            return True
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE code = %s) FROM orgs_org", [ROOT_CODE]
        ).fetchone()
        return row[0] == 0 or row[1] == 1


def prepare_database(url: str, fresh: bool) -> bool:
    """Create (or drop and create) the database; False when the server does not answer."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    try:
        conn = psycopg.connect(_server_url(url), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"# PostgreSQL at {_server_url(url)} does not answer ({exc}); nothing measured")
        return False
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            if not _generated_or_empty(url):
                print(
                    f"# refusing to drop {name}: it holds orgs that bench/scale.py did not "
                    "generate; name an empty database or one made by bench-province"
                )
                return False
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return True


def _floor_sql(key: str) -> str:
    """The bare count of the period's rows in the subtree: a range on the holder's path copied
    onto the record (zuofeng.core.subtree), no join, no ORM."""
    from zuofeng.rectify.models import Problem
    from zuofeng.service.models import ServiceRequest
    from zuofeng.study.models import Activity

    return {
        "rectify.problems_found": (
            f"SELECT count(*) FROM {Problem._meta.db_table} "
            "WHERE found_date BETWEEN %s AND %s AND unit_path >= %s AND unit_path < %s"
        ),
        "study.sessions": (
            f"SELECT count(*) FROM {Activity._meta.db_table} WHERE category = 'study' "
            "AND date BETWEEN %s AND %s AND org_path >= %s AND org_path < %s"
        ),
        "service.requests_received": (
            f"SELECT count(*) FROM {ServiceRequest._meta.db_table} "
            "WHERE submitted_date BETWEEN %s AND %s AND unit_path >= %s AND unit_path < %s"
        ),
    }[key]


def timed(fn):
    """For `alternate`: run fn and let the caller time it (a None result)."""

    def run() -> None:
        fn()

    return run


def scopes():
    """The root, its first district, that district's first town, and that town's first
    branch (in the tree's order): fixed by the seed."""
    from zuofeng.orgs.models import Org

    root = Org.objects.get(code=ROOT_CODE)
    district = Org.objects.filter(parent=root).order_by("sort_order", "code").first()
    town = Org.objects.filter(parent=district).order_by("sort_order", "code").first()
    branch = Org.objects.filter(parent=town).order_by("sort_order", "code").first()
    return [("root", root), ("district", district), ("town", town), ("branch", branch)]


def measure(rounds: int) -> list[Result]:
    from django.db import connection

    from zuofeng.core.indicators import Period
    from zuofeng.dashboard.selectors import by_child, figures
    from zuofeng.orgs.models import subtree_upper

    period = Period(*PERIOD)
    results: list[Result] = []
    for label, org in scopes():
        if org is None:
            continue
        limit = ABSOLUTE_MS[label]
        for key in KEYS:
            sql = _floor_sql(key)
            params = [period.start, period.end, org.path, subtree_upper(org.path)]

            def floor(sql=sql, params=params) -> int:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchone()[0]

            def value(org=org, key=key):
                return figures(org, period, [key])[0].value

            expected = floor()
            got = value()
            if got != expected:
                print(f"# MISMATCH {label} {key}: indicator {got} != count(*) {expected}")
            print(f"# {label} {org.code} depth {org.depth}: {key} = {got}", flush=True)
            measures = [("value", value)]
            if org.children.exists():
                measures.append(("by_child", lambda org=org, key=key: by_child(org, key, period)))
            for kind, ours in measures:
                mine, base = alternate(timed(ours), timed(floor), rounds)
                ms, base_ms = mine * 1000, base * 1000
                result = Result(
                    f"province.{label}.{key}.{kind} (ms)",
                    ms,
                    base_ms,
                    f"3x,{limit}ms",
                    ms <= RATIO_TARGET * base_ms and ms <= limit,
                )
                print(result.line(), flush=True)
                results.append(result)
    return results


def headline_all(rounds: int) -> list[Result]:
    """Every headline indicator of the dashboard for the root and the first district, each
    against the absolute limit (there is no bare floor for a rate or a compliance check)."""
    from zuofeng.core.indicators import Period
    from zuofeng.dashboard import headlines
    from zuofeng.dashboard.selectors import figures

    period = Period(*PERIOD)
    shown = headlines.keys()
    results = []
    for label, org in scopes()[:2]:
        limit = ABSOLUTE_MS[label]
        for key in shown:
            times = []
            for _ in range(rounds):
                start = time.perf_counter()
                figures(org, period, [key])
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            ms = times[len(times) // 2]
            result = Result(
                f"province.{label}.headline.{key} (ms)", ms, limit, f"<={limit}ms", ms <= limit
            )
            print(result.line(), flush=True)
            results.append(result)
    return results


def main() -> int:
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        print(f"# bench-province measures PostgreSQL; DATABASE_URL is {url.split(':')[0]}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    os.environ.setdefault("ZUOFENG_HOME", tempfile.mkdtemp(prefix="zf-province-"))
    sizes = sizes_from_env()
    seed = int(os.environ.get("PROVINCE_SEED", "7"))
    rounds = int(os.environ.get("PROVINCE_ROUNDS", "5"))
    reuse = os.environ.get("PROVINCE_REUSE", "") == "1"
    if not prepare_database(url, fresh=not reuse):
        return 0
    import django

    django.setup()
    from django.core.management import call_command

    from bench.scale import generate
    from zuofeng.orgs.models import Org

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"# migrate {time.perf_counter() - start:.1f} s")
    if reuse and Org.objects.filter(code=ROOT_CODE).exists():
        print(f"# reusing the dataset in {urlsplit(url).path.lstrip('/')} (PROVINCE_REUSE=1)")
        generated = "dataset reused (PROVINCE_REUSE=1)"
    else:
        print(f"# generating {sizes} seed={seed}")
        start = time.perf_counter()
        generate(sizes, seed, log=lambda line: print(f"# {line}", flush=True))
        seconds = time.perf_counter() - start
        generated = f"generated in {seconds:.0f} s"
        print(f"# {generated}", flush=True)
    print(f"# period {PERIOD[0]}..{PERIOD[1]}, {rounds} rounds, ours and the floor alternately")
    print(HEADER)
    results = measure(rounds)
    if os.environ.get("PROVINCE_HEADLINES", "1") == "1":
        results += headline_all(min(rounds, 3))
    passed = sum(r.passed for r in results)
    print(f"# {passed}/{len(results)} PASS")
    if os.environ.get("PROVINCE_WRITE", "1") == "1":
        from bench.__main__ import write_doc

        counts = _counts()
        note = (
            f"PostgreSQL on loopback; dataset {counts} (seed {seed}); period "
            f"{PERIOD[0]}..{PERIOD[1]}, {rounds} rounds; {generated}. Baseline: the bare "
            "`count(*)` of the same rows on the copied path (no join, no ORM). Target: within "
            "3x the baseline and within the absolute limit (root 1 s, district and town "
            "200 ms, branch 50 ms). Ours: the dashboard selectors (`value`, `by_child`). The "
            "`headline` lines time every headline indicator of the dashboard for the root and "
            "the first district against the absolute limit alone (their baseline column is "
            "the limit)."
        )
        write_doc(
            results,
            " ".join(
                f"PROVINCE_{name.upper()}={getattr(sizes, name)}"
                for name in ("orgs", "people", "activities", "problems", "requests")
            )
            + " make bench-province",
            begin="<!-- province:begin -->",
            end="<!-- province:end -->",
            title="Province run (PostgreSQL, make bench-province)",
            note=note,
        )
    return 0


def _counts() -> str:
    from zuofeng.orgs.models import Org, Person
    from zuofeng.rectify.models import Problem
    from zuofeng.service.models import ServiceRequest
    from zuofeng.study.models import Activity

    root = Org.objects.get(code=ROOT_CODE)
    orgs = Org.objects.filter(path__startswith=root.path).count()
    rows = [
        f"{orgs:,} orgs",
        f"{Person.objects.filter(org__path__startswith=root.path).count():,} people",
        f"{Activity.objects.filter(org_path__startswith=root.path).count():,} activities",
        f"{Problem.objects.filter(unit_path__startswith=root.path).count():,} problems",
        f"{ServiceRequest.objects.filter(unit_path__startswith=root.path).count():,} requests",
    ]
    return ", ".join(rows)


if __name__ == "__main__":
    sys.exit(main())
