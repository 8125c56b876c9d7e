"""Field encryption, keyed lookup, masking, and the national identifier validators."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client

from zuofeng.core import crypto
from zuofeng.core.models import AuditEntry
from zuofeng.core.validators import (
    credit_check_char,
    id_check_char,
    normalise_credit_code,
    normalise_phone,
    parse_id_number,
)
from zuofeng.orgs import selectors, services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import Person

PHONE = "13812345678"
# Valid resident IDs (check characters computed by GB 11643; see test_id_check_digit)
ID_MALE_1985 = "330682198501181234"
ID_FEMALE_1990_X = "33068219900119122X"
OTHER_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def fast_hashers(settings):
    # Users are made through services; the production hasher would take a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def blob(token: str) -> bytes:
    return base64.b64decode(token.partition(":")[2])


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- encryption -----------------------------------------------------------------------------


def test_aes_gcm_round_trip(settings):
    settings.CRYPTO_SUITE = "standard"
    token = crypto.encrypt(PHONE)
    assert token.startswith("a1:")
    assert PHONE not in token
    # 12-byte nonce + ciphertext as long as the text + 16-byte tag
    assert len(blob(token)) == 12 + len(PHONE) + 16
    assert crypto.decrypt(token) == PHONE
    assert crypto.decrypt(crypto.encrypt("张三 ID 33068219900119122X")) == (
        "张三 ID 33068219900119122X"
    )


def test_sm4_gcm_round_trip(settings):
    settings.CRYPTO_SUITE = "gm"
    token = crypto.encrypt(PHONE)
    assert token.startswith("g1:")
    assert PHONE not in token
    assert len(blob(token)) == 12 + len(PHONE) + 16
    assert crypto.decrypt(token) == PHONE


@pytest.mark.parametrize("suite", ["standard", "gm"])
def test_a_tampered_ciphertext_is_refused(settings, suite):
    settings.CRYPTO_SUITE = suite
    token = crypto.encrypt(PHONE)
    prefix, _, _ = token.partition(":")
    raw = bytearray(blob(token))
    raw[14] ^= 0x01  # one bit of the ciphertext body
    with pytest.raises(InvalidTag):
        crypto.decrypt(prefix + ":" + base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize("suite", ["standard", "gm"])
def test_the_same_text_encrypts_differently_each_time(settings, suite):
    settings.CRYPTO_SUITE = suite
    tokens = [crypto.encrypt(PHONE) for _ in range(5)]
    assert len(set(tokens)) == 5
    assert len({blob(t)[:12] for t in tokens}) == 5  # a fresh nonce each time
    assert {crypto.decrypt(t) for t in tokens} == {PHONE}


def test_a_suite_switch_still_decrypts_old_values(settings):
    settings.CRYPTO_SUITE = "standard"
    old_standard = crypto.encrypt(PHONE)
    settings.CRYPTO_SUITE = "gm"
    old_gm = crypto.encrypt(ID_FEMALE_1990_X)
    assert crypto.decrypt(old_standard) == PHONE
    settings.CRYPTO_SUITE = "standard"
    assert crypto.decrypt(old_gm) == ID_FEMALE_1990_X


def test_a_different_data_key_cannot_decrypt(settings):
    token = crypto.encrypt(PHONE)
    settings.DATA_KEY = OTHER_KEY
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)


def test_an_unknown_ciphertext_format_is_refused():
    with pytest.raises(ValueError, match="unknown ciphertext format"):
        crypto.decrypt("z9:" + base64.b64encode(b"x" * 40).decode())


# --- lookup hash ----------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["standard", "gm"])
def test_lookup_hash_is_stable_and_distinguishes_values(settings, suite):
    settings.CRYPTO_SUITE = suite
    first = crypto.lookup_hash(PHONE)
    assert crypto.lookup_hash(PHONE) == first
    assert len(first) == 64
    assert crypto.lookup_hash("13812345679") != first


def test_lookup_hash_is_keyed(settings):
    settings.CRYPTO_SUITE = "standard"
    keyed = crypto.lookup_hash(PHONE)
    # not a plain digest anyone could compute over the 10^10 phone numbers
    assert keyed != hashlib.sha256(PHONE.encode()).hexdigest()
    assert keyed != hmac.new(b"", PHONE.encode(), hashlib.sha256).hexdigest()
    # and another deployment's key gives another index
    settings.DATA_KEY = OTHER_KEY
    assert crypto.lookup_hash(PHONE) != keyed


def test_lookup_hashes_cover_both_suites(settings):
    settings.CRYPTO_SUITE = "standard"
    standard = crypto.lookup_hash(PHONE)
    settings.CRYPTO_SUITE = "gm"
    gm = crypto.lookup_hash(PHONE)
    assert standard != gm
    assert crypto.lookup_hashes(PHONE) == [gm, standard]
    settings.CRYPTO_SUITE = "standard"
    assert crypto.lookup_hashes(PHONE) == [standard, gm]


# --- masks ----------------------------------------------------------------------------------


def test_masks():
    assert crypto.mask_phone(PHONE) == "138****5678"
    assert crypto.mask_id_number(ID_MALE_1985) == "330682********1234"
    assert crypto.mask_id_number(ID_FEMALE_1990_X) == "330682********122X"
    assert crypto.mask_phone("1234567") == "****"
    assert crypto.mask_id_number("1234567890") == "****"


# --- people at rest -------------------------------------------------------------------------


def raw_person_row(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM orgs_person WHERE id = %s", [pk])
        return " ".join(str(v) for v in cursor.fetchone())


def raw_audit_rows() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditentry")
        return " ".join(str(v) for row in cursor.fetchall() for v in row)


@pytest.fixture
def zhang(district):
    return services.person_create(
        actor=None,
        org=district.v1,
        name="张三",
        id_number=ID_MALE_1985,
        phone="138 1234 5678",
        person_no="P-0001",
    )


@pytest.mark.parametrize("suite", ["standard", "gm"])
def test_a_person_has_no_plaintext_phone_or_id_in_the_database(district, settings, suite):
    settings.CRYPTO_SUITE = suite
    person = services.person_create(
        actor=None, org=district.v1, name="张三", id_number=ID_MALE_1985, phone=PHONE
    )
    row = raw_person_row(person.pk)
    assert "张三" in row  # the row is the right one
    for secret in (PHONE, ID_MALE_1985, "198501181234", "12345678"):
        assert secret not in row
    # nor in the audit entry of its creation, which keeps only the masks
    audit_rows = raw_audit_rows()
    assert PHONE not in audit_rows
    assert ID_MALE_1985 not in audit_rows
    entry = AuditEntry.objects.get(action="person.create", object_id=str(person.pk))
    assert (entry.after["phone"], entry.after["id_number"]) == (
        "138****5678",
        "330682********1234",
    )
    stored = Person.objects.get(pk=person.pk)
    assert (stored.phone, stored.id_number) == (PHONE, ID_MALE_1985)
    assert stored.phone_enc.startswith("g1:" if suite == "gm" else "a1:")
    assert (stored.phone_masked, stored.id_number_masked) == (
        "138****5678",
        "330682********1234",
    )


def test_exact_lookup_by_phone_and_id(district, make_user, zhang):
    viewer = make_user("viewer", (Role.GRID_CADRE, district.town))
    services.person_create(actor=None, org=district.v2, name="李四", phone="13900000000")

    def found(**kw):
        return list(selectors.person_search(viewer, **kw).values_list("name", flat=True))

    assert found(phone=PHONE) == ["张三"]
    assert found(phone="138-1234-5678") == ["张三"]
    assert found(phone="+86 13812345678") == ["张三"]
    assert found(phone="13812345679") == []
    assert found(phone="1381234567") == []  # a prefix is not a match
    assert found(id_number=ID_MALE_1985) == ["张三"]
    assert found(id_number="330682198501181235") == []
    assert found(phone="13900000000") == ["李四"]


def test_lookup_by_id_ignores_the_case_of_x(district, make_user):
    viewer = make_user("viewer", (Role.GRID_CADRE, district.town))
    services.person_create(actor=None, org=district.v1, name="王五", id_number=ID_FEMALE_1990_X)
    found = selectors.person_search(viewer, id_number=ID_FEMALE_1990_X.lower())
    assert list(found.values_list("name", flat=True)) == ["王五"]


def test_exact_lookup_stays_inside_the_users_scope(district, make_user, zhang):
    outsider = make_user("outsider", (Role.GRID_CADRE, district.town2))
    assert list(selectors.person_search(outsider, phone=PHONE)) == []
    assert list(selectors.person_search(outsider, id_number=ID_MALE_1985)) == []


def test_after_a_suite_switch_old_rows_are_still_found_and_still_unique(
    district, make_user, settings
):
    # given a person registered under the standard suite
    settings.CRYPTO_SUITE = "standard"
    viewer = make_user("viewer", (Role.GRID_CADRE, district.root))
    old = services.person_create(
        actor=None, org=district.v1, name="张三", id_number=ID_MALE_1985, phone=PHONE
    )
    # when the deployment switches to 国密
    settings.CRYPTO_SUITE = "gm"
    # then exact lookup still finds the old row
    assert list(selectors.person_search(viewer, phone=PHONE)) == [old]
    assert list(selectors.person_search(viewer, id_number=ID_MALE_1985)) == [old]
    # and the same ID cannot be registered a second time
    count, audits = Person.objects.count(), audit_count()
    with pytest.raises(ValidationError) as exc:
        services.person_create(actor=None, org=district.v2, name="张三", id_number=ID_MALE_1985)
    assert exc.value.message_dict == {"id_number": ["身份证号已存在"]}
    assert (Person.objects.count(), audit_count()) == (count, audits)


# --- full display ---------------------------------------------------------------------------


def reveal_url(person: Person, field: str) -> str:
    return f"/people/{person.pk}/reveal/{field}/"


@pytest.mark.parametrize(("field", "value"), [("phone", PHONE), ("id_number", ID_MALE_1985)])
def test_full_display_is_shown_and_audited(district, make_user, zhang, field, value):
    inspector = make_user("inspector", (Role.INSPECTOR, district.town))
    client = Client()
    client.force_login(inspector)
    before = audit_count()
    response = client.post(reveal_url(zhang, field))
    assert response.status_code == 200
    assert response.content.decode().strip() == value
    assert audit_count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "person.reveal",
        inspector.pk,
        "orgs.person",
        str(zhang.pk),
    )
    assert (entry.org_path, entry.before, entry.after, entry.success) == (
        district.v1.path,
        None,
        {"field": field},
        True,
    )
    # the revealed value itself is never logged
    assert value not in raw_audit_rows()


def test_full_display_out_of_scope_is_404_and_not_audited(district, make_user, zhang):
    inspector = make_user("inspector", (Role.INSPECTOR, district.town2))
    client = Client()
    client.force_login(inspector)
    before = audit_count()
    response = client.post(reveal_url(zhang, "phone"))
    assert response.status_code == 404
    assert PHONE not in response.content.decode()
    assert audit_count() == before
    with pytest.raises(Http404):
        services.person_reveal(actor=inspector, person=zhang, field="phone")
    assert audit_count() == before


@pytest.mark.parametrize("role", [Role.GRID_CADRE, Role.LEADER, Role.BRANCH_SECRETARY])
def test_full_display_without_the_reveal_action_is_404_and_not_audited(
    district, make_user, zhang, role
):
    # given a user who sees the person but may not see the full number
    user = make_user("viewer", (role, district.root))
    assert list(selectors.person_search(user, phone=PHONE)) == [zhang]
    before = audit_count()
    # when they ask the service for it, the answer is the same as for a missing record
    with pytest.raises(Http404):
        services.person_reveal(actor=user, person=zhang, field="phone")
    assert audit_count() == before


def test_full_display_of_another_field_is_refused(district, make_user, zhang):
    inspector = make_user("inspector", (Role.INSPECTOR, district.town))
    before = audit_count()
    with pytest.raises(ValidationError):
        services.person_reveal(actor=inspector, person=zhang, field="name")
    client = Client()
    client.force_login(inspector)
    assert client.post(reveal_url(zhang, "person_no")).status_code == 404
    assert client.get(reveal_url(zhang, "phone")).status_code == 405
    assert audit_count() == before


# --- validators -----------------------------------------------------------------------------


def test_id_check_digit():
    # the example of GB 11643-1999 itself
    assert id_check_char("11010519491231002") == "X"
    assert parse_id_number("11010519491231002x") == (
        "11010519491231002X",
        dt.date(1949, 12, 31),
        "F",
    )
    assert parse_id_number(ID_MALE_1985) == (ID_MALE_1985, dt.date(1985, 1, 18), "M")
    assert parse_id_number(f"  {ID_FEMALE_1990_X}  ") == (
        ID_FEMALE_1990_X,
        dt.date(1990, 1, 19),
        "F",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("330682198501181235", "身份证号校验位不正确"),
        ("110105194912310021", "身份证号校验位不正确"),
        ("33068219850118123", "身份证号应为18位，前17位为数字，末位为数字或X"),
        ("3306821985011812345", "身份证号应为18位，前17位为数字，末位为数字或X"),
        ("33068219850118123A", "身份证号应为18位，前17位为数字，末位为数字或X"),
        ("330682198502301234", "身份证号中的出生日期无效"),  # 30 February, valid check digit
        ("33068218990101123X", "身份证号中的出生日期无效"),  # before 1900, valid check digit
    ],
)
def test_invalid_id_numbers(value, message):
    if message == "身份证号中的出生日期无效":
        assert id_check_char(value[:17]) == value[17]
    with pytest.raises(ValidationError) as exc:
        parse_id_number(value)
    assert exc.value.messages == [message]


def test_an_id_born_tomorrow_is_invalid():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    first17 = f"330682{tomorrow:%Y%m%d}123"
    with pytest.raises(ValidationError) as exc:
        parse_id_number(first17 + id_check_char(first17))
    assert exc.value.messages == ["身份证号中的出生日期无效"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
    ],
)
def test_valid_phones(value, expected):
    assert normalise_phone(value) == expected


@pytest.mark.parametrize(
    "value", ["1381234567", "138123456789", "23812345678", "1381234567a", "0571-88888888", ""]
)
def test_invalid_phones(value):
    with pytest.raises(ValidationError) as exc:
        normalise_phone(value)
    assert exc.value.messages == ["手机号应为以1开头的11位数字"]


def test_credit_code():
    # a real code (Huawei Technologies Co., Ltd.) and one built with the check character
    assert credit_check_char("91440300192203821") == "6"
    assert normalise_credit_code("914403001922038216") == "914403001922038216"
    first17 = "91330682MA2D7F8G1"
    code = first17 + credit_check_char(first17)
    assert normalise_credit_code(code.lower()) == code


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("914403001922038217", "统一社会信用代码校验位不正确"),
        ("914403001922038210", "统一社会信用代码校验位不正确"),
        ("91440300192203821", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"),
        ("91440300I92203821X", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"),
        ("91440300O92203821X", "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"),
    ],
)
def test_invalid_credit_codes(value, message):
    with pytest.raises(ValidationError) as exc:
        normalise_credit_code(value)
    assert exc.value.messages == [message]
