"""Shared parts of the benchmarks: alternating rounds, medians and the one-line result."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One measure: ours beside its baseline. `higher_is_better` for rates, not for times."""

    name: str
    ours: float
    baseline: float
    target: str
    passed: bool
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{self.name:<44} {self.ours:>12.3f} {self.baseline:>12.3f} "
            f"{self.ratio:>7.2f} {self.target:>10}  {verdict}"
        )


HEADER = (
    f"{'name':<44} {'ours_median':>12} {'baseline_median':>12} {'ratio':>7} {'target':>10}  verdict"
)


def alternate(
    ours: Callable[[], float | None], baseline: Callable[[], float | None], rounds: int
) -> tuple[float, float]:
    """Run ours and the baseline alternately; each returns its own measure or None to be
    timed in seconds here. Returns the two medians."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        for fn, sink in ((ours, mine), (baseline, theirs)):
            start = time.perf_counter()
            value = fn()
            sink.append(value if value is not None else time.perf_counter() - start)
    return statistics.median(mine), statistics.median(theirs)


def sqlite_database(folder, name: str, *, demo: bool = False) -> None:
    """Point Django at a fresh SQLite file `folder/name.sqlite3` and migrate it; with `demo`,
    build the demo district into it. Each benchmark measures SQLite and refuses another
    database named by DATABASE_URL."""
    import os
    from pathlib import Path

    folder = Path(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    os.environ.setdefault("ZUOFENG_HOME", str(folder / "home"))
    db = folder / f"{name}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    connection = connections["default"]
    if connection.vendor != "sqlite":
        raise SystemExit(f"bench.{name} measures SQLite; unset DATABASE_URL")
    connection.close()
    connection.settings_dict["NAME"] = str(db)
    call_command("migrate", verbosity=0)
    if demo:
        with open(os.devnull, "w") as quiet:
            call_command("demo", verbosity=0, stdout=quiet)


def captured(fn) -> list[tuple[str, list]]:
    """The reads (SELECT, WITH) `fn` runs, with their parameters: the floor to replay."""
    from django.db import connection

    statements: list[tuple[str, list]] = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):  # every read
            statements.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        fn()
    return statements


def replay(statements) -> float:
    """Run the statements straight through the cursor, fetching every row; seconds taken."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - start


def gunicorn(app: str, *, settings: str, db, home: str):
    """gunicorn serving `app` (a WSGI path) on a free loopback port with the SQLite file `db`:
    2 workers of 4 threads, as a small office server would run. Returns (process, port) once it
    accepts connections; the caller stops the process."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE=settings, DATABASE_URL=f"sqlite:///{db}",
        ZUOFENG_HOME=home,
    )  # fmt: skip
    command = [sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}"]
    command += ["-w", "2", "--threads", "4", "--log-level", "warning"]
    proc = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError("the benchmark server exited at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the benchmark server did not start")
