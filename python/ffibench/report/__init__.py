"""``ffibench report`` and ``ffibench compare``: one model, several renderers.

:func:`build` turns a results document into a :class:`~ffibench.report.model.Report` (rows,
speed-ups with their intervals, crossovers, boundary shares, significance), computed once;
:mod:`~ffibench.report.guide` derives the decision guide from it and
:mod:`~ffibench.report.plots` its figures; :func:`terminal`, :func:`markdown`,
:func:`write_markdown` and :func:`html` render them. :func:`compare` is the model of two runs
side by side, :func:`compare_markdown` and :func:`compare_html` its renderings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ffibench.report import markdown as _markdown
from ffibench.report import terminal as _terminal
from ffibench.report.compare import Change, compare, regressions
from ffibench.report.format import format_ns, format_value
from ffibench.report.guide import Sentence, guide
from ffibench.report.model import (
    Crossover,
    Figure,
    Group,
    Report,
    Row,
    Speedup,
    base_operation,
    build,
    crossovers,
    groups,
)

__all__ = [
    "Change",
    "Crossover",
    "Figure",
    "Group",
    "Report",
    "Row",
    "Sentence",
    "Speedup",
    "base_operation",
    "build",
    "compare",
    "compare_html",
    "compare_markdown",
    "crossovers",
    "format_ns",
    "format_value",
    "groups",
    "guide",
    "html",
    "markdown",
    "regressions",
    "terminal",
    "write_markdown",
]


def terminal(document: dict[str, Any], width: int = 80) -> str:
    """The report as text at most ``width`` columns wide, the decision guide at the end."""
    report = build(document)
    return _terminal.render(report, width, guide(report))


def markdown(document: dict[str, Any]) -> str:
    """The report as Markdown without plots: the machine, the decision guide, one table per
    scenario, then its crossovers."""
    report = build(document)
    return _markdown.render(report, guide(report))


def write_markdown(document: dict[str, Any], directory: Path) -> Path:
    """The Markdown report as ``directory/report.md`` with its plots as PNG files beside it;
    returns the report's path."""
    from ffibench.report.plots import plots

    report = build(document)
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[tuple[str, str]]] = {}
    for plot in plots(report):
        name = f"{plot.name}.png"
        (directory / name).write_bytes(plot.png)
        files.setdefault(plot.scenario, []).append((plot.title, name))
    path = directory / "report.md"
    path.write_text(_markdown.render(report, guide(report), files), encoding="utf-8")
    return path


def html(document: dict[str, Any]) -> str:
    """The report as one self-contained HTML page with its plots inline."""
    from ffibench.report import page as _page
    from ffibench.report.plots import plots

    report = build(document)
    return _page.render(report, guide(report), plots(report))


def compare_markdown(
    old: dict[str, Any],
    new: dict[str, Any],
    threshold: float | None = None,
    directory: Path | None = None,
    changes: list[Change] | None = None,
) -> str:
    """:func:`compare` as a Markdown table, with both runs' machine and commit; with a
    ``directory``, the plot of ratios is written there as ``compare.png`` and shown.
    ``changes`` is :func:`compare`'s answer when the caller has it already."""
    changes = compare(old, new) if changes is None else changes
    plot_file = None
    if directory is not None:
        from ffibench.report.plots import compare_plot

        plot = compare_plot(changes, threshold)
        if plot is not None:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "compare.png").write_bytes(plot.png)
            plot_file = "compare.png"
    return _markdown.render_compare(old, new, changes, plot_file, threshold)


def compare_html(
    old: dict[str, Any],
    new: dict[str, Any],
    threshold: float | None = None,
    changes: list[Change] | None = None,
) -> str:
    """:func:`compare` as one self-contained HTML page with the plot of ratios."""
    from ffibench.report import page as _page
    from ffibench.report.plots import compare_plot

    changes = compare(old, new) if changes is None else changes
    return _page.render_compare(old, new, changes, compare_plot(changes, threshold), threshold)
