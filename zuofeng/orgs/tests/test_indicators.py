import datetime as dt

import pytest

from zuofeng.core import indicators as reg
from zuofeng.orgs.models import Org

P = reg.Period(dt.date(2025, 3, 1), dt.date(2025, 9, 30))


def value(key, org, **filters):
    return reg.get(key).value(org.path, P, filters)


def test_org_counts_by_scope(district):
    d = district
    Org.objects.filter(pk=d.v2.pk).update(active=False)  # a dissolved community is not counted
    assert value("orgs.departments", d.root) == 1
    assert value("orgs.towns", d.root) == 2
    assert value("orgs.grassroots", d.root) == 3  # DA1, T1, U1
    assert value("orgs.grassroots_village", d.root) == 2
    assert value("orgs.grassroots_village", d.town) == 1
    assert value("orgs.grassroots_two_new", d.root) == 0
    assert value("orgs.grassroots", d.root, kind="村党组织") == 2
    assert reg.get("orgs.grassroots").by_child(d.root.path, len(d.town.path), P) == {
        d.dept.path: 1,
        d.town.path: 1,
        d.town2.path: 1,
    }


def test_unknown_kind_is_an_error(district):
    with pytest.raises(reg.IndicatorError, match="unknown org kind"):
        value("orgs.grassroots", district.root, kind="没有这种")
