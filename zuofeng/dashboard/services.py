"""Writes of the dashboard: briefing templates and generated briefings, each audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.files.base import ContentFile
from django.db import transaction

from zuofeng.core import audit, counters
from zuofeng.core import indicators as reg
from zuofeng.dashboard import briefing
from zuofeng.dashboard.models import BriefingTemplate
from zuofeng.orgs.models import Org

MAX_NAME = 64


@transaction.atomic
def template_save(*, actor, name: str, content: bytes, note: str = "") -> BriefingTemplate:
    """Upload (or replace) a named template; refused with every problem of its placeholders."""
    name = (name or "").strip()
    problems = []
    if not name or len(name) > MAX_NAME:
        problems.append(f"模板名称应为 1–{MAX_NAME} 个字符")
    try:
        problems.extend(briefing.check(briefing.open_template(content)))
    except briefing.BriefingError as exc:
        problems.extend(exc.problems)
    if problems:
        raise briefing.BriefingError(problems)
    template = BriefingTemplate.objects.filter(name=name).first()
    created = template is None
    if created:
        template = BriefingTemplate(name=name)
    else:
        template.file.delete(save=False)
    template.note = note[:200]
    template.uploaded_by = actor
    template.file.save(f"{secrets.token_hex(16)}.docx", ContentFile(content), save=False)
    template.save()
    audit.record(
        actor=actor,
        action="briefing.template",
        obj=template,
        after={"name": name, "bytes": len(content), "created": created},
    )
    return template


@transaction.atomic
def template_delete(*, actor, template: BriefingTemplate) -> None:
    audit.record(
        actor=actor, action="briefing.template_delete", obj=template, before={"name": template.name}
    )
    template.file.delete(save=False)
    template.delete()


def template_content(name: str | None) -> bytes:
    if not name:
        return briefing.default_template()
    template = BriefingTemplate.objects.filter(name=name).first()
    if template is None:
        raise briefing.BriefingError([f"没有这个简报模板：{name}"])
    with template.file.open("rb") as fh:
        return fh.read()


def default_issuer(scope: Org) -> str:
    return f"{scope.short_name or scope.name}作风建设工作专班"


def briefing_make(
    *,
    actor,
    scope: Org,
    period: reg.Period,
    number: int | None = None,
    template: str | None = None,
    issuer: str | None = None,
    day: dt.date | None = None,
) -> tuple[bytes, int]:
    """Fill the template for the scope and period; the issue number is the next of the year
    unless given. Returns the document and its number."""
    content = template_content(template)
    day = day or dt.date.today()
    if number is not None and number < 1:
        raise briefing.BriefingError(["期数应为正整数"])
    ctx = briefing.Context(
        scope=scope,
        period=period,
        number=number or 0,
        issuer=(issuer or default_issuer(scope)).strip()[:100],
        day=day,
    )
    briefing.check(briefing.open_template(content))
    with transaction.atomic():
        if number is None:
            number = counters.next_value(f"briefing:{scope.code}:{day.year}")
            ctx = briefing.Context(ctx.scope, ctx.period, number, ctx.issuer, ctx.day)
        document = briefing.render(content, ctx)
        audit.record(
            actor=actor,
            action="briefing.make",
            obj=scope,
            org_path=scope.path,
            after={
                "number": number,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "template": template or "",
            },
        )
    return document, number
