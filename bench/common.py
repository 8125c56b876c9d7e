"""Shared parts of the benchmarks: alternating rounds, medians and the one-line result."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One measure: ours beside its baseline. `higher_is_better` for rates, not for times."""

    name: str
    ours: float
    baseline: float
    target: str
    passed: bool
    higher_is_better: bool = False

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("inf")

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{self.name:<44} {self.ours:>12.3f} {self.baseline:>12.3f} "
            f"{self.ratio:>7.2f} {self.target:>10}  {verdict}"
        )


HEADER = (
    f"{'name':<44} {'ours_median':>12} {'baseline_median':>12} {'ratio':>7} {'target':>10}  verdict"
)


def alternate(
    ours: Callable[[], float | None], baseline: Callable[[], float | None], rounds: int
) -> tuple[float, float]:
    """Run ours and the baseline alternately; each returns its own measure or None to be
    timed in seconds here. Returns the two medians."""
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        for fn, sink in ((ours, mine), (baseline, theirs)):
            start = time.perf_counter()
            value = fn()
            sink.append(value if value is not None else time.perf_counter() - start)
    return statistics.median(mine), statistics.median(theirs)
