"""Results in pyperf's own format, so ``python -m pyperf compare_to OLD.json NEW.json`` (and
``pyperf stats``, ``pyperf hist``) work on them.

Each ``ok`` result becomes one pyperf benchmark named ``scenario/operation[/size]/backend``,
its primary metric's per-process values as pyperf runs of one value each (a version-1 file,
without per-process values, gives its median as one run). pyperf knows three units: times go
as seconds, bytes as bytes, and a rate (items/s, requests/s) as its inverse, the seconds per
item, named with a ``(s per item)`` suffix so that lower stays better as pyperf assumes. What
cannot be expressed (a result that is not ``ok``, a count, a metric without a direction, a
second result under a name already taken) is listed, with the reason, instead of being dropped
silently. pyperf's metadata is one line: a line break in a name or in the run's description
becomes a space.
"""

from __future__ import annotations

from typing import Any

import pyperf

from ffibench.report.model import HIGHER, NEITHER, figure


def _line(value: object) -> str:
    """A value as pyperf's metadata takes it: one line, no spaces around."""
    return " ".join(str(value).split())


def _name(result: dict[str, Any]) -> str:
    size = "" if result["size"] is None else f"/{result['size']}"
    return _line(f"{result['scenario']}/{result['operation']}{size}/{result['backend']}")


def _convert(unit: str, better: str, values: list[float]) -> tuple[str, list[float], str] | None:
    """pyperf's unit, the values in it, and a suffix for the name; ``None`` when pyperf has no
    way to say it."""
    if better == NEITHER:
        return None
    if unit == "ns":
        return "second", [value / 1e9 for value in values], ""
    if unit == "B" and better != HIGHER:
        return "byte", values, ""
    if unit.endswith("/s") and better == HIGHER and all(value > 0 for value in values):
        # "items/s" -> "(s per item)": pyperf's unit is the second, and lower stays better
        per = unit[:-2].strip()
        per = per[:-1] if per.endswith("s") else per
        return "second", [1.0 / value for value in values], f" (s per {per})"
    return None


def pyperf_suite(document: dict[str, Any]) -> tuple[pyperf.BenchmarkSuite | None, list[str]]:
    """A pyperf suite of every result it can express (``None`` when that is none: pyperf has
    no empty suite), and a line per result it cannot."""
    meta = document.get("meta", {})
    common = {
        key: _line(value)
        for key, value in (
            ("python_version", meta.get("python")),
            ("cpu_model_name", meta.get("cpu")),
            ("cpu_count", meta.get("cores")),
            ("platform", meta.get("platform")),
            ("date", meta.get("started")),
            ("commit_id", meta.get("git")),
        )
        if _line(value or "")
    }
    benchmarks = []
    skipped = []
    names: set[str] = set()
    for result in document["results"]:
        name = _name(result)
        if result["status"] != "ok":
            skipped.append(f"{name}: {result['status']}")
            continue
        found = figure(result)
        if found is None:
            skipped.append(f"{name}: no figure for its primary metric")
            continue
        values = list(found.processes) or [found.median]
        converted = _convert(found.unit, found.better, values)
        if converted is None:
            skipped.append(f"{name}: pyperf has no unit for {found.name} ({found.unit})")
            continue
        unit, values, suffix = converted
        if any(value <= 0 for value in values):
            skipped.append(f"{name}: pyperf needs positive values")
            continue
        if name + suffix in names:
            skipped.append(f"{name}: a second result of that name (pyperf needs one)")
            continue
        names.add(name + suffix)
        metadata = {**common, "name": name + suffix, "unit": unit}
        runs = [pyperf.Run([value], metadata=metadata, collect_metadata=False) for value in values]
        benchmarks.append(pyperf.Benchmark(runs))
    return (pyperf.BenchmarkSuite(benchmarks) if benchmarks else None), skipped
