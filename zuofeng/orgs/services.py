"""Writes to the district: every one checks scope, validates, saves and audits atomically.

`actor=None` is the operator at the server's command line (imports, demo), who already holds
the database; such writes are audited as the command-line user.
"""

from __future__ import annotations

import datetime as dt
import getpass
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from zuofeng.core import audit, counters, crypto
from zuofeng.core.errors import Conflict
from zuofeng.orgs import scope
from zuofeng.orgs.choices import ADMIN_ROLES, Role
from zuofeng.orgs.cleaning import clean_code, clean_person
from zuofeng.orgs.models import (
    ApiToken,
    Org,
    OrgKind,
    PasswordHistory,
    Person,
    RoleAssignment,
    User,
    segment,
    subtree_q,
)
from zuofeng.orgs.permissions import (
    CALENDAR_MANAGE,
    ORG_CHANGE,
    PERSON_CHANGE,
    PERSON_REVEAL,
    ROLE_MANAGE,
    USER_MANAGE,
)


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _actor(actor):
    return actor if actor is not None else cli_actor()


def _check_at(actor, action: str, path: str) -> None:
    if actor is not None:
        scope.require_at(actor, action, path)


def _check(actor, action: str) -> None:
    if actor is not None and not scope.can(actor, action):
        raise PermissionDenied


def org_snapshot(org: Org) -> dict:
    return {
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind.name,
        "parent": org.parent.code if org.parent_id else None,
        "sort_order": org.sort_order,
        "active": org.active,
    }


def person_snapshot(p: Person) -> dict:
    # Sensitive fields enter the log masked only.
    return {
        "name": p.name,
        "gender": p.gender,
        "birth_date": p.birth_date,
        "org": p.org.code,
        "political_status": p.political_status,
        "cadre_level": p.cadre_level,
        "position": p.position,
        "person_no": p.person_no,
        "active": p.active,
        "id_number": p.id_number_masked,
        "phone": p.phone_masked,
    }


def lock_tree() -> None:
    """Serialise changes to the tree's shape (create, move, import) until the transaction ends.

    A path is computed from the parent's path; without this lock a child created while its
    ancestor moves would keep the old prefix (PostgreSQL; SQLite writers queue anyway)."""
    counters.next_value("org-tree")


def _set_path(org: Org) -> None:
    org.path = (org.parent.path if org.parent_id else "") + segment(org.pk)
    org.depth = len(org.path) // len(segment(0)) - 1


@transaction.atomic
def org_create(
    *,
    actor,
    code: str,
    name: str,
    kind: OrgKind,
    parent: Org | None,
    short_name: str = "",
    sort_order: int = 0,
) -> Org:
    """Create an org under a parent inside the actor's scope (roots: command line only)."""
    if parent is None and actor is not None:
        raise PermissionDenied
    if parent is not None:
        lock_tree()
        parent = Org.objects.get(pk=parent.pk)  # its path as of the lock
        _check_at(actor, ORG_CHANGE, parent.path)
    org = Org(
        code=clean_code(code),
        name=(name or "").strip(),
        kind=kind,
        parent=parent,
        short_name=(short_name or "").strip(),
        sort_order=sort_order,
        path="0",
    )
    org.full_clean()
    org.save()
    _set_path(org)
    org.save(update_fields=["path", "depth"])
    audit.record(
        actor=_actor(actor),
        action="org.create",
        obj=org,
        org_path=org.path,
        after=org_snapshot(org),
    )
    return org


