"""`zuofeng audit verify`: prove the audit chain unbroken."""

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import audit


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` walks the hash chain and reports the first bad entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        sub.add_parser("verify", help="verify the hash chain")

    def handle(self, *args, op, **options):
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at entry {result.bad_seq}: {result.reason} "
                f"({result.count} entries verified before it)"
            )
        self.stdout.write(f"audit chain intact: {result.count} entries")
