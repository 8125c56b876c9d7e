"""The audit chain: append-only, hash-linked, and `audit verify` names the first bad entry."""

from __future__ import annotations

import hashlib
import io
import json
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test import Client

from zuofeng import cli
from zuofeng.core import audit
from zuofeng.core.models import AuditEntry, AuditHead
from zuofeng.orgs.choices import Role
from zuofeng.orgs.tests.factories import PASSWORD

GENESIS = "0" * 64


def write_entries(n: int, start: int = 1) -> list[AuditEntry]:
    return [
        audit.record(
            actor="cli:tester",
            action="test.write",
            object_type="test.thing",
            object_id=str(i),
            object_repr=f"thing {i}",
            before={"i": i - 1},
            after={"i": i, "名称": "东关村"},
        )
        for i in range(start, start + n)
    ]


def chain() -> list[AuditEntry]:
    return list(AuditEntry.objects.order_by("seq"))


def verify_output() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def verify_error() -> str:
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", stdout=io.StringIO())
    return str(exc.value)


@contextmanager
def triggers_off():
    """Play the attacker with database access: switch off the append-only trigger.

    The test's transaction rolls the DDL back, so later tests get the trigger again."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
        yield cursor


def raw_row(seq: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT action, object_repr, hash FROM core_auditentry WHERE seq = %s", [seq]
        )
        return cursor.fetchone()


# --- the chain ------------------------------------------------------------------------------


def test_entries_are_numbered_from_one_and_each_links_to_the_one_before(db):
    # given an empty log
    assert AuditEntry.objects.count() == 0
    # when four entries are written
    written = write_entries(4)
    # then they are numbered 1..4, the first links to the genesis hash, each next one to its
    # predecessor, and the head remembers the tip
    rows = chain()
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert [r.prev_hash for r in rows] == [GENESIS, rows[0].hash, rows[1].hash, rows[2].hash]
    assert [r.hash for r in rows] == [e.hash for e in written]
    assert len({r.hash for r in rows}) == 4
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (4, rows[3].hash)


def test_the_hash_is_sha256_of_the_canonical_entry_in_the_standard_suite(db, settings):
    settings.CRYPTO_SUITE = "standard"
    (entry,) = write_entries(1)
    stored = AuditEntry.objects.get(seq=1)
    payload = json.loads(audit._payload(stored))
    assert payload["prev"] == GENESIS
    assert payload["after"] == {"i": 1, "名称": "东关村"}
    assert stored.algorithm == "standard"
    assert stored.hash == hashlib.sha256(audit._payload(stored)).hexdigest()
    assert entry.hash == stored.hash


def test_verify_reports_an_intact_chain_with_its_length(db):
    write_entries(5)
    assert verify_output() == "audit chain intact: 5 entries\n"


def test_verify_of_an_empty_log_is_intact(db):
    assert verify_output() == "audit chain intact: 0 entries\n"


# --- tampering ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "test.harmless"),
        ("object_repr", "somebody else"),
        ("object_id", "999"),
        ("actor_name", "cli:someone-else"),
        ("address", "10.9.9.9"),
        ("request_id", "forged-request-id"),
        ("org_path", "000000001"),
        ("channel", "web"),
        ("algorithm", "gm"),
    ],
)
def test_verify_names_the_entry_whose_content_was_altered(db, column, value):
    # given an intact chain of five
    write_entries(5)
    # when an attacker with database access rewrites one column of entry 3
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE core_auditentry SET {column} = %s WHERE seq = 3", [value])
    # then verify fails at entry 3, after verifying the two before it
    assert verify_error() == (
        "audit chain broken at entry 3: content altered (2 entries verified before it)"
    )


def test_verify_detects_an_altered_before_after_and_success(db):
    write_entries(3)
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    with triggers_off() as cursor:
        cursor.execute(
            f"UPDATE core_auditentry SET after = {json_value} WHERE seq = 2",
            [json.dumps({"i": 99})],
        )
    assert verify_error() == (
        "audit chain broken at entry 2: content altered (1 entries verified before it)"
    )


def test_verify_detects_a_flipped_success_flag(db):
    write_entries(3)
    with triggers_off() as cursor:
        cursor.execute("UPDATE core_auditentry SET success = %s WHERE seq = 1", [False])
    assert verify_error() == (
        "audit chain broken at entry 1: content altered (0 entries verified before it)"
    )


def test_verify_detects_a_recomputed_hash_by_the_broken_link_after_it(db):
    # given a chain of four, the attacker alters entry 2 and recomputes its own hash
    write_entries(4)
    forged = AuditEntry.objects.get(seq=2)
    forged.action = "test.harmless"
    forged_hash = audit.entry_hash(forged)
    with triggers_off() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET action = %s, hash = %s WHERE seq = 2",
            ["test.harmless", forged_hash],
        )
    # then entry 2 checks out on its own, but entry 3 no longer links to it
    assert verify_error() == (
        "audit chain broken at entry 3: link to previous entry broken "
        "(2 entries verified before it)"
    )


def test_verify_names_the_removed_middle_entry(db):
    write_entries(5)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = 3")
    assert verify_error() == (
        "audit chain broken at entry 3: missing or reordered entry (2 entries verified before it)"
    )


def test_verify_detects_entries_removed_from_the_end_through_the_head(db):
    # given five entries; the last two are removed (the rest of the chain is still consistent)
    write_entries(5)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq >= 4")
    assert [r.seq for r in chain()] == [1, 2, 3]
    # then the head, which remembers entry 5, gives the truncation away
    assert verify_error() == (
        "audit chain broken at entry 4: entries removed from the end (3 entries verified before it)"
    )


def test_verify_detects_a_deleted_head_row(db):
    # given a chain whose tail was cut and whose head row was deleted to hide it
    write_entries(3)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE seq = 3")
    AuditHead.objects.filter(pk=1).delete()
    # then the missing head is itself a finding: it vouches for none of the entries
    assert verify_error() == (
        "audit chain broken at entry 1: audit head missing or behind (0 entries verified before it)"
    )


def test_verify_detects_an_entry_appended_around_the_application(db):
    # given three entries, and a fourth forged with a correct link and hash but written
    # straight into the table, so the head does not know it
    write_entries(3)
    tip = AuditEntry.objects.get(seq=3)
    forged = AuditEntry(
        seq=4,
        at=tip.at,
        actor_name="cli:tester",
        action="test.write",
        algorithm=tip.algorithm,
        prev_hash=tip.hash,
    )
    forged.hash = audit.entry_hash(forged)
    forged.save(force_insert=True)
    # then verify names it
    assert verify_error() == (
        "audit chain broken at entry 4: audit head missing or behind (3 entries verified before it)"
    )


def test_verify_detects_a_head_that_does_not_match_the_tip(db):
    write_entries(2)
    AuditHead.objects.filter(pk=1).update(hash="f" * 64)
    assert verify_error() == (
        "audit chain broken at entry 2: audit head does not match the last entry "
        "(1 entries verified before it)"
    )


def test_verify_detects_two_entries_swapped(db):
    # given five entries; the attacker swaps the numbers of entries 2 and 3
    write_entries(5)
    original = {r.seq: r.hash for r in chain()}
    with triggers_off() as cursor:
        cursor.execute("UPDATE core_auditentry SET seq = -2 WHERE seq = 2")
        cursor.execute("UPDATE core_auditentry SET seq = 2 WHERE seq = 3")
        cursor.execute("UPDATE core_auditentry SET seq = 3 WHERE seq = -2")
    assert [r.hash for r in chain()] == [
        original[1],
        original[3],
        original[2],
        original[4],
        original[5],
    ]
    # then position 2 holds an entry that does not link to entry 1
    assert verify_error() == (
        "audit chain broken at entry 2: link to previous entry broken "
        "(1 entries verified before it)"
    )


def test_the_zuofeng_command_exits_1_on_a_broken_chain(db, monkeypatch, capsys):
    # The real console-script entry point, in-process: a subprocess could not see the test
    # transaction. Django closes every connection after a command, which would end the test's
    # transaction on PostgreSQL, so that one call is neutralised.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    write_entries(3)
    cli.main(["audit", "verify"])
    assert capsys.readouterr().out == "audit chain intact: 3 entries\n"

    with triggers_off() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'x' WHERE seq = 2")
    with pytest.raises(SystemExit) as exc:
        cli.main(["audit", "verify"])
    assert exc.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: audit chain broken at entry 2: content altered "
        "(1 entries verified before it)\n"
    )


# --- append-only ----------------------------------------------------------------------------


def test_the_application_cannot_save_an_existing_entry(db):
    write_entries(2)
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "test.harmless"
    with pytest.raises(PermissionError, match="append-only"):
        entry.save()
    assert raw_row(1)[0] == "test.write"
    assert verify_output() == "audit chain intact: 2 entries\n"


def test_the_application_cannot_delete_an_entry(db):
    write_entries(2)
    with pytest.raises(PermissionError, match="append-only"):
        AuditEntry.objects.get(seq=2).delete()
    assert [r.seq for r in chain()] == [1, 2]


def test_querysets_refuse_bulk_update_and_delete(db):
    write_entries(3)
    qs = AuditEntry.objects.filter(seq__gte=2)
    with pytest.raises(PermissionError, match="append-only"):
        qs.update(action="test.harmless")
    with pytest.raises(PermissionError, match="append-only"):
        qs.delete()
    with pytest.raises(PermissionError, match="append-only"):
        AuditEntry.objects.all().delete()
    entry = AuditEntry.objects.get(seq=3)
    entry.action = "test.harmless"
    # bulk_update runs inside an atomic block without a savepoint: give it one
    with pytest.raises(PermissionError, match="append-only"), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert [raw_row(s)[0] for s in (1, 2, 3)] == ["test.write"] * 3
    assert verify_output() == "audit chain intact: 3 entries\n"


def test_the_database_refuses_a_raw_update(db):
    write_entries(2)
    before = raw_row(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditentry SET action = 'test.harmless' WHERE seq = 1")
    assert raw_row(1) == before
    assert verify_output() == "audit chain intact: 2 entries\n"


def test_the_database_refuses_a_raw_delete_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite trigger refuses UPDATE only: Django's flush needs DELETE there")
    write_entries(2)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM core_auditentry WHERE seq = 2")
    assert [r.seq for r in chain()] == [1, 2]


# --- where from -----------------------------------------------------------------------------


def test_a_web_request_records_its_request_id_and_address(district, make_user):
    # given a user, and a browser behind no proxy that sends its own request id
    make_user("clerk", (Role.GRID_CADRE, district.town))
    client = Client(REMOTE_ADDR="10.20.30.40", HTTP_X_REQUEST_ID="req-0123456789")
    # when it logs in
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    # then the entry says which request, from where, over which channel
    assert response.status_code == 302
    assert response["X-Request-ID"] == "req-0123456789"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor_name, entry.request_id, entry.address, entry.channel) == (
        "login.success",
        "clerk",
        "req-0123456789",
        "10.20.30.40",
        "web",
    )


def test_a_malformed_request_id_is_replaced_and_only_the_local_proxy_may_name_the_client(
    district, make_user
):
    make_user("clerk", (Role.GRID_CADRE, district.town))
    # a remote client cannot choose its recorded address or inject text through the request id
    spoofing = Client(
        REMOTE_ADDR="10.20.30.40", HTTP_X_REAL_IP="1.2.3.4", HTTP_X_REQUEST_ID="bad id\nx"
    )
    response = spoofing.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "login.success"
    assert entry.address == "10.20.30.40"
    assert entry.request_id == response["X-Request-ID"]
    assert len(entry.request_id) == 32
    assert entry.request_id != "bad id\nx"
    # behind the documented nginx on the same host, X-Real-IP names the client
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="1.2.3.4")
    proxied.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert AuditEntry.objects.order_by("-seq").first().address == "1.2.3.4"


# --- 国密 -----------------------------------------------------------------------------------


def sm3(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def test_sm3_is_the_standard_sm3():
    # GB/T 32905-2016 Appendix A, example 1
    assert sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert audit.crypto.digest(b"abc", "gm") == sm3(b"abc")


def test_the_gm_suite_chains_with_sm3_and_verifies(db, settings):
    settings.CRYPTO_SUITE = "gm"
    write_entries(3)
    rows = chain()
    assert [r.algorithm for r in rows] == ["gm", "gm", "gm"]
    assert [r.hash for r in rows] == [sm3(audit._payload(r)) for r in rows]
    assert rows[0].hash != hashlib.sha256(audit._payload(rows[0])).hexdigest()
    assert verify_output() == "audit chain intact: 3 entries\n"


def test_a_chain_that_switches_suite_still_verifies_and_still_detects_tampering(db, settings):
    # given two entries in the standard suite, then two after switching to 国密
    settings.CRYPTO_SUITE = "standard"
    write_entries(2)
    settings.CRYPTO_SUITE = "gm"
    write_entries(2, start=3)
    assert [r.algorithm for r in chain()] == ["standard", "standard", "gm", "gm"]
    assert verify_output() == "audit chain intact: 4 entries\n"
    # when a 国密 entry is altered, it is still caught
    with triggers_off() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'x' WHERE seq = 4")
    assert verify_error() == (
        "audit chain broken at entry 4: content altered (3 entries verified before it)"
    )