@transaction.atomic
def org_update(*, actor, org: Org, version: int | None = None, **fields) -> Org:
    """Change an org's name, short name, kind, order or active flag (not its place: see move)."""
    # of=("self",): the parent join is an outer join, which PostgreSQL cannot lock.
    org = (
        Org.objects.select_for_update(of=("self",)).select_related("kind", "parent").get(pk=org.pk)
    )
    _check_at(actor, ORG_CHANGE, org.path)
    if version is not None and version != org.version:
        raise Conflict
    before = org_snapshot(org)
    allowed = {"name", "short_name", "kind", "sort_order", "active", "code"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({k: _("不可修改") for k in unknown})
    for key, value in fields.items():
        setattr(org, key, value.strip() if isinstance(value, str) else value)
    org.full_clean()
    changed = [k for k in fields if before.get(k) != org_snapshot(org).get(k)]
    if not changed:
        return org
    org.version += 1
    org.save(update_fields=[*fields.keys(), "version", "updated_at"])
    audit.record(
        actor=_actor(actor),
        action="org.update",
        obj=org,
        org_path=org.path,
        before=before,
        after=org_snapshot(org),
    )
    return org


@transaction.atomic
def org_move(*, actor, org: Org, new_parent: Org) -> Org:
    """Move a subtree under a new parent; every path below it follows in one UPDATE."""
    lock_tree()
    # of=("self",): the parent join is an outer join, which PostgreSQL cannot lock.
    org = (
        Org.objects.select_for_update(of=("self",)).select_related("kind", "parent").get(pk=org.pk)
    )
    new_parent = Org.objects.get(pk=new_parent.pk)
    _check_at(actor, ORG_CHANGE, org.path)
    _check_at(actor, ORG_CHANGE, new_parent.path)
    if org.parent_id is None:
        raise ValidationError({"parent": _("根组织不能移动")})
    if new_parent.path.startswith(org.path):
        raise ValidationError({"parent": _("不能移动到自身或其下级组织之下")})
    if new_parent.pk == org.parent_id:
        return org
    before = org_snapshot(org)
    old_path = org.path
    new_path = new_parent.path + segment(org.pk)
    delta = (len(new_path) - len(old_path)) // len(segment(0))
    Org.objects.filter(subtree_q(old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + delta,
    )
    Org.objects.filter(pk=org.pk).update(parent=new_parent, version=F("version") + 1)
    org.refresh_from_db()
    audit.record(
        actor=_actor(actor),
        action="org.move",
        obj=org,
        org_path=org.path,
        before=before,
        after=org_snapshot(org),
    )
    return org


def _apply_person(person: Person, clean: dict) -> None:
    for key in (
        "name",
        "gender",
        "birth_date",
        "political_status",
        "cadre_level",
        "position",
        "person_no",
    ):
        setattr(person, key, clean[key])
    number, phone = clean["id_number"], clean["phone"]
    if number != (person.id_number if person.id_number_enc else ""):
        person.id_number_enc = crypto.encrypt(number) if number else ""
        person.id_number_hash = crypto.lookup_hash(number) if number else ""
    if phone != (person.phone if person.phone_enc else ""):
        person.phone_enc = crypto.encrypt(phone) if phone else ""
        person.phone_hash = crypto.lookup_hash(phone) if phone else ""


def _check_person_unique(person: Person) -> None:
    errors = {}
    qs = Person.objects.exclude(pk=person.pk)
    if person.person_no and qs.filter(person_no=person.person_no).exists():
        errors["person_no"] = _("人员编号已存在")
    # Every suite's hash: an ID indexed before a suite switch is still a duplicate.
    if (
        person.id_number_enc
        and qs.filter(id_number_hash__in=crypto.lookup_hashes(person.id_number)).exists()
    ):
        errors["id_number"] = _("身份证号已存在")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(*, actor, org: Org, **data) -> Person:
    """Register a person in an org inside the actor's scope."""
    _check_at(actor, PERSON_CHANGE, org.path)
    clean = clean_person(data)
    person = Person(org=org)
    _apply_person(person, clean)
    _check_person_unique(person)
    person.full_clean(exclude=["id_number_enc", "phone_enc"])
    person.save()
    audit.record(
        actor=_actor(actor),
        action="person.create",
        obj=person,
        org_path=org.path,
        after=person_snapshot(person),
    )
    return person


PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "political_status",
    "cadre_level",
    "position",
    "person_no",
)


@transaction.atomic
def person_update(
    *, actor, person: Person, version: int | None = None, org: Org | None = None, **data
) -> Person:
    """Change a person's fields (and org, both ends in scope); stale versions conflict."""
    person = Person.objects.select_for_update().select_related("org").get(pk=person.pk)
    _check_at(actor, PERSON_CHANGE, person.org.path)
    if version is not None and version != person.version:
        raise Conflict
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError({k: _("不可修改") for k in unknown})
    before = person_snapshot(person)
    current = {k: getattr(person, k) for k in PERSON_FIELDS}
    current.update(data)
    _apply_person(person, clean_person(current))
    if org is not None and org.pk != person.org_id:
        _check_at(actor, PERSON_CHANGE, org.path)
        person.org = org
    _check_person_unique(person)
    person.full_clean(exclude=["id_number_enc", "phone_enc"])
    after = person_snapshot(person)
    if after == before:
        return person
    person.version += 1
    person.save()
    audit.record(
        actor=_actor(actor),
        action="person.update",
        obj=person,
        org_path=person.org.path,
        before=before,
        after=after,
    )
    return person


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str) -> str:
    """Show one sensitive field in full; allowed roles only, and always logged."""
    if field not in ("id_number", "phone"):
        raise ValidationError({"field": _("不支持的字段")})
    _check_at(actor, PERSON_REVEAL, person.org.path)
    audit.record(
        actor=_actor(actor),
        action="person.reveal",
        obj=person,
        org_path=person.org.path,
        after={"field": field},
    )
    return getattr(person, field)


# --- users, roles, tokens -------------------------------------------------------------------


