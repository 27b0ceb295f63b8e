"""The report as one self-contained HTML page: the machine, the decision guide, and per
scenario its plots, its table and its crossovers.

Everything is inline (styles, and the plots as ``data:`` PNG images), so the page opens
offline, can be mailed as one file, and names no external URL of any kind. Every row of every
table has an id (:func:`~ffibench.report.model.row_id`) that the guide's sentences link to; the
row a link points at is highlighted.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from collections.abc import Iterable

from ffibench.harness.stats import ALPHA, MIN_EFFECT
from ffibench.report import format as fmt
from ffibench.report.compare import Change
from ffibench.report.guide import Sentence
from ffibench.report.model import Group, Report, Row, Speedup, distinct, row_id
from ffibench.report.plots import Plot
from ffibench.scenarios import reference_of

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1240px;
       padding: 0 16px 48px; color: #1a1a1a; }
h1 { margin: 24px 0 4px; } h2 { margin-top: 40px; border-bottom: 1px solid #ddd; }
h3 { margin: 20px 0 6px; font-size: 16px; }
nav a { margin-right: 12px; }
dl.machine { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px;
             font-size: 14px; }
dl.machine dt { color: #555; } dl.machine dd { margin: 0; }
.guide li { margin: 6px 0; }
.guide details { display: inline; font-size: 12px; color: #555; }
.guide summary { display: inline; cursor: pointer; color: #1f5fa8; }
figure { margin: 16px 0; } figure img { max-width: 100%; height: auto;
  border: 1px solid #eee; }
figcaption { font-size: 13px; color: #444; }
figcaption .missing { color: #b00020; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; }
th { background: #f6f6f6; position: sticky; top: 0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.first td { border-top: 1px solid #bbb; }
tr.bad td { background: #fff0f0; } tr.bad td.status { color: #b00020; font-weight: 600; }
tr:target td { background: #fff3b0; }
.win { color: #0a6b2b; } .loss { color: #a33; } .ns { color: #777; }
.small { font-size: 12px; color: #555; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _section(scenario: str) -> str:
    """A scenario's section id: a slug, whatever characters its name holds."""
    return "s-" + (re.sub(r"[^a-z0-9]+", "-", scenario.lower()).strip("-") or "x")


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def image(plot: Plot) -> str:
    """A plot as an ``<img>`` with its PNG inline and its intrinsic size."""
    width, height = _png_size(plot.png)
    data = base64.b64encode(plot.png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{_e(plot.title)}" '
        f'width="{width}" height="{height}">'
    )


def _figure(plot: Plot) -> str:
    missing = ""
    if plot.missing:
        items = "".join(f"<li>{_e(line)}</li>" for line in plot.missing)
        missing = f'<div class="missing">Not shown ({len(plot.missing)}):<ul>{items}</ul></div>'
    return (
        f'<figure id="plot-{_e(plot.name)}">{image(plot)}'
        f"<figcaption>{_e(plot.title)}{missing}</figcaption></figure>"
    )


def _speedup_cell(speedup: Speedup | None) -> str:
    if speedup is None:
        return '<td class="n"></td>'
    text = fmt.format_speedup(speedup, interval=False)
    style = "ns"
    if speedup.significant:
        style = "win" if speedup.value > 1.0 else "loss"
    return f'<td class="n {style}">{_e(text)}</td>'


def _note(row: Row) -> str:
    if row.status != "ok":
        return f"{row.message}"
    return fmt.details(row.details)


