"""Forms of the service pages (workbench and public side)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zuofeng.service.choices import Channel, RequestState, Satisfaction, Urgency
from zuofeng.service.models import RequestCategory


def _categories():
    return RequestCategory.objects.filter(active=True)


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", "—"), *RequestState.choices]
    )
    category = forms.ModelChoiceField(label=_("诉求类别"), required=False, queryset=_categories())
    channel = forms.ChoiceField(
        label=_("诉求渠道"), required=False, choices=[("", "—"), *Channel.choices]
    )
    q = forms.CharField(label=_("编号或内容"), required=False, max_length=100)


class SubmitForm(forms.Form):
    """A request entered in the workbench (grid cadre, front desk)."""

    credit_code = forms.CharField(label=_("统一社会信用代码"), required=False, max_length=18)
    name = forms.CharField(label=_("诉求人"), required=False, max_length=50)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    channel = forms.ChoiceField(label=_("诉求渠道"), choices=Channel.choices)
    category = forms.ModelChoiceField(label=_("诉求类别"), queryset=_categories())
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea, max_length=4000)
    location = forms.CharField(label=_("地点"), required=False, max_length=200)


class TransitionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = forms.CharField(label=_("主办单位编码"), required=False, max_length=32)
    co_units = forms.CharField(label=_("协办单位编码（以、分隔）"), required=False, max_length=500)
    reason = forms.CharField(label=_("理由"), required=False, max_length=500)
    note = forms.CharField(label=_("督办意见"), required=False, max_length=500)
    days = forms.IntegerField(label=_("延期（工作日）"), required=False, min_value=1, max_value=60)
    resolution = forms.CharField(
        label=_("办理结果"), required=False, max_length=4000, widget=forms.Textarea
    )
    resolved = forms.ChoiceField(
        label=_("问题是否解决"),
        required=False,
        choices=[("yes", _("已解决")), ("no", _("未解决"))],
    )
    funds = forms.DecimalField(
        label=_("兑现资金（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    satisfaction = forms.ChoiceField(
        label=_("满意度"), required=False, choices=[("", "—"), *Satisfaction.choices]
    )


class PublicSubmitForm(forms.Form):
    """The public form: no account; `website` is the honeypot a person never sees."""

    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20)
    credit_code = forms.CharField(
        label=_("统一社会信用代码（企业诉求填写）"), required=False, max_length=18
    )
    category = forms.ModelChoiceField(label=_("诉求类别"), queryset=_categories())
    content = forms.CharField(label=_("诉求内容"), widget=forms.Textarea, max_length=4000)
    location = forms.CharField(label=_("地点（选填）"), required=False, max_length=200)
    website = forms.CharField(required=False, max_length=200)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=16)
    last4 = forms.CharField(label=_("手机号后四位"), min_length=4, max_length=4)


class RateForm(TrackForm):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices)


class VisitForm(forms.Form):
    date = forms.DateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=18)
    unit = forms.CharField(label=_("走访单位编码"), max_length=32)
    cadres = forms.CharField(
        label=_("走访人员（人员编号，以、分隔）"), required=False, max_length=500
    )
    notes = forms.CharField(
        label=_("走访内容"), required=False, widget=forms.Textarea, max_length=4000
    )
