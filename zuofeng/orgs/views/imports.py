"""Import and export pages: upload a sheet (or only validate it), download its template, the
error report of a rejected upload, and exports.

Uploads are limited before Django reads the body: the Content-Length is checked first, and a
streaming upload handler stops at IMPORT_MAX_BYTES, so an oversized upload never reaches disk.
An accepted upload is copied under a generated name to MEDIA_ROOT/imports, checked by content
(zuofeng.core.sheets.reader) and removed once processed. Error reports are kept under a random
token, bound to the session that produced them, and expire after a day.
"""

from __future__ import annotations

import io
import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET

from zuofeng.core import sheets
from zuofeng.core.sheets.writer import SheetSpec, write_workbook
from zuofeng.orgs import scope
from zuofeng.orgs.permissions import PERSON_EXPORT_FULL

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "zf_import_reports"
REPORT_TTL = 24 * 3600
SHOWN_ERRORS = 500
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_MULTIPART_OVERHEAD = 64 * 1024


def _action(kind: str, *, export: bool = False) -> str | None:
    """The action an importer declares for its page (zuofeng.core.sheets.Importer)."""
    try:
        importer = sheets.get_importer(kind)
    except sheets.UnknownKind:
        return None
    return importer.export_action if export else importer.import_action


def _require(kind: str, user, *, export: bool = False) -> None:
    """404 for a kind without a page, 403 unless the user may import (or export) it somewhere."""
    action = _action(kind, export=export)
    if action is None:
        raise Http404
    scope.require(user, action)


class ImportForm(forms.Form):
    file = forms.FileField(label=_l("Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_l("只校验不导入"), required=False)


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading the body once it passes the import limit: an oversized upload is never
    stored in full, in memory or on disk."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self.request._zf_upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # as Django treats it; the upload handler still enforces the limit


def _too_large_message() -> str:
    return _("文件过大：不能超过 %(mb)d MB") % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}


@csrf_exempt  # the CSRF check runs in _import_page, after the upload handler is in place
@login_required
def import_page(request, kind: str):
    _require(kind, request.user)
    if request.method == "POST":
        if _content_length(request) > settings.IMPORT_MAX_BYTES + _MULTIPART_OVERHEAD:
            return _render(request, kind, ImportForm(), error=_too_large_message(), status=413)
        request.upload_handlers.insert(0, LimitedUploadHandler(request))
    return _import_page(request, kind)


@csrf_protect
def _import_page(request, kind: str):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return _render(request, kind, form)
    if getattr(request, "_zf_upload_too_large", False):
        return _render(request, kind, ImportForm(), error=_too_large_message(), status=413)
    if not form.is_valid():
        return _render(request, kind, form, status=400)
    return _process(request, kind, form.cleaned_data["file"], form.cleaned_data["dry_run"])


def _process(request, kind: str, upload, dry_run: bool):
    if upload.size > settings.IMPORT_MAX_BYTES:
        return _render(request, kind, ImportForm(), error=_too_large_message(), status=413)
    folder = Path(settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.xlsx"  # never the user's file name
    try:
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        report = sheets.run_import_file(kind, path, actor=request.user, dry_run=dry_run)
    except sheets.InvalidFile as exc:
        return _render(request, kind, ImportForm(), error=str(exc), status=400)
    except sheets.ImportFailed as exc:
        token = _save_error_report(request, exc)
        return _render(request, kind, ImportForm(), failed=exc, token=token)
    finally:
        path.unlink(missing_ok=True)
    return _render(request, kind, ImportForm(), report=report)


def _render(request, kind: str, form, *, status: int = 200, **context):
    failed = context.get("failed")
    allowed = [k for k in sheets.kinds() if _action(k) and scope.can(request.user, _action(k))]
    context.update(
        kind=kind,
        kinds=[(k, sheets.get_importer(k).label) for k in allowed],
        columns=sheets.get_importer(kind).columns,
        form=form,
        shown=failed.errors[:SHOWN_ERRORS] if failed else [],
        hidden=max(len(failed.errors) - SHOWN_ERRORS, 0) if failed else 0,
    )
    return render(request, "orgs/import.html", context, status=status)


def _reports_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "imports" / "errors"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _save_error_report(request, failed: sheets.ImportFailed) -> str:
    folder = _reports_dir()
    cutoff = time.time() - REPORT_TTL
    for old in folder.glob("*.xlsx"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    rows = ((row if row > 0 else "", column, message) for row, column, message in failed.errors)
    write_workbook(
        str(folder / f"{token}.xlsx"),
        [SheetSpec(_("错误"), [_("行号"), _("列名"), _("错误原因")], rows, widths=[8, 16, 60])],
    )
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-19:], token]
    return token


@require_GET
@login_required
def import_errors(request, kind: str, token: str):
    _require(kind, request.user)
    if not _TOKEN.match(token) or token not in request.session.get(SESSION_KEY, []):
        raise Http404
    path = _reports_dir() / f"{token}.xlsx"
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{kind}-errors.xlsx")


@require_GET
@login_required
def import_template(request, kind: str):
    _require(kind, request.user)
    buffer = io.BytesIO()
    sheets.write_template(kind, buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
    return response


@require_GET
@login_required
def export(request, kind: str):
    """The records the user may see (optionally one subtree: ?scope=CODE) in the import's
    columns; phone and ID in full (?full=1) only where the user holds person.export_full."""
    _require(kind, request.user, export=True)
    code = request.GET.get("scope", "").strip()[:32] or None
    full = request.GET.get("full") == "1" and scope.can(request.user, PERSON_EXPORT_FULL)
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    try:
        sheets.export_file(kind, str(path), actor=request.user, scope=code, full=full)
        stream = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open handle keeps the data until it is sent
    return FileResponse(stream, as_attachment=True, filename=f"{kind}.xlsx", content_type=XLSX)
