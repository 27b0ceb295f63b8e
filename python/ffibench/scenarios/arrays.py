"""Scenario 3, ``arrays``: list conversion cost vs buffer access; vectorised work.

Each statistic is timed twice: on a Python list (``<op>:list``: every backend must first
convert or pack the list) and on a NumPy float64 array (``<op>:array``: read in place). The
inputs are standard normal values from a fixed seed, built outside the timed region; the
anchors are what a Python programmer uses instead: builtins and the statistics module for
lists, NumPy for arrays.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy

from ffibench.scenarios import Anchor, Operation, Scenario, close

#: Sizes of a full run: two decades apart, with 100 added for sum and mean, where the C-ABI
#: crossover is read, to keep the full run of every scenario within the hour. Lists
#: stop at 10^6: a list of 10^7 floats takes every worker process half a second to build and
#: the spec seconds to walk, and 10^6 already shows where the list's conversion dominates.
FINE_SIZES = (10, 100, 1_000, 100_000, 10_000_000)
SIZES = (10, 1_000, 100_000, 10_000_000)
LIST_FINE_SIZES = (10, 100, 1_000, 100_000, 1_000_000)
LIST_SIZES = (10, 1_000, 100_000, 1_000_000)
QUICK_SIZES = (100_000,)
#: Sizes of the generators: the pure-Python spec draws about 10^6 values a second, so 10^7
#: values cost it 17 s a call, a process of warm-up and value more than half a minute.
GENERATE_SIZES = (10, 1_000, 100_000, 1_000_000)
GENERATE_LIST_SIZES = (10, 1_000, 100_000, 1_000_000)
GENERATE_QUICK_SIZES = (100_000,)
SEED = 20_261_125
THRESHOLD = 0.5
#: How close an anchor's sum must be: builtins and NumPy add in other orders.
ANCHOR_RTOL = 1e-9


@cache
def _array(size: int) -> numpy.ndarray:
    values = numpy.random.default_rng(SEED).standard_normal(size)
    values.flags.writeable = False  # shared between operations: nobody may change it
    return values


@cache
def _list(size: int) -> list[float]:
    return _array(size).tolist()


def _inputs(kind: str, extra: tuple[Any, ...] = ()) -> Callable[[int | None], tuple[Any, ...]]:
    def make(size: int | None) -> tuple[Any, ...]:
        assert size is not None
        return ((_list if kind == "list" else _array)(size), *extra)

    return make


def same_values(rtol: float = 0.0) -> Callable[[object, object], bool]:
    """Equal lists, or equal float64 arrays (NaN equal to NaN), within ``rtol``."""

    def compare(result: object, expected: object) -> bool:
        if isinstance(expected, list):
            if not isinstance(result, list) or not all(type(r) is float for r in result):
                return False
        elif not isinstance(result, numpy.ndarray) or result.dtype != numpy.float64:
            return False
        ours, theirs = numpy.asarray(result), numpy.asarray(expected)
        if ours.shape != theirs.shape:
            return False
        if rtol == 0.0:
            return bool(numpy.array_equal(ours, theirs, equal_nan=True))
        return bool(numpy.allclose(ours, theirs, rtol=rtol, atol=0.0, equal_nan=True))

    return compare


_SCALAR = {
    "sum": "the pairwise sum",
    "mean": "the mean",
    "std": "the population standard deviation",
    "min": "the smallest value",
    "max": "the largest value",
}


def _sizes(kind: str, fine: bool = False) -> tuple[int, ...]:
    if kind == "list":
        return LIST_FINE_SIZES if fine else LIST_SIZES
    return FINE_SIZES if fine else SIZES


def _operations() -> tuple[Operation, ...]:
    operations = []
    for function, what in _SCALAR.items():
        for kind in ("list", "array"):
            operations.append(
                Operation(
                    f"{function}:{kind}",
                    f"{what} of {_a(kind)}",
                    make_args=_inputs(kind),
                    sizes=_sizes(kind, fine=function in ("sum", "mean")),
                    quick_sizes=QUICK_SIZES,
                    size_unit="values",
                    compare=close(0.0),
                    function=function,
                    anchor_compare=close(ANCHOR_RTOL),
                )
            )
    for kind in ("list", "array"):
        for function, description, extra in (
            ("filter_greater", f"values > {THRESHOLD}", (THRESHOLD,)),
            ("normalize", "z-scores", ()),
        ):
            operations.append(
                Operation(
                    f"{function}:{kind}",
                    f"{description} of {_a(kind)}, as {_a(kind)}",
                    make_args=_inputs(kind, extra),
                    sizes=_sizes(kind),
                    quick_sizes=QUICK_SIZES,
                    size_unit="values",
                    compare=same_values(),
                    function=function,
                    anchor_compare=same_values(ANCHOR_RTOL),
                )
            )
    for function, kind, dist in (
        ("generate", "array", "normal"),
        ("generate", "array", "uniform"),
        ("generate_list", "list", "normal"),
    ):
        operations.append(
            Operation(
                f"{function}:{dist}",
                f"{dist} values from a seed, as {_a(kind)}",
                make_args=_generator_args(dist),
                sizes=GENERATE_LIST_SIZES if kind == "list" else GENERATE_SIZES,
                quick_sizes=GENERATE_QUICK_SIZES,
                size_unit="values",
                compare=same_values(),
                function=function,
                anchor_compare=same_distribution,
            )
        )
    return tuple(operations)


def _a(kind: str) -> str:
    return f"an {kind}" if kind == "array" else f"a {kind}"


def _generator_args(dist: str) -> Callable[[int | None], tuple[Any, ...]]:
    return lambda size: (size, SEED, dist)


def same_distribution(result: object, expected: object) -> bool:
    """For anchors with their own generator: the same length and type and, from 1000 values
    on, a mean and a standard deviation within 0.05 of the spec's. Not the same values."""
    if isinstance(expected, list) != isinstance(result, list):
        return False
    ours = numpy.asarray(result, dtype=numpy.float64)
    theirs = numpy.asarray(expected)
    if ours.shape != theirs.shape:
        return False
    if len(theirs) < 1000:
        return True
    return bool(abs(ours.mean() - theirs.mean()) < 0.05 and abs(ours.std() - theirs.std()) < 0.05)


