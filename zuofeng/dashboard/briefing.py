"""Briefings (工作简报): a Word template whose placeholders are filled with figures computed
from the records.

A placeholder is `{{ … }}` anywhere in the document — body, tables, header, footer — even when
Word has split it over several runs of text (it keeps the formatting of its first character):

- `{{期数}}`, `{{编发单位}}`, `{{日期}}` (印发日期, 2025年10月8日), `{{范围}}` (the scope's name),
  `{{范围简称}}`, `{{起止}}` (2025年3月1日至9月30日), `{{单位:CODE}}` (an org's short name);
- an indicator: `{{KEY}}`, `{{KEY@CODE}}` (another org's subtree), `{{KEY?name=value&…}}`
  (filters), `{{KEY|约}}` (a format: 数 exact, 约 round figure, 金额 in 万/亿元, 百分比; by
  default the indicator's unit decides). E.g. `{{service.funds_delivered@D68|金额}}`.

An unknown placeholder, indicator, org code, filter or format is an error listing every one of
them: a briefing is never sent with a blank or a silent zero in it."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from docx import Document
from docx.opc.exceptions import PackageNotFoundError

from zuofeng.core import indicators as reg
from zuofeng.core import numbers
from zuofeng.core.documents import OfficialDocument, chinese_date
from zuofeng.orgs.models import Org

PLACEHOLDER = re.compile(r"\{\{\s*(.+?)\s*\}\}")
EXPR = re.compile(
    r"^(?P<key>[a-z_]+\.[a-z0-9_]+)(?:@(?P<org>[A-Za-z0-9_-]+))?(?:\?(?P<f>[^|]*))?(?:\|(?P<fmt>\S+))?$"
)
FORMATS: dict[str, Callable] = {
    "数": numbers.count,
    "约": numbers.approx,
    "金额": numbers.amount,
    "百分比": numbers.percent,
}
FIXED = ("期数", "编发单位", "日期", "范围", "范围简称", "起止")
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class BriefingError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass(frozen=True)
class Context:
    scope: Org
    period: reg.Period
    number: int
    issuer: str
    day: dt.date


def span_text(period: reg.Period) -> str:
    """2025年3月1日至9月30日 (the year is not repeated within one year)."""
    start, end = period.start, period.end
    first = f"{start.year}年{start.month}月{start.day}日"
    last = f"{end.month}月{end.day}日" if end.year == start.year else chinese_date(end)
    return f"{first}至{last}"


# -- reading a template -------------------------------------------------------------------------


def _paragraphs(doc) -> Iterator:
    def in_container(container):
        yield from container.paragraphs
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    yield from in_container(cell)

    yield from in_container(doc)
    for section in doc.sections:
        for part in (
            section.header,
            section.footer,
            section.first_page_header,
            section.first_page_footer,
        ):
            if part is not None and not part.is_linked_to_previous:
                yield from in_container(part)


def open_template(content: bytes):
    if len(content) > MAX_TEMPLATE_BYTES:
        raise BriefingError(["模板文件超过 5 MB"])
    try:
        return Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise BriefingError(["不是有效的 Word 文档（.docx）"]) from exc


def placeholders(doc) -> list[str]:
    found = []
    for p in _paragraphs(doc):
        text = "".join(r.text for r in p.runs)
        found.extend(m.group(1) for m in PLACEHOLDER.finditer(text))
    return found


@dataclass(frozen=True)
class Figure:
    key: str
    org_code: str | None
    filters: tuple[tuple[str, str], ...]
    fmt: str | None


def parse(expr: str) -> Figure | str:
    """A fixed placeholder's name, `单位:CODE`, or an indicator Figure; ValueError otherwise."""
    if expr in FIXED or expr.startswith("单位:"):
        return expr
    m = EXPR.match(expr)
    if not m:
        raise ValueError(f"无法识别的占位符：{{{{{expr}}}}}")
    filters = []
    for part in (m.group("f") or "").split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise ValueError(f"筛选条件应为 名称=值：{{{{{expr}}}}}")
        filters.append((name.strip(), value.strip()))
    return Figure(m.group("key"), m.group("org"), tuple(filters), m.group("fmt"))


def check(doc) -> list[str]:
    """Every problem of the template's placeholders, without computing anything."""
    problems: list[str] = []
    registry = reg.registry()
    codes = set()
    for expr in placeholders(doc):
        try:
            item = parse(expr)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if isinstance(item, str):
            if item.startswith("单位:"):
                codes.add(item[3:])
            continue
        indicator = registry.get(item.key)
        if indicator is None:
            problems.append(f"未知指标：{item.key}")
            continue
        for name, _value in item.filters:
            if name not in indicator.filters:
                problems.append(f"指标 {item.key} 不接受筛选条件 {name}")
        if item.fmt and item.fmt not in FORMATS:
            problems.append(f"未知格式：{item.fmt}（可用：{'、'.join(FORMATS)}）")
        if item.org_code:
            codes.add(item.org_code)
    known = set(Org.objects.filter(code__in=codes).values_list("code", flat=True))
    problems.extend(f"未知单位编码：{c}" for c in sorted(codes - known))
    return list(dict.fromkeys(problems))


# -- filling ------------------------------------------------------------------------------------


