"""The district: org tree, people, users and the roles that give them a subtree."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.core import crypto
from zuofeng.orgs.choices import CadreLevel, Gender, PoliticalStatus, Role

# A path is the concatenation of fixed-width decimal segments, one per ancestor (its id).
# Digits only and fixed width: every collation orders them like bytes, so a subtree is one
# indexed range condition on any database.
SEGMENT = 9

code_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{1,32}$", _("组织编码只能由字母、数字、下划线和连字符组成，最长32位")
)


def segment(pk: int) -> str:
    return f"{pk:0{SEGMENT}d}"


def subtree_upper(path: str) -> str:
    """The smallest path greater than every path in the subtree of `path`."""
    return f"{int(path) + 1:0{len(path)}d}"


def subtree_q(path: str, field: str = "path") -> Q:
    return Q(**{f"{field}__gte": path, f"{field}__lt": subtree_upper(path)})


def subtrees_q(paths, field: str = "path") -> Q:
    """Union of subtrees; an empty union matches nothing."""
    q = Q(pk__in=[])
    for path in minimal_paths(paths):
        q |= subtree_q(path, field)
    return q


def minimal_paths(paths) -> list[str]:
    """Drop paths inside another path's subtree, so a union needs fewer conditions."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


class OrgKind(models.Model):
    """A kind of org (区级部门, 党支部, …): a configurable list."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("组织类别")
        verbose_name_plural = _("组织类别")

    def __str__(self) -> str:
        return self.name


class OrgQuerySet(models.QuerySet):
    def subtree(self, org: Org) -> OrgQuerySet:
        return self.filter(subtree_q(org.path))

    def within(self, paths) -> OrgQuerySet:
        return self.filter(subtrees_q(paths))


class Org(models.Model):
    """One node of the org tree; `path` makes its subtree a single indexed range."""

    code = models.CharField(_("组织编码"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("组织名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    kind = models.ForeignKey(OrgKind, on_delete=models.PROTECT, verbose_name=_("组织类别"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级组织"),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    sort_order = models.IntegerField(_("排序号"), default=0)
    active = models.BooleanField(_("有效"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        indexes = [
            # Covering: an org's children in the tree's order, as the dashboard lists them
            # beside their figures, from the index alone (a town's children lie on as many
            # table pages as there are children).
            models.Index(
                fields=[
                    "parent",
                    "sort_order",
                    "code",
                    "name",
                    "short_name",
                    "path",
                    "active",
                    "id",
                ],
                name="org_children_cover_idx",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def ancestor_paths(self) -> list[str]:
        return [self.path[: i + SEGMENT] for i in range(0, len(self.path), SEGMENT)]

    def is_within(self, path: str) -> bool:
        return self.path.startswith(path)


class PersonQuerySet(models.QuerySet):
    def within(self, paths) -> PersonQuerySet:
        return self.filter(subtrees_q(paths, "org__path"))


class Person(models.Model):
    """A party member or cadre. ID and phone are stored encrypted, matched by keyed hash."""

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_number_enc = models.TextField(blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="people", verbose_name=_("所在组织")
    )
    political_status = models.CharField(
        _("政治面貌"),
        max_length=16,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MEMBER,
    )
    cadre_level = models.CharField(
        _("干部层级"), max_length=16, choices=CadreLevel.choices, blank=True, default=""
    )
    position = models.CharField(_("职务"), max_length=100, blank=True)
    person_no = models.CharField(_("人员编号"), max_length=32, null=True, blank=True, unique=True)
    active = models.BooleanField(_("在册"), default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["org_id", "id"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="person_id_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_enc) if self.id_number_enc else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_enc) if self.phone_enc else ""

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number) if self.id_number_enc else ""

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone_enc else ""

    def age_on(self, day: dt.date) -> int | None:
        if not self.birth_date:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def is_young_cadre(self, day: dt.date | None = None) -> bool:
        """Young cadre: a cadre aged at most 35 (configurable) on the given day."""
        age = self.age_on(day or dt.date.today())
        return bool(self.cadre_level) and age is not None and (age <= settings.YOUNG_CADRE_MAX_AGE)


class User(AbstractUser):
    """An account; what it may see comes only from its role assignments."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    must_change_password = models.BooleanField(default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """A user holds a role at an org; the role reaches that org's whole subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="role_assignments", verbose_name=_("组织")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "org"], name="role_assignment_unique"),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="role_assignment_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.org}"


class PasswordHistory(models.Model):
    """Earlier password hashes of a user, so the last N cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at}"


class ApiToken(models.Model):
    """A bearer token for the API; only its keyed hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}…"
