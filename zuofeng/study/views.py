"""Pages of the study module: activities (list, phone-friendly entry, detail), compliance,
coverage with its heatmap and export, channels and 我的学习, the youth study society."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zuofeng.core.indicators import Period
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org, Person
from zuofeng.study import selectors, services
from zuofeng.study.forms import (
    CAMPAIGN_END,
    CAMPAIGN_START,
    ActivityFilterForm,
    ActivityForm,
    AttachmentForm,
    ItemForm,
    MemberForm,
    PublishForm,
    ScopeForm,
)
from zuofeng.study.models import Attachment, ChannelItem, Delivery, Learner, YouthGroup
from zuofeng.study.permissions import STUDY_MANAGE, STUDY_RECORD, STUDY_VIEW
from zuofeng.study.services import Attendee


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _report_scope(request):
    """(form, org, period, kind) of a report page; bad input shows its errors and the page
    falls back to the user's scope over the campaign period."""
    form = ScopeForm(request.GET or None)
    data = {"org": "", "start": CAMPAIGN_START, "end": CAMPAIGN_END, "kind": None}
    if form.is_valid():
        data = form.cleaned_data
    org = selectors.scope_org(request.user, data.get("org"))
    return form, org, Period(data["start"], data["end"]), data.get("kind")


@login_required
def activity_list(request):
    scope.require(request.user, STUDY_VIEW)
    form = ActivityFilterForm(request.GET or None)
    qs = selectors.activities_visible_to(request.user)
    if form.is_valid():
        d = form.cleaned_data
        org = selectors.scope_org(request.user, d["org"]) if d["org"] else None
        qs = selectors.filter_activities(
            qs,
            org=org,
            kind=d["kind"],
            category=d["category"],
            start=d["start"],
            end=d["end"],
            youth=d["youth"],
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "study/activity_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_record": scope.can(request.user, STUDY_RECORD),
        },
    )


def _attendees(request, org: Org) -> list[Attendee]:
    """Ticked members are present; unticked ones absent with the reason typed beside them.
    None ticked means a count-only record."""
    members = list(selectors.members(org))
    ticked = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
    if not ticked:
        return []
    return [
        Attendee(p, p.pk in ticked, request.POST.get(f"reason_{p.pk}", "")[:100]) for p in members
    ]


