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
    "bench.ledger",
    "bench.dashboard",
    "bench.rules",
    "bench.study",
    "bench.service",
    "bench.races",
    "bench.projects",
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


def write_doc(
    results: list[Result],
    command: str,
    *,
    begin: str = BEGIN,
    end: str = END,
    title: str = "Latest run",
    note: str = "",
) -> None:
    """Rewrite the block between `begin` and `end` in docs/performance.md (appended under
    `title` the first time) with the results, the machine, the date and the command."""
    rows = "\n".join(
        f"| {r.name} | {r.ours:.3f} | {r.baseline:.3f} | {r.ratio:.2f} | {r.target} | "
        f"{'PASS' if r.passed else 'FAIL'} |"
        for r in results
    )
    extra = f"\n\n{note.strip()}" if note.strip() else ""
    block = (
        f"{begin}\nMeasured {dt.date.today().isoformat()} on {machine()} with "
        f"`{command}`.{extra}\n\n| benchmark | ours (median) | baseline (median) | ratio | target "
        f"| verdict |\n|---|---|---|---|---|---|\n{rows}\n{end}"
    )
    text = DOC.read_text() if DOC.exists() else "# Performance\n\n"
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
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
