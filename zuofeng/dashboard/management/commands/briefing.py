"""`zuofeng briefing`: write the 工作简报 of a scope and period to a Word file.

zuofeng briefing --scope CODE --from YYYY-MM-DD --to YYYY-MM-DD --out FILE.docx [--number N]
                 [--template NAME] [--issuer TEXT] [--date YYYY-MM-DD]
zuofeng briefing --default-template FILE.docx   (write the default template, to edit in Word)
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import indicators as reg
from zuofeng.dashboard import briefing, services
from zuofeng.dashboard.management.commands.indicators import _date
from zuofeng.orgs.models import Org


class Command(BaseCommand):
    help = "Generate a briefing (Word) whose figures are computed from the records."

    def add_arguments(self, parser):
        parser.add_argument("--scope", help="org code: its whole subtree")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (inclusive)")
        parser.add_argument("--out", help="the .docx file to write")
        parser.add_argument("--number", type=int, help="issue number (第N期); default: next")
        parser.add_argument("--template", help="name of an uploaded template (default: built-in)")
        parser.add_argument("--issuer", help="编发单位 (default: the scope's 作风建设工作专班)")
        parser.add_argument("--date", help="印发日期, YYYY-MM-DD (default: today)")
        parser.add_argument("--default-template", metavar="FILE", help="write the default template")

    def handle(self, *args, **o):
        if o["default_template"]:
            Path(o["default_template"]).write_bytes(briefing.default_template())
            self.stdout.write(f"default template written to {o['default_template']}")
            return
        if not (o["scope"] and o["start"] and o["end"] and o["out"]):
            raise CommandError("give --scope, --from, --to and --out (or --default-template)")
        if not o["out"].lower().endswith(".docx"):
            raise CommandError("--out must name a .docx file")
        scope = Org.objects.filter(code=o["scope"]).first()
        if scope is None:
            raise CommandError(f"unknown scope (org code): {o['scope']}")
        try:
            period = reg.Period(_date(o["start"], "--from"), _date(o["end"], "--to"))
            document, number = services.briefing_make(
                actor=None,
                scope=scope,
                period=period,
                number=o["number"],
                template=o["template"],
                issuer=o["issuer"],
                day=_date(o["date"], "--date") if o["date"] else None,
            )
        except (reg.IndicatorError, briefing.BriefingError) as exc:
            raise CommandError(str(exc)) from exc
        Path(o["out"]).write_bytes(document)
        self.stdout.write(f"briefing 第{number}期 written to {o['out']}")
