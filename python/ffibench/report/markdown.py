"""The report and the comparison as Markdown tables."""

from __future__ import annotations

import re
from typing import Any

from ffibench.harness.stats import ALPHA, MIN_EFFECT
from ffibench.report import format as fmt
from ffibench.report.compare import Change
from ffibench.report.guide import Sentence
from ffibench.report.model import Report, Row, distinct, row_id
from ffibench.scenarios import reference_of

#: What Markdown would read as markup in a name from a results file: a pipe ends a table
#: cell, ``<`` opens raw HTML, ``$`` a formula (GitHub), brackets a link, backticks code.
_MARKUP = re.compile(r"([\\|<>$\[\]`*])")


def _escape(text: object) -> str:
    """Text from a results file as plain text, safe in a table cell, a heading or a list
    item: Markdown's markup characters backslash-escaped, line breaks made spaces."""
    return " ".join(_MARKUP.sub(r"\\\1", str(text)).split())


def _note(row: Row) -> str:
    if row.status != "ok":
        return f"**{row.status}**: {_escape(row.message)}"
    return _escape(fmt.details(row.details))


def _machine(report: Report) -> list[str]:
    return [
        f"- **{_escape(label)}**: {_escape(value)}" for label, value in fmt.machine(report.meta)
    ]


def _guide(sentences: list[Sentence]) -> list[str]:
    lines = ["", "## Decision guide"]
    if not sentences:
        return [*lines, "", "This run has none of the rows the guide's sentences stand on."]
    topic = None
    for sentence in sentences:
        if sentence.topic != topic:
            lines += ["", f"**{_escape(sentence.topic)}**", ""]
            topic = sentence.topic
        links = ", ".join(f"[{_escape(label)}](#{anchor})" for label, anchor in sentence.rows)
        lines.append(f"- {_escape(sentence.text)} <sub>Rows: {links}</sub>")
    return lines


def render(
    report: Report,
    sentences: list[Sentence] | None = None,
    plots: dict[str, list[tuple[str, str]]] | None = None,
) -> str:
    """The machine, the decision guide (when given), and per scenario its plots (``plots``:
    scenario -> (title, file) pairs, when given), one table with a row anchor per row, and
    its crossovers."""
    lines = ["# ffibench report", "", *_machine(report)]
    taken: set[str] = set()
    if sentences is not None:
        lines += _guide(sentences)
    for scenario in report.scenarios:
        groups = [group for group in report.groups if group.scenario == scenario]
        boundary = any(row.boundary is not None for group in groups for row in group.rows)
        columns = ["operation", "size", "backend", "median", "spread",
                   f"vs {_escape(reference_of(scenario))}", "95% CI",
                   "vs best alternative"]  # fmt: skip
        columns += ["boundary"] if boundary else []
        columns += ["note"]
        title = _escape(report.titles.get(scenario, scenario))
        name = _escape(scenario)
        lines += ["", f"## {title} ({name})" if title != name else f"## {name}"]
        for caption, file in (plots or {}).get(scenario, []):
            lines += ["", f"![{_escape(caption)}]({file})"]
        lines += [
            "",
            "| " + " | ".join(columns) + " |",
            "|---|---:|---|---:|---:|---:|---:|---:|" + ("---:|" if boundary else "") + "---|",
        ]
        for group in groups:
            size = "" if group.size is None else f"{group.size:,}"
            for row in group.rows:
                anchor = distinct(
                    row_id(group.scenario, group.operation, group.size, row.participant), taken
                )
                cells = [
                    _escape(group.operation),
                    size,
                    _escape(row.participant),
                    fmt.format_figure(row.figure),
                    fmt.format_spread(row.figure),
                    fmt.format_speedup(row.speedup, interval=False) if row.speedup else "",
                    fmt.format_interval(row.speedup) if row.speedup else "",
                    fmt.format_speedup(row.versus_best, interval=False) if row.versus_best else "",
                ]
                cells += [fmt.format_boundary(row.boundary)] if boundary else []
                cells += [f'<a id="{anchor}"></a>{_note(row)}']
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
        f"Crossover in {_escape(scenario)}: the smallest size from which each is significantly "
        "better than the fastest pure Python (the spec or a `python:*` idiom), and stays so.",
        "",
        "| operation | " + " | ".join(_escape(name) for name in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for operation, row in table.items():
        cells = [fmt.format_crossover(row.get(name)) for name in names]
        lines.append(f"| {_escape(operation)} | " + " | ".join(cells) + " |")
    return lines


def render_compare(
    old: dict[str, Any],
    new: dict[str, Any],
    changes: list[Change],
    plot: str | None = None,
    threshold: float | None = None,
) -> str:
    """The comparison of two runs: both runs' machine and commit, a row per benchmark, and a
    count of what changed."""
    lines = []
    for label, run in (("Old", old), ("New", new)):
        meta = run["meta"]
        parts = [
            _escape(meta.get("started") or "?"),
            f"commit {_escape(meta['git'])}" if meta.get("git") else "",
            _escape(meta.get("cpu") or ""),
            "quick" if meta.get("quick") else "",
        ]
        lines.append(f"{label}: " + ", ".join(part for part in parts if part) + ".")
    if plot is not None:
        lines += ["", f"![Ratios of new to old, with their noise]({plot})"]
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
            f"| {_escape(change.scenario)} | {_escape(change.operation)} | {size} "
            f"| {_escape(change.backend)} "
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
        "rows show that drift."
        + (
            ""
            if threshold is None
            else f" The threshold for failing: significantly slower or worse by more than "
            f"{threshold:.0%}."
        ),
    ]
    return "\n".join(lines) + "\n"
