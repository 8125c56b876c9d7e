"""The dashboard (驾驶舱): tiles, charts, drill-down to the records, exports, briefings."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import indicators as reg
from zuofeng.core import numbers
from zuofeng.core.sheets.writer import SheetSpec, write_workbook
from zuofeng.dashboard import briefing as briefing_rules
from zuofeng.dashboard import headlines, panels, periods, selectors, services
from zuofeng.dashboard.briefing import BriefingError
from zuofeng.dashboard.models import BriefingTemplate
from zuofeng.dashboard.permissions import BRIEFING_MAKE, BRIEFING_TEMPLATE_MANAGE
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org

DRILL_PAGE = 50
DRILL_EXPORT_MAX = 100_000
PERIOD_KINDS = (
    ("month", _l("月")),
    ("quarter", _l("季度")),
    ("year", _l("年")),
    ("campaign", _l("专项")),
    ("custom", _l("自定义")),
)


def resolve_period(request) -> periods.Choice:
    today = dt.date.today()
    try:
        return periods.parse(request.GET, today)
    except periods.PeriodError as exc:
        messages.error(request, str(exc))
        return periods.default(today)


def _tile(indicator, value, before, key: str) -> dict:
    delta = None
    if value is not None and before is not None:
        delta = value - before
    better = None
    if delta:
        better = (delta < 0) if key in headlines.LOWER_IS_BETTER else (delta > 0)
    if delta is None:
        delta_text = ""
    elif indicator.unit == "%":
        delta_text = numbers.points(delta)
    else:
        delta_text = numbers.by_unit(abs(delta), indicator.unit)
        delta_text = ("+" if delta >= 0 else "−") + delta_text
    return {
        "key": key,
        "label": indicator.label,
        "unit": indicator.unit,
        "text": numbers.by_unit(value, indicator.unit),
        "before": numbers.by_unit(before, indicator.unit),
        "delta": delta_text,
        "up": delta is not None and delta > 0,
        "down": delta is not None and delta < 0,
        "better": better,
        "description": getattr(indicator, "description", ""),
    }


def _period_query(choice: periods.Choice) -> dict:
    if choice.kind == "custom":
        return {
            "period": "custom",
            "from": choice.period.start.isoformat(),
            "to": choice.period.end.isoformat(),
        }
    return {"period": choice.kind, "value": choice.value}


def _quick_periods(today: dt.date, choice: periods.Choice) -> list[tuple[str, str, bool]]:
    q = (today.month - 1) // 3 + 1
    out = [
        (_("本月"), {"period": "month", "value": f"{today:%Y-%m}"}),
        (_("本季度"), {"period": "quarter", "value": f"{today.year}-Q{q}"}),
        (_("本年"), {"period": "year", "value": str(today.year)}),
        (_("上年"), {"period": "year", "value": str(today.year - 1)}),
    ]
    for c in periods.campaigns()[:5]:
        out.append((c.name, {"period": "campaign", "value": str(c.pk)}))
    return [
        (label, urlencode(q), q["period"] == choice.kind and q["value"] == choice.value)
        for label, q in out
    ]


def _heatmap(org: Org, period: reg.Period, active_children: list[selectors.Child]):
    try:
        from zuofeng.study.selectors import coverage_matrix
    except ImportError:
        return None
    orgs, months, counts = coverage_matrix(org, period, orgs=active_children)
    return {
        "units": [o.short_name or o.name for o in orgs],
        "months": [m.strftime("%Y-%m") if hasattr(m, "strftime") else str(m) for m in months],
        "data": [[j, i, counts[i][j]] for i in range(len(orgs)) for j in range(len(months))],
    }


def _overdue_row(record, path_field: str) -> dict:
    text, unit, url = selectors.record_row(record, reg.holder_field(path_field))
    return {
        "text": text,
        "unit": unit,
        "url": url,
        "deadline": record.deadline,
        "overdue_since": record.overdue_since,
    }


@login_required
def dashboard(request):
    org, crumbs = selectors.resolve_scope(request.user, request.GET.get("scope"))
    choice = resolve_period(request)
    period, previous = choice.period, choice.previous
    registry = reg.registry()
    keys = headlines.keys()
    now = {f.key: f.value for f in selectors.figures(org, period, keys)}
    before = {f.key: f.value for f in selectors.figures(org, previous, keys)}
    sections = [
        (section.title, [_tile(registry[k], now[k], before[k], k) for k in ks])
        for section, ks in headlines.sections()
    ]
    kids = selectors.children_of(org)  # read once: the bar, the heatmap and the scope links
    active_kids = [k for k in kids if k.active]
    bar_key = request.GET.get("bar") or (keys[0] if keys else "")
    if bar_key not in registry:
        raise Http404
    bar = sorted(
        (
            (child.short_name or child.name, child.code, selectors.plain(v))
            for child, v in selectors.by_child(org, bar_key, period, children=kids)
        ),
        key=lambda row: (row[2] is None, -(row[2] or 0)),
    )
    months = reg.months(period)
    trend = {
        "months": [m.start.strftime("%Y-%m") for m in months],
        "series": [
            {
                "name": registry[k].label,
                "data": [selectors.plain(v) for _m, v in selectors.by_month(org, k, period)],
            }
            for k in headlines.trend_keys()
        ],
    }
    loop_panels = [
        {
            "key": p.key,
            "title": p.title,
            "funnel": p.funnel(org, period),
            "warnings": p.warnings(org),
            "overdue": [_overdue_row(r, p.path_field) for r in p.overdue(org)],
        }
        for p in panels.panels()
    ]
    charts = {
        "trend": trend,
        "bar": {
            "label": registry[bar_key].label,
            "unit": registry[bar_key].unit,
            "rows": bar,
        },
        "heatmap": _heatmap(org, period, active_kids),
        "funnels": [{"title": p["title"], "data": p["funnel"]} for p in loop_panels],
        "warnings": [{"title": p["title"], "data": p["warnings"]} for p in loop_panels],
    }
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "org": org,
            "crumbs": crumbs,
            "children": active_kids,
            "choice": choice,
            "period_query": _period_query(choice),
            "quick": _quick_periods(dt.date.today(), choice),
            "pq": urlencode(_period_query(choice)),
            "period_kinds": PERIOD_KINDS,
            "campaigns": periods.campaigns(),
            "sections": sections,
            "bar_key": bar_key,
            "bar_choices": [(k, registry[k].label) for k in keys],
            "charts": charts,
            "loop_panels": loop_panels,
        },
    )


def _filters(request) -> dict[str, str]:
    """Indicator filters travel as f.<name>=<value> query parameters."""
    return {k[2:]: v for k, v in request.GET.items() if k.startswith("f.") and v}


@login_required
def records(request, key: str):
    """The records behind a figure, with the same scope, period and filters; exportable."""
    org, crumbs = selectors.resolve_scope(request.user, request.GET.get("scope"))
    choice = resolve_period(request)
    try:
        indicator = reg.get(key)
        filters = _filters(request)
        value = indicator.value(org.path, choice.period, filters)
        qs = indicator.records(org.path, choice.period, filters)
    except reg.IndicatorError as exc:
        messages.error(request, str(exc))
        raise Http404 from exc
    rows = selectors.RecordRows(indicator, qs)
    model = rows.model
    if request.GET.get("format") == "xlsx":
        out = io.BytesIO()
        write_workbook(
            out,
            [
                SheetSpec(
                    name=key[:31],
                    headers=[str(model._meta.verbose_name), _("单位")],
                    rows=((r["text"], r["unit"]) for r in rows.iterate(DRILL_EXPORT_MAX)),
                    widths=[60, 30],
                )
            ],
        )
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"{key}-{org.code}-{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}.xlsx"
        )
        return response
    page = Paginator(rows, DRILL_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/records.html",
        {
            "org": org,
            "crumbs": crumbs,
            "choice": choice,
            "indicator": indicator,
            "key": key,
            "value": numbers.by_unit(value, indicator.unit),
            "filters": filters,
            "model_name": model._meta.verbose_name,
            "page": page,
            "rows": page.object_list,
            "query": query.urlencode(),
            "pq": urlencode(_period_query(choice)),
        },
    )


@login_required
def export_table(request):
    """The headline indicators as xlsx: for the scope (table=scope) or its children (children)."""
    org, _crumbs = selectors.resolve_scope(request.user, request.GET.get("scope"))
    choice = resolve_period(request)
    keys = headlines.keys()
    if request.GET.get("table") == "children":
        table = selectors.table_by_child(org, choice.period, keys)
    else:
        table = selectors.table_for_scope(org, choice.period, keys)
    response = HttpResponse(
        selectors.table_xlsx(table, choice.period),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"indicators-{org.code}-{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=selectors.DOCX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def briefing(request):
    """Generate a briefing for a scope and period; upload and manage the office's templates."""
    org, crumbs = selectors.resolve_scope(request.user, request.GET.get("scope"), BRIEFING_MAKE)
    choice = resolve_period(request)
    can_manage = scope.can(request.user, BRIEFING_TEMPLATE_MANAGE)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "upload":
        if not can_manage:
            raise PermissionDenied
        upload = request.FILES.get("file")
        try:
            if upload is None or not upload.name.lower().endswith(".docx"):
                raise BriefingError([_("请选择 Word 文档（.docx）")])
            if upload.size > briefing_rules.MAX_TEMPLATE_BYTES:
                raise BriefingError([_("模板文件超过 5 MB")])
            template = services.template_save(
                actor=request.user,
                name=request.POST.get("name", ""),
                content=upload.read(),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("模板已保存：%(name)s") % {"name": template.name})
            return redirect(request.get_full_path())
        except BriefingError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
            status = 400
    elif request.method == "POST":
        raw_number = (request.POST.get("number") or "").strip()
        try:
            number = int(raw_number) if raw_number else None
            if number is not None and not 1 <= number <= 9999:
                raise ValueError
        except ValueError:
            messages.error(request, _("期数应为 1–9999 的整数"))
            status = 400
        else:
            try:
                document, number = services.briefing_make(
                    actor=request.user,
                    scope=org,
                    period=choice.period,
                    number=number,
                    template=request.POST.get("template") or None,
                    issuer=request.POST.get("issuer") or None,
                )
            except BriefingError as exc:
                for problem in exc.problems:
                    messages.error(request, problem)
                status = 400
            else:
                span = f"{choice.period.start:%Y%m%d}-{choice.period.end:%Y%m%d}"
                name = f"简报-{org.code}-第{number}期-{span}.docx"
                return _docx_response(document, name)
    return render(
        request,
        "dashboard/briefing.html",
        {
            "org": org,
            "crumbs": crumbs,
            "choice": choice,
            "pq": urlencode(_period_query(choice)),
            "period_query": _period_query(choice),
            "templates": BriefingTemplate.objects.all(),
            "can_manage": can_manage,
            "issuer": services.default_issuer(org),
        },
        status=status,
    )


@login_required
def briefing_default(request):
    scope.require(request.user, BRIEFING_MAKE)
    return _docx_response(briefing_rules.default_template(), "简报模板-默认.docx")


@login_required
def briefing_template(request, pk: int):
    scope.require(request.user, BRIEFING_MAKE)
    template = get_object_or_404(BriefingTemplate, pk=pk)
    if request.method == "POST":
        scope.require(request.user, BRIEFING_TEMPLATE_MANAGE)
        services.template_delete(actor=request.user, template=template)
        messages.success(request, _("模板已删除：%(name)s") % {"name": template.name})
        return redirect("briefing")
    with template.file.open("rb") as fh:
        return _docx_response(fh.read(), f"简报模板-{template.name}.docx")
