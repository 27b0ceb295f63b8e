"""The worker process of every kind but ``time``: one measurement in a fresh process.

``python -m ffibench.harness.probe --kind K --scenario LOCATOR --operation OP --participant P
--size N --duration S --output FILE`` builds the inputs from the registry, measures once and
writes ``{"metrics": {name: value}}`` (or ``{"error": message}``) to FILE:

- ``memory``: the RSS before the call (inputs built, collected), the peak RSS during it
  (``VmHWM`` after resetting it through ``/proc/self/clear_refs``; else ``ru_maxrss``, which
  also holds the imports' peak), and the RSS once the result is dropped and collected.
- ``latency`` and ``throughput``: the operation's lifecycle (if any) is entered and its
  subject driven for the duration; per-item latencies become percentiles here.
- ``load``: the lifecycle yields a server's URL; wrk loads it for the duration.

SIGTERM (the harness stopping a worker) exits the ``with`` blocks, so every stop hook runs.
Once its answer is written the process ends at once (``os._exit``): a thread that a
participant forgot to stop cannot keep it alive, and the harness then kills whatever else is
left in its process group.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ffibench import scenarios
from ffibench.harness import processes, stats, wrk
from ffibench.scenarios import Operation

PERCENTILES = {"p50": 50.0, "p90": 90.0, "p99": 99.0, "p999": 99.9}


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_bytes() -> int:
    """The resident set size of this process now."""
    kib = _status_kib("VmRSS")
    if kib is None:
        # no /proc: the peak is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return kib * 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); whether it could."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_bytes() -> int:
    """The peak RSS of this process (since :func:`reset_peak`, where it worked)."""
    kib = _status_kib("VmHWM")
    if kib is None:
        kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib * 1024


def measure_memory(run_once: Callable[..., Any], args: tuple[Any, ...]) -> dict[str, float]:
    """Peak, extra and retained RSS around one call of ``run_once(*args)``."""
    gc.collect()
    before = rss_bytes()
    reset_peak()
    result = run_once(*args)
    peak = max(peak_bytes(), rss_bytes())
    del result
    gc.collect()
    after = rss_bytes()
    return {
        "peak_rss_bytes": float(peak),
        "extra_rss_bytes": float(peak - before),
        "retained_rss_bytes": float(after - before),
    }


def _default_latency(subject: Callable[[], Any], duration_s: float) -> list[float]:
    latencies = []
    clock = time.perf_counter_ns
    deadline = clock() + int(duration_s * 1e9)
    while True:
        start = clock()
        subject()
        end = clock()
        latencies.append(float(end - start))
        if end >= deadline:
            return latencies


def _default_count(subject: Callable[[], Any], duration_s: float) -> int:
    done = 0
    deadline = time.perf_counter() + duration_s
    while time.perf_counter() < deadline:
        subject()
        done += 1
    return done


def latency_metrics(latencies: Sequence[float]) -> dict[str, float]:
    """The percentiles, maximum and count of per-item latencies in nanoseconds."""
    if not latencies:
        raise ValueError("the run measured no item")
    points = stats.percentiles(latencies, list(PERCENTILES.values()))
    metrics = {f"latency_{name}_ns": value for name, value in zip(PERCENTILES, points, strict=True)}
    metrics["latency_max_ns"] = float(max(latencies))
    metrics["latency_count"] = float(len(latencies))
    return metrics


def _measured(found: Any) -> tuple[Any, dict[str, float]]:
    """A drive's figure and its extra metrics (a :class:`~ffibench.scenarios.Measured`)."""
    if isinstance(found, scenarios.Measured):
        return found.value, {name: float(value) for name, value in found.extra.items()}
    return found, {}


@contextlib.contextmanager
def subject_of(
    operation: Operation, function: Callable[..., Any], args: tuple[Any, ...], anchor: bool = False
) -> Iterator[Any]:
    """What a bounded or load run drives: the lifecycle's subject, or a call of the operation."""
    if operation.lifecycle is None:
        run_once = operation.runner(function, anchor)
        yield lambda: run_once(*args)
        return
    with operation.lifecycle(function, args) as subject:
        yield subject


def measure(
    kind: str,
    operation: Operation,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    duration_s: float,
    anchor: bool = False,
) -> dict[str, float]:
    """One measurement of ``kind`` in this process (``anchor``: the participant is one)."""
    if kind == "memory":
        return measure_memory(operation.runner(function, anchor), args)
    if kind in ("latency", "throughput"):
        bounded = operation.bounded_run
        with subject_of(operation, function, args, anchor) as subject:
            start = time.perf_counter()
            if kind == "latency":
                latencies, extra = _measured(
                    (bounded.drive or _default_latency)(subject, duration_s)
                )
                return {**latency_metrics(latencies), **extra}  # type: ignore[arg-type]
            count, extra = _measured((bounded.drive or _default_count)(subject, duration_s))
            elapsed = time.perf_counter() - start
        name = "bytes_per_s" if bounded.unit == "bytes" else "items_per_s"
        return {name: float(count) / elapsed, **extra}  # type: ignore[arg-type]
    if kind == "load":
        load = operation.load_run
        with subject_of(operation, function, args, anchor) as url:
            return wrk.run(
                f"{str(url).rstrip('/')}{load.path}",
                int(duration_s),
                load.connections,
                load.threads,
                load.request_timeout_s,
                load.method,
                load.body,
                load.headers,
            )
    raise ValueError(f"the probe does not measure {kind!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ffibench.harness.probe")
    for option in ("kind", "scenario", "operation", "participant", "size", "duration", "output"):
        parser.add_argument(f"--{option}", required=True)
    options = parser.parse_args(argv)
    processes.install_sigterm()
    output = Path(options.output)
    try:
        found = scenarios.benchmark(
            options.scenario, options.operation, options.size, options.participant
        )
        function = found.function()
        anchor = found.participant.is_anchor
        args = found.operation.arguments(function, found.size, anchor)
        metrics = measure(
            options.kind, found.operation, function, args, float(options.duration), anchor
        )
    except Exception as error:
        output.write_text(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        traceback.print_exc()
        return 1
    output.write_text(json.dumps({"metrics": metrics}))
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
