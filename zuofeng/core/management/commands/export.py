"""`zuofeng export KIND FILE.xlsx [--scope CODE] [--full]`: the import's columns, masked."""

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import sheets


class Command(BaseCommand):
    help = (
        "Export records as xlsx in the same columns the import reads. Phone and ID numbers are "
        "masked unless --full; the export is written to the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="what to export: " + ", ".join(sheets.kinds()))
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--scope", metavar="CODE", help="only this org's subtree")
        parser.add_argument(
            "--full", action="store_true", help="phone and ID numbers in full (audited)"
        )

    def handle(self, *args, kind, file, scope, full, **options):
        try:
            count = sheets.export_file(kind, file, actor=None, scope=scope, full=full)
        except (sheets.UnknownKind, sheets.ExportError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{kind}: exported {count} rows to {file}")
