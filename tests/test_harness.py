"""The harness checks before it measures, interleaves, and keeps its results file readable."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from ffibench import scenarios
from ffibench.harness import criterion, kinds, stats, timing
from ffibench.harness.results import SCHEMA, ResultsFile, entry, load, time_stats
from ffibench.harness.run import Task, _check_and_time, measure_task, plan_tasks
from ffibench.scenarios import Participant

SCENARIO = scenarios.get("basic")
ROOT = Path(__file__).resolve().parent.parent


def _task(operation: str, participant: Participant, size: int | None = None) -> Task:
    return Task(SCENARIO, SCENARIO.operation(operation), size, [participant])


def test_a_wrong_answer_is_a_mismatch_and_is_not_timed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_timing(*args: object) -> list[float]:
        raise AssertionError("a mismatching participant must not be timed")

    monkeypatch.setattr(timing, "measure_process", no_timing)
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


def test_the_right_answer_is_timed_by_pyperf_one_process_at_a_time() -> None:
    participant = scenarios.participants(SCENARIO, SCENARIO.operation("add"), ("pyo3",))[0]
    result = _check_and_time(_task("add", participant), participant, (1 << 40) + 7, True)
    assert result["status"] == "ok", result["message"]
    assert (result["kind"], result["primary"]) == ("time", "time_ns")
    stats_ns = result["metrics"]["time_ns"]
    assert 0 < stats_ns["min"] <= stats_ns["median"] <= stats_ns["max"]
    assert (stats_ns["unit"], stats_ns["better"]) == ("ns", "lower")
    plan = timing.plan(1e-7, quick=True)
    assert len(stats_ns["processes"]) == plan.processes >= timing.QUICK.min_processes >= 2
    assert stats_ns["samples"] == plan.processes * plan.values


def test_plans_fit_their_budget() -> None:
    quick_fast = timing.plan(50e-9, quick=True)
    assert quick_fast.inner_loops == 10
    assert quick_fast.processes >= timing.QUICK.min_processes
    assert quick_fast.expected_seconds(50e-9) < 1.0
    slow = timing.plan(3.0, quick=True)
    assert (slow.processes, slow.values, slow.loops, slow.inner_loops) == (1, 1, 1, 1)
    full = timing.plan(1e-6, quick=False)
    assert full.expected_seconds(1e-6) < 4.0
    assert full.processes >= timing.FULL.min_processes
    # a participant whose inputs take a second to build gets fewer processes, not minutes
    assert timing.plan(1e-6, quick=False, setup_seconds=1.0).expected_seconds(1e-6) < 6.0


def test_participants_of_a_benchmark_are_interleaved_in_rounds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Real pyperf worker processes log their participant as they build their inputs: each
    round runs one process of every participant."""
    log = tmp_path / "order.log"
    monkeypatch.setenv("FFIBENCH_TEST_ORDER_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", str(ROOT / "tests"))
    from test_kinds import SCENARIO as KINDS

    tasks = plan_tasks([KINDS], None, quick=True, operations=("ping",))
    [task] = [task for task in tasks if task.operation.name == "ping"]
    results = measure_task(task, quick=True)
    assert [r["status"] for r in results] == ["ok", "ok"], results
    processes = len(results[0]["metrics"]["time_ns"]["processes"])
    assert processes == len(results[1]["metrics"]["time_ns"]["processes"]) >= 2
    here = {str(__import__("os").getpid())}
    order = [
        line.split()[1] for line in log.read_text().splitlines() if line.split()[0] not in here
    ]
    assert len(order) == 2 * processes, order
    for index in range(processes):
        assert sorted(order[2 * index : 2 * index + 2]) == ["python", "python:again"], order


def test_a_failing_measurement_is_an_error_with_its_reason() -> None:
    job = kinds.Job(
        kind="time",
        locator="basic",
        operation=SCENARIO.operation("add"),
        size=None,
        participant="nobody",
        processes=1,
        process_seconds=0.3,
        timeout_s=30,
        plan=timing.plan(1e-7, quick=True),
    )
    with pytest.raises(kinds.MeasureError, match="timing failed"):
        job.measure_one()


def test_results_file_round_trips_and_refuses_garbage(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    results = ResultsFile(path, {"quick": True})
    results.save()
    assert load(path)["results"] == []
    assert load(path)["schema"] == SCHEMA
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not an ffibench results file"):
        load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="cannot read"):
        load(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="directory"):
        load(tmp_path)


