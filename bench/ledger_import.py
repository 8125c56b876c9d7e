"""Import of the problem ledger (问题台账): 100,000 rows from one xlsx into a fresh SQLite database.

The file: 100,000 valid rows in the import's own columns (问题编号 … 重点领域), written with the
product's sheet writer, over the demo district's org tree (seed 20250601); found dates over
2025–2026, every state, closed rows with their 销号日期, deadlines as dates and some as a number
of working days, campaigns and key areas on part of the rows (seed 20261130).

ours:     `zuofeng import problems FILE` (call_command; the `ledger` kind is another sheet, the
          projects' 共富明细账) — the content check and sha256, header mapping, every row
          validated against the vocabularies, the org tree and the rest of the file, the
          problems written in one transaction with an "imported" timeline event each and one
          audit entry. Figure: rows per second.
floor:    the same file read with python-calamine and the rows inserted as they are with
          sqlite3.executemany into an equivalent table: the sheet's columns plus the bookkeeping
          columns the real table carries (filled by defaults), the same 17 indexes on their
          counterparts, the same PRAGMAs — no validation, no lookups, no timeline, no audit.
          Target: ours ≥ 50% of its rows per second.
naive:    openpyxl (read-only mode) reading the file and one ORM `Problem(...).save()` per row in
          one transaction, the unit and the vocabularies resolved by name through dict caches:
          what a first version would do. Run once; the speed-up (ours / naive) is reported.
memory:   the peak resident set (VmHWM) of a child process running the real import of the
          whole file, read by the child as it ends — a child's rusage (ru_maxrss) also counts the
          pages of the process it was spawned from, here the benchmark's own hundreds of MB —
          beside the same figure for the floor in a child of its own. Target: < 400 MB.

Rounds alternate ours and the floor, each on a new copy of a migrated database holding the org
tree.

    python -m bench --only ledger_import
    python -m bench.ledger_import [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import HEADER, Result, alternate, sqlite_database

PROBLEMS = 100_000
SEED = 20261130
TARGET = 0.50
MEMORY_LIMIT_MB = 400
# The naive import saves every row on its own: the whole file takes about two minutes on two
# cores, so it runs once, over every row (a prefix, scaled to rows per second, if lowered).
NAIVE_ROWS = 100_000
ROOT = Path(__file__).resolve().parent.parent

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志海燕飞鹏辉斌浩宇晨阳"
SUBJECTS = (
    "村级工程项目",
    "集体资产租赁",
    "惠民补贴发放",
    "公务接待",
    "公车使用",
    "会议文件",
    "督查检查",
    "政务服务窗口",
    "招投标",
    "食堂采购",
    "涉企检查",
    "基层减负",
    "信访件办理",
    "低保审核",
    "安置补偿",
)
ISSUES = (
    "台账不全、资料补签",
    "审批程序不规范",
    "公开不及时",
    "超标准列支",
    "重留痕轻实效",
    "推诿扯皮、办理超时",
    "层层加码、重复填报",
    "未按规定集体决策",
    "合同管理混乱",
    "群众反映强烈",
    "整改不到位、问题反弹",
    "监督管理缺位",
)
MEASURES = (
    "补齐台账并逐项核对",
    "修订审批流程，明确责任人",
    "清退违规款项",
    "开展专项检查，建立长效机制",
    "约谈相关责任人并通报",
    "压减会议文件，统一报表口径",
    "完善制度并组织培训",
)
STATES = ["登记", "交办", "整改中", "整改中", "申请销号", "已销号", "已销号", "已销号", "长期整改"]


# --- the file ---------------------------------------------------------------------------------


def _rows(units: list[str]):
    """PROBLEMS ledger rows in the import's column order; the same seed gives the same rows."""
    from zuofeng.rectify.choices import SEED_CAMPAIGNS, SEED_CATEGORIES, SEED_SOURCES

    rng = random.Random(SEED)
    modes = ["逐项逐条改", "专项整治改", "建章立制改", ""]
    areas = ["权力集中", "资金密集", "资源富集"]
    first = dt.date(2025, 1, 1)
    for i in range(1, PROBLEMS + 1):
        found = first + dt.timedelta(days=rng.randrange(540))  # to mid-2026, never after today
        state = rng.choice(STATES)
        roll = rng.random()
        if roll < 0.80:
            deadline: object = found + dt.timedelta(days=rng.choice((15, 30, 60, 90, 180)))
        elif roll < 0.95:
            deadline = str(rng.choice((10, 20, 30)))  # working days from the found date
        else:
            deadline = None
        closed = found + dt.timedelta(days=rng.randrange(1, 120)) if state == "已销号" else None
        picked = rng.sample(areas, rng.choice((0, 0, 0, 1, 1, 2)))
        yield (
            f"TZ-{found.year}-{i:06d}",
            f"{rng.choice(SUBJECTS)}{rng.choice(ISSUES)}（{rng.randrange(1, 400)}号线索）",
            rng.choice(SEED_SOURCES),
            rng.choice(SEED_CATEGORIES) if rng.random() < 0.9 else "",
            found,
            rng.choice(units),
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            rng.choice(SURNAMES) + rng.choice(GIVEN),
            rng.choice(modes),
            rng.choice(MEASURES) if state != "登记" else "",
            deadline,
            state,
            closed,
            rng.choice(SEED_CAMPAIGNS) if rng.random() < 0.3 else "",
            "、".join(picked),
        )


