"""Vocabularies of projects, approvals and village ledgers."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectState(models.TextChoices):
    APPROVED = "approved", pgettext_lazy("project state", "立项")
    IN_PROGRESS = "in_progress", pgettext_lazy("project state", "实施中")
    COMPLETED = "completed", pgettext_lazy("project state", "已完成")
    ACCEPTED = "accepted", pgettext_lazy("project state", "已验收")
    STOPPED = "stopped", pgettext_lazy("project state", "中止")


OPEN_STATES = frozenset({ProjectState.APPROVED, ProjectState.IN_PROGRESS})
DONE_STATES = frozenset({ProjectState.COMPLETED, ProjectState.ACCEPTED})


class MilestoneState(models.TextChoices):
    OPEN = "open", _("未完成")
    DONE = "done", _("已完成")


class GroupMode(models.TextChoices):
    SERIAL = "serial", _("串联")
    PARALLEL = "parallel", _("并联")


class CaseState(models.TextChoices):
    OPEN = "open", _("办理中")
    CLOSED = "closed", _("已办结")


class Direction(models.TextChoices):
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


# Configurable lists seeded with the source report's wording.
SEED_PROJECT_KINDS = [
    "民生实事项目",
    "机关效能项目",
    "结对民生实事项目",
    "领办项目",
    "文明实践项目",
    "党建品牌项目",
]
SEED_LEDGER_CATEGORIES = ["集体经营", "资产租赁", "项目分红", "补助", "其他"]
