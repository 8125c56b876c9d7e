"""Infrastructure records: the audit chain and the work-calendar overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk edits and deletes: the audit log is append-only for the application."""

    def update(self, **kwargs):
        raise PermissionError("audit entries are append-only")

    def delete(self):
        raise PermissionError("audit entries are append-only")


class AuditEntry(models.Model):
    """One link of the hash chain: who did what to which record, from where, with what result."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)
    success = models.BooleanField(default=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    address = models.CharField(max_length=64, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    algorithm = models.CharField(max_length=8)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """The single row every append locks first; it serialises writers and remembers the tip,
    so a truncated tail is detected too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class CalendarOverride(models.Model):
    """An administrator's correction of one day: a working day off, or a weekend at work."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("休息日")
        WORKDAY = "workday", _("工作日（调休上班）")

    day = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="calendar_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class TimelineEvent(models.Model):
    """One step in a closed-loop record's history: who moved it from which state to which,
    with the note and data the step needed. Written by the loop engine only."""

    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="timeline_object_idx")
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.action}"


class Warning(models.TextChoices):
    NONE = "", _("无")
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


class LoopRecord(models.Model):
    """Columns every closed-loop record has: state, version for optimistic locking, the stored
    deadline, and the warning colour and breach date the sweeper maintains."""

    version = models.PositiveIntegerField(default=1)
    deadline = models.DateField(_("期限"), null=True, blank=True, db_index=True)
    warning = models.CharField(
        _("预警"), max_length=8, choices=Warning.choices, blank=True, default="", db_index=True
    )
    overdue_since = models.DateField(_("逾期日期"), null=True, blank=True)

    class Meta:
        abstract = True


class Counter(models.Model):
    """A named counter for generated numbers; incremented under a row lock."""

    name = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
