"""Briefings: placeholders filled from the records, GB/T 9704 layout, templates, errors."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.shared import Mm, Pt

from zuofeng.core.indicators import Period
from zuofeng.dashboard import briefing, services
from zuofeng.dashboard.models import BriefingTemplate
from zuofeng.dashboard.tests.test_indicators import _problem
from zuofeng.orgs.choices import Role

D = dt.date
P = Period(D(2025, 3, 1), D(2025, 9, 30))


@pytest.fixture
def ledger(district):
    d = district
    _problem(d.v1, D(2025, 4, 1), closed=D(2025, 5, 1), deadline=D(2025, 4, 30))
    _problem(d.v2, D(2025, 5, 5), closed=D(2025, 6, 30), deadline=D(2025, 7, 31))
    _problem(d.w1, D(2025, 6, 1), deadline=D(2025, 6, 15))
    _problem(d.dept_branch, D(2025, 2, 1))  # before the period
    return d


def _docx(*paragraphs: str, split: bool = False) -> bytes:
    """A template as an office would save it; `split` cuts every placeholder over three runs,
    the way Word stores text typed in several goes."""
    doc = Document()
    for text in paragraphs:
        p = doc.add_paragraph()
        if split:
            for piece in text.replace("{{", "\x00{{").replace("}}", "}}\x00").split("\x00"):
                if piece.startswith("{{"):
                    inner = piece[2:-2]
                    p.add_run("{")
                    p.add_run("{" + inner[:3]).bold = True
                    p.add_run(inner[3:] + "}}")
                elif piece:
                    p.add_run(piece)
        else:
            p.add_run(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def test_default_briefing_fills_every_placeholder_in_the_official_layout(ledger):
    content, number = services.briefing_make(
        actor=None, scope=ledger.root, period=P, number=7, day=D(2025, 10, 8)
    )
    assert number == 7
    text = _text(content)
    assert "{{" not in text and "}}" not in text
    assert "作风建设工作简报" in text
    assert "第7期" in text
    assert "测试区委作风建设工作专班\t2025年10月8日" in text
    assert "2025年3月1日至9月30日，测试区委坚持以学促干" in text
    assert "发现问题3个，销号2个" in text
    assert "按期整改率50%" in text  # one of the two closed by its deadline
    assert "2025年10月8日印发" in text
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    for measured, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert abs(measured - Mm(mm)) < Mm(0.1)  # Word stores twentieths of a point
    head = doc.paragraphs[0].runs[0]
    assert head.text == "作风建设工作简报"
    assert head.font.size == Pt(36) and str(head.font.color.rgb) == "C8102E"
    body = next(p for p in doc.paragraphs if p.text.startswith("2025年3月1日"))
    assert body.runs[0].font.name == "仿宋_GB2312" and body.runs[0].font.size == Pt(16)
    heading = next(p for p in doc.paragraphs if p.text.startswith("二、"))
    assert heading.runs[0].font.name == "黑体"
    assert "PAGE" in section.footer.paragraphs[0]._p.xml  # page numbers


def test_issue_numbers_follow_on_within_a_year(ledger):
    _c, first = services.briefing_make(actor=None, scope=ledger.root, period=P, day=D(2025, 10, 8))
    _c, second = services.briefing_make(actor=None, scope=ledger.root, period=P, day=D(2025, 11, 8))
    assert second == first + 1


def test_uploaded_template_with_placeholders_split_across_runs(ledger):
    content = _docx(
        "第{{期数}}期 {{范围简称}}",
        "{{单位:T}}发现问题{{rectify.problems_found@T}}个，其中正风肃纪检查"
        "{{rectify.problems_found@T?source=正风肃纪检查|数}}个；全区{{rectify.problems_found|约}}个。",
        split=True,
    )
    services.template_save(actor=None, name="东关专报", content=content)
    out, _n = services.briefing_make(
        actor=None, scope=ledger.root, period=P, number=3, template="东关专报"
    )
    text = _text(out)
    assert "第3期 测试区委" in text
    assert "东关街道发现问题2个，其中正风肃纪检查2个；全区3个。" in text


def test_template_errors_are_listed_and_nothing_is_saved(ledger):
    content = _docx(
        "{{没有这个}} {{rectify.nope}} {{rectify.problems_found@NOPE}}",
        "{{rectify.problems_found?colour=red}} {{rectify.problems_found|大约}}",
    )
    with pytest.raises(briefing.BriefingError) as exc:
        services.template_save(actor=None, name="坏模板", content=content)
    assert exc.value.problems == [
        "无法识别的占位符：{{没有这个}}",
        "未知指标：rectify.nope",
        "指标 rectify.problems_found 不接受筛选条件 colour",
        "未知格式：大约（可用：数、约、金额、百分比）",
        "未知单位编码：NOPE",
    ]
    assert not BriefingTemplate.objects.exists()
    with pytest.raises(briefing.BriefingError, match="不是有效的 Word 文档"):
        services.template_save(actor=None, name="x", content=b"not a docx")


def test_command_writes_the_briefing_and_refuses_bad_input(ledger, tmp_path, capsys):
    out = tmp_path / "b.docx"
    call_command(
        "briefing", "--scope", "D", "--from", "2025-03-01", "--to", "2025-09-30",
        "--out", str(out), "--number", "12", "--date", "2025-10-08",
    )  # fmt: skip
    assert "第12期" in _text(out.read_bytes())
    with pytest.raises(CommandError, match="unknown scope"):
        call_command("briefing", "--scope", "X", "--from", "2025-03-01", "--to", "2025-09-30",
                     "--out", str(out))  # fmt: skip
    with pytest.raises(CommandError, match="没有这个简报模板"):
        call_command("briefing", "--scope", "D", "--from", "2025-03-01", "--to", "2025-09-30",
                     "--out", str(out), "--template", "无")  # fmt: skip
    call_command("briefing", "--default-template", str(tmp_path / "t.docx"))
    assert "{{期数}}" in _text((tmp_path / "t.docx").read_bytes())


def test_briefing_page_generates_uploads_and_refuses(client, ledger, make_user):
    client.force_login(make_user("lead", (Role.LEAD_OFFICE, ledger.root)))
    url = "/dashboard/briefing/?scope=D&period=custom&from=2025-03-01&to=2025-09-30"
    assert client.get(url).status_code == 200
    r = client.post(url, {"number": "5"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "第5期" in _text(r.content)
    assert client.post(url, {"number": "abc"}).status_code == 400
    bad = io.BytesIO(_docx("{{rectify.nope}}"))
    bad.name = "bad.docx"
    r = client.post(url, {"action": "upload", "name": "坏", "file": bad})
    assert r.status_code == 400 and "未知指标：rectify.nope" in r.content.decode()
    good = io.BytesIO(_docx("共{{rectify.problems_found}}个"))
    good.name = "good.docx"
    r = client.post(url, {"action": "upload", "name": "好", "file": good})
    assert r.status_code == 302
    r = client.post(url, {"number": "6", "template": "好"})
    assert "共3个" in _text(r.content)
    assert client.get("/dashboard/briefing/default.docx").status_code == 200


def test_briefing_permissions(client, ledger, make_user):
    client.force_login(make_user("branch", (Role.BRANCH_SECRETARY, ledger.v1)))
    assert client.get("/dashboard/briefing/").status_code == 403
    client.force_login(make_user("unit", (Role.UNIT_ADMIN, ledger.town)))
    assert client.get("/dashboard/briefing/?scope=U").status_code == 404
    good = io.BytesIO(_docx("x"))
    good.name = "good.docx"
    r = client.post("/dashboard/briefing/", {"action": "upload", "name": "好", "file": good})
    assert r.status_code == 403
    assert not BriefingTemplate.objects.exists()
