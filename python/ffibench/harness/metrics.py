"""Every metric a results file can hold: its unit and which direction is better, in one table.

Each metric of a result is a summary over the values that several processes measured (its
``median``, ``mean``, ``stdev``, ``min``, ``max``, the number of ``samples`` and, in round
order, one value per ``processes``), and carries its ``unit`` and ``better`` from this table so
that a results file reads on its own. ``report`` and ``compare`` treat every metric alike.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Directions: a smaller value is better, a larger one is, or the figure is only informative.
LOWER, HIGHER, NEITHER = "lower", "higher", "none"


@dataclass(frozen=True)
class Metric:
    """A metric's unit, the direction that is better, and what it is."""

    unit: str
    better: str
    description: str


_LATENCY = {
    "latency_p50_ns": "median latency of an item",
    "latency_p90_ns": "90th percentile latency",
    "latency_p99_ns": "99th percentile latency",
    "latency_p999_ns": "99.9th percentile latency",
    "latency_max_ns": "largest latency",
}

#: The one table of metric names.
METRICS: dict[str, Metric] = {
    "time_ns": Metric("ns", LOWER, "time of one call"),
    "items_per_s": Metric("items/s", HIGHER, "items done per second"),
    "bytes_per_s": Metric("B/s", HIGHER, "bytes processed per second"),
    "gflops": Metric("GFLOP/s", HIGHER, "billions of floating-point operations per second"),
    "bytes": Metric(
        "B", NEITHER, "size of the encoded data: an encoder's result, a decoder's input"
    ),
    "peak_rss_bytes": Metric("B", LOWER, "peak RSS of the process during the call (VmHWM)"),
    "extra_rss_bytes": Metric("B", LOWER, "peak RSS during the call above the RSS before it"),
    "retained_rss_bytes": Metric(
        "B", LOWER, "RSS still held after the result is dropped and collected, above before"
    ),
    **{name: Metric("ns", LOWER, what) for name, what in _LATENCY.items()},
    "latency_count": Metric("items", NEITHER, "items whose latency was measured"),
    "cpu_ns_per_item": Metric("ns", LOWER, "CPU time of the consuming thread per item"),
    "items_lost": Metric("items", LOWER, "items missing from the sequence a consumer got"),
    "requests_per_s": Metric("requests/s", HIGHER, "requests answered per second"),
    "requests": Metric("requests", NEITHER, "requests answered in the run"),
    "errors_connect": Metric("errors", LOWER, "connections that failed"),
    "errors_read": Metric("errors", LOWER, "reads that failed"),
    "errors_write": Metric("errors", LOWER, "writes that failed"),
    "errors_timeout": Metric("errors", LOWER, "requests that timed out"),
    "errors_status": Metric("errors", LOWER, "responses with a status of 400 or more"),
}

#: The rate metric of each unit of work, and the scale from units per second to it.
RATES: dict[str, tuple[str, float]] = {
    "items": ("items_per_s", 1.0),
    "bytes": ("bytes_per_s", 1.0),
    "flop": ("gflops", 1e-9),
}

_STATISTICS = ("median", "mean", "stdev", "min", "max")


def metric(name: str) -> Metric:
    """The table's entry for ``name``; ``KeyError`` for an unknown metric."""
    return METRICS[name]


def summary(
    name: str, values: Sequence[float], processes: Sequence[float] | None = None
) -> dict[str, Any]:
    """The metric ``name`` over ``values`` (all kept values), with its unit and direction.

    ``processes`` is one value per process, in the order of the rounds that measured them
    (what ``report`` pairs and ``compare`` tests); it defaults to ``values``.

    Examples
    --------
    >>> summary("time_ns", [10.0, 12.0, 11.0])["median"]
    11.0
    """
    if not values:
        raise ValueError(f"no values for {name}")
    info = METRICS[name]
    return {
        "unit": info.unit,
        "better": info.better,
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
        "samples": len(values),
        "processes": list(values if processes is None else processes),
    }


def scaled(stats: dict[str, Any], name: str, factor: float) -> dict[str, Any]:
    """A rate from a time summary: ``factor / value`` for every statistic (a rate's median is
    ``factor`` over the time's median; its spread keeps the time's relative spread)."""
    median = factor / stats["median"]
    out = {
        "unit": METRICS[name].unit,
        "better": METRICS[name].better,
        "median": median,
        "mean": factor / stats["mean"],
        "stdev": median * stats["stdev"] / stats["median"],
        "min": factor / stats["max"],
        "max": factor / stats["min"],
        "samples": stats["samples"],
    }
    if stats.get("processes"):
        out["processes"] = [factor / value for value in stats["processes"]]
    return out


def unit_of(name: str, stats: dict[str, Any]) -> str:
    """A metric's unit: its own, else the table's, else none."""
    unit = stats.get("unit")
    if isinstance(unit, str):
        return unit
    return METRICS[name].unit if name in METRICS else ""


def better_of(name: str, stats: dict[str, Any]) -> str:
    """Which direction is better for a metric: its own word, else the table's."""
    better = stats.get("better")
    if better in (LOWER, HIGHER, NEITHER):
        return str(better)
    return METRICS[name].better if name in METRICS else NEITHER


def is_statistic(key: str) -> bool:
    """Whether ``key`` of a summary is one of its numeric statistics."""
    return key in _STATISTICS
