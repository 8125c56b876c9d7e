"""`zuofeng user add USERNAME --org CODE --role ROLE [--password P]`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from zuofeng.orgs import services
from zuofeng.orgs.choices import Role
from zuofeng.orgs.models import Org, User


class Command(BaseCommand):
    help = "Create a user or add roles to one. --org/--role pairs may repeat."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add", help="create USERNAME (or extend it) with roles at orgs")
        add.add_argument("username")
        add.add_argument("--org", action="append", default=[], help="org code (repeatable)")
        add.add_argument(
            "--role",
            action="append",
            default=[],
            help=f"role code (repeatable): {', '.join(Role.values)}",
        )
        add.add_argument("--password", help="initial password (generated when omitted)")
        add.add_argument("--name", default="", help="display name")
        add.add_argument(
            "--no-change-required",
            action="store_true",
            help="do not force a password change at first login",
        )

    def handle(self, *args, op, username, org, role, password, name, **opts):
        if len(org) != len(role):
            raise CommandError("give one --org for each --role")
        pairs = []
        for code, role_code in zip(org, role, strict=True):
            target = Org.objects.filter(code=code).first()
            if target is None:
                raise CommandError(f"unknown org code: {code}")
            if role_code not in Role.values:
                raise CommandError(f"unknown role: {role_code} (one of {', '.join(Role.values)})")
            pairs.append((target, role_code))
        try:
            with transaction.atomic():
                user = User.objects.filter(username=username).first()
                created_password = None
                if user is None:
                    user, created_password = services.user_create(
                        actor=None,
                        username=username,
                        password=password,
                        display_name=name,
                        must_change_password=not opts["no_change_required"],
                    )
                elif password:
                    services.user_set_password(
                        actor=None,
                        user=user,
                        password=password,
                        initial=not opts["no_change_required"],
                    )
                for target, role_code in pairs:
                    services.role_grant(actor=None, user=user, role=role_code, org=target)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if created_password:
            self.stdout.write(f"created user {username} with password {created_password}")
        else:
            self.stdout.write(f"updated user {username}")
        for target, role_code in pairs:
            self.stdout.write(f"  role {role_code} at {target.code} {target.name}")
