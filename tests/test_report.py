"""The report model and its renderers: speed-ups with intervals, significance, crossovers,
boundary shares, every metric alike, and a terminal table that fits 80 columns."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ffibench import BACKENDS, report
from ffibench.harness.metrics import summary
from ffibench.harness.results import entry, time_stats


def _result(
    backend: str,
    processes: list[float],
    operation: str = "fib",
    size: int | None = None,
    metric: str = "time_ns",
    kind: str = "time",
    scenario: str = "basic",
) -> dict[str, Any]:
    return entry(
        scenario, operation, backend, size, "ok", None,
        {metric: summary(metric, processes)}, kind=kind, primary=metric,
    )  # fmt: skip


def _v1_like(backend: str, median: float, stdev: float, operation: str = "fib") -> dict[str, Any]:
    """A result as version 1 stored it: no per-process values."""
    stats = time_stats([median - stdev, median, median + stdev])
    del stats["processes"]
    return entry("basic", operation, backend, None, "ok", None, {"time_ns": stats})


def _rows(document: dict[str, Any]) -> dict[str, report.Row]:
    [group] = report.groups(document)
    return {row.participant: row for row in group.rows}


def test_speedup_from_medians_and_boundary_share_for_version_1_files() -> None:
    document = {
        "meta": {"quick": True},
        "results": [_v1_like("python", 1000.0, 10.0), _v1_like("pyo3", 100.0, 1.0),
                    _v1_like("ctypes", 990.0, 20.0), _v1_like("rust", 25.0, 0.1)],
    }  # fmt: skip
    rows = _rows(document)
    assert rows["python"].speedup is not None and rows["python"].speedup.method == "reference"
    pyo3 = rows["pyo3"].speedup
    assert pyo3 is not None and pyo3.method == "medians" and pyo3.significant
    assert pyo3.value == pytest.approx(10.0)
    assert rows["pyo3"].boundary == pytest.approx(0.75)
    ctypes = rows["ctypes"].speedup
    assert ctypes is not None and not ctypes.significant
    text = report.markdown(document)
    assert "| fib |" in text and "| 10x |" in text and "n.s." in text and "| 75% |" in text


def test_paired_speedup_has_an_interval_and_says_when_it_is_noise() -> None:
    document = {
        "meta": {},
        "results": [
            _result("python", [1000.0, 1100.0, 950.0, 1020.0]),
            _result("pyo3", [100.0, 108.0, 96.0, 101.0]),
            _result("ctypes", [1010.0, 1000.0, 1100.0, 900.0]),
        ],
    }
    rows = _rows(document)
    pyo3 = rows["pyo3"].speedup
    assert pyo3 is not None and pyo3.method == "paired" and pyo3.pairs == 4 and pyo3.significant
    assert pyo3.low is not None and pyo3.high is not None
    assert pyo3.low < pyo3.value < pyo3.high and pyo3.value == pytest.approx(10.0, rel=0.02)
    ctypes = rows["ctypes"].speedup
    assert ctypes is not None and not ctypes.significant
    text = report.terminal(document)
    assert re.search(r"pyo3 .* 10(\.\d)?x \(\d", text), text
    assert re.search(r"ctypes .*x n\.s\.", text), text


def test_one_sample_says_so_instead_of_a_zero_spread() -> None:
    document = {"meta": {}, "results": [_result("python", [500.0]), _result("pyo3", [50.0])]}
    text = report.terminal(document)
    assert "±0.0%" not in text
    assert "1 sample" in text
    rows = _rows(document)
    assert rows["pyo3"].speedup is not None and rows["pyo3"].speedup.method == "one sample"
    assert "(1 sample)" in report.markdown(document)


def test_every_metric_alike_with_its_direction() -> None:
    mib = float(1 << 20)
    memory = {
        "meta": {},
        "results": [
            _result("python", [64 * mib, 65 * mib, 64 * mib], "copy", metric="extra_rss_bytes",
                    kind="memory"),
            _result("pyo3", [8 * mib, 8 * mib, 8.1 * mib], "copy", metric="extra_rss_bytes",
                    kind="memory"),
        ],
    }  # fmt: skip
    rows = _rows(memory)
    less = rows["pyo3"].speedup
    assert less is not None and less.significant and less.value == pytest.approx(8.0, rel=0.02)
    assert "8 MiB" in report.terminal(memory)
    load = {
        "meta": {},
        "results": [
            _result("flask:werkzeug", [400.0, 410.0, 390.0], "get", metric="requests_per_s",
                    kind="load", scenario="http"),
            _result("flask:gunicorn", [1000.0, 1010.0, 990.0], "get", metric="requests_per_s",
                    kind="load", scenario="http"),
            _result("axum", [20000.0, 21000.0, 20500.0], "get", metric="requests_per_s",
                    kind="load", scenario="http"),
        ],
    }  # fmt: skip
    rows = _rows(load)
    more = rows["axum"].speedup
    # the http scenario's reference is Flask under gunicorn, and axum is no Python alternative
    assert more is not None and more.significant and more.value == pytest.approx(20.3, rel=0.03)
    assert rows["flask:gunicorn"].speedup.method == "reference"  # type: ignore[union-attr]
    assert rows["axum"].versus_best is not None
    assert rows["axum"].versus_best.value == pytest.approx(20.3, rel=0.03)
    from ffibench.report.guide import guide

    [sentence] = [s for s in guide(report.build(load)) if s.text.startswith("get:")]
    assert sentence.text.startswith("get: against flask:gunicorn's 1 k requests/s, axum 20.")
    assert "flask:werkzeug" not in sentence.text  # slower than the reference: no news
    assert "k requests/s" in report.terminal(load)


def test_terminal_table_fits_80_columns_without_cutting_a_name() -> None:
    names = [*BACKENDS, "python:odd-slices", "python:builtins", "numpy", "flask:gunicorn"]
    results = []
    for size in (10, 10_000, 10_000_000):
        for index, name in enumerate(names):
            base = 1000.0 * size if name == "python" else 37.0 * (index + 1) * size
            results.append(_result(name, [base, base * 1.04, base * 0.97], "count_primes", size))
        results.append(
            entry("basic", "count_primes", "broken:backend", size, "mismatch",
                  "expected 664579, got 664578 — " + "a long explanation " * 8)
        )  # fmt: skip
        results.append(_result("rust", [30.0 * size], "count_primes", size))
    meta = {"started": "2026-01-01T00:00:00+00:00", "cores": 2}
    meta["cpu"] = "A very long CPU model name with many words in it"
    document = {"meta": meta, "results": results}
    text = report.terminal(document, 80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    words = set(text.split())
    for name in [*names, "broken:backend"]:
        assert name in words, name
    assert "boundary" in text and "crossover" in text
    header = next(line for line in lines if "median" in line)
    assert "note" not in header or "mismatch" in text


def test_empty_columns_are_left_out() -> None:
    document = {
        "meta": {},
        "results": [_result("python", [10.0, 11.0]), _result("pyo3", [1.0, 1.1])],
    }
    header = next(line for line in report.terminal(document).splitlines() if "median" in line)
    assert "boundary" not in header and "note" not in header and "size" not in header


def test_crossover_is_claimed_only_where_significant() -> None:
    def at(backend: str, size: int, median: float, jitter: float = 0.01) -> dict[str, Any]:
        values = [median * (1 - jitter), median, median * (1 + jitter), median]
        return _result(backend, values, "sum:list", size, scenario="arrays")

    python = {10: 100.0, 100: 200.0, 1000: 2000.0, 10000: 20000.0}
    pyo3 = {10: 50.0, 100: 300.0, 1000: 900.0, 10000: 5000.0}
    ctypes = {10: 900.0, 100: 900.0, 1000: 2500.0, 10000: 25000.0}
    results = [at("python", n, t) for n, t in python.items()]
    results += [at("pyo3", n, t) for n, t in pyo3.items()]
    results += [at("ctypes", n, t) for n, t in ctypes.items()]
    # better at every size by a hair, but with noise: never a claim
    results += [at("cffi_abi", n, t * 0.97, jitter=0.3) for n, t in python.items()]
    results += [_result("rust", [10.0], "sum", 1000, scenario="arrays")]
    document = {"meta": {}, "results": results}
    table = report.crossovers(document, "arrays")["sum:list"]
    assert (table["pyo3"].verdict, table["pyo3"].size) == ("from", 1000)
    assert table["ctypes"].verdict == "never"
    assert table["cffi_abi"].verdict == "n.s."
    group = next(g for g in report.groups(document) if g.size == 1000)
    rows = {row.participant: row for row in group.rows}
    assert rows["rust"].figure is not None and rows["pyo3"].boundary == pytest.approx(
        0.99, abs=0.01
    )
    assert not any(g.operation == "sum" for g in report.groups(document)), "rust joins sum:list"
    assert "| sum:list | 1,000 | never | n.s. |" in report.markdown(document)


def test_compare_says_faster_slower_noise_new_and_missing() -> None:
    def run(medians: dict[str, float], status: str = "ok") -> dict[str, Any]:
        results = []
        for backend, median in medians.items():
            if status == "ok":
                values = [median * 0.99, median, median * 1.01, median * 1.005]
                results.append(_result(backend, values, "add"))
            else:
                results.append(entry("basic", "add", backend, None, status, "wrong"))
        return {"meta": {}, "results": results}

    old = run({"python": 200.0, "pyo3": 50.0, "ctypes": 1000.0, "gone": 10.0})
    new = run({"python": 201.0, "pyo3": 25.0, "ctypes": 2000.0, "cffi_abi": 900.0})
    changes = {change.backend: change for change in report.compare(old, new)}
    assert {name: change.verdict for name, change in changes.items()} == {
        "python": "n.s.",
        "pyo3": "faster",
        "ctypes": "slower",
        "cffi_abi": "new",
        "gone": "missing",
    }
    assert changes["pyo3"].ratio == pytest.approx(0.5, rel=0.01)
    assert changes["pyo3"].p_value is not None and changes["pyo3"].p_value < 0.01
    text = report.compare_markdown(old, new)
    # pyo3 is judged relative to the spec: (25 / 201) / (50 / 200), 2.01x faster
    assert "| 2.01x faster |" in text and "| missing |" in text and "| gone |" in text
    failed = report.compare(old, run({"pyo3": 50.0}, status="mismatch"))
    assert failed[0].verdict == "ok -> mismatch"


def test_compare_sees_a_slower_machine_as_drift_not_as_changes() -> None:
    # The second run's machine is 1.5x slower for everyone, each process with its own noise;
    # ratios to the spec hold, so no participant changed: the spec's row shows the drift.
    jitter = [0.9, 1.08, 1.0, 0.95, 1.1, 1.02]

    def run(slowdown: float, shift: int) -> dict[str, Any]:
        results = []
        for name, base in (("python", 200.0), ("pyo3", 50.0), ("ctypes", 1000.0)):
            values = [base * slowdown * jitter[(i + shift) % 6] for i in range(6)]
            results.append(_result(name, values, "add"))
        return {"meta": {}, "results": results}

    changes = {
        change.backend: change.verdict for change in report.compare(run(1.0, 0), run(1.5, 2))
    }
    assert changes == {"python": "drift", "pyo3": "n.s.", "ctypes": "n.s."}


def test_compare_of_a_run_with_itself_changes_nothing() -> None:
    document = {
        "meta": {},
        "results": [_result(name, [100.0 * (i + 1), 104.0 * (i + 1), 97.0 * (i + 1)])
                    for i, name in enumerate(BACKENDS)],
    }  # fmt: skip
    assert all(change.verdict == "n.s." for change in report.compare(document, document))
