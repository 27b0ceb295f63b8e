"""The report's plots, drawn with matplotlib (its object API and the Agg canvas: no display,
no global pyplot state), as PNG bytes that the HTML page embeds and the Markdown report writes
beside itself.

- An operation measured at two sizes or more gets three panels against size, log-log: its
  primary metric with a band of ± one standard deviation (dashed: p99 where a latency has
  one, the Rust-native time where criterion measured it); the speed-up over the spec with its
  95% interval; and the speed-up over the best alternative (the best of the spec, the Python
  idioms and the library anchors at each size).
- The operations of a scenario with one size or none share one figure: a panel per operation,
  a bar per participant with its standard deviation.
- A participant that did not give a figure (not applicable, mismatch, error, or a missing
  metric) is never dropped silently: it is written on the bar chart in place of its bar, and
  every plot lists what it does not show in :attr:`Plot.missing`.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure as Canvas
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator
from PIL import Image

from ffibench._backends import BACKENDS
from ffibench.harness.criterion import BACKEND as RUST
from ffibench.harness.metrics import METRICS
from ffibench.harness.stats import MIN_EFFECT
from ffibench.report import format as fmt
from ffibench.report.compare import Change
from ffibench.report.model import Group, Report, Row, Speedup, is_python
from ffibench.scenarios import NATIVE, REFERENCE, reference_of

_BACKEND_COLOURS = {
    "pyo3": "#d95f02",
    "ctypes": "#1f78b4",
    "cffi_abi": "#33a02c",
    "cffi_api": "#e7298a",
    RUST: "#6a3d9a",
    # the http scenario's servers that run this project's Rust
    "axum": "#b2182b",
    "axum:inprocess": "#f4a582",
    "flask:pyo3-handlers": "#fdae61",
}
_ANCHOR_COLOURS = ("#a6761d", "#1b9e77", "#7570b3", "#e6ab02", "#17becf", "#b15928", "#bcbd22")
_GREYS = ("#555555", "#888888", "#aaaaaa", "#333333")
_DPI = 100
#: The longest name drawn in a plot, and the longest file name a plot gets (before ``.png``).
_LABEL = 40
_NAME = 80


@dataclass(frozen=True)
class Plot:
    """One figure: a file-safe ``name``, its ``scenario``, a ``title``, the PNG bytes, and
    ``missing``: one line per participant and size it does not show, saying why."""

    name: str
    scenario: str
    title: str
    png: bytes
    missing: tuple[str, ...]


class _Palette:
    """A fixed colour and line style per participant, the same in every plot of a report."""

    def __init__(self, participants: list[str]) -> None:
        self._styles: dict[str, tuple[str, str]] = {}
        anchors = [
            p
            for p in participants
            if p not in BACKENDS and p != RUST and p not in NATIVE and not is_python(p)
        ]
        idioms = [p for p in participants if is_python(p) and p != REFERENCE]
        for index, name in enumerate(sorted(anchors)):
            self._styles[name] = (_ANCHOR_COLOURS[index % len(_ANCHOR_COLOURS)], "-")
        for index, name in enumerate(sorted(idioms)):
            self._styles[name] = (_GREYS[index % len(_GREYS)], ":")
        self._styles[REFERENCE] = ("#000000", "-")
        for name, colour in _BACKEND_COLOURS.items():
            self._styles[name] = (colour, "--" if name == RUST else "-")

    def colour(self, participant: str) -> str:
        return self._styles.get(participant, ("#999999", "-"))[0]

    def line(self, participant: str) -> str:
        return self._styles.get(participant, ("#999999", "-"))[1]


def _versus(groups: list[Group]) -> str:
    """What the speed-ups of a plot are over: the spec, or the scenario's own reference."""
    reference = reference_of(groups[0].scenario) if groups else REFERENCE
    return "python (the spec)" if reference == REFERENCE else reference


def _slug(*parts: str) -> str:
    """A file-safe name: the parts in lowercase ASCII words, cut to a length every file system
    takes, with a short hash of the parts when that loses anything (case, punctuation, other
    scripts, length), so that two names never share a file."""
    slug = "-".join(re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts)
    if len(slug) <= _NAME and all(re.fullmatch(r"[a-z0-9_:.\-]*", part) for part in parts):
        return slug
    digest = hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()[:10]
    return "-".join(part for part in (slug[:_NAME].strip("-"), digest) if part)


def _label(name: str) -> str:
    """A name as a plot shows it: on one line, at most ``_LABEL`` characters."""
    flat = " ".join(name.split())
    return flat if len(flat) <= _LABEL else flat[: _LABEL - 1] + "…"


