"""`zuofeng indicators`: every figure of the platform for a scope and a period.

zuofeng indicators --scope CODE --from YYYY-MM-DD --to YYYY-MM-DD [--key KEY ...]
                   [--filter name=value ...] [--json]
zuofeng indicators --list
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import indicators as reg
from zuofeng.dashboard import selectors
from zuofeng.orgs.models import Org


def _date(value: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise CommandError(f"{flag} must be a date YYYY-MM-DD, got {value!r}") from exc


_number = selectors.plain


class Command(BaseCommand):
    help = "Compute indicators for an org's subtree over a period (inclusive dates)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="list the registered indicators")
        parser.add_argument("--scope", help="org code: its whole subtree")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--key", action="append", default=[], help="indicator key")
        parser.add_argument("--filter", action="append", default=[], help="name=value")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--by-child", action="store_true", help="one row per child org of the scope"
        )
        parser.add_argument("--xlsx", metavar="FILE", help="write the table to an xlsx file")

    def handle(self, *args, **o):
        if o["list"]:
            for key, indicator in reg.registry().items():
                filters = ",".join(sorted(indicator.filters)) or "-"
                self.stdout.write(f"{key}\t{indicator.label}\t{indicator.unit}\t{filters}")
            return
        if not (o["scope"] and o["start"] and o["end"]):
            raise CommandError("give --scope, --from and --to (or --list)")
        scope = Org.objects.filter(code=o["scope"]).first()
        if scope is None:
            raise CommandError(f"unknown scope (org code): {o['scope']}")
        try:
            filters = selectors.parse_filters(o["filter"])
            period = reg.Period(_date(o["start"], "--from"), _date(o["end"], "--to"))
            keys = o["key"] or None
            if o["by_child"] or o["xlsx"]:
                return self._table(scope, period, keys, filters, o)
            figures = selectors.figures(scope, period, keys, filters)
        except reg.IndicatorError as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.stdout.write(
                json.dumps(selectors.figures_json(scope, period, figures), ensure_ascii=False)
            )
            return
        self.stdout.write(f"{scope.name} ({scope.code})  {period.start} – {period.end}")
        for f in figures:
            if f.value is None:
                shown = "—"
            elif f.unit == "%":
                shown = f"{float(f.value) * 100:.1f}%"
            else:
                shown = f"{_number(f.value)} {f.unit}"
            self.stdout.write(f"  {f.key:<40} {f.label:<20} {shown}")

    def _table(self, scope, period, keys, filters, o) -> None:
        """Child orgs (or the scope) × indicators, printed as tab-separated text or to xlsx."""
        keys = keys or list(reg.registry())
        if o["by_child"]:
            table = selectors.table_by_child(scope, period, keys, filters)
        else:
            table = selectors.table_for_scope(scope, period, keys, filters)
        if o["xlsx"]:
            with open(o["xlsx"], "wb") as fh:
                fh.write(selectors.table_xlsx(table, period))
            self.stdout.write(f"{len(table.rows)} rows × {len(keys)} indicators → {o['xlsx']}")
            return
        self.stdout.write("\t".join([table.row_header, *keys]))
        for name, values in table.rows:
            self.stdout.write(
                "\t".join([name, *("" if v is None else str(_number(v)) for v in values)])
            )
