"""Vocabularies of the service module (诉求直通车)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestState(models.TextChoices):
    # The 12345 closed loop (国办发〔2020〕53号 practice), in order.
    SUBMITTED = "submitted", pgettext_lazy("request state", "已提交")
    ACCEPTED = "accepted", pgettext_lazy("request state", "已受理")
    ASSIGNED = "assigned", pgettext_lazy("request state", "已交办")
    SIGNED = "signed", pgettext_lazy("request state", "已签收")
    HANDLING = "handling", pgettext_lazy("request state", "办理中")
    RESOLVED = "resolved", pgettext_lazy("request state", "已办结")
    RATED = "rated", pgettext_lazy("request state", "已评价")
    CLOSED = "closed", pgettext_lazy("request state", "已关闭")


STATE_ORDER = [s.value for s in RequestState]
OPEN_STATES = frozenset(
    {
        RequestState.SUBMITTED,
        RequestState.ACCEPTED,
        RequestState.ASSIGNED,
        RequestState.SIGNED,
        RequestState.HANDLING,
    }
)
# States in which the request has been resolved (办结) and keeps its resolution date.
# In a fixed order where SQL names them (a constraint must read the same on every run; a set's
# order changes with the hash seed).
DONE_ORDER = (RequestState.RESOLVED, RequestState.RATED, RequestState.CLOSED)
DONE_STATES = frozenset(DONE_ORDER)


class Kind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业诉求")
    CITIZEN = "citizen", _("群众诉求")


class Channel(models.TextChoices):
    SELF = "self", _("企业自主提交")
    GRID = "grid", _("网格员上报")
    VISIT = "visit", _("走访")
    HOTLINE = "hotline", _("热线")
    ONLINE = "online", _("网上")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


SATISFIED_VALUES = (Satisfaction.SATISFIED, Satisfaction.BASIC)


class RatedBy(models.TextChoices):
    REQUESTER = "requester", _("诉求人评价")
    CALLBACK = "callback", _("网格员回访")


class Size(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    CO = "co", _("协办")


SEED_CATEGORIES = [
    "政策兑现",
    "要素保障",
    "审批服务",
    "融资",
    "用工",
    "涉法涉企",
    "环评",
    "基础设施",
    "民生服务",
    "其他",
]
# "1+3+3+N": one lead and role groups. The report gives no public definition; these names are
# the seeded defaults (configurable): (name, is lead, planned size or None for N).
SEED_GRID_ROLES = [
    ("网格长", True, 1),
    ("联企干部", False, 3),
    ("专业服务员", False, 3),
    ("助企服务力量", False, None),
]
# Seeded SLA in working days (DOMAIN.md §4): sign-for 1; resolve 5 / 3 / same day; return
# within 2; extension up to 10. Per urgency, for every category unless a category overrides.
SEED_SLA = {
    Urgency.NORMAL: (1, 5, 2, 10),
    Urgency.URGENT: (1, 3, 2, 10),
    Urgency.CRITICAL: (1, 0, 2, 10),
}
