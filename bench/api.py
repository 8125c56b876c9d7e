"""The JSON API's list endpoints under load: `GET /api/v1/problems` and
`GET /api/v1/service/requests`, a page of 50, authenticated by a bearer token and scoped to the
token user's subtree, over 100,000 problems and 100,000 service requests in the demo district.

Each is measured beside a hand-written view of the same page on the same gunicorn server (same
settings, middleware and token; bench/api_urls.py): the same rows, filter, order and count, read
with `.values()` and written by `JsonResponse`. A threaded keep-alive load generator on loopback
drives one of them at a time for a fixed time, ours and the baseline alternately; throughput is
requests per second (target: ours at least 75% of the baseline's), and every request's latency
is kept for the p99. Two scopes: a town's unit administrator (the town's subtree) and the lead
office at the district root (everything).

Before measuring, both answers are checked equal: the same 50 ids and the same items and count.
When ours misses its target, requests are profiled in process (django.test.Client, cProfile)
and where their time goes — SQL statements, own time by area, the heaviest functions — is
printed to standard error, ours beside the baseline.

    python -m bench.api --rounds 3
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import http.client
import json
import os
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from bench.common import HEADER, Result, alternate, gunicorn, sqlite_database

PROBLEMS = 100_000
REQUESTS = 100_000
SEED = 20251203
PAGE = 50
TARGET = 0.75  # ours at least this share of the baseline's requests per second
LOAD_SECONDS = 7.0
LOAD_THREADS = 8
RECONNECT_SECONDS = 1.0
PROFILE_SECONDS = 3.0

ENDPOINTS = {
    "problems": ("/api/v1/problems", "/bench/problems"),
    "requests": ("/api/v1/service/requests", "/bench/requests"),
}


# --- data ------------------------------------------------------------------------------------


def _populate() -> None:
    """The demo district's org tree; 100,000 problems over its units and 2025; 100,000 service
    requests over the same units, received at the unit's town (or the district's desk), from
    enterprises and citizens (contact encrypted), in every state, the assigned ones with their
    lead assignment and some with a co-handler. Rows go straight in (bench.scale.Writer): no
    audit rows, as the other load generators."""
    from bench.scale import Writer
    from zuofeng.core import crypto
    from zuofeng.core.sheets import run_import
    from zuofeng.core.validators import credit_check_char
    from zuofeng.orgs import demo
    from zuofeng.orgs.models import Org
    from zuofeng.rectify.models import Campaign, Problem, ProblemCategory, ProblemSource
    from zuofeng.service.models import (
        Enterprise,
        FrontDesk,
        RequestAssignment,
        RequestCategory,
        ServiceRequest,
    )

    run_import("orgs", demo.district(20250601).orgs)
    rng = random.Random(SEED)
    orgs = list(Org.objects.filter(depth__gte=1).values("pk", "path", "depth", "kind__code"))
    path_of = {o["pk"]: o["path"] for o in orgs}
    tops = [o for o in orgs if o["depth"] == 1]
    units = list(path_of)
    district_desk = Org.objects.get(code="D52")
    FrontDesk.objects.create(org=district_desk, is_default=True)
    desk_of = {}
    for o in orgs:
        top = next(t for t in tops if o["path"].startswith(t["path"]))
        desk_of[o["pk"]] = top["pk"] if top["kind__code"] == "town" else district_desk.pk
    for pk in sorted({d for d in desk_of.values() if d != district_desk.pk}):
        FrontDesk.objects.create(org_id=pk)
    start = dt.date(2025, 1, 1)

    sources = list(ProblemSource.objects.order_by("pk").values_list("pk", flat=True))
    categories = list(ProblemCategory.objects.order_by("pk").values_list("pk", flat=True))
    campaigns = [*Campaign.objects.order_by("pk").values_list("pk", flat=True), None, None]
    states = ["registered", "assigned", "rectifying", "submitted", "closed", "closed", "closed"]

    def problems():
        for i in range(1, PROBLEMS + 1):
            found = start + dt.timedelta(days=rng.randrange(365))
            state = rng.choice([*states, "long_term"])
            closed = found + dt.timedelta(days=rng.randrange(1, 90)) if state == "closed" else None
            unit = rng.choice(units)
            yield (
                f"ZG-2025-{i:06d}",
                f"问题{i}：窗口服务态度生硬，办事群众反映等候时间过长",
                rng.choice(sources),
                f"督查〔2025〕{rng.randrange(1, 99)}号",
                rng.choice(categories),
                rng.choice(campaigns),
                found.isoformat(),
                unit,
                path_of[unit],
                f"负责人{rng.randrange(100)}",
                f"经办人{rng.randrange(500)}",
                rng.choice(["", "item", "campaign", "rules"]),
                "立行立改，完善制度" if state != "registered" else "",
                state,
                (found + dt.timedelta(days=rng.choice([14, 30, 60]))).isoformat(),
                closed.isoformat() if closed else None,
                "已整改到位" if closed else "",
                rng.random() < 0.2,
                rng.random() < 0.1,
                rng.choice(["", "green", "yellow", "red"]),
            )

    Writer(
        Problem,
        [
            "number",
            "description",
            "source",
            "source_ref",
            "category",
            "campaign",
            "found_date",
            "unit",
            "unit_path",
            "leader",
            "person",
            "mode",
            "measures",
            "state",
            "deadline",
            "closed_date",
            "result",
            "key_power",
            "key_funds",
            "warning",
        ],
    ).write(problems())

    bodies = [f"91330604MA3{i:06d}" for i in range(5000)]
    firms = Enterprise.objects.bulk_create(
        Enterprise(credit_code=body + credit_check_char(body), name=f"企业{i}")
        for i, body in enumerate(bodies)
    )
    enterprises = [e.pk for e in firms]
    names = [crypto.encrypt(f"{'王李张刘陈'[i % 5]}{'伟芳敏静'[i % 4]}{i}") for i in range(100)]
    phones = [f"1390000{i:04d}" for i in range(100)]
    phones = [(crypto.encrypt(p), crypto.lookup_hash(p)) for p in phones]
    categories = list(RequestCategory.objects.order_by("pk").values_list("pk", flat=True))
    states = [
        "submitted",
        "assigned",
        "signed",
        "handling",
        "resolved",
        "rated",
        "closed",
        "closed",
    ]
    held: list[tuple[int, int, str]] = []  # (request number, unit, role) of open assignments

    def requests():
        for i in range(1, REQUESTS + 1):
            day = start + dt.timedelta(days=rng.randrange(365))
            state = rng.choice(states)
            done = state in ("resolved", "rated", "closed")
            rated = state in ("rated", "closed")
            unit = rng.choice(units)
            holder = desk_of[unit] if state == "submitted" else unit
            citizen = rng.random() < 0.3
            phone, phone_hash = rng.choice(phones) if citizen else ("", "")
            if state != "submitted":
                held.append((i, unit, "lead"))
                if rng.random() < 0.1:
                    held.append((i, rng.choice(units), "co"))
            yield (
                f"SQ-2025-{i:07d}",
                f"A{i:09d}",
                "citizen" if citizen else "enterprise",
                None if citizen else rng.choice(enterprises),
                rng.choice(names) if citizen else "",
                phone,
                phone_hash,
                rng.choice(["self", "grid", "visit", "hotline", "online"]),
                rng.choice(categories),
                f"诉求{i}：企业用工招聘困难，希望协调对接人力资源服务",
                f"某街道{rng.randrange(200)}号",
                day.isoformat(),
                f"{day} 01:30:00",  # 09:30 in China; SQLite holds naive UTC under USE_TZ
                desk_of[unit],
                holder,
                path_of[holder],
                state,
                None if state == "submitted" else day.isoformat(),
                None if state == "submitted" else (day + dt.timedelta(days=1)).isoformat(),
                day.isoformat() if state not in ("submitted", "assigned") else None,
                None if state == "submitted" else (day + dt.timedelta(days=7)).isoformat(),
                (day + dt.timedelta(days=rng.randrange(1, 12))).isoformat() if done else None,
                "已协调解决" if done else "",
                True if done else None,
                Decimal(rng.choice([0, 0, 0, 50000])) if done else Decimal(0),
                rng.choice(["satisfied", "basic", "unsatisfied"]) if rated else "",
                rng.choice(["requester", "callback"]) if rated else "",
                (day + dt.timedelta(days=12)).isoformat() if rated else None,
                rng.choice(["", "green", "yellow", "red"]) if not done else "",
            )

    Writer(
        ServiceRequest,
        [
            "number",
            "tracking_code",
            "kind",
            "enterprise",
            "contact_name_enc",
            "contact_phone_enc",
            "contact_phone_hash",
            "channel",
            "category",
            "content",
            "location",
            "submitted_date",
            "submitted_at",
            "front_desk",
            "unit",
            "unit_path",
            "state",
            "assigned_date",
            "sign_deadline",
            "signed_date",
            "deadline",
            "resolved_date",
            "resolution",
            "resolved",
            "funds",
            "satisfaction",
            "rated_by",
            "rated_date",
            "warning",
        ],
    ).write(requests())
    pk_of = dict(ServiceRequest.objects.values_list("number", "pk"))
    Writer(RequestAssignment, ["request", "unit", "role", "assigned_at"]).write(
        (pk_of[f"SQ-2025-{i:07d}"], unit, role, "2025-06-01 00:00:00") for i, unit, role in held
    )


def _token(username: str, role: str, org) -> str:
    """A user holding `role` at `org`, and a fresh API token of theirs."""
    from zuofeng.orgs import services

    user, _ = services.user_create(
        actor=None, username=username, password="Bench-Pass-2025!", must_change_password=False
    )
    services.role_grant(actor=None, user=user, role=role, org=org)
    return services.token_create(actor=None, user=user)


# --- the server and the load generator -------------------------------------------------------


def server():
    """The project's WSGI application (its settings and middleware) with bench.api_urls as the
    root URLconf: what the benchmark's gunicorn serves."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    settings.ROOT_URLCONF = "bench.api_urls"
    return application


