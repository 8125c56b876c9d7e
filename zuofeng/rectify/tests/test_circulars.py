"""Circulars: numbering per year, scope, figures from the cited problems, the Word layout."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from docx import Document
from docx.shared import Pt

from zuofeng.core.indicators import Period
from zuofeng.core.models import AuditEntry
from zuofeng.dashboard.selectors import figures
from zuofeng.rectify import circulars, services
from zuofeng.rectify.models import Circular, Problem, ProblemSource

D = dt.date


def _problem(unit, text, closed=None) -> Problem:
    p = services.problem_register(
        actor=None,
        description=text,
        found_date=D(2025, 4, 1),
        unit=unit,
        source=ProblemSource.objects.get(name="正风肃纪检查"),
    )
    if closed:
        Problem.objects.filter(pk=p.pk).update(state="closed", closed_date=closed)
        p.refresh_from_db()
    return p


@pytest.fixture
def lead(district, make_user):
    return make_user("lead", ("lead_office", district.root))


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (57, "五十七")]
)
def test_chinese_numbers(n, text):
    assert circulars.chinese_number(n) == text


def test_numbering_scope_and_the_document(district, lead, make_user):
    d = district
    a = _problem(d.v1, "公车私用", closed=D(2025, 5, 20))
    b = _problem(d.w1, "工作日中午饮酒")
    first = circulars.circular_issue(
        actor=lead, issuer=d.root, title="关于典型问题的通报", date=D(2025, 6, 1), problems=[a, b]
    )
    second = circulars.circular_issue(
        actor=lead, issuer=d.root, title="第二期", date=D(2025, 7, 1), problems=[b]
    )
    assert [(c.year, c.number) for c in (first, second)] == [(2025, 1), (2025, 2)]
    assert AuditEntry.objects.filter(action="circular.issue").count() == 2

    town = make_user("town_lead", ("lead_office", d.town))
    before = Circular.objects.count()
    with pytest.raises(ValidationError):  # U1's problem is outside the town's subtree
        circulars.circular_issue(
            actor=town, issuer=d.town, title="x", date=D(2025, 6, 1), problems=[b]
        )
    unit = make_user("unit", ("unit_admin", d.town))
    with pytest.raises(PermissionDenied):
        circulars.circular_issue(
            actor=unit, issuer=d.town, title="x", date=D(2025, 6, 1), problems=[a]
        )
    assert Circular.objects.count() == before

    buffer = BytesIO()
    circulars.circular_document(first).save(buffer)
    doc = Document(BytesIO(buffer.getvalue()))
    section = doc.sections[0]
    # Word keeps lengths in twips: compare in whole millimetres.
    lengths = (
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    )
    assert [round(x.mm) for x in lengths] == [210, 297, 37, 35, 28, 26]
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "正风肃纪通报" and texts[1] == "2025年第1期"
    assert "关于典型问题的通报" in texts
    body = "\n".join(texts)
    assert "本期通报问题2个，涉及2个单位。截至2025年6月1日，已整改销号1个，正在整改1个。" in body
    assert "（一）东关村党支部" in body and "（二）陈家岙村党支部" in body
    title = next(p for p in doc.paragraphs if p.text == "关于典型问题的通报")
    assert (title.runs[0].font.name, title.runs[0].font.size) == ("方正小标宋简体", Pt(22))
    basic = next(p for p in doc.paragraphs if p.text.startswith("本期通报问题"))
    assert (basic.runs[0].font.name, basic.runs[0].font.size) == ("仿宋_GB2312", Pt(16))
    footer = section.footer.paragraphs[0]
    assert footer.text == "—  —" and "PAGE" in footer._p.xml


def test_circulars_indicator_and_pages(client, district, lead):
    d = district
    a = _problem(d.v1, "公车私用")
    circulars.circular_issue(
        actor=lead, issuer=d.root, title="一", date=D(2025, 6, 1), problems=[a]
    )
    (n,) = figures(d.town, Period(D(2025, 1, 1), D(2025, 12, 31)), ["rectify.circulars"])
    assert n.value == 1  # the district's circular counts for the town too
    client.force_login(lead)
    response = client.post(
        "/circulars/new/",
        {"title": "二", "date": "2025-07-01", "issuer": "D", "problems": f"{a.number}、ZG-X"},
    )
    assert response.status_code == 200 and Circular.objects.count() == 1  # unknown number
    response = client.post(
        "/circulars/new/",
        {"title": "二", "date": "2025-07-01", "issuer": "D", "problems": a.number},
    )
    circular = Circular.objects.get(number=2)
    assert response.url == f"/circulars/{circular.pk}/"
    docx = client.get(f"/circulars/{circular.pk}/?format=docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert client.get("/circulars/").status_code == 200
