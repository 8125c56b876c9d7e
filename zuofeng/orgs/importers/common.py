"""What the orgs and people importers share: chunked lookups, labels, scope, export audit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from zuofeng.core import audit
from zuofeng.core.sheets import ExportError
from zuofeng.orgs import selectors
from zuofeng.orgs.models import SEGMENT, Org, OrgKind
from zuofeng.orgs.services import _actor

MAX_DEPTH = Org._meta.get_field("path").max_length // SEGMENT  # levels a path can hold
CHUNK = 900  # values per IN (…): below every backend's parameter limit


def chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def error_text(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def out_of_scope() -> str:
    return _("不在您的管辖范围内")


def within(paths: list[str] | None, path: str) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


def labels(choices) -> dict[str, str]:
    """value → Chinese label: the sheets are Chinese whatever the page language."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


def lookup(choices, *extra: tuple[str, str]) -> dict[str, str]:
    """Chinese label, label in the current language, or code (any case) → value."""
    table = {label: value for value, label in labels(choices).items()}
    table.update({str(label): value for value, label in choices})
    table.update({value.lower(): value for value, _label in choices if value})
    table.update(extra)
    return table


def kind_names() -> list[str]:
    return list(OrgKind.objects.values_list("name", flat=True))


def audit_export(actor, kind: str, rows: int, scope_code: str | None, full: bool) -> None:
    audit.record(
        actor=_actor(actor),
        action=f"export.{kind}",
        object_type="orgs.org" if kind == "orgs" else "orgs.person",
        object_repr=kind,
        after={"rows": rows, "scope": scope_code or "", "full": full},
    )


def scope_org(actor, code: str | None) -> Org | None:
    if not code:
        return None
    if actor is not None:
        return selectors.org_get(actor, code)
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ExportError(_("组织编码“%(code)s”不存在") % {"code": code})
    return org