@login_required
def activity_new(request):
    paths = scope.require(request.user, STUDY_RECORD)
    default = Org.objects.filter(path=paths[0]).values_list("code", flat=True).first()
    code = request.POST.get("org") or request.GET.get("org") or default
    org = Org.objects.filter(code=code, active=True).first()
    if org is None or not scope.can_at(request.user, STUDY_RECORD, org.path):
        raise Http404
    form = ActivityForm(
        request.POST or None, initial={"org": org.code, "date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.activity_record(
                actor=request.user,
                org=org,
                kind=d["kind"],
                topic=d["topic"],
                date=d["date"],
                mode=d["mode"],
                place=d["place"],
                host=d["host"],
                recorder=d["recorder"],
                minutes=d["minutes"],
                attendees=_attendees(request, org),
                expected_count=d["expected_count"],
                present_count=d["present_count"],
                youth_group=d["youth_group"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已登记：%(t)s") % {"t": activity.topic})
            return redirect("study_activity", activity.pk)
    ticked = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
    return render(
        request,
        "study/activity_new.html",
        {
            "form": form,
            "org": org,
            "members": selectors.members(org),
            "ticked": ticked,
            "posted": request.method == "POST",
        },
    )


@login_required
def activity_detail(request, pk: int):
    activity = selectors.activity_for(request.user, pk)
    can_record = scope.can_at(request.user, STUDY_RECORD, activity.org.path)
    form = AttachmentForm()
    if request.method == "POST":
        if not can_record:
            raise Http404
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(
                    actor=request.user,
                    activity=activity,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("study_activity", pk)
    return render(
        request,
        "study/activity_detail.html",
        {
            "a": activity,
            "attendance": activity.attendance.select_related("person"),
            "attachments": activity.attachments.all(),
            "form": form,
            "can_record": can_record,
        },
    )


@login_required
@require_POST
def activity_delete(request, pk: int):
    activity = selectors.activity_for(request.user, pk)
    services.activity_delete(actor=request.user, activity=activity)
    messages.success(request, _("已删除活动记录"))
    return redirect("study_activities")


@login_required
def attachment_download(request, pk: int):
    att = Attachment.objects.filter(pk=pk).select_related("activity__org").first()
    if att is None:
        raise Http404
    selectors.activity_for(request.user, att.activity_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)


@login_required
def compliance(request):
    form, org, period, kind = _report_scope(request)
    results = selectors.compliance(org, period, kind)
    results.sort(key=lambda r: (r.met, r.path))
    met = sum(1 for r in results if r.met)
    page = Paginator(results, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "study/compliance.html",
        {
            "form": form,
            "org": org,
            "period": period,
            "page": page,
            "total": len(results),
            "met": met,
            "rate": round(100 * met / len(results), 1) if results else None,
            "query": query.urlencode(),
        },
    )


@login_required
def coverage(request):
    form, org, period, kind = _report_scope(request)
    cov = selectors.coverage(org, period, kind)
    orgs, months, counts = selectors.coverage_matrix(org, period, kind)
    top = max([max(row) for row in counts if row] or [0]) or 1
    rows = [
        (o, [(n, min(4, (4 * n + top - 1) // top)) for n in row])
        for o, row in zip(orgs, counts, strict=True)
    ]
    page = Paginator(cov.idle, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "study/coverage.html",
        {
            "form": form,
            "org": org,
            "period": period,
            "cov": cov,
            "rate": round(100 * cov.rate, 1) if cov.rate is not None else None,
            "months": months,
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
        },
    )


@login_required
def coverage_export(request):
    """The idle orgs of a subtree and period as an xlsx (cells escaped against formulas)."""
    import io

    import xlsxwriter

    from zuofeng.core import audit

    _form, org, period, kind = _report_scope(request)
    idle = selectors.coverage(org, period, kind).idle
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet(_("未开展学习的组织"))
    headers = [_("组织编码"), _("组织名称"), _("组织类别"), _("上级组织")]
    sheet.write_row(0, 0, headers)
    n = 0
    for n, o in enumerate(idle, start=1):
        cells = [o.code, o.name, o.kind.name, o.parent.name if o.parent_id else ""]
        sheet.write_row(n, 0, [_escape(c) for c in cells])
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 3, 30)
    book.close()
    audit.record(
        actor=request.user,
        action="export.study_idle_orgs",
        object_type="orgs.org",
        object_repr=org.code,
        org_path=org.path,
        after={"rows": n, "from": period.start, "to": period.end},
    )
    name = f"idle-orgs-{org.code}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _escape(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --- channels -------------------------------------------------------------------------------


@login_required
def channels(request):
    scope.require(request.user, STUDY_VIEW)
    can_manage = scope.can(request.user, STUDY_MANAGE)
    form = ItemForm()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = ItemForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            publisher = Org.objects.get(path=scope.paths_for(request.user, STUDY_MANAGE)[0])
            try:
                item = services.item_create(
                    actor=request.user,
                    channel=d["channel"],
                    publisher=publisher,
                    title=d["title"],
                    body=d["body"],
                    kind=d["kind"],
                    audio=d["audio"],
                    duration_seconds=d["duration_seconds"] or 0,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                return redirect("study_item", item.pk)
    root = selectors.scope_org(request.user, request.GET.get("org") or None)
    page = Paginator(selectors.items_visible_to(request.user), 50).get_page(request.GET.get("page"))
    stats = selectors.item_stats(list(page.object_list), root.path)
    rows = [(i, stats.get(i.pk, {})) for i in page]
    return render(
        request,
        "study/channels.html",
        {"rows": rows, "page": page, "form": form, "can_manage": can_manage, "root": root},
    )


def _item_for(user, pk: int) -> ChannelItem:
    scope.require(user, STUDY_VIEW)
    item = selectors.items_visible_to(user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


@login_required
def item_detail(request, pk: int):
    item = _item_for(request.user, pk)
    can_manage = scope.can_at(request.user, STUDY_MANAGE, item.publisher.path)
    form = PublishForm()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = PublishForm(request.POST)
        if form.is_valid():
            codes = form.codes()
            targets = list(Org.objects.filter(code__in=codes))
            missing = sorted(set(codes) - {o.code for o in targets})
            try:
                if missing:
                    raise ValidationError(
                        {"targets": _("组织编码不存在：%(c)s") % {"c": "、".join(missing)}}
                    )
                n = services.item_publish(
                    actor=request.user, item=item, targets=targets, on=form.cleaned_data["date"]
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已送达%(n)s人") % {"n": n})
                return redirect("study_item", pk)
    root = selectors.scope_org(request.user, request.GET.get("org") or None)
    return render(
        request,
        "study/item_detail.html",
        {
            "item": item,
            "stats": selectors.item_stats([item], root.path).get(item.pk, {}),
            "root": root,
            "targets": item.targets.all(),
            "form": form,
            "can_manage": can_manage,
        },
    )


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _ranged(request, field, content_type: str) -> HttpResponse:
    """Serve a stored file honouring a single `Range: bytes=a-b` (phones' players seek with
    it); 416 when the range lies outside the file."""
    size = field.size
    header = request.headers.get("Range", "")
    match = _RANGE.match(header.strip()) if header else None
    if not match or (not match.group(1) and not match.group(2)):
        response = FileResponse(field.open("rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = match.groups()
    if first:
        start, end = int(first), int(last) if last else size - 1
    else:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    end = min(end, size - 1)
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    with field.open("rb") as fh:
        fh.seek(start)
        data = fh.read(end - start + 1)
    response = HttpResponse(data, status=206, content_type=content_type)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response


def _learner(user) -> Person | None:
    link = Learner.objects.filter(username=user.get_username()).select_related("person").first()
    return link.person if link else None


@login_required
def item_audio(request, pk: int):
    """The audio of an item, for a member it was delivered to or a viewer in scope."""
    person = _learner(request.user)
    item = ChannelItem.objects.filter(pk=pk).first()
    if item is None or not item.audio:
        raise Http404
    if not (person and Delivery.objects.filter(item=item, person=person).exists()):
        _item_for(request.user, pk)
    return _ranged(request, item.audio, item.audio_content_type or "application/octet-stream")


@login_required
def my_study(request):
    person = _learner(request.user)
    deliveries = selectors.my_items(person) if person else Delivery.objects.none()
    return render(request, "study/my.html", {"person": person, "deliveries": deliveries[:100]})


@login_required
def my_item(request, pk: int):
    person = _learner(request.user)
    if person is None:
        raise Http404
    item = ChannelItem.objects.filter(pk=pk).select_related("channel").first()
    if item is None:
        raise Http404
    delivery = services.delivery_open(person=person, item=item)
    return render(request, "study/my_item.html", {"item": item, "delivery": delivery})


@login_required
@require_POST
def my_progress(request, pk: int):
    """The player reports the furthest second listened; idempotent."""
    person = _learner(request.user)
    item = ChannelItem.objects.filter(pk=pk).first()
    if person is None or item is None:
        raise Http404
    raw = request.POST.get("seconds", "")
    if not raw.isdigit() or len(raw) > 7:
        return JsonResponse({"detail": _("收听时长应为非负整数（秒）")}, status=422)
    try:
        d = services.delivery_progress(person=person, item=item, seconds=int(raw))
    except ValidationError as exc:
        return JsonResponse({"detail": "; ".join(exc.messages)}, status=422)
    return JsonResponse(
        {"listened_seconds": d.listened_seconds, "completed": d.completed_at is not None}
    )


# --- youth study society ---------------------------------------------------------------------


@login_required
def youth(request):
    from zuofeng.study.forms import YouthGroupForm

    form, org, period, _kind = _report_scope(request)
    can_manage = scope.can(request.user, STUDY_MANAGE)
    group_form = YouthGroupForm()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        group_form = YouthGroupForm(request.POST)
        if group_form.is_valid():
            d = group_form.cleaned_data
            host = Org.objects.filter(code=d["org"]).first()
            try:
                if host is None:
                    raise ValidationError({"org": _("组织编码不存在")})
                services.youth_group_create(
                    actor=request.user, name=d["name"], org=host, description=d["description"]
                )
            except ValidationError as exc:
                _add_errors(group_form, exc)
            else:
                return redirect("study_youth")
    groups = selectors.youth_groups_progress(period, [org.path])
    return render(
        request,
        "study/youth.html",
        {
            "form": form,
            "org": org,
            "period": period,
            "groups": groups,
            "group_form": group_form,
            "can_manage": can_manage,
        },
    )


@login_required
def youth_group(request, pk: int):
    paths = scope.require(request.user, STUDY_VIEW)
    group = YouthGroup.objects.select_related("org").filter(pk=pk).first()
    if group is None or not any(group.org.path.startswith(p) for p in paths):
        raise Http404
    can_manage = scope.can_at(request.user, STUDY_MANAGE, group.org.path)
    form = MemberForm()
    if request.method == "POST":
        if not can_manage:
            raise Http404
        form = MemberForm(request.POST)
        if form.is_valid():
            person = Person.objects.filter(person_no=form.cleaned_data["person_no"]).first()
            try:
                if person is None:
                    raise ValidationError({"person_no": _("人员编号不存在")})
                services.youth_member_add(actor=request.user, group=group, person=person)
            except ValidationError as exc:
                errors = exc.message_dict.pop("person", None)
                if errors:
                    form.add_error("person_no", errors)
                else:
                    _add_errors(form, exc)
            else:
                return redirect("study_youth_group", pk)
    members = group.members.select_related("person", "person__org")
    return render(
        request,
        "study/youth_group.html",
        {"group": group, "members": members, "form": form, "can_manage": can_manage},
    )


@login_required
def settings_page(request):
    """Kinds and cadence rules (the lead office)."""
    from zuofeng.study.forms import CadenceForm, KindForm
    from zuofeng.study.models import ActivityKind, CadenceRule

    scope.require(request.user, STUDY_MANAGE)
    kind_form, rule_form = KindForm(prefix="k"), CadenceForm(prefix="r")
    if request.method == "POST":
        which = request.POST.get("form")
        form = KindForm(request.POST, prefix="k") if which == "kind" else None
        form = form or CadenceForm(request.POST, prefix="r")
        if form.is_valid():
            d = form.cleaned_data
            try:
                if which == "kind":
                    services.kind_save(actor=request.user, **d)
                else:
                    services.cadence_rule_save(actor=request.user, **d)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("study_settings")
        kind_form, rule_form = (form, rule_form) if which == "kind" else (kind_form, form)
    return render(
        request,
        "study/settings.html",
        {
            "kinds": ActivityKind.objects.prefetch_related("groups"),
            "rules": CadenceRule.objects.select_related("org_kind", "kind"),
            "kind_form": kind_form,
            "rule_form": rule_form,
        },
    )