def _png(canvas: Canvas) -> bytes:
    """The figure as a PNG of at most 256 colours: a third of the size of matplotlib's RGBA,
    and the same to the eye for line plots (Pillow comes with matplotlib)."""
    drawn = io.BytesIO()
    canvas.savefig(drawn, format="png", dpi=_DPI, metadata={"Software": None})
    drawn.seek(0)
    with Image.open(drawn) as picture:
        small = picture.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="png", optimize=True)
    return out.getvalue()


def _compact(value: float) -> str:
    """A size on an axis: ``10``, ``1k``, ``100k``, ``10M``."""
    for suffix, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def _lean(axes: Axes, y_format: Callable[[float], str] | None = None) -> None:
    """Ticks a reader can use, cheaply: no minor ticks on log axes (hundreds of tick artists
    each, and half a plot's time), major ticks at 1-2-5 when an axis spans two decades or
    less (else one decade may have no label at all), and labels in the data's own unit."""
    for axis, limits in ((axes.xaxis, axes.get_xlim()), (axes.yaxis, axes.get_ylim())):
        axis.set_minor_locator(NullLocator())
        if axis.get_scale() != "log":
            continue
        low, high = sorted(limits)
        if low > 0 and math.log10(high / low) <= 2.0:
            axis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    if axes.xaxis.get_scale() == "log":
        axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: _compact(value)))
    if y_format is not None:
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: y_format(value)))


def _metric_label(name: str, unit: str) -> str:
    description = METRICS[name].description if name in METRICS else name
    return f"{description} ({unit})" if unit else description


def _why(row: Row) -> str:
    if row.status != "ok":
        return f"{row.status}: {row.message}" if row.message else row.status
    return "no figure for the primary metric"


def _missing(group: Group, row: Row) -> str:
    size = "" if group.size is None else f" at {group.size:,}"
    return f"{group.operation}{size}, {row.participant}: {_why(row)}"


def _positive(values: list[float]) -> bool:
    return all(value > 0 and math.isfinite(value) for value in values)


def _speedup_panel(
    axes: Axes,
    groups: list[Group],
    palette: _Palette,
    pick: Callable[[Row], Speedup | None],
    title: str,
) -> None:
    drawn = False
    names = list(dict.fromkeys(row.participant for group in groups for row in group.rows))
    for name in names:
        points: list[tuple[int, Speedup]] = []
        for group in groups:
            row = group.row(name)
            found = pick(row) if row is not None and row.status == "ok" else None
            if found is not None and found.method != "reference" and group.size is not None:
                points.append((group.size, found))
        if not points:
            continue
        sizes = [size for size, _ in points]
        values = [found.value for _, found in points]
        axes.plot(
            sizes, values, marker="o", markersize=3, color=palette.colour(name),
            linestyle=palette.line(name), label=_label(name),
        )  # fmt: skip
        bounded = [(s, f) for s, f in points if f.low is not None and f.high is not None]
        if len(bounded) >= 2:
            axes.fill_between(
                [s for s, _ in bounded],
                [f.low or 0.0 for _, f in bounded],
                [f.high or 0.0 for _, f in bounded],
                color=palette.colour(name),
                alpha=0.15,
                linewidth=0,
            )
        drawn = True
    axes.axhline(1.0, color="#000000", linewidth=0.8)
    axes.set_xscale("log")
    if drawn:
        axes.set_yscale("log")
    axes.set_title(title, fontsize=9)
    axes.set_ylabel("times better (log)", fontsize=8)
    axes.grid(True, which="major", alpha=0.3)
    axes.tick_params(labelsize=7)
    _lean(axes, lambda value: f"{value:g}x")


