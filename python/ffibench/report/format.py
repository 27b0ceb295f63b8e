"""Numbers as text, shared by every renderer: values in their unit, spreads, speed-ups."""

from __future__ import annotations

from typing import Any

from ffibench.report.model import Crossover, Figure, Speedup

_SI = (("G", 1e9), ("M", 1e6), ("k", 1e3))
_BINARY = (("GiB", float(1 << 30)), ("MiB", float(1 << 20)), ("KiB", float(1 << 10)))
_COUNTS = ("errors", "requests", "items")


def format_ns(ns: float) -> str:
    """A duration in the unit that keeps three significant digits readable.

    Examples
    --------
    >>> format_ns(1234.0)
    '1.23 µs'
    """
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def format_value(value: float, unit: str) -> str:
    """A value in its unit: durations scaled, bytes in binary units, rates with SI prefixes.

    Examples
    --------
    >>> format_value(64 * 2**20, "B"), format_value(2.5e6, "items/s")
    ('64 MiB', '2.5 M items/s')
    """
    if unit == "ns":
        return format_ns(value)
    if unit == "B":
        for name, scale in _BINARY:
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value:.0f} B"
    if unit in _COUNTS:
        return f"{value:,.0f}"
    if unit.endswith("/s") and not unit.startswith("G"):
        for prefix, scale in _SI:
            if abs(value) >= scale:
                return f"{value / scale:.3g} {prefix}{'' if unit == 'B/s' else ' '}{unit}"
    return f"{value:.3g} {unit}".rstrip()


def format_figure(figure: Figure | None) -> str:
    """A figure's median in its unit; "—" without one."""
    return "—" if figure is None else format_value(figure.median, figure.unit)


def format_spread(figure: Figure | None) -> str:
    """The spread as a share of the median, or "1 sample" when there is no spread to show."""
    if figure is None:
        return ""
    spread = figure.spread
    return "1 sample" if spread is None else f"±{spread:.1%}"


def format_ratio(value: float) -> str:
    """A ratio: three significant digits, or a whole number from 100 up."""
    return f"{value:.3g}x" if value < 100 else f"{value:,.0f}x"


def format_interval(speedup: Speedup) -> str:
    """``low–high`` of a speed-up's interval; empty without one."""
    if speedup.low is None or speedup.high is None:
        return ""
    low, high = format_ratio(speedup.low)[:-1], format_ratio(speedup.high)[:-1]
    return f"{low}–{high}"


def format_speedup(speedup: Speedup | None, interval: bool = True) -> str:
    """``10.2x (9.9–10.5)`` when significant, ``1.02x n.s.`` when not, ``2x (1 sample)``."""
    if speedup is None:
        return "—"
    if speedup.method == "reference":
        return "1.00x"
    text = format_ratio(speedup.value)
    if speedup.method == "one sample":
        return f"{text} (1 sample)"
    if not speedup.significant:
        return f"{text} n.s."
    bounds = format_interval(speedup) if interval else ""
    return f"{text} ({bounds})" if bounds else text


def format_boundary(share: float | None) -> str:
    """The boundary's share of a call; empty without a Rust-native figure."""
    return "" if share is None else f"{share:.0%}"


def format_crossover(crossover: Crossover | None) -> str:
    """``1,000``, ``≤ 1,000`` (already at the smallest size), ``never``, ``n.s.`` or "—"."""
    if crossover is None or crossover.verdict == "no data":
        return "—"
    if crossover.verdict == "from":
        return f"{crossover.size:,}"
    if crossover.verdict == "at most":
        return f"≤ {crossover.size:,}"
    return crossover.verdict


def metric_label(name: str) -> str:
    """A short label for a metric in a note: ``p99`` for ``latency_p99_ns``."""
    labels = {
        "latency_p50_ns": "p50",
        "latency_p90_ns": "p90",
        "latency_p99_ns": "p99",
        "latency_p999_ns": "p99.9",
        "latency_max_ns": "max",
        "peak_rss_bytes": "peak",
        "extra_rss_bytes": "extra",
        "retained_rss_bytes": "retained",
        "cpu_ns_per_item": "CPU/item",
    }
    if name in labels:
        return labels[name]
    if name.startswith("errors_"):
        return f"{name[len('errors_') :]} errors"
    return ""


