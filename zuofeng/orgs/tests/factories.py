"""Factories for tests: a small district of two towns and a department, and users by role."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import factory

from zuofeng.core.validators import id_check_char
from zuofeng.orgs import services
from zuofeng.orgs.models import Org, OrgKind, Person, User

PASSWORD = "Test-Passw0rd!"


def kind(code: str) -> OrgKind:
    return OrgKind.objects.get(code=code)


def make_org(code: str, name: str, kind_code: str, parent: Org | None) -> Org:
    return services.org_create(
        actor=None, code=code, name=name, kind=kind(kind_code), parent=parent
    )


def id_number(region: str, birth: dt.date, seq: int, male: bool) -> str:
    """A valid 18-digit ID for tests: region, birth date, sequence, gender digit, check."""
    order = f"{seq % 100:02d}{(1 if male else 2) + 2 * (seq % 4)}"
    first17 = f"{region}{birth:%Y%m%d}{order}"
    return first17 + id_check_char(first17)


def build_small_district() -> SimpleNamespace:
    """区委 → (区级部门 A → 党支部 A1), (乡镇 T → 村 V1, 村 V2), (乡镇 U → 村 W1)."""
    root = make_org("D", "测试区委", "district_committee", None)
    dept = make_org("DA", "区财政局", "department", root)
    dept_branch = make_org("DA1", "区财政局机关党支部", "branch", dept)
    town = make_org("T", "东关街道", "town", root)
    v1 = make_org("T1", "东关村党支部", "village", town)
    v2 = make_org("T2", "新村社区党支部", "community", town)
    town2 = make_org("U", "陈溪乡", "town", root)
    w1 = make_org("U1", "陈家岙村党支部", "village", town2)
    return SimpleNamespace(
        root=root, dept=dept, dept_branch=dept_branch, town=town, v1=v1, v2=v2, town2=town2, w1=w1
    )


def make_user(username: str, *roles: tuple[str, Org], password: str = PASSWORD) -> User:
    user, _ = services.user_create(
        actor=None, username=username, password=password, must_change_password=False
    )
    for role, org in roles:
        services.role_grant(actor=None, user=user, role=role, org=org)
    return User.objects.get(pk=user.pk)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试{n:04d}")
    political_status = "member"
