"""Rule lists: the 过紧日子 negative list checked against finance records, the non-rigid budget
cut, and the village micro-power list (村级小微权力清单) checked step by step."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zuofeng.orgs.models import Org
from zuofeng.rules.choices import CheckType, FlagKind, Review, RiskGrade


class EconCode(models.Model):
    """An economic classification code of government spending (政府支出经济分类, 部门预算)."""

    code = models.CharField(_("经济分类编码"), max_length=8, unique=True)
    name = models.CharField(_("科目名称"), max_length=50)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class NegativeList(models.Model):
    """One version of the negative list: issued by an org, in force from a date over a scope
    until the next version of the same scope takes effect."""

    name = models.CharField(_("清单名称"), max_length=100)
    issuer = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位")
    )
    applies_to = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="+", verbose_name=_("适用范围")
    )
    doc_number = models.CharField(_("文号"), max_length=64, blank=True)
    effective_from = models.DateField(_("生效日期"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applies_to", "effective_from"], name="negative_list_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return self.name


class NegativeCategory(models.Model):
    """A category (项) of a list version: 经费管理, 国内差旅, …"""

    negative_list = models.ForeignKey(
        NegativeList, on_delete=models.CASCADE, related_name="categories"
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("类别名称"), max_length=50)

    class Meta:
        ordering = ["negative_list_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["negative_list", "number"], name="negative_category_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class NegativeItem(models.Model):
    """An item (条, a 高压线): its text, its basis, and an optional automatic check — a type
    implemented in code and parameters stored here. Without a check it is a manual item."""

    category = models.ForeignKey(NegativeCategory, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField(_("条目序号"))
    text = models.CharField(_("条目内容"), max_length=500)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    check_type = models.CharField(
        _("自动核查类型"), max_length=20, choices=CheckType.choices, blank=True
    )
    params = models.JSONField(_("核查参数"), default=dict, blank=True)

    class Meta:
        ordering = ["category_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["category", "number"], name="negative_item_number"),
            models.CheckConstraint(
                condition=Q(check_type="") | Q(check_type__in=CheckType.values),
                name="negative_item_check_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def manual(self) -> bool:
        return not self.check_type


class Expense(models.Model):
    """A finance record (记账凭证 line) as imported; checking never changes it."""

    voucher_no = models.CharField(_("凭证号"), max_length=40)
    date = models.DateField(_("日期"))
    unit = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="expenses", verbose_name=_("单位")
    )
    econ_code = models.CharField(_("经济分类编码"), max_length=8)
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    summary = models.CharField(_("摘要"), max_length=300)
    payee = models.CharField(_("收款方"), max_length=100, blank=True)
    people = models.PositiveIntegerField(_("人数"), null=True, blank=True)
    # Stored as "、公函、发票、" so one document kind is matched exactly by a substring test.
    documents = models.CharField(_("附件"), max_length=300, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "voucher_no"], name="expense_voucher_unique")
        ]
        indexes = [
            models.Index(fields=["date"], name="expense_date_idx"),
            # Most checks are limited to a few economic classification codes.
            models.Index(fields=["econ_code", "date"], name="expense_code_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.voucher_no} {self.summary[:20]}"

    @property
    def document_list(self) -> list[str]:
        return [d for d in self.documents.split("、") if d]


class Finding(models.Model):
    """What a check found and how a reviewer judged it; a confirmed finding may become a
    problem of the ledger (linked both ways: here by `problem`, there by its 来源文号)."""

    explanation = models.CharField(_("说明"), max_length=300)
    state = models.CharField(
        _("审核状态"), max_length=12, choices=Review.choices, default=Review.PENDING
    )
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField(_("审核日期"), null=True, blank=True)
    problem = models.ForeignKey(
        "rectify.Problem",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("台账问题"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Hit(Finding):
    """A finance record that breaks an item of the list in force on its date."""

    REF_PREFIX = "RH-"

    expense = models.ForeignKey(Expense, on_delete=models.CASCADE, related_name="hits")
    item = models.ForeignKey(NegativeItem, on_delete=models.PROTECT, related_name="hits")
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["expense", "item"], name="hit_once_per_item"),
            models.CheckConstraint(condition=Q(state__in=Review.values), name="hit_state_valid"),
        ]
        indexes = [models.Index(fields=["state"], name="hit_state_idx")]

    def __str__(self) -> str:
        return f"{self.REF_PREFIX}{self.pk}"


class BudgetLine(models.Model):
    """One line of a unit's budget: last year's spending and this year's budget."""

    unit = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="budget_lines")
    year = models.PositiveSmallIntegerField(_("年度"))
    econ_code = models.CharField(_("经济分类编码"), max_length=8)
    name = models.CharField(_("科目名称"), max_length=50, blank=True)
    rigid = models.BooleanField(_("刚性"))
    prior_actual = models.DecimalField(_("上年执行数（元）"), max_digits=16, decimal_places=2)
    budget = models.DecimalField(_("本年预算数（元）"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["unit_id", "year", "econ_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "econ_code"], name="budget_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(prior_actual__gte=0, budget__gte=0), name="budget_line_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["year", "rigid"], name="budget_year_rigid_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.econ_code}"


class PowerItem(models.Model):
    """An item of the village micro-power list and its process template."""

    org = models.ForeignKey(
        Org, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位")
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("事项名称"), max_length=50)
    category = models.CharField(_("类别"), max_length=30)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    responsible = models.CharField(_("责任主体"), max_length=100, blank=True)
    # Above this amount every step of the process is required; at or below it only the steps
    # marked `always`. Empty: every step always.
    threshold = models.DecimalField(
        _("限额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["org_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="power_item_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PowerStep(models.Model):
    """One step of an item's process, in order: who acts, what it needs, quorum and notice.

    Quorum (四议两公开): attendance ≥ attend_num/attend_den of those due; agreement
    > agree_num/agree_den of those due. `notice_days`: the step must follow the previous step
    within that many days (a resolution made public late is a notice given too late)."""

    item = models.ForeignKey(PowerItem, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("顺序"))
    name = models.CharField(_("步骤名称"), max_length=30)
    documents = models.CharField(_("必备材料"), max_length=200, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公开时限（天）"), null=True, blank=True)
    attend_num = models.PositiveSmallIntegerField(null=True, blank=True)
    attend_den = models.PositiveSmallIntegerField(null=True, blank=True)
    agree_num = models.PositiveSmallIntegerField(null=True, blank=True)
    agree_den = models.PositiveSmallIntegerField(null=True, blank=True)
    always = models.BooleanField(_("限额内也须履行"), default=True)

    class Meta:
        ordering = ["item_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "order"], name="power_step_order"),
            models.UniqueConstraint(fields=["item", "name"], name="power_step_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def document_list(self) -> list[str]:
        return [d for d in self.documents.split("、") if d]

    @property
    def quorum_text(self) -> str:
        parts = []
        if self.attend_den:
            parts.append(_("到会≥应到%(n)d/%(d)d") % {"n": self.attend_num, "d": self.attend_den})
        if self.agree_den:
            parts.append(_("同意>应到%(n)d/%(d)d") % {"n": self.agree_num, "d": self.agree_den})
        return "；".join(str(p) for p in parts)


class RiskPoint(models.Model):
    item = models.ForeignKey(PowerItem, on_delete=models.CASCADE, related_name="risks")
    text = models.CharField(_("风险点"), max_length=200)
    grade = models.CharField(_("风险等级"), max_length=1, choices=RiskGrade.choices)

    class Meta:
        ordering = ["item_id", "grade", "id"]

    def __str__(self) -> str:
        return f"{self.grade} {self.text}"


class PowerCase(models.Model):
    """One exercise of an item by a village; `date` is its first step's date."""

    number = models.CharField(_("案件编号"), max_length=40, unique=True)
    village = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="power_cases")
    item = models.ForeignKey(PowerItem, on_delete=models.PROTECT, related_name="cases")
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    subject = models.CharField(_("事由"), max_length=200, blank=True)
    date = models.DateField(_("日期"), db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.number


class CaseStep(models.Model):
    case = models.ForeignKey(PowerCase, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(PowerStep, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("日期"))
    due = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到人数"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("同意人数"), null=True, blank=True)
    documents = models.CharField(_("材料"), max_length=300, blank=True)  # "、a、b、"

    class Meta:
        ordering = ["case_id", "date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="case_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.step_id}"

    @property
    def document_list(self) -> list[str]:
        return [d for d in self.documents.split("、") if d]


class CaseFlag(Finding):
    """What the step-by-step check found wrong in a case."""

    REF_PREFIX = "RF-"

    case = models.ForeignKey(PowerCase, on_delete=models.CASCADE, related_name="flags")
    step = models.ForeignKey(
        PowerStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("问题类型"), max_length=12, choices=FlagKind.choices)
    # The step's order, 0 for a flag of the whole case: one flag per case, kind and step.
    slot = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "slot"], name="flag_once_per_step"),
            models.CheckConstraint(condition=Q(state__in=Review.values), name="flag_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.REF_PREFIX}{self.pk}"
