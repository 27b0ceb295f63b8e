"""``ffibench compare``: two results files side by side, as a model.

Each benchmark of either file, on its primary metric. A participant other than the spec is
judged on its figure *relative to the spec in the same run*: the per-round ratios of its
processes to the spec's (the pairs the report's speed-up is made of), compared between the two
runs by Welch's t-test on their logarithms at :data:`~ffibench.harness.stats.ALPHA`, and only
for a change of at least :data:`~ffibench.harness.stats.MIN_EFFECT`. A whole run on this
machine can be 1.2-1.7x slower than the next, every participant alike, the spec included; the
ratio to the spec cancels that drift, which a test of the raw times within each run cannot
see (two runs of one commit had a fifth of their rows called changed that way). ``ratio`` is
still new over old of the participant's own figure. The spec's rows (and a participant whose
spec has no per-process values in both runs) are judged on their raw figures; a significant
change of a spec row is the machine's ``drift``, not a change of code, and is not counted as
one. A version-1 file has no per-process values: there, a change is called when median ±
stdev do not overlap and it is at least the minimum effect. Results only in NEW are ``new``,
only in OLD ``missing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ffibench.harness.stats import MIN_EFFECT, Test, welch
from ffibench.report.model import LOWER, NEITHER, Figure, figure
from ffibench.scenarios import reference_of

Key = tuple[str, str, int | None, str]


@dataclass(frozen=True)
class Change:
    """One benchmark in two runs: old and new figures and the verdict.

    ``verdict``: ``n.s.``, ``faster``/``slower`` (a time), ``better``/``worse`` (another
    metric), ``drift`` (the spec's own figure moved: the machine, not the code), ``new``,
    ``missing``, or a status change (``ok -> mismatch``); ``ratio`` is new over old — of the
    figure relative to the spec when the participant was judged that way, else of the figure;
    ``p_value`` is Welch's, when there was a test, and ``low``-``high`` the ratio's 95%
    interval from it."""

    scenario: str
    operation: str
    size: int | None
    backend: str
    metric: str
    old: Figure | None
    new: Figure | None
    verdict: str
    ratio: float | None = None
    p_value: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def changed(self) -> bool:
        """Whether this row reports a significant change of the figure."""
        return self.verdict in ("faster", "slower", "better", "worse")

    @property
    def regression(self) -> float | None:
        """How much worse a significant ``slower``/``worse`` row got, as a fraction (0.25: a
        quarter slower, or a quarter less throughput); ``None`` otherwise."""
        if self.verdict not in ("slower", "worse") or self.ratio is None or self.ratio <= 0:
            return None
        return self.ratio - 1.0 if self.ratio > 1.0 else 1.0 / self.ratio - 1.0


def regressions(changes: list[Change], threshold: float) -> list[Change]:
    """The rows that got significantly slower or worse by more than ``threshold`` (0.1: 10%)."""
    return [
        change
        for change in changes
        if (found := change.regression) is not None and found > threshold
    ]


def _key(result: dict[str, Any]) -> Key:
    return (result["scenario"], result["operation"], result["size"], result["backend"])


def _overlap(a: Figure, b: Figure) -> bool:
    return abs(a.median - b.median) <= (a.stdev or 0.0) + (b.stdev or 0.0)


Verdict = tuple[str, float | None, float | None, float | None, float | None]


def _verdict(new: Figure, test: Test) -> Verdict:
    if not test.significant or new.better == NEITHER:
        return "n.s.", test.ratio, test.p_value, test.low, test.high
    improved = test.ratio < 1.0 if new.better == LOWER else test.ratio > 1.0
    if new.unit == "ns":
        word = "faster" if improved else "slower"
    else:
        word = "better" if improved else "worse"
    return word, test.ratio, test.p_value, test.low, test.high


def judge(old: Figure, new: Figure) -> Verdict:
    """The verdict, ratio (new over old), p-value and the ratio's interval of one metric in
    two runs."""
    if old.median <= 0 or new.median <= 0:
        return "n.s.", None, None, None, None
    if old.processes and new.processes:
        test = welch(old.processes, new.processes)
        if test is None:
            return "n.s.", None, None, None, None
    else:
        ratio = new.median / old.median
        significant = not _overlap(old, new) and abs(ratio - 1.0) >= MIN_EFFECT
        test = Test(ratio, None, significant)
    return _verdict(new, test)


def _relative(result: dict[str, Any], reference: dict[str, Any] | None, metric: str) -> list[float]:
    """The per-round ratios of ``result``'s processes to the spec's, on ``metric``."""
    if reference is None or reference["status"] != "ok":
        return []
    ours, theirs = figure(result, metric), figure(reference, metric)
    if ours is None or theirs is None:
        return []
    pairs = zip(ours.processes, theirs.processes, strict=False)
    return [a / b for a, b in pairs if a > 0 and b > 0]


def judge_relative(
    old: Figure, new: Figure, old_ratios: list[float], new_ratios: list[float]
) -> Verdict | None:
    """The verdict on a participant's figure relative to the spec (``None`` when either run
    has fewer than two pairs): Welch's test on the two runs' per-round ratios."""
    if len(old_ratios) < 2 or len(new_ratios) < 2 or old.median <= 0 or new.median <= 0:
        return None
    test = welch(old_ratios, new_ratios)
    if test is None:
        return None
    return _verdict(new, test)


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every benchmark of ``new``, then those only in ``old`` (``missing``)."""
    before = {_key(result): result for result in old["results"]}
    after = {_key(result): result for result in new["results"]}

    def spec_of(runs: dict[Key, dict[str, Any]], key: Key) -> dict[str, Any] | None:
        return runs.get((key[0], key[1], key[2], reference_of(key[0])))

    seen = set()
    changes = []
    for result in new["results"]:
        key = _key(result)
        seen.add(key)
        previous = before.get(key)
        metric = result.get("primary") or "time_ns"
        ours = figure(result, metric) if result["status"] == "ok" else None
        theirs = None
        if previous is not None and previous["status"] == "ok":
            theirs = figure(previous, metric)
        if previous is None:
            changes.append(Change(*key, metric, None, ours, "new"))
        elif ours is None or theirs is None:
            verdict = f"{previous['status']} -> {result['status']}"
            if previous["status"] == result["status"] == "ok":
                verdict = f"no {metric} in {'new' if ours is None else 'old'}"
            changes.append(Change(*key, metric, theirs, ours, verdict))
        else:
            relative = None
            if key[3] != reference_of(key[0]):
                relative = judge_relative(
                    theirs,
                    ours,
                    _relative(previous, spec_of(before, key), metric),
                    _relative(result, spec_of(after, key), metric),
                )
            verdict, ratio, p_value, low, high = relative or judge(theirs, ours)
            if key[3] == reference_of(key[0]) and verdict in (
                "faster",
                "slower",
                "better",
                "worse",
            ):
                verdict = "drift"
            changes.append(Change(*key, metric, theirs, ours, verdict, ratio, p_value, low, high))
    for key, result in before.items():
        if key not in seen:
            metric = result.get("primary") or "time_ns"
            theirs = figure(result, metric) if result["status"] == "ok" else None
            changes.append(Change(*key, metric, theirs, None, "missing"))
    return changes