def _sized(report: Report, scenario: str, operation: str, groups: list[Group]) -> Plot:
    palette = _Palette([row.participant for group in groups for row in group.rows])
    # Fixed margins: constrained layout doubles the time of a log-log figure.
    canvas = Canvas(figsize=(12, 3.6))
    canvas.subplots_adjust(left=0.06, right=0.99, bottom=0.13, top=0.92, wspace=0.22)
    metric_axes, spec_axes, best_axes = canvas.subplots(1, 3)
    missing: list[str] = []
    names = list(dict.fromkeys(row.participant for group in groups for row in group.rows))
    unit_label = ""
    first_unit = ""
    for name in names:
        points = []
        for group in groups:
            row = group.row(name)
            if row is None:
                continue
            if row.status != "ok" or row.figure is None:
                missing.append(_missing(group, row))
                continue
            points.append((group.size or 0, row))
        if not points:
            continue
        sizes = [size for size, _ in points]
        medians = [row.figure.median for _, row in points if row.figure]
        first = points[0][1].figure
        assert first is not None
        unit_label = _metric_label(first.name, first.unit)
        first_unit = first.unit
        colour, style = palette.colour(name), palette.line(name)
        metric_axes.plot(
            sizes,
            medians,
            marker="o",
            markersize=3,
            color=colour,
            linestyle=style,
            label=_label(name),
        )
        # the band's floor stays above zero on a log axis: a tenth of the median at most
        low = [
            max(r.figure.median - (r.figure.stdev or 0.0), r.figure.median / 10.0)
            for _, r in points
            if r.figure
        ]
        high = [r.figure.median + (r.figure.stdev or 0.0) for _, r in points if r.figure]
        metric_axes.fill_between(sizes, low, high, color=colour, alpha=0.15, linewidth=0)
        tail = [
            next((d.median for d in row.details if d.name == "latency_p99_ns"), None)
            for _, row in points
        ]
        if points[0][1].kind == "latency" and all(value is not None for value in tail):
            metric_axes.plot(sizes, tail, color=colour, linestyle="--", linewidth=0.8)
    positive = [
        row.figure.median
        for group in groups
        for row in group.rows
        if row.figure is not None and row.status == "ok"
    ]
    metric_axes.set_xscale("log")
    if positive and _positive(positive):
        metric_axes.set_yscale("log")
    unit = report.size_unit(scenario, operation)
    for axes in (metric_axes, spec_axes, best_axes):
        axes.set_xlabel(unit, fontsize=8)
    metric_axes.set_ylabel(unit_label, fontsize=8)
    metric_axes.set_title(f"{_label(operation)}: median, band ± 1 sd", fontsize=9)
    metric_axes.grid(True, which="major", alpha=0.3)
    metric_axes.tick_params(labelsize=7)
    if metric_axes.get_legend_handles_labels()[1]:
        metric_axes.legend(fontsize=7, loc="best")
    metric_unit = first_unit
    _lean(metric_axes, lambda value: fmt.format_value(value, metric_unit))
    _speedup_panel(
        spec_axes, groups, palette, lambda row: row.speedup, f"vs {_versus(groups)}, 95% CI"
    )
    _speedup_panel(
        best_axes, groups, palette, lambda row: row.versus_best,
        "vs the best alternative at each size, 95% CI",
    )  # fmt: skip
    title = f"{scenario}: {operation}"
    return Plot(_slug(scenario, operation), scenario, title, _png(canvas), tuple(missing))


