"""Sheets of the district: the org tree and its people, imported and exported as xlsx.

Orgs are matched by 组织编码, people by 人员编号, else by 身份证号 (through its keyed hash).
Every row is validated against the database and the rest of the file before anything is
written; bulk.py then writes the whole file in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import audit, crypto
from zuofeng.core.sheets import (
    CODE,
    DATE,
    INT,
    Column,
    Errors,
    ExportError,
    Importer,
    Row,
    register,
)
from zuofeng.orgs import bulk, selectors
from zuofeng.orgs.bulk import OrgRow, PersonRow
from zuofeng.orgs.choices import CadreLevel, Gender, PoliticalStatus
from zuofeng.orgs.cleaning import clean_code, clean_person
from zuofeng.orgs.models import SEGMENT, Org, OrgKind, Person, subtree_q
from zuofeng.orgs.permissions import ORG_CHANGE, PERSON_CHANGE, PERSON_EXPORT_FULL
from zuofeng.orgs.scope import paths_for
from zuofeng.orgs.services import _actor

MAX_DEPTH = Org._meta.get_field("path").max_length // SEGMENT  # levels a path can hold
CHUNK = 900  # values per IN (…): below every backend's parameter limit


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(values)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _messages(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


def _out_of_scope() -> str:
    return _("不在您的管辖范围内")


def _within(paths: list[str] | None, path: str) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


def _labels(choices) -> dict[str, str]:
    """value → Chinese label: the sheets are Chinese whatever the page language."""
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


def _lookup(choices, *extra: tuple[str, str]) -> dict[str, str]:
    """Chinese label, label in the current language, or code (any case) → value."""
    table = {label: value for value, label in _labels(choices).items()}
    table.update({str(label): value for value, label in choices})
    table.update({value.lower(): value for value, _label in choices if value})
    table.update(extra)
    return table


def _kind_names() -> list[str]:
    return list(OrgKind.objects.values_list("name", flat=True))


def _audit_export(actor, kind: str, rows: int, scope_code: str | None, full: bool) -> None:
    audit.record(
        actor=_actor(actor),
        action=f"export.{kind}",
        object_type="orgs.org" if kind == "orgs" else "orgs.person",
        object_repr=kind,
        after={"rows": rows, "scope": scope_code or "", "full": full},
    )


def _scope_org(actor, code: str | None) -> Org | None:
    if not code:
        return None
    if actor is not None:
        return selectors.org_get(actor, code)
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise ExportError(_("组织编码“%(code)s”不存在") % {"code": code})
    return org


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
    label = _l("组织")
    columns = (
        Column("code", "组织编码", ("code", "org code"), required=True, parse=CODE, width=16),
        Column("name", "组织名称", ("name", "org name"), required=True, max_length=100, width=32),
        Column("parent_code", "上级组织编码", ("parent code", "parent"), parse=CODE, width=16),
        Column("kind", "组织类别", ("kind", "type", "category"), True, choices=_kind_names),
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
                if parent in db and not _within(paths, db[parent].path):
                    errors.add(row, "parent_code", _out_of_scope())
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
            if not _within(paths, rec.path):
                errors.add(row, "code", _out_of_scope())
            elif item.moved:
                if parent in db and not _within(paths, db[parent].path):
                    errors.add(row, "parent_code", _out_of_scope())
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
                errors.add(row, "code", _messages(exc))
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
                errors.add(row, "parent_code", _messages(exc))
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
        for chunk in _chunks(wanted):
            for values in Org.objects.filter(code__in=chunk).values_list(*_ORG_FIELDS):
                by_id[values[0]] = _DbOrg(*values)
        missing = {
            int(rec.path[i : i + SEGMENT])
            for rec in by_id.values()
            for i in range(0, len(rec.path), SEGMENT)
        } - set(by_id)
        for chunk in _chunks(missing):
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
        org = _scope_org(actor, scope)
        qs = Org.objects.all() if actor is None else selectors.orgs_visible_to(actor)
        if org is not None:
            qs = qs.filter(subtree_q(org.path))
        return (
            qs.order_by("path")
            .values_list("code", "name", "parent__code", "kind__name", "short_name", "sort_order")
            .iterator(chunk_size=2000)
        )

    def after_export(self, *, actor, rows: int, scope: str | None, full: bool) -> None:
        _audit_export(actor, self.kind, rows, scope, False)


# --- people ------------------------------------------------------------------------------------

_PERSON_FIELDS = (
    "id",
    "name",
    "gender",
    "birth_date",
    "id_number_enc",
    "id_number_hash",
    "phone_enc",
    "phone_hash",
    "org_id",
    "org__path",
    "political_status",
    "cadre_level",
    "position",
    "person_no",
    "version",
)
_COMPARED = ("name", "gender", "birth_date", "political_status", "cadre_level", "position")
_CLEANED = (*_COMPARED, "person_no", "id_number", "phone")


@dataclass
class PeoplePlan:
    creates: list[PersonRow]
    updates: list[PersonRow]
    unchanged: int


@register
class PersonImporter(Importer):
    kind = "people"
    label = _l("人员")
    columns = (
        Column("name", "姓名", ("name",), required=True, max_length=50, width=10),
        Column(
            "gender",
            "性别",
            ("gender", "sex"),
            choices=lambda: list(_labels(Gender.choices).values()),
        ),
        Column("birth_date", "出生日期", ("birth date", "birthday", "dob"), parse=DATE, width=12),
        Column("id_number", "身份证号", ("id number", "id card", "id"), parse=CODE, width=22),
        Column("phone", "手机号", ("phone", "mobile"), parse=CODE, width=14),
        Column(
            "org_code", "所在组织编码", ("org code", "org"), required=True, parse=CODE, width=16
        ),
        Column(
            "political_status",
            "政治面貌",
            ("political status",),
            choices=lambda: list(_labels(PoliticalStatus.choices).values()),
        ),
        Column(
            "cadre_level",
            "干部层级",
            ("cadre level",),
            choices=lambda: [v for k, v in _labels(CadreLevel.choices).items() if k],
            width=14,
        ),
        Column("position", "职务", ("position", "title"), max_length=100, width=20),
        Column(
            "person_no",
            "人员编号",
            ("person no", "person number", "number"),
            parse=CODE,
            max_length=32,
            width=16,
        ),
    )

    def plan(self, rows: list[Row], present, errors: Errors, *, actor) -> PeoplePlan:
        self._map_labels(rows, errors)
        orgs = self._load_orgs(rows)
        # An ID is looked up under its hash in every suite (crypto.lookup_hashes): rows indexed
        # before a suite switch are still found; the current suite's hash comes first. Into an
        # empty table (a first load, the largest file a deployment imports) nothing can match.
        first_load = not Person.objects.exists()
        hash_all = (lambda v: [crypto.lookup_hash(v)]) if first_load else crypto.lookup_hashes
        hashes = {
            r.values["id_number"]: hash_all(r.values["id_number"])
            for r in rows
            if r.values.get("id_number")
        }
        by_no, by_hash = ({}, {}) if first_load else self._load_people(rows, hashes)
        paths = paths_for(actor, PERSON_CHANGE) if actor is not None else None
        given = [k for k in _CLEANED if k in present]
        kept = [k for k in _CLEANED if k not in present]
        seen_no: dict[str, int] = {}
        seen_id: dict[str, int] = {}
        creates: list[PersonRow] = []
        updates: list[PersonRow] = []
        unchanged = 0
        for row in rows:  # the hot loop of a people import: dictionary work only
            values, bad = row.values, row.bad
            org = orgs.get(values["org_code"]) if "org_code" not in bad else None
            if org is None and "org_code" not in bad:
                errors.add(
                    row, "org_code", _("组织编码“%(code)s”不存在") % {"code": values["org_code"]}
                )
            number = values.get("person_no") or None
            id_hashes = hashes.get(values.get("id_number") or "", ())
            id_hash = id_hashes[0] if id_hashes else ""
            if not number and not id_hash and "person_no" not in bad and "id_number" not in bad:
                errors.add(row, "person_no", _("人员编号和身份证号至少填写一项"))
            with_id = (
                next((by_hash[h] for h in id_hashes if h in by_hash), None) if by_hash else None
            )
            target = self._match(row, number, with_id, by_no, errors)
            self._check_duplicates(row, number, id_hash, seen_no, seen_id, errors)
            clean = self._clean(row, given, kept, target, errors)
            if clean is None or org is None or bad:
                continue
            item = PersonRow(
                org_id=org[0],
                name=clean["name"],
                gender=clean["gender"],
                birth_date=clean["birth_date"],
                political_status=clean["political_status"],
                cadre_level=clean["cadre_level"],
                position=clean["position"],
                person_no=clean["person_no"],
                id_number_hash=self._hash(clean["id_number"], hashes),
                phone_hash=crypto.lookup_hash(clean["phone"]) if clean["phone"] else "",
            )
            if target is None:
                item.id_number, item.phone = clean["id_number"], clean["phone"]
                if not _within(paths, org[1]):
                    errors.add(row, "org_code", _out_of_scope())
                creates.append(item)
                continue
            if self._same(item, target):
                unchanged += 1
                continue
            if not (_within(paths, target["org__path"]) and _within(paths, org[1])):
                errors.add(row, "org_code", _out_of_scope())
            item.pk, item.version = target["id"], target["version"]
            item.stored = {k: target[k] for k in ("id_number_enc", "phone_enc")}
            if item.id_number_hash != target["id_number_hash"]:
                item.id_number = clean["id_number"]
            if item.phone_hash != target["phone_hash"]:
                item.phone = clean["phone"]
            updates.append(item)
        return PeoplePlan(creates, updates, unchanged)

    def _map_labels(self, rows: list[Row], errors: Errors) -> None:
        """Chinese labels (or codes) of the fixed vocabularies → stored values; IDs upper-case."""
        maps = [
            (
                "gender",
                _lookup(
                    Gender.choices, ("男性", "M"), ("女性", "F"), ("male", "M"), ("female", "F")
                ),
                _("应为“男”或“女”"),
            ),
            ("political_status", _lookup(PoliticalStatus.choices), _("不是有效的政治面貌")),
            ("cadre_level", _lookup(CadreLevel.choices), _("不是有效的干部层级")),
        ]
        for row in rows:
            values = row.values
            for key, table, message in maps:
                value = values.get(key)
                if value and key not in row.bad:
                    mapped = table.get(value) or table.get(value.lower())
                    if mapped is None:
                        errors.add(row, key, message)
                    values[key] = mapped
            if values.get("id_number"):
                values["id_number"] = values["id_number"].upper()

    def _load_orgs(self, rows: list[Row]) -> dict[str, tuple[int, str]]:
        codes = {r["org_code"] for r in rows if r["org_code"] and r.ok("org_code")}
        found: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(codes):
            for code, pk, path in Org.objects.filter(code__in=chunk).values_list(
                "code", "id", "path"
            ):
                found[code] = (pk, path)
        return found

    def _load_people(self, rows: list[Row], hashes: dict[str, list[str]]):
        numbers = {r["person_no"] for r in rows if r["person_no"]}
        by_no: dict[str, dict] = {}
        by_hash: dict[str, dict] = {}
        for chunk in _chunks(numbers):
            for rec in Person.objects.filter(person_no__in=chunk).values(*_PERSON_FIELDS):
                by_no[rec["person_no"]] = rec
        for chunk in _chunks({h for values in hashes.values() for h in values}):
            for rec in Person.objects.filter(id_number_hash__in=chunk).values(*_PERSON_FIELDS):
                by_hash[rec["id_number_hash"]] = rec
        return by_no, by_hash

    def _match(self, row: Row, number, with_id, by_no, errors: Errors) -> dict | None:
        """The existing person a row updates: by 人员编号 first, else by 身份证号."""
        with_no = by_no.get(number)
        if with_no and with_id and with_no["id"] != with_id["id"]:
            errors.add(row, "id_number", _("身份证号已被其他人员使用"))
            return None
        if with_id and not with_no and number and with_id["person_no"]:
            errors.add(row, "person_no", _("与该身份证号人员已有的人员编号不一致"))
            return None
        return with_no or with_id

    def _check_duplicates(self, row, number, id_hash, seen_no, seen_id, errors: Errors) -> None:
        if number:
            if number in seen_no:
                errors.add(row, "person_no", _("与第%(n)d行重复") % {"n": seen_no[number]})
            else:
                seen_no[number] = row.number
        if id_hash:
            if id_hash in seen_id:
                errors.add(row, "id_number", _("与第%(n)d行重复") % {"n": seen_id[id_hash]})
            else:
                seen_id[id_hash] = row.number

    def _clean(self, row: Row, given, kept, target: dict | None, errors: Errors) -> dict | None:
        """clean_person over the row; a column the file lacks keeps the stored value."""
        values = row.values
        data = {key: values[key] for key in given}
        for key in kept:
            if target is None:
                data[key] = None
            elif key in ("id_number", "phone"):
                enc = target[f"{key}_enc"]
                data[key] = crypto.decrypt(enc) if enc else ""
            else:
                data[key] = target[key]
        try:
            return clean_person(data)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                if row.ok(key):
                    errors.add(row, key, "；".join(messages))
            return None

    @staticmethod
    def _hash(value: str, cache: dict[str, list[str]]) -> str:
        if not value:
            return ""
        return cache[value][0] if value in cache else crypto.lookup_hash(value)

    @staticmethod
    def _same(item: PersonRow, target: dict) -> bool:
        return (
            all(getattr(item, k) == target[k] for k in _COMPARED)
            and item.person_no == target["person_no"]
            and item.org_id == target["org_id"]
            and item.id_number_hash == target["id_number_hash"]
            and item.phone_hash == target["phone_hash"]
        )

    def counts(self, plan: PeoplePlan) -> tuple[int, int, int]:
        return len(plan.creates), len(plan.updates), plan.unchanged

    def apply(self, plan: PeoplePlan, *, actor, report) -> None:
        bulk.people_apply(
            actor=actor, creates=plan.creates, updates=plan.updates, after=report.audit_after()
        )

    def export_rows(self, *, actor, scope: str | None, full: bool):
        org = _scope_org(actor, scope)
        qs = Person.objects.all() if actor is None else selectors.people_visible_to(actor)
        if org is not None:
            qs = qs.filter(subtree_q(org.path, "org__path"))
        if actor is None:
            full_paths = [""] if full else []
        else:
            full_paths = paths_for(actor, PERSON_EXPORT_FULL) if full else []
        rows = qs.order_by("org__path", "id").values_list(
            "name",
            "gender",
            "birth_date",
            "id_number_enc",
            "phone_enc",
            "org__code",
            "political_status",
            "cadre_level",
            "position",
            "person_no",
            "org__path",
        )
        return self._export(rows.iterator(chunk_size=2000), full_paths)

    @staticmethod
    def _export(rows, full_paths: list[str]):
        genders = _labels(Gender.choices)
        statuses = _labels(PoliticalStatus.choices)
        levels = _labels(CadreLevel.choices)
        levels[""] = ""
        for name, gender, birth, id_enc, phone_enc, code, status, level, pos, no, path in rows:
            reveal = any(path.startswith(p) for p in full_paths)
            number = crypto.decrypt(id_enc) if id_enc else ""
            phone = crypto.decrypt(phone_enc) if phone_enc else ""
            if not reveal:
                number = crypto.mask_id_number(number) if number else ""
                phone = crypto.mask_phone(phone) if phone else ""
            yield (
                name,
                genders.get(gender, ""),
                birth,
                number,
                phone,
                code,
                statuses.get(status, status),
                levels.get(level, level),
                pos,
                no or "",
            )

    def after_export(self, *, actor, rows: int, scope: str | None, full: bool) -> None:
        _audit_export(actor, self.kind, rows, scope, full)
