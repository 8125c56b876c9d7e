"""Identity and sessions: password rules, forced change, lockout, timeouts, disabling, demo."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from zuofeng.core.models import AuditEntry
from zuofeng.orgs import services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import ApiToken, PasswordHistory, User
from zuofeng.orgs.tests.factories import PASSWORD

LOGIN = "/accounts/login/"
LOGOUT = "/accounts/logout/"
PASSWORD_PAGE = "/accounts/password/"
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def fast_hashers(settings):
    # The production hasher takes most of a second per hash; the rules under test do not
    # depend on which hasher stores the password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def login(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def logged_in_as(client: Client) -> str | None:
    return client.session.get(SESSION_KEY)


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def entries_since(seq: int) -> list[tuple[str, str, bool]]:
    return list(
        AuditEntry.objects.filter(seq__gt=seq)
        .order_by("seq")
        .values_list("action", "actor_name", "success")
    )


@pytest.fixture
def clerk(district, make_user):
    return make_user("clerk", (Role.GRID_CADRE, district.town))


@pytest.fixture
def sysadmin(district, make_user):
    return make_user("sysadmin", (Role.SYSTEM_ADMIN, district.root))


# --- password rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "messages"),
    [
        ("Xq7!mzp", ["密码至少8位"]),
        ("qwmzpxkvtr", ["密码须包含大写字母、小写字母、数字、符号中的至少3类"]),
        ("qwmzpx4kvt", ["密码须包含大写字母、小写字母、数字、符号中的至少3类"]),
        ("QWMZPX!KVT", ["密码须包含大写字母、小写字母、数字、符号中的至少3类"]),
    ],
)
def test_weak_passwords_are_refused_and_nothing_changes(clerk, password, messages):
    before = (clerk.password, clerk.password_changed_at, PasswordHistory.objects.count())
    seq = last_seq()
    with pytest.raises(ValidationError) as exc:
        services.user_set_password(actor=clerk, user=clerk, password=password)
    assert exc.value.messages == messages
    clerk.refresh_from_db()
    after = (clerk.password, clerk.password_changed_at, PasswordHistory.objects.count())
    assert after == before
    assert clerk.check_password(PASSWORD)
    assert entries_since(seq) == []


@pytest.mark.parametrize("password", ["Qwmzpx4kvt", "qwmzpx4kv!", "QWMZPX4KV!", "Qw!mzpxkvt"])
def test_eight_characters_of_three_classes_are_enough(clerk, password):
    validate_password(password, clerk)


def test_the_last_five_passwords_cannot_be_reused_but_the_sixth_oldest_can(clerk):
    # given the initial password and five changes after it
    newer = ["Spring-2025a", "Summer-2025b", "Autumn-2025c", "Winter-2025d", "Monsoon-2025e"]
    for password in newer:
        services.user_set_password(actor=clerk, user=clerk, password=password)
    assert PasswordHistory.objects.filter(user=clerk).count() == 6
    # then each of the last five (the current one included) is refused, and nothing changes
    seq = last_seq()
    for password in newer:
        with pytest.raises(ValidationError) as exc:
            services.user_set_password(actor=clerk, user=clerk, password=password)
        assert exc.value.messages == ["不能使用最近5次用过的密码"]
    clerk.refresh_from_db()
    assert clerk.check_password("Monsoon-2025e")
    assert entries_since(seq) == []
    # and the initial password, now the sixth-oldest, may be used again
    services.user_set_password(actor=clerk, user=clerk, password=PASSWORD)
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)
    assert PasswordHistory.objects.filter(user=clerk).count() == 7
    assert entries_since(seq) == [("user.password", "clerk", True)]


# --- forced change and expiry ---------------------------------------------------------------


def test_the_initial_password_must_be_changed_before_any_page(district):
    # given an account created with an initial password
    with time_machine.travel(T0, tick=False) as clock:
        user, initial = services.user_create(actor=None, username="newbie")
        services.role_grant(actor=None, user=user, role=Role.LEAD_OFFICE, org=district.root)
        assert user.must_change_password is True
        client = Client()
        assert login(client, "newbie", initial).status_code == 302
        # then every page sends it to the password page
        for page in ["/", "/orgs/", f"/orgs/{district.town.code}/", "/people/", "/manage/users/"]:
            response = client.get(page)
            assert (page, response.status_code, response["Location"]) == (
                page,
                302,
                PASSWORD_PAGE,
            )
        assert client.get(PASSWORD_PAGE).status_code == 200
        # when it changes the password
        clock.shift(5 * MIN)
        seq = last_seq()
        response = client.post(
            PASSWORD_PAGE,
            {
                "old_password": initial,
                "new_password": "Fresh-Start-9",
                "new_password2": "Fresh-Start-9",
            },
        )
        # then it stays logged in and the pages open
        assert (response.status_code, response["Location"]) == (302, "/")
        assert client.get("/").status_code == 200
        assert client.get("/orgs/").status_code == 200
    user.refresh_from_db()
    assert user.must_change_password is False
    assert user.password_changed_at == T0 + 5 * MIN
    assert user.check_password("Fresh-Start-9")
    assert entries_since(seq) == [("user.password", "newbie", True)]
    entry = AuditEntry.objects.get(seq=seq + 1)
    assert (entry.actor_id, entry.object_id, entry.after) == (
        user.pk,
        str(user.pk),
        {"reset": False},
    )


def test_a_wrong_current_password_changes_nothing(district):
    user, initial = services.user_create(actor=None, username="newbie")
    client = Client()
    login(client, "newbie", initial)
    seq, password = last_seq(), User.objects.get(pk=user.pk).password
    response = client.post(
        PASSWORD_PAGE,
        {
            "old_password": "Not-It-123",
            "new_password": "Fresh-Start-9",
            "new_password2": "Fresh-Start-9",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"old_password": ["当前密码不正确"]}
    user.refresh_from_db()
    assert (user.password, user.must_change_password) == (password, True)
    assert entries_since(seq) == []
    assert client.get("/")["Location"] == PASSWORD_PAGE


def test_a_password_expires_after_90_days(clerk):
    # given a password set on T0 (make_user runs now; the clock is moved relative to it)
    clerk.password_changed_at = T0
    clerk.save(update_fields=["password_changed_at"])
    with time_machine.travel(T0 + dt.timedelta(days=89, hours=23), tick=False):
        client = Client()
        login(client, "clerk")
        assert client.get("/").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(days=90), tick=False):
        client = Client()
        login(client, "clerk")
        response = client.get("/")
        assert (response.status_code, response["Location"]) == (302, PASSWORD_PAGE)
        assert client.get(PASSWORD_PAGE).status_code == 200


# --- lockout --------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_30_minutes(clerk):
    seq = last_seq()
    with time_machine.travel(T0, tick=False) as clock:
        client = Client()
        # given four wrong passwords: the form says so
        for _ in range(4):
            assert login(client, "clerk", "Wrong-Pass-1").status_code == 200
        # when the fifth is wrong, the account is locked
        response = login(client, "clerk", "Wrong-Pass-1")
        assert response.status_code == 403
        assert response.context["locked"] is True
        # then even the right password is refused while it is locked
        response = login(client, "clerk")
        assert response.status_code == 403
        assert logged_in_as(client) is None
        clock.shift(29 * MIN)
        assert login(Client(), "clerk").status_code == 403
        assert entries_since(seq) == [
            *[("login.failure", "clerk", False)] * 5,
            ("login.locked", "clerk", False),
            ("login.failure", "clerk", False),
            ("login.locked", "clerk", False),
            ("login.failure", "clerk", False),
            ("login.locked", "clerk", False),
        ]
        # a try during the lock restarts its 30 minutes; after them the right password works
        clock.shift(30 * MIN + dt.timedelta(seconds=1))
        seq = last_seq()
        response = login(client, "clerk")
        assert (response.status_code, response["Location"]) == (302, "/")
        assert logged_in_as(client) == str(clerk.pk)
    assert entries_since(seq) == [("login.success", "clerk", True)]
    assert AccessAttempt.objects.filter(username="clerk").count() == 0


def test_the_lock_lasts_30_minutes_from_the_last_attempt(clerk):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            login(Client(), "clerk", "Wrong-Pass-1")
        clock.shift(30 * MIN - dt.timedelta(seconds=1))
        assert login(Client(), "clerk").status_code == 403
        clock.shift(30 * MIN + dt.timedelta(seconds=1))
        client = Client()
        assert login(client, "clerk").status_code == 302
        assert logged_in_as(client) == str(clerk.pk)


def test_the_lock_is_per_account(clerk, make_user, district):
    make_user("other", (Role.GRID_CADRE, district.town))
    for _ in range(5):
        login(Client(), "clerk", "Wrong-Pass-1")
    client = Client()
    assert login(client, "other").status_code == 302
    assert login(Client(), "clerk").status_code == 403


def test_failures_are_audited_with_what_was_tried(clerk):
    seq = last_seq()
    login(Client(REMOTE_ADDR="10.0.0.7"), "clerk", "Wrong-Pass-1")
    login(Client(REMOTE_ADDR="10.0.0.7"), "nobody", "Wrong-Pass-1")
    known, unknown = AuditEntry.objects.filter(seq__gt=seq).order_by("seq")
    assert (known.action, known.actor_id, known.actor_name, known.object_type) == (
        "login.failure",
        None,
        "clerk",
        "orgs.user",
    )
    assert (known.object_id, known.object_repr, known.success, known.address) == (
        str(clerk.pk),
        "clerk",
        False,
        "10.0.0.7",
    )
    assert (unknown.action, unknown.actor_name, unknown.object_id, unknown.object_repr) == (
        "login.failure",
        "nobody",
        "",
        "nobody",
    )
    # the password tried is never recorded
    assert "Wrong-Pass-1" not in str(known.before) + str(known.after)


def test_a_successful_login_is_audited(clerk):
    seq = last_seq()
    client = Client()
    assert login(client, "clerk").status_code == 302
    (entry,) = AuditEntry.objects.filter(seq__gt=seq)
    assert (entry.action, entry.actor_id, entry.object_id, entry.success) == (
        "login.success",
        clerk.pk,
        str(clerk.pk),
        True,
    )


# --- session timeouts -----------------------------------------------------------------------


def test_idle_for_more_than_30_minutes_ends_the_session(clerk):
    with time_machine.travel(T0, tick=False) as clock:
        client = Client()
        login(client, "clerk")
        # activity after 29 minutes keeps it alive, and restarts the idle clock
        clock.shift(29 * MIN)
        assert client.get("/").status_code == 200
        clock.shift(30 * MIN)
        assert client.get("/orgs/").status_code == 200
        # 31 minutes of silence end it
        clock.shift(31 * MIN)
        seq = last_seq()
        response = client.get("/orgs/")
        assert (response.status_code, response["Location"]) == (
            302,
            "/accounts/login/?next=/orgs/&timeout=1",
        )
        assert logged_in_as(client) is None
        assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert entries_since(seq) == [("logout.timeout", "clerk", True)]
    assert AuditEntry.objects.get(seq=seq + 1).after == {"reason": "idle"}


def test_a_session_ends_12_hours_after_login_however_active(clerk):
    with time_machine.travel(T0, tick=False) as clock:
        client = Client()
        login(client, "clerk")
        # given a request every 20 minutes up to exactly 12 hours
        for _ in range(36):
            clock.shift(20 * MIN)
            assert client.get("/").status_code == 200
        # when the next comes one minute later (not idle, but past 12 hours)
        clock.shift(MIN)
        seq = last_seq()
        response = client.get("/")
        # then the session is over
        assert (response.status_code, response["Location"]) == (
            302,
            "/accounts/login/?next=/&timeout=1",
        )
        assert logged_in_as(client) is None
    assert entries_since(seq) == [("logout.timeout", "clerk", True)]
    assert AuditEntry.objects.get(seq=seq + 1).after == {"reason": "absolute"}


# --- disabling, demo accounts, logout -------------------------------------------------------


def test_disabling_a_user_ends_their_session_and_revokes_their_tokens(clerk, sysadmin):
    # given a logged-in user with an API token
    client = Client()
    login(client, "clerk")
    assert client.get("/").status_code == 200
    services.token_create(actor=sysadmin, user=clerk, name="script")
    seq = last_seq()
    # when an administrator disables the account
    services.user_set_active(actor=sysadmin, user=clerk, active=False)
    # then the next request is anonymous, and the tokens are revoked
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert ApiToken.objects.get(user=clerk).revoked_at is not None
    entry = AuditEntry.objects.get(seq=seq + 1)
    assert (entry.action, entry.actor_name, entry.object_id, entry.after) == (
        "user.disable",
        "sysadmin",
        str(clerk.pk),
        {"is_active": False},
    )
    assert last_seq() == seq + 1
    # and re-enabling the account does not bring the old session back
    services.user_set_active(actor=sysadmin, user=clerk, active=True)
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    # nor can a disabled account log in
    services.user_set_active(actor=sysadmin, user=clerk, active=False)
    fresh = Client()
    assert login(fresh, "clerk").status_code == 200
    assert logged_in_as(fresh) is None


def test_demo_accounts_log_in_only_in_demo_mode(district, settings):
    user, _ = services.user_create(
        actor=None,
        username="demo-lead",
        password=PASSWORD,
        must_change_password=False,
        is_demo=True,
    )
    services.role_grant(actor=None, user=user, role=Role.LEAD_OFFICE, org=district.root)
    # outside demo mode the account does not exist as far as login goes
    settings.DEMO_MODE = False
    seq = last_seq()
    client = Client()
    assert login(client, "demo-lead").status_code == 200
    assert logged_in_as(client) is None
    assert entries_since(seq) == [("login.failure", "demo-lead", False)]
    # in demo mode it logs in
    settings.DEMO_MODE = True
    assert login(client, "demo-lead").status_code == 302
    assert client.get("/").status_code == 200
    # and a demo session does not outlive demo mode
    settings.DEMO_MODE = False
    assert client.get("/")["Location"] == "/accounts/login/?next=/"


def test_logout_is_audited_and_ends_the_session(clerk):
    client = Client()
    login(client, "clerk")
    seq = last_seq()
    # a GET does not log out (and records nothing)
    assert client.get(LOGOUT).status_code == 405
    assert entries_since(seq) == []
    response = client.post(LOGOUT)
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert logged_in_as(client) is None
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    assert entries_since(seq) == [("logout", "clerk", True)]
    assert AuditEntry.objects.get(seq=seq + 1).actor_id == clerk.pk