def _numpy_normalize(xs: numpy.ndarray) -> numpy.ndarray:
    return (xs - xs.mean()) / xs.std()


def _builtins_normals(n: int, seed: int, dist: str) -> list[float]:
    generator = random.Random(seed)
    return [generator.gauss() for _ in range(n)]


def _builtins_normalize(xs: list[float]) -> list[float]:
    center = statistics.fmean(xs)
    spread = statistics.pstdev(xs, center)
    return [(x - center) / spread for x in xs]


SCENARIO = Scenario(
    name="arrays",
    title="Arrays of float64: lists vs buffers",
    question="What does converting a list cost, and when does Rust beat Python and NumPy?",
    operations=_operations(),
    anchors=(
        Anchor(
            "python:builtins",
            "math.fsum, min, max, statistics, comprehensions, random.gauss on lists",
            {
                "sum:list": math.fsum,
                "mean:list": statistics.fmean,
                "std:list": statistics.pstdev,
                "min:list": min,
                "max:list": max,
                "filter_greater:list": lambda xs, t: [x for x in xs if x > t],
                "normalize:list": _builtins_normalize,
                "generate_list:normal": _builtins_normals,
            },
        ),
        Anchor(
            "numpy",
            "NumPy's own reductions, vectorised expressions and generator (PCG64) on arrays",
            {
                "sum:array": numpy.sum,
                "mean:array": numpy.mean,
                "std:array": numpy.std,
                "min:array": numpy.min,
                "max:array": numpy.max,
                "filter_greater:array": lambda xs, t: xs[xs > t],
                "normalize:array": _numpy_normalize,
                "generate:normal": lambda n, seed, dist: numpy.random.default_rng(
                    seed
                ).standard_normal(n),
                "generate:uniform": lambda n, seed, dist: numpy.random.default_rng(seed).random(n),
            },
        ),
    ),
)
