"""Each kind of measurement as a :class:`Job`: how many processes, what one process measures,
how the processes' values become the metrics of a result.

The run loop (:mod:`ffibench.harness.run`) knows nothing of kinds: it checks each
participant, asks :func:`prepare` for its job, runs one process of each job per round, and
asks the job to :meth:`~Job.summarise` the values. A new kind is a new branch here and in the
probe, never a special case in a scenario.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ffibench.harness import processes, timing
from ffibench.harness.metrics import METRICS, RATES, scaled, summary
from ffibench.scenarios import Operation

#: Fresh processes per participant for a memory figure.
MEMORY_PROCESSES = {True: 2, False: 3}

#: One process's values: metric name -> the values it kept (one, or several for a time).
Sample = dict[str, list[float]]


class MeasureError(RuntimeError):
    """A measuring process failed or ran out of time."""


@dataclass(frozen=True)
class Job:
    """How one participant of one benchmark is measured."""

    kind: str
    locator: str
    operation: Operation
    size: int | None
    participant: str
    processes: int
    process_seconds: float
    timeout_s: float
    plan: timing.Plan | None = None
    duration_s: float = 0.0

    def measure_one(self) -> Sample:
        """Run one measuring process; ``MeasureError`` if it fails."""
        if self.kind == "time":
            assert self.plan is not None
            try:
                values = timing.measure_process(
                    self.locator,
                    self.operation.name,
                    self.size,
                    self.participant,
                    self.plan,
                    self.timeout_s,
                )
            except timing.TimingError as error:
                raise MeasureError(f"timing failed: {error}") from None
            return {"time_ns": values}
        return _probe(self)

    def summarise(self, samples: list[Sample]) -> dict[str, Any]:
        """The metrics of a result from every process's values, in round order."""
        names = list(dict.fromkeys(name for sample in samples for name in sample))
        metrics: dict[str, Any] = {}
        for name in names:
            per_process = [sample[name] for sample in samples if name in sample]
            pooled = [value for values in per_process for value in values]
            metrics[name] = summary(
                name, pooled, [statistics.median(values) for values in per_process]
            )
        if self.kind == "time" and "time_ns" in metrics:
            rate = rate_of(self.operation, self.size)
            if rate is not None:
                name, factor = rate
                metrics[name] = scaled(metrics["time_ns"], name, factor)
        return metrics


def rate_of(operation: Operation, size: int | None) -> tuple[str, float] | None:
    """The rate metric of a time operation and the factor that turns ns per call into it:
    from its ``work``, else items (its size) per second for a sized operation."""
    if operation.work is not None:
        name, scale = RATES[operation.work.unit]
        amount = operation.work.amount(size)
    elif size is not None:
        name, scale, amount = "items_per_s", 1.0, size
    else:
        return None
    return name, amount * scale * 1e9


def _bounded_timeout(operation: Operation, expected_s: float) -> float:
    if operation.timeout_s is not None:
        return operation.timeout_s
    return 60.0 + 3.0 * expected_s


def prepare(
    kind: str,
    locator: str,
    operation: Operation,
    size: int | None,
    participant: str,
    quick: bool,
    setup_s: float,
    first_call_s: float,
    estimate_call: Callable[[], float],
) -> Job:
    """The job of one checked participant. ``estimate_call`` times a call in-process (only a
    ``time`` job needs it)."""

    def job(
        processes: int,
        process_seconds: float,
        timeout_s: float,
        plan: timing.Plan | None = None,
        duration_s: float = 0.0,
    ) -> Job:
        return Job(kind, locator, operation, size, participant, processes, process_seconds,
                   timeout_s, plan, duration_s)  # fmt: skip

    if kind == "time":
        call_s = estimate_call()
        plan = timing.plan(call_s, quick, setup_s)
        per_process = plan.process_seconds(call_s)
        return job(plan.processes, per_process, operation.timeout_s or 60.0 + 5.0 * per_process,
                   plan)  # fmt: skip
    if kind == "memory":
        per_process = timing.SPAWN_S + setup_s + first_call_s
        return job(MEMORY_PROCESSES[quick], per_process,
                   _bounded_timeout(operation, 2 * per_process))  # fmt: skip
    if kind in ("latency", "throughput"):
        bounded = operation.bounded_run
        duration = bounded.quick_duration_s if quick else bounded.duration_s
        count = bounded.quick_repetitions if quick else bounded.repetitions
        per_process = timing.SPAWN_S + setup_s + duration
        return job(count, per_process, _bounded_timeout(operation, per_process),
                   duration_s=duration)  # fmt: skip
    if kind == "load":
        load = operation.load_run
        duration = float(load.quick_duration_s if quick else load.duration_s)
        count = load.quick_repetitions if quick else load.repetitions
        per_process = timing.SPAWN_S + setup_s + duration + 0.5
        timeout = _bounded_timeout(operation, per_process + load.request_timeout_s)
        return job(count, per_process, timeout, duration_s=duration)
    raise ValueError(f"unknown kind {kind!r}")


def _probe(job: Job) -> Sample:
    with tempfile.TemporaryDirectory(prefix="ffibench-probe-") as directory:
        output = Path(directory) / "probe.json"
        command = [
            sys.executable, "-m", "ffibench.harness.probe",
            "--kind", job.kind,
            "--scenario", job.locator,
            "--operation", job.operation.name,
            "--participant", job.participant,
            "--size", str(job.size),
            "--duration", repr(job.duration_s),
            "--output", str(output),
        ]  # fmt: skip
        try:
            done = processes.run(command, job.timeout_s, env=dict(os.environ))
        except processes.ProcessTimeout as error:
            raise MeasureError(f"the {job.kind} process was {error}") from None
        try:
            answer = json.loads(output.read_text())
        except (OSError, json.JSONDecodeError):
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise MeasureError(
                f"the {job.kind} process exited with {done.returncode}: {' | '.join(tail)}"
            ) from None
    if "error" in answer:
        raise MeasureError(str(answer["error"]))
    metrics = answer["metrics"]
    unknown = set(metrics) - set(METRICS)
    if unknown:
        raise MeasureError(f"unknown metrics {sorted(unknown)}")
    return {name: [float(value)] for name, value in metrics.items()}
