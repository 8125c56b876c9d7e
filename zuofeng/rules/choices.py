"""Vocabularies of the rule lists."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckType(models.TextChoices):
    """The automatic checks an item of the negative list may carry (parameters per item)."""

    ECON_CODE = "econ_code", _("经济分类编码属于限定范围")
    KEYWORD = "keyword", _("摘要含关键词")
    AMOUNT_OVER = "amount_over", _("人均或单次金额超标准")
    DOCUMENT_MISSING = "document_missing", _("缺少必备附件")
    PAYEE_WATCH = "payee_watch", _("收款方在关注名单")
    DATE_WINDOW = "date_window", _("支出日期在禁止期间")


class Review(models.TextChoices):
    """A finding (spending hit or case flag) as a reviewer left it."""

    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")


class RiskGrade(models.TextChoices):
    A = "A", _("A级（高）")
    B = "B", _("B级（中）")
    C = "C", _("C级（低）")


class FlagKind(models.TextChoices):
    """What the step-by-step check of a micro-power case can find."""

    MISSING = "missing", _("缺少步骤")
    ORDER = "order", _("步骤顺序颠倒")
    QUORUM = "quorum", _("到会或表决人数不足")
    NOTICE = "notice", _("公开不及时")
    THRESHOLD = "threshold", _("超限额未履行完整程序")
    DOCUMENTS = "documents", _("缺少材料")
