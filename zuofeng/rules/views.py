"""Pages of the rule lists: overview, list editor, hits to review, budget table, micro-power
items and cases, page imports."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from zuofeng.core import sheets
from zuofeng.core.indicators import Period, get
from zuofeng.orgs import scope
from zuofeng.orgs import selectors as org_selectors
from zuofeng.orgs.models import Org
from zuofeng.rectify.permissions import CHECKLIST_MANAGE
from zuofeng.rules import selectors, services
from zuofeng.rules.forms import (
    CategoryForm,
    HitFilterForm,
    ImportForm,
    ItemForm,
    ReviewForm,
    VersionForm,
)
from zuofeng.rules.indicators import cut_target
from zuofeng.rules.models import CaseFlag, Hit, NegativeCategory
from zuofeng.rules.permissions import RULES_MANAGE, RULES_REVIEW, RULES_VIEW

TILES = [
    "rules.negative_items",
    "rules.expenses_checked",
    "rules.hits",
    "rules.hits_confirmed",
    "rules.hit_amount",
    "rules.nonrigid_cut_rate",
    "rules.units_below_target",
    "rules.power_cases",
    "rules.power_flags",
    "rules.power_compliance_rate",
]
IMPORT_KINDS = ("expenses", "budget", "powercases")


def _errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errs in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _fmt(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value * 100:.1f}%"
    return f"{value:,}".rstrip("0").rstrip(".") if "." in f"{value}" else f"{value:,}"


@login_required
def home(request):
    paths = scope.require(request.user, RULES_VIEW)
    root = Org.objects.filter(path=paths[0]).first()
    latest = selectors.expenses_visible_to(request.user).aggregate(m=Max("date"))["m"]
    year = (latest or timezone.localdate()).year
    period = Period(dt.date(year, 1, 1), dt.date(year, 12, 31))
    tiles = []
    for key in TILES:
        ind = get(key)
        tiles.append((ind.label, _fmt(ind.value(root.path, period), ind.unit), ind.unit))
    return render(
        request,
        "rules/home.html",
        {
            "root": root,
            "year": year,
            "tiles": tiles,
            "lists": selectors.lists_visible_to(request.user)[:10],
            "can_manage": scope.can(request.user, RULES_MANAGE),
        },
    )


# --- the negative list ---


@login_required
def list_detail(request, pk: int):
    scope.require(request.user, RULES_VIEW)
    lst = selectors.list_get(request.user, pk)
    can_edit = scope.can_at(request.user, RULES_MANAGE, lst.issuer.path)
    cat_form, version_form = CategoryForm(), VersionForm()
    if request.method == "POST" and request.POST.get("action") == "selfcheck":
        try:
            report = services.manual_items_to_selfcheck(actor=request.user, negative_list=lst)
        except sheets.ImportFailed as exc:
            messages.error(request, "；".join(exc.lines()))
            return redirect("rules_list", lst.pk)
        messages.success(request, _("已生成对照自查清单：新增 %(n)d 条") % {"n": report.created})
        return redirect("checklists")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if "effective_from" in request.POST:
            version_form = VersionForm(request.POST)
            if version_form.is_valid():
                d = version_form.cleaned_data
                try:
                    new = services.negative_list_create(
                        actor=request.user,
                        name=d["name"],
                        issuer=lst.issuer,
                        applies_to=lst.applies_to,
                        effective_from=d["effective_from"],
                        doc_number=d["doc_number"],
                        copy_from=lst,
                    )
                    return redirect("rules_list", new.pk)
                except ValidationError as exc:
                    _errors(version_form, exc)
        else:
            cat_form = CategoryForm(request.POST)
            if cat_form.is_valid():
                services.category_save(
                    actor=request.user, negative_list=lst, name=cat_form.cleaned_data["name"]
                )
                return redirect("rules_list", lst.pk)
    return render(
        request,
        "rules/list_detail.html",
        {
            "lst": lst,
            "categories": selectors.list_items(lst),
            "can_edit": can_edit,
            "cat_form": cat_form,
            "version_form": version_form,
            "can_selfcheck": scope.can(request.user, CHECKLIST_MANAGE),
        },
    )


def _item_form_page(request, *, category, item=None):
    form = ItemForm(request.POST or None, initial=_item_initial(item))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            saved = services.item_save(
                actor=request.user,
                category=category,
                item=item,
                text=d["text"],
                basis=d["basis"],
                check_type=d["check_type"],
                params=d["params"],
            )
            messages.success(request, _("已保存"))
            return redirect("rules_item", saved.pk)
        except ValidationError as exc:
            _errors(form, exc)
    return render(
        request,
        "rules/item.html",
        {"form": form, "item": item, "category": category, "lst": category.negative_list},
        status=400 if form.errors else 200,
    )


def _item_initial(item):
    if item is None:
        return {}
    import json

    return {
        "text": item.text,
        "basis": item.basis,
        "check_type": item.check_type,
        "params": json.dumps(item.params, ensure_ascii=False) if item.params else "",
    }


@login_required
def item_edit(request, pk: int):
    scope.require(request.user, RULES_VIEW)
    item = selectors.item_get(request.user, pk)
    if request.method == "POST":
        services.authorize_manage(request.user, item.category.negative_list.issuer)
    return _item_form_page(request, category=item.category, item=item)


@login_required
def item_new(request, category_pk: int):
    scope.require(request.user, RULES_VIEW)
    category = (
        NegativeCategory.objects.select_related("negative_list__issuer")
        .filter(pk=category_pk, negative_list__in=selectors.lists_visible_to(request.user))
        .first()
    )
    if category is None:
        raise Http404
    services.authorize_manage(request.user, category.negative_list.issuer)
    return _item_form_page(request, category=category)


@login_required
@require_POST
def item_preview(request):
    """ "Test this check": the latest records in the user's scope it would hit (htmx partial)."""
    scope.require(request.user, RULES_VIEW)
    form = ItemForm(request.POST)
    found, error = [], ""
    if form.is_valid():
        sample = selectors.expenses_visible_to(request.user).order_by("-date", "-id")[:500]
        try:
            found = services.preview(
                form.cleaned_data["check_type"],
                form.cleaned_data["params"],
                sample,
                request.POST.get("label", ""),
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
    else:
        error = "；".join(str(m) for errs in form.errors.values() for m in errs)
    return render(
        request, "rules/_preview.html", {"found": found[:50], "count": len(found), "error": error}
    )


# --- hits ---


@login_required
def hits(request):
    scope.require(request.user, RULES_VIEW)
    form = HitFilterForm(request.GET or None)
    f = selectors.HitFilter()
    if form.is_valid():
        d = form.cleaned_data
        unit = org_selectors.org_get(request.user, d["unit"]) if d["unit"] else None
        f = selectors.HitFilter(d["state"], d["category"], unit, d["start"], d["end"], d["q"])
    if request.GET.get("format") == "xlsx":
        return _hits_xlsx(request.user, selectors.hits(request.user, f))
    page = Paginator(selectors.hits(request.user, f), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "rules/hits.html", {"form": form, "page": page, "query": query.urlencode()}
    )


HIT_HEADERS = [
    _l("凭证号"),
    _l("日期"),
    _l("单位编码"),
    _l("单位"),
    _l("经济分类编码"),
    _l("金额（元）"),
    _l("摘要"),
    _l("类别"),
    _l("条目"),
    _l("说明"),
    _l("涉及金额（元）"),
    _l("审核状态"),
    _l("审核意见"),
    _l("台账问题编号"),
]


def _hits_xlsx(user, qs):
    """The filtered hits as a workbook (formula-like cells escaped by the writer); audited."""
    import io

    from zuofeng.core import audit
    from zuofeng.core.sheets.writer import SheetSpec, write_workbook

    rows = [
        (
            h.expense.voucher_no,
            h.expense.date,
            h.expense.unit.code,
            h.expense.unit.name,
            h.expense.econ_code,
            float(h.expense.amount),
            h.expense.summary,
            h.item.category.name,
            h.item.text,
            h.explanation,
            float(h.amount),
            h.get_state_display(),
            h.reason,
            h.problem.number if h.problem_id else "",
        )
        for h in qs.iterator(chunk_size=2000)
    ]
    buffer = io.BytesIO()
    write_workbook(buffer, [SheetSpec(str(_("负面清单命中")), [str(x) for x in HIT_HEADERS], rows)])
    audit.record(
        actor=user, action="export.rules_hits", object_type="rules.hit", after={"rows": len(rows)}
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="rules-hits.xlsx"'
    return response


def _review(request, finding, back: str):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论"))
        return redirect(back, finding.pk)
    d = form.cleaned_data
    try:
        services.finding_review(
            actor=request.user,
            finding=finding,
            decision=d["decision"],
            reason=d["reason"],
            to_ledger=d["to_ledger"],
        )
        messages.success(request, _("已审核"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(back, finding.pk)


def _to_ledger(request, finding, back: str):
    try:
        problem = services.finding_to_problem(actor=request.user, finding=finding)
        messages.success(request, _("已登记到问题台账：%(n)s") % {"n": problem.number})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(back, finding.pk)


@login_required
def hit_detail(request, pk: int):
    scope.require(request.user, RULES_VIEW)
    hit = selectors.hit_get(request.user, pk)
    if request.method == "POST":
        if request.POST.get("action") == "to_ledger":
            return _to_ledger(request, hit, "rules_hit")
        return _review(request, hit, "rules_hit")
    return render(
        request,
        "rules/hit.html",
        {
            "hit": hit,
            "form": ReviewForm(),
            "can_review": scope.can_at(request.user, RULES_REVIEW, hit.expense.unit.path),
        },
    )


@login_required
def finding_by_ref(request, ref: str):
    """The link back from a ledger problem's 来源文号 (RH-n / RF-n) to its finding."""
    scope.require(request.user, RULES_VIEW)
    for model, name in ((Hit, "rules_hit"), (CaseFlag, "rules_case")):
        if ref.startswith(model.REF_PREFIX) and ref[3:].isdigit():
            pk = int(ref[3:])
            if model is Hit:
                return redirect(name, selectors.hit_get(request.user, pk).pk)
            return redirect(name, selectors.flag_get(request.user, pk).case_id)
    raise Http404


# --- budget ---


@login_required
def budget(request):
    scope.require(request.user, RULES_VIEW)
    years = selectors.budget_years(request.user)
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        raise Http404 from None
    below_only = request.GET.get("below") == "1"
    rows = selectors.budget_table(request.user, year, below_only=below_only)
    total = selectors.budget_total(request.user, year)
    return render(
        request,
        "rules/budget.html",
        {
            "rows": rows,
            "year": year,
            "years": years,
            "below_only": below_only,
            "target": float(cut_target()),
            "n_below": sum(1 for r in rows if r.below),
            "total": total,
        },
    )


# --- micro-power ---


@login_required
def power_items(request):
    scope.require(request.user, RULES_VIEW)
    items = selectors.power_items_visible_to(request.user).prefetch_related("steps", "risks")
    return render(request, "rules/power_items.html", {"items": items})


@login_required
def power_item(request, pk: int):
    scope.require(request.user, RULES_VIEW)
    item = selectors.power_item_get(request.user, pk)
    return render(
        request,
        "rules/power_item.html",
        {"item": item, "steps": list(item.steps.all()), "risks": list(item.risks.all())},
    )


@login_required
def cases(request):
    scope.require(request.user, RULES_VIEW)
    flagged = request.GET.get("flagged") == "1"
    page = Paginator(selectors.cases(request.user, flagged=flagged), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "rules/cases.html",
        {"page": page, "flagged": flagged, "query": query.urlencode()},
    )


@login_required
def case_detail(request, pk: int):
    scope.require(request.user, RULES_VIEW)
    case = selectors.case_get(request.user, pk)
    if request.method == "POST":
        flag = selectors.flag_get(request.user, int(request.POST.get("flag") or 0))
        if flag.case_id != case.pk:
            raise Http404
        if request.POST.get("action") == "to_ledger":
            _to_ledger(request, flag, "rules_case")
        else:
            _review(request, flag, "rules_case")
        return redirect("rules_case", case.pk)
    steps, flags = selectors.case_steps(case)
    return render(
        request,
        "rules/case.html",
        {
            "case": case,
            "steps": steps,
            "flags": flags,
            "form": ReviewForm(),
            "can_review": scope.can_at(request.user, RULES_REVIEW, case.village.path),
        },
    )


# --- imports ---


@login_required
def import_page(request, kind: str):
    if kind not in IMPORT_KINDS:
        raise Http404
    scope.require(request.user, RULES_MANAGE)
    importer = sheets.get_importer(kind)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"kind": kind, "label": importer.label, "columns": importer.columns, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            context["error"], status = _("文件过大"), 413
        else:
            folder = Path(settings.MEDIA_ROOT) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{secrets.token_hex(16)}.xlsx"
            try:
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                context["report"] = sheets.run_import_file(
                    kind, path, actor=request.user, dry_run=form.cleaned_data["dry_run"]
                )
            except sheets.InvalidFile as exc:
                context["error"], status = str(exc), 400
            except sheets.ImportFailed as exc:
                context["failed"], status = exc.lines()[:500], 400
            finally:
                path.unlink(missing_ok=True)
    elif request.method == "POST":
        status = 400
    return render(request, "rules/import.html", context, status=status)


@login_required
def import_template(request, kind: str):
    if kind not in IMPORT_KINDS:
        raise Http404
    scope.require(request.user, RULES_MANAGE)
    import io

    buffer = io.BytesIO()
    sheets.write_template(kind, buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response
