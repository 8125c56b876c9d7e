"""`zuofeng token create USERNAME`: print a bearer token for the API."""

from django.core.management.base import BaseCommand, CommandError

from zuofeng.orgs import services
from zuofeng.orgs.models import User


class Command(BaseCommand):
    help = "API tokens. `token create USERNAME [--days N] [--name NAME]` prints a new token."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        create = sub.add_parser("create", help="issue a bearer token")
        create.add_argument("username")
        create.add_argument("--days", type=int, default=None)
        create.add_argument("--name", default="")

    def handle(self, *args, op, username, days, name, **opts):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user named {username}")
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        self.stdout.write(services.token_create(actor=None, user=user, name=name, days=days))