def _write_file(path: Path, units: list[str]) -> Path:
    from zuofeng.core.sheets import CODE, get_importer
    from zuofeng.core.sheets.writer import SheetSpec, write_workbook

    importer = get_importer("problems")
    spec = SheetSpec(
        name="问题台账",
        headers=importer.headers,
        rows=_rows(units),
        widths=[c.width for c in importer.columns],
        text_columns=frozenset(i for i, c in enumerate(importer.columns) if c.parse == CODE),
    )
    (written,) = write_workbook(str(path), [spec])
    assert written == PROBLEMS, written
    return path


def _template(folder: Path) -> tuple[Path, list[str]]:
    """A migrated database holding the demo district's org tree, closed so it can be copied;
    and the codes of the orgs below the root (the responsible units of the file)."""
    from django.db import connections

    from zuofeng.core.sheets import run_import
    from zuofeng.orgs import demo

    sqlite_database(folder, "ledger_import")
    orgs = list(demo.org_rows(demo.DEFAULT_SEED))
    run_import("orgs", orgs)
    connection = connections["default"]
    template = Path(connection.settings_dict["NAME"])
    connection.close()
    return template, [row["组织编码"] for row in orgs if row["上级组织编码"]]


# --- databases --------------------------------------------------------------------------------


def _fresh(template: Path, db: Path) -> None:
    """Point Django's connection at a new copy of the template."""
    from django.db import connections

    shutil.copyfile(template, db)
    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = str(db)
    connection.ensure_connection()


def _drop(db: Path) -> None:
    from django.db import connections

    connection = connections["default"]
    if connection.settings_dict["NAME"] == str(db):
        connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def _count_problems() -> int:
    from zuofeng.rectify.models import Problem

    return Problem.objects.count()


# --- ours -------------------------------------------------------------------------------------


def _ours(template: Path, folder: Path, xlsx: Path, counter: list[int]) -> float:
    from django.core.management import call_command

    counter[0] += 1
    db = folder / f"ours-{counter[0]}.sqlite3"
    _fresh(template, db)
    out = io.StringIO()
    start = time.perf_counter()
    call_command("import", "problems", str(xlsx), stdout=out)
    elapsed = time.perf_counter() - start
    assert f"created {PROBLEMS}," in out.getvalue(), out.getvalue()
    assert _count_problems() == PROBLEMS
    _drop(db)
    return PROBLEMS / elapsed


# --- the floor --------------------------------------------------------------------------------

