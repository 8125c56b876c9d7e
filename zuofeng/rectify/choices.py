"""Vocabularies of the problem ledger (查摆整改)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProblemState(models.TextChoices):
    # A context of their own: in Chinese a state and the step that leads to it share a word
    # (交办), in English they do not ("Assigned" / "Assign").
    REGISTERED = "registered", pgettext_lazy("problem state", "登记")
    ASSIGNED = "assigned", pgettext_lazy("problem state", "交办")
    RECTIFYING = "rectifying", pgettext_lazy("problem state", "整改中")
    SUBMITTED = "submitted", pgettext_lazy("problem state", "申请销号")
    CLOSED = "closed", pgettext_lazy("problem state", "已销号")
    LONG_TERM = "long_term", pgettext_lazy("problem state", "长期整改")


OPEN_STATES = frozenset(
    {
        ProblemState.REGISTERED,
        ProblemState.ASSIGNED,
        ProblemState.RECTIFYING,
        ProblemState.SUBMITTED,
    }
)


class Mode(models.TextChoices):
    ITEM = "item", _("逐项逐条改")
    CAMPAIGN = "campaign", _("专项整治改")
    RULES = "rules", _("建章立制改")


class KeyArea(models.TextChoices):
    POWER = "power", _("权力集中")
    FUNDS = "funds", _("资金密集")
    RESOURCES = "resources", _("资源富集")


def key_area_codes(power: bool, funds: bool, resources: bool) -> list[str]:
    """The codes of the key-area flags that are set, in their fixed order."""
    flags = ((power, KeyArea.POWER), (funds, KeyArea.FUNDS), (resources, KeyArea.RESOURCES))
    return [area.value for on, area in flags if on]


SEED_SOURCES = ["巡视巡察", "审计监督", "纪检监察", "信访反映", "自查", "正风肃纪检查", "上级交办"]
SEED_CATEGORIES = [
    "形式主义",
    "官僚主义",
    "享乐主义",
    "奢靡之风",
    "不敢为",
    "不善为",
    "不作为",
    "乱作为",
]
SEED_CAMPAIGNS = ["两违整治", "校园餐", "养老", "医保", "殡葬", "农村集体“三资”", "乡村振兴资金"]


class InspectionMethod(models.TextChoices):
    OPEN = "open", _("明察")
    COVERT = "covert", _("暗访")
    CROSS = "cross", _("交叉检查")


class NoticeLevel(models.IntegerChoices):
    """Escalation notices, in order (临颍 "五书制" practice): each a step up from the last."""

    SUPERVISE = 1, _("督办通知书")
    REMIND = 2, _("提醒书")
    WARN = 3, _("告诫书")
    ACCOUNTABILITY = 4, _("问责书")


# Days past the deadline after which the sweeper proposes each level (configurable later).
NOTICE_THRESHOLDS = {
    NoticeLevel.SUPERVISE: 0,
    NoticeLevel.REMIND: 10,
    NoticeLevel.WARN: 20,
    NoticeLevel.ACCOUNTABILITY: 30,
}


class ChecklistKind(models.TextChoices):
    """What a list of the 对照清单 set holds (the report's 两张清单 are not publicly defined)."""

    NEGATIVE = "negative", _("负面清单")
    WATCH = "watch", _("警示清单")
    PROBLEM = "problem", _("问题清单")
    RECTIFICATION = "rectification", _("整改清单")


class Answer(models.TextChoices):
    OK = "ok", _("符合")
    PROBLEM = "problem", _("存在问题")
