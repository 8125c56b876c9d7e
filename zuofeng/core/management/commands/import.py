"""`zuofeng import KIND FILE.xlsx [--dry-run]`: all or nothing, every bad row listed."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zuofeng.core import sheets

MAX_LINES = 200  # enough to fix a file by; the page's error report lists them all


class Command(BaseCommand):
    help = (
        "Import the first sheet of an xlsx file (orgs, people, …). Every row is validated first; "
        "any bad row prints `第N行 列名: reason`, exits 1 and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="what the sheet holds: " + ", ".join(sheets.kinds()))
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and count only; write nothing"
        )

    def handle(self, *args, kind, file, dry_run, **options):
        try:
            report = sheets.run_import_file(kind, file, actor=None, dry_run=dry_run)
        except (sheets.UnknownKind, sheets.InvalidFile) as exc:
            raise CommandError(str(exc)) from exc
        except sheets.ImportFailed as exc:
            lines = exc.lines()
            for line in lines[:MAX_LINES]:
                self.stderr.write(line)
            if len(lines) > MAX_LINES:
                self.stderr.write(_("……另有%(n)d处错误未列出") % {"n": len(lines) - MAX_LINES})
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
