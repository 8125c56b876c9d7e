"""`zuofeng subtree --check | --rebuild`: the holder paths copied onto the record tables.

`--check` counts, per table, the rows whose copied path differs from their holder org's path
and exits 1 if there is any. `--rebuild` puts the triggers back and rewrites every stale copy
(after a restore that bypassed the triggers, for instance); it is idempotent."""

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import subtree


class Command(BaseCommand):
    help = "Check or rebuild the org paths copied onto activities, problems and requests."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="count stale copies; exit 1")
        action.add_argument("--rebuild", action="store_true", help="rewrite stale copies")
        parser.add_argument("--database", default="default")

    def handle(self, *args, check=False, rebuild=False, database="default", **opts):
        copies = subtree.copies()
        if rebuild:
            subtree.ensure(database)
            for c in copies:
                n = subtree.rebuild(c, database)
                self.stdout.write(f"{c.table}.{c.column}: rewrote {n}")
            return
        stale = {c: subtree.stale(c, database) for c in copies}
        for c, n in stale.items():
            self.stdout.write(f"{c.table}.{c.column}: {n} stale")
        if any(stale.values()):
            raise CommandError("stale copies found: run `zuofeng subtree --rebuild`")
