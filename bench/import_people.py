"""Import throughput: 3,300 orgs and 45,000 people from xlsx into a fresh SQLite database.

ours:     `zuofeng import orgs` then `zuofeng import people`, through run_import_file — content
          checks, header mapping, every row validated (ID check digit, phone, dates, duplicates,
          parents), phone and ID encrypted and hashed, one audit entry per file.
baseline: the same two files read with python-calamine and the rows inserted as they are with
          sqlite3.executemany into equivalent tables (same columns and indexes, same PRAGMAs) —
          the floor for "read a sheet and store it", with no validation, encryption or audit.

Rounds alternate ours and the baseline, each in a new database file; the figure is rows per
second (3,300 + 45,000 rows over both imports). Target: ours ≥ 30% of the baseline.

    python -m bench --only import_people          # through the suite runner
    python -m bench.import_people [--rounds N]    # this benchmark alone
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import HEADER, Result, alternate

ORGS = 3_300
PEOPLE = 45_000
SEED = 20250401
TARGET = 0.30

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志海燕飞鹏辉斌浩宇晨阳雪梅琳"
STATUSES = ["中共党员"] * 8 + ["预备党员", "共青团员", "群众"]
LEVELS = [""] * 12 + ["一般干部"] * 4 + ["中层干部"] * 2 + ["区管领导干部"]
POSITIONS = ["", "", "", "科员", "主任", "副主任", "书记", "副书记", "委员", "村主任", "网格员"]
ORG_HEADERS = ["组织编码", "组织名称", "上级组织编码", "组织类别", "简称", "排序号"]
PEOPLE_HEADERS = [
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "手机号",
    "所在组织编码",
    "政治面貌",
    "干部层级",
    "职务",
    "人员编号",
]


# --- the data ---------------------------------------------------------------------------------


def _id_number(rng: random.Random, birth: dt.date, male: bool, used: set[str]) -> str:
    from zuofeng.core.validators import id_check_char

    while True:
        order = rng.randrange(0, 100) * 10 + rng.choice(
            (1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8)
        )
        first17 = f"330682{birth:%Y%m%d}{order:03d}"
        number = first17 + id_check_char(first17)
        if number not in used:
            used.add(number)
            return number


def generate(folder: Path) -> tuple[Path, Path]:
    """A district of ORGS orgs (区委 → 乡镇街道/区级部门 → 村/社区/支部 → 党小组) and PEOPLE
    people with valid IDs and phones; rows shuffled, so children often precede their parents."""
    import xlsxwriter

    rng = random.Random(SEED)
    orgs = [("D", "某区委", "", "区委", "区委", 0)]
    level1 = []
    for i in range(20):
        level1.append((f"T{i:02d}", f"第{i + 1}街道", "D", "乡镇街道", "", i))
    for i in range(40):
        level1.append((f"B{i:02d}", f"区第{i + 1}局", "D", "区级部门", "", 20 + i))
    orgs += level1
    level2 = []
    while len(orgs) + len(level2) < ORGS * 0.8:
        parent = rng.choice(level1)
        n = len(level2)
        kind = "村党组织" if parent[0].startswith("T") else "党支部"
        level2.append((f"{parent[0]}-{n:04d}", f"{parent[1]}第{n}支部", parent[0], kind, "", n))
    orgs += level2
    while len(orgs) < ORGS:
        parent = rng.choice(level2)
        n = len(orgs)
        orgs.append((f"{parent[0]}-{n:04d}", f"{parent[1]}第{n}小组", parent[0], "党支部", "", n))
    rng.shuffle(orgs)
    leaf_codes = [o[0] for o in orgs if o[0] != "D"]

    used: set[str] = set()
    people = []
    for i in range(PEOPLE):
        male = rng.random() < 0.55
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 19_700))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        people.append(
            (
                name,
                "男" if male else "女",
                birth,
                _id_number(rng, birth, male, used),
                f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                rng.choice(leaf_codes),
                rng.choice(STATUSES),
                rng.choice(LEVELS),
                rng.choice(POSITIONS),
                f"P{i + 1:07d}",
            )
        )

    def write(path: Path, headers: list[str], rows: list[tuple]) -> Path:
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
        ws = wb.add_worksheet()
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_row(0, 0, headers)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
                elif isinstance(value, int):
                    ws.write_number(r, c, value)
                elif value:
                    ws.write_string(r, c, value)
        wb.close()
        return path

    return (
        write(folder / "orgs.xlsx", ORG_HEADERS, orgs),
        write(folder / "people.xlsx", PEOPLE_HEADERS, people),
    )


# --- ours -------------------------------------------------------------------------------------


def _setup_django(folder: Path) -> Path:
    """Django on a throw-away SQLite file, migrated once; every round copies it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    os.environ.setdefault("ZUOFENG_HOME", str(folder / "home"))
    template = folder / "template.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{template}"
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    connection = connections["default"]
    if connection.vendor != "sqlite":
        raise SystemExit("bench.import_people measures SQLite; unset DATABASE_URL")
    connection.settings_dict["NAME"] = str(template)
    call_command("migrate", verbosity=0)
    connection.close()
    return template


