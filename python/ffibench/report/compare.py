"""``ffibench compare``: two results files side by side, as a model.

Each benchmark of either file, on its primary metric: the change from OLD to NEW (the ratio of
the geometric means of the per-process values), decided by Welch's t-test on the logarithms of
those values at :data:`~ffibench.harness.stats.ALPHA`, and only for a change of at least
:data:`~ffibench.harness.stats.MIN_EFFECT` ("n.s." otherwise). A version-1 file has no
per-process values: there, a change is called when median ± stdev do not overlap and it is at
least the minimum effect. Results only in NEW are ``new``, only in OLD ``missing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ffibench.harness.stats import MIN_EFFECT, welch
from ffibench.report.model import LOWER, NEITHER, Figure, figure

Key = tuple[str, str, int | None, str]


@dataclass(frozen=True)
class Change:
    """One benchmark in two runs: old and new figures and the verdict.

    ``verdict``: ``n.s.``, ``faster``/``slower`` (a time), ``better``/``worse`` (another
    metric), ``new``, ``missing``, or a status change (``ok -> mismatch``); ``ratio`` is new
    over old; ``p_value`` is Welch's, when there was a test."""

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

    @property
    def changed(self) -> bool:
        """Whether this row reports a significant change of the figure."""
        return self.verdict in ("faster", "slower", "better", "worse")


def _key(result: dict[str, Any]) -> Key:
    return (result["scenario"], result["operation"], result["size"], result["backend"])


def _overlap(a: Figure, b: Figure) -> bool:
    return abs(a.median - b.median) <= (a.stdev or 0.0) + (b.stdev or 0.0)


def judge(old: Figure, new: Figure) -> tuple[str, float | None, float | None]:
    """The verdict, ratio (new over old) and p-value of one metric in two runs."""
    if old.median <= 0 or new.median <= 0:
        return "n.s.", None, None
    if old.processes and new.processes:
        test = welch(old.processes, new.processes)
        if test is None:
            return "n.s.", None, None
        ratio, p_value, significant = test.ratio, test.p_value, test.significant
    else:
        ratio, p_value = new.median / old.median, None
        significant = not _overlap(old, new) and abs(ratio - 1.0) >= MIN_EFFECT
    if not significant or new.better == NEITHER:
        return "n.s.", ratio, p_value
    improved = ratio < 1.0 if new.better == LOWER else ratio > 1.0
    if new.unit == "ns":
        return ("faster" if improved else "slower"), ratio, p_value
    return ("better" if improved else "worse"), ratio, p_value


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every benchmark of ``new``, then those only in ``old`` (``missing``)."""
    before = {_key(result): result for result in old["results"]}
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
            verdict, ratio, p_value = judge(theirs, ours)
            changes.append(Change(*key, metric, theirs, ours, verdict, ratio, p_value))
    for key, result in before.items():
        if key not in seen:
            metric = result.get("primary") or "time_ns"
            theirs = figure(result, metric) if result["status"] == "ok" else None
            changes.append(Change(*key, metric, theirs, None, "missing"))
    return changes
