"""Bulk writes of the district for imports: many orgs or people in one transaction, in batches.

Rows go to the database through zuofeng.core.bulk (executemany: one statement, many
parameter rows) rather than bulk_create/bulk_update: those build a model instance and compile
SQL per row, and bulk_update a CASE per field per row, which made an import of 45,000 people
several times slower than reading the file (see docs/performance.md).

These are services like `services.py`, for whole files: the importer (zuofeng.orgs.importers)
has already validated every row, checked the actor's scope and decided what changes; these
functions write that decision in batches with the same invariants the one-record services keep
(materialised paths, encrypted phone and ID with their keyed hashes, a version bump on every
change) and append one audit entry for the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from zuofeng.core import audit, crypto
from zuofeng.core.bulk import converter, insert_many, update_many
from zuofeng.orgs.models import SEGMENT, Org, Person, segment, subtree_q
from zuofeng.orgs.services import _actor


@dataclass
class OrgRow:
    """One org of a file as it must end up; `pk` is set for an existing org."""

    code: str
    name: str
    short_name: str
    kind_id: int
    sort_order: int
    parent_code: str | None
    depth: int
    pk: int | None = None
    version: int = 1
    changed: bool = False
    moved: bool = False


_ORG_INSERT = [
    "code",
    "name",
    "short_name",
    "kind",
    "sort_order",
    "path",
    "depth",
    "active",
    "version",
    "created_at",
    "updated_at",
]
_ORG_UPDATE = ["name", "short_name", "kind", "sort_order", "parent", "version", "updated_at"]


@transaction.atomic
def orgs_apply(*, actor, rows: list[OrgRow], paths: dict[str, str], after: dict) -> None:
    """Create and update orgs, top-down, keeping every materialised path right.

    `paths` maps the code of every existing org the rows name (themselves, their parents and
    the parents' ancestors) to its current path. New orgs are inserted first to get their ids;
    then each row is placed in order of its final depth: a new org under its parent's current
    path; a moved org's whole subtree follows in one UPDATE, as in services.org_move. Placing
    shallower rows first means every parent already sits where it will end up, so no move
    passes through a cycle.
    """
    now = timezone.now()
    new_rows = [r for r in rows if r.pk is None]
    insert_many(
        Org,
        _ORG_INSERT,
        [
            (r.code, r.name, r.short_name, r.kind_id, r.sort_order, "", 0, True, 1, now, now)
            for r in new_rows
        ],
    )
    ids = _ids_by_code([r.code for r in new_rows])
    for row in new_rows:
        row.pk = ids[row.code]
    new_codes = set(ids)
    pk_of = {r.code: r.pk for r in rows}
    current = dict(paths)
    placed: list[tuple] = []
    changed: list[tuple] = []
    for row in sorted(rows, key=lambda r: r.depth):
        parent_path = current[row.parent_code] if row.parent_code else ""
        parent_id = pk_of.get(row.parent_code) if row.parent_code else None
        if row.parent_code and parent_id is None:
            parent_id = int(parent_path[-SEGMENT:])  # a path ends with its org's id
        if row.code in new_codes:
            path = parent_path + segment(row.pk)
            current[row.code] = path
            placed.append((parent_id, path, len(path) // SEGMENT - 1, row.pk))
            continue
        if row.moved:
            _move_subtree(current, current[row.code], parent_path + segment(row.pk))
        if row.changed or row.moved:
            changed.append(
                (
                    row.name,
                    row.short_name,
                    row.kind_id,
                    row.sort_order,
                    parent_id,
                    row.version + 1,
                    now,
                    row.pk,
                )
            )
    update_many(Org, ["parent", "path", "depth"], placed)
    update_many(Org, _ORG_UPDATE, changed)
    audit.record(
        actor=_actor(actor),
        action="import.orgs",
        object_type="orgs.org",
        object_repr="orgs",
        after=after,
    )


def _move_subtree(current: dict[str, str], old: str, new: str) -> None:
    delta = (len(new) - len(old)) // SEGMENT
    Org.objects.filter(subtree_q(old)).update(
        path=Concat(Value(new), Substr("path", len(old) + 1)),
        depth=F("depth") + delta,
    )
    for code, path in current.items():
        if path.startswith(old):
            current[code] = new + path[len(old) :]


def _ids_by_code(codes: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for i in range(0, len(codes), 900):
        ids.update(Org.objects.filter(code__in=codes[i : i + 900]).values_list("code", "id"))
    return ids


@dataclass(slots=True)
class PersonRow:
    """One person of a file as they must end up. `id_number`/`phone` hold the plain value
    when it is new or changed, None when the stored ciphertext stays."""

    org_id: int
    name: str
    gender: str
    birth_date: object
    political_status: str
    cadre_level: str
    position: str
    person_no: str | None
    id_number_hash: str
    phone_hash: str
    id_number: str | None = None
    phone: str | None = None
    pk: int | None = None
    version: int = 1
    stored: dict | None = None  # id_number_enc / phone_enc kept as they are


_PERSON_COLUMNS = [
    "name",
    "gender",
    "birth_date",
    "id_number_enc",
    "id_number_hash",
    "phone_enc",
    "phone_hash",
    "org",
    "political_status",
    "cadre_level",
    "position",
    "person_no",
    "version",
    "updated_at",
]


def _person_values(row: PersonRow, version: int, now, birth_date) -> tuple:
    if row.id_number is None:
        id_enc = row.stored["id_number_enc"] if row.stored else ""
    else:
        id_enc = crypto.encrypt(row.id_number) if row.id_number else ""
    if row.phone is None:
        phone_enc = row.stored["phone_enc"] if row.stored else ""
    else:
        phone_enc = crypto.encrypt(row.phone) if row.phone else ""
    return (
        row.name,
        row.gender,
        birth_date,
        id_enc,
        row.id_number_hash,
        phone_enc,
        row.phone_hash,
        row.org_id,
        row.political_status,
        row.cadre_level,
        row.position,
        row.person_no,
        version,
        now,
    )


@transaction.atomic
def people_apply(*, actor, creates: list[PersonRow], updates: list[PersonRow], after: dict) -> None:
    """Insert and update people in batches; phone and ID are encrypted here, as in
    services._apply_person, and only the keyed hashes are searchable."""
    now = timezone.now()
    # New rows are adapted here, once, rather than copied again by insert_many.
    stamp = converter(Person._meta.get_field("updated_at"))(now)
    birth = converter(Person._meta.get_field("birth_date"))
    insert_many(
        Person,
        [*_PERSON_COLUMNS, "active", "created_at"],
        [
            (
                *_person_values(r, 1, stamp, birth(r.birth_date) if r.birth_date else None),
                True,
                stamp,
            )
            for r in creates
        ],
        prepared=True,
    )
    update_many(
        Person,
        _PERSON_COLUMNS,
        [(*_person_values(r, r.version + 1, now, r.birth_date), r.pk) for r in updates],
    )
    audit.record(
        actor=_actor(actor),
        action="import.people",
        object_type="orgs.person",
        object_repr="people",
        after=after,
    )