def _ours(template: Path, folder: Path, orgs: Path, people: Path, counter: list[int]) -> float:
    from django.db import connections

    from zuofeng.core.sheets import run_import_file

    counter[0] += 1
    db = folder / f"ours-{counter[0]}.sqlite3"
    shutil.copyfile(template, db)
    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = str(db)
    connection.ensure_connection()
    start = time.perf_counter()
    first = run_import_file("orgs", orgs)
    second = run_import_file("people", people)
    elapsed = time.perf_counter() - start
    assert (first.created, second.created) == (ORGS, PEOPLE), (first, second)
    connection.close()
    db.unlink()
    return (ORGS + PEOPLE) / elapsed


# --- the baseline -----------------------------------------------------------------------------

BASELINE_SCHEMA = """
CREATE TABLE org (id INTEGER PRIMARY KEY AUTOINCREMENT, code VARCHAR(32) NOT NULL UNIQUE,
  name VARCHAR(100) NOT NULL, parent_code VARCHAR(32), kind VARCHAR(32) NOT NULL,
  short_name VARCHAR(50) NOT NULL, sort_order INTEGER NOT NULL);
CREATE INDEX org_parent ON org (parent_code, sort_order);
CREATE TABLE person (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(50) NOT NULL,
  gender VARCHAR(1) NOT NULL, birth_date DATE, id_number TEXT NOT NULL, phone TEXT NOT NULL,
  org_code VARCHAR(32) NOT NULL, political_status VARCHAR(16) NOT NULL,
  cadre_level VARCHAR(16) NOT NULL, position VARCHAR(100) NOT NULL,
  person_no VARCHAR(32) UNIQUE);
CREATE INDEX person_name ON person (name);
CREATE INDEX person_id_number ON person (id_number);
CREATE UNIQUE INDEX person_id_number_unique ON person (id_number) WHERE id_number != '';
CREATE INDEX person_phone ON person (phone);
CREATE INDEX person_org ON person (org_code);
"""


def _rows(path: Path) -> list[list]:
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return rows[1:]


def _baseline(folder: Path, orgs: Path, people: Path, counter: list[int]) -> float:
    counter[0] += 1
    db = folder / f"baseline-{counter[0]}.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + BASELINE_SCHEMA)
    start = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO org (code, name, parent_code, kind, short_name, sort_order) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            _rows(orgs),
        )
    with conn:
        conn.executemany(
            "INSERT INTO person (name, gender, birth_date, id_number, phone, org_code, "
            "political_status, cadre_level, position, person_no) VALUES (?,?,?,?,?,?,?,?,?,?)",
            _rows(people),
        )
    elapsed = time.perf_counter() - start
    (count,) = conn.execute("SELECT COUNT(*) FROM person").fetchone()
    assert count == PEOPLE
    conn.close()
    db.unlink()
    return (ORGS + PEOPLE) / elapsed


def run(rounds: int = 3) -> list[Result]:
    """Measure ours beside the baseline; returns one Result (rows per second, higher is
    better). The suite runner prints it; run standalone, main() prints it."""
    with tempfile.TemporaryDirectory(prefix="zf-bench-import-") as tmp:
        folder = Path(tmp)
        orgs, people = generate(folder)
        template = _setup_django(folder)
        mine, theirs = [0], [0]
        ours, baseline = alternate(
            lambda: _ours(template, folder, orgs, people, mine),
            lambda: _baseline(folder, orgs, people, theirs),
            rounds,
        )
    ratio = ours / baseline
    return [
        Result(
            name="import orgs+people (rows/s)",
            ours=ours,
            baseline=baseline,
            target=f">={TARGET:.2f}",
            passed=ratio >= TARGET,
            higher_is_better=True,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.import_people")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(HEADER)
    for result in run(rounds=args.rounds):
        print(result.line(), flush=True)


if __name__ == "__main__":
    main()
