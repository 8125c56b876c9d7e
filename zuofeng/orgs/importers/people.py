"""People as a sheet: matched by 人员编号, else by 身份证号 (through its keyed hash)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from zuofeng.core import crypto
from zuofeng.core.sheets import (
    CODE,
    DATE,
    Column,
    Errors,
    Importer,
    Row,
    register,
)
from zuofeng.orgs import bulk, selectors
from zuofeng.orgs.bulk import PersonRow
from zuofeng.orgs.choices import CadreLevel, Gender, PoliticalStatus
from zuofeng.orgs.cleaning import clean_person
from zuofeng.orgs.importers.common import (
    audit_export,
    chunks,
    labels,
    lookup,
    out_of_scope,
    scope_org,
    within,
)
from zuofeng.orgs.models import Org, Person, subtree_q
from zuofeng.orgs.permissions import PERSON_CHANGE, PERSON_EXPORT_FULL, PERSON_VIEW
from zuofeng.orgs.scope import paths_for

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
    import_action = PERSON_CHANGE
    export_action = PERSON_VIEW
    label = _l("人员")
    columns = (
        Column("name", "姓名", ("name",), required=True, max_length=50, width=10),
        Column(
            "gender",
            "性别",
            ("gender", "sex"),
            choices=lambda: list(labels(Gender.choices).values()),
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
            choices=lambda: list(labels(PoliticalStatus.choices).values()),
        ),
        Column(
            "cadre_level",
            "干部层级",
            ("cadre level",),
            choices=lambda: [v for k, v in labels(CadreLevel.choices).items() if k],
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
        today = dt.date.today()  # one day for the whole file
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
            clean = self._clean(row, given, kept, target, errors, today)
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
                if not within(paths, org[1]):
                    errors.add(row, "org_code", out_of_scope())
                creates.append(item)
                continue
            if self._same(item, target):
                unchanged += 1
                continue
            if not (within(paths, target["org__path"]) and within(paths, org[1])):
                errors.add(row, "org_code", out_of_scope())
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
                lookup(
                    Gender.choices, ("男性", "M"), ("女性", "F"), ("male", "M"), ("female", "F")
                ),
                _("应为“男”或“女”"),
            ),
            ("political_status", lookup(PoliticalStatus.choices), _("不是有效的政治面貌")),
            ("cadre_level", lookup(CadreLevel.choices), _("不是有效的干部层级")),
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
        for chunk in chunks(codes):
            for code, pk, path in Org.objects.filter(code__in=chunk).values_list(
                "code", "id", "path"
            ):
                found[code] = (pk, path)
        return found

    def _load_people(self, rows: list[Row], hashes: dict[str, list[str]]):
        numbers = {r["person_no"] for r in rows if r["person_no"]}
        by_no: dict[str, dict] = {}
        by_hash: dict[str, dict] = {}
        for chunk in chunks(numbers):
            for rec in Person.objects.filter(person_no__in=chunk).values(*_PERSON_FIELDS):
                by_no[rec["person_no"]] = rec
        for chunk in chunks({h for values in hashes.values() for h in values}):
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

    def _clean(self, row: Row, given, kept, target: dict | None, errors: Errors, today):
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
            return clean_person(data, today=today)
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
        org = scope_org(actor, scope)
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
        genders = labels(Gender.choices)
        statuses = labels(PoliticalStatus.choices)
        levels = labels(CadreLevel.choices)
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
        audit_export(actor, self.kind, rows, scope, full)
