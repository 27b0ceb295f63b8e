"""The pyperf script that times one participant of one operation at one size.

The harness runs it once per process as ``python -m ffibench.harness.worker --worker``
(pyperf's worker mode: ``--loops``, ``--warmups`` and ``--values`` given, no calibration); each
process rebuilds the inputs from the registry (outside the timed region) before timing.
``--ffibench-scenario`` is a scenario's locator (a registry name, or ``module:SCENARIO``).
The calls are unrolled ``--ffibench-unroll`` times per loop iteration (pyperf's
``inner_loops``), so the loop's own cost shrinks to a fraction of a nanosecond per call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyperf

from ffibench import scenarios

_OPTIONS = ("scenario", "operation", "participant", "size", "unroll")


def make_timer(code: str, arity: int, unroll: int) -> Callable[..., float]:
    """A pyperf ``time_func(loops, function, *args)`` running ``code`` ``unroll`` times per loop
    iteration.

    ``code`` is the operation's timed code over ``function`` and the arguments as names
    ``a0``, ``a1``… (``function(a0, a1)``, not ``function(*args)``; or ``a0.salary``), so that
    the timed code is exactly what a user writes.
    """
    names = ", ".join(f"a{index}" for index in range(arity))
    call = code
    source = (
        f"def timer(loops, function{', ' if names else ''}{names}):\n"
        "    iterations = range(loops)\n"
        "    start = perf_counter()\n"
        "    for _ in iterations:\n"
        f"        {'; '.join([call] * unroll)}\n"
        "    return perf_counter() - start\n"
    )
    namespace: dict[str, Any] = {"perf_counter": time.perf_counter}
    exec(source, namespace)
    return namespace["timer"]


def _forward(command: list[str], args: Any) -> None:
    for option in _OPTIONS:
        command.extend([f"--ffibench-{option}", str(getattr(args, f"ffibench_{option}"))])


def main() -> None:
    runner = pyperf.Runner(
        program_args=("-m", "ffibench.harness.worker"),
        add_cmdline_args=_forward,
    )
    for option in _OPTIONS:
        runner.argparser.add_argument(f"--ffibench-{option}", required=True)
    args = runner.parse_args()
    found = scenarios.benchmark(
        args.ffibench_scenario,
        args.ffibench_operation,
        args.ffibench_size,
        args.ffibench_participant,
    )
    try:
        function = found.function()
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    operation, size, anchor = found.operation, found.size, found.participant.is_anchor
    call_args = operation.arguments(function, size, anchor)
    unroll = int(args.ffibench_unroll)
    runner.bench_time_func(
        scenarios.benchmark_id(found.scenario.name, operation.name, size, found.participant.name),
        make_timer(operation.code(len(call_args), anchor), len(call_args), unroll),
        function,
        *call_args,
        inner_loops=unroll,
    )


if __name__ == "__main__":
    main()
