"""Call timing with pyperf: plan the loops, run the worker processes, read the values back.

Each (operation, size, participant) is timed by its own pyperf run in fresh processes, so one
participant's crash, leak or warm cache cannot touch another's. The harness plans the loop
count itself from a short in-process estimate (no pyperf calibration run), then pyperf spawns
``processes`` workers, each with ``warmups`` discarded and ``values`` kept values.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyperf

#: Environment variables that pyperf's workers must keep (pyperf drops the rest).
INHERITED_ENVIRONMENT = (
    "FFIBENCH_CAPI_LIBRARY",
    "FFIBENCH_CAPI_HEADER",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OMP_NUM_THREADS",
    "RAYON_NUM_THREADS",
    "MKL_NUM_THREADS",
)
#: Calls shorter than this are unrolled ten times per loop iteration.
UNROLL_BELOW_S = 10e-6
#: A rough cost of starting one worker process (interpreter, imports), for the budget.
SPAWN_S = 0.15


class TimingError(RuntimeError):
    """pyperf failed, or its output could not be read."""


@dataclass(frozen=True)
class Plan:
    """How one benchmark is timed: ``processes`` x (``warmups`` + ``values``) values of
    ``loops`` x ``inner_loops`` calls each."""

    loops: int
    inner_loops: int
    processes: int
    values: int
    warmups: int
    setup_seconds: float = 0.0

    @property
    def calls_per_value(self) -> int:
        return self.loops * self.inner_loops

    def expected_seconds(self, call_seconds: float) -> float:
        value = self.calls_per_value * call_seconds
        per_process = SPAWN_S + self.setup_seconds + (self.values + self.warmups) * value
        return self.processes * per_process


def estimate(function: Callable[..., Any], args: tuple[Any, ...], first_call_s: float) -> float:
    """Seconds per call: the first call's time if it is long, else repeated calls for ~20 ms."""
    if first_call_s > 2e-3:
        return first_call_s
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            function(*args)
        elapsed = time.perf_counter() - start
        if elapsed > 0.02 or calls >= 1 << 24:
            return max(elapsed / calls, 1e-9)
        calls *= 4


def plan(call_seconds: float, quick: bool, setup_seconds: float = 0.0) -> Plan:
    """The loops and processes for a call of ``call_seconds``, within a per-benchmark budget.

    Full runs aim at ~2.5 s a benchmark (pyperf's 0.1 s values, up to 20 processes); ``--quick``
    at ~0.6 s (0.02 s values, up to 3 processes). A call too long for the budget still gets
    one process with one warm-up; quick runs then keep a single value. ``setup_seconds`` is
    what each worker spends building its inputs (a million Python objects take seconds): it
    counts against the budget like the process start.
    """
    min_time, budget, max_processes = (0.02, 0.6, 3) if quick else (0.1, 2.5, 20)
    inner = 10 if call_seconds < UNROLL_BELOW_S else 1
    loops = max(1, math.ceil(min_time / (call_seconds * inner)))
    value_s = loops * inner * call_seconds
    values, warmups = 3, 1
    if quick and value_s > 0.5:
        values = 1
    per_process = SPAWN_S + setup_seconds + (values + warmups) * value_s
    processes = max(1, min(max_processes, int(budget // per_process)))
    return Plan(loops, inner, processes, values, warmups, setup_seconds)


def measure(
    scenario: str,
    operation: str,
    size: int | None,
    participant: str,
    timing: Plan,
    call_seconds: float,
) -> list[float]:
    """Run pyperf for one benchmark and return every kept value, in nanoseconds per call.

    The run is stopped (``TimingError``) past five times its expected duration plus a minute.
    """
    timeout = 60.0 + 5 * timing.expected_seconds(call_seconds)
    inherit = [name for name in INHERITED_ENVIRONMENT if name in os.environ]
    with tempfile.TemporaryDirectory(prefix="ffibench-") as directory:
        output = Path(directory) / "pyperf.json"
        command = [
            sys.executable, "-m", "ffibench.harness.worker",
            "--ffibench-scenario", scenario,
            "--ffibench-operation", operation,
            "--ffibench-participant", participant,
            "--ffibench-size", str(size),
            "--ffibench-unroll", str(timing.inner_loops),
            "--loops", str(timing.loops),
            "--processes", str(timing.processes),
            "--values", str(timing.values),
            "--warmups", str(timing.warmups),
            "--quiet",
            "--output", str(output),
        ]  # fmt: skip
        if inherit:
            command.append(f"--inherit-environ={','.join(inherit)}")
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise TimingError(f"pyperf did not finish in {timeout:.0f} s") from None
        if done.returncode != 0 or not output.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise TimingError(f"pyperf exited with {done.returncode}: {' | '.join(tail)}")
        benchmark = pyperf.Benchmark.load(str(output))
        return [value * 1e9 for value in benchmark.get_values()]
