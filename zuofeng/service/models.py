"""Enterprises and grids, visits, and service requests in a working-day closed loop."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.core import crypto
from zuofeng.core.models import LoopRecord
from zuofeng.orgs.models import Org, subtrees_q
from zuofeng.service.choices import (
    DONE_ORDER,
    AssignmentRole,
    Channel,
    Kind,
    RatedBy,
    RequestState,
    Satisfaction,
    Size,
    Urgency,
)


class RequestCategory(models.Model):
    """What a request is about (政策兑现, 涉法涉企, …): a configurable list; its id is the
    Open311 service_code."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sort_order = models.IntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """Working-day limits for one urgency, for one category or (category empty) for all."""

    category = models.ForeignKey(
        RequestCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="sla"
    )
    urgency = models.CharField(_("紧急程度"), max_length=8, choices=Urgency.choices)
    sign_days = models.PositiveSmallIntegerField(_("签收时限（工作日）"), default=1)
    resolve_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)
    return_days = models.PositiveSmallIntegerField(_("退回时限（工作日）"), default=2)
    extension_max_days = models.PositiveSmallIntegerField(_("延期上限（工作日）"), default=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"],
                condition=Q(category__isnull=False),
                name="sla_category_urgency_unique",
            ),
            models.UniqueConstraint(
                fields=["urgency"], condition=Q(category__isnull=True), name="sla_default_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'} {self.urgency}"


class FrontDesk(models.Model):
    """A unit that holds the front-desk role (e.g. 区企服中心): it receives and routes requests.
    The default one receives public and Open311 submissions."""

    org = models.OneToOneField(Org, on_delete=models.PROTECT, related_name="front_desk")
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="front_desk_one_default"
            )
        ]

    def __str__(self) -> str:
        return str(self.org)


class GridRole(models.Model):
    """A role group of a grid team ("1+3+3+N": one lead, then configurable groups)."""

    name = models.CharField(_("名称"), max_length=32, unique=True)
    is_lead = models.BooleanField(_("网格负责人"), default=False)
    planned = models.PositiveSmallIntegerField(_("配备人数"), null=True, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A 联企网格: enterprises assigned to a team, owned by a unit (e.g. the development zone)."""

    code = models.CharField(_("网格编码"), max_length=32, unique=True)
    name = models.CharField(_("网格名称"), max_length=100)
    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="service_grids", verbose_name=_("所属单位")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridMember(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("orgs.Person", on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(GridRole, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["grid_id", "role__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "person"], name="grid_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.grid_id}:{self.person_id}"


class EnterpriseQuerySet(models.QuerySet):
    def within(self, paths) -> EnterpriseQuerySet:
        """Enterprises whose grid's unit or town lies in the subtrees."""
        return self.filter(subtrees_q(paths, "grid__org__path") | subtrees_q(paths, "town__path"))


class Enterprise(models.Model):
    """An enterprise identified by its unified social credit code (GB 32100)."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("企业名称"), max_length=100, db_index=True)
    town = models.ForeignKey(
        Org,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所在乡镇"),
    )
    industry = models.CharField(_("行业"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    size = models.CharField(_("规模"), max_length=8, choices=Size.choices, blank=True)
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name=_("所属网格"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name


class VisitQuerySet(models.QuerySet):
    def within(self, paths) -> VisitQuerySet:
        return self.filter(subtrees_q(paths, "unit__path"))


class Visit(models.Model):
    """A 走访: a unit's cadres visit an enterprise on a date; it may raise requests."""

    date = models.DateField(_("走访日期"))
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="visits", verbose_name=_("企业")
    )
    unit = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="service_visits", verbose_name=_("走访单位")
    )
    cadres = models.ManyToManyField(
        "orgs.Person", blank=True, related_name="+", verbose_name=_("走访人员")
    )
    notes = models.TextField(_("走访内容"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["unit", "date"], name="visit_unit_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.enterprise_id}"


class RequestQuerySet(models.QuerySet):
    def within(self, paths) -> RequestQuerySet:
        """Requests a unit in the subtrees holds (lead unit, or front desk before assignment),
        received at its front desk, or helps with as co-handler."""
        # Each alternative is a condition on an indexed column of the request itself (the
        # copied holder path, the front desk's id, the id), never a join: the database answers
        # the OR from three index lookups instead of scanning every request.
        return self.filter(
            subtrees_q(paths, "unit_path")
            | Q(front_desk__in=Org.objects.filter(subtrees_q(paths)).values("pk"))
            | Q(
                pk__in=RequestAssignment.objects.filter(
                    subtrees_q(paths, "unit__path"), ended_at__isnull=True
                ).values("request_id")
            )
        )


class ServiceRequest(LoopRecord):
    """One request (诉求) of an enterprise or a citizen, held by a unit in a closed loop.

    `unit` is the unit holding the request: the front desk until it is assigned, then the lead
    unit (主办); every indicator is scoped by it. The contact's name and phone (the citizen, or the
    enterprise's contact person) are encrypted, matched by keyed hash, shown masked."""

    number = models.CharField(_("诉求编号"), max_length=32, unique=True)
    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True)
    kind = models.CharField(_("诉求人类型"), max_length=12, choices=Kind.choices)
    enterprise = models.ForeignKey(
        Enterprise,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("企业"),
    )
    contact_name_enc = models.TextField(blank=True, editable=False)
    contact_phone_enc = models.TextField(blank=True, editable=False)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    channel = models.CharField(_("诉求渠道"), max_length=8, choices=Channel.choices)
    category = models.ForeignKey(
        RequestCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("诉求类别")
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    content = models.TextField(_("诉求内容"), max_length=4000)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    submitted_date = models.DateField(_("提出日期"))
    submitted_at = models.DateTimeField(_("提交时间"))
    front_desk = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="+", verbose_name=_("受理窗口")
    )
    unit = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("承办单位")
    )
    # The holder's org path, kept equal to it by database triggers (zuofeng.core.subtree): a
    # subtree's records are one index range without a join to the orgs. Never written by code.
    unit_path = models.CharField(max_length=255, default="", db_default="", editable=False)
    origin_unit = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=RequestState.choices, default=RequestState.SUBMITTED
    )
    assigned_date = models.DateField(_("交办日期"), null=True, blank=True)
    sign_deadline = models.DateField(_("签收时限"), null=True, blank=True)
    signed_date = models.DateField(_("签收日期"), null=True, blank=True)
    resolved_date = models.DateField(_("办结日期"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    resolved = models.BooleanField(_("问题已解决"), null=True, blank=True)
    funds = models.DecimalField(
        _("兑现资金（元）"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    rated_by = models.CharField(_("评价方式"), max_length=12, choices=RatedBy.choices, blank=True)
    rated_date = models.DateField(_("评价日期"), null=True, blank=True)
    closed_date = models.DateField(_("关闭日期"), null=True, blank=True)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("已延期（工作日）"), default=0)
    extension_pending = models.PositiveSmallIntegerField(_("申请延期（工作日）"), default=0)
    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    supervised_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RequestQuerySet.as_manager()
    SUBTREE_COPY = ("unit", "unit_path")

    class Meta:
        ordering = ["-submitted_date", "-id"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        indexes = [
            models.Index(fields=["unit", "submitted_date"], name="sreq_unit_submitted_idx"),
            models.Index(fields=["unit", "resolved_date"], name="sreq_unit_resolved_idx"),
            models.Index(fields=["unit", "state", "deadline"], name="sreq_unit_state_due_idx"),
            models.Index(fields=["state", "deadline"], name="sreq_state_deadline_idx"),
            models.Index(fields=["resolved_date"], name="sreq_resolved_idx"),
            models.Index(fields=["unit_path", "submitted_date"], name="sreq_path_submitted_idx"),
            # A subtree's requests of a period, with what the service figures test of them
            # (deadline, kind, funds; sign deadline; satisfaction): counted from the index
            # alone, never visiting the table's wide rows.
            models.Index(
                fields=["unit_path", "resolved_date", "deadline", "kind", "funds"],
                name="sreq_path_resolved_cover_idx",
            ),
            models.Index(
                fields=["unit_path", "signed_date", "sign_deadline"], name="sreq_path_signed_idx"
            ),
            models.Index(
                fields=["unit_path", "rated_date", "satisfaction"], name="sreq_path_rated_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=RequestState.values), name="sreq_state_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.ENTERPRISE, enterprise__isnull=False)
                    | (Q(kind=Kind.CITIZEN, enterprise__isnull=True) & ~Q(contact_phone_enc=""))
                ),
                name="sreq_one_requester",
            ),
            models.CheckConstraint(condition=Q(funds__gte=0), name="sreq_funds_not_negative"),
            models.CheckConstraint(
                condition=Q(state__in=list(DONE_ORDER), resolved_date__isnull=False)
                | (~Q(state__in=list(DONE_ORDER)) & Q(resolved_date__isnull=True)),
                name="sreq_resolved_date_iff_done",
            ),
            models.CheckConstraint(condition=Q(redo_count__lte=1), name="sreq_redo_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.content[:30]}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("service_request", args=[self.pk])

    @property
    def contact_name(self) -> str:
        return crypto.decrypt(self.contact_name_enc) if self.contact_name_enc else ""

    @property
    def contact_phone(self) -> str:
        return crypto.decrypt(self.contact_phone_enc) if self.contact_phone_enc else ""

    @property
    def contact_name_masked(self) -> str:
        name = self.contact_name
        return (name[0] + "*" * (len(name) - 1)) if name else ""

    @property
    def contact_phone_masked(self) -> str:
        return crypto.mask_phone(self.contact_phone) if self.contact_phone_enc else ""

    @property
    def requester_label(self) -> str:
        if self.kind == Kind.ENTERPRISE:
            return self.enterprise.name if self.enterprise_id else ""
        return self.contact_name_masked


class RequestAssignment(models.Model):
    """Who holds (held) a request as lead (主办) or co-handler (协办); ended rows are history."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["unit", "ended_at"], name="sreq_assign_unit_idx")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.role} {self.unit_id}"


class PublicHit(models.Model):
    """One public submission or lookup from an address (keyed hash), for the rate limit."""

    address_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, default="submit")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["address_hash", "kind", "at"], name="public_hit_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at}"
