"""Field rules for orgs and people, shared by the services, the forms, the API and imports.

Each cleaner takes raw values and returns clean ones or raises ValidationError keyed by field.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zuofeng.core.validators import normalise_phone, parse_id_number
from zuofeng.orgs.choices import CadreLevel, Gender, PoliticalStatus
from zuofeng.orgs.models import code_validator

# Choices.values builds a new list on every access; an import checks 45,000 rows.
_GENDERS = frozenset(Gender.values)
_STATUSES = frozenset(PoliticalStatus.values)
_LEVELS = frozenset(CadreLevel.values)


def clean_code(code: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationError({"code": _("必填")})
    try:
        code_validator(code)
    except ValidationError as exc:
        raise ValidationError({"code": exc.messages}) from exc
    return code


def clean_person(data: dict, *, today: dt.date | None = None) -> dict:
    """Normalise and cross-check a person's fields (ID number against birth date and gender)."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    name = (data.get("name") or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("必填"))
    elif len(name) > 50:
        errors.setdefault("name", []).append(_("不能超过50个字"))
    out["name"] = name
    gender = data.get("gender") or ""
    if gender and gender not in _GENDERS:
        errors.setdefault("gender", []).append(_("应为“男”或“女”"))
    birth = data.get("birth_date")
    if birth and birth > (today or dt.date.today()):
        errors.setdefault("birth_date", []).append(_("出生日期不能晚于今天"))
    id_number = (data.get("id_number") or "").strip()
    if id_number:
        try:
            id_number, id_birth, id_gender = parse_id_number(id_number)
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)
        else:
            if birth and birth != id_birth:
                errors.setdefault("id_number", []).append(_("与出生日期不一致"))
            if gender and gender != id_gender:
                errors.setdefault("id_number", []).append(_("与性别不一致"))
            out["birth_date"] = birth or id_birth
            out["gender"] = gender or id_gender
    out["id_number"] = id_number
    out.setdefault("gender", gender)
    out["gender"] = out["gender"] or ""
    out.setdefault("birth_date", birth)
    phone = (data.get("phone") or "").strip()
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    out["phone"] = phone
    status = data.get("political_status") or PoliticalStatus.MEMBER
    if status not in _STATUSES:
        errors.setdefault("political_status", []).append(_("不是有效的政治面貌"))
    out["political_status"] = status
    level = data.get("cadre_level") or ""
    if level not in _LEVELS:
        errors.setdefault("cadre_level", []).append(_("不是有效的干部层级"))
    out["cadre_level"] = level
    position = (data.get("position") or "").strip()
    if len(position) > 100:
        errors.setdefault("position", []).append(_("不能超过100个字"))
    out["position"] = position
    person_no = (data.get("person_no") or "").strip() or None
    if person_no and len(person_no) > 32:
        errors.setdefault("person_no", []).append(_("不能超过32位"))
    out["person_no"] = person_no
    if errors:
        raise ValidationError(errors)
    return out