def _single(report: Report, scenario: str, groups: list[Group]) -> Plot:
    palette = _Palette([row.participant for group in groups for row in group.rows])
    columns = min(3, len(groups))
    rows_needed = math.ceil(len(groups) / columns)
    tallest = max(len(group.rows) for group in groups)
    canvas = Canvas(figsize=(12, rows_needed * (0.8 + 0.22 * tallest)), layout="constrained")
    grid = canvas.subplots(rows_needed, columns, squeeze=False)
    missing: list[str] = []
    for index, group in enumerate(groups):
        axes = grid[index // columns][index % columns]
        labels, values, errors, colours = [], [], [], []
        notes: list[tuple[int, str]] = []
        for position, row in enumerate(group.rows):
            labels.append(_label(row.participant))
            colours.append(palette.colour(row.participant))
            if row.status == "ok" and row.figure is not None:
                values.append(row.figure.median)
                errors.append(row.figure.stdev or 0.0)
            else:
                values.append(0.0)
                errors.append(0.0)
                notes.append((position, row.status if row.status != "ok" else "no figure"))
                missing.append(_missing(group, row))
        positions = list(range(len(labels)))
        axes.barh(positions, values, xerr=errors, color=colours, height=0.7, capsize=2,
                  error_kw={"elinewidth": 0.8})  # fmt: skip
        axes.set_yticks(positions, labels, fontsize=7)
        axes.invert_yaxis()
        top = max(values) if values and max(values) > 0 else 1.0
        for position, text in notes:
            axes.text(top * 0.02, position, text, va="center", fontsize=7, color="#b00020")
        unit = next((row.figure.unit for row in group.rows if row.figure is not None), "")
        for position, value in enumerate(values):
            if value > 0:
                shown = fmt.format_value(value, unit)
                axes.text(value + errors[position], position, f" {shown}", va="center",
                          fontsize=6)  # fmt: skip
        axes.set_xlim(0, max(v + e for v, e in zip(values, errors, strict=True)) * 1.3 or 1.0)
        axes.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _, unit=unit: fmt.format_value(x, unit))
        )
        size = "" if group.size is None else f" ({group.size:,})"
        axes.set_title(f"{_label(group.operation)}{size}", fontsize=9)
        first = next((row.figure for row in group.rows if row.figure is not None), None)
        if first is not None:
            axes.set_xlabel(_metric_label(first.name, first.unit), fontsize=7)
        axes.tick_params(axis="x", labelsize=7)
        axes.grid(True, axis="x", alpha=0.3)
    for index in range(len(groups), rows_needed * columns):
        grid[index // columns][index % columns].set_visible(False)
    loads = all(group.kind == "load" for group in groups)
    title = f"{scenario}: {'each endpoint under load' if loads else 'single calls'}"
    return Plot(_slug(scenario, "single"), scenario, title, _png(canvas), tuple(missing))


def plots(report: Report) -> list[Plot]:
    """Every plot of a report, scenario by scenario in run order, each with its own ``name``.

    Names are drawn as plain text (a ``$`` in an operation's name is not the start of a
    formula), on one line and cut short; a character the font lacks is drawn as a box, and
    a value near a float's limits is left off its axis, without a warning either way.
    """
    with rc_context({"text.parse_math": False}), warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        with np.errstate(all="ignore"):
            made = _plots(report)
    seen: set[str] = set()
    out = []
    for plot in made:
        name, count = plot.name, 1
        while name in seen:  # "a b" and "a-b", or an operation called "single"
            count += 1
            name = f"{plot.name}-{count}"
        seen.add(name)
        out.append(plot if name == plot.name else replace(plot, name=name))
    return out


def _plots(report: Report) -> list[Plot]:
    out = []
    for scenario in report.scenarios:
        by_operation: dict[str, list[Group]] = defaultdict(list)
        for group in report.groups:
            if group.scenario == scenario:
                by_operation[group.operation].append(group)
        single: list[Group] = []
        for operation, groups in by_operation.items():
            # a log axis has no place for a size of 0 (or less): such a group is a bar chart's
            sized = sorted((g for g in groups if (g.size or 0) > 0), key=lambda g: g.size or 0)
            if len(sized) >= 2:
                out.append(_sized(report, scenario, operation, sized))
                single += [g for g in groups if (g.size or 0) <= 0]
            else:
                single += groups
        if single:
            out.append(_single(report, scenario, single))
    return out


_VERDICT_COLOURS = {
    "faster": "#1a9641",
    "better": "#1a9641",
    "slower": "#d7191c",
    "worse": "#d7191c",
    "drift": "#2c7bb6",
}


def compare_plot(changes: list[Change], threshold: float | None) -> Plot | None:
    """Every row of a comparison with a ratio, sorted by it: the ratio (new over old, relative
    to the spec where the row was judged that way) with its 95% interval, the band of changes
    too small to call (``MIN_EFFECT``) and the user's threshold. ``None`` without a ratio."""
    rows = sorted(
        (change for change in changes if change.ratio is not None and change.ratio > 0),
        key=lambda change: change.ratio or 0.0,
    )
    if not rows:
        return None
    canvas = Canvas(figsize=(12, 4.2))
    canvas.subplots_adjust(left=0.07, right=0.99, bottom=0.12, top=0.9)
    axes = canvas.subplots()
    axes.axhspan(1.0 / (1.0 + MIN_EFFECT), 1.0 + MIN_EFFECT, color="#dddddd", alpha=0.6,
                 linewidth=0, label=f"within {MIN_EFFECT:.0%}: never called")  # fmt: skip
    axes.axhline(1.0, color="#000000", linewidth=0.8)
    if threshold is not None:
        for level in (1.0 + threshold, 1.0 / (1.0 + threshold)):
            axes.axhline(level, color="#d7191c", linestyle="--", linewidth=0.8)
    for verdict in dict.fromkeys(change.verdict for change in rows):
        chosen = [(rank, c) for rank, c in enumerate(rows) if c.verdict == verdict]
        ratios = [c.ratio or 0.0 for _, c in chosen]
        below = [max((c.ratio or 0.0) - (c.low or c.ratio or 0.0), 0.0) for _, c in chosen]
        above = [max((c.high or c.ratio or 0.0) - (c.ratio or 0.0), 0.0) for _, c in chosen]
        axes.errorbar(
            [rank for rank, _ in chosen], ratios, yerr=[below, above], fmt="o", markersize=3,
            elinewidth=0.6, color=_VERDICT_COLOURS.get(verdict, "#999999"),
            label=f"{verdict} ({len(chosen)})",
        )  # fmt: skip
    axes.set_yscale("log")
    _lean(axes, lambda value: f"{value:g}x")
    axes.set_xlabel("rows, sorted by ratio", fontsize=8)
    axes.set_ylabel("new / old (log), 95% interval", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(True, axis="y", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left")
    axes.set_title(
        "Each participant relative to the spec in its own run (the spec's rows: the machine's "
        "drift)" + ("" if threshold is None else f"; dashed: the ±{threshold:.0%} threshold"),
        fontsize=9,
    )
    return Plot("compare", "", "Ratios of new to old, with their noise", _png(canvas), ())
