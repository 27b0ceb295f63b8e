"""``ffibench report``: per operation, each backend's median, spread and speed-up over Python.

A speed-up is the pure-Python median over the backend's median. When the two medians are
within each other's spread (median ± standard deviation overlap) the report says "n.s." (not
significant) beside the ratio rather than inventing a gain. Where criterion results (backend
``rust``) are present, the ``boundary`` column shows the share of a backend's time that is not
the Rust work itself: ``(backend - rust) / backend``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ffibench._backends import BACKENDS
from ffibench.harness.criterion import BACKEND as RUST

REFERENCE = "python"
_BOUNDARY_BACKENDS = frozenset(BACKENDS) - {REFERENCE}


def format_ns(ns: float) -> str:
    """A duration in the unit that keeps three significant digits readable."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


@dataclass(frozen=True)
class Row:
    """One backend's line in one operation's group."""

    backend: str
    status: str
    median: str
    spread: str
    speedup: str
    boundary: str
    message: str


@dataclass(frozen=True)
class Group:
    """One operation at one size, its rows in report order."""

    scenario: str
    operation: str
    size: int | None
    rows: list[Row]


def _order(backend: str) -> tuple[int, str]:
    if backend == REFERENCE:
        return (0, backend)
    if backend.startswith(f"{REFERENCE}:"):
        return (1, backend)
    if backend in BACKENDS:
        return (2 + BACKENDS.index(backend), backend)
    if backend == RUST:
        return (99, backend)
    return (50, backend)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return abs(a["median"] - b["median"]) <= a["stdev"] + b["stdev"]


def speedup(result: dict[str, Any], reference: dict[str, Any] | None) -> str:
    """``python median / this median``, marked n.s. when the spreads overlap."""
    if reference is None or reference["status"] != "ok" or result["status"] != "ok":
        return "—"
    ours, theirs = result["metrics"]["time_ns"], reference["metrics"]["time_ns"]
    if result is reference:
        return "1.00x"
    ratio = theirs["median"] / ours["median"]
    text = f"{ratio:.3g}x" if ratio < 100 else f"{ratio:,.0f}x"
    return f"{text} (n.s.)" if _overlap(ours, theirs) else text


def boundary_share(result: dict[str, Any], native: dict[str, Any] | None) -> str:
    """The share of the backend's time spent outside the Rust work itself."""
    if native is None or result["status"] != "ok" or result["backend"] not in _BOUNDARY_BACKENDS:
        return ""
    ours, rust = result["metrics"]["time_ns"]["median"], native["metrics"]["time_ns"]["median"]
    return f"{max(0.0, (ours - rust) / ours):.0%}"


def base_operation(operation: str) -> str:
    """``sum`` of ``sum:list``: the function an operation on one kind of input calls."""
    return operation.split(":", 1)[0]


