"""Forms of the rule-list pages."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _l

from zuofeng.rules.choices import CheckType, Review


class ItemForm(forms.Form):
    text = forms.CharField(label=_l("条目内容"), max_length=500)
    basis = forms.CharField(label=_l("依据"), max_length=200, required=False)
    check_type = forms.ChoiceField(
        label=_l("自动核查类型"),
        choices=[("", _l("人工核查（自查清单）")), *CheckType.choices],
        required=False,
    )
    params = forms.CharField(
        label=_l("核查参数（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_l(
            '例：{"codes": ["30217"], "limit": 150, "per": "person"}；'
            "codes 为适用的经济分类编码，可省略"
        ),
    )

    def clean_params(self):
        raw = (self.cleaned_data.get("params") or "").strip()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_l("不是有效的 JSON")) from None


class CategoryForm(forms.Form):
    name = forms.CharField(label=_l("类别名称"), max_length=50)


class VersionForm(forms.Form):
    name = forms.CharField(label=_l("新版本名称"), max_length=100)
    effective_from = forms.DateField(
        label=_l("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    doc_number = forms.CharField(label=_l("文号"), max_length=64, required=False)


class HitFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_l("审核状态"), choices=[("", _l("全部")), *Review.choices], required=False
    )
    category = forms.CharField(label=_l("类别"), max_length=50, required=False)
    unit = forms.CharField(label=_l("单位编码"), max_length=32, required=False)
    start = forms.DateField(
        label=_l("支出日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_l("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_l("摘要或凭证号"), max_length=50, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_l("审核结论"),
        choices=[(Review.CONFIRMED, _l("确认违规")), (Review.DISMISSED, _l("排除"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_l("审核意见（排除时必填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_ledger = forms.BooleanField(
        label=_l("确认后同时登记到问题台账"), required=False, initial=True
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_l("Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_l("只校验不导入"), required=False)
