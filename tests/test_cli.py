"""The command line: list, run (end to end on one operation), report, and bad arguments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ffibench import BACKENDS


def ffibench(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ffibench", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
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
    document = json.loads(output.read_text())
    assert document["schema"] == "ffibench.results/1"
    meta = document["meta"]
    assert meta["quick"] is True and meta["cores"] >= 1 and meta["pyo3"]
    assert meta["python"] == sys.version.split()[0]
    results = {result["backend"]: result for result in document["results"]}
    assert set(results) == set(BACKENDS)
    for result in results.values():
        assert result["status"] == "ok", result
        assert result["operation"] == "identity" and result["size"] is None
        assert result["metrics"]["time_ns"]["median"] > 0
    assert "identity" in done.stdout and "pyo3" in done.stdout

    markdown = ffibench("report", str(output), "--format", "markdown")
    assert markdown.returncode == 0
    assert "| identity |" in markdown.stdout and "| pyo3 |" in markdown.stdout
    table = ffibench("report", str(output))
    assert table.returncode == 0 and "vs python" in table.stdout
    same = ffibench("compare", str(output), str(output))
    assert same.returncode == 0
    assert same.stdout.count("| n.s. |") == len(BACKENDS), "a run compared with itself is noise"


def test_default_output_goes_to_a_dated_file_in_results(tmp_path: Path) -> None:
    done = ffibench(
        "run", "--quick", "--operation", "is_leap_year", "--backend", "python", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [written] = (tmp_path / "results").glob("*-quick.json")
    assert json.loads(written.read_text())["results"][0]["status"] == "ok"
