"""Service requests at 1,000,000 requests (ZUOFENG_BENCH_SERVICE_REQUESTS to change): the unit
queue (selector and rendered page) and the service.* indicators for the district root, each
beside one hand-written SQL query in the same run; and the public submit endpoint's requests
per second under a threaded load generator on loopback, beside a minimal Django view on the
same gunicorn server.

    python -m bench --only service --rounds 5
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import re
import subprocess
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from bench.common import HEADER, Result, alternate, gunicorn

REQUESTS = int(os.environ.get("ZUOFENG_BENCH_SERVICE_REQUESTS", "1000000"))
SEED = 20251201
TARGET = 2.0
LOAD_SECONDS = 8
LOAD_THREADS = 8


def _database(folder: Path) -> Path:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    os.environ.setdefault("ZUOFENG_HOME", str(folder / "home"))
    db = folder / "service.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    connection = connections["default"]
    if connection.vendor != "sqlite":
        raise SystemExit("bench.service measures SQLite; unset DATABASE_URL")
    connection.close()
    connection.settings_dict["NAME"] = str(db)
    call_command("migrate", verbosity=0)
    return db


def _populate() -> None:
    """The demo org tree, a front desk, enterprises, and REQUESTS requests over 2025 and its
    units, in every state."""
    from zuofeng.core.sheets import run_import
    from zuofeng.core.validators import credit_check_char
    from zuofeng.orgs import demo
    from zuofeng.orgs.models import Org
    from zuofeng.service.models import Enterprise, FrontDesk, RequestCategory, ServiceRequest

    run_import("orgs", demo.district(20250601).orgs)
    desk = Org.objects.get(code="D52")
    FrontDesk.objects.create(org=desk, is_default=True)
    rng = random.Random(SEED)
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(credit_code=(c := f"91330604MA2{i:06d}") + credit_check_char(c), name=f"企业{i}")
        for i in range(5000)
    )
    units = list(Org.objects.filter(depth__gte=1).values_list("pk", flat=True))
    categories = list(RequestCategory.objects.values_list("pk", flat=True))
    states = ["assigned", "signed", "handling", "resolved", "rated", "closed", "closed", "closed"]
    start = dt.date(2025, 1, 1)
    now = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    batch = []
    for i in range(1, REQUESTS + 1):
        day = start + dt.timedelta(days=rng.randrange(365))
        state = rng.choice(states)
        done = state in ("resolved", "rated", "closed")
        deadline = day + dt.timedelta(days=7)
        batch.append(
            ServiceRequest(
                number=f"SQ-2025-{i:07d}",
                tracking_code=f"B{i:09d}",
                kind="enterprise",
                enterprise=rng.choice(enterprises),
                channel=rng.choice(["self", "grid", "visit", "hotline", "online"]),
                category_id=rng.choice(categories),
                content=f"诉求{i}",
                submitted_date=day,
                submitted_at=now,
                front_desk=desk,
                unit_id=rng.choice(units),
                state=state,
                assigned_date=day,
                sign_deadline=day + dt.timedelta(days=1),
                signed_date=day if state != "assigned" else None,
                deadline=deadline,
                resolved_date=day + dt.timedelta(days=rng.randrange(1, 12)) if done else None,
                funds=Decimal(rng.choice([0, 0, 0, 50000])) if done else 0,
                satisfaction=rng.choice(["satisfied", "basic", "unsatisfied"])
                if state in ("rated", "closed")
                else "",
                rated_date=day + dt.timedelta(days=12) if state in ("rated", "closed") else None,
                warning=rng.choice(["", "green", "yellow", "red"]) if not done else "",
            )
        )
        if len(batch) == 20000:
            ServiceRequest.objects.bulk_create(batch)
            batch = []
    ServiceRequest.objects.bulk_create(batch)


def _user(org):
    from zuofeng.orgs import services
    from zuofeng.orgs.models import User

    name = f"bench-{org.code}"
    user = User.objects.filter(username=name).first()
    if user is None:
        user, _ = services.user_create(
            actor=None, username=name, password="Bench-Pass-2025!", must_change_password=False
        )
        services.role_grant(actor=None, user=user, role="unit_admin", org=org)
    return User.objects.get(pk=user.pk)


def _queue(user) -> float:
    from zuofeng.service import selectors

    start = time.perf_counter()
    qs = selectors.unit_queue(user)
    rows = list(qs[:50])
    qs.count()
    assert len(rows) == 50
    return time.perf_counter() - start


def _queue_sql(org) -> float:
    from django.db import connection

    high = f"{int(org.path) + 1:0{len(org.path)}d}"
    where = (
        "FROM service_servicerequest r JOIN orgs_org o ON o.id = r.unit_id "
        "WHERE r.state IN ('submitted','accepted','assigned','signed','handling') "
        "AND o.path >= %s AND o.path < %s"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.id, r.number, r.content, r.deadline, r.state, o.name {where} "
            "ORDER BY r.deadline, r.id LIMIT 50",
            [org.path, high],
        )
        assert len(cursor.fetchall()) == 50
        cursor.execute(f"SELECT count(*) {where}", [org.path, high])
        cursor.fetchone()
    return time.perf_counter() - start


def _queue_page(client) -> float:
    start = time.perf_counter()
    assert client.get("/service/").status_code == 200
    return time.perf_counter() - start


KEYS = [
    "service.requests_received",
    "service.requests_resolved",
    "service.enterprise_requests_resolved",
    "service.on_time_rate",
    "service.sign_on_time_rate",
    "service.satisfaction_rate",
    "service.funds_delivered",
    "service.funds_enterprise_times",
]


def _indicators(root) -> float:
    from zuofeng.core.indicators import Period, get

    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    start = time.perf_counter()
    values = [get(k).value(root.path, period) for k in KEYS]
    assert values[0] == REQUESTS
    return (time.perf_counter() - start) / len(KEYS)


def _indicator_sql(root) -> float:
    from django.db import connection

    high = f"{int(root.path) + 1:0{len(root.path)}d}"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM service_servicerequest r JOIN orgs_org o ON o.id = r.unit_id "
            "WHERE r.submitted_date BETWEEN %s AND %s AND o.path >= %s AND o.path < %s",
            ["2025-01-01", "2025-12-31", root.path, high],
        )
        assert cursor.fetchone()[0] == REQUESTS
    return time.perf_counter() - start


# --- the public endpoint under load ---------------------------------------------------------


def _serve(db: Path, home: str) -> tuple[subprocess.Popen, int]:
    return gunicorn("zuofeng.wsgi", settings="bench.service_settings", db=db, home=home)


def _load(port: int, path: str, body: dict[str, str]) -> float:
    """Requests per second of POSTs to `path` from LOAD_THREADS keep-alive clients."""
    from urllib.parse import urlencode

    counts: list[int] = []
    failures: list[str] = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/public/requests/new/")
        res = conn.getresponse()
        page = res.read().decode()
        cookie = res.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}/",
        }
        payload = urlencode({**body, "csrfmiddlewaretoken": token})
        n = 0
        stop = time.perf_counter() + LOAD_SECONDS  # each client measures after its set-up
        while time.perf_counter() < stop:
            conn.request("POST", path, payload, headers)
            res = conn.getresponse()
            text = res.read()
            if res.status != 200:
                failures.append(f"{res.status} {text[:300]!r}")
                break
            n += 1
        counts.append(n)
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(LOAD_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures or len(counts) != LOAD_THREADS:
        raise RuntimeError(f"{path}: {failures[:1] or 'a client failed'}")
    return sum(counts) / LOAD_SECONDS


def _warm(port: int) -> None:
    """Every worker loads the application before anything is measured."""
    for _ in range(20):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/public/requests/new/")
        conn.getresponse().read()
        conn.close()


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-service-") as tmp:
        db = _database(Path(tmp))
        _populate()
        from django.conf import settings
        from django.db import connections
        from django.test import Client

        from zuofeng.orgs.models import Org
        from zuofeng.service.models import RequestCategory

        root = Org.objects.get(parent__isnull=True)
        town = Org.objects.filter(kind__code="town").order_by("code").first()
        user = _user(town)
        queue, queue_sql = alternate(lambda: _queue(user), lambda: _queue_sql(town), rounds)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        client = Client()
        client.force_login(user)
        client.get("/service/")
        page, page_sql = alternate(lambda: _queue_page(client), lambda: _queue_sql(town), rounds)
        ind, ind_sql = alternate(lambda: _indicators(root), lambda: _indicator_sql(root), rounds)
        body = {
            "name": "压测",
            "phone": "13900000000",
            "category": str(RequestCategory.objects.get(name="民生服务").pk),
            "content": "压测诉求",
            "website": "",
        }
        connections["default"].close()
        proc, port = _serve(db, os.environ["ZUOFENG_HOME"])
        try:
            _warm(port)
            ours, base = [], []
            for _ in range(max(1, rounds // 2)):
                ours.append(_load(port, "/public/requests/new/", body))
                base.append(_load(port, "/bench/minimal/", body))
        finally:
            proc.terminate()
            proc.wait(10)
    import statistics

    rps, rps_base = statistics.median(ours), statistics.median(base)
    n = f"{REQUESTS // 1000}k"
    return [
        Result(
            f"service queue of 50, a town, {n} requests (ms)",
            queue * 1000,
            queue_sql * 1000,
            f"<={TARGET:.1f}x",
            queue <= TARGET * queue_sql,
        ),
        Result(
            f"service queue page rendered, {n} (ms)",
            page * 1000,
            page_sql * 1000,
            f"<={TARGET:.1f}x",
            page <= TARGET * page_sql,
        ),
        Result(
            f"service indicator, district root, {n} (ms)",
            ind * 1000,
            ind_sql * 1000,
            f"<={TARGET:.1f}x",
            ind <= TARGET * ind_sql,
        ),
        Result(
            "public submit, requests/s vs minimal view",
            rps,
            rps_base,
            ">=0.25x",
            rps >= 0.25 * rps_base,
            higher_is_better=True,
        ),
    ]


if __name__ == "__main__":
    print(HEADER)
    for result in run():
        print(result.line())
