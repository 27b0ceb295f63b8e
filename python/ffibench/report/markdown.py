"""The report and the comparison as Markdown tables."""

from __future__ import annotations

from typing import Any

from ffibench.harness.stats import ALPHA, MIN_EFFECT
from ffibench.report import format as fmt
from ffibench.report.compare import Change
from ffibench.report.model import Report, Row


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _note(row: Row) -> str:
    if row.status != "ok":
        return f"**{row.status}**: {_escape(row.message)}"
    return _escape(fmt.details(row.details))


def render(report: Report) -> str:
    """One table per scenario, then its crossovers."""
    meta = report.meta
    lines = [
        f"Run of {meta.get('started')} on {meta.get('cpu')} ({meta.get('cores')} cores), "
        f"Python {meta.get('python')}, {meta.get('rustc')}, commit {meta.get('git')}"
        f"{', quick' if meta.get('quick') else ''}"
        f"{', interrupted' if meta.get('interrupted') else ''}.",
    ]
    scenarios = list(dict.fromkeys(group.scenario for group in report.groups))
    for scenario in scenarios:
        groups = [group for group in report.groups if group.scenario == scenario]
        boundary = any(row.boundary is not None for group in groups for row in group.rows)
        columns = ["operation", "size", "backend", "median", "spread", "vs python", "95% CI"]
        columns += ["boundary"] if boundary else []
        columns += ["note"]
        lines += [
            "",
            f"### {scenario}",
            "",
            "| " + " | ".join(columns) + " |",
            "|---|---:|---|---:|---:|---:|---:|" + ("---:|" if boundary else "") + "---|",
        ]
        for group in groups:
            size = "" if group.size is None else f"{group.size:,}"
            for row in group.rows:
                cells = [
                    group.operation,
                    size,
                    row.participant,
                    fmt.format_figure(row.figure),
                    fmt.format_spread(row.figure),
                    fmt.format_speedup(row.speedup, interval=False) if row.speedup else "",
                    fmt.format_interval(row.speedup) if row.speedup else "",
                ]
                cells += [fmt.format_boundary(row.boundary)] if boundary else []
                cells += [_note(row)]
                lines.append("| " + " | ".join(cells) + " |")
        lines += _crossovers(report, scenario)
    return "\n".join(lines) + "\n"


def _crossovers(report: Report, scenario: str) -> list[str]:
    table = report.crossovers.get(scenario)
    if not table:
        return []
    names = list(dict.fromkeys(name for row in table.values() for name in row))
    lines = [
        "",
        f"Crossover in {scenario}: the smallest size from which each is significantly better "
        "than the fastest pure Python (the spec or a `python:*` idiom), and stays so.",
        "",
        "| operation | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for operation, row in table.items():
        cells = [fmt.format_crossover(row.get(name)) for name in names]
        lines.append(f"| {operation} | " + " | ".join(cells) + " |")
    return lines


def render_compare(old: dict[str, Any], new: dict[str, Any], changes: list[Change]) -> str:
    """The comparison of two runs: both runs' machine and commit, a row per benchmark, and a
    count of what changed."""
    lines = [
        f"{label}: {run['meta'].get('started')}, commit {run['meta'].get('git')}, "
        f"{run['meta'].get('cpu')}{', quick' if run['meta'].get('quick') else ''}."
        for label, run in (("Old", old), ("New", new))
    ]
    lines += [
        "",
        "| scenario | operation | size | backend | old | new | change | p |",
        "|---|---|---:|---|---:|---:|---|---:|",
    ]
    for change in changes:
        size = "" if change.size is None else f"{change.size:,}"
        verdict = change.verdict
        if (change.changed or change.verdict == "drift") and change.ratio is not None:
            factor = change.ratio if change.ratio >= 1 else 1 / change.ratio
            verdict = f"{fmt.format_ratio(factor)} {change.verdict}"
        p_value = "" if change.p_value is None else f"{change.p_value:.2g}"
        lines.append(
            f"| {change.scenario} | {change.operation} | {size} | {change.backend} "
            f"| {fmt.format_figure(change.old)} | {fmt.format_figure(change.new)} "
            f"| {verdict} | {p_value} |"
        )
    counts: dict[str, int] = {}
    for change in changes:
        word = (
            change.verdict
            if change.changed or change.verdict in ("n.s.", "new", "missing", "drift")
            else "status changed"
        )
        counts[word] = counts.get(word, 0) + 1
    lines += [
        "",
        f"{len(changes)} rows: "
        + ", ".join(f"{count} {word}" for word, count in sorted(counts.items()))
        + f"; a change is called when Welch's t-test on the log per-process values gives "
        f"p < {ALPHA:g} and it is at least {MIN_EFFECT:.0%}, on each participant's per-round "
        "ratio to the spec (which cancels the machine's drift between runs); the spec's own "
        "rows show that drift.",
    ]
    return "\n".join(lines) + "\n"
