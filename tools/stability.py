"""How well two runs of one commit agree: the figures of issue 7's stability goals.

    .venv/bin/python tools/stability.py RUN_A.json RUN_B.json

For every benchmark that both runs timed, each participant's speed-up over the pure-Python
spec (the report's paired figure) in run A is set beside the same speed-up in run B. Printed:
how many agree within 10 %, 15 % and 25 % (the ratio of the two speed-ups, either way), the
middle 90 % of those ratios, and how many rows ``ffibench compare A B`` calls changed (the
rest agree within noise: a row is changed only when Welch's test gives p < 0.01 and the ratio
moved by 5 % or more; the spec's own rows that moved are the machine's drift, not a change). Two
runs of one commit should differ by noise alone, so these measure the harness's noise.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from ffibench.harness.results import load
from ffibench.report.compare import compare
from ffibench.report.model import build

Key = tuple[str, str, int | None, str]


def speedups(path: Path) -> dict[Key, float]:
    """Every participant's speed-up over the spec in one results file, but the spec's own."""
    found = {}
    for group in build(load(path)).groups:
        for row in group.rows:
            if row.participant == "python" or row.speedup is None:
                continue
            if row.speedup.method == "reference":
                continue
            key = (group.scenario, group.operation, group.size, row.participant)
            found[key] = row.speedup.value
    return found


def quantile(values: list[float], share: float) -> float:
    """The ``share`` quantile of sorted ``values`` (nearest rank)."""
    index = min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))
    return values[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    first, second = speedups(args.a), speedups(args.b)
    common = sorted(set(first) & set(second), key=repr)
    if not common:
        sys.stderr.write("stability: the two runs share no speed-up\n")
        return 2
    ratios = sorted(second[key] / first[key] for key in common)
    print(f"{len(common)} speed-ups over the spec in both runs")
    for limit in (0.10, 0.15, 0.25):
        within = sum(1 for ratio in ratios if max(ratio, 1 / ratio) <= 1 + limit)
        print(f"  within {limit:.0%} of each other: {within} ({within / len(ratios):.0%})")
    print(
        f"  middle 90% of B/A: {quantile(ratios, 0.05):.3f} to {quantile(ratios, 0.95):.3f}"
        f" (median {quantile(ratios, 0.5):.3f})"
    )
    changes = compare(load(args.a), load(args.b))
    timed = [change for change in changes if change.old is not None and change.new is not None]
    changed = [change for change in timed if change.changed]
    drift = sum(1 for change in timed if change.verdict == "drift")
    agree = len(timed) - len(changed)
    print(
        f"ffibench compare: {len(changed)} of {len(timed)} rows changed "
        f"({len(changed) / max(1, len(timed)):.1%}); {agree} agree within noise "
        f"({agree / max(1, len(timed)):.1%}), {drift} of them the spec's own rows that drifted"
    )
    for change in changed:
        print(
            f"  {change.scenario} {change.operation} {change.size or ''} {change.backend}: "
            f"{change.verdict} ({change.ratio:.3g}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
