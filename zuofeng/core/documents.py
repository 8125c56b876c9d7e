"""Word documents in the layout of GB/T 9704-2012 (党政机关公文格式), built with python-docx.

A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm text block);
title in 2号小标宋 (22 pt); body in 3号仿宋 (16 pt) on a fixed 28.95 pt line, giving 22 lines of
28 characters; headings 一、黑体 / （一）楷体 / 1. 仿宋; page numbers "— 1 —" in 4号宋体 (14 pt).
A 简报 or 通报 has a red header: the name in red, the issue number, issuer and date, a red rule.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
RED = RGBColor(0xC8, 0x10, 0x2E)
SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_PAGE = Pt(14)  # 4号
LINE = Pt(28.95)  # 225 mm / 22 lines


def chinese_date(day: dt.date) -> str:
    """2025年9月30日 — the date as official documents write it."""
    return f"{day.year}年{day.month}月{day.day}日"


def _font(run, name: str, size, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), name)


class OfficialDocument:
    """A document being written: call the parts in order, then `save()`."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.start_type = WD_SECTION.NEW_PAGE
        normal = self.doc.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = SIZE_BODY
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        self._page_numbers(section)

    def _paragraph(self, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False):
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.alignment = align
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
        fmt.space_before = fmt.space_after = Pt(0)
        if indent:
            fmt.first_line_indent = Pt(32)  # two characters of 3号
        return p

    def red_header(self, name: str, issue: str, issuer: str, day: dt.date | str) -> None:
        """简报/通报 head: the name in red, 第N期, issuer left and date right, a red rule.
        `day` may be text (a template's placeholder) instead of a date."""
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.line_spacing = Pt(60)
        _font(p.add_run(name), TITLE_FONT, Pt(36), color=RED)
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER)
        _font(p.add_run(issue), BODY_FONT, SIZE_BODY)
        p = self._paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)  # right-aligned tab
        when = day if isinstance(day, str) else chinese_date(day)
        _font(p.add_run(f"{issuer}\t{when}"), BODY_FONT, SIZE_BODY)
        self._rule(p)
        self._paragraph()

    @staticmethod
    def _rule(paragraph, *, top: bool = False, color: str = "C8102E", size: str = "18") -> None:
        ppr = paragraph._p.get_or_add_pPr()
        borders = ppr.find(qn("w:pBdr"))
        if borders is None:
            borders = OxmlElement("w:pBdr")
            ppr.append(borders)
        line = OxmlElement("w:top" if top else "w:bottom")
        for key, value in (
            ("w:val", "single"),
            ("w:sz", size),
            ("w:space", "4"),
            ("w:color", color),
        ):
            line.set(qn(key), value)
        if top:
            borders.insert(0, line)
        else:
            borders.append(line)

    def title(self, text: str) -> None:
        p = self._paragraph(align=WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.line_spacing = Pt(36)
        _font(p.add_run(text), TITLE_FONT, SIZE_TITLE)
        self._paragraph()

    def heading1(self, text: str) -> None:
        _font(self._paragraph(indent=True).add_run(text), HEADING1_FONT, SIZE_BODY)

    def heading2(self, text: str) -> None:
        _font(self._paragraph(indent=True).add_run(text), HEADING2_FONT, SIZE_BODY)

    def paragraph(self, text: str) -> None:
        _font(self._paragraph(indent=True).add_run(text), BODY_FONT, SIZE_BODY)

    def signature(self, issuer: str, day: dt.date) -> None:
        self._paragraph()
        for text in (issuer, chinese_date(day)):
            p = self._paragraph(align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(64)  # four characters from the right
            _font(p.add_run(text), BODY_FONT, SIZE_BODY)

    def distribution(self, lines: list[str], issuer: str, day: dt.date | str) -> None:
        """版记 at the end: 报/送/发 lines and "issuer  date印发" between 4号仿宋 rules."""
        self._paragraph()
        when = day if isinstance(day, str) else chinese_date(day)
        for i, text in enumerate([*lines, f"{issuer}\t{when}印发"]):
            p = self._paragraph()
            p.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)
            p.paragraph_format.left_indent = Pt(14)
            _font(p.add_run(text), BODY_FONT, SIZE_PAGE)
            if i == 0:
                self._rule(p, top=True, color="000000", size="8")
            self._rule(p, color="000000", size="8" if i < len(lines) else "12")

    def _page_numbers(self, section) -> None:
        """— 1 — centred in the footer, 4号宋体, a PAGE field so Word numbers every page."""
        p = section.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run("— "), PAGE_NUMBER_FONT, SIZE_PAGE)
        run = p.add_run()
        _font(run, PAGE_NUMBER_FONT, SIZE_PAGE)
        for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
            if kind:
                node = OxmlElement("w:fldChar")
                node.set(qn("w:fldCharType"), kind)
            else:
                node = OxmlElement("w:instrText")
                node.set(qn("xml:space"), "preserve")
                node.text = text
            run._r.append(node)
        _font(p.add_run(" —"), PAGE_NUMBER_FONT, SIZE_PAGE)

    def save(self, target: str | IO[bytes]) -> None:
        self.doc.save(target)
