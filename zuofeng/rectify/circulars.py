"""Circulars (通报 第N期): issued by an org, citing problems of its subtree; exported to Word in
the layout of GB/T 9704 (zuofeng.core.documents). Every figure in the text is counted from the
cited problems."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zuofeng.core import audit, counters
from zuofeng.core.documents import OfficialDocument, chinese_date
from zuofeng.orgs import scope
from zuofeng.orgs.models import Org
from zuofeng.rectify.choices import ProblemState
from zuofeng.rectify.models import Campaign, Circular, Problem
from zuofeng.rectify.permissions import PROBLEM_VIEW
from zuofeng.rectify.services import authorize_verify

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (for headings up to 99)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _next_number(year: int) -> int:
    while True:
        n = counters.next_value(f"circular-{year}")
        if not Circular.objects.filter(year=year, number=n).exists():
            return n


@transaction.atomic
def circular_issue(
    *,
    actor,
    issuer: Org,
    title: str,
    date: dt.date,
    problems: list[Problem],
    campaign: Campaign | None = None,
    intro: str = "",
) -> Circular:
    """Issue the next 通报 of the year, citing problems of the issuer's subtree."""
    authorize_verify(actor, issuer)
    if not problems:
        raise ValidationError({"problems": _("请至少选择一个通报问题")})
    outside = [p.number for p in problems if not p.unit.path.startswith(issuer.path)]
    if outside:
        raise ValidationError(
            {"problems": _("以下问题不属于印发单位的范围：%(n)s") % {"n": "、".join(outside)}}
        )
    if date > timezone.localdate():
        raise ValidationError({"date": _("印发日期不能晚于今天")})
    circular = Circular(
        year=date.year,
        number=_next_number(date.year),
        title=(title or "").strip(),
        date=date,
        issuer=issuer,
        campaign=campaign,
        intro=(intro or "").strip(),
        created_by=actor if actor is not None and not isinstance(actor, str) else None,
    )
    circular.full_clean()
    circular.save()
    circular.problems.set(problems)
    audit.record(
        actor=actor if actor is not None else "cli",
        action="circular.issue",
        obj=circular,
        org_path=issuer.path,
        after={
            "year": circular.year,
            "number": circular.number,
            "title": circular.title,
            "problems": sorted(p.number for p in problems),
        },
    )
    return circular


def circular_document(circular: Circular) -> OfficialDocument:
    """The circular as a Word document (always Chinese); the counts come from the cited
    problems."""
    with translation.override("zh-hans"):
        return _document(circular)


def _document(circular: Circular) -> OfficialDocument:
    problems = list(circular.problems.select_related("unit").order_by("unit__path", "number"))
    closed = sum(1 for p in problems if p.state == ProblemState.CLOSED)
    units = len({p.unit_id for p in problems})
    doc = OfficialDocument()
    doc.red_header(
        "正风肃纪通报",
        f"{circular.year}年第{circular.number}期",
        circular.issuer.name,
        circular.date,
    )
    doc.title(circular.title)
    if circular.intro:
        doc.paragraph(circular.intro)
    doc.heading1("一、基本情况")
    doc.paragraph(
        f"本期通报问题{len(problems)}个，涉及{units}个单位。截至{chinese_date(circular.date)}，"
        f"已整改销号{closed}个，正在整改{len(problems) - closed}个。"
    )
    doc.heading1("二、典型问题")
    for i, p in enumerate(problems, start=1):
        doc.heading2(f"（{chinese_number(i)}）{p.unit.name}")
        handling = (
            f"已于{chinese_date(p.closed_date)}整改销号。"
            if p.closed_date
            else f"目前状态：{ProblemState(p.state).label}"
            + (f"，整改时限{chinese_date(p.deadline)}。" if p.deadline else "。")
        )
        doc.paragraph(f"{p.description.rstrip('。')}（问题编号{p.number}）。{handling}")
    doc.heading1("三、工作要求")
    doc.paragraph(
        "各单位要以案为鉴、举一反三，对照通报问题开展自查自纠，"
        "严格落实整改责任，按期整改销号，防止问题反弹回潮。"
    )
    doc.signature(circular.issuer.name, circular.date)
    return doc


def circulars_visible_to(user):
    """Circulars issued within the user's view or by an org above it."""
    from django.db.models import Q

    from zuofeng.orgs.models import SEGMENT, subtrees_q

    paths = scope.paths_for(user, PROBLEM_VIEW)
    ancestors = {p[:i] for p in paths for i in range(SEGMENT, len(p) + 1, SEGMENT)}
    return Circular.objects.filter(
        subtrees_q(paths, "issuer__path") | Q(issuer__path__in=ancestors)
    ).select_related("issuer", "campaign")
