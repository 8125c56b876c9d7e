"""The dashboard of the demo district: every headline indicator for the district root over the
campaign period, and the whole dashboard page, each beside the floor — the very SQL they run,
replayed straight through the database cursor (no ORM, no Python around it) — and the briefing
for the demo against its 3-second target.

    python -m bench --only dashboard --rounds 5
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from bench.common import HEADER, Result, alternate, captured, replay, sqlite_database

PAGE_TARGET = 2.0
INDICATOR_TARGET = 2.0
BRIEFING_SECONDS = 3.0
CAMPAIGN = ("2025-03-01", "2025-09-30")


def _database(folder: Path) -> None:
    sqlite_database(folder, "dashboard", demo=True)


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-dashboard-") as tmp:
        _database(Path(tmp))
        from django.conf import settings
        from django.test import Client

        from zuofeng.core.indicators import Period
        from zuofeng.dashboard import headlines, selectors, services
        from zuofeng.orgs.models import Org, User

        root = Org.objects.get(parent__isnull=True)
        period = Period(dt.date.fromisoformat(CAMPAIGN[0]), dt.date.fromisoformat(CAMPAIGN[1]))
        keys = headlines.keys()

        def indicators() -> None:
            selectors.figures(root, period, keys)

        indicators()  # warm the registry
        ind_sql = captured(indicators)
        ind, ind_floor = alternate(indicators, lambda: replay(ind_sql), rounds)

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.DEMO_MODE = True  # the demo accounts sign in only in demo mode
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        client = Client()
        client.force_login(User.objects.get(username="demo_lead"))
        url = f"/dashboard/?period=custom&from={CAMPAIGN[0]}&to={CAMPAIGN[1]}"

        def page() -> None:
            response = client.get(url)
            assert response.status_code == 200

        page()  # the session's first request also writes the session
        page_sql = captured(page)
        print(f"# dashboard page: {len(page_sql)} reads", flush=True)
        html, html_floor = alternate(page, lambda: replay(page_sql), rounds)

        def briefing() -> None:
            services.briefing_make(actor=None, scope=root, period=period, number=1)

        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            briefing()
            times.append(time.perf_counter() - start)
        times.sort()
        brief = times[len(times) // 2]
        from django.db import connections

        connections["default"].close()
    return [
        Result(
            f"headline indicators x{len(keys)}, district root, campaign (ms)",
            ind * 1000,
            ind_floor * 1000,
            f"<={INDICATOR_TARGET:.1f}x",
            ind <= INDICATOR_TARGET * ind_floor,
        ),
        Result(
            "dashboard page, district root (ms)",
            html * 1000,
            html_floor * 1000,
            f"<={PAGE_TARGET:.1f}x",
            html <= PAGE_TARGET * html_floor,
        ),
        Result(
            "briefing for the demo, district root (s)",
            brief,
            BRIEFING_SECONDS,
            f"<={BRIEFING_SECONDS:.0f}s",
            brief <= BRIEFING_SECONDS,
        ),
    ]


if __name__ == "__main__":
    print(HEADER)
    for result in run():
        print(result.line())