def test_saving_leaves_no_temporary_file_beside_or_above(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    path = tmp_path / "run" / "tmp"
    ResultsFile(path, {}).save()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    with pytest.raises(IsADirectoryError):
        ResultsFile(tmp_path / "run", {}).save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def _good() -> dict[str, Any]:
    return entry("basic", "add", "pyo3", None, "ok", None, {"time_ns": time_stats([1.0, 2.0])})


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda r: r.pop("operation"), "result 1 .*'operation' is missing"),
        (lambda r: r.__setitem__("metrics", {}), "result 1 .*'metrics' is empty"),
        (
            lambda r: r["metrics"]["time_ns"].__setitem__("median", "fast"),
            "result 1 .*'time_ns' median is not a number: 'fast'",
        ),
        (lambda r: r.__setitem__("size", "big"), "result 1 .*'size' is not an integer"),
        (lambda r: r.__setitem__("status", "great"), "result 1 .*'status' is not one of"),
        (lambda r: r.__setitem__("kind", "vibes"), "result 1 .*'kind' is not one of"),
    ],
)
def test_a_broken_entry_is_named_with_its_field(tmp_path: Path, damage: Any, message: str) -> None:
    broken = _good()
    damage(broken)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"schema": SCHEMA, "meta": {}, "results": [_good(), broken]}))
    with pytest.raises(ValueError, match=message):
        load(path)


def test_version_1_files_are_read_with_cffi_as_its_abi_mode() -> None:
    # A version-1 file of an earlier reference run (scenario 1, commit 4b3fa03), kept as data.
    for path in [ROOT / "tests" / "data" / "results-v1.json"]:
        document = load(path)
        assert document["schema"] == SCHEMA and document["meta"]["read_from"].endswith("/1")
        backends = {result["backend"] for result in document["results"]}
        assert "cffi" not in backends and "cffi_abi" in backends, path
        for result in document["results"]:
            assert result["kind"] == "time" and result["primary"] == "time_ns"
            rate = result["metrics"].get("items_per_s")
            if rate is not None:
                time_ns = result["metrics"]["time_ns"]["median"]
                assert rate["better"] == "higher"
                assert rate["median"] == pytest.approx(result["size"] * 1e9 / time_ns)


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


def test_student_t_and_welch_match_their_tables() -> None:
    # two-sided 95% critical values of Student's t (any statistics table)
    for df, critical in ((1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (30, 2.042)):
        assert stats.t_quantile(0.975, df) == pytest.approx(critical, abs=1e-3)
    assert stats.t_quantile(0.995, 4) == pytest.approx(4.604, abs=1e-3)
    assert stats.t_cdf(0.0, 3) == pytest.approx(0.5)
    same = stats.welch([1.0, 1.1, 0.9, 1.05], [1.0, 1.1, 0.9, 1.05])
    assert same is not None and same.p_value == pytest.approx(1.0) and not same.significant
    shifted = stats.welch([1.0, 1.01, 0.99, 1.0], [2.0, 2.02, 1.98, 2.0])
    assert shifted is not None and shifted.significant and shifted.ratio == pytest.approx(2.0)
    tiny = stats.welch([1.0, 1.001, 0.999, 1.0], [1.02, 1.021, 1.019, 1.02])
    assert tiny is not None and tiny.p_value is not None and tiny.p_value < 0.001
    assert not tiny.significant, "a 2% change is under the minimum effect"
    lonely = stats.welch([1.0], [2.0])
    assert lonely is not None and lonely.p_value is None and not lonely.significant


def test_paired_ratio_interval() -> None:
    ratio = stats.paired_ratio([10.0, 12.0, 11.0, 9.0], [1.0, 1.1, 1.0, 1.0])
    assert ratio is not None and ratio.pairs == 4
    assert ratio.low is not None and ratio.high is not None
    assert ratio.low < ratio.value < ratio.high and ratio.significant
    noisy = stats.paired_ratio([1.0, 1.3, 0.8], [1.1, 1.0, 1.0])
    assert noisy is not None and not noisy.significant
    single = stats.paired_ratio([2.0], [1.0])
    assert single is not None and single.low is None and not single.significant


def test_docstring_examples_of_the_harness_and_report_hold() -> None:
    import doctest

    from ffibench.harness import metrics, processes
    from ffibench.report import format as report_format

    for module in (stats, metrics, processes, report_format, scenarios):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0, module.__name__
