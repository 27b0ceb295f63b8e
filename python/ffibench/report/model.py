"""One model of a results file: rows, speed-ups, crossovers, boundary shares, significance.

Every renderer (terminal, Markdown, and later HTML) reads this model and only formats it;
nothing here knows how it will be shown.

- A row's figure is its operation's *primary* metric (the time of a call, the memory a call
  adds, a latency, a rate), with the direction that is better for it.
- A speed-up is how many times better than the reference (``python``, or the scenario's own:
  Flask under gunicorn for http) a participant is on that metric: the reference over the
  participant for a lower-is-better metric, the participant over the reference for a
  higher-is-better one. With per-process values measured
  in rounds it is the geometric mean of the paired per-process ratios, with a 95% t-interval
  on their logarithms; it is *significant* when the interval leaves out 1. A version-1 file
  has no per-process values: the ratio of medians, significant when median ± stdev do not
  overlap.
- The best alternative of a group is the fastest (best on its metric) of the participants a
  Python programmer has without Rust: the spec, a ``python:*`` idiom or a library anchor
  (``numpy``, ``orjson``...). Each row also carries its speed-up over that one, so no gain is
  claimed against a weak baseline.
- A crossover is the smallest size from which a participant is significantly better than the
  best pure Python at that size (the spec or a ``python:*`` idiom) and stays so at every
  larger size measured.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from ffibench import scenarios as _scenarios
from ffibench._backends import BACKENDS
from ffibench.harness.criterion import BACKEND as RUST
from ffibench.harness.metrics import HIGHER, LOWER, NEITHER, better_of, unit_of
from ffibench.harness.stats import paired_ratio, unpaired_ratio
from ffibench.scenarios import NATIVE, REFERENCE, reference_of

#: Secondary metrics shown beside the primary one, in this order, when a result has them.
DETAILS = (
    "items_per_s",
    "bytes_per_s",
    "bytes",
    "gflops",
    "peak_rss_bytes",
    "retained_rss_bytes",
    "latency_p99_ns",
    "latency_p999_ns",
    "latency_max_ns",
    "cpu_ns_per_item",
    "items_lost",
    "errors_connect",
    "errors_read",
    "errors_write",
    "errors_timeout",
    "errors_status",
)


@dataclass(frozen=True)
class Figure:
    """A metric of one result as read: median, spread, samples, per-process values."""

    name: str
    unit: str
    better: str
    median: float
    stdev: float | None
    samples: int
    processes: tuple[float, ...]

    @property
    def spread(self) -> float | None:
        """The standard deviation as a share of the median; ``None`` from one sample."""
        if self.samples < 2 or self.stdev is None or self.median == 0:
            return None
        return abs(self.stdev / self.median)


@dataclass(frozen=True)
class Speedup:
    """How many times better than a base: ``value`` with its interval (``low``, ``high``),
    whether that is ``significant``, and how it was found: ``paired`` (per-process ratios),
    ``unpaired`` (one side had a single process: its noise taken as the other side's, see
    :func:`~ffibench.harness.stats.unpaired_ratio`), ``medians`` (a version-1 file),
    ``one sample``, or ``reference`` (the base itself)."""

    value: float
    low: float | None
    high: float | None
    significant: bool
    method: str
    pairs: int = 0


@dataclass(frozen=True)
class Row:
    """One participant's line in one benchmark's group."""

    participant: str
    status: str
    message: str
    kind: str
    figure: Figure | None
    speedup: Speedup | None
    boundary: float | None
    details: tuple[Figure, ...]
    versus_best: Speedup | None = None


@dataclass(frozen=True)
class Group:
    """One operation at one size: its kind, primary metric and rows in report order."""

    scenario: str
    operation: str
    size: int | None
    kind: str
    metric: str
    rows: tuple[Row, ...]
    best: str | None = None

    def row(self, participant: str) -> Row | None:
        """The row of ``participant``, if it took part."""
        return next((row for row in self.rows if row.participant == participant), None)


@dataclass(frozen=True)
class Crossover:
    """Where a participant starts to beat the best pure Python: ``size`` (``None`` when it
    never does) and ``verdict``: ``from`` (that size), ``at most`` (already at the smallest
    size measured), ``never``, ``n.s.`` (better at the largest size, not significantly), or
    ``no data``."""

    verdict: str
    size: int | None = None


@dataclass(frozen=True)
class Report:
    """A whole results file: its meta, groups in run order, crossovers per scenario
    (operation -> participant -> crossover), and what the registry says of each scenario
    (``titles``, and the unit of each operation's size in ``size_units``) where it knows it."""

    meta: dict[str, Any]
    groups: tuple[Group, ...]
    crossovers: dict[str, dict[str, dict[str, Crossover]]]
    titles: dict[str, str] = field(default_factory=dict)
    size_units: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        """The scenarios in run order."""
        return list(dict.fromkeys(group.scenario for group in self.groups))

    def size_unit(self, scenario: str, operation: str) -> str:
        """What an operation's size counts ("values", "persons"), or "size"."""
        return self.size_units.get((scenario, operation), "size")


def row_id(scenario: str, operation: str, size: int | None, participant: str) -> str:
    """A stable anchor for one row, usable as an HTML id and a URL fragment.

    Examples
    --------
    >>> row_id("arrays", "sum:list", 1000, "python:builtins")
    'r-arrays-sum-list-1000-python-builtins'
    """
    parts = (scenario, operation, "x" if size is None else str(size), participant)
    return "r-" + "-".join(re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts)


def distinct(anchor: str, taken: set[str]) -> str:
    """``anchor``, or ``anchor-2``, ``anchor-3``... when a row already took it (a result that
    the file holds twice, or names that differ only in case or punctuation); adds the answer
    to ``taken``. A link goes to the first.

    Examples
    --------
    >>> taken = set()
    >>> distinct("r-a", taken), distinct("r-a", taken)
    ('r-a', 'r-a-2')
    """
    found, count = anchor, 1
    while found in taken:
        count += 1
        found = f"{anchor}-{count}"
    taken.add(found)
    return found


def figure(result: dict[str, Any], name: str | None = None) -> Figure | None:
    """A result's metric ``name`` (its primary one by default), if it has it."""
    name = name or result.get("primary") or "time_ns"
    stats = result.get("metrics", {}).get(name)
    if not isinstance(stats, dict):
        return None
    return Figure(
        name=name,
        unit=unit_of(name, stats),
        better=better_of(name, stats),
        median=float(stats["median"]),
        stdev=None if stats.get("stdev") is None else float(stats["stdev"]),
        samples=int(stats.get("samples", 1)),
        processes=tuple(float(value) for value in stats.get("processes", [])),
    )


def _overlap(a: Figure, b: Figure) -> bool:
    return abs(a.median - b.median) <= (a.stdev or 0.0) + (b.stdev or 0.0)


def speedup(ours: Figure, base: Figure) -> Speedup | None:
    """How many times better ``ours`` is than ``base`` (same metric), with significance."""
    if ours.better == NEITHER or ours.median <= 0 or base.median <= 0:
        return None
    better, worse = (base, ours) if ours.better == LOWER else (ours, base)
    if ours.processes and base.processes:
        ratio = paired_ratio(better.processes, worse.processes)
        if ratio is not None:
            if ratio.pairs < 2:
                single = unpaired_ratio(better.processes, worse.processes)
                if single is not None:
                    return Speedup(
                        single.value, single.low, single.high, single.significant, "unpaired"
                    )
                return Speedup(ratio.value, None, None, False, "one sample", 1)
            return Speedup(
                ratio.value, ratio.low, ratio.high, ratio.significant, "paired", ratio.pairs
            )
    value = better.median / worse.median
    if not 0.0 < value < math.inf:
        return None  # a ratio beyond a float's range is no measurement to compare
    if ours.samples < 2 or base.samples < 2:
        return Speedup(value, None, None, False, "one sample", 1)
    return Speedup(value, None, None, not _overlap(ours, base), "medians")


def _order(participant: str, reference: str = REFERENCE) -> tuple[int, str]:
    if participant == reference:
        return (0, participant)
    if participant.startswith(f"{REFERENCE}:"):
        return (1, participant)
    if participant in BACKENDS:
        return (2 + BACKENDS.index(participant), participant)
    if participant == RUST:
        return (999, participant)
    if participant in NATIVE:
        return (700, participant)
    return (500, participant)


def is_python(participant: str) -> bool:
    """The spec or a pure-Python idiom (``python:*``)."""
    return participant == REFERENCE or participant.startswith(f"{REFERENCE}:")


def is_alternative(participant: str) -> bool:
    """What a Python programmer has without Rust: the spec, an idiom or a library anchor."""
    return is_python(participant) or (
        participant not in BACKENDS and participant != RUST and participant not in NATIVE
    )


def base_operation(operation: str) -> str:
    """``sum`` of ``sum:list``: the function an operation on one kind of input calls."""
    return operation.split(":", 1)[0]


def _versus(
    result: dict[str, Any], primary: Figure | None, base: dict[str, Any] | None
) -> Speedup | None:
    if primary is None or base is None or base["status"] != "ok":
        return None
    if result is base:
        return Speedup(1.0, None, None, False, "reference")
    found = figure(base, primary.name)
    return speedup(primary, found) if found is not None else None


def _row(
    result: dict[str, Any],
    reference: dict[str, Any] | None,
    native: dict[str, Any] | None,
    best: dict[str, Any] | None = None,
) -> Row:
    ok = result["status"] == "ok"
    primary = figure(result) if ok else None
    found = _versus(result, primary, reference)
    boundary = None
    if (
        ok
        and primary is not None
        and primary.name == "time_ns"
        and native is not None
        and result["backend"] in BACKENDS
        and result["backend"] != REFERENCE
    ):
        rust = figure(native, "time_ns")
        if rust is not None and primary.median > 0:
            boundary = max(0.0, (primary.median - rust.median) / primary.median)
    details = tuple(
        found_figure
        for name in DETAILS
        if ok and name != result.get("primary")
        for found_figure in [figure(result, name)]
        if found_figure is not None
    )
    return Row(
        participant=result["backend"],
        status=result["status"],
        message=result.get("message") or "",
        kind=result.get("kind", "time"),
        figure=primary,
        speedup=found,
        boundary=boundary,
        details=details,
        versus_best=_versus(result, primary, best),
    )


def _group(
    key: tuple[str, str, int | None],
    results: list[dict[str, Any]],
    native: dict[str, Any] | None,
) -> Group:
    name = reference_of(key[0])
    reference = next((r for r in results if r["backend"] == name), None)
    best = _fastest([r for r in results if r["status"] == "ok" and is_alternative(r["backend"])])
    everything = results + ([native] if native is not None else [])
    rows = tuple(
        _row(result, reference, native, best)
        for result in sorted(everything, key=lambda r: _order(r["backend"], name))
    )
    first = results[0] if results else native
    assert first is not None
    return Group(*key, kind=first.get("kind", "time"), metric=first.get("primary", "time_ns"),
                 rows=rows, best=None if best is None else best["backend"])  # fmt: skip


def groups(document: dict[str, Any]) -> list[Group]:
    """The results grouped by (scenario, operation, size), in run order.

    A criterion (``rust``) result of ``sum`` at a size joins the groups of ``sum:list`` and
    ``sum:array`` at that size, and stands alone only where no such group exists.
    """
    grouped: dict[tuple[str, str, int | None], list[dict[str, Any]]] = defaultdict(list)
    native: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    for result in document["results"]:
        key = (result["scenario"], result["operation"], result["size"])
        if result["backend"] == RUST:
            native[key] = result
        else:
            grouped[key].append(result)
    used = set()
    out = []
    for (scenario, operation, size), results in grouped.items():
        match = None
        for candidate in ((scenario, operation, size), (scenario, base_operation(operation), size)):
            if candidate in native:
                match = candidate
                used.add(candidate)
                break
        matched = native.get(match) if match else None
        out.append(_group((scenario, operation, size), results, matched))
    timed = {(scenario, base_operation(operation)) for scenario, operation, _ in grouped}
    for key, result in native.items():
        # Alone only when the run timed nothing of that function: a criterion size that the
        # run left out (--quick) is not shown by itself.
        if key not in used and (key[0], key[1]) not in timed:
            out.append(_group(key, [], result))
    return out


def _fastest(candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    best = None
    best_figure = None
    for result in candidates:
        found = figure(result)
        if found is None or found.better == NEITHER:
            continue
        if best_figure is None or (
            found.median < best_figure.median
            if found.better == LOWER
            else found.median > best_figure.median
        ):
            best, best_figure = result, found
    return best


def crossovers(document: dict[str, Any], scenario: str) -> dict[str, dict[str, Crossover]]:
    """Per sized operation of ``scenario`` and participant: where it starts to beat Python."""
    by_operation: dict[str, dict[str, dict[int, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for result in document["results"]:
        if result["scenario"] != scenario or result["size"] is None or result["status"] != "ok":
            continue
        if result["backend"] == RUST:
            continue
        by_operation[result["operation"]][result["backend"]][result["size"]] = result
    table: dict[str, dict[str, Crossover]] = {}
    for operation, by_participant in by_operation.items():
        python = {name: sizes for name, sizes in by_participant.items() if is_python(name)}
        common = set.intersection(*(set(sizes) for sizes in python.values())) if python else set()
        best: dict[int, dict[str, Any]] = {}
        for size in common:
            fastest = _fastest([sizes[size] for sizes in python.values()])
            if fastest is not None:
                best[size] = fastest
        if len(best) < 2:
            continue
        row: dict[str, Crossover] = {}
        for participant, results in sorted(by_participant.items(), key=lambda i: _order(i[0])):
            if is_python(participant):
                continue
            sizes = sorted(size for size in results if size in best)
            if not sizes:
                row[participant] = Crossover("no data")
                continue
            wins: dict[int, Speedup | None] = {}
            for size in sizes:
                ours, base = figure(results[size]), figure(best[size])
                wins[size] = speedup(ours, base) if ours and base else None
            from_size = None
            for size in reversed(sizes):
                found = wins[size]
                if found is not None and found.significant and found.value > 1.0:
                    from_size = size
                else:
                    break
            if from_size is None:
                last = wins[sizes[-1]]
                verdict = "n.s." if last is not None and last.value > 1.0 else "never"
                row[participant] = Crossover(verdict)
            elif from_size == sizes[0]:
                row[participant] = Crossover("at most", from_size)
            else:
                row[participant] = Crossover("from", from_size)
        table[operation] = row
    return table


def _registry(names: list[str]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """Titles and size units of the scenarios this installation knows (a results file may
    come from another version: what is unknown is left out)."""
    titles: dict[str, str] = {}
    units: dict[tuple[str, str], str] = {}
    for name in names:
        try:
            scenario = _scenarios.get(name)
        except (KeyError, ImportError):
            continue
        titles[name] = scenario.title
        for operation in scenario.operations:
            if operation.size_unit:
                units[(name, operation.name)] = operation.size_unit
    return titles, units


#: A measured FMA peak in ``meta["measured"]``: ``fma_<dtype>_<1core|allcores>_<simd>``.
_PEAK = re.compile(r"fma_(?P<dtype>[a-z0-9]+)_(?P<scope>1core|allcores)_\w+")


def machine_peaks(meta: dict[str, Any]) -> dict[str, float]:
    """The machine's floating-point peak per dtype in GFLOP/s, from the FMA loops a run
    measured (the matmul scenario's): the best SIMD width, and of all cores the larger of the
    all-cores figure and one core's times the cores (a loop sharing the machine with other
    work under-measures the first)."""
    measured = meta.get("measured")
    cores = meta.get("cores") if isinstance(meta.get("cores"), int) else 1
    peaks: dict[str, float] = {}
    if not isinstance(measured, dict):
        return peaks
    for name, entry in measured.items():
        found = _PEAK.fullmatch(str(name))
        if found is None or not isinstance(entry, dict):
            continue
        try:
            value = float(entry["value"])
        except (KeyError, TypeError, ValueError):
            continue
        if not math.isfinite(value) or value <= 0:
            continue
        total = value * (cores or 1) if found["scope"] == "1core" else value
        dtype = found["dtype"]
        peaks[dtype] = max(peaks.get(dtype, 0.0), total)
    return peaks


def _with_share(group: Group, metric: str, detail: str, base: float) -> Group:
    """``group`` with a ``detail`` figure on every checked row that has a ``metric`` figure:
    that figure over ``base`` (a GFLOP/s rate over the machine's peak: ``peak_share``)."""
    rows = []
    for row in group.rows:
        rate = next(
            (f for f in (row.figure, *row.details) if f is not None and f.name == metric), None
        )
        if rate is not None and row.status == "ok":
            share = Figure(detail, "", HIGHER, rate.median / base, None, 1, ())
            rows.append(replace(row, details=(*row.details, share)))
        else:
            rows.append(row)
    return replace(group, rows=tuple(rows))


def _with_peak_share(group: Group, peaks: dict[str, float]) -> Group:
    """``group`` with a ``peak_share`` detail on every row that has a GFLOP/s figure: that
    figure over the machine's peak for the operation's dtype (``matmul:float32``: float32;
    float64 otherwise)."""
    parts = group.operation.split(":")
    dtype = next((part for part in parts if part in peaks), "float64")
    peak = peaks.get(dtype)
    return group if peak is None else _with_share(group, "gflops", "peak_share", peak)


def copy_bandwidth(meta: dict[str, Any]) -> float | None:
    """The machine's memory copy bandwidth in bytes/s, as a run measured it (the buffers
    scenario's ``meta["measured"]["copy_bandwidth"]``, in GB/s); ``None`` without one."""
    measured = meta.get("measured")
    entry = measured.get("copy_bandwidth") if isinstance(measured, dict) else None
    try:
        value = float(entry["value"]) * 1e9  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def build(document: dict[str, Any]) -> Report:
    """The model of a (loaded, checked) results document."""
    found = groups(document)
    peaks = machine_peaks(document.get("meta", {}))
    if peaks:
        found = [_with_peak_share(group, peaks) for group in found]
    bandwidth = copy_bandwidth(document.get("meta", {}))
    if bandwidth is not None:
        found = [_with_share(g, "bytes_per_s", "bandwidth_share", bandwidth) for g in found]
    names = list(dict.fromkeys(group.scenario for group in found))
    titles, units = _registry(names)
    return Report(
        meta=document.get("meta", {}),
        groups=tuple(found),
        crossovers={name: table for name in names if (table := crossovers(document, name))},
        titles=titles,
        size_units=units,
    )


__all__ = [
    "HIGHER",
    "LOWER",
    "NEITHER",
    "Crossover",
    "Figure",
    "Group",
    "Report",
    "Row",
    "Speedup",
    "build",
    "crossovers",
    "distinct",
    "figure",
    "groups",
    "is_alternative",
    "is_python",
    "row_id",
    "speedup",
]
