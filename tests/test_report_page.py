"""The analysis a user looks at: the HTML page and the Markdown report with plots, the decision
guide derived from the numbers, compare's plot and threshold, and the pyperf export.

Results files here are synthetic, so each test says exactly which numbers it stands on; the
last tests open the page in headless Chromium (``make test`` installs it and sets
``FFIBENCH_REQUIRE_BROWSER``, so that a missing browser fails there instead of skipping).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import browser
from ffibench import report
from ffibench.harness.metrics import summary
from ffibench.harness.results import SCHEMA, entry
from ffibench.report.export import pyperf_suite
from ffibench.report.guide import guide
from ffibench.report.plots import plots

#: Any URL with a scheme that leaves the file: the page must name none.
EXTERNAL = re.compile(r"(?i)\b(?:https?|ftp|wss?|file)://|//[a-z0-9.-]+\.[a-z]{2,}/")
JITTER = (1.0, 1.04, 0.97, 1.01, 0.99)


def _result(
    backend: str,
    median: float,
    operation: str = "identity",
    size: int | None = None,
    scenario: str = "basic",
    metric: str = "time_ns",
    kind: str = "time",
    extra: dict[str, float] | None = None,
    jitter: tuple[float, ...] = JITTER,
) -> dict[str, Any]:
    """An ``ok`` result whose five processes scatter by a few percent around ``median``."""
    metrics = {metric: summary(metric, [median * factor for factor in jitter])}
    for name, value in (extra or {}).items():
        metrics[name] = summary(name, [value * factor for factor in JITTER])
    return entry(scenario, operation, backend, size, "ok", None, metrics, kind=kind,
                 primary=metric)  # fmt: skip


def _document(results: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "meta": {"started": "2026-12-02T00:00:00+00:00", "cpu": "Test CPU", "cores": 2, **meta},
        "results": results,
    }


def _calls(ctypes_ns: float) -> list[dict[str, Any]]:
    return [
        _result("python", 100.0),
        _result("pyo3", 40.0),
        _result("ctypes", ctypes_ns),
        _result("rust", 1.0),
    ]


def _sized(pyo3: dict[int, float], numpy: dict[int, float]) -> list[dict[str, Any]]:
    out = []
    for size in sorted(pyo3):
        out += [
            _result("python", size * 100.0, "sum:array", size, "arrays"),
            _result("numpy", numpy[size], "sum:array", size, "arrays"),
            _result("pyo3", pyo3[size], "sum:array", size, "arrays"),
        ]
    return out


def _every_status(loadable: bool = False) -> dict[str, Any]:
    """Every status, every kind, and metrics missing: a single sample (no spread, no
    per-process values), a latency without its p99, a group without the spec, and (unless
    ``loadable``: the loader refuses it) an ``ok`` result without its primary metric."""
    results = _calls(400.0) + _sized({10: 50.0, 1000: 300.0}, {10: 500.0, 1000: 900.0})
    results += [
        entry("basic", "add", "python", None, "ok", None, {"time_ns": summary("time_ns", [90.0])}),
        entry("basic", "add", "pyo3", None, "mismatch", "got 6, expected 5"),
        entry("basic", "add", "ctypes", None, "error", "OSError: library not found"),
        entry("basic", "add", "cffi_abi", None, "not-applicable", "no C compiler for cffi"),
        entry("basic", "add", "cffi_api", None, "ok", None,
              {"items_per_s": summary("items_per_s", [1e6])}),
        entry("basic", "fib", "pyo3", None, "ok", None, {"time_ns": summary("time_ns", [70.0])}),
        entry("basic", "fib", "ctypes", None, "ok", None, {"time_ns": summary("time_ns", [900.0])}),
        _result("python", 3e6, "stream", 10, "events", "latency_p50_ns", "latency"),
        _result("pyo3", 3e4, "stream", 10, "events", "latency_p50_ns", "latency"),
        _result("python", 2e6, "stream", 100, "events", "latency_p50_ns", "latency",
                {"latency_p99_ns": 5e6}),
        _result("pyo3", 2e4, "stream", 100, "events", "latency_p50_ns", "latency",
                {"latency_p99_ns": 9e4}),
        _result("python", 2e6, "stream", 1000, "events", "latency_p50_ns", "latency",
                {"latency_p99_ns": 6e6}),
        entry("events", "stream", "pyo3", 1000, "error", "the stream stopped: 3 events lost",
              kind="latency", primary="latency_p50_ns"),
        _result("python", 1e4, "serve", None, "http", "requests_per_s", "load"),
        _result("pyo3", 5e4, "serve", None, "http", "requests_per_s", "load"),
        _result("python", 8e6, "handoff", 1 << 20, "buffers", "peak_rss_bytes", "memory"),
        _result("pyo3", 4e6, "handoff", 1 << 20, "buffers", "peak_rss_bytes", "memory"),
        _result("python", 9e7, "handoff", 1 << 26, "buffers", "peak_rss_bytes", "memory"),
        _result("pyo3", 4.1e6, "handoff", 1 << 26, "buffers", "peak_rss_bytes", "memory"),
    ]  # fmt: skip
    if loadable:
        results = [r for r in results if r["primary"] in r["metrics"] or r["status"] != "ok"]
    return _document(results, quick=True, simd=["avx512f", "avx2", "fma"], measured={
        "fma_float64_1core": {"value": 54.8, "unit": "GFLOP/s", "label": "FMA peak, one core"},
    })  # fmt: skip


def _texts(document: dict[str, Any]) -> list[str]:
    return [sentence.text for sentence in guide(report.build(document))]


# The decision guide ---------------------------------------------------------------------


def test_call_cost_sentence_follows_the_numbers() -> None:
    dear = " ".join(_texts(_document(_calls(400.0))))
    assert "400 ns through ctypes" in dear and "300 ns through ctypes" in dear
    assert "A call whose work takes Python less than that cannot get faster through it;" in dear
    assert "pyo3 costs no more than a Python call" in dear
    cheap = " ".join(_texts(_document(_calls(90.0))))
    assert "No boundary costs measurably more than a Python call" in cheap
    assert "300 ns" not in cheap


def test_sized_sentence_names_the_backend_and_the_size_it_wins_from() -> None:
    sizes = (10, 1000, 100_000)
    wins_late = _document(_sized({10: 500.0, 1000: 300.0, 100_000: 1e4},
                                 {10: 50.0, 1000: 900.0, 100_000: 5e4}))  # fmt: skip
    [text] = [t for t in _texts(wins_late) if "sum:array" in t]
    assert text.startswith("Use pyo3 from 1,000 values up for sum:array (5x faster than numpy")
    wins_everywhere = _document(_sized({s: 10.0 * s for s in sizes}, {s: 50.0 * s for s in sizes}))
    [text] = [t for t in _texts(wins_everywhere) if "sum:array" in t]
    assert text.startswith("Use pyo3 at every size measured for sum:array (5x faster")
    never = _document(_sized({s: 50.0 * s for s in sizes}, {s: 10.0 * s for s in sizes}))
    [text] = [t for t in _texts(never) if "sum:array" in t]
    assert text.startswith("At the largest size measured, no Rust backend beats the best")
    assert "numpy is 5x faster than pyo3" in text


def test_a_noisy_best_median_does_not_hide_a_significant_win() -> None:
    # pyo3 has the best median but scatters too much to beat numpy significantly; ctypes,
    # a little slower and steady, beats it at every size: "no Rust backend beats it" is false
    noisy = (0.2, 5.0, 1.0, 0.25, 4.0)
    results = []
    for size in (10, 1000):
        results += [_result("python", 900.0 * size, "x", size, "arrays"),
                    _result("numpy", 100.0 * size, "x", size, "arrays"),
                    _result("ctypes", 50.0 * size, "x", size, "arrays"),
                    _result("pyo3", 40.0 * size, "x", size, "arrays", jitter=noisy)]  # fmt: skip
    results += [_result("numpy", 100.0, "y", None, "arrays"),
                _result("ctypes", 50.0, "y", None, "arrays"),
                _result("pyo3", 40.0, "y", None, "arrays", jitter=noisy)]  # fmt: skip
    texts = _texts(_document(results))
    assert not any(text.startswith(("Stay", "For y")) for text in texts), texts
    assert any(
        text.startswith("Use ctypes at every size measured for x (2x faster") for text in texts
    )
    assert any(
        text.startswith("One call at a time, ctypes is the fastest way to do y") for text in texts
    )


def test_one_sample_is_never_called_noise_or_no_dearer() -> None:
    one = (1.0,)
    results = [_result("python", 100.0, jitter=one), _result("pyo3", 95.0, jitter=one),
               _result("ctypes", 400.0, jitter=one), _result("python", 100.0, "y", jitter=one),
               _result("pyo3", 99.0, "y", jitter=one)]  # fmt: skip
    for size in (10, 100):
        results += [_result("python", 10.0 * size, "x", size, jitter=one),
                    _result("pyo3", 9.0 * size, "x", size, jitter=one)]  # fmt: skip
    texts = _texts(_document(results))
    assert texts == [
        "A call that does nothing costs 100 ns in Python; 95 ns through pyo3, 400 ns through "
        "ctypes."
    ]


def test_the_guide_words_each_metric_in_its_own_terms() -> None:
    results = []
    for size in (10, 100):
        results += [
            _result("python", 8e6, "handoff", size, "buffers", "peak_rss_bytes", "memory"),
            _result("pyo3", 4e7, "handoff", size, "buffers", "peak_rss_bytes", "memory"),
            _result("python", 1e6, "flow", size, "buffers", "items_per_s", "throughput"),
            _result("pyo3", 5e6, "flow", size, "buffers", "items_per_s", "throughput"),
            _result("python", 1e3, "events", size, "buffers", "latency_p50_ns", "latency"),
            _result("pyo3", 5e3, "events", size, "buffers", "latency_p50_ns", "latency"),
        ]
    text = " ".join(_texts(_document(results)))
    assert "flow (5x more throughput than python at size 100)" in text
    assert "handoff (python uses 5x less memory than pyo3 at size 100)" in text
    assert "events (python has 5x lower latency than pyo3 at size 100)" in text


def test_lists_sentence_says_whether_conversion_is_the_work() -> None:
    def run(list_ns: float) -> str:
        results = []
        for size in (10, 1000):
            for operation, pyo3 in (("sum:list", list_ns * size), ("sum:array", 2.0 * size)):
                results += [_result("python", 100.0 * size, operation, size, "arrays"),
                            _result("pyo3", pyo3, operation, size, "arrays")]  # fmt: skip
        return " ".join(t for t in _texts(_document(results)) if "list" in t.lower())

    assert "converting is the work" in run(40.0) and "about 20x slower" in run(40.0)
    assert "sum of 1,000 values through pyo3 takes 40 µs from a list" in run(40.0)
    assert "not what dominates" in run(3.0)


def test_a_sentence_whose_rows_are_missing_is_left_out() -> None:
    assert _texts(_document([_result("python", 100.0), _result("numpy", 10.0)])) == []
    without_rust_native = _texts(_document(_calls(400.0)[:-1]))
    assert not any("boundary's share" in text for text in without_rust_native)
    with_rust_native = _texts(_document(_calls(400.0)))
    assert not any("boundary's share" in text for text in with_rust_native)  # no large sizes
    page = report.html(_document([_result("python", 100.0)]))
    assert "none of the rows the guide" in page


def test_every_sentence_links_to_rows_on_the_page() -> None:
    document = _every_status()
    page = report.html(document)
    ids = set(re.findall(r'<tr id="([^"]+)"', page))
    links = re.findall(r'<a href="#(r-[^"]+)"', page)
    assert links and set(links) <= ids


# The HTML page and the Markdown report ----------------------------------------------------


def test_page_shows_every_status_and_missing_metric_and_names_no_external_url() -> None:
    document = _every_status()
    page = report.html(document)
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert re.findall(r'(?:src|href)="([^"#][^"]*)"', page) == [
        src for src in re.findall(r'(?:src|href)="([^"#][^"]*)"', page) if src.startswith("data:")
    ]
    for text in ("got 6, expected 5", "OSError: library not found", "no C compiler for cffi",
                 "the stream stopped: 3 events lost", "no figure for the primary metric",
                 "not-applicable", "mismatch", "FMA peak, one core", "54.8 GFLOP/s",
                 "AVX512F, AVX2, FMA"):  # fmt: skip
        assert text in page, text
    made = plots(report.build(document))
    missing = [line for plot in made for line in plot.missing]
    assert any("add, pyo3: mismatch: got 6" in line for line in missing)
    assert any("stream at 1,000, pyo3: error" in line for line in missing)
    assert any("add, cffi_api: no figure for the primary metric" in line for line in missing)
    assert {plot.scenario for plot in made} == {"basic", "arrays", "events", "http", "buffers"}
    assert all(plot.png.startswith(b"\x89PNG\r\n\x1a\n") for plot in made)
    assert page.count("<img ") == len(made)


def test_markdown_writes_the_tables_and_the_plots_beside_them(tmp_path: Path) -> None:
    document = _every_status()
    path = report.write_markdown(document, tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all((path.parent / name).stat().st_size > 0 for name in images)
    assert "## Decision guide" in text and "| not-applicable" not in text
    assert "**not-applicable**: no C compiler for cffi" in text
    assert not EXTERNAL.search(text)


def test_cli_writes_html_and_markdown_and_refuses_what_it_cannot(tmp_path: Path) -> None:
    results = tmp_path / "run.json"
    results.write_text(json.dumps(_every_status(loadable=True)), encoding="utf-8")

    def ffibench(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "ffibench", *args],
                              check=False, capture_output=True, text=True, timeout=300)  # fmt: skip

    done = ffibench("report", str(results), "--format", "html", "-o", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    done = ffibench("report", str(results), "--format", "markdown", "-o", str(tmp_path / "md"))
    assert done.returncode == 0 and (tmp_path / "md" / "report.md").is_file(), done.stderr
    done = ffibench("report", str(results), "--format", "markdown", "-o", str(results))
    assert done.returncode == 2 and "not a directory" in done.stderr
    done = ffibench("report", str(results), "--format", "pyperf")
    assert done.returncode == 2 and "needs -o" in done.stderr


# Hostile and odd results files ---------------------------------------------------------------

#: A name that is markup in HTML and Markdown, a formula to matplotlib, two lines, a word
#: longer than any file name, and scripts the plot font lacks.
HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(1)> "q" \'s\' | a\nb $x^2$ '
           + "W" * 300 + " é漢字🙂")  # fmt: skip
#: What the page itself is made of: anything else came from the data.
TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "nav", "a",
        "dl", "dt", "dd", "section", "p", "ul", "li", "b", "code", "details", "summary",
        "figure", "img", "figcaption", "div", "small", "table", "thead", "tbody", "tr", "th",
        "td"}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def _hostile() -> dict[str, Any]:
    results = []
    for backend in ("python", "pyo3", "ctypes", f"python:{HOSTILE}", HOSTILE, "rust"):
        results.append(_result(backend, 100.0, HOSTILE, None, HOSTILE))
        for size in (10, 1000):
            for operation, cost in ((f"{HOSTILE}:list", 2.0), (f"{HOSTILE}:array", 1.0)):
                results.append(_result(backend, size * cost, operation, size, HOSTILE))
    results.append(entry(HOSTILE, HOSTILE, "cffi_abi", None, "error", HOSTILE))
    for size in (10, 1000):  # a sized operation without one figure: a plot without a line
        results.append(entry(HOSTILE, "broken", "pyo3", size, "error", HOSTILE))
    measured = {HOSTILE: {"value": 1.0, "unit": HOSTILE, "label": HOSTILE}}
    return _document(results, cpu=HOSTILE, git=HOSTILE, environment={HOSTILE: HOSTILE},
                     measured=measured)  # fmt: skip


def test_names_from_the_results_file_stay_text_in_every_output(tmp_path: Path) -> None:
    document = _hostile()
    page = report.html(document)
    parsed = _Tags()
    parsed.feed(page)
    assert parsed.tags <= TAGS and "onerror" not in parsed.attributes
    text = report.write_markdown(document, tmp_path / "md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert images and all((tmp_path / "md" / name).stat().st_size > 0 for name in images)
    assert all(len(name) < 100 for name in images)
    # markup of ours is <a id> and <sub>; any other < or $ must come escaped
    assert not re.search(r"(?<!\\)(?:<(?!a id=|/a>|/?sub>)|\$)", text)
    # a line break in a name neither ends a table row nor a list item: every line of the
    # report is a heading, a list item, a table row, an image or a paragraph of ours
    starts = ("#", "- ", "|", "![", "**", "Crossover in", "This run")
    assert all(line.startswith(starts) for line in text.splitlines() if line), [
        line[:60] for line in text.splitlines() if line and not line.startswith(starts)
    ]
    compared = report.compare_markdown(document, document).splitlines()[:-1]  # our summary
    assert not any(re.search(r"(?<!\\)[<$]", line) for line in compared)
    assert all(line.startswith(("Old:", "New:", "|")) for line in compared if line)
    assert report.terminal(document, 80)


def test_a_result_held_twice_and_control_characters_in_names() -> None:
    name = "clear\x1b[2J\x1b]0;title\x07two\nlines"
    twice = [_result("python", 100.0), _result("python", 120.0), _result("pyo3", 50.0),
             _result("pyo3", 55.0), _result("pyo3", 60.0, name)]  # fmt: skip
    document = _document(twice)
    ids = re.findall(r'<tr id="([^"]+)"', report.html(document))
    anchors = re.findall(r'<a id="([^"]+)"', report.markdown(document))
    assert len(ids) == len(set(ids)) == 5 and len(anchors) == len(set(anchors)) == 5
    text = report.terminal(document, 80)
    assert "\x1b" not in text and "\x07" not in text
    assert any("clear?[2J?]0;title?two lines" in line for line in text.splitlines())


def test_every_plot_has_a_file_of_its_own(tmp_path: Path) -> None:
    results = []
    for operation in ("a b", "a-b", "A-B", "single", "漢", "字"):
        for size in (10, 100):
            results.append(_result("python", 10.0 * size, operation, size))
    results.append(_result("python", 10.0, "other"))
    made = plots(report.build(_document(results)))
    assert len({plot.name for plot in made}) == len(made) == 7
    text = report.write_markdown(_document(results), tmp_path).read_text(encoding="utf-8")
    assert len(set(re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text))) == 7


@pytest.mark.parametrize("tiny", [1e-300, 5e-324])
def test_medians_near_a_floats_limits_do_not_break_the_report(tiny: float) -> None:
    results = []
    for size, python in ((10, 1.0), (100, 1e300)):
        results += [_result("python", python, "x", size), _result("pyo3", tiny, "x", size),
                    _result("numpy", 1e300, "x", size)]  # fmt: skip
    results += [_result("python", 1e300), _result("pyo3", tiny), _result("ctypes", 0.0)]
    document = _document(results)
    assert "<img " in report.html(document)
    assert report.terminal(document) and report.markdown(document)
    assert report.compare_markdown(document, document)


def _ffibench(*args: str) -> tuple[int, str]:
    """``ffibench ARGS`` in this process: its exit status and what it wrote to stderr."""
    from ffibench.cli import main

    with contextlib.redirect_stderr(io.StringIO()) as err, \
            contextlib.redirect_stdout(io.StringIO()):  # fmt: skip
        try:
            status = main(list(args))
        except SystemExit as done:
            status = int(done.code or 0)
    return status, err.getvalue()


def test_pyperf_export_of_nothing_of_twins_and_of_line_breaks(tmp_path: Path) -> None:
    source, target = tmp_path / "run.json", tmp_path / "pyperf.json"
    nothing = _document([entry("basic", "add", "pyo3", None, "error", "boom")])
    source.write_text(json.dumps(nothing), encoding="utf-8")
    status, err = _ffibench("report", str(source), "--format", "pyperf", "-o", str(target))
    assert status == 2 and err.splitlines()[-1].startswith("ffibench: error: ")
    assert "no result can be exported" in err and not target.exists()
    twins = [_result("python", 100.0), _result("python", 120.0), _result("pyo3", 50.0, "a\nb")]
    suite, skipped = pyperf_suite(_document(twins, cpu="two\nlines"))
    assert suite is not None and sorted(suite.get_benchmark_names()) == [
        "basic/a b/pyo3", "basic/identity/python"]  # fmt: skip
    assert skipped == ["basic/identity/python: a second result of that name (pyperf needs one)"]


def test_cli_says_in_one_line_what_it_cannot_write(tmp_path: Path) -> None:
    source = tmp_path / "run.json"
    source.write_text(json.dumps(_document(_calls(400.0))), encoding="utf-8")
    (tmp_path / "md" / "report.md").mkdir(parents=True)
    (tmp_path / "cmp" / "compare.md").mkdir(parents=True)
    for args, says in (
        (("report", str(source), "--width", "0"), "--width 0"),
        (("report", str(source), "--format", "markdown", "-o", str(tmp_path / "md")),
         "report.md: Is a directory"),
        (("compare", str(source), str(source), "-o", str(tmp_path / "cmp")),
         "compare.md: Is a directory"),
        (("compare", str(source), str(source), "-o", str(source)), "writes compare.md"),
        (("report", str(source), "--format", "html", "-o", str(tmp_path)), "report.html"),
    ):  # fmt: skip
        status, err = _ffibench(*args)
        assert status == 2 and err.count("\n") == 1 and err.startswith("ffibench: error: "), err
        assert says in err, err


# compare ----------------------------------------------------------------------------------


def _pair(slower: float) -> tuple[dict[str, Any], dict[str, Any]]:
    def run(pyo3: float, jitter: tuple[float, ...]) -> dict[str, Any]:
        return _document([_result("python", 1000.0, "fib"),
                          _result("pyo3", pyo3, "fib", jitter=jitter),
                          _result("ctypes", 500.0, "fib")])  # fmt: skip

    return run(100.0, JITTER), run(100.0 * slower, JITTER[::-1])


@pytest.mark.parametrize(("slower", "threshold", "status"),
                         [(1.5, "20", 1), (1.5, "60", 0), (1.0, "0", 0)])  # fmt: skip
def test_compare_fails_only_beyond_the_users_threshold(
    tmp_path: Path, slower: float, threshold: str, status: int
) -> None:
    old, new = _pair(slower)
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new), encoding="utf-8")
    page = tmp_path / "compare.html"
    done = subprocess.run(
        [sys.executable, "-m", "ffibench", "compare", str(tmp_path / "old.json"),
         str(tmp_path / "new.json"), "--format", "html", "-o", str(page),
         "--fail-slower", threshold],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == status, done.stderr
    assert ("basic fib pyo3 by 50%" in done.stderr) == (status == 1)
    text = page.read_text(encoding="utf-8")
    assert "<img " in text and not EXTERNAL.search(text)


def test_compare_markdown_writes_its_plot(tmp_path: Path) -> None:
    old, new = _pair(1.5)
    text = report.compare_markdown(old, new, 0.1, tmp_path)
    assert "![Ratios of new to old" in text and (tmp_path / "compare.png").stat().st_size > 0
    [change] = report.regressions(report.compare(old, new), 0.1)
    assert change.backend == "pyo3" and change.regression == pytest.approx(0.5, rel=0.01)
    assert change.low is not None and change.high is not None
    assert change.low < change.ratio < change.high  # type: ignore[operator]


# pyperf ------------------------------------------------------------------------------------


def test_pyperf_compare_to_reads_the_export(tmp_path: Path) -> None:
    old, new = _pair(1.5)
    old["results"].append(_result("pyo3", 5e4, "serve", None, "http", "requests_per_s", "load"))
    old["results"].append(entry("basic", "fib", "cffi_abi", None, "not-applicable", "no cffi"))
    files = []
    for name, document in (("old", old), ("new", new)):
        source = tmp_path / f"{name}.json"
        source.write_text(json.dumps(document), encoding="utf-8")
        target = tmp_path / f"{name}-pyperf.json"
        done = subprocess.run(
            [sys.executable, "-m", "ffibench", "report", str(source), "--format", "pyperf",
             "-o", str(target)], check=False, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        files.append(str(target))
    compared = subprocess.run([sys.executable, "-m", "pyperf", "compare_to", *files],
                              check=False, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    assert "basic/fib/pyo3" in compared.stdout and "1.50x slower" in compared.stdout
    suite, skipped = pyperf_suite(old)
    assert suite is not None
    names = suite.get_benchmark_names()
    assert "http/serve/pyo3 (s per request)" in names
    rate = suite.get_benchmark("http/serve/pyo3 (s per request)")
    assert rate.get_unit() == "second" and rate.median() == pytest.approx(2e-5, rel=0.05)
    assert skipped == ["basic/fib/cffi_abi: not-applicable"]


# A real browser ----------------------------------------------------------------------------


def _require_browser() -> None:
    if browser.chromium() is None:
        if os.environ.get("FFIBENCH_REQUIRE_BROWSER"):
            pytest.fail("FFIBENCH_REQUIRE_BROWSER is set but no chromium is on PATH")
        pytest.skip("no chromium on PATH (make test installs it)")


@pytest.mark.slow
@pytest.mark.parametrize(
    "source",
    ["synthetic", "docs/results/reference.json"],
)
def test_page_loads_offline_in_chromium_with_every_plot_drawn(tmp_path: Path, source: str) -> None:
    _require_browser()
    if source == "synthetic":
        document = _every_status()
    else:
        document = json.loads((Path(__file__).parents[1] / source).read_text(encoding="utf-8"))
    page = tmp_path / "report.html"
    page.write_text(report.html(document), encoding="utf-8")
    shot = tmp_path / "report.png"
    loaded = browser.load(page, screenshot=shot, timeout=120)
    assert loaded.console == []
    assert all(url.startswith(("file:", "data:")) for url in loaded.requests), loaded.requests
    expected = len(plots(report.build(document)))
    assert len(loaded.images) == expected
    for image in loaded.images:
        assert image["natural_width"] > 0 and image["natural_height"] > 0, image
        assert image["width"] > 0 and image["height"] > 0, image
    assert loaded.title.startswith("ffibench report")
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000


@pytest.mark.slow
def test_hostile_names_load_nothing_in_chromium_opened_from_a_script(tmp_path: Path) -> None:
    # A script that draws the page and then opens it (not pytest's process, whose descriptors
    # differ) once failed to start the browser with EBADF; and the names of _hostile() must
    # stay text in the browser: no request, no console error.
    _require_browser()
    script = (
        "import json, sys, browser, test_report_page as t; from pathlib import Path; "
        "from ffibench import report; page = Path(sys.argv[1]); "
        "page.write_text(report.html(t._hostile()), encoding='utf-8'); "
        "got = browser.load(page, timeout=120); "
        "print(json.dumps([got.console, got.requests, len(got.images)]))"
    )
    page = tmp_path / "report.html"
    done = subprocess.run([sys.executable, "-c", script, str(page)], cwd=Path(__file__).parent,
                          check=False, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    console, requests, images = json.loads(done.stdout)
    assert console == [] and images == len(plots(report.build(_hostile())))
    assert all(url.startswith(("file:", "data:")) for url in requests), requests


def test_gflops_rows_show_their_share_of_the_measured_peak() -> None:
    measured = {
        "fma_float64_1core_avx512": {"value": 50.0, "unit": "GFLOP/s", "label": "one core"},
        # under-measured (the machine was busy): one core's twice is the peak then
        "fma_float64_allcores_avx512": {"value": 70.0, "unit": "GFLOP/s", "label": "all"},
        "fma_float32_allcores_avx512": {"value": 400.0, "unit": "GFLOP/s", "label": "all"},
    }
    results = [
        _result("python", 1e6, "matmul:float64", 64, "matmul", extra={"gflops": 25.0}),
        _result("pyo3", 5e5, "matmul:float64", 64, "matmul", extra={"gflops": 50.0}),
        _result("pyo3", 5e5, "matmul:float32", 64, "matmul", extra={"gflops": 100.0}),
    ]
    document = _document(results, cores=2, measured=measured)
    assert report.model.machine_peaks(document["meta"]) == {"float64": 100.0, "float32": 400.0}
    text = report.terminal(document, width=100)
    assert "50 GFLOP/s, 50% of peak" in text and "100 GFLOP/s, 25% of peak" in text
    assert "25 GFLOP/s, 25% of peak" in text
    assert "of peak" not in report.terminal(_document(results, cores=2))
