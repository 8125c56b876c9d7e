"""Vocabularies of study and activities (学习教育) and their seeded catalogues."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    STUDY = "study", _("学习")
    PRACTICE = "practice", _("实践")


class Mode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")


class Cadence(models.TextChoices):
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class AttachmentKind(models.TextChoices):
    NOTICE = "notice", _("通知")
    MINUTES = "minutes", _("纪要")
    SIGN_IN = "sign_in", _("签到表")
    PHOTO = "photo", _("照片")


# 五个一 of the 虞青学习社 (the source report): the youth kinds, flagged on the kind, configurable.
YOUTH_KINDS = ["学习小组", "大讲堂", "案例研讨", "实绩比拼", "专项调研"]

SEED_KINDS: list[tuple[str, str]] = [
    *(
        (name, Category.STUDY)
        for name in [
            "理论学习中心组学习",
            "支部党员大会",
            "支部委员会",
            "党小组会",
            "党课",
            "主题党日",
            "专题读书班",
            "研讨交流",
            "走村入户宣讲",
            *YOUTH_KINDS[1:],
            YOUTH_KINDS[0],
        ]
    ),
    ("邻里文化活动", Category.PRACTICE),
    ("志愿服务", Category.PRACTICE),
    ("义诊义剪", Category.PRACTICE),
]

# "四学联动" is a local slogan without a public definition: a configurable grouping, seeded with
# the carriers the report names in the same sentence.
SEED_GROUPS = {
    "四学联动": ["理论学习中心组学习", "支部党员大会", "支部委员会", "党小组会", "党课", "主题党日"]
}

# [practice] 《中国共产党支部工作条例（试行）》: the 三会一课 and 主题党日 cadence of a 党支部.
SEED_CADENCE = [
    ("党支部", "支部党员大会", Cadence.QUARTER, 1),
    ("党支部", "支部委员会", Cadence.MONTH, 1),
    ("党支部", "党小组会", Cadence.MONTH, 1),
    ("党支部", "党课", Cadence.QUARTER, 1),
    ("党支部", "主题党日", Cadence.MONTH, 1),
]

SEED_CHANNELS = [
    ("红色收音机", "用“乡音土话”解读政策理论的音频节目"),
    ("组工播报", "组织工作动态与学习内容推送"),
]
