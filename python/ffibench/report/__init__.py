"""``ffibench report`` and ``ffibench compare``: one model, several renderers.

:func:`build` turns a results document into a :class:`~ffibench.report.model.Report` (rows,
speed-ups with their intervals, crossovers, boundary shares, significance), computed once;
:func:`terminal` and :func:`markdown` render it (an HTML renderer is one more module over the
same model). :func:`compare` is the model of two runs side by side, :func:`compare_markdown`
its rendering.
"""

from __future__ import annotations

from typing import Any

from ffibench.report import markdown as _markdown
from ffibench.report import terminal as _terminal
from ffibench.report.compare import Change, compare
from ffibench.report.format import format_ns, format_value
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
    "Speedup",
    "base_operation",
    "build",
    "compare",
    "compare_markdown",
    "crossovers",
    "format_ns",
    "format_value",
    "groups",
    "markdown",
    "terminal",
]


def terminal(document: dict[str, Any], width: int = 80) -> str:
    """The report as text at most ``width`` columns wide."""
    return _terminal.render(build(document), width)


def markdown(document: dict[str, Any]) -> str:
    """The report as Markdown: one table per scenario, then its crossovers."""
    return _markdown.render(build(document))


def compare_markdown(old: dict[str, Any], new: dict[str, Any]) -> str:
    """:func:`compare` as a Markdown table, with both runs' machine and commit."""
    return _markdown.render_compare(old, new, compare(old, new))
