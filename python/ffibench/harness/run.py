"""``ffibench run``: check every participant against the reference, then time it.

For each operation and size the pure-Python spec computes the expected answer once. Every
participant is called on the same arguments and its answer compared; only a participant whose
answer matched is timed (pyperf, see :mod:`ffibench.harness.timing`). A wrong answer is
recorded as ``mismatch``, an exception as ``error``, a backend that cannot do the operation as
``not-applicable``; none of these is timed. Each result is saved as soon as it exists.
"""

from __future__ import annotations

import reprlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ffibench import scenarios
from ffibench._backends import backend
from ffibench.harness import criterion, meta, timing
from ffibench.harness.results import ResultsFile, entry, time_stats
from ffibench.scenarios import Operation, Participant, Scenario

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60


@dataclass(frozen=True)
class Task:
    """One operation at one size, with the participants to check and time."""

    scenario: Scenario
    operation: Operation
    size: int | None
    participants: list[Participant]


def plan_tasks(
    selected: Iterable[Scenario],
    backends: tuple[str, ...] | None,
    quick: bool,
    operations: tuple[str, ...] | None = None,
) -> list[Task]:
    """Every (operation, size) of the selected scenarios with its participants."""
    tasks = []
    for scenario in selected:
        for operation in scenario.operations:
            wanted = {operation.name, operation.function_name}
            if operations is not None and wanted.isdisjoint(operations):
                continue
            found = scenarios.participants(scenario, operation, backends)
            if not found:
                continue
            for size in operation.sizes_for(quick):
                tasks.append(Task(scenario, operation, size, found))
    return tasks


def _check_and_time(
    task: Task, participant: Participant, expected: Any, quick: bool
) -> dict[str, Any]:
    scenario, operation, size = task.scenario.name, task.operation.name, task.size

    def result(status: str, message: str | None = None, **metrics: Any) -> dict[str, Any]:
        return entry(scenario, operation, participant.name, size, status, message, metrics)

    if participant.function is None:
        return result("error" if participant.broken else "not-applicable", participant.reason)
    try:
        start = time.perf_counter()
        args = task.operation.arguments(participant.function, size)
        setup_s = time.perf_counter() - start
        run_once = task.operation.runner(participant.function)
        start = time.perf_counter()
        answer = run_once(*args)
        first_call_s = time.perf_counter() - start
    except Exception as error:
        return result("error", f"{type(error).__name__}: {error}")
    if not task.operation.check_for(participant)(answer, expected):
        return result("mismatch", f"expected {_short.repr(expected)}, got {_short.repr(answer)}")
    call_s = timing.estimate(run_once, args, first_call_s)
    del args, answer  # each worker process builds its own; free this one's memory first
    how = timing.plan(call_s, quick, setup_s)
    try:
        values = timing.measure(scenario, operation, size, participant.name, how, call_s)
    except timing.TimingError as error:
        return result("error", f"timing failed: {error}")
    stats = time_stats(values)
    metrics: dict[str, Any] = {"time_ns": stats}
    if size is not None:
        metrics["items_per_s"] = size / (stats["median"] * 1e-9)
    return result("ok", None, **metrics)


def run(
    selected: list[Scenario],
    backends: tuple[str, ...] | None,
    quick: bool,
    output: Path,
    criterion_dir: Path | None,
    console: Console,
    operations: tuple[str, ...] | None = None,
) -> ResultsFile:
    """Check and time everything selected, saving to ``output`` after each result."""
    results = ResultsFile(output, meta.collect(quick))
    results.save()
    tasks = plan_tasks(selected, backends, quick, operations)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    total = sum(len(task.participants) for task in tasks)
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("starting", total=total)
        for task in tasks:
            label = scenarios.benchmark_id(task.scenario.name, task.operation.name, task.size)
            progress.update(bar, description=f"{label}: reference")
            reference = getattr(backend("python"), task.scenario.name)
            expected_error = None
            try:
                function = getattr(reference, task.operation.function_name)
                args = task.operation.arguments(function, task.size)
                expected = task.operation.runner(function)(*args)
                del args
            except Exception as error:  # a broken spec: nothing can be checked against it
                expected_error = f"the reference failed: {type(error).__name__}: {error}"
            for participant in task.participants:
                progress.update(bar, description=f"{label}: {participant.name}")
                if expected_error is not None:
                    results.add(
                        entry(
                            task.scenario.name,
                            task.operation.name,
                            participant.name,
                            task.size,
                            "error",
                            expected_error,
                        )
                    )
                else:
                    results.add(_check_and_time(task, participant, expected, quick))
                progress.advance(bar)
    if criterion_dir is not None:
        # A criterion id names the function (`sum`), which `sum:list` and `sum:array` share.
        wanted = None if operations is None else {name.split(":")[0] for name in operations}
        native = [
            result
            for result in criterion.load(criterion_dir, {scenario.name for scenario in selected})
            if wanted is None or result["operation"].split(":")[0] in wanted
        ]
        if not native:
            console.print(
                f"[yellow]no criterion results under {criterion_dir}[/yellow]: "
                "run `cargo bench -p ffibench-core` first"
            )
        for result in native:
            results.add(result)
    return results
