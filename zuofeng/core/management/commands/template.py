"""`zuofeng template KIND FILE.xlsx`: an empty sheet to fill in, with its allowed values."""

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import sheets


class Command(BaseCommand):
    help = (
        "Write an empty import template: the headers (required ones in red) and a second "
        "sheet, 可选值, of the allowed values."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="which template: " + ", ".join(sheets.kinds()))
        parser.add_argument("file", help="the .xlsx file to write")

    def handle(self, *args, kind, file, **options):
        try:
            sheets.write_template(kind, file)
        except (sheets.UnknownKind, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{kind}: template written to {file}")
