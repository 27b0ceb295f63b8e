"""The harness checks before it times, and records what it could not time."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ffibench import report, scenarios
from ffibench.harness import criterion, timing
from ffibench.harness.results import ResultsFile, load, time_stats
from ffibench.harness.run import Task, _check_and_time
from ffibench.scenarios import Participant

SCENARIO = scenarios.get("basic")


def _task(operation: str, participant: Participant, size: int | None = None) -> Task:
    return Task(SCENARIO, SCENARIO.operation(operation), size, [participant])


def test_a_wrong_answer_is_a_mismatch_and_is_not_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_timing(*args: object) -> list[float]:
        raise AssertionError("a mismatching participant must not be timed")

    monkeypatch.setattr(timing, "measure", no_timing)
    wrong = Participant("wrong", lambda x: x + 1)
    result = _check_and_time(_task("identity", wrong), wrong, 123_456_789, quick=True)
    assert result["status"] == "mismatch"
    assert "expected 123456789, got 123456790" in result["message"]
    assert result["metrics"] == {}


def test_a_bool_for_an_int_is_a_mismatch() -> None:
    sloppy = Participant("sloppy", lambda n: 1)
    result = _check_and_time(_task("is_prime", sloppy), sloppy, True, quick=True)
    assert result["status"] == "mismatch"


def test_an_exception_is_an_error_and_not_applicable_is_said() -> None:
    def broken(x: int) -> int:
        raise RuntimeError("boom")

    participant = Participant("broken", broken)
    result = _check_and_time(_task("identity", participant), participant, 5, quick=True)
    assert (result["status"], result["message"]) == ("error", "RuntimeError: boom")
    absent = Participant("absent", None, "cannot do it here")
    result = _check_and_time(_task("identity", absent), absent, 5, quick=True)
    assert (result["status"], result["message"]) == ("not-applicable", "cannot do it here")


def test_the_right_answer_is_timed_by_pyperf(tmp_path: Path) -> None:
    participant = scenarios.participants(SCENARIO, SCENARIO.operation("add"), ("pyo3",))[0]
    result = _check_and_time(_task("add", participant), participant, (1 << 40) + 7, True)
    assert result["status"] == "ok", result["message"]
    stats = result["metrics"]["time_ns"]
    assert 0 < stats["min"] <= stats["median"] <= stats["max"]
    assert stats["samples"] >= 3


def test_plans_fit_their_budget() -> None:
    quick_fast = timing.plan(50e-9, quick=True)
    assert quick_fast.inner_loops == 10
    assert quick_fast.expected_seconds(50e-9) < 1.0
    slow = timing.plan(3.0, quick=True)
    assert (slow.processes, slow.values, slow.loops, slow.inner_loops) == (1, 1, 1, 1)
    full = timing.plan(1e-6, quick=False)
    assert full.expected_seconds(1e-6) < 4.0
    assert full.processes >= 4


def test_results_file_round_trips_and_refuses_garbage(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    results = ResultsFile(path, {"quick": True})
    results.save()
    assert load(path)["results"] == []
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not an ffibench results file"):
        load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="cannot read"):
        load(tmp_path / "missing.json")


def test_report_shows_speedup_and_boundary_share() -> None:
    def ok(backend: str, median: float, stdev: float) -> dict:
        stats = time_stats([median - stdev, median, median + stdev])
        return {"scenario": "basic", "operation": "fib", "backend": backend, "size": None,
                "status": "ok", "message": None, "metrics": {"time_ns": stats}}  # fmt: skip

    document = {
        "meta": {"quick": True},
        "results": [ok("python", 1000.0, 10.0), ok("pyo3", 100.0, 1.0), ok("ctypes", 990.0, 20.0),
                    ok("rust", 25.0, 0.1)],
    }  # fmt: skip
    [group] = report.groups(document)
    rows = {row.backend: row for row in group.rows}
    assert rows["python"].speedup == "1.00x"
    assert rows["pyo3"].speedup == "10x"
    assert rows["pyo3"].boundary == "75%"
    assert rows["ctypes"].speedup.endswith("(n.s.)")
    assert "| fib |" in report.markdown(document)


def test_criterion_results_are_read(tmp_path: Path) -> None:
    bench = tmp_path / "basic" / "count_primes" / "1000" / "new"
    bench.mkdir(parents=True)
    (bench / "benchmark.json").write_text(
        json.dumps({"group_id": "basic", "function_id": "count_primes", "value_str": "1000"})
    )
    estimate = {"point_estimate": 500.0}
    (bench / "estimates.json").write_text(
        json.dumps({"median": estimate, "mean": estimate, "std_dev": {"point_estimate": 5.0}})
    )
    (bench / "sample.json").write_text(
        json.dumps({"iters": [10.0, 20.0], "times": [5000.0, 9000.0]})
    )
    [result] = criterion.load(tmp_path, {"basic"})
    assert (result["backend"], result["size"], result["status"]) == ("rust", 1000, "ok")
    assert math.isclose(result["metrics"]["time_ns"]["min"], 450.0)
    assert criterion.load(tmp_path, {"arrays"}) == []


def test_crossover_is_the_size_from_which_a_backend_stays_faster() -> None:
    def ok(operation: str, backend: str, size: int, median: float) -> dict:
        stats = time_stats([median, median, median])
        return {"scenario": "arrays", "operation": operation, "backend": backend, "size": size,
                "status": "ok", "message": None, "metrics": {"time_ns": stats}}  # fmt: skip

    python = {10: 100.0, 100: 200.0, 1000: 2000.0, 10000: 20000.0}
    pyo3 = {10: 50.0, 100: 300.0, 1000: 900.0, 10000: 5000.0}
    ctypes = {10: 900.0, 100: 900.0, 1000: 2500.0, 10000: 25000.0}
    results = [ok("sum:list", "python", n, t) for n, t in python.items()]
    results += [ok("sum:list", "pyo3", n, t) for n, t in pyo3.items()]
    results += [ok("sum:list", "ctypes", n, t) for n, t in ctypes.items()]
    results += [ok("sum", "rust", 1000, 10.0), ok("sum", "rust", 10**7, 10.0)]
    document = {"meta": {}, "results": results}
    assert report.crossovers(document, "arrays") == {
        "sum:list": {"pyo3": "1,000", "ctypes": "never"}
    }
    group = next(g for g in report.groups(document) if g.size == 1000)
    rows = {row.backend: row for row in group.rows}
    assert rows["rust"].median == "10 ns" and rows["pyo3"].boundary == "99%"
    assert not any(g.operation == "sum" for g in report.groups(document)), "rust joins sum:list"


def test_compare_says_faster_slower_noise_and_new() -> None:
    def run(medians: dict[str, float], status: str = "ok") -> dict:
        results = []
        for backend, median in medians.items():
            stats = time_stats([median * 0.99, median, median * 1.01])
            results.append({"scenario": "basic", "operation": "add", "backend": backend,
                            "size": None, "status": status, "message": None,
                            "metrics": {"time_ns": stats}})  # fmt: skip
        return {"meta": {}, "results": results}

    old = run({"python": 200.0, "pyo3": 50.0, "ctypes": 1000.0})
    new = run({"python": 201.0, "pyo3": 25.0, "ctypes": 2000.0, "cffi": 900.0})
    changes = {change.backend: change.change for change in report.compare(old, new)}
    assert changes == {"python": "n.s.", "pyo3": "2x faster", "ctypes": "2x slower", "cffi": "new"}
    failed = report.compare(old, run({"pyo3": 50.0}, status="mismatch"))
    assert failed[0].change == "ok -> mismatch"