FLOOR_COLUMNS = (
    "number, description, source, category, found_date, unit_code, leader, person, mode, "
    "measures, deadline, state, closed_date, campaign, key_areas"
)
FLOOR_SCHEMA = """
CREATE TABLE problem (id INTEGER PRIMARY KEY AUTOINCREMENT,
  number VARCHAR(32) NOT NULL UNIQUE, description TEXT NOT NULL, source VARCHAR(50) NOT NULL,
  category VARCHAR(50) NOT NULL, found_date DATE NOT NULL, unit_code VARCHAR(32) NOT NULL,
  leader VARCHAR(50) NOT NULL, person VARCHAR(50) NOT NULL, mode VARCHAR(16) NOT NULL,
  measures TEXT NOT NULL, deadline DATE, state VARCHAR(16) NOT NULL, closed_date DATE,
  campaign VARCHAR(50) NOT NULL, key_areas VARCHAR(32) NOT NULL,
  version INTEGER NOT NULL DEFAULT 1, warning VARCHAR(8) NOT NULL DEFAULT '',
  overdue_since DATE, source_ref VARCHAR(64) NOT NULL DEFAULT '', deadline_workdays SMALLINT,
  assigned_date DATE, notice_level SMALLINT NOT NULL DEFAULT 0,
  notice_proposed SMALLINT NOT NULL DEFAULT 0, result TEXT NOT NULL DEFAULT '',
  review_date DATE, inspection_id BIGINT, verifier_id BIGINT, created_by_id BIGINT,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE INDEX problem_deadline ON problem (deadline);
CREATE INDEX problem_warning ON problem (warning);
CREATE INDEX problem_closed ON problem (closed_date);
CREATE INDEX problem_campaign ON problem (campaign);
CREATE INDEX problem_created_by ON problem (created_by_id);
CREATE INDEX problem_unit ON problem (unit_code);
CREATE INDEX problem_verifier ON problem (verifier_id);
CREATE INDEX problem_category ON problem (category);
CREATE INDEX problem_source ON problem (source);
CREATE INDEX problem_inspection ON problem (inspection_id);
CREATE INDEX problem_notice_proposed ON problem (notice_proposed);
CREATE INDEX problem_unit_state ON problem (unit_code, state);
CREATE INDEX problem_found ON problem (found_date);
CREATE INDEX problem_state_deadline ON problem (state, deadline);
CREATE INDEX problem_unit_found ON problem (unit_code, found_date);
CREATE INDEX problem_unit_closed ON problem (unit_code, closed_date);
"""
FLOOR_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"


def floor_import(db: Path, xlsx: Path) -> float:
    """Read the sheet with python-calamine and insert its rows as they are; seconds taken."""
    import python_calamine

    conn = sqlite3.connect(db)
    conn.executescript(FLOOR_PRAGMAS + FLOOR_SCHEMA)
    start = time.perf_counter()
    sheet = python_calamine.CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0)
    rows = sheet.to_python()[1:]
    with conn:
        conn.executemany(f"INSERT INTO problem ({FLOOR_COLUMNS}) VALUES ({'?, ' * 14}?)", rows)
    elapsed = time.perf_counter() - start
    (count,) = conn.execute("SELECT COUNT(*) FROM problem").fetchone()
    conn.close()
    assert count == PROBLEMS, count
    return elapsed


def _floor(folder: Path, xlsx: Path, counter: list[int]) -> float:
    counter[0] += 1
    db = folder / f"floor-{counter[0]}.sqlite3"
    elapsed = floor_import(db, xlsx)
    _drop(db)
    return PROBLEMS / elapsed


# --- the naive first version ------------------------------------------------------------------


def _naive(template: Path, folder: Path, xlsx: Path, limit: int) -> float:
    """openpyxl's rows, one `Problem(...).save()` each; rows per second over `limit` rows."""
    from django.db import transaction
    from django.utils import translation
    from openpyxl import load_workbook

    from zuofeng.core.calendar import add_workdays
    from zuofeng.orgs.models import Org
    from zuofeng.rectify.choices import KeyArea, Mode, ProblemState
    from zuofeng.rectify.models import Campaign, Problem, ProblemCategory, ProblemSource

    db = folder / "naive.sqlite3"
    _fresh(template, db)
    with translation.override("zh-hans"):
        states = {str(label): value for value, label in ProblemState.choices}
        modes = {str(label): value for value, label in Mode.choices}
        areas = {str(label): value for value, label in KeyArea.choices}
    caches: dict[type, dict] = {Org: {}, ProblemSource: {}, ProblemCategory: {}, Campaign: {}}

    def lookup(model, **by):
        key = next(iter(by.values()))
        cache = caches[model]
        if key not in cache:
            cache[key] = model.objects.get(**by)
        return cache[key]

    def day(value):
        return value.date() if isinstance(value, dt.datetime) else value

    start = time.perf_counter()
    workbook = load_workbook(xlsx, read_only=True, data_only=True)
    with transaction.atomic():
        for values in workbook.active.iter_rows(min_row=2, max_row=limit + 1, values_only=True):
            (number, description, source, category, found, unit, leader, person) = values[:8]
            (mode, measures, deadline, state, closed, campaign, key_areas) = values[8:15]
            found = day(found)
            if isinstance(deadline, str):
                deadline = add_workdays(found, int(deadline))
            flags = {areas[label] for label in (key_areas or "").split("、") if label}
            Problem(
                number=number,
                description=description,
                source=lookup(ProblemSource, name=source),
                category=lookup(ProblemCategory, name=category) if category else None,
                found_date=found,
                unit=lookup(Org, code=unit),
                leader=leader or "",
                person=person or "",
                mode=modes.get(mode or "", ""),
                measures=measures or "",
                deadline=day(deadline),
                state=states[state],
                closed_date=day(closed),
                campaign=lookup(Campaign, name=campaign) if campaign else None,
                key_power="power" in flags,
                key_funds="funds" in flags,
                key_resources="resources" in flags,
            ).save()
    workbook.close()
    elapsed = time.perf_counter() - start
    assert _count_problems() == limit
    _drop(db)
    return limit / elapsed


