"""The problem ledger at 100,000 problems: a page of the ledger (the selector the page and the
API use) and every rectify.* indicator for the district root, each beside one hand-written SQL
query over the same rows in the same run.

    python -m bench --only ledger --rounds 5
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from bench.common import HEADER, Result, alternate, sqlite_database

PROBLEMS = 100_000
SEED = 20251130
PAGE_TARGET = 2.0  # the ledger page's query within 2× the hand-written SQL
INDICATOR_TARGET = 2.0


def _database(folder: Path) -> None:
    sqlite_database(folder, "ledger")


def _populate() -> None:
    """The demo district's org tree, then 100,000 problems spread over its units and 2025."""
    from zuofeng.core.sheets import run_import
    from zuofeng.orgs import demo
    from zuofeng.orgs.models import Org
    from zuofeng.rectify.models import Campaign, Problem, ProblemCategory, ProblemSource

    run_import("orgs", demo.district(20250601).orgs)
    rng = random.Random(SEED)
    units = list(Org.objects.filter(depth__gte=1).values_list("pk", flat=True))
    sources = list(ProblemSource.objects.values_list("pk", flat=True))
    categories = list(ProblemCategory.objects.values_list("pk", flat=True))
    campaigns = [*Campaign.objects.values_list("pk", flat=True), None, None, None]
    states = [
        "registered",
        "assigned",
        "rectifying",
        "submitted",
        "closed",
        "closed",
        "closed",
        "long_term",
    ]
    start = dt.date(2025, 1, 1)
    batch = []
    for i in range(1, PROBLEMS + 1):
        found = start + dt.timedelta(days=rng.randrange(365))
        state = rng.choice(states)
        deadline = found + dt.timedelta(days=rng.choice([14, 30, 60]))
        closed = found + dt.timedelta(days=rng.randrange(1, 90)) if state == "closed" else None
        batch.append(
            Problem(
                number=f"ZG-2025-{i:06d}",
                description=f"问题{i}",
                source_id=rng.choice(sources),
                category_id=rng.choice(categories),
                campaign_id=rng.choice(campaigns),
                found_date=found,
                unit_id=rng.choice(units),
                state=state,
                deadline=deadline,
                closed_date=closed,
                key_power=rng.random() < 0.2,
                warning=rng.choice(["", "green", "yellow", "red"]),
            )
        )
    Problem.objects.bulk_create(batch, batch_size=5000)


def _lead():
    from zuofeng.orgs import services
    from zuofeng.orgs.models import Org, User

    user = User.objects.filter(username="bench").first()
    if user is None:
        user, _ = services.user_create(
            actor=None, username="bench", password="Bench-Pass-2025!", must_change_password=False
        )
        services.role_grant(
            actor=None, user=user, role="lead_office", org=Org.objects.get(parent__isnull=True)
        )
    return User.objects.get(pk=user.pk)


def _page(user, town) -> float:
    from zuofeng.rectify import selectors

    f = selectors.LedgerFilter(state="rectifying", unit=town)
    start = time.perf_counter()
    qs = selectors.ledger(user, f)
    rows = list(qs[:50])
    total = qs.count()
    assert len(rows) == 50 and total > 50
    return time.perf_counter() - start


def _page_sql(town) -> float:
    from django.db import connection

    high = f"{int(town.path) + 1:0{len(town.path)}d}"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.number, p.description, p.found_date, p.deadline, p.state, o.name "
            "FROM rectify_problem p JOIN orgs_org o ON o.id = p.unit_id "
            "WHERE p.state = %s AND o.path >= %s AND o.path < %s "
            "ORDER BY p.found_date DESC, p.id DESC LIMIT 50",
            ["rectifying", town.path, high],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM rectify_problem p JOIN orgs_org o ON o.id = p.unit_id "
            "WHERE p.state = %s AND o.path >= %s AND o.path < %s",
            ["rectifying", town.path, high],
        )
        cursor.fetchone()
    assert len(rows) == 50
    return time.perf_counter() - start


def _page_http(client, town) -> float:
    """The whole request in process: middleware, auth, the ledger page rendered (or the API's
    JSON), as a user sees it — without the network."""
    start = time.perf_counter()
    response = client.get(
        f"/api/v1/problems?state=rectifying&unit={town.code}&limit=50",
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert response.status_code == 200 and len(response.json()["items"]) == 50
    return time.perf_counter() - start


def _html_page(client, town) -> float:
    start = time.perf_counter()
    response = client.get(f"/problems/?state=rectifying&unit={town.code}")
    assert response.status_code == 200
    return time.perf_counter() - start


def _indicators(root) -> float:
    from zuofeng.core.indicators import Period
    from zuofeng.dashboard.selectors import figures

    keys = [
        "rectify.problems_found",
        "rectify.problems_closed",
        "rectify.problems_open",
        "rectify.problems_overdue",
        "rectify.closure_rate",
        "rectify.on_time_rate",
    ]
    start = time.perf_counter()
    values = figures(root, Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), keys)
    assert values[0].value == PROBLEMS
    return (time.perf_counter() - start) / len(keys)


def _indicator_sql(root) -> float:
    from django.db import connection

    high = f"{int(root.path) + 1:0{len(root.path)}d}"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM rectify_problem p JOIN orgs_org o ON o.id = p.unit_id "
            "WHERE p.found_date BETWEEN %s AND %s AND o.path >= %s AND o.path < %s",
            ["2025-01-01", "2025-12-31", root.path, high],
        )
        assert cursor.fetchone()[0] == PROBLEMS
    return time.perf_counter() - start


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-ledger-") as tmp:
        _database(Path(tmp))
        _populate()
        from zuofeng.orgs.models import Org

        user = _lead()
        root = Org.objects.get(parent__isnull=True)
        town = Org.objects.filter(kind__code="town").order_by("code").first()
        page, page_sql = alternate(lambda: _page(user, town), lambda: _page_sql(town), rounds)
        from django.conf import settings
        from django.test import Client

        from zuofeng.orgs import services

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        client = Client()
        client.force_login(user)
        client.token = services.token_create(actor=None, user=user)
        client.get("/problems/")  # the session's first request also writes the session
        api, api_sql = alternate(lambda: _page_http(client, town), lambda: _page_sql(town), rounds)
        html, html_sql = alternate(
            lambda: _html_page(client, town), lambda: _page_sql(town), rounds
        )
        ind, ind_sql = alternate(lambda: _indicators(root), lambda: _indicator_sql(root), rounds)
        from django.db import connections

        connections["default"].close()
    return [
        Result(
            "ledger page of 50, a town, state filter (ms)",
            page * 1000,
            page_sql * 1000,
            f"<={PAGE_TARGET:.1f}x",
            page <= PAGE_TARGET * page_sql,
        ),
        Result(
            "ledger API list of 50, whole request (ms)",
            api * 1000,
            api_sql * 1000,
            f"<={PAGE_TARGET:.1f}x",
            api <= PAGE_TARGET * api_sql,
        ),
        Result(
            "ledger page of 50, rendered HTML (ms)",
            html * 1000,
            html_sql * 1000,
            f"<={PAGE_TARGET:.1f}x",
            html <= PAGE_TARGET * html_sql,
        ),
        Result(
            "rectify indicator, district root, a year (ms)",
            ind * 1000,
            ind_sql * 1000,
            f"<={INDICATOR_TARGET:.1f}x",
            ind <= INDICATOR_TARGET * ind_sql,
        ),
    ]


if __name__ == "__main__":
    print(HEADER)
    for result in run():
        print(result.line())
