"""`zuofeng demo`: build the demo district once, keep one demo account per role, optionally serve.

The district loads through the spreadsheet import (`zuofeng.core.sheets.run_import`), the one
entry path for every district's data. The accounts are flagged `is_demo`: the authentication
backend refuses them unless the server runs with ZUOFENG_DEMO=1, which `--serve` sets.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from zuofeng.core import audit
from zuofeng.core.models import AuditEntry
from zuofeng.orgs import demo, services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import Org, PasswordHistory, User
from zuofeng.orgs.passwords import password_expired

# One password for every demo account: it passes the password rules, and it is printed.
DEMO_PASSWORD = "Demo@2025zf"

# (username, role, org code, display name)
ACCOUNTS: tuple[tuple[str, Role, str, str], ...] = (
    ("demo_lead", Role.LEAD_OFFICE, demo.ROOT_CODE, "演示·牵头办"),
    ("demo_unit", Role.UNIT_ADMIN, demo.FINANCE, "演示·单位管理员"),
    ("demo_branch", Role.BRANCH_SECRETARY, demo.CHENJIAAO, "演示·支部书记"),
    ("demo_grid", Role.GRID_CADRE, demo.ZONE, "演示·联企干部"),
    ("demo_inspector", Role.INSPECTOR, demo.ROOT_CODE, "演示·纪检监督"),
    ("demo_leader", Role.LEADER, demo.ROOT_CODE, "演示·领导"),
    ("demo_sysadmin", Role.SYSTEM_ADMIN, demo.ROOT_CODE, "演示·系统管理员"),
    ("demo_secadmin", Role.SECURITY_ADMIN, demo.ROOT_CODE, "演示·安全管理员"),
    ("demo_auditor", Role.AUDIT_ADMIN, demo.ROOT_CODE, "演示·审计管理员"),
)


class Command(BaseCommand):
    help = (
        "Build the demo district (once) and its demo accounts, print the accounts, and with "
        "--serve run the server in demo mode (the only mode in which demo accounts log in)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--serve", action="store_true", help="serve in demo mode afterwards")
        parser.add_argument("--port", type=int, default=None, help="port (env PORT, else 8000)")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="generator seed")
        parser.add_argument(
            "--reset", action="store_true", help="delete the database first and rebuild"
        )
        parser.add_argument(
            "--yes", action="store_true", help="confirm --reset of a database with other data"
        )

    def handle(self, *args, serve, port, seed, reset, yes, **options):
        port = _port(port)
        if reset:
            self._reset(yes=yes)
        call_command("migrate", interactive=False, verbosity=0)
        if Org.objects.filter(code=demo.ROOT_CODE, parent__isnull=True).exists():
            self.stdout.write("demo district exists (zuofeng demo --reset rebuilds it)")
        elif Org.objects.exists():
            raise CommandError(
                "this database already holds a district that is not the demo; "
                "point ZUOFENG_HOME (or DATABASE_URL) at another database for the demo"
            )
        else:
            self._build(seed)
        self._build_apps()
        self._print_accounts(self._accounts())
        if serve:
            # Set before exec: gunicorn's workers read ZUOFENG_DEMO when they load settings.
            os.environ["ZUOFENG_DEMO"] = "1"
            settings.DEMO_MODE = True
            self.stdout.flush()
            call_command("serve", port=port, no_migrate=True)

    # --- the district ---------------------------------------------------------------------

    def _build(self, seed: int) -> None:
        from zuofeng.core.sheets import ImportFailed, run_import

        started = time.perf_counter()
        rows = demo.district(seed)
        self.stdout.write(
            f"building the demo district (seed {seed}): "
            f"{len(rows.orgs)} orgs, {len(rows.people)} people …"
        )
        self.stdout.flush()
        try:
            with transaction.atomic():  # both sheets or neither
                orgs = run_import("orgs", rows.orgs)
                people = run_import("people", rows.people)
        except ImportFailed as exc:
            lines = [
                f"  row {row}, {column or '-'}: {message}" for row, column, message in exc.errors
            ]
            raise CommandError(
                "the demo district did not import:\n" + "\n".join(lines[:20])
            ) from exc
        self.stdout.write(
            f"demo district built in {time.perf_counter() - started:.1f} s "
            f"({orgs.created} orgs, {people.created} people)"
        )

    def _build_apps(self) -> None:
        """Each app's demo records (core.demo hooks), once: a second run reuses them."""
        from zuofeng.core import demo as hooks

        for builder in hooks.builders():
            if builder.exists():
                continue
            with transaction.atomic():
                self.stdout.write(f"demo {builder.name}: {builder.build()}")

    def _reset(self, *, yes: bool) -> None:
        db = connection.settings_dict
        if connection.vendor != "sqlite":
            if not yes:
                raise CommandError(
                    "--reset drops every table of this database; add --yes to confirm"
                )
            # Drop rather than flush: migrate then rebuilds the tables *and* the catalogues
            # the data migrations seed.
            tables = connection.introspection.django_table_names(include_views=False)
            tables += ["django_migrations"]
            existing = set(connection.introspection.table_names())
            with transaction.atomic(), connection.cursor() as cursor:
                for table in tables:
                    if table in existing:
                        cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)} CASCADE")
            self.stdout.write(f"dropped {len(existing & set(tables))} tables")
            return
        name = str(db["NAME"])
        if name == ":memory:" or name.startswith("file:"):
            raise CommandError("--reset needs an SQLite database file")
        path = Path(name)
        if path.exists() and not yes and _holds_other_data():
            raise CommandError(
                f"{path} holds data besides the demo (other orgs or accounts); "
                "add --yes to delete it anyway"
            )
        connections.close_all()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.stdout.write(f"deleted {path}")

    # --- the accounts ---------------------------------------------------------------------

    def _accounts(self) -> list[tuple[User, Role, Org]]:
        """Create the missing demo accounts; reset the others to the demo password."""
        existing = {u.username: u for u in User.objects.filter(username__in=_usernames())}
        for username, *_ in ACCOUNTS:
            user = existing.get(username)
            if user is not None and not user.is_demo:
                raise CommandError(f"user {username} exists and is not a demo account")
        result = []
        for username, role, code, display_name in ACCOUNTS:
            org = Org.objects.get(code=code)
            user = existing.get(username)
            if user is None:
                user, _ = services.user_create(
                    actor=None,
                    username=username,
                    password=DEMO_PASSWORD,
                    display_name=display_name,
                    must_change_password=False,
                    is_demo=True,
                )
            else:
                _restore(user, password_stale=not _has_demo_password(user))
            services.role_grant(actor=None, user=user, role=role, org=org)
            result.append((user, role, org))
        return result

    def _print_accounts(self, accounts) -> None:
        self.stdout.write("")
        self.stdout.write("demo accounts (they log in only in demo mode, ZUOFENG_DEMO=1):")
        rows = [("username", "role", "org", "password")]
        rows += [
            (u.username, str(role.label), org.label, DEMO_PASSWORD) for u, role, org in accounts
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)]
            self.stdout.write("  " + "  ".join(cells).rstrip())
        self.stdout.write("")


