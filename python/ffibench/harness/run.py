"""``ffibench run``: check every participant against the reference, then measure them
interleaved.

For each operation and size (a *benchmark*) the reference (the participant ``python``, or the
scenario's own: :func:`ffibench.scenarios.reference_of`) computes the expected answer once.
Every participant is called on the same arguments and its answer compared; only a participant
whose answer matched is measured. A wrong answer is recorded as ``mismatch``, an exception as
``error``, a backend that cannot do the operation as
``not-applicable``; none of these is measured.

The checked participants of one benchmark are then measured in rounds (google/benchmark's
random interleaving): round 1 runs one measuring process of each participant, round 2 the next
one of each, and so on, in a freshly shuffled order each round. A drift of the machine then
lands on every participant alike, and process i of a participant pairs with process i of the
reference for the speed-up's confidence interval. Whatever the operation measures (its
``kind``), the loop is the same: :mod:`ffibench.harness.kinds` plans the processes and reads
their values. Each result is saved as soon as its benchmark is done.
"""

from __future__ import annotations

import datetime as _dt
import random
import reprlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ffibench import scenarios
from ffibench.harness import criterion, kinds, meta, timing
from ffibench.harness.metrics import summary
from ffibench.harness.results import ResultsFile, entry
from ffibench.scenarios import Operation, Participant, Scenario

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60


@dataclass(frozen=True)
class Task:
    """One operation at one size, with the participants to check and measure."""

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


@dataclass
class _Checked:
    """A participant's check: its final result if it failed, else the job that measures it."""

    participant: Participant
    result: dict[str, Any] | None = None
    job: kinds.Job | None = None
    samples: list[kinds.Sample] = field(default_factory=list)
    failure: str | None = None
    #: Metrics of the checked answer itself (the ``bytes`` of an encoded form).
    extra: dict[str, Any] = field(default_factory=dict)


def _result(
    task: Task, participant: Participant, status: str, message: str | None = None, **metrics: Any
) -> dict[str, Any]:
    operation = task.operation
    return entry(
        task.scenario.name,
        operation.name,
        participant.name,
        task.size,
        status,
        message,
        metrics,
        kind=operation.kind,
        primary=operation.primary_metric,
    )


def _check(task: Task, participant: Participant, expected: Any, quick: bool) -> _Checked:
    """Call the participant once and compare; plan its measurement if the answer matched."""
    checked = _Checked(participant)
    if participant.function is None:
        status = "error" if participant.broken else "not-applicable"
        checked.result = _result(task, participant, status, participant.reason)
        return checked
    operation = task.operation
    try:
        start = time.perf_counter()
        args = operation.arguments(participant.function, task.size, participant.is_anchor)
        setup_s = time.perf_counter() - start
        run_once = operation.runner(participant.function, participant.is_anchor)
        start = time.perf_counter()
        answer = run_once(*args)
        first_call_s = time.perf_counter() - start
    except NotImplementedError as error:  # a path this participant truly cannot offer
        reason = str(error) or f"{participant.name} cannot do {operation.name}"
        checked.result = _result(task, participant, "not-applicable", reason)
        return checked
    except Exception as error:
        checked.result = _result(task, participant, "error", f"{type(error).__name__}: {error}")
        return checked
    if not operation.check_for(participant)(answer, expected):
        message = f"expected {_short.repr(expected)}, got {_short.repr(answer)}"
        checked.result = _result(task, participant, "mismatch", message)
        return checked
    if operation.encoded_size is not None:
        checked.extra["bytes"] = summary("bytes", [float(operation.encoded_size(args, answer))])
    del answer  # each measuring process builds its own; free this one's memory first
    checked.job = kinds.prepare(
        operation.kind,
        scenarios.locator(task.scenario),
        operation,
        task.size,
        participant.name,
        quick,
        setup_s,
        first_call_s,
        lambda: timing.estimate(run_once, args, first_call_s),
    )
    return checked


def _finish(task: Task, checked: _Checked) -> dict[str, Any]:
    if checked.result is not None:
        return checked.result
    assert checked.job is not None
    if checked.failure is not None:
        return _result(task, checked.participant, "error", checked.failure)
    metrics = {**checked.job.summarise(checked.samples), **checked.extra}
    return _result(task, checked.participant, "ok", None, **metrics)


def _check_and_time(
    task: Task, participant: Participant, expected: Any, quick: bool
) -> dict[str, Any]:
    """Check one participant and measure it alone (all its processes): the result."""
    checked = _check(task, participant, expected, quick)
    if checked.job is not None:
        for _ in range(checked.job.processes):
            try:
                checked.samples.append(checked.job.measure_one())
            except kinds.MeasureError as error:
                checked.failure = str(error)
                break
    return _finish(task, checked)