def groups(document: dict[str, Any]) -> list[Group]:
    """The results of a document grouped by (scenario, operation, size), in run order.

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
        out.append(_group(scenario, operation, size, results, native.get(match) if match else None))
    timed = {(scenario, base_operation(operation)) for scenario, operation, _ in grouped}
    for key, result in native.items():
        # Alone only when the run timed nothing of that function: a criterion size that the
        # run left out (--quick) is not shown by itself.
        if key not in used and (key[0], key[1]) not in timed:
            out.append(_group(*key, [], result))
    return out


def _group(
    scenario: str,
    operation: str,
    size: int | None,
    results: list[dict[str, Any]],
    native: dict[str, Any] | None,
) -> Group:
    by_backend = {result["backend"]: result for result in results}
    reference = by_backend.get(REFERENCE)
    rows = []
    everything = results + ([native] if native is not None else [])
    for result in sorted(everything, key=lambda r: _order(r["backend"])):
        stats = result["metrics"].get("time_ns")
        rows.append(
            Row(
                backend=result["backend"],
                status=result["status"],
                median=format_ns(stats["median"]) if stats else "—",
                spread=f"±{stats['stdev'] / stats['median']:.1%}" if stats else "",
                speedup=speedup(result, reference),
                boundary=boundary_share(result, native),
                message=result.get("message") or "",
            )
        )
    return Group(scenario, operation, size, rows)


def _is_python(backend: str) -> bool:
    return backend == REFERENCE or backend.startswith(f"{REFERENCE}:")


def crossovers(document: dict[str, Any], scenario: str) -> dict[str, dict[str, str]]:
    """Per sized operation and participant: the smallest size from which it beats Python.

    "Beats" means a smaller median than the fastest pure Python (the spec or a ``python:*``
    idiom, whichever is faster at that size) at that size and at every larger size measured;
    "never" when it is not faster at the largest size, "—" without data, and "≤ n" when it
    already wins at the smallest size measured.
    """
    medians: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for result in document["results"]:
        if result["scenario"] != scenario or result["size"] is None or result["status"] != "ok":
            continue
        if result["backend"] == RUST:
            continue
        medians[result["operation"]][result["backend"]][result["size"]] = result["metrics"][
            "time_ns"
        ]["median"]
    table: dict[str, dict[str, str]] = {}
    for operation, by_backend in medians.items():
        python = [times for name, times in by_backend.items() if _is_python(name)]
        sizes_timed = set.intersection(*(set(times) for times in python)) if python else set()
        reference = {size: min(times[size] for times in python) for size in sizes_timed}
        if len(reference) < 2:
            continue
        row = {}
        for backend, times in sorted(by_backend.items(), key=lambda item: _order(item[0])):
            if _is_python(backend):
                continue
            sizes = sorted(size for size in times if size in reference)
            from_size = None
            for size in reversed(sizes):
                if times[size] < reference[size]:
                    from_size = size
                else:
                    break
            if not sizes:
                row[backend] = "—"
            elif from_size is None:
                row[backend] = "never"
            else:  # "≤": it may already win below the smallest size measured
                row[backend] = f"{'≤ ' if from_size == sizes[0] else ''}{from_size:,}"
        table[operation] = row
    return table


def markdown(document: dict[str, Any]) -> str:
    """The report as Markdown: one table per scenario."""
    meta = document["meta"]
    lines = [
        f"Run of {meta.get('started')} on {meta.get('cpu')} ({meta.get('cores')} cores), "
        f"Python {meta.get('python')}, {meta.get('rustc')}, commit {meta.get('git')}"
        f"{', quick' if meta.get('quick') else ''}.",
    ]
    scenario = None
    for group in groups(document):
        if group.scenario != scenario:
            if scenario is not None:
                lines += _crossover_markdown(document, scenario)
            scenario = group.scenario
            lines += [
                "",
                f"### {scenario}",
                "",
                "| operation | size | backend | median | spread | vs python | boundary | note |",
                "|---|---:|---|---:|---:|---:|---:|---|",
            ]
        size = "" if group.size is None else f"{group.size:,}"
        for row in group.rows:
            note = row.message if row.status == "ok" else f"**{row.status}**: {row.message}"
            note = "" if row.backend == RUST else note.replace("|", "\\|")
            lines.append(
                f"| {group.operation} | {size} | {row.backend} | {row.median} | {row.spread} "
                f"| {row.speedup} | {row.boundary} | {note} |"
            )
    if scenario is not None:
        lines += _crossover_markdown(document, scenario)
    return "\n".join(lines) + "\n"


def _crossover_markdown(document: dict[str, Any], scenario: str) -> list[str]:
    table = crossovers(document, scenario)
    if not table:
        return []
    names = list(dict.fromkeys(name for row in table.values() for name in row))
    lines = [
        "",
        f"Crossover in {scenario}: the smallest size from which each beats the fastest pure "
        "Python (the spec or a `python:*` idiom).",
        "",
        "| operation | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for operation, row in table.items():
        lines.append(f"| {operation} | " + " | ".join(row.get(n, "—") for n in names) + " |")
    return lines


def _clip(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(document: dict[str, Any], console: Any) -> None:
    """The report as terminal tables (rich), one per scenario."""
    from rich.table import Table

    meta = document["meta"]
    console.print(
        f"[bold]ffibench[/bold] {meta.get('started')} · {meta.get('cpu')} · "
        f"{meta.get('cores')} cores · Python {meta.get('python')} · {meta.get('rustc')}"
        f"{' · quick' if meta.get('quick') else ''}"
    )
    current: Table | None = None
    scenario = None
    for group in groups(document):
        if group.scenario != scenario:
            if current is not None:
                console.print(current)
                _crossover_table(document, scenario, console)
            scenario = group.scenario
            current = Table(title=f"scenario {scenario}", title_justify="left")
            for name, justify in (
                ("operation", "left"),
                ("size", "right"),
                ("backend", "left"),
                ("median", "right"),
                ("spread", "right"),
                ("vs python", "right"),
                ("boundary", "right"),
                ("note", "left"),
            ):
                current.add_column(name, justify=justify)  # type: ignore[arg-type]
        assert current is not None
        size = "" if group.size is None else f"{group.size:,}"
        for index, row in enumerate(group.rows):
            note = "" if row.status == "ok" else f"[red]{row.status}[/red] {_clip(row.message)}"
            current.add_row(
                group.operation if index == 0 else "",
                size if index == 0 else "",
                row.backend,
                row.median,
                row.spread,
                row.speedup,
                row.boundary,
                note,
                end_section=index == len(group.rows) - 1,
            )
    if current is not None:
        console.print(current)
        _crossover_table(document, scenario, console)


def _crossover_table(document: dict[str, Any], scenario: str | None, console: Any) -> None:
    from rich.table import Table

    table = crossovers(document, scenario) if scenario else {}
    if not table:
        return
    names = list(dict.fromkeys(name for row in table.values() for name in row))
    view = Table(
        title=f"crossover in {scenario}: the smallest size from which each beats the fastest "
        "pure Python",
        title_justify="left",
    )
    view.add_column("operation")
    for name in names:
        view.add_column(name, justify="right")
    for operation, row in table.items():
        view.add_row(operation, *(row.get(name, "—") for name in names))
    console.print(view)


@dataclass(frozen=True)
class Change:
    """One benchmark in two runs: the old and new medians and what changed."""

    scenario: str
    operation: str
    size: int | None
    backend: str
    old: str
    new: str
    change: str


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Each benchmark of ``new`` beside the same one in ``old``: the ratio of the medians,
    "n.s." when the two are within each other's spread, or what is missing or failed."""

    def key(result: dict[str, Any]) -> tuple[str, str, int | None, str]:
        return (result["scenario"], result["operation"], result["size"], result["backend"])

    before = {key(result): result for result in old["results"]}
    changes = []
    for result in new["results"]:
        previous = before.get(key(result))
        ours = result["metrics"].get("time_ns") if result["status"] == "ok" else None
        theirs = None
        if previous is not None and previous["status"] == "ok":
            theirs = previous["metrics"].get("time_ns")
        if ours is None or theirs is None:
            what = "new" if previous is None else f"{previous['status']} -> {result['status']}"
        elif _overlap(ours, theirs):
            what = "n.s."
        elif ours["median"] < theirs["median"]:
            what = f"{theirs['median'] / ours['median']:.3g}x faster"
        else:
            what = f"{ours['median'] / theirs['median']:.3g}x slower"
        changes.append(
            Change(
                *key(result),
                old=format_ns(theirs["median"]) if theirs else "—",
                new=format_ns(ours["median"]) if ours else "—",
                change=what,
            )
        )
    return changes


def compare_markdown(old: dict[str, Any], new: dict[str, Any]) -> str:
    """:func:`compare` as a Markdown table, with both runs' machine and commit."""
    lines = [
        f"{label}: {run['meta'].get('started')}, commit {run['meta'].get('git')}, "
        f"{run['meta'].get('cpu')}{', quick' if run['meta'].get('quick') else ''}."
        for label, run in (("Old", old), ("New", new))
    ]
    lines += [
        "",
        "| scenario | operation | size | backend | old | new | change |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    for change in compare(old, new):
        size = "" if change.size is None else f"{change.size:,}"
        lines.append(
            f"| {change.scenario} | {change.operation} | {size} | {change.backend} "
            f"| {change.old} | {change.new} | {change.change} |"
        )
    return "\n".join(lines) + "\n"