def _fill_paragraph(paragraph, resolve: Callable[[str], str]) -> None:
    runs = paragraph.runs
    texts = [r.text for r in runs]
    full = "".join(texts)
    matches = list(PLACEHOLDER.finditer(full))
    if not matches:
        return
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t)

    lengths = [len(t) for t in texts]

    def run_at(offset: int) -> int:  # the run holding this character of the original text
        return next(i for i, s in enumerate(starts) if s <= offset < s + lengths[i])

    for m in reversed(matches):
        a, b = m.span()
        i, j = run_at(a), run_at(b - 1)
        value = resolve(m.group(1))
        if i == j:
            texts[i] = texts[i][: a - starts[i]] + value + texts[i][b - starts[i] :]
        else:
            texts[i] = texts[i][: a - starts[i]] + value
            for k in range(i + 1, j):
                texts[k] = ""
            texts[j] = texts[j][b - starts[j] :]
    for run, text in zip(runs, texts, strict=True):
        if run.text != text:
            run.text = text


def render(content: bytes, ctx: Context) -> bytes:
    doc = open_template(content)
    problems = check(doc)
    if problems:
        raise BriefingError(problems)
    orgs = {o.code: o for o in Org.objects.filter(code__in=_codes(doc))}
    values: dict[Figure, str] = {}

    def figure(item: Figure) -> str:
        if item not in values:
            indicator = reg.get(item.key)
            org = orgs[item.org_code] if item.org_code else ctx.scope
            value = indicator.value(org.path, ctx.period, dict(item.filters))
            fmt = FORMATS.get(item.fmt or "")
            if fmt is numbers.amount:
                values[item] = fmt(value, indicator.unit if indicator.unit.endswith("元") else "元")
            elif fmt is not None:
                values[item] = fmt(value)
            else:
                values[item] = numbers.by_unit(value, indicator.unit)
        return values[item]

    fixed = {
        "期数": str(ctx.number),
        "编发单位": ctx.issuer,
        "日期": chinese_date(ctx.day),
        "范围": ctx.scope.name,
        "范围简称": ctx.scope.short_name or ctx.scope.name,
        "起止": span_text(ctx.period),
    }

    def resolve(expr: str) -> str:
        item = parse(expr)
        if isinstance(item, Figure):
            return figure(item)
        if item.startswith("单位:"):
            org = orgs[item[3:]]
            return org.short_name or org.name
        return fixed[item]

    for p in _paragraphs(doc):
        _fill_paragraph(p, resolve)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _codes(doc) -> set[str]:
    codes = set()
    for expr in placeholders(doc):
        item = parse(expr)
        if isinstance(item, Figure) and item.org_code:
            codes.add(item.org_code)
        elif isinstance(item, str) and item.startswith("单位:"):
            codes.add(item[3:])
    return codes


# -- the default template -----------------------------------------------------------------------

# (heading, [(sentence, keys it needs)]): a sentence whose indicators are not all registered
# (a module not installed) is left out of the default template.
DEFAULT_SECTIONS = (
    (
        "一、聚焦学习教育，推动学习到底到边",
        (
            "各级党组织开展集中学习{{study.sessions|约}}场次，参学{{study.person_times|约}}人次，"
            "基层党组织学习覆盖率{{study.coverage_rate}}，“三会一课”按期落实率"
            "{{study.cadence_compliance_rate}}。",
            "青年学习社开展“五个一”活动{{study.youth_activities}}场次，覆盖"
            "{{study.youth_person_times|约}}人次。",
            "开展邻里文化、志愿服务等实践活动{{practice.activities|约}}次，参与"
            "{{practice.person_times|约}}人次。",
        ),
    ),
    (
        "二、聚焦查摆整改，推动问题动真碰硬",
        (
            "开展监督检查{{rectify.inspections}}次，发现问题{{rectify.problems_found}}个，"
            "销号{{rectify.problems_closed}}个，按期整改率{{rectify.on_time_rate}}。",
            "截至期末，逾期未整改问题{{rectify.problems_overdue}}个，已全部纳入督办。",
        ),
    ),
    (
        "三、聚焦服务中心大局，推动作风转化为发展实效",
        (
            "受理企业和群众诉求{{service.requests_received}}件，办结"
            "{{service.requests_resolved}}件，按期办结率{{service.on_time_rate}}，满意率"
            "{{service.satisfaction_rate}}。",
            "帮助企业兑现资金{{service.funds_delivered}}，惠及企业"
            "{{service.funds_enterprise_times}}家次；走访服务企业{{service.visits}}家次。",
        ),
    ),
    (
        "四、聚焦民生实事，推动群众获得感提升",
        (
            "推进各类项目{{projects.started}}个，完成{{projects.completed}}个，按期完成率"
            "{{projects.on_time_rate}}。",
            "托育等特色班次服务少儿{{programmes.enrolments|约}}人。",
            "“一件事”审批办结{{approvals.cases}}件，审批周期较以往缩短"
            "{{approvals.cycle_reduction_rate}}。",
        ),
    ),
)


def _keys_of(sentence: str) -> list[str]:
    return [
        item.key
        for item in (parse(m.group(1)) for m in PLACEHOLDER.finditer(sentence))
        if isinstance(item, Figure)
    ]


def default_template() -> bytes:
    """The default template, in the structure of the source report and GB/T 9704 layout."""
    registry = reg.registry()
    doc = OfficialDocument()
    doc.red_header("作风建设工作简报", "第{{期数}}期", "{{编发单位}}", "{{日期}}")
    doc.title("{{范围简称}}作风建设工作情况")
    doc.paragraph(
        "{{起止}}，{{范围}}坚持以学促干、以督促改、以效验学，推动作风建设各项任务落地见效。"
        "现将有关情况简报如下。"
    )
    for heading, sentences in DEFAULT_SECTIONS:
        kept = [s for s in sentences if all(k in registry for k in _keys_of(s))]
        if kept:
            doc.heading1(heading)
            doc.paragraph("".join(kept))
    doc.distribution(
        [
            "报：区委、区人大常委会、区政府、区政协主要领导",
            "发：各乡镇（街道）党（工）委，区级各部门",
        ],
        "{{编发单位}}",
        "{{日期}}",
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
