"""Forms of the study pages (parsing only; the rules live in services)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from zuofeng.study.choices import AttachmentKind, Cadence, Category, Mode
from zuofeng.study.models import ActivityKind, Channel, YouthGroup

CAMPAIGN_START, CAMPAIGN_END = dt.date(2025, 3, 1), dt.date(2025, 9, 30)
DATE = forms.DateInput(attrs={"type": "date"})


def _kinds():
    return ActivityKind.objects.filter(active=True).order_by("sort_order", "id")


class ActivityForm(forms.Form):
    org = forms.CharField(label=_("组织编码"), max_length=32)
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=_kinds(), empty_label=None)
    date = forms.DateField(label=_("活动日期"), widget=DATE)
    topic = forms.CharField(label=_("活动主题"), max_length=200)
    mode = forms.ChoiceField(label=_("形式"), choices=Mode.choices, initial=Mode.OFFLINE)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    host = forms.CharField(label=_("主持人"), max_length=50, required=False)
    recorder = forms.CharField(label=_("记录人"), max_length=50, required=False)
    expected_count = forms.IntegerField(label=_("应到人数"), min_value=0, required=False)
    present_count = forms.IntegerField(label=_("实到人数"), min_value=0, required=False)
    youth_group = forms.ModelChoiceField(
        label=_("学习小组"), queryset=YouthGroup.objects.all(), required=False
    )
    minutes = forms.CharField(
        label=_("会议记录"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _kinds()


class ActivityFilterForm(forms.Form):
    org = forms.CharField(label=_("组织编码"), max_length=32, required=False)
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=_kinds(), required=False)
    category = forms.ChoiceField(
        label=_("类别"), choices=[("", "—"), *Category.choices], required=False
    )
    start = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    end = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    youth = forms.BooleanField(label=_("仅青年学习社"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _kinds()


class ScopeForm(forms.Form):
    """Which subtree and period a report covers; defaults to the campaign period."""

    org = forms.CharField(label=_("组织编码"), max_length=32, required=False)
    start = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    end = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=_kinds(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _kinds()

    def clean(self):
        data = super().clean()
        data["start"] = data.get("start") or CAMPAIGN_START
        data["end"] = data.get("end") or CAMPAIGN_END
        if data["end"] < data["start"]:
            raise forms.ValidationError(_("结束日期不能早于开始日期"))
        return data


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("文件"))


class ItemForm(forms.Form):
    channel = forms.ModelChoiceField(
        label=_("频道"), queryset=Channel.objects.filter(active=True), empty_label=None
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    kind = forms.ModelChoiceField(label=_("学习类型"), queryset=_kinds(), required=False)
    audio = forms.FileField(label=_("音频"), required=False)
    duration_seconds = forms.IntegerField(label=_("时长（秒）"), min_value=0, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = _kinds()
        self.fields["channel"].queryset = Channel.objects.filter(active=True)


class PublishForm(forms.Form):
    targets = forms.CharField(label=_("推送对象（组织编码，以空格或顿号分隔）"), max_length=2000)
    date = forms.DateField(label=_("发布日期"), widget=DATE, required=False)

    def codes(self) -> list[str]:
        text = self.cleaned_data["targets"].replace("、", " ").replace(",", " ")
        return [c for c in text.split() if c]


class MemberForm(forms.Form):
    person_no = forms.CharField(label=_("人员编号"), max_length=32)


class KindForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=32)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    youth = forms.BooleanField(label=_("五个一"), required=False)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


class CadenceForm(forms.Form):
    org_kind = forms.ModelChoiceField(label=_("组织类别"), queryset=None, empty_label=None)
    kind = forms.ModelChoiceField(label=_("活动类型"), queryset=None, empty_label=None)
    cadence = forms.ChoiceField(label=_("周期"), choices=Cadence.choices)
    minimum = forms.IntegerField(label=_("最少次数（0为停用）"), min_value=0, max_value=100)

    def __init__(self, *args, **kwargs):
        from zuofeng.orgs.models import OrgKind

        super().__init__(*args, **kwargs)
        self.fields["org_kind"].queryset = OrgKind.objects.all()
        self.fields["kind"].queryset = _kinds()


class YouthGroupForm(forms.Form):
    name = forms.CharField(label=_("分社名称"), max_length=64)
    org = forms.CharField(label=_("所属组织编码"), max_length=32)
    description = forms.CharField(label=_("简介"), max_length=500, required=False)
