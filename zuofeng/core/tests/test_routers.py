"""Read routing: indicator and dashboard reads go to the replica when one is configured,
writes and every other read to default; and, on PostgreSQL, a real streaming replica on
loopback receives a routed read."""

from __future__ import annotations

import copy
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import override_settings
from django.utils.connection import ConnectionDoesNotExist

from zuofeng.core.models import Counter
from zuofeng.core.routers import ReplicaRouter, read_database, reading_replica
from zuofeng.rectify.models import Problem

router = ReplicaRouter()
# Overriding DATABASES is what these tests are about; the connection handler is kept in step.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES:UserWarning")


def with_replica(cfg: dict | None = None):
    databases = copy.deepcopy(settings.DATABASES)
    databases["replica"] = cfg or {**copy.deepcopy(databases["default"]), "TEST": {}}
    return override_settings(DATABASES=databases)


def test_without_a_replica_everything_is_default():
    databases = {k: v for k, v in settings.DATABASES.items() if k != "replica"}
    with override_settings(DATABASES=databases), reading_replica():
        assert read_database() == "default"
        assert router.db_for_read(Problem) == "default"
        assert Problem.objects.all().db == "default"
        assert router.db_for_write(Problem) == "default"


def test_with_a_replica_only_marked_reads_go_to_it():
    with with_replica():
        # Outside the block: pages and services read default.
        assert router.db_for_read(Problem) == "default"
        assert Problem.objects.all().db == "default"
        with reading_replica():
            assert router.db_for_read(Problem) == "replica"
            assert Problem.objects.filter(state="closed").db == "replica"
            # Writes never go to the replica, even inside the block.
            assert router.db_for_write(Problem) == "default"
            assert Problem.objects.select_for_update().db == "default"
            with reading_replica():
                assert read_database() == "replica"
            assert read_database() == "replica"  # nesting restores, not clears
        assert router.db_for_read(Problem) == "default"
        assert router.allow_migrate("default", "rectify") is True
        assert router.allow_migrate("replica", "rectify") is False


@pytest.mark.django_db
def test_inside_a_transaction_reads_stay_on_default():
    """A service that writes and then computes a figure must see its own write."""
    with with_replica(), reading_replica():
        assert connections["default"].in_atomic_block
        assert router.db_for_read(Problem) == "default"


@pytest.mark.django_db
def test_dashboard_selectors_read_inside_the_replica_block(district, monkeypatch):
    """figures, by_child and by_month make their reads inside reading_replica()."""
    import datetime as dt

    from zuofeng.core import routers
    from zuofeng.core.indicators import Period
    from zuofeng.dashboard import selectors

    seen: list[bool] = []
    real = routers.read_database

    def spy() -> str:
        seen.append(routers._reading_replica.get())
        return real()

    monkeypatch.setattr(routers, "read_database", spy)
    period = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))
    root = district.root
    for call in (
        lambda: selectors.figures(root, period, ["rectify.problems_found"]),
        lambda: selectors.by_child(root, "rectify.problems_found", period),
        lambda: selectors.by_month(root, "rectify.problems_found", period),
    ):
        seen.clear()
        call()
        assert seen and all(seen)


# -- a real streaming replica on loopback (PostgreSQL runs only) ---------------------------

