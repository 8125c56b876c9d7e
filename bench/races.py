"""Races on the demo district: computing a season of the 69-department race (every board, every
indicator leaf in grouped queries, scoring, and writing the scores) beside the reads alone done
the naive way — one value query per participant and leaf — and the board page against a time
budget, with the very SQL it runs replayed through the cursor beside it.

    python -m bench --only races --rounds 5
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import HEADER, Result, alternate, captured, replay, sqlite_database

COMPUTE_TARGET = 1.0  # the whole compute no slower than the naive reads alone
# A rendered page of 69 rows costs mostly template rendering, not SQL (under 1 ms of queries):
# its target is an absolute budget; the replayed SQL is printed beside it for the record.
PAGE_BUDGET_MS = 150


def _database(folder: Path) -> None:
    sqlite_database(folder, "races", demo=True)


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-races-") as tmp:
        _database(Path(tmp))
        from django.conf import settings
        from django.test import Client

        from zuofeng.core import indicators as registry
        from zuofeng.orgs.models import User
        from zuofeng.races import demo_data, services
        from zuofeng.races.models import Node, Race

        race = Race.objects.get(name=demo_data.DEPT_RACE)
        season = race.seasons.get(code="2025-Q3")
        participants = list(race.participants.order_by("path"))
        leaves = list(Node.objects.filter(board__race=race, source="indicator"))
        period = registry.Period(season.start, season.end)

        def compute() -> None:
            services.season_compute(actor=None, season=season)

        def naive() -> None:
            for leaf in leaves:
                indicator = registry.get(leaf.indicator_key)
                for p in participants:
                    indicator.value(p.path, period, leaf.filters)

        compute()  # warm
        ours, baseline = alternate(compute, naive, rounds)

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.DEMO_MODE = True  # the demo accounts log in only in demo mode
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        client = Client()
        client.force_login(User.objects.get(username="demo_lead"))
        url = f"/races/{race.pk}/{season.code}/"

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200, (response.status_code, response.get("Location"))

        page()
        page_sql = captured(page)
        html, floor = alternate(page, lambda: replay(page_sql), rounds)
        from django.db import connections

        connections["default"].close()
    n, k = len(participants), len(leaves)
    return [
        Result(
            f"compute a season, {n} depts x {k} indicator leaves (ms)",
            ours * 1000,
            baseline * 1000,
            f"<={COMPUTE_TARGET:.1f}x",
            ours <= COMPUTE_TARGET * baseline,
        ),
        Result(
            f"race board page, {n} depts ({len(page_sql)} queries) (ms)",
            html * 1000,
            floor * 1000,
            f"<={PAGE_BUDGET_MS}ms",
            html * 1000 <= PAGE_BUDGET_MS,
        ),
    ]


if __name__ == "__main__":
    print(HEADER)
    for result in run():
        print(result.line())
