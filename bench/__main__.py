"""`python -m bench` (`make bench`): run every benchmark, print one line each, and rewrite
docs/performance.md with the table, the machine and the command. Exits 0 whatever the figures:
the machine is shared and noisy; the figures are reported, not asserted."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
from pathlib import Path

from bench.common import HEADER, Result

MODULES = [
    "bench.import_people",
    "bench.ledger_import",
    "bench.ledger",
    "bench.dashboard",
    "bench.rules",
    "bench.study",
    "bench.service",
    "bench.races",
    "bench.projects",
    "bench.api",
]
DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB memory"
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores{mem}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def _row(r: Result) -> str:
    return (
        f"| {r.name} | {r.ours:.3f} | {r.baseline:.3f} | {r.ratio:.2f} | {r.target} | "
        f"{'PASS' if r.passed else 'FAIL'} |"
    )


def write_doc(
    results: list[Result],
    command: str,
    *,
    begin: str = BEGIN,
    end: str = END,
    title: str = "Latest run",
    note: str = "",
    update: bool = False,
) -> None:
    """Rewrite the block between `begin` and `end` in docs/performance.md (appended under
    `title` the first time) with the results, the machine, the date and the command. With
    `update` (a run of some modules only) the block keeps its other rows: this run's rows
    replace those of the same name or are added, and a line says which rows it measured."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n"
    today = dt.date.today().isoformat()
    header = (
        "| benchmark | ours (median) | baseline (median) | ratio | target | verdict |\n"
        "|---|---|---|---|---|---|"
    )
    if update and begin in text and end in text:
        old = text.split(begin, 1)[1].split(end, 1)[0]
        lines = old.strip("\n").split("\n")
        table_at = next(i for i, line in enumerate(lines) if line.startswith("| benchmark"))
        intro = "\n".join(lines[:table_at]).rstrip()
        rows = {line.split(" | ", 1)[0][2:]: line for line in lines[table_at + 2 :] if line}
        for r in results:
            rows[r.name] = _row(r)
        names = ", ".join(r.name for r in results)
        # An earlier "Updated" line for the same rows (a re-run) no longer applies.
        intro = "\n\n".join(
            para
            for para in intro.split("\n\n")
            if not (para.startswith("Updated ") and para.endswith(f"`: {names}."))
        )
        intro += f"\n\nUpdated {today} with `{command}`: {names}."
        block = f"{begin}\n{intro}\n\n{header}\n" + "\n".join(rows.values()) + f"\n{end}"
    else:
        extra = f"\n\n{note.strip()}" if note.strip() else ""
        rows = "\n".join(_row(r) for r in results)
        block = (
            f"{begin}\nMeasured {today} on {machine()} with `{command}`.{extra}\n\n"
            f"{header}\n{rows}\n{end}"
        )
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n## {title}\n\n" + block + "\n"
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", default=[], help="module name to run")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite the doc")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zuofeng.settings")
    results: list[Result] = []
    print(HEADER)
    for name in MODULES:
        if args.only and name.rsplit(".", 1)[-1] not in args.only:
            continue
        module = importlib.import_module(name)
        for result in module.run(rounds=args.rounds) or []:
            print(result.line(), flush=True)
            results.append(result)
    if results and not args.no_write:
        write_doc(
            results,
            "make bench"
            if not argv and len(sys.argv) == 1
            else "python -m bench " + " ".join(sys.argv[1:]),
            update=bool(args.only),  # some modules only: the other rows stay
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
