"""Scale generator: an org tree with people, study activities, problems and service requests,
written straight into the database named by DATABASE_URL, deterministic by seed.

    python -m bench.scale --orgs 200000 --people 4500000 --activities 10000000 \
        --problems 1000000 --requests 2000000 [--seed 7]

PostgreSQL gets `COPY … FROM STDIN` (psycopg's `cursor.copy`), SQLite one `executemany` per
batch inside a transaction. Rows bypass the services on purpose (no audit rows, no counters):
this is a load generator for measuring reads, not a way to enter data.

The tree: a root (the province, or a district), then level-1 units (about one per 2,000 orgs:
districts of a province), level-2 units (about one per 130 orgs: towns and departments), and
the rest are branches (党支部) under a level-2 unit drawn at random. Paths and depths are those
`zuofeng.orgs.services` computes: one SEGMENT-wide id per ancestor.

Same seed and sizes on an empty database → the same rows (each table has its own random
stream, so changing one size does not change another table's rows). Encrypted personal fields
of people stay empty (the model allows it; encrypting 4.5 million fake ID numbers would only
measure AES); citizen requests carry a contact phone from a small pool of real ciphertexts made
with zuofeng.core.crypto, so every row is one the application can read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

ROOT_CODE = "SCALE"
YEAR = 2025
BATCH = 20_000
# Every generated row has the same creation stamp: reproducible rows, and auto_now fields have
# no database default that COPY could rely on.
STAMP = dt.datetime(YEAR, 12, 31, 12, 0, tzinfo=dt.UTC)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红燕建国文辉力斌宇浩凯鹏"


@dataclass(frozen=True)
class Sizes:
    orgs: int
    people: int = 0
    activities: int = 0
    problems: int = 0
    requests: int = 0


PROVINCE = Sizes(200_000, 4_500_000, 10_000_000, 1_000_000, 2_000_000)


@dataclass
class Tree:
    """The generated orgs, by level (ids), and each org's level-2 ancestor (its town)."""

    root: int = 0
    level1: list[int] = field(default_factory=list)
    level2: list[int] = field(default_factory=list)
    branches: list[int] = field(default_factory=list)
    town_of: dict[int, int] = field(default_factory=dict)
    path_of: dict[int, str] = field(default_factory=dict)

    @property
    def units(self) -> list[int]:
        """Orgs that hold records: towns/departments and branches."""
        return self.level2 + self.branches


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    import django

    django.setup()


class Writer:
    """Writes rows of one model: COPY on PostgreSQL, executemany on SQLite. Columns not given
    per row get the field's default (the same value in every row), adapted once."""

    def __init__(
        self, model, columns: list[str], *, with_pk: bool = False, bulk: bool = True
    ) -> None:
        from django.db import connection

        self.bulk = bulk
        self.connection = connection
        self.model = model
        self.table = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        by_name = {f.name: f for f in fields} | {f.attname: f for f in fields}
        missing = [c for c in columns if c not in by_name]
        if missing:
            raise ValueError(f"{self.table}: unknown columns {missing}")
        given = {by_name[c].column for c in columns}
        self.constant_fields = [f for f in fields if f.column not in given]
        self.columns = [by_name[c].column for c in columns] + [
            f.column for f in self.constant_fields
        ]
        self.tail = tuple(self._constant(f) for f in self.constant_fields)
        # The rows carry the holder's path themselves (zuofeng.core.subtree): on PostgreSQL the
        # table's triggers — the path lookup, the rollup upserts — are off for the load and the
        # rollups are recomputed from the table afterwards in one pass (checked afterwards by
        # bench/test_subtree_exact.py and `zuofeng subtree --check`).
        declared = getattr(model, "SUBTREE_COPY", None)
        self.quiet = bool(declared and declared[1] in columns)

    def _constant(self, f):
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = STAMP
        else:
            value = f.get_default()
        if self.connection.vendor == "postgresql":
            return value
        return f.get_db_prep_save(value, self.connection)

    def _drop_indexes(self, cursor) -> list[str]:
        """PostgreSQL: drop the table's plain (non-constraint) indexes and its foreign keys
        before a big COPY and return the statements that put them back exactly as they were
        (pg_indexes.indexdef, pg_get_constraintdef): one sort per index and one anti-join per
        foreign key afterwards, instead of a B-tree insert and a trigger per row. pg_restore
        loads the same way. Primary keys, unique and check constraints stay; the foreign keys
        are validated when they are added back. All in the one transaction of the load."""
        if not self.bulk:
            return []
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = %s AND NOT EXISTS ("
            "SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [self.table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [self.table],
        )
        keys = cursor.fetchall()
        for name, _definition in keys:
            cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _name, definition in indexes] + [
            f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}'
            for name, definition in keys
        ]

    def write(self, rows: Iterable[tuple]) -> int:
        tail = self.tail
        n = 0
        cols = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        if self.connection.vendor == "postgresql":
            self.connection.ensure_connection()
            sql = f"COPY {self.table} ({cols}) FROM STDIN"
            raw = self.connection.connection
            with raw.transaction(), raw.cursor() as cursor:
                rebuild = self._drop_indexes(cursor)
                if self.quiet:
                    from zuofeng.core import rollups

                    cursor.execute(f"ALTER TABLE {self.table} DISABLE TRIGGER USER")
                    rebuild.append(f"ALTER TABLE {self.table} ENABLE TRIGGER USER")
                    for r in rollups.rollups():
                        if r.source == self.table:
                            rebuild += r.rebuild_sql(self.connection.vendor)
                # COPY's text format built here: about twice as fast as write_row per row.
                end = "".join("\t" + _text(v) for v in tail) + "\n"
                with cursor.copy(sql) as copy:
                    chunk: list[str] = []
                    for row in rows:
                        chunk.append("\t".join(map(_text, row)) + end)
                        if len(chunk) >= BATCH:
                            copy.write("".join(chunk))
                            n += len(chunk)
                            chunk.clear()
                    copy.write("".join(chunk))
                    n += len(chunk)
                # Deferred foreign-key checks still pending in the transaction (earlier writes,
                # when the load is nested in an outer transaction) would stop CREATE INDEX on
                # this table: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for statement in rebuild:
                    cursor.execute(statement)
            return n
        from django.db import transaction

        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks})"
        with transaction.atomic(), self.connection.cursor() as cursor:
            batch: list[tuple] = []
            for row in rows:
                batch.append(row + tail)
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
            if batch:
                cursor.executemany(sql, batch)
                n += len(batch)
        return n


