"""The report as plain text that fits a terminal's width (80 columns by default).

Columns without a value anywhere in a scenario are left out; a participant's name is never cut.
When the operation and size do not fit as columns, each benchmark gets a header line instead;
when the speed-up's interval does not fit, it is left out ("n.s." stays); a note that does not
fit beside its row goes, wrapped, below it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from ffibench.harness.metrics import METRICS
from ffibench.report import format as fmt
from ffibench.report.guide import Sentence
from ffibench.report.model import Group, Report, Row
from ffibench.scenarios import reference_of

GAP = "  "
NBSP = "\u00a0"
INDENT = "  "
#: The narrowest note column worth having beside a row.
MIN_NOTE = 24


@dataclass(frozen=True)
class _Column:
    header: str
    right: bool


_COLUMNS = {
    "operation": _Column("operation", False),
    "size": _Column("size", True),
    "participant": _Column("backend", False),
    "median": _Column("median", True),
    "spread": _Column("spread", True),
    "speedup": _Column("vs python", True),
    "boundary": _Column("boundary", True),
}


def _note(row: Row) -> str:
    if row.status != "ok":
        return f"{row.status}: {row.message}" if row.message else row.status
    # items per second of a timed call is its size over its time: no news in a terminal
    shown = tuple(f for f in row.details if not (row.kind == "time" and f.name == "items_per_s"))
    return fmt.details(shown)


def _cells(group: Group, row: Row, first: bool, interval: bool) -> dict[str, str]:
    return {
        "operation": group.operation if first else "",
        "size": "" if group.size is None or not first else f"{group.size:,}",
        "participant": row.participant,
        "median": fmt.format_figure(row.figure),
        "spread": fmt.format_spread(row.figure),
        "speedup": fmt.format_speedup(row.speedup, interval) if row.speedup else "",
        "boundary": fmt.format_boundary(row.boundary),
    }


def _group_title(group: Group) -> str:
    title = group.operation if group.size is None else f"{group.operation}, size {group.size:,}"
    if group.kind != "time":
        what = METRICS[group.metric].description if group.metric in METRICS else group.metric
        title += f" — {group.kind}: {what}"
    return title


def _pad(text: str, width: int, right: bool) -> str:
    return text.rjust(width) if right else text.ljust(width)


def _scenario_lines(groups: Sequence[Group], width: int) -> list[str]:
    headers = {name: column.header for name, column in _COLUMNS.items()}
    if groups:
        headers["speedup"] = f"vs {reference_of(groups[0].scenario)}"
    layouts = ((True, True), (False, True), (True, False), (False, False))
    for wide, interval in layouts:
        cells = [
            [_cells(group, row, index == 0, interval) for index, row in enumerate(group.rows)]
            for group in groups
        ]
        names = [name for name in _COLUMNS if wide or name not in ("operation", "size")]
        names = [
            name
            for name in names
            if name == "participant" or any(row[name] for group in cells for row in group)
        ]
        widths = {
            name: max(len(headers[name]), *(len(row[name]) for group in cells for row in group))
            for name in names
        }
        base = len(INDENT) + sum(widths.values()) + len(GAP) * (len(names) - 1)
        if base <= width:
            break
    notes = [[_note(row) for row in group.rows] for group in groups]
    has_notes = any(note for group in notes for note in group)
    note_width = width - base - len(GAP)
    beside = has_notes and note_width >= MIN_NOTE
    header = GAP.join(_pad(headers[name], widths[name], _COLUMNS[name].right) for name in names)
    if beside:
        header += GAP + "note"
    rule = "─" * min(width - len(INDENT), len(header))
    lines = [INDENT + header.rstrip(), INDENT + rule]
    for group, group_cells, group_notes in zip(groups, cells, notes, strict=True):
        if not wide:
            lines.append(textwrap.shorten(_group_title(group), width, placeholder="…"))
        for row, note in zip(group_cells, group_notes, strict=True):
            text = GAP.join(_pad(row[name], widths[name], _COLUMNS[name].right) for name in names)
            if not note:
                lines.append((INDENT + text).rstrip())
                continue
            if beside:
                wrapped = textwrap.wrap(note, note_width, break_on_hyphens=False) or [""]
                lines.append((INDENT + text + GAP + wrapped[0]).rstrip())
                lines += [" " * (base + len(GAP)) + more for more in wrapped[1:]]
            else:
                lines.append((INDENT + text).rstrip())
                lines += textwrap.wrap(
                    note, width, initial_indent=" " * 6, subsequent_indent=" " * 6,
                    break_on_hyphens=False,
                )  # fmt: skip
    return lines


def _crossover_lines(report: Report, scenario: str, width: int) -> list[str]:
    table = report.crossovers.get(scenario)
    if not table:
        return []
    lines = textwrap.wrap(
        f"crossover in {scenario}: the smallest size from which each is significantly better "
        "than the fastest pure Python, and stays so",
        width,
    )
    for operation, row in table.items():
        # a name and its size stay on one line: join them with no-break spaces while wrapping
        parts = " · ".join(
            f"{name} {fmt.format_crossover(c)}".replace(" ", NBSP) for name, c in row.items()
        )
        wrapped = textwrap.wrap(
            f"{operation}: {parts}", width, initial_indent=INDENT, subsequent_indent=INDENT * 3
        )
        lines += [line.replace(NBSP, " ") for line in wrapped]
    return lines


def render(report: Report, width: int = 80, sentences: Sequence[Sentence] = ()) -> str:
    """The whole report as text, every line at most ``width`` columns (participant names and
    long unbreakable words aside, which are never cut), then the decision guide's
    ``sentences`` when given."""
    meta = report.meta
    parts = [
        str(meta.get("started") or ""),
        str(meta.get("cpu") or ""),
        f"{meta['cores']} cores" if meta.get("cores") else "",
        f"Python {meta['python']}" if meta.get("python") else "",
        str(meta.get("rustc") or ""),
        f"{meta['duration_s']:.0f} s" if isinstance(meta.get("duration_s"), int | float) else "",
        "quick" if meta.get("quick") else "",
        "interrupted" if meta.get("interrupted") else "",
    ]
    lines = textwrap.wrap(" · ".join(["ffibench", *(part for part in parts if part)]), width)
    scenarios = list(dict.fromkeys(group.scenario for group in report.groups))
    for scenario in scenarios:
        lines += ["", f"scenario {scenario}"]
        lines += _scenario_lines([g for g in report.groups if g.scenario == scenario], width)
        crossover = _crossover_lines(report, scenario, width)
        if crossover:
            lines += ["", *crossover]
    if sentences:
        lines += [
            "",
            *textwrap.wrap(
                "decision guide, from this run's numbers (the HTML report, "
                "--format html, links each sentence to its rows):",
                width,
            ),
        ]
        topic = None
        for sentence in sentences:
            if sentence.topic != topic:
                lines += ["", sentence.topic]
                topic = sentence.topic
            lines += textwrap.wrap(
                sentence.text, width, initial_indent="- ", subsequent_indent="  ",
                break_on_hyphens=False,
            )  # fmt: skip
    return "\n".join(_plain(line) for line in lines) + "\n"


def _plain(line: str) -> str:
    """A line as a terminal shows it and nothing else: a line break, tab or other space from a
    name in the results file becomes a space (so the row stays one row, as wide as measured),
    any other character that is not printable (the escape that starts a sequence to clear
    the screen or set its title) a ``?``."""
    return "".join(
        character if character.isprintable() else " " if character.isspace() else "?"
        for character in line
    )
