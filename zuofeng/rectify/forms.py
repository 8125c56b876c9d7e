"""Forms of the ledger pages; the same rules as the API through the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zuofeng.rectify.choices import InspectionMethod, KeyArea, Mode, ProblemState
from zuofeng.rectify.models import Campaign, ProblemCategory, ProblemSource, Round

DATE = forms.DateInput(attrs={"type": "date"})


class LedgerFilterForm(forms.Form):
    q = forms.CharField(label=_("编号或描述"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ProblemState.choices]
    )
    source = forms.ModelChoiceField(
        label=_("来源"), required=False, queryset=ProblemSource.objects.all()
    )
    category = forms.ModelChoiceField(
        label=_("类别"), required=False, queryset=ProblemCategory.objects.all()
    )
    campaign = forms.ModelChoiceField(
        label=_("专项"), required=False, queryset=Campaign.objects.all()
    )
    key_area = forms.ChoiceField(
        label=_("重点领域"), required=False, choices=[("", _("全部")), *KeyArea.choices]
    )
    warning = forms.ChoiceField(
        label=_("预警"),
        required=False,
        choices=[("", _("全部")), ("green", _("绿灯")), ("yellow", _("黄灯")), ("red", _("红灯"))],
    )
    unit = forms.CharField(label=_("责任单位编码"), required=False, max_length=32)
    overdue = forms.BooleanField(label=_("只看逾期"), required=False)
    round = forms.ModelChoiceField(
        label=_("轮次"), required=False, queryset=Round.objects.filter(closed_on__isnull=False)
    )


class RegisterForm(forms.Form):
    description = forms.CharField(
        label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    source = forms.ModelChoiceField(
        label=_("问题来源"), queryset=ProblemSource.objects.filter(active=True)
    )
    source_ref = forms.CharField(label=_("来源文号"), required=False, max_length=64)
    category = forms.ModelChoiceField(
        label=_("问题类别"), required=False, queryset=ProblemCategory.objects.filter(active=True)
    )
    found_date = forms.DateField(label=_("发现日期"), widget=DATE)
    unit = forms.CharField(label=_("责任单位编码"), max_length=32)
    key_areas = forms.MultipleChoiceField(
        label=_("重点领域"),
        required=False,
        choices=KeyArea.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    mode = forms.ChoiceField(
        label=_("整改方式"), required=False, choices=[("", "—"), *Mode.choices]
    )
    campaign = forms.ModelChoiceField(
        label=_("所属专项"), required=False, queryset=Campaign.objects.filter(active=True)
    )
    measures = forms.CharField(
        label=_("整改措施"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TransitionForm(forms.Form):
    person = forms.CharField(label=_("责任人"), required=False, max_length=50)
    leader = forms.CharField(label=_("责任领导"), required=False, max_length=50)
    deadline = forms.DateField(label=_("整改时限（日期）"), required=False, widget=DATE)
    deadline_workdays = forms.IntegerField(
        label=_("或：交办后N个工作日"), required=False, min_value=1, max_value=365
    )
    result = forms.CharField(
        label=_("整改结果"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(label=_("退回理由"), required=False, max_length=1000)
    review_date = forms.DateField(label=_("复查日期"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("佐证材料（PDF、图片或Office文档，20MB以内）"))


class InspectionForm(forms.Form):
    date = forms.DateField(label=_("检查日期"), widget=DATE)
    team = forms.CharField(label=_("检查组"), max_length=100)
    method = forms.ChoiceField(label=_("检查方式"), choices=InspectionMethod.choices)
    targets = forms.CharField(label=_("检查对象（组织编码，以、或逗号分隔）"), max_length=2000)
    campaign = forms.ModelChoiceField(
        label=_("所属专项"), required=False, queryset=Campaign.objects.filter(active=True)
    )
    summary = forms.CharField(
        label=_("检查情况"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def target_codes(self) -> list[str]:
        raw = self.cleaned_data["targets"].replace("，", "、").replace(",", "、")
        return [c.strip() for c in raw.split("、") if c.strip()]


class FindingForm(forms.Form):
    unit = forms.CharField(label=_("责任单位编码"), max_length=32)
    description = forms.CharField(
        label=_("问题描述"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    category = forms.ModelChoiceField(
        label=_("问题类别"), required=False, queryset=ProblemCategory.objects.filter(active=True)
    )


class CircularForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    date = forms.DateField(label=_("印发日期"), widget=DATE)
    issuer = forms.CharField(label=_("印发单位编码"), max_length=32)
    campaign = forms.ModelChoiceField(
        label=_("所属专项"), required=False, queryset=Campaign.objects.filter(active=True)
    )
    intro = forms.CharField(
        label=_("导语"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    problems = forms.CharField(
        label=_("通报问题编号（以、或逗号分隔）"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def problem_numbers(self) -> list[str]:
        raw = (
            self.cleaned_data["problems"].replace("，", "、").replace(",", "、").replace("\n", "、")
        )
        return [n.strip() for n in raw.split("、") if n.strip()]


class LeaderProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=100)
    leader = forms.CharField(label=_("领衔领导"), max_length=50)
    owner = forms.CharField(label=_("牵头单位编码"), max_length=32)
    started_on = forms.DateField(label=_("启动日期"), widget=DATE)
    due_on = forms.DateField(label=_("计划完成日期"), required=False, widget=DATE)
    campaign = forms.ModelChoiceField(
        label=_("所属专项"), required=False, queryset=Campaign.objects.filter(active=True)
    )
    problems = forms.CharField(
        label=_("整治问题编号（以、或逗号分隔）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def problem_numbers(self) -> list[str]:
        raw = (
            self.cleaned_data["problems"].replace("，", "、").replace(",", "、").replace("\n", "、")
        )
        return [n.strip() for n in raw.split("、") if n.strip()]


class RuleForm(forms.Form):
    title = forms.CharField(label=_("制度名称"), max_length=200)
    doc_number = forms.CharField(label=_("文号"), max_length=64, required=False)
    issued_on = forms.DateField(label=_("印发日期"), widget=DATE)


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("专项名称"), max_length=64)
    start_date = forms.DateField(label=_("开始日期"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    description = forms.CharField(label=_("说明"), required=False, max_length=500)
