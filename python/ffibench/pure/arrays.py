"""Scenario 3, ``arrays``: the specification of the float64 array functions, in plain Python.

Every backend must give exactly these answers and raise the same exception classes.

Input (``xs``)
    Either a ``list`` or ``tuple`` of real numbers (``float``, ``int``; each converted as
    ``float()`` converts a number: a ``str`` raises ``TypeError``, an ``int`` beyond a double
    ``OverflowError``), or any object with the buffer protocol holding float64 (a NumPy
    ``float64`` array, ``array.array("d")``, a ``memoryview`` of those). A buffer is read in
    place when it is contiguous, read-only buffers included; a strided (non-contiguous) 1-D
    buffer is read element by element in its logical order. A buffer of another type
    (``int64``, ``float32``, bytes…) raises ``TypeError``; one that is not 1-D raises
    ``ValueError``. Anything else (``None``, a ``str``, a ``dict``…) raises ``TypeError``.
Output
    Functions that return many values return a ``list`` for list or tuple input and a NumPy
    ``float64`` array for buffer input.
Summation
    Pairwise, exactly NumPy's ``pairwise_sum``: fewer than 8 values are added left to right
    from 0.0; up to 128 values go into 8 interleaved partial sums (seeded with the first 8
    values), combined as ``((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))``, then the
    remainder is added left to right; longer runs split at ``n // 2`` rounded down to a
    multiple of 8 and add the two halves' sums. Every backend follows this order, so their
    sums are identical, and ``numpy.sum`` of a contiguous array gives the same bits.
NaN and infinities
    Propagate: a NaN anywhere makes ``sum``, ``mean``, ``std``, ``min``, ``max`` and every value
    of ``normalize`` NaN; ``filter_greater`` drops NaN (NaN is not greater than anything);
    ``inf + -inf`` is NaN as IEEE 754 says. Between ``0.0`` and ``-0.0``, ``min`` and ``max``
    return whichever comes first.
Empty input
    ``sum`` is ``0.0`` and ``filter_greater`` is empty; ``mean``, ``std``, ``min``, ``max`` and
    ``normalize`` raise ``ValueError``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = [
    "PAIRWISE_BLOCK",
    "filter_greater",
    "max",
    "mean",
    "min",
    "normalize",
    "std",
    "sum",
]

#: Runs up to this length are summed with 8 partial sums instead of being split.
PAIRWISE_BLOCK = 128
_FLOAT64_FORMATS = frozenset({"d", "<d", "=d", "@d"})


def read(xs: object, name: str = "xs") -> tuple[list[float], bool]:
    """The values of ``xs`` as floats, and whether it was a buffer (so results are arrays)."""
    if isinstance(xs, list | tuple):
        return [_as_float(x, name) for x in xs], False
    try:
        view = memoryview(xs)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{name} must be a list of floats or a float64 buffer, not {type(xs).__name__}"
        ) from None
    with view:
        check_float64_buffer(view, name)
        values: list[float] = view.tolist()  # type: ignore[assignment]  # a "d" view: floats
        return values, True


def check_float64_buffer(view: memoryview, name: str = "xs") -> None:
    """``TypeError`` unless ``view`` holds float64, ``ValueError`` unless it is 1-D."""
    if view.format not in _FLOAT64_FORMATS:
        raise TypeError(f"{name} must hold float64 values, not buffer format {view.format!r}")
    if view.ndim != 1:
        raise ValueError(f"{name} must be 1-D, not {view.ndim}-D")


def _as_float(x: object, name: str) -> float:
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, str | bytes) or not (hasattr(x, "__float__") or hasattr(x, "__index__")):
        raise TypeError(f"{name} must hold real numbers, not {type(x).__name__}")
    return float(x)  # type: ignore[arg-type]


def _result(values: list[float], as_array: bool) -> Any:
    if not as_array:
        return values
    import numpy

    return numpy.array(values, dtype=numpy.float64)


def pairwise_sum(values: Sequence[float], start: int = 0, stop: int | None = None) -> float:
    """NumPy's pairwise summation of ``values[start:stop]`` (see the module docstring)."""
    stop = len(values) if stop is None else stop
    n = stop - start
    if n < 8:
        total = 0.0
        for index in range(start, stop):
            total += values[index]
        return total
    if n <= PAIRWISE_BLOCK:
        partial = list(values[start : start + 8])
        index = start + 8
        while index < stop - n % 8:
            for lane in range(8):
                partial[lane] += values[index + lane]
            index += 8
        total = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + (
            (partial[4] + partial[5]) + (partial[6] + partial[7])
        )
        for rest in range(index, stop):
            total += values[rest]
        return total
    half = n // 2
    half -= half % 8
    return pairwise_sum(values, start, start + half) + pairwise_sum(values, start + half, stop)