def _row(group: Group, row: Row, first: bool, boundary: bool, taken: set[str]) -> str:
    anchor = distinct(row_id(group.scenario, group.operation, group.size, row.participant), taken)
    classes = " ".join(word for word, on in (("first", first), ("bad", row.status != "ok")) if on)
    interval = fmt.format_interval(row.speedup) if row.speedup else ""
    best = row.versus_best
    cells = [
        f"<td>{_e(group.operation) if first else ''}</td>",
        f'<td class="n">{"" if group.size is None or not first else f"{group.size:,}"}</td>',
        f"<td>{_e(row.participant)}</td>",
        f'<td class="status">{_e(row.status)}</td>',
        f'<td class="n">{_e(fmt.format_figure(row.figure))}</td>',
        f'<td class="n">{_e(fmt.format_spread(row.figure))}</td>',
        _speedup_cell(row.speedup),
        f'<td class="n">{_e(interval)}</td>',
        _speedup_cell(best),
    ]
    if boundary:
        cells.append(f'<td class="n">{_e(fmt.format_boundary(row.boundary))}</td>')
    cells.append(f"<td>{_e(_note(row))}</td>")
    return f'<tr id="{anchor}" class="{classes}">{"".join(cells)}</tr>'


def _table(groups: list[Group], taken: set[str]) -> str:
    """One scenario's table; ``taken``: the row ids the page has given out so far."""
    boundary = any(row.boundary is not None for group in groups for row in group.rows)
    versus = f"vs {reference_of(groups[0].scenario)}" if groups else "vs python"
    headers = ["operation", "size", "backend", "status", "median", "spread", versus,
               "95% CI", "vs best alternative"]  # fmt: skip
    headers += ["boundary"] if boundary else []
    headers += ["note"]
    head = "".join(f"<th>{_e(header)}</th>" for header in headers)
    body = []
    for group in groups:
        for index, row in enumerate(group.rows):
            body.append(_row(group, row, index == 0, boundary, taken))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _crossovers(report: Report, scenario: str) -> str:
    table = report.crossovers.get(scenario)
    if not table:
        return ""
    names = list(dict.fromkeys(name for row in table.values() for name in row))
    head = "".join(f"<th>{_e(name)}</th>" for name in ["operation", *names])
    body = "".join(
        f"<tr><td>{_e(operation)}</td>"
        + "".join(f'<td class="n">{_e(fmt.format_crossover(row.get(n)))}</td>' for n in names)
        + "</tr>"
        for operation, row in table.items()
    )
    return (
        f"<h3>Crossovers</h3><p class=small>The smallest size from which each is significantly "
        f"better than the fastest pure Python (the spec or a <code>python:*</code> idiom) and "
        f"stays so at every larger size measured; ≤ when it already is at the smallest.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _machine(report: Report) -> str:
    items = "".join(
        f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in fmt.machine(report.meta)
    )
    return f'<dl class="machine">{items}</dl>'


def _guide(sentences: list[Sentence]) -> str:
    if not sentences:
        return (
            '<section id="guide"><h2>Decision guide</h2><p>This run has none of the rows '
            "the guide's sentences stand on.</p></section>"
        )
    parts = ['<section id="guide" class="guide"><h2>Decision guide</h2>',
             "<p class=small>Derived from this run's numbers; each sentence links to the rows "
             "it stands on.</p>"]  # fmt: skip
    topic = None
    for sentence in sentences:
        if sentence.topic != topic:
            if topic is not None:
                parts.append("</ul>")
            parts.append(f"<h3>{_e(sentence.topic)}</h3><ul>")
            topic = sentence.topic
        links = ", ".join(
            f'<a href="#{_e(anchor)}">{_e(label)}</a>' for label, anchor in sentence.rows
        )
        count = len(sentence.rows)
        parts.append(
            f"<li>{_e(sentence.text)} <details><summary>{count} row{'s' * (count != 1)}"
            f"</summary> {links}</details></li>"
        )
    parts.append("</ul></section>")
    return "".join(parts)


def _reading() -> str:
    return (
        '<section id="reading"><h2>How to read this</h2><ul class=small>'
        "<li><b>median</b>: the operation's primary metric (time of one call unless said "
        "otherwise); <b>spread</b>: its standard deviation over the median.</li>"
        "<li><b>vs python</b>: how many times better than the spec (the pure-Python module), "
        "the geometric mean of per-round paired ratios with its 95% t-interval (<b>95% CI</b>); "
        "grey when the interval includes 1 (n.s.).</li>"
        "<li><b>vs best alternative</b>: the same against the best of what Python offers "
        "without Rust at that size: the spec, an idiom (<code>python:*</code>) or a library "
        "anchor such as NumPy.</li>"
        "<li><b>boundary</b>: the share of a call that is not the Rust work itself (criterion's "
        "Rust-native time subtracted).</li>"
        f"<li>Statistics: see docs/METHOD.md; compare calls a change at p &lt; {ALPHA:g} and "
        f"at least {MIN_EFFECT:.0%}.</li></ul></section>"
    )


def _page(title: str, body: Iterable[str]) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def render(report: Report, sentences: list[Sentence], plots: list[Plot]) -> str:
    """The whole page."""
    scenarios = report.scenarios
    taken: set[str] = set()
    nav = "".join(f'<a href="#{_section(name)}">{_e(name)}</a>' for name in scenarios)
    body = [
        "<h1>ffibench report</h1>",
        f'<nav><a href="#guide">decision guide</a>{nav}<a href="#reading">how to read</a></nav>',
        "<h2>Machine</h2>",
        _machine(report),
        _guide(sentences),
    ]
    for scenario in scenarios:
        title = report.titles.get(scenario, scenario)
        body.append(f'<section id="{_section(scenario)}"><h2>{_e(title)} <small>({_e(scenario)})'
                    "</small></h2>")  # fmt: skip
        body += [_figure(plot) for plot in plots if plot.scenario == scenario]
        groups = [group for group in report.groups if group.scenario == scenario]
        body.append(_table(groups, taken))
        body.append(_crossovers(report, scenario))
        body.append("</section>")
    body.append(_reading())
    started = report.meta.get("started") or ""
    return _page(f"ffibench report {started}", body)


def render_compare(
    old: dict[str, object],
    new: dict[str, object],
    changes: list[Change],
    plot: Plot | None,
    threshold: float | None,
) -> str:
    """The comparison of two runs: both runs' machines, the plot of ratios, and the table."""
    sections = []
    for label, run in (("Old", old), ("New", new)):
        meta = run.get("meta")
        pairs = fmt.machine(meta if isinstance(meta, dict) else {})
        items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in pairs)
        sections.append(f'<h2>{label} run</h2><dl class="machine">{items}</dl>')
    rows = []
    for change in changes:
        size = "" if change.size is None else f"{change.size:,}"
        verdict = change.verdict
        style = "ns"
        if change.changed:
            style = "win" if change.verdict in ("faster", "better") else "loss"
        factor = ""
        if change.ratio is not None:
            factor = fmt.format_ratio(change.ratio)
        p_value = "" if change.p_value is None else f"{change.p_value:.2g}"
        rows.append(
            f"<tr><td>{_e(change.scenario)}</td><td>{_e(change.operation)}</td>"
            f'<td class="n">{size}</td><td>{_e(change.backend)}</td>'
            f'<td class="n">{_e(fmt.format_figure(change.old))}</td>'
            f'<td class="n">{_e(fmt.format_figure(change.new))}</td>'
            f'<td class="n">{_e(factor)}</td><td class="{style}">{_e(verdict)}</td>'
            f'<td class="n">{p_value}</td></tr>'
        )
    limit = (
        f"; the command fails (exit status 1) when a row got significantly slower or worse by "
        f"more than {threshold:.0%}"
        if threshold is not None
        else ""
    )
    intro = (
        "<p class=small>Each participant is judged on its ratio to the spec within each run, "
        "which cancels the machine's drift between runs; the spec's own rows show that drift. "
        f"A change is called at p &lt; {ALPHA:g} (Welch) and at least {MIN_EFFECT:.0%}"
        f"{_e(limit)}. The ratio is new over old.</p>"
    )
    table = (
        "<table><thead><tr><th>scenario</th><th>operation</th><th>size</th><th>backend</th>"
        "<th>old</th><th>new</th><th>ratio</th><th>verdict</th><th>p</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    figure = _figure(plot) if plot is not None else ""
    return _page("ffibench compare", ["<h1>ffibench compare</h1>", *sections, intro, figure, table])
