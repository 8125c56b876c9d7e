"""Vocabularies of the competitions (四季比拼、五榜赛马)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeasonState(models.TextChoices):
    OPEN = "open", _("未计算")
    COMPUTED = "computed", _("已计算")
    PUBLISHED = "published", _("已发布")


class Source(models.TextChoices):
    GROUP = "group", _("指标组")
    INDICATOR = "indicator", _("平台指标")
    MANUAL = "manual", _("手工填报")


class Method(models.TextChoices):
    RANK_POINTS = "rank_points", _("名次赋分")
    RATIO_TO_TOP = "ratio_to_top", _("比例折算")
    LINEAR = "linear", _("线性扣分")
    DEDUCTION = "deduction", _("按次扣分")
    DIRECT = "direct", _("直接评分")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class MissingRule(models.TextChoices):
    ZERO = "zero", _("无数据计0分")
    EXCLUDE = "exclude", _("无数据不计入，按其余指标折算")


class EntryState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("已退回")