_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPE)
    return str(value)


def _day(rng: random.Random) -> dt.date:
    return dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(365))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def _shape(n: int) -> tuple[int, int, int]:
    """Counts of level-1, level-2 and branch orgs for n orgs in all (root included)."""
    if n < 4:
        raise SystemExit("--orgs must be at least 4 (a root, a level-1, a level-2, a branch)")
    level1 = max(1, round(n / 2000))
    level2 = max(level1, round(n / 130))
    branches = n - 1 - level1 - level2
    if branches < 1:
        level1, level2, branches = 1, 1, n - 3
    return level1, level2, branches


def orgs(n: int, seed: int) -> Tree:
    from django.db import connection
    from django.db.models import Max

    from zuofeng.orgs.models import Org, OrgKind, segment

    if Org.objects.filter(code=ROOT_CODE).exists():
        raise SystemExit(
            f"an org {ROOT_CODE} already exists: generate into an empty database "
            "(drop it and migrate again)"
        )
    rng = random.Random(f"{seed}:orgs")
    kinds = dict(OrgKind.objects.values_list("code", "pk"))
    n1, n2, _ = _shape(n)
    base = (Org.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    tree = Tree(root=base)
    tree.level1 = list(range(base + 1, base + 1 + n1))
    tree.level2 = list(range(base + 1 + n1, base + 1 + n1 + n2))
    tree.branches = list(range(base + 1 + n1 + n2, base + n))
    paths = tree.path_of
    paths[base] = segment(base)
    order: dict[int, int] = {}

    def row(pk, code, name, kind, parent, sort):
        path = paths[parent] + segment(pk) if parent else paths[pk]
        paths[pk] = path
        return (pk, code, name, kinds[kind], parent, path, len(path) // len(segment(0)) - 1, sort)

    def rows() -> Iterator[tuple]:
        yield row(base, ROOT_CODE, "规模测试根组织", "district_committee", None, 0)
        for i, pk in enumerate(tree.level1, 1):
            yield row(pk, f"S{i:04d}", f"测试区{i}", "district_committee", base, i)
        for i, pk in enumerate(tree.level2, 1):
            parent = tree.level1[(i - 1) % n1]
            tree.town_of[pk] = pk
            kind = "department" if rng.random() < 0.3 else "town"
            name = f"测试{'部门' if kind == 'department' else '乡镇'}{i}"
            yield row(pk, f"S{i:04d}-T{i:05d}", name, kind, parent, i)
        for i, pk in enumerate(tree.branches, 1):
            parent = tree.level2[rng.randrange(n2)]
            tree.town_of[pk] = parent
            order[parent] = order.get(parent, 0) + 1
            yield row(pk, f"S-B{i:07d}", f"第{i}党支部", "branch", parent, order[parent])

    writer = Writer(
        Org,
        ["id", "code", "name", "kind", "parent", "path", "depth", "sort_order"],
        with_pk=True,
    )
    writer.write(rows())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('orgs_org', 'id'), "
                "(SELECT max(id) FROM orgs_org))"
            )
    return tree


def people(n: int, seed: int, tree: Tree) -> int:
    from zuofeng.orgs.models import Person

    rng = random.Random(f"{seed}:people")
    units = tree.units
    statuses = ["member"] * 9 + ["probationary"]

    def rows() -> Iterator[tuple]:
        for _ in range(n):
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
            yield (
                _name(rng),
                rng.choice("MF"),
                birth.isoformat(),
                rng.choice(units),
                rng.choice(statuses),
            )

    return Writer(Person, ["name", "gender", "birth_date", "org", "political_status"]).write(rows())


def activities(n: int, seed: int, tree: Tree) -> int:
    from zuofeng.study.models import Activity, ActivityKind

    rng = random.Random(f"{seed}:activities")
    kinds = list(ActivityKind.objects.order_by("pk").values_list("pk", "category", "name"))
    if not kinds:
        raise SystemExit("no activity kinds: migrate first")
    units = tree.units

    def rows() -> Iterator[tuple]:
        for _ in range(n):
            kind, category, name = rng.choice(kinds)
            expected = rng.randrange(5, 41)
            org = rng.choice(units)
            yield (
                org,
                tree.path_of[org],
                kind,
                category,
                name,
                _day(rng).isoformat(),
                "online" if rng.random() < 0.2 else "offline",
                expected,
                expected - rng.randrange(0, 4),
            )

    return Writer(
        Activity,
        [
            "org",
            "org_path",
            "kind",
            "category",
            "topic",
            "date",
            "mode",
            "expected_count",
            "present_count",
        ],
    ).write(rows())


def problems(n: int, seed: int, tree: Tree) -> int:
    from zuofeng.rectify.models import Problem, ProblemCategory, ProblemSource

    rng = random.Random(f"{seed}:problems")
    sources = list(ProblemSource.objects.order_by("pk").values_list("pk", flat=True))
    categories = list(ProblemCategory.objects.order_by("pk").values_list("pk", flat=True))
    states = ["registered", "assigned", "rectifying", "submitted"] + ["closed"] * 3 + ["long_term"]
    units = tree.units

    def rows() -> Iterator[tuple]:
        for i in range(1, n + 1):
            found = _day(rng)
            state = rng.choice(states)
            deadline = found + dt.timedelta(days=rng.choice((14, 30, 60)))
            closed = found + dt.timedelta(days=rng.randrange(1, 90)) if state == "closed" else None
            unit = rng.choice(units)
            yield (
                f"SC{seed}-{i:09d}",
                f"规模测试问题{i}",
                rng.choice(sources),
                rng.choice(categories),
                found.isoformat(),
                unit,
                tree.path_of[unit],
                state,
                deadline.isoformat(),
                closed.isoformat() if closed else None,
                rng.random() < 0.2,
            )

    return Writer(
        Problem,
        [
            "number",
            "description",
            "source",
            "category",
            "found_date",
            "unit",
            "unit_path",
            "state",
            "deadline",
            "closed_date",
            "key_power",
        ],
    ).write(rows())


def enterprises(n: int, seed: int, tree: Tree) -> list[int]:
    """n enterprises with valid GB 32100 credit codes; returns their ids (in order)."""
    from django.db.models import Max

    from zuofeng.core.validators import credit_check_char
    from zuofeng.service.models import Enterprise

    rng = random.Random(f"{seed}:enterprises")
    before = Enterprise.objects.aggregate(m=Max("pk"))["m"] or 0

    def rows() -> Iterator[tuple]:
        for i in range(1, n + 1):
            # 91 (enterprise), a 6-digit area code, a 9-character body, the check character.
            body = f"91330100{seed % 100:02d}{i:07d}"
            yield (
                body + credit_check_char(body),
                f"规模测试企业{i}",
                rng.choice(tree.level2),
                rng.choice(("制造业", "批发零售", "软件信息", "建筑业")),
            )

    Writer(Enterprise, ["credit_code", "name", "town", "industry"]).write(rows())
    # Ids from the sequence need not be contiguous (a rolled-back load still used its values).
    return list(
        Enterprise.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True)
    )


