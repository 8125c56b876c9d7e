"""Study and activities: organised sessions with attendance, cadence rules, content channels
with per-person receipts, and the youth study society (虞青学习社)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.orgs.models import Org, OrgKind, Person, subtrees_q
from zuofeng.study.choices import AttachmentKind, Cadence, Category, Mode


class ActivityKind(models.Model):
    """A kind of activity (党课, 主题党日, 邻里文化活动…): a configurable list, each in a category;
    `youth` marks the 五个一 kinds a youth group's activities must be tagged with."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    youth = models.BooleanField(_("五个一"), default=False)
    sort_order = models.IntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("活动类型")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="activity_kind_category_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class KindGroup(models.Model):
    """A named grouping of kinds for reporting (e.g. “四学联动”)."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    kinds = models.ManyToManyField(ActivityKind, related_name="groups", verbose_name=_("活动类型"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class YouthGroup(models.Model):
    """A group (分社) of the youth study society, run by an org; members are young cadres."""

    name = models.CharField(_("分社名称"), max_length=64, unique=True)
    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="youth_groups", verbose_name=_("所属组织")
    )
    description = models.TextField(_("简介"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("青年学习小组")

    def __str__(self) -> str:
        return self.name


class YouthMember(models.Model):
    """A young cadre's membership of a youth group (≤ YOUNG_CADRE_MAX_AGE when joining)."""

    group = models.ForeignKey(YouthGroup, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    joined_on = models.DateField(_("加入日期"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="youth_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group_id}:{self.person_id}"


class ActivityQuerySet(models.QuerySet):
    def within(self, paths) -> ActivityQuerySet:
        return self.filter(subtrees_q(paths, "org__path"))


class Activity(models.Model):
    """An activity held by an org on a date. `present_count` is the person-times it reached:
    the present named attendees (kept equal to them by the service, in the same transaction)
    or, for count-only sessions, the 实到 figure as entered."""

    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="activities", verbose_name=_("组织")
    )
    # The holder's org path, kept equal to it by database triggers (zuofeng.core.subtree): a
    # subtree's records are one index range without a join to the orgs. Never written by code.
    org_path = models.CharField(max_length=255, default="", db_default="", editable=False)
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("活动类型"))
    # The kind's category, copied by every writer (and rewritten when a kind changes category):
    # it leads the per-org index, so a category's count never leaves the index.
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    topic = models.CharField(_("活动主题"), max_length=200)
    date = models.DateField(_("活动日期"))
    mode = models.CharField(_("形式"), max_length=8, choices=Mode.choices, default=Mode.OFFLINE)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    host = models.CharField(_("主持人"), max_length=50, blank=True)
    recorder = models.CharField(_("记录人"), max_length=50, blank=True)
    named = models.BooleanField(_("按名单签到"), default=False)
    expected_count = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    present_count = models.PositiveIntegerField(_("实到人数"), default=0)
    minutes = models.TextField(_("会议记录"), blank=True)
    youth_group = models.ForeignKey(
        YouthGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("学习小组"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ActivityQuerySet.as_manager()
    SUBTREE_COPY = ("org", "org_path")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        indexes = [
            models.Index(fields=["date", "kind"], name="activity_date_kind_idx"),
            # Covering for the per-org counts of a category in a period (the org path join
            # seeks each org, then reads one contiguous range): bench/study.py.
            models.Index(
                fields=["org", "category", "date", "kind"], name="activity_org_cat_date_idx"
            ),
            models.Index(fields=["youth_group", "date"], name="activity_youth_date_idx"),
            # A subtree's activities of a category in a period: one index range (counts never
            # leave the index).
            models.Index(
                fields=["org_path", "category", "date"], name="activity_path_cat_date_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=Mode.values), name="activity_mode_valid"),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="activity_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(expected_count__isnull=True)
                | Q(present_count__lte=models.F("expected_count")),
                name="activity_present_le_expected",
            ),
        ]

    def __str__(self) -> str:
        # No related name here: drill-down lists print many of these.
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("study_activity", args=[self.pk])


class Attendance(models.Model):
    """A named attendee of an activity: present, or absent with a reason."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(default=True)
    absence_reason = models.CharField(_("缺席原因"), max_length=100, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}:{self.person_id}"


def attachment_path(instance, filename: str) -> str:
    return f"study/activity/{instance.activity_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file of an activity (通知, 纪要, 签到表, 照片), stored under a generated name."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


# Digits of the holder's path an activity rollup keeps: the root and its children (a province
# and its cities, a district and its towns and departments).
ROLLUP_WIDTH = 2 * 9


class ActivityDay(models.Model):
    """Activities per day, kind and category for each subtree cut at ROLLUP_WIDTH digits of path
    (zuofeng.core.rollups): how many, and their person-times. Written only by the database's
    triggers on the activities; read by the study indicators for scopes no deeper than the cut."""

    org_path = models.CharField(max_length=255)
    category = models.CharField(max_length=16)
    # No foreign key constraint: the row is a figure, written by a trigger, and a kind with
    # activities cannot be deleted anyway (PROTECT on Activity.kind).
    kind = models.ForeignKey(
        ActivityKind, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    date = models.DateField()
    n = models.IntegerField(default=0)
    present = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["org_path", "category", "kind", "date"], name="activityday_key"
            )
        ]
        indexes = [
            # Covering: a category's figures over a period, per child, from the index alone.
            models.Index(
                fields=["category", "date", "org_path", "kind", "n", "present"],
                name="activityday_cat_date_cover_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_path} {self.category} {self.kind_id} {self.date}: {self.n}"


class ActivityYear(models.Model):
    """Activities per org, kind and calendar year, one count per month (m1 … m12) — written only
    by the database's triggers on the activities (zuofeng.core.rollups). The cadence rules (per
    org, month, quarter or year) read these rows, one per org, kind and year, instead of the
    activities. Keyed by the org itself, not its path: a subtree move leaves the rows alone."""

    org = models.ForeignKey(
        "orgs.Org", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.ForeignKey(
        ActivityKind, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.SmallIntegerField()
    m1 = models.IntegerField(default=0)
    m2 = models.IntegerField(default=0)
    m3 = models.IntegerField(default=0)
    m4 = models.IntegerField(default=0)
    m5 = models.IntegerField(default=0)
    m6 = models.IntegerField(default=0)
    m7 = models.IntegerField(default=0)
    m8 = models.IntegerField(default=0)
    m9 = models.IntegerField(default=0)
    m10 = models.IntegerField(default=0)
    m11 = models.IntegerField(default=0)
    m12 = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "org"], name="activityyear_key")
        ]
        indexes = [
            # Covering: a rule's rows (its kinds, the period's years) read from the index
            # alone, in org order, without visiting the table.
            models.Index(
                fields=["kind", "year", "org", *(f"m{m}" for m in range(1, 13))],
                name="activityyear_counts_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.kind_id} {self.year}"


class CadenceRule(models.Model):
    """At least `minimum` activities of `kind` per calendar `cadence` for orgs of `org_kind`."""

    org_kind = models.ForeignKey(OrgKind, on_delete=models.PROTECT, verbose_name=_("组织类别"))
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, verbose_name=_("活动类型"))
    cadence = models.CharField(_("周期"), max_length=8, choices=Cadence.choices)
    minimum = models.PositiveSmallIntegerField(_("最少次数"), default=1)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["org_kind", "kind__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org_kind", "kind", "cadence"], name="cadence_unique"),
            models.CheckConstraint(
                condition=Q(cadence__in=Cadence.values), name="cadence_rule_cadence_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_kind} {self.kind} ≥{self.minimum}/{self.cadence}"


class Channel(models.Model):
    """A content channel (红色收音机, 组工播报)."""

    name = models.CharField(_("频道名称"), max_length=32, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def audio_path(instance, filename: str) -> str:
    return f"study/audio/{uuid.uuid4().hex}"


class ChannelItem(models.Model):
    """An item of a channel: text and/or an audio file; published on a date by an org to
    target orgs, which delivers one receipt to every member of their subtrees."""

    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="items")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"), blank=True)
    kind = models.ForeignKey(
        ActivityKind,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("学习类型"),
    )
    audio = models.FileField(upload_to=audio_path, max_length=200, blank=True)
    audio_content_type = models.CharField(max_length=50, blank=True)
    audio_size = models.PositiveIntegerField(default=0)
    duration_seconds = models.PositiveIntegerField(_("时长（秒）"), default=0)
    publisher = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    published_on = models.DateField(_("发布日期"), null=True, blank=True, db_index=True)
    targets = models.ManyToManyField(Org, related_name="+", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("study_item", args=[self.pk])


class Delivery(models.Model):
    """One member's receipt of a published item: delivered, opened, listened, completed.
    `org` is the member's org at delivery, so statistics follow the tree."""

    item = models.ForeignKey(ChannelItem, on_delete=models.CASCADE, related_name="deliveries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    published_on = models.DateField()
    opened_at = models.DateTimeField(null=True, blank=True)
    listened_seconds = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["published_on", "org"], name="delivery_date_org_idx")]
        constraints = [models.UniqueConstraint(fields=["item", "person"], name="delivery_unique")]

    def __str__(self) -> str:
        return f"{self.item_id}:{self.person_id}"


class Learner(models.Model):
    """Links an account, by username, to the party member it belongs to (the 我的学习 page).
    Keyed by username so an administrator (or the demo) can link an account created later."""

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.username}:{self.person_id}"