PG_BIN = Path(os.environ.get("ZUOFENG_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Clusters:
    """A primary and its streaming replica in a temp dir, run as the postgres user when we are
    root (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            pytest.skip("the streaming replica test runs in the PostgreSQL run only")
        for tool in ("initdb", "pg_ctl", "pg_basebackup", "postgres"):
            if not (PG_BIN / tool).exists():
                pytest.skip(f"{PG_BIN / tool} not found (set ZUOFENG_PG_BIN)")
        self.prefix: list[str] = []
        self.owner = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root and there is no postgres system user")
            runuser = shutil.which("runuser")
            if runuser is None:
                pytest.skip("running as root and runuser is not installed")
            self.prefix = [runuser, "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="zf-replica-"))
        if self.owner:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)
        self.dir.chmod(0o700)
        self.primary = self.dir / "primary"
        self.replica = self.dir / "replica"
        self.started: list[Path] = []
        self.ports: dict[Path, int] = {}

    def run(self, *args: str, timeout: int = 60) -> None:
        result = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}\n{result.stderr}")

    def start(self, data: Path) -> int:
        port = _free_port()
        self.run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / f"{data.name}.log"),
            "-w",
            "-t",
            "30",
            "-o",
            f"-p {port} -k {self.dir} -c listen_addresses=127.0.0.1",
            "start",
        )
        self.started.append(data)
        self.ports[data] = port
        return port

    def up(self) -> tuple[int, int]:
        self.run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.primary),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        with (self.primary / "postgresql.conf").open("a") as conf:
            conf.write(
                "\nwal_level = replica\nmax_wal_senders = 4\nfsync = off\n"
                "shared_buffers = 16MB\nsynchronous_commit = off\n"
            )
        with (self.primary / "pg_hba.conf").open("a") as hba:
            hba.write("\nhost replication postgres 127.0.0.1/32 trust\n")
        primary = self.start(self.primary)
        self.run(
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary),
            "-U",
            "postgres",
            "-D",
            str(self.replica),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        replica = self.start(self.replica)
        return primary, replica

    def down(self) -> None:
        for data in reversed(self.started):
            subprocess.run(
                [*self.prefix, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=30,
                check=False,
            )
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def clusters():
    c = Clusters()
    try:
        yield c.up()
    finally:
        c.down()


def _drop_connection(alias: str) -> None:
    try:
        connections[alias].close()
        del connections[alias]
    except (AttributeError, KeyError, ConnectionDoesNotExist):
        pass


def _url(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/postgres"


@pytest.mark.slow
def test_a_routed_read_reaches_a_real_streaming_replica(clusters, django_db_blocker):
    import dj_database_url
    import psycopg

    primary, replica = clusters
    table = Counter._meta.db_table
    with psycopg.connect(_url(primary), autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id bigint PRIMARY KEY, name varchar(64) UNIQUE NOT NULL, "
            "value bigint NOT NULL)"
        )
        conn.execute(f"INSERT INTO {table} VALUES (1, 'replica-probe', 42)")
    with psycopg.connect(_url(replica), autocommit=True) as conn:
        # It is a standby: it replays the primary and refuses writes.
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        deadline = time.monotonic() + 15
        while True:
            exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [table]).fetchone()[0]
            if exists and conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1:
                break
            assert time.monotonic() < deadline, "the row never reached the replica"
            time.sleep(0.1)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute(f"INSERT INTO {table} VALUES (2, 'write', 1)")

    cfg = dj_database_url.parse(_url(replica))
    full = connections.configure_settings(
        {"default": copy.deepcopy(settings.DATABASES["default"]), "replica": cfg}
    )["replica"]
    previous = connections.settings.get("replica")
    _drop_connection("replica")  # a wrapper made earlier (a mirror in the test run) goes
    connections.settings["replica"] = full
    try:
        with with_replica(full), django_db_blocker.unblock():
            with reading_replica():
                qs = Counter.objects.filter(name="replica-probe")
                assert qs.db == "replica"
                assert qs.get().value == 42
                # The write route stays on default even here.
                assert router.db_for_write(Counter) == "default"
            # Outside the block the same read goes to default, which has no such row.
            assert Counter.objects.filter(name="replica-probe").db == "default"
            assert connections["replica"].settings_dict["PORT"] == replica
    finally:
        _drop_connection("replica")
        if previous is None:
            del connections.settings["replica"]
        else:
            connections.settings["replica"] = previous


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    """The figures' short aggregations are not JIT-compiled (settings: -c jit=off)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
