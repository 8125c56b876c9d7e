"""The org tree as a sheet: matched by 组织编码; parents may come later in the file."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core.sheets import (
    CODE,
    INT,
    Column,
    Errors,
    Importer,
    Row,
    register,
)
from zuofeng.orgs import bulk, selectors
from zuofeng.orgs.bulk import OrgRow
from zuofeng.orgs.cleaning import clean_code
from zuofeng.orgs.importers.common import (
    MAX_DEPTH,
    audit_export,
    chunks,
    error_text,
    kind_names,
    out_of_scope,
    scope_org,
    within,
)
from zuofeng.orgs.models import SEGMENT, Org, OrgKind, subtree_q
from zuofeng.orgs.permissions import ORG_CHANGE, ORG_VIEW
from zuofeng.orgs.scope import paths_for

# --- orgs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DbOrg:
    pk: int
    code: str
    name: str
    short_name: str
    kind_id: int
    sort_order: int
    parent_id: int | None
    path: str
    version: int


_ORG_FIELDS = (
    "id",
    "code",
    "name",
    "short_name",
    "kind_id",
    "sort_order",
    "parent_id",
    "path",
    "version",
)


@dataclass
class OrgPlan:
    rows: list[OrgRow]
    paths: dict[str, str]
    created: int
    updated: int
    unchanged: int


@register
class OrgImporter(Importer):
    kind = "orgs"
    import_action = ORG_CHANGE
    export_action = ORG_VIEW
    label = _l("组织")
    columns = (
        Column("code", "组织编码", ("code", "org code"), required=True, parse=CODE, width=16),
        Column("name", "组织名称", ("name", "org name"), required=True, max_length=100, width=32),
        Column("parent_code", "上级组织编码", ("parent code", "parent"), parse=CODE, width=16),
        Column("kind", "组织类别", ("kind", "type", "category"), True, choices=kind_names),
        Column("short_name", "简称", ("short name", "abbreviation"), max_length=50, width=20),
        Column("order", "排序号", ("order", "sort order"), parse=INT, width=8),
    )

    def plan(self, rows: list[Row], present, errors: Errors, *, actor) -> OrgPlan:
        kinds: dict[str, OrgKind] = {}
        for k in OrgKind.objects.all():
            kinds[k.code.lower()] = k
            kinds[k.name] = k
        file: dict[str, Row] = {}
        for row in rows:
            self._check_row(row, present, errors, file, kinds)
        db, by_id = self._load(file, rows, present)

        def db_parent(code: str) -> str | None:
            parent_id = db[code].parent_id
            return by_id[parent_id].code if parent_id else None

        final_parent = {
            code: self._final_parent(row, db.get(code), present, errors, actor, file, db, db_parent)
            for code, row in file.items()
        }
        depth = self._depths(file, final_parent, db, db_parent, errors)
        paths = paths_for(actor, ORG_CHANGE) if actor is not None else None
        out: list[OrgRow] = []
        created = updated = 0
        for code, row in file.items():
            if row.bad:
                continue
            rec = db.get(code)
            parent = final_parent[code]
            item = OrgRow(
                code=code,
                name=row["name"],
                short_name=(row["short_name"] or "")
                if "short_name" in present
                else (rec.short_name if rec else ""),
                kind_id=row.values["kind"].pk,
                sort_order=(row["order"] or 0)
                if "order" in present
                else (rec.sort_order if rec else 0),
                parent_code=parent,
                depth=depth[code],
            )
            if rec is None:
                if parent in db and not within(paths, db[parent].path):
                    errors.add(row, "parent_code", out_of_scope())
                created += 1
                out.append(item)
                continue
            item.pk, item.version = rec.pk, rec.version
            item.moved = parent != db_parent(code)
            item.changed = (item.name, item.short_name, item.kind_id, item.sort_order) != (
                rec.name,
                rec.short_name,
                rec.kind_id,
                rec.sort_order,
            )
            if not (item.changed or item.moved):
                continue
            if not within(paths, rec.path):
                errors.add(row, "code", out_of_scope())
            elif item.moved:
                if parent in db and not within(paths, db[parent].path):
                    errors.add(row, "parent_code", out_of_scope())
                self._check_moved_depth(row, rec, depth[code], errors)
            updated += 1
            out.append(item)
        paths_by_code = {code: rec.path for code, rec in db.items()}
        return OrgPlan(out, paths_by_code, created, updated, len(file) - created - updated)

    def _check_row(self, row: Row, present, errors: Errors, file: dict, kinds: dict) -> None:
        code = row["code"]
        if row.ok("code"):
            try:
                clean_code(code)
            except ValidationError as exc:
                errors.add(row, "code", error_text(exc))
        if row.ok("code"):
            if code in file:
                errors.add(row, "code", _("与第%(n)d行重复") % {"n": file[code].number})
            else:
                file[code] = row
        if row.ok("kind"):
            kind = kinds.get(row["kind"]) or kinds.get(row["kind"].lower())
            if kind is None:
                errors.add(row, "kind", _("未知的组织类别“%(v)s”") % {"v": row["kind"]})
            row.values["kind"] = kind
        parent = row["parent_code"]
        if parent and row.ok("parent_code"):
            try:
                clean_code(parent)
            except ValidationError as exc:
                errors.add(row, "parent_code", error_text(exc))
            else:
                if parent == code:
                    errors.add(row, "parent_code", _("不能以自身为上级组织"))
        order = row["order"]
        if order is not None and row.ok("order") and not -(2**31) <= order < 2**31:
            errors.add(row, "order", _("超出范围"))

    def _load(self, file: dict, rows: list[Row], present) -> tuple[dict, dict]:
        """Existing orgs named by the file (codes and parents) and all their ancestors."""
        wanted = set(file)
        if "parent_code" in present:
            wanted |= {r["parent_code"] for r in rows if r["parent_code"] and r.ok("parent_code")}
        by_id: dict[int, _DbOrg] = {}
        for chunk in chunks(wanted):
            for values in Org.objects.filter(code__in=chunk).values_list(*_ORG_FIELDS):
                by_id[values[0]] = _DbOrg(*values)
        missing = {
            int(rec.path[i : i + SEGMENT])
            for rec in by_id.values()
            for i in range(0, len(rec.path), SEGMENT)
        } - set(by_id)
        for chunk in chunks(missing):
            for values in Org.objects.filter(id__in=chunk).values_list(*_ORG_FIELDS):
                by_id[values[0]] = _DbOrg(*values)
        return {rec.code: rec for rec in by_id.values()}, by_id

    def _final_parent(self, row, rec, present, errors, actor, file, db, db_parent):
        """The parent code the org ends up under (None for a root)."""
        keep = db_parent(rec.code) if rec else None
        if "parent_code" not in present:
            if rec is None and actor is not None:
                errors.add(row, "parent_code", _("只能在命令行创建根组织"))
            return keep
        if not row.ok("parent_code"):
            return keep
        parent = row["parent_code"] or None
        if parent and parent not in file and parent not in db:
            errors.add(row, "parent_code", _("上级组织“%(code)s”不存在") % {"code": parent})
            return keep
        if rec is not None and rec.parent_id is None and parent:
            errors.add(row, "parent_code", _("根组织不能移动"))
            return keep
        if rec is not None and rec.parent_id is not None and not parent:
            errors.add(row, "parent_code", _("必填：只有根组织可以不填上级组织编码"))
            return keep
        if rec is None and not parent and actor is not None:
            errors.add(row, "parent_code", _("只能在命令行创建根组织"))
        return parent

    def _depths(self, file, final_parent, db, db_parent, errors: Errors) -> dict[str, int]:
        """Final depth of every org in the file; parent links that loop are row errors."""

        def parent_of(code: str) -> str | None:
            return final_parent[code] if code in final_parent else db_parent(code)

        depth: dict[str, int] = {}
        for start in file:
            chain: list[str] = []
            on_chain: dict[str, int] = {}
            node: str | None = start
            while node is not None and node not in depth and node not in on_chain:
                on_chain[node] = len(chain)
                chain.append(node)
                node = parent_of(node)
            if node is not None and node in on_chain:
                loop = chain[on_chain[node] :]
                text = " → ".join([*loop, loop[0]])
                for code in loop:
                    if code in file:
                        errors.add(
                            file[code], "parent_code", _("上级关系形成循环：%(c)s") % {"c": text}
                        )
                for code in chain:
                    depth[code] = 0
                continue
            base = depth[node] if node is not None else -1
            for code in reversed(chain):
                base += 1
                depth[code] = base
                if base >= MAX_DEPTH and code in file and file[code].ok("parent_code"):
                    errors.add(
                        file[code], "parent_code", _("组织层级不能超过%(n)d级") % {"n": MAX_DEPTH}
                    )
        return depth

    def _check_moved_depth(self, row: Row, rec: _DbOrg, new_depth: int, errors: Errors) -> None:
        deepest = Org.objects.filter(subtree_q(rec.path)).aggregate(m=Max("depth"))["m"]
        if deepest - len(rec.path) // SEGMENT + 1 + new_depth >= MAX_DEPTH:
            errors.add(row, "parent_code", _("组织层级不能超过%(n)d级") % {"n": MAX_DEPTH})

    def counts(self, plan: OrgPlan) -> tuple[int, int, int]:
        return plan.created, plan.updated, plan.unchanged

    def apply(self, plan: OrgPlan, *, actor, report) -> None:
        bulk.orgs_apply(actor=actor, rows=plan.rows, paths=plan.paths, after=report.audit_after())

    def export_rows(self, *, actor, scope: str | None, full: bool):
        org = scope_org(actor, scope)
        qs = Org.objects.all() if actor is None else selectors.orgs_visible_to(actor)
        if org is not None:
            qs = qs.filter(subtree_q(org.path))
        return (
            qs.order_by("path")
            .values_list("code", "name", "parent__code", "kind__name", "short_name", "sort_order")
            .iterator(chunk_size=2000)
        )

    def after_export(self, *, actor, rows: int, scope: str | None, full: bool) -> None:
        audit_export(actor, self.kind, rows, scope, False)
