"""`zuofeng sweep [--date YYYY-MM-DD]`: warning colours and breaches for every closed loop.

Idempotent and safe on two workers at once: run it from cron every few minutes."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zuofeng.core.loops import registered_sweeps


class Command(BaseCommand):
    help = "Set warning colours and record breaches on every closed-loop record."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="sweep as of this date (default today)")

    def handle(self, *args, date=None, **opts):
        try:
            today = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"not a date (YYYY-MM-DD): {date}") from exc
        for name, sweep in sorted(registered_sweeps().items()):
            result = sweep(today)
            colours = ", ".join(f"{k} {v}" for k, v in result.recoloured.items())
            self.stdout.write(f"{name}: recoloured {colours}; breached {len(result.breached)}")