def _usernames() -> list[str]:
    return [a[0] for a in ACCOUNTS]


@transaction.atomic
def _restore(user: User, *, password_stale: bool) -> None:
    """Put a demo account back as printed: demo password, active, not locked, not expired.

    The password rules' history check would refuse the demo password once it was changed
    away from in a demo session, so the reset is written here directly and audited.
    """
    from axes.utils import reset as axes_reset

    axes_reset(username=user.username)
    now = timezone.now()
    expired = password_expired(user, now)
    if not (password_stale or expired or user.must_change_password or not user.is_active):
        return
    if password_stale:
        user.set_password(DEMO_PASSWORD)
    user.password_changed_at = now
    user.must_change_password = False
    user.is_active = True
    user.save(
        update_fields=["password", "password_changed_at", "must_change_password", "is_active"]
    )
    if password_stale:
        PasswordHistory.objects.create(user=user, password=user.password)
    audit.record(
        actor=services.cli_actor(),
        action="user.password",
        obj=user,
        after={"reset": True, "demo": True},
    )


def _has_demo_password(user: User) -> bool:
    """Whether the account still has the demo password.

    Checking a password costs half a second (PBKDF2), so first ask the append-only audit log:
    if the last password write was this command's (creation or demo reset) and the hash is
    still the one it recorded, the password is the demo password. Otherwise check it.
    """
    last = (
        AuditEntry.objects.filter(
            object_type=User._meta.label_lower,
            object_id=str(user.pk),
            action__in=("user.create", "user.password"),
        )
        .order_by("-seq")
        .first()
    )
    recorded = user.password_history.values_list("password", flat=True).first()
    ours = (
        last is not None
        and last.actor_name.startswith("cli")
        and (last.action == "user.create" or (last.after or {}).get("demo") is True)
    )
    if ours and recorded == user.password:
        return True
    return check_password(DEMO_PASSWORD, user.password)


def _holds_other_data() -> bool:
    """Whether the database holds anything the demo did not make (read before deleting it)."""
    try:
        root = Org.objects.filter(parent__isnull=True).exclude(code=demo.ROOT_CODE).exists()
        users = User.objects.filter(is_demo=False).exists()
    except DatabaseError:  # not migrated: nothing of value in it
        return False
    finally:
        connections.close_all()
    return root or users


def _port(port: int | None) -> int:
    if port is None:
        raw = os.environ.get("PORT", "8000")
        try:
            port = int(raw)
        except ValueError as exc:
            raise CommandError(f"PORT must be a number, got {raw!r}") from exc
    if not 0 < port < 65536:
        raise CommandError("--port must be between 1 and 65535")
    return port


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)
