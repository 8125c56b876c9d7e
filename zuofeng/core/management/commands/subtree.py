"""`zuofeng subtree --check | --rebuild`: the holder paths copied onto the record tables and
the rollups built from them.

`--check` counts, per table, the rows whose copied path differs from their holder org's path,
and per rollup the keys whose figures differ from a fresh aggregation of the records; it exits
1 if there is any. `--rebuild` puts the triggers back, rewrites every stale copy and recomputes
every rollup (after a restore that bypassed the triggers, for instance); it is idempotent."""

from django.core.management.base import BaseCommand, CommandError

from zuofeng.core import rollups, subtree


class Command(BaseCommand):
    help = "Check or rebuild the org paths copied onto the record tables, and their rollups."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true", help="count stale rows; exit 1")
        action.add_argument("--rebuild", action="store_true", help="rewrite stale rows")
        parser.add_argument("--database", default="default")

    def handle(self, *args, check=False, rebuild=False, database="default", **opts):
        copies = subtree.copies()
        if rebuild:
            subtree.ensure(database)
            for c in copies:
                n = subtree.rebuild(c, database)
                self.stdout.write(f"{c.table}.{c.column}: rewrote {n}")
            rollups.ensure(database)
            for r in rollups.rollups():
                n = rollups.rebuild(r, database)
                self.stdout.write(f"{r.table}: recomputed, {n} rows")
            return
        stale = {f"{c.table}.{c.column}": subtree.stale(c, database) for c in copies}
        stale |= {r.table: rollups.stale(r, database) for r in rollups.rollups()}
        for name, n in stale.items():
            self.stdout.write(f"{name}: {n} stale")
        if any(stale.values()):
            raise CommandError("stale rows found: run `zuofeng subtree --rebuild`")