def _nonempty(values: list[float], operation: str) -> None:
    if not values:
        raise ValueError(f"{operation} of an empty array")


def sum(xs: object) -> float:
    """The pairwise sum of ``xs``; ``0.0`` when empty.

    Examples
    --------
    >>> sum([0.5, 1.5, 2.0])
    4.0
    """
    values, _ = read(xs)
    return pairwise_sum(values)


def mean(xs: object) -> float:
    """``sum(xs) / len(xs)``; ``ValueError`` when empty.

    Examples
    --------
    >>> mean([1.0, 2.0, 6.0])
    3.0
    """
    values, _ = read(xs)
    _nonempty(values, "mean")
    return pairwise_sum(values) / len(values)


def _mean_and_std(values: list[float]) -> tuple[float, float]:
    center = pairwise_sum(values) / len(values)
    squares = [(x - center) * (x - center) for x in values]
    return center, math.sqrt(pairwise_sum(squares) / len(values))


def std(xs: object) -> float:
    """The population standard deviation: ``sqrt(sum((x - mean) ** 2) / n)``, two passes.

    Examples
    --------
    >>> std([1.0, 3.0])
    1.0
    """
    values, _ = read(xs)
    _nonempty(values, "std")
    return _mean_and_std(values)[1]


def min(xs: object) -> float:
    """The smallest value; NaN if any value is NaN; ``ValueError`` when empty.

    Examples
    --------
    >>> min([3.0, -1.0, 2.0])
    -1.0
    """
    values, _ = read(xs)
    _nonempty(values, "min")
    smallest = values[0]
    for x in values:
        if math.isnan(x):
            return x
        if x < smallest:  # noqa: PLR1730 - strictly less: the first of equal values stays
            smallest = x
    return smallest


def max(xs: object) -> float:
    """The largest value; NaN if any value is NaN; ``ValueError`` when empty.

    Examples
    --------
    >>> max([3.0, -1.0, 2.0])
    3.0
    """
    values, _ = read(xs)
    _nonempty(values, "max")
    largest = values[0]
    for x in values:
        if math.isnan(x):
            return x
        if x > largest:  # noqa: PLR1730 - strictly greater: the first of equal values stays
            largest = x
    return largest


def filter_greater(xs: object, threshold: float) -> Any:
    """The values greater than ``threshold``, in order (NaN is never greater).

    Examples
    --------
    >>> filter_greater([1.0, 5.0, 2.0, 7.0], 2.0)
    [5.0, 7.0]
    """
    values, as_array = read(xs)
    limit = _as_float(threshold, "threshold")
    return _result([x for x in values if x > limit], as_array)


def normalize(xs: object) -> Any:
    """The z-scores ``(x - mean) / std`` (population std); ``ValueError`` when empty or when
    every value is equal (``std == 0``).

    Examples
    --------
    >>> normalize([1.0, 3.0])
    [-1.0, 1.0]
    """
    values, as_array = read(xs)
    _nonempty(values, "normalize")
    center, spread = _mean_and_std(values)
    if spread == 0.0:
        raise ValueError("normalize: every value is equal, the standard deviation is 0")
    return _result([(x - center) / spread for x in values], as_array)