def _serve(db: Path) -> tuple[subprocess.Popen, int]:
    """gunicorn on loopback serving `server()` (the project with the bench URLs)."""
    return gunicorn(
        "bench.api:server()", settings="zuofeng.settings", db=db, home=os.environ["ZUOFENG_HOME"]
    )


def _get(port: int, path: str, token: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        res = conn.getresponse()
        body = res.read()
    finally:
        conn.close()
    if res.status != 200:
        raise RuntimeError(f"GET {path}: {res.status} {body[:300]!r}")
    return json.loads(body)


def _check(port: int, ours: str, base: str, token: str) -> int:
    """Both answers hold the same page: 50 rows, the same ids in the same order, the same
    items and count. Returns the count."""
    mine, theirs = _get(port, ours, token), _get(port, base, token)
    ids = [row["id"] for row in mine["items"]]
    if len(ids) != PAGE or ids != [row["id"] for row in theirs["items"]]:
        raise RuntimeError(f"{ours} and {base} list different rows")
    if mine["count"] != theirs["count"]:
        raise RuntimeError(f"{ours} and {base} count {mine['count']} and {theirs['count']}")
    for a, b in zip(mine["items"], theirs["items"], strict=True):
        if a != b:
            field = next(k for k in {*a, *b} if a.get(k) != b.get(k))
            raise RuntimeError(
                f"{ours} and {base} differ at id {a['id']}, {field}: "
                f"{a.get(field)!r} and {b.get(field)!r}"
            )
    return mine["count"]


def _load(port: int, path: str, token: str, latencies: list[float]) -> float:
    """Requests per second of GETs to `path` from LOAD_THREADS keep-alive clients over
    LOAD_SECONDS; each request's latency (seconds) is appended to `latencies`.

    gunicorn keeps a keep-alive connection on the worker that accepted it, so each client
    opens a fresh connection every RECONNECT_SECONDS: the clients spread over both workers
    through the window instead of staying where the first accept put them."""
    headers = {"Authorization": f"Bearer {token}"}
    ready = threading.Barrier(LOAD_THREADS + 1)
    counts: list[int] = []
    failures: list[str] = []
    window: list[float] = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        mine: list[float] = []
        ready.wait()
        opened = window[0]
        stop = opened + LOAD_SECONDS
        try:
            while (start := time.perf_counter()) < stop:
                if start - opened > RECONNECT_SECONDS:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    conn.connect()
                    opened = start = time.perf_counter()
                conn.request("GET", path, headers=headers)
                res = conn.getresponse()
                body = res.read()
                mine.append(time.perf_counter() - start)
                if res.status != 200:
                    failures.append(f"{res.status} {body[:300]!r}")
                    break
        except (OSError, http.client.HTTPException) as exc:
            failures.append(repr(exc))
        finally:
            conn.close()
        latencies.extend(mine)
        counts.append(len(mine))

    threads = [threading.Thread(target=worker) for _ in range(LOAD_THREADS)]
    for t in threads:
        t.start()
    window.append(time.perf_counter())
    ready.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - window[0]
    if failures:
        raise RuntimeError(f"GET {path}: {failures[0]}")
    return sum(counts) / elapsed


def _warm(port: int, paths: list[str], token: str) -> None:
    """Every worker thread has served every path before anything is measured."""
    failures: list[str] = []

    def fetch(path):
        try:
            _get(port, path, token)
        except (OSError, RuntimeError, http.client.HTTPException) as exc:
            failures.append(f"{path}: {exc!r}")

    for _ in range(2):
        for path in paths:
            threads = [threading.Thread(target=fetch, args=(path,)) for _ in range(LOAD_THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if failures:
                raise RuntimeError(f"warming the server: {failures[0]}")


def _p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1000


# --- where the time goes ---------------------------------------------------------------------

AREAS = (
    ("SQLite (the sqlite3 module's execute and fetch)", ("sqlite3", "execute'", "fetch")),
    ("Django ORM: compiling SQL", ("django/db/models/sql/compiler.py", "django/db/models/sql/")),
    ("Django ORM: rows to model instances", ("django/db/models/base.py", "models/query.py")),
    ("Django ORM: other", ("django/db/",)),
    ("pydantic (schema validation of the rows)", ("pydantic",)),
    ("django-ninja", ("ninja/",)),
    ("JSON encoding", ("json/", "json.", "serializers/json")),
    ("Django templates: Variable lookups", ("django/template/",)),
    ("zuofeng (token, scope)", ("zuofeng/",)),
    ("Django: handler, middleware, request, response", ("django/", "whitenoise/", "axes/")),
)


def _area(filename: str, name: str) -> str:
    key = f"{filename}:{name}"
    if filename == "~" and ("execute" in name or "fetch" in name):
        return AREAS[0][0]
    for label, marks in AREAS:
        if any(mark in key for mark in marks):
            return label
    return "Python built-ins and the rest"


def _statement(sql: str) -> str:
    """A short name for one SQL statement: its verb (or COUNT) and first table."""
    table = re.search(r'FROM\s+"?(\w+)"?', sql, re.IGNORECASE)
    verb = "COUNT" if re.match(r"\s*SELECT\s+COUNT\(", sql, re.IGNORECASE) else sql.split()[0]
    return f"{verb.upper()} {table.group(1) if table else ''}".strip()


def _profile(path: str, token: str) -> tuple[float, int, list[tuple[str, float]], pstats.Stats]:
    """Requests to `path` in process (django.test.Client, the URLconf the server runs), as
    many as fit in about PROFILE_SECONDS (at least 5): ms per request unprofiled, the number
    of requests, ms per request in each SQL statement (timed around the cursor's execute,
    unprofiled), and the profile (cProfile) of as many requests again."""
    from django.db import connection
    from django.test import Client, override_settings

    spent: dict[str, float] = {}

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            name = _statement(sql)
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    with override_settings(ROOT_URLCONF="bench.api_urls"):
        client = Client()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for _ in range(3):
            assert client.get(path, **auth).status_code == 200
        n, start = 0, time.perf_counter()
        while n < 5 or (n < 200 and time.perf_counter() - start < PROFILE_SECONDS):
            client.get(path, **auth)
            n += 1
        per_request = (time.perf_counter() - start) / n * 1000
        with connection.execute_wrapper(timed):
            for _ in range(n):
                client.get(path, **auth)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            client.get(path, **auth)
        profiler.disable()
    statements = [(name, seconds / n * 1000) for name, seconds in spent.items()]
    return per_request, n, statements, pstats.Stats(profiler)


def _short(filename: str, line: int, name: str) -> str:
    if filename == "~":
        return name
    return f"{filename.split('site-packages/')[-1].split('/work/main/')[-1]}:{line}({name})"


def _report(label: str, ours: str, base: str, token: str) -> None:
    """Where one request's time goes, ours beside the baseline: own time by area, the
    functions with most own time, and the calls below the view with most cumulative time."""
    lines = [f"\n{label}: ours below {TARGET:.0%} of the baseline's req/s; profiled in process"]
    for side, path in (("ours", ours), ("baseline", base)):
        ms, n, statements, stats = _profile(path, token)
        rows = stats.stats.items()  # (file, line, name) → (calls, ncalls, own, cumulative, …)
        total = sum(v[2] for _k, v in rows) or 1.0
        areas: dict[str, float] = {}
        for (filename, _line, name), v in rows:
            where = _area(filename, name)
            areas[where] = areas.get(where, 0.0) + v[2] / total
        profiled = total / n * 1000
        lines.append(
            f"  {side} GET {path}: {ms:.2f} ms per request ({profiled:.2f} ms profiled, "
            f"{n} requests)"
        )
        sql = sum(t for _name, t in statements)
        lines.append(
            f"    SQL statements (execute, unprofiled): {sql:.2f} ms per request — "
            + ", ".join(f"{name} {t:.2f} ms" for name, t in statements)
        )
        lines.append("    own time by area (share, profiled ms per request):")
        for area, share in sorted(areas.items(), key=lambda item: -item[1]):
            if share >= 0.005:
                lines.append(f"      {share:6.1%} {share * profiled:7.2f}  {area}")
        lines.append("    most own time (share, calls per request):")
        for key, v in sorted(rows, key=lambda kv: -kv[1][2])[:12]:
            lines.append(f"      {v[2] / total:6.1%} {v[1] / n:7.0f}  {_short(*key)}")
        lines.append("    most cumulative time below the handler (share, calls per request):")
        below = [(k, v) for k, v in rows if v[3] / total < 0.9]
        for key, v in sorted(below, key=lambda kv: -kv[1][3])[:18]:
            lines.append(f"      {v[3] / total:6.1%} {v[1] / n:7.0f}  {_short(*key)}")
    print("\n".join(lines), file=sys.stderr, flush=True)


# --- the run ---------------------------------------------------------------------------------


def run(rounds: int = 3) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="zf-bench-api-") as tmp:
        sqlite_database(Path(tmp), "api")
        db = Path(tmp) / "api.sqlite3"
        _populate()
        from django.conf import settings
        from django.db import connections

        from zuofeng.orgs.models import Org

        town = Org.objects.filter(kind__code="town").order_by("code").first()
        root = Org.objects.get(parent__isnull=True)
        scopes = [
            ("a town", _token("bench-town", "unit_admin", town)),
            ("district", _token("bench-root", "lead_office", root)),
        ]
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        connections["default"].close()
        proc, port = _serve(db)
        missed = []
        try:
            _warm(port, [p for pair in ENDPOINTS.values() for p in pair], scopes[0][1])
            for kind, (ours_path, base_path) in ENDPOINTS.items():
                for where, token in scopes:
                    ours_url, base_url = f"{ours_path}?limit={PAGE}", f"{base_path}?limit={PAGE}"
                    count = _check(port, ours_url, base_url, token)
                    mine: list[float] = []
                    theirs: list[float] = []
                    rps, rps_base = alternate(
                        lambda u=ours_url, t=token, s=mine: _load(port, u, t, s),
                        lambda u=base_url, t=token, s=theirs: _load(port, u, t, s),
                        rounds,
                    )
                    label = f"API {kind} list of {PAGE}, {where}"
                    passed = rps >= TARGET * rps_base
                    results.append(
                        Result(
                            f"{label} (req/s)",
                            rps,
                            rps_base,
                            f">={TARGET:.2f}x",
                            passed,
                            higher_is_better=True,
                        )
                    )
                    results.append(
                        Result(
                            f"API {kind}, {where}, p99 latency (ms)",
                            _p99(mine),
                            _p99(theirs),
                            "report",
                            True,
                        )
                    )
                    print(
                        f"  {label}: {count} rows in scope; {len(mine)} and {len(theirs)} "
                        f"requests timed; load average {os.getloadavg()[0]:.1f} on "
                        f"{os.cpu_count()} cores",
                        file=sys.stderr,
                        flush=True,
                    )
                    if not passed:
                        missed.append((label, ours_url, base_url, token))
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        for label, ours_url, base_url, token in missed:
            _report(label, ours_url, base_url, token)
        connections["default"].close()
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.api")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(HEADER)
    for result in run(rounds=args.rounds):
        print(result.line())
