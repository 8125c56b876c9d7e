"""The demo's rule-list figures, computed from its records (docs/rules.md lists them)."""

import datetime as dt
import time
from decimal import Decimal

from zuofeng.core import demo
from zuofeng.core.indicators import Period, get
from zuofeng.core.sheets import run_import
from zuofeng.orgs import demo as org_demo
from zuofeng.orgs.models import Org
from zuofeng.rectify.models import Problem
from zuofeng.rules import demo_data
from zuofeng.rules.models import Hit

P = Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))


def test_demo_rule_lists(db):
    run_import("orgs", list(org_demo.org_rows()))
    (builder,) = [b for b in demo.builders() if b.build.__module__ == demo_data.__name__]
    assert not builder.exists()
    started = time.monotonic()
    builder.build()
    assert time.monotonic() - started < 30
    assert builder.exists()
    assert demo_data.expense_rows() == demo_data.expense_rows()
    root = Org.objects.get(code="SY").path

    def v(key, path=root, **f):
        return get(key).value(path, P, f)

    assert v("rules.negative_categories") == 17
    assert v("rules.negative_items") == 94
    assert v("rules.power_items") == 20
    assert v("rules.expenses_checked") == 607
    assert v("rules.hits") == 69
    assert v("rules.hits_confirmed") == 12
    assert v("rules.hit_amount") == Decimal("150200")
    assert v("rules.nonrigid_cut_rate") == 0.1904
    assert v("rules.units_below_target") == 8
    assert v("rules.power_cases") == 40
    assert v("rules.power_flags") == 6
    assert v("rules.power_compliance_rate") == 0.85
    pushed = Hit.objects.get(problem__isnull=False)
    problem = Problem.objects.get(source_ref=f"RH-{pushed.pk}")
    assert (
        problem.found_date == demo_data.REVIEWED_ON
    )  # after the period: the ledger's figures stay
