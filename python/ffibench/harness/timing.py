"""Call timing with pyperf: plan the loops, run one worker process, read its values back.

pyperf does the timing inside each process (the calibrated, unrolled loop, warm-ups and kept
values); the harness runs the processes itself, one at a time, in pyperf's ``--worker`` mode,
so that it can interleave the participants of one benchmark: process 1 of each, then process 2
of each, in a fresh random order every round (:mod:`ffibench.harness.run`). A worker process
inherits the whole environment (pyperf's own master would drop it).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyperf

from ffibench.harness import processes

#: Calls shorter than this are unrolled ten times per loop iteration.
UNROLL_BELOW_S = 10e-6
#: A rough cost of starting one worker process (interpreter, imports, pyperf's metadata).
SPAWN_S = 0.2


@dataclass(frozen=True)
class Budget:
    """What one benchmark of one participant may spend: ``seconds`` over its processes,
    each value lasting ``value_s``, with ``min_processes`` to ``max_processes`` processes."""

    value_s: float
    values: int
    warmups: int
    seconds: float
    min_processes: int
    max_processes: int


#: ``--quick``: two processes of two 10 ms values for a short call (about a second, most of it
#: the processes' start): enough to see the order of things, not to trust a small difference.
QUICK = Budget(value_s=0.01, values=2, warmups=1, seconds=0.5, min_processes=2, max_processes=3)
#: A full run: four to six processes of three 30 ms values for a short call (about 1.3 s).
#: Four is the fewest that give the paired ratio's interval a useful width (t = 3.18 at 3
#: degrees of freedom); more processes would narrow it, but the nine scenarios must fit in an
#: hour (1.5 s a participant made it 64 minutes, criterion's benches included).
FULL = Budget(value_s=0.03, values=3, warmups=1, seconds=1.3, min_processes=4, max_processes=8)
#: A participant may spend this many times its budget to reach ``min_processes``.
STRETCH = 2.0


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

    def process_seconds(self, call_seconds: float) -> float:
        """The expected duration of one worker process."""
        value = self.calls_per_value * call_seconds
        return SPAWN_S + self.setup_seconds + (self.values + self.warmups) * value

    def expected_seconds(self, call_seconds: float) -> float:
        return self.processes * self.process_seconds(call_seconds)


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
    """The loops and processes for a call of ``call_seconds``, within :data:`QUICK` or
    :data:`FULL`.

    The number of processes is the budget's lever: as many as fit, at least
    ``min_processes`` when that costs at most :data:`STRETCH` budgets, at least one. A call
    too long for its value gets one loop; quick runs then keep a single value.
    ``setup_seconds`` is what each worker spends building its inputs (a million Python
    objects take seconds): it counts against the budget like the process start.
    """
    budget = QUICK if quick else FULL
    inner = 10 if call_seconds < UNROLL_BELOW_S else 1
    loops = max(1, math.ceil(budget.value_s / (call_seconds * inner)))
    value_s = loops * inner * call_seconds
    values = 1 if quick and value_s > 0.5 else budget.values
    per_process = SPAWN_S + setup_seconds + (values + budget.warmups) * value_s
    fit = int(budget.seconds // per_process)
    floor = min(budget.min_processes, int(STRETCH * budget.seconds // per_process))
    processes = max(1, min(budget.max_processes, max(fit, floor)))
    return Plan(loops, inner, processes, values, budget.warmups, setup_seconds)


def worker_command(
    locator: str,
    operation: str,
    size: int | None,
    participant: str,
    timing: Plan,
    output: Path,
) -> list[str]:
    """The command of one pyperf worker process for one benchmark."""
    return [
        sys.executable, "-m", "ffibench.harness.worker",
        "--worker",
        "--ffibench-scenario", locator,
        "--ffibench-operation", operation,
        "--ffibench-participant", participant,
        "--ffibench-size", str(size),
        "--ffibench-unroll", str(timing.inner_loops),
        "--loops", str(timing.loops),
        "--values", str(timing.values),
        "--warmups", str(timing.warmups),
        "--quiet",
        "--output", str(output),
    ]  # fmt: skip


def measure_process(
    locator: str,
    operation: str,
    size: int | None,
    participant: str,
    timing: Plan,
    timeout_s: float,
) -> list[float]:
    """Run one pyperf worker process and return its kept values, in nanoseconds per call.

    ``TimingError`` when it fails or runs past ``timeout_s`` (its process group is killed).
    """
    with tempfile.TemporaryDirectory(prefix="ffibench-") as directory:
        output = Path(directory) / "pyperf.json"
        command = worker_command(locator, operation, size, participant, timing, output)
        try:
            done = processes.run(command, timeout_s, env=dict(os.environ))
        except processes.ProcessTimeout as error:
            raise TimingError(f"pyperf worker {error}") from None
        if done.returncode != 0 or not output.exists():
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise TimingError(f"pyperf exited with {done.returncode}: {' | '.join(tail)}")
        benchmark = pyperf.Benchmark.load(str(output))
        return [value * 1e9 for value in benchmark.get_values()]
