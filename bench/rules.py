"""Checking 200,000 finance records against the 94-item negative list: the checks as SQL (one
query per checked item, explanations built for the hits only — what `zuofeng import expenses`
runs) beside a plain Python loop evaluating the same checks on every row, over the same rows in
the same run. Both read the rows from the database and write the same hits.

    python -m bench --only rules --rounds 3
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from pathlib import Path

from bench.common import Result, alternate, sqlite_database

ROWS = 200_000
SEED = 20251201
TARGET = 1.0  # SQL checking at least as many rows per second as the Python loop


def _database(folder: Path) -> None:
    sqlite_database(folder, "rules")


# code → (ordinary summary, breaking summary, documents in order, per-person ceiling or None)
CODES = {
    "30201": ("购买办公用品", "购买购物卡", "发票", None),
    "30202": ("政策汇编印刷费", "印制台历挂历", "合同、发票", None),
    "30211": ("赴杭州参加培训差旅费", "赴北京差旅费（商务舱）", "出差审批单、发票", None),
    "30215": ("工作会议会议费", "年度会议（度假村）", "会议通知、签到表、发票", 500),
    "30216": ("业务培训费", "培训期间游览", "培训通知、签到表、发票", 500),
    "30217": ("接待工作餐", "接待工作餐含茅台", "公函、接待清单、发票", 140),
    "30231": ("公务用车加油费", "公务用车私用", "发票", None),
    "31002": ("采购办公桌椅", "采购红木家具", "合同、验收单、发票", None),
}
PAYEES = ["东关饭店", "舜江宾馆", "上虞百货公司", "机关食堂", "个人"]
BAD = 0.03  # the share of records that break one check


def _populate() -> None:
    """The demo district, the seed list (17 categories, 94 items), 200,000 records of 2025."""
    from zuofeng.core.sheets import run_import
    from zuofeng.orgs import demo
    from zuofeng.orgs.models import Org
    from zuofeng.rules import services
    from zuofeng.rules.checks import docs_field
    from zuofeng.rules.models import Expense

    run_import("orgs", demo.district(20250601).orgs)
    root = Org.objects.get(parent__isnull=True)
    services.negative_list_seed(
        actor=None,
        issuer=Org.objects.get(code=demo.dept_code("区财政局")),
        applies_to=root,
        effective_from=dt.date(2025, 1, 1),
        name="bench",
    )
    units = list(Org.objects.filter(depth__in=[1, 2]).values_list("pk", flat=True))
    rng = random.Random(SEED)
    codes = list(CODES)
    start = dt.date(2025, 1, 1)
    batch = []
    for i in range(ROWS):
        code = rng.choice(codes)
        ordinary, breaking, docs, ceiling = CODES[code]
        people = rng.randint(2, 30)
        amount = rng.randint(20, ceiling) * people if ceiling else rng.randint(100, 4000)
        summary, payee = ordinary, rng.choice(PAYEES)
        roll = rng.random()
        if roll < BAD / 3:
            summary = breaking
        elif roll < 2 * BAD / 3:
            docs = "发票"
        elif roll < BAD:
            payee = "云庭私人会所"
        batch.append(
            Expense(
                voucher_no=f"B{i:07d}",
                # March to mid-September: outside the list's holiday and year-end windows.
                date=start + dt.timedelta(days=rng.randrange(60, 250)),
                unit_id=rng.choice(units),
                econ_code=code,
                amount=amount,
                summary=summary,
                payee=payee,
                people=people,
                documents=docs_field(docs.split("、")),
            )
        )
    Expense.objects.bulk_create(batch, batch_size=5000)


def _reset() -> None:
    from zuofeng.rules.models import Hit

    Hit.objects.all().delete()


def _sql() -> float:
    from zuofeng.rules import services
    from zuofeng.rules.models import Expense, Hit

    _reset()
    start = time.perf_counter()
    services.check_expenses(Expense.objects.all())
    elapsed = time.perf_counter() - start
    _sql.hits = Hit.objects.count()
    return ROWS / elapsed


def _python() -> float:
    """The same checks evaluated row by row in Python over every record, then the same hits
    written in bulk."""
    from zuofeng.rules import checks, services
    from zuofeng.rules.models import Expense, Hit, NegativeItem

    _reset()
    start = time.perf_counter()
    windows = services._windows()
    items = {
        lst.pk: list(
            NegativeItem.objects.filter(category__negative_list=lst)
            .exclude(check_type="")
            .select_related("category")
        )
        for lst, _s, _e in windows
    }
    paths = {}
    hits = []
    rows = Expense.objects.values(*checks.RECORD_FIELDS, "unit__path")
    for row in rows.iterator(chunk_size=5000):
        record = checks.Record.of(row)
        for lst, first, until in windows:
            if row["date"] < first or (until and row["date"] >= until):
                continue
            prefix = paths.setdefault(lst.pk, lst.applies_to.path)
            if not row["unit__path"].startswith(prefix):
                continue
            for item in items[lst.pk]:
                found = checks.explain(item.check_type, item.params, record, item.category.name)
                if found:
                    hits.append(
                        Hit(expense_id=row["id"], item=item, explanation=found[0], amount=found[1])
                    )
    Hit.objects.bulk_create(hits, ignore_conflicts=True, batch_size=2000)
    elapsed = time.perf_counter() - start
    _python.hits = Hit.objects.count()
    return ROWS / elapsed


def run(rounds: int = 3) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="zf-bench-rules-") as tmp:
        _database(Path(tmp))
        _populate()
        ours, baseline = alternate(_sql, _python, rounds)
        assert _sql.hits == _python.hits, (_sql.hits, _python.hits)
        return [
            Result(
                f"rules: check {ROWS // 1000}k records, rows/s ({_sql.hits} hits)",
                ours,
                baseline,
                f">= {TARGET:.1f}x",
                ours >= TARGET * baseline,
                higher_is_better=True,
            )
        ]
