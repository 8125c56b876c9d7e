"""`zuofeng race compute RACE SEASON` and `zuofeng race publish RACE SEASON`.

RACE is the race's id or its exact name; SEASON its code (2025-Q2). Exit 1 with the reason on
any refusal (unknown race or season, a published season, a board whose weights do not add up).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zuofeng.races import services
from zuofeng.races.models import BoardScore, Race, TalkFlag


class Command(BaseCommand):
    help = "Compute or publish a season of a race (四季比拼、五榜赛马)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["compute", "publish"])
        parser.add_argument("race", help="race id or exact name")
        parser.add_argument("season", help="season code, e.g. 2025-Q2")

    def handle(self, *args, action, race, season, **options):
        found = Race.objects.filter(pk=int(race)) if race.isdigit() else Race.objects.none()
        found = found or Race.objects.filter(name=race)
        obj = found.first()
        if obj is None:
            raise CommandError(f"unknown race: {race}")
        target = obj.seasons.filter(code=season).first()
        if target is None:
            codes = ", ".join(obj.seasons.values_list("code", flat=True)) or "none"
            raise CommandError(f"unknown season: {season} (seasons: {codes})")
        try:
            if action == "compute":
                services.season_compute(actor=None, season=target)
            else:
                services.season_publish(actor=None, season=target)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        scores = BoardScore.objects.filter(season=target)
        self.stdout.write(
            f"{obj.name} {target.code}: {action.rstrip('e')}ed — {scores.count()} board scores, "
            f"{scores.filter(red=True).count()} on red lists, "
            f"{scores.filter(black=True).count()} on black lists"
        )
        for flag in TalkFlag.objects.filter(season=target).select_related("participant", "board"):
            self.stdout.write(
                f"约谈: {flag.participant.code} {flag.participant.name} "
                f"({flag.board.name}, {flag.seasons})"
            )
