"""`zuofeng calendar add DATE N` and `zuofeng calendar between DATE1 DATE2`."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core.calendar import WorkCalendar


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Working-day arithmetic over China's official calendar and the override table."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="op", required=True)
        add = sub.add_parser("add", help="print the date N working days after DATE")
        add.add_argument("date")
        add.add_argument("n")
        between = sub.add_parser(
            "between", help="working days after DATE1 up to and including DATE2"
        )
        between.add_argument("date1")
        between.add_argument("date2")

    def handle(self, *args, op, **opts):
        calendar = WorkCalendar()
        if op == "add":
            try:
                n = int(opts["n"])
            except ValueError as exc:
                raise CommandError(f"N must be an integer: {opts['n']}") from exc
            if abs(n) > 3650:
                raise CommandError("N must be between -3650 and 3650")
            self.stdout.write(calendar.add_workdays(_date(opts["date"]), n).isoformat())
        else:
            self.stdout.write(
                str(calendar.workdays_between(_date(opts["date1"]), _date(opts["date2"])))
            )
