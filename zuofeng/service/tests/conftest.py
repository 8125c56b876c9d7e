"""Fixtures of the service tests: the small district with a front desk and users per role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from zuofeng.core.validators import credit_check_char
from zuofeng.orgs.choices import Role
from zuofeng.service import services
from zuofeng.service.models import FrontDesk, RequestCategory


def credit(i: int) -> str:
    first17 = f"91330604MA2{i:06d}"
    return first17 + credit_check_char(first17)


@pytest.fixture
def svc(district, make_user):
    """Front desk = the department (DA); lead unit = the town T; users at each."""
    FrontDesk.objects.create(org=district.dept, is_default=True)
    users = SimpleNamespace(
        desk=make_user("desk", (Role.UNIT_ADMIN, district.dept)),
        lead=make_user("lead", (Role.LEAD_OFFICE, district.root)),
        inspector=make_user("insp", (Role.INSPECTOR, district.root)),
        leader=make_user("leader", (Role.LEADER, district.root)),
        unit=make_user("unit", (Role.UNIT_ADMIN, district.town)),
        grid=make_user("grid", (Role.GRID_CADRE, district.town)),
        other=make_user("other", (Role.UNIT_ADMIN, district.town2)),
        sysadmin=make_user("sys", (Role.SYSTEM_ADMIN, district.root)),
    )
    enterprise = services.enterprise_create(
        actor=None, credit_code=credit(1), name="浙江测试化工有限公司", town=district.town
    )
    cat = {c.name: c for c in RequestCategory.objects.all()}
    return SimpleNamespace(d=district, u=users, enterprise=enterprise, cat=cat)


def submit(svc, *, citizen=False, category="审批服务", urgency="normal", day=None, **extra):
    kwargs = {"name": "张三", "phone": "13812345678"} if citizen else {"enterprise": svc.enterprise}
    return services.request_submit(
        actor=None,
        channel="online" if citizen else "grid",
        category=svc.cat[category],
        content="厂房用电增容",
        urgency=urgency,
        submitted_date=day or dt.date(2025, 6, 2),
        **kwargs,
        **extra,
    )