def format_detail(figure: Figure) -> str:
    """A secondary figure in a note: ``p99 1.2 ms``, ``3 timeout errors``, ``2.5 M items/s``,
    ``68% of peak`` (a GFLOP/s figure over the machine's measured peak), ``40% of copy
    bandwidth`` (a bytes/s figure over the machine's measured memory copy bandwidth)."""
    if figure.name == "peak_share":
        return f"{figure.median:.0%} of peak"
    if figure.name == "bandwidth_share":
        return f"{figure.median:.0%} of copy bandwidth"
    label = metric_label(figure.name)
    value = format_value(figure.median, figure.unit)
    if figure.name.startswith("errors_"):
        return f"{value} {label}"
    if figure.name == "items_lost":  # any process that lost one says so
        return f"{max(figure.processes, default=figure.median):,.0f} lost"
    return f"{label} {value}" if label else value


def details(figures: tuple[Figure, ...]) -> str:
    """A row's secondary figures, errors (and lost items) left out when there are none."""
    shown = [
        f
        for f in figures
        if not (f.name.startswith("errors_") and f.median == 0)
        and not (f.name == "items_lost" and max(f.processes, default=f.median) == 0)
    ]
    return ", ".join(format_detail(figure) for figure in shown)


def machine(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """What a run was measured on, as (label, value) pairs, for the top of a report: CPU,
    cores and vector width, any figure the run measured of the machine itself (peak FLOP/s,
    copy bandwidth: ``meta["measured"]``), Python, NumPy and its BLAS, Rust and PyO3."""
    pairs: list[tuple[str, str]] = []

    def add(label: str, value: object) -> None:
        if value not in (None, "", [], {}):
            pairs.append((label, str(value)))

    add("CPU", meta.get("cpu"))
    add("cores", meta.get("cores"))
    simd = meta.get("simd")
    if isinstance(simd, list) and simd:
        add("vector instructions", ", ".join(name.upper().replace("_", ".") for name in simd))
    measured = meta.get("measured")
    if isinstance(measured, dict):
        for name, entry in measured.items():
            if isinstance(entry, dict) and isinstance(entry.get("value"), int | float):
                add(
                    str(entry.get("label") or name),
                    format_value(float(entry["value"]), str(entry.get("unit") or "")),
                )
    add("platform", meta.get("platform"))
    python = " ".join(
        str(part) for part in (meta.get("python_implementation"), meta.get("python")) if part
    )
    add("Python", python)
    found = meta.get("blas")
    blas: dict[str, Any] = found if isinstance(found, dict) else {}
    numpy = meta.get("numpy")
    if numpy:
        library = " ".join(str(blas[key]) for key in ("name", "version") if blas.get(key))
        add("NumPy", f"{numpy} with {library}" if library else numpy)
    environment = meta.get("environment")
    if isinstance(environment, dict) and environment:
        add("environment", ", ".join(f"{key}={value}" for key, value in environment.items()))
    add("Rust", meta.get("rustc"))
    add("PyO3", meta.get("pyo3"))
    add("cffi", meta.get("cffi"))
    add("pyperf", meta.get("pyperf"))
    add("commit", meta.get("git"))
    when = str(meta.get("started") or "")
    if isinstance(meta.get("duration_s"), int | float):
        when += f", {format_duration(float(meta['duration_s']))}"
    flags = [word for word in ("quick", "interrupted") if meta.get(word)]
    add("run", ", ".join([when, *flags]) if when or flags else None)
    return pairs


def format_duration(seconds: float) -> str:
    """``49 min 29 s``, ``9.5 s``.

    Examples
    --------
    >>> format_duration(2969.5), format_duration(9.54)
    ('49 min 30 s', '9.54 s')
    """
    if seconds < 60:
        return f"{seconds:.3g} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"