def requests(n: int, seed: int, tree: Tree) -> int:
    from django.db import connection

    from zuofeng.core import crypto
    from zuofeng.service.choices import DONE_STATES, Channel
    from zuofeng.service.models import RequestCategory, ServiceRequest

    if n == 0:
        return 0
    firms = enterprises(max(1, n // 20), seed, tree)
    rng = random.Random(f"{seed}:requests")
    categories = list(RequestCategory.objects.order_by("pk").values_list("pk", flat=True))
    channels = [c.value for c in Channel]
    states = ["submitted", "assigned", "signed", "handling"] + ["resolved", "rated", "closed"] * 2
    done = {str(s) for s in DONE_STATES}
    # A pool of real ciphertexts (deterministic plaintexts, random nonces): readable rows.
    plain = [f"1380000{i:04d}" for i in range(100)]
    phones = [(crypto.encrypt(p), crypto.lookup_hash(p)) for p in plain]
    units = tree.units
    postgres = connection.vendor == "postgresql"

    def at(day: dt.date) -> str:
        # 09:30 in China; SQLite holds naive UTC under USE_TZ.
        return f"{day} 09:30:00+08:00" if postgres else f"{day} 01:30:00"

    def rows() -> Iterator[tuple]:
        for i in range(1, n + 1):
            day = _day(rng)
            state = rng.choice(states)
            unit = rng.choice(units)
            citizen = rng.random() < 0.3
            phone, phone_hash = rng.choice(phones) if citizen else ("", "")
            resolved = day + dt.timedelta(days=rng.randrange(1, 20)) if state in done else None
            yield (
                f"SQ{seed}-{i:09d}",
                f"S{seed % 1000:03d}{i:012d}",
                "citizen" if citizen else "enterprise",
                None if citizen else rng.choice(firms),
                phone,
                phone_hash,
                rng.choice(channels),
                rng.choice(categories),
                f"规模测试诉求{i}",
                day.isoformat(),
                at(day),
                tree.town_of[unit],
                unit,
                tree.path_of[unit],
                state,
                (day + dt.timedelta(days=rng.choice((5, 10, 15)))).isoformat(),
                resolved.isoformat() if resolved else None,
            )

    return Writer(
        ServiceRequest,
        [
            "number",
            "tracking_code",
            "kind",
            "enterprise",
            "contact_phone_enc",
            "contact_phone_hash",
            "channel",
            "category",
            "content",
            "submitted_date",
            "submitted_at",
            "front_desk",
            "unit",
            "unit_path",
            "state",
            "deadline",
            "resolved_date",
        ],
    ).write(rows())


def generate(
    sizes: Sizes, seed: int = 7, log: Callable[[str], None] = print
) -> dict[str, tuple[int, float]]:
    """Generate every table in order; returns {table: (rows, seconds)}. Needs Django set up
    and a migrated database."""
    from django.db import connection

    done: dict[str, tuple[int, float]] = {}

    def step(name: str, fn: Callable[[], int]) -> None:
        start = time.perf_counter()
        count = fn()
        done[name] = (count, time.perf_counter() - start)
        log(f"{name:<12} {count:>12,} rows {done[name][1]:>9.1f} s")

    tree: Tree = Tree()

    def make_orgs() -> int:
        nonlocal tree
        tree = orgs(sizes.orgs, seed)
        return sizes.orgs

    step("orgs", make_orgs)
    step("people", lambda: people(sizes.people, seed, tree))
    step("activities", lambda: activities(sizes.activities, seed, tree))
    step("problems", lambda: problems(sizes.problems, seed, tree))
    step("requests", lambda: requests(sizes.requests, seed, tree))
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM sets the visibility map that index-only scans need (autovacuum would, later);
        # it cannot run inside a transaction, where ANALYZE alone is done.
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
    done["analyze"] = (0, time.perf_counter() - start)
    log(f"{'analyze':<12} {'':>12}      {done['analyze'][1]:>9.1f} s")
    return done


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    for name in ("orgs", "people", "activities", "problems", "requests"):
        p.add_argument(f"--{name}", type=int, default=0 if name != "orgs" else None)
    p.add_argument("--province", action="store_true", help="the full province sizes")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-migrate", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.province:
        sizes = PROVINCE
    elif args.orgs is None:
        raise SystemExit("give --orgs N (and the other sizes), or --province")
    else:
        sizes = Sizes(args.orgs, args.people, args.activities, args.problems, args.requests)
    _setup()
    from django.core.management import call_command
    from django.db import connection

    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    print(
        f"generating {sizes} seed={args.seed} into "
        f"{connection.vendor} {connection.settings_dict['NAME']}"
    )
    start = time.perf_counter()
    generate(sizes, args.seed)
    print(f"{'total':<12} {'':>12}      {time.perf_counter() - start:>9.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