# --- peak memory ------------------------------------------------------------------------------


def _peak_mb(folder: Path, template: Path, xlsx: Path, which: str) -> float:
    """Run `which` ("ours" or "floor") on the whole file in a child process; its peak RSS in MB."""
    db = folder / f"memory-{which}.sqlite3"
    env = dict(os.environ)
    if which == "ours":
        shutil.copyfile(template, db)
        env["DATABASE_URL"] = f"sqlite:///{db}"
    command = [sys.executable, "-m", "bench.ledger_import", f"--memory-{which}", str(db), str(xlsx)]
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if done.returncode:
        raise RuntimeError(f"the {which} memory child exited with {done.returncode}")
    return int(done.stdout.split()[-1]) / 1024


def _own_peak_kib() -> int:
    """This process's peak RSS in KiB since it started its program (Linux: VmHWM)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes there, KiB elsewhere


def _memory_child(which: str, db: Path, xlsx: Path) -> None:
    """Import the whole file, then print the peak RSS in KiB as the last word of stdout."""
    if which == "floor":
        floor_import(db, xlsx)
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
        import django
        from django.core.management import call_command

        django.setup()
        call_command("import", "problems", str(xlsx), stdout=io.StringIO())
        assert _count_problems() == PROBLEMS
    print(_own_peak_kib())


# --- running ----------------------------------------------------------------------------------


def run(rounds: int = 3) -> list[Result]:
    """Ours beside the floor (alternating rounds), beside the naive version (once), and the
    peak memory of the import; rows per second are higher-is-better."""
    with tempfile.TemporaryDirectory(prefix="zf-bench-ledger-import-") as tmp:
        folder = Path(tmp)
        template, units = _template(folder)
        xlsx = _write_file(folder / "ledger.xlsx", units)
        mine, theirs = [0], [0]
        ours, floor = alternate(
            lambda: _ours(template, folder, xlsx, mine),
            lambda: _floor(folder, xlsx, theirs),
            rounds,
        )
        naive = _naive(template, folder, xlsx, NAIVE_ROWS)
        ours_mb = _peak_mb(folder, template, xlsx, "ours")
        floor_mb = _peak_mb(folder, template, xlsx, "floor")
    naive_name = (
        "import 100k ledger rows vs openpyxl+save() (rows/s)"
        if NAIVE_ROWS == PROBLEMS
        else f"import 100k ledger rows vs openpyxl+save(), {NAIVE_ROWS // 1000}k rows (rows/s)"
    )
    return [
        Result(
            "import 100k ledger rows vs calamine+executemany (rows/s)",
            ours,
            floor,
            f">={TARGET:.2f}",
            ours >= TARGET * floor,
            higher_is_better=True,
        ),
        Result(naive_name, ours, naive, "report", True, higher_is_better=True),
        Result(
            "peak RSS, import 100k ledger rows vs floor's (MB)",
            ours_mb,
            floor_mb,
            f"<{MEMORY_LIMIT_MB}MB",
            ours_mb < MEMORY_LIMIT_MB,
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger_import")
    parser.add_argument("--rounds", type=int, default=3)
    for which in ("ours", "floor"):
        parser.add_argument(
            f"--memory-{which}", nargs=2, metavar=("DB", "XLSX"), help=argparse.SUPPRESS
        )
    args = parser.parse_args(argv)
    if args.memory_ours or args.memory_floor:
        which = "ours" if args.memory_ours else "floor"
        db, xlsx = args.memory_ours or args.memory_floor
        _memory_child(which, Path(db), Path(xlsx))
        return
    print(HEADER)
    for result in run(rounds=args.rounds):
        print(result.line(), flush=True)


if __name__ == "__main__":
    main()
