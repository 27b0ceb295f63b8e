"""The command line: list, run (end to end on one operation), report, and bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ffibench import BACKENDS
from ffibench.harness.results import SCHEMA, entry, time_stats


def ffibench(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ffibench", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        umask=0o022,
    )


def test_list_names_scenarios_operations_and_anchors() -> None:
    done = ffibench("list")
    assert done.returncode == 0
    for word in ("basic", "count_primes", "python:slices", *BACKENDS):
        assert word in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--bogus"),
        ("run", "--scenario", "nope"),
        ("run", "--backend", "fortran"),
        ("run", "--operation", "teleport"),
        ("run", "--criterion", "/nonexistent"),
        ("report",),
        ("report", "/nonexistent.json"),
        ("compare", "/nonexistent.json", "/nonexistent.json"),
        ("compare", "/nonexistent.json"),
        (),
    ],
)
def test_bad_arguments_get_one_line_and_status_2(args: tuple[str, ...]) -> None:
    done = ffibench(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ffibench: error: "), done.stderr


@pytest.mark.slow
def test_run_writes_checked_results_and_report_reads_them(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = ffibench(
        "run", "--quick", "--scenario", "basic", "--operation", "identity", "-o", str(output)
    )
    assert done.returncode == 0, done.stderr
    assert output.stat().st_mode & 0o044, "a results file is not private (umask 022 here)"
    document = json.loads(output.read_text())
    assert document["schema"] == "ffibench.results/2"
    meta = document["meta"]
    assert meta["quick"] is True and meta["cores"] >= 1 and meta["pyo3"]
    assert meta["finished"] >= meta["started"] and meta["duration_s"] > 0
    assert meta["python"] == sys.version.split()[0]
    results = {result["backend"]: result for result in document["results"]}
    assert set(results) >= set(BACKENDS)  # and the anchors of identity, if any
    for result in results.values():
        assert result["status"] == "ok", result
        assert result["operation"] == "identity" and result["size"] is None
        assert result["metrics"]["time_ns"]["median"] > 0
        assert len(result["metrics"]["time_ns"]["processes"]) >= 2
    assert "identity" in done.stdout and "pyo3" in done.stdout
    assert all(len(line) <= 80 for line in done.stdout.splitlines()), done.stdout

    markdown = ffibench("report", str(output), "--format", "markdown")
    assert markdown.returncode == 0
    assert "| identity |" in markdown.stdout and "| pyo3 |" in markdown.stdout
    table = ffibench("report", str(output))
    assert table.returncode == 0 and "vs python" in table.stdout
    same = ffibench("compare", str(output), str(output))
    assert same.returncode == 0
    assert same.stdout.count("| n.s. |") == len(results), "a run compared with itself is noise"


def test_default_output_goes_to_a_dated_file_in_results(tmp_path: Path) -> None:
    done = ffibench(
        "run", "--quick", "--operation", "is_leap_year", "--backend", "python", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [written] = (tmp_path / "results").glob("*-quick.json")
    assert json.loads(written.read_text())["results"][0]["status"] == "ok"


def _write(path: Path, results: list[dict]) -> Path:
    path.write_text(json.dumps({"schema": SCHEMA, "meta": {}, "results": results}))
    return path


def _ok(backend: str = "pyo3") -> dict:
    return entry("basic", "add", backend, None, "ok", None, {"time_ns": time_stats([5.0, 6.0])})


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ffibench: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_output_that_is_a_directory_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    line = _one_error_line(ffibench("run", "--quick", "--operation", "add", "-o", str(target)))
    assert "is a directory" in line
    assert list(target.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["out"]
    line = _one_error_line(ffibench("run", "--quick", "--operation", "add", "-o", "/tmp"))
    assert not Path("/.tmp.tmp").exists()


@pytest.mark.parametrize("under", ["a-file/results.json", "a-file/deeper/results.json"])
def test_output_under_a_file_is_refused(tmp_path: Path, under: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    line = _one_error_line(
        ffibench("run", "--quick", "--operation", "add", "-o", str(tmp_path / under))
    )
    assert "a-file is a file" in line


def test_output_that_cannot_be_created_is_refused() -> None:
    line = _one_error_line(
        ffibench("run", "--quick", "--operation", "add", "-o", "/proc/ffibench/results.json")
    )
    assert "cannot write there" in line


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda r: r.pop("operation"), "result 1 (basic@pyo3): 'operation' is missing"),
        (lambda r: r.__setitem__("metrics", {}), "'metrics' is empty"),
        (
            lambda r: r["metrics"]["time_ns"].__setitem__("median", "12"),
            "metric 'time_ns' median is not a number",
        ),
    ],
)
def test_report_and_compare_name_a_broken_entry(tmp_path: Path, damage, words: str) -> None:
    broken = _ok()
    damage(broken)
    path = _write(tmp_path / "broken.json", [_ok("python"), broken])
    good = _write(tmp_path / "good.json", [_ok("python"), _ok()])
    for args in (("report", str(path)), ("compare", str(good), str(path)),
                 ("compare", str(path), str(good))):  # fmt: skip
        line = _one_error_line(ffibench(*args))
        assert words in line and "broken.json" in line, line


def test_compare_lists_what_only_old_has_as_missing(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.json", [_ok("python"), _ok("pyo3"), _ok("ctypes")])
    new = _write(tmp_path / "new.json", [_ok("python"), _ok("pyo3")])
    done = ffibench("compare", str(old), str(new))
    assert done.returncode == 0, done.stderr
    assert "| ctypes |" in done.stdout and "| missing |" in done.stdout


def test_report_reads_a_version_1_file() -> None:
    path = Path(__file__).resolve().parent / "data" / "results-v1.json"
    done = ffibench("report", str(path))
    assert done.returncode == 0, done.stderr
    assert "cffi_abi" in done.stdout and all(len(row) <= 80 for row in done.stdout.splitlines())
    same = ffibench("compare", str(path), str(path))
    assert same.returncode == 0 and "| slower |" not in same.stdout


def test_a_closed_pipe_ends_quietly() -> None:
    done = subprocess.run(
        f"{sys.executable} -m ffibench list | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 1 and done.stderr == ""