def _expected(task: Task) -> tuple[Any, str | None]:
    """The reference's answer, or why there is none."""
    name = task.scenario.reference
    found = scenarios.participants(task.scenario, task.operation, (name,))
    reference = found[0] if found else None
    if reference is None or reference.function is None:
        return None, f"no reference ({name}) to check against"
    try:
        anchor = reference.is_anchor
        args = task.operation.arguments(reference.function, task.size, anchor)
        return task.operation.runner(reference.function, anchor)(*args), None
    except Exception as error:  # a broken spec: nothing can be checked against it
        return None, f"the reference failed: {type(error).__name__}: {error}"


def measure_task(
    task: Task,
    quick: bool,
    progress: Progress | None = None,
    bar: TaskID | None = None,
    shuffle: random.Random | None = None,
) -> list[dict[str, Any]]:
    """Check every participant of ``task``, measure the good ones interleaved: the results,
    in the participants' order."""
    label = scenarios.benchmark_id(task.scenario.name, task.operation.name, task.size)

    def show(text: str, advance: float = 0.0) -> None:
        if progress is not None and bar is not None:
            progress.update(bar, description=f"{label} {text}", advance=advance)

    show(f"checking {task.scenario.reference}")
    expected, failure = _expected(task)
    checks = []
    for participant in task.participants:
        if failure is not None:
            checks.append(_Checked(participant, _result(task, participant, "error", failure)))
            show("", advance=1.0)
            continue
        show(f"checking {participant.name}")
        checked = _check(task, participant, expected, quick)
        if checked.job is None:
            show("", advance=1.0)
        checks.append(checked)
    jobs = [checked for checked in checks if checked.job is not None]
    rounds = max((checked.job.processes for checked in jobs if checked.job), default=0)
    order = shuffle or random.Random()
    for index in range(rounds):
        turn = [c for c in jobs if c.job and c.failure is None and c.job.processes > index]
        order.shuffle(turn)
        for checked in turn:
            assert checked.job is not None
            show(f"round {index + 1}/{rounds}: {checked.participant.name}")
            try:
                checked.samples.append(checked.job.measure_one())
            except kinds.MeasureError as error:
                checked.failure = str(error)
                show("", advance=(checked.job.processes - index) / checked.job.processes)
                continue
            show("", advance=1.0 / checked.job.processes)
    return [_finish(task, checked) for checked in checks]


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def run(
    selected: list[Scenario],
    backends: tuple[str, ...] | None,
    quick: bool,
    output: Path,
    criterion_dir: Path | None,
    console: Console,
    operations: tuple[str, ...] | None = None,
) -> ResultsFile:
    """Check and measure everything selected, saving to ``output`` after each benchmark.

    ``OSError`` if ``output`` cannot be written (before anything is measured). On Ctrl-C the
    results so far stay saved, with ``interrupted`` in the meta, and ``KeyboardInterrupt``
    goes on.
    """
    started = time.monotonic()
    document_meta = meta.collect(quick)
    document_meta["interleaved"] = True
    machine, failures = meta.measured(selected)
    if machine:
        document_meta["measured"] = machine
    if failures:
        document_meta["measured_errors"] = failures
    results = ResultsFile(output, document_meta)
    results.save()
    tasks = plan_tasks(selected, backends, quick, operations)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    total = sum(len(task.participants) for task in tasks)
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            bar = progress.add_task("starting", total=total)
            # Where the run's time goes, per benchmark: what a budget is cut by.
            spent = document_meta.setdefault("benchmark_seconds", {})
            for task in tasks:
                begun = time.monotonic()
                for result in measure_task(task, quick, progress, bar):
                    results.results.append(result)
                label = scenarios.benchmark_id(task.scenario.name, task.operation.name, task.size)
                spent[label] = round(time.monotonic() - begun, 2)
                results.save()
        if criterion_dir is not None:
            _add_criterion(results, selected, criterion_dir, operations, console)
    except KeyboardInterrupt:
        document_meta["interrupted"] = True
        raise
    finally:
        document_meta["finished"] = _now().isoformat(timespec="seconds")
        document_meta["duration_s"] = round(time.monotonic() - started, 3)
        results.save()
    return results


def _add_criterion(
    results: ResultsFile,
    selected: list[Scenario],
    criterion_dir: Path,
    operations: tuple[str, ...] | None,
    console: Console,
) -> None:
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
