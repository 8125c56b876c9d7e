"""Races (赛马): a participant group, seasons, boards of weighted indicator leaves, manual
entries with evidence and approval, and the computed (then frozen) scores of each season."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.orgs.models import Org
from zuofeng.races.choices import (
    Direction,
    EntryState,
    Method,
    MissingRule,
    SeasonState,
    Source,
)


class Race(models.Model):
    """A competition among a fixed group of orgs, run by the lead office at `lead_org`."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    lead_org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="+", verbose_name=_("牵头单位")
    )
    participants = models.ManyToManyField(Org, related_name="races", verbose_name=_("参赛单位"))
    list_size = models.PositiveSmallIntegerField(_("红黑榜名额"), default=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("赛马比拼")
        verbose_name_plural = _("赛马比拼")

    def __str__(self) -> str:
        return self.name


class Season(models.Model):
    """One period of a race (a quarter by default). Published seasons are frozen."""

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="seasons")
    code = models.CharField(_("赛季"), max_length=20)
    name = models.CharField(_("名称"), max_length=50)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    state = models.CharField(
        _("状态"), max_length=16, choices=SeasonState.choices, default=SeasonState.OPEN
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    computed_by = models.CharField(max_length=150, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["race", "start"]
        constraints = [
            models.UniqueConstraint(fields=["race", "code"], name="season_code_unique"),
            models.CheckConstraint(
                condition=Q(state__in=SeasonState.values), name="season_state_valid"
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="season_order"),
        ]

    def __str__(self) -> str:
        return f"{self.race.name} {self.name}"

    @property
    def published(self) -> bool:
        return self.state == SeasonState.PUBLISHED


class Board(models.Model):
    """One board (榜) of a race: a tree of nodes whose points add up to `total_points`."""

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(_("榜单名称"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(default=0)
    total_points = models.DecimalField(_("满分"), max_digits=7, decimal_places=2, default=100)
    missing_rule = models.CharField(
        _("无数据规则"), max_length=16, choices=MissingRule.choices, default=MissingRule.ZERO
    )

    class Meta:
        ordering = ["race", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["race", "name"], name="board_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Node(models.Model):
    """A group of indicators, or a leaf that reads a registered indicator or a manual entry."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(_("指标名称"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2)
    source = models.CharField(_("数据来源"), max_length=16, choices=Source.choices)
    indicator_key = models.CharField(_("指标键"), max_length=100, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    method = models.CharField(_("计分方法"), max_length=16, choices=Method.choices, blank=True)
    direction = models.CharField(
        _("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    params = models.JSONField(default=dict, blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)

    class Meta:
        ordering = ["board", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(source__in=Source.values), name="node_source_valid"),
            models.CheckConstraint(condition=Q(points__gte=0), name="node_points_nonnegative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_leaf(self) -> bool:
        return self.source != Source.GROUP


def evidence_path(instance, filename: str) -> str:
    import uuid

    return f"races/evidence/{uuid.uuid4().hex}"


class ManualEntry(models.Model):
    """A hand-entered value for a manual leaf, with its evidence; counts once approved."""

    season = models.ForeignKey(Season, on_delete=models.PROTECT, related_name="entries")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="entries")
    participant = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    evidence = models.TextField(_("佐证说明"), max_length=4000)
    evidence_file = models.FileField(upload_to=evidence_path, max_length=200, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=EntryState.choices, default=EntryState.SUBMITTED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_name = models.CharField(_("填报人"), max_length=150)
    entered_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(_("审核人"), max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("退回理由"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["season", "node", "participant__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "node", "participant"], name="entry_one_per_leaf"
            ),
            models.CheckConstraint(
                condition=Q(state__in=EntryState.values), name="entry_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node.name} · {self.participant.name}"


class BoardScore(models.Model):
    """A participant's total and rank on a board in a season (frozen once published)."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="board_scores")
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="scores")
    participant = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    rank = models.PositiveSmallIntegerField(null=True)
    previous_rank = models.PositiveSmallIntegerField(null=True)
    red = models.BooleanField(default=False)
    black = models.BooleanField(default=False)
    progress = models.BooleanField(default=False)

    class Meta:
        ordering = ["season", "board", "rank", "participant__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "board", "participant"], name="board_score_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.board_id}·{self.participant_id}: {self.total}"

    @property
    def rank_change(self) -> int | None:
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


class LeafScore(models.Model):
    """One leaf for one participant: the raw value, the points, and the rule used — copied, so
    a later edit of the board does not alter a published season."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="leaf_scores")
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey(Node, null=True, on_delete=models.SET_NULL, related_name="+")
    participant = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=200)
    sort_order = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=16, choices=Source.choices)
    indicator_key = models.CharField(max_length=100, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    method = models.CharField(max_length=16, choices=Method.choices)
    rule = models.CharField(max_length=300)  # the method in words, as applied
    max_points = models.DecimalField(max_digits=7, decimal_places=2)
    value = models.DecimalField(max_digits=18, decimal_places=4, null=True)
    unit = models.CharField(max_length=20, blank=True)
    points = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    leaf_rank = models.PositiveSmallIntegerField(null=True)

    class Meta:
        ordering = ["season", "board", "participant", "sort_order"]
        indexes = [models.Index(fields=["season", "participant"], name="leaf_score_part_idx")]

    def __str__(self) -> str:
        return f"{self.label}: {self.points}"

    @property
    def shown_value(self) -> str:
        """The raw value as people read it: a rate as 81.9%, a count with its unit."""
        if self.value is None:
            return ""
        if self.unit == "%":
            return f"{self.value * 100:.1f}%"
        return f"{self.value.normalize():f}{self.unit}"


class TalkFlag(models.Model):
    """A participant on a board's black list three published seasons running: flagged for a
    formal talk (约谈)."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="talk_flags")
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+")
    seasons = models.CharField(_("连续上黑榜赛季"), max_length=100)
    flagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["season", "board", "participant__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "board", "participant"], name="talk_flag_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} ({self.seasons})"