def _validate_role_combination(roles: set[str]) -> None:
    admin = roles & ADMIN_ROLES
    if len(admin) > 1:
        raise ValidationError(
            {"role": _("系统管理员、安全管理员、审计管理员须由不同人员担任（三员分立）")}
        )
    if admin and roles - ADMIN_ROLES:
        raise ValidationError({"role": _("管理员角色不能与业务角色兼任（三员分立）")})


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str | None = None,
    display_name: str = "",
    must_change_password: bool = True,
    is_demo: bool = False,
) -> tuple[User, str]:
    """Create an account (system administrator). Returns the user and the initial password."""
    _check(actor, USER_MANAGE)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("必填")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名已存在")})
    user = User(
        username=username,
        display_name=display_name.strip(),
        must_change_password=must_change_password,
        is_demo=is_demo,
    )
    password = password or generate_password()
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    PasswordHistory.objects.create(user=user, password=user.password)
    audit.record(
        actor=_actor(actor),
        action="user.create",
        obj=user,
        after={"username": username, "display_name": user.display_name},
    )
    return user, password


def generate_password() -> str:
    """A random initial password that satisfies the complexity rules."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
    core = "".join(secrets.choice(alphabet) for _ in range(10))
    return core + secrets.choice("ABCDEFGHJKLMN") + secrets.choice("23456789") + "!"


@transaction.atomic
def role_grant(*, actor, user: User, role: str, org: Org) -> RoleAssignment:
    """Give a user a role at an org; the 三员 roles never combine with each other or others."""
    _check(actor, ROLE_MANAGE)
    if role not in Role.values:
        raise ValidationError({"role": _("未知角色：%(role)s") % {"role": role}})
    # Lock the user row: two grants racing past the 三员 check could otherwise combine roles.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    existing = set(user.role_assignments.values_list("role", flat=True))
    _validate_role_combination(existing | {role})
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit.record(
            actor=_actor(actor),
            action="role.grant",
            obj=assignment,
            org_path=org.path,
            after={"user": user.username, "role": role, "org": org.code},
        )
    user.__dict__.pop("_zuofeng_grants", None)
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment) -> None:
    _check(actor, ROLE_MANAGE)
    before = {"user": assignment.user.username, "role": assignment.role, "org": assignment.org.code}
    audit.record(
        actor=_actor(actor),
        action="role.revoke",
        obj=assignment,
        org_path=assignment.org.path,
        before=before,
    )
    assignment.delete()


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Enable or disable an account; disabling ends its sessions and revokes its tokens."""
    _check(actor, USER_MANAGE)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        # Its sessions end at their next request: the auth backend refuses inactive users.
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    audit.record(
        actor=_actor(actor),
        action="user.enable" if active else "user.disable",
        obj=user,
        after={"is_active": active},
    )
    return user


@transaction.atomic
def user_set_password(*, actor, user: User, password: str, initial: bool = False) -> User:
    """Set a password (own change, or an administrator's reset that must be changed at login)."""
    if actor is not None and actor.pk != user.pk:
        _check(actor, USER_MANAGE)
    validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.must_change_password = initial
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    PasswordHistory.objects.create(user=user, password=user.password)
    audit.record(actor=_actor(actor), action="user.password", obj=user, after={"reset": initial})
    return user


@transaction.atomic
def token_create(*, actor, user: User, name: str = "", days: int | None = None) -> str:
    """Issue a bearer token; the plain token is returned once and only its hash is kept."""
    from django.conf import settings

    _check(actor, USER_MANAGE)
    plain = "zf_" + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=days or settings.API_TOKEN_DAYS)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plain[:10],
        key_hash=crypto.token_hash(plain),
        expires_at=expires,
    )
    audit.record(
        actor=_actor(actor),
        action="token.create",
        obj=token,
        object_repr=f"{user.username} {token.prefix}…",
        after={"user": user.username, "expires_at": expires},
    )
    return plain


# --- work calendar -------------------------------------------------------------------------


@transaction.atomic
def calendar_override_set(*, actor, day: dt.date, kind: str, note: str = ""):
    """Mark one day as a holiday or a working day, overriding the official calendar."""
    from zuofeng.core.models import CalendarOverride

    _check(actor, CALENDAR_MANAGE)
    existing = CalendarOverride.objects.filter(day=day).first()
    before = {"day": day, "kind": existing.kind, "note": existing.note} if existing else None
    obj = existing or CalendarOverride(day=day)
    obj.kind, obj.note = kind, (note or "").strip()
    obj.full_clean()
    obj.save()
    audit.record(
        actor=_actor(actor),
        action="calendar.set",
        obj=obj,
        before=before,
        after={"day": day, "kind": kind, "note": obj.note},
    )
    return obj


@transaction.atomic
def calendar_override_delete(*, actor, override) -> None:
    _check(actor, CALENDAR_MANAGE)
    audit.record(
        actor=_actor(actor),
        action="calendar.delete",
        obj=override,
        before={"day": override.day, "kind": override.kind, "note": override.note},
    )
    override.delete()
