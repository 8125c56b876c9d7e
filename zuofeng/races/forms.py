"""The board editor's rows and parameter text, to and from the tree `board_save` takes.

A page edits a board as a table of leaves; a leaf may name a group (分组), and the leaves of one
group become a group node whose points are their sum. Parameters are written as
`target=1 k=1 step=0.01 floor=0` or `table=60,57,54`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zuofeng.races.choices import Direction, Method, Source

FIELDS = (
    "group",
    "name",
    "points",
    "source",
    "key",
    "filters",
    "method",
    "direction",
    "params",
    "unit",
)


@dataclass
class Row:
    group: str = ""
    name: str = ""
    points: str = ""
    source: str = Source.INDICATOR
    key: str = ""
    filters: str = ""
    method: str = Method.RATIO_TO_TOP
    direction: str = Direction.HIGHER
    params: str = ""
    unit: str = ""


# jsonb keeps no key order (PostgreSQL sorts by length): show parameters in a fixed order.
ORDER = ("target", "k", "step", "floor", "table", "size")


def format_pairs(mapping: dict) -> str:
    parts = []
    keys = sorted(mapping, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    for k, v in ((k, mapping[k]) for k in keys):
        if isinstance(v, list | tuple):
            v = ",".join(str(x) for x in v)
        parts.append(f"{k}={v}")
    return " ".join(parts)


def parse_pairs(text: str, label: str, *, lists: bool) -> dict:
    """`a=1 b=2,3` → {"a": "1", "b": ["2", "3"]}; a malformed pair is a clear error."""
    out: dict = {}
    for part in re.split(r"[\s;；，]+(?=[^\s=;；，]+=)", (text or "").strip()):
        if not part:
            continue
        if "=" not in part:
            raise ValidationError(_("%(l)s格式应为“名称=值”：%(p)s") % {"l": label, "p": part})
        name, value = (s.strip() for s in part.split("=", 1))
        if not name or not value:
            raise ValidationError(_("%(l)s格式应为“名称=值”：%(p)s") % {"l": label, "p": part})
        if lists and "," in value:
            out[name] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            out[name] = value
    return out


def rows_from_spec(spec: dict) -> list[Row]:
    rows = []

    def leaf(n: dict, group: str) -> Row:
        return Row(
            group=group,
            name=n["name"],
            points=f"{n['points']:f}".rstrip("0").rstrip(".")
            if n.get("points") is not None
            else "",
            source=n.get("source", ""),
            key=n.get("key", ""),
            filters=format_pairs(n.get("filters") or {}),
            method=n.get("method", ""),
            direction=n.get("direction", Direction.HIGHER),
            params=format_pairs(n.get("params") or {}),
            unit=n.get("unit", ""),
        )

    def walk(nodes, group):
        for n in nodes:
            if n.get("children"):
                walk(n["children"], f"{group}/{n['name']}" if group else n["name"])
            else:
                rows.append(leaf(n, group))

    walk(spec["nodes"], "")
    return rows


def rows_from_post(post) -> list[Row]:
    columns = {f: post.getlist(f) for f in FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for i in range(min(count, 200)):
        values = {f: (columns[f][i] if i < len(columns[f]) else "").strip()[:300] for f in FIELDS}
        if values["name"]:
            rows.append(Row(**values))
    return rows


def spec_from_rows(rows: list[Row]) -> list[dict]:
    """The nodes for `board_save`: leaves in order, a group node per distinct group name (one
    level; deeper trees go through the API)."""
    nodes: list[dict] = []
    groups: dict[str, dict] = {}
    for row in rows:
        label = row.name
        leaf = {
            "name": row.name,
            "points": row.points,
            "source": row.source,
            "method": row.method,
            "direction": row.direction,
            "unit": row.unit,
            "params": parse_pairs(row.params, _("%(n)s的计分参数") % {"n": label}, lists=True),
        }
        if row.source == Source.INDICATOR:
            leaf["key"] = row.key
            leaf["filters"] = parse_pairs(
                row.filters, _("%(n)s的筛选条件") % {"n": label}, lists=False
            )
        if row.group:
            group = groups.get(row.group)
            if group is None:
                group = groups[row.group] = {"name": row.group, "points": 0, "children": []}
                nodes.append(group)
            group["children"].append(leaf)
        else:
            nodes.append(leaf)
    for group in groups.values():
        try:
            group["points"] = sum(Decimal(c["points"]) for c in group["children"])
        except InvalidOperation as exc:
            raise ValidationError(_("%(g)s中有不是数字的分值") % {"g": group["name"]}) from exc
    return nodes
