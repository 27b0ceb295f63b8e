"""Scenario 3, ``arrays``: the specification of the float64 array functions, in plain Python.

Every backend must give exactly these answers and raise the same exception classes.

Input (``xs``)
    Either a ``list`` or ``tuple`` of real numbers (``float``, ``int``; each converted as
    ``float()`` converts a number: a ``str`` raises ``TypeError``, an ``int`` beyond a double
    ``OverflowError``), or any object with the buffer protocol holding float64 (a NumPy
    ``float64`` array, ``array.array("d")``, a ``memoryview`` of those) in either byte order
    (formats ``d``, ``@d``, ``=d``, ``<d``, ``>d``, ``!d``), at any address (misaligned
    included), with any stride (negative included), read-only or not; its values are read in
    logical order. Backends read an aligned, contiguous, native-order buffer in place and copy
    any other once (reading a misaligned double in place would be undefined behaviour in
    Rust); the answers are the same. A buffer of another type
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
Random values (``generate``, ``generate_list``)
    Counter-based, so any backend may fill any part of the output independently (in parallel)
    and still give the same values. ``draw(stream, i)`` is SplitMix64's output for counter
    ``i + 1`` of ``stream``: ``mix((stream + (i + 1) * 0x9E3779B97F4A7C15) mod 2**64)``, and a
    uniform value is ``(draw >> 11) * 2**-53``, in ``[0, 1)``. ``"uniform"``: value ``i`` is
    the uniform of ``draw(seed, i)``. ``"normal"``: values ``2k`` and ``2k + 1`` come from pair
    ``k`` by Marsaglia's polar method on its own stream ``draw(seed, k)``: uniforms
    ``u0, u1, u2, …`` of that stream are taken two at a time as ``x = 2u - 1``, ``y = 2u' - 1``
    until ``0 < s = x*x + y*y < 1``; then ``f = sqrt(-2 * log(s) / s)`` and the pair is
    ``(x * f, y * f)`` (the last pair's second value is dropped for odd ``n``). ``log`` and
    ``sqrt`` are the C library's, so every backend gives the same bits. ``n`` must be ``>= 0``
    (``ValueError``), ``seed`` an int in ``0 .. 2**64 - 1`` (``OverflowError`` outside), and
    ``dist`` one of :data:`DISTRIBUTIONS` (``ValueError``; ``TypeError`` for a non-str). An ``n``
    too large to allocate raises ``MemoryError``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from typing import Any

from ffibench.pure.basic import shown_int

__all__ = [
    "DISTRIBUTIONS",
    "PAIRWISE_BLOCK",
    "filter_greater",
    "generate",
    "generate_list",
    "max",
    "mean",
    "min",
    "normalize",
    "std",
    "sum",
]

#: Runs up to this length are summed with 8 partial sums instead of being split.
PAIRWISE_BLOCK = 128
#: The distributions :func:`generate` draws from.
DISTRIBUTIONS = ("uniform", "normal")
_MASK = 2**64 - 1
_GOLDEN = 0x9E3779B97F4A7C15
#: The struct-module formats of float64, and the byte order each asks for.
_FLOAT64_FORMATS = {"d": "@", "@d": "@", "=d": "=", "<d": "<", ">d": ">", "!d": ">"}


def read(xs: object, name: str = "xs") -> tuple[list[float], bool]:
    """The values of ``xs`` as floats, and whether it was a buffer (so results are arrays)."""
    if isinstance(xs, list | tuple):
        return [_as_float(x, name) for x in xs], False
    with float64_view(xs, name) as view:
        order = _FLOAT64_FORMATS[view.format]
        if order == "@":  # memoryview reads native doubles itself, at any alignment
            values: list[float] = view.tolist()  # type: ignore[assignment]  # "d": floats
        else:  # "=d", "<d", ">d": memoryview cannot; struct reads them from the bytes
            values = [value for (value,) in struct.iter_unpack(f"{order}d", view.tobytes())]
        return values, True


def float64_view(xs: object, name: str = "xs") -> memoryview:
    """A memoryview of ``xs``, which must be a 1-D float64 buffer: ``TypeError`` for another
    type or format, ``ValueError`` for another number of dimensions."""
    try:
        view = memoryview(xs)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{name} must be a list of floats or a float64 buffer, not {type(xs).__name__}"
        ) from None
    kind, dimensions = view.format, view.ndim
    if kind in _FLOAT64_FORMATS and dimensions == 1:
        return view
    view.release()
    if kind not in _FLOAT64_FORMATS:
        raise TypeError(f"{name} must hold float64 values, not buffer format {kind!r}")
    raise ValueError(f"{name} must be 1-D, not {dimensions}-D")


def _as_float(x: object, name: str) -> float:
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, float):  # the value it holds, as PyFloat_AsDouble reads it
        return float.__float__(x)
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


# -- random values ---------------------------------------------------------------------------


def draw(stream: int, index: int) -> int:
    """SplitMix64's output for counter ``index + 1`` of ``stream``."""
    z = (stream + (index + 1) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def uniform(stream: int, index: int) -> float:
    return (draw(stream, index) >> 11) * 2.0**-53


def _normal_pair(seed: int, pair: int) -> tuple[float, float]:
    stream = draw(seed, pair)
    index = 0
    while True:
        x = 2.0 * uniform(stream, index) - 1.0
        y = 2.0 * uniform(stream, index + 1) - 1.0
        index += 2
        s = x * x + y * y
        if 0.0 < s < 1.0:
            factor = math.sqrt(-2.0 * math.log(s) / s)
            return x * factor, y * factor


def check_generate(n: object, seed: object, dist: object) -> tuple[int, int, str]:
    """``(n, seed, dist)`` checked as the spec says (shared with the ctypes and cffi wrappers)."""
    import operator

    count = operator.index(n)  # type: ignore[arg-type]
    stream = operator.index(seed)  # type: ignore[arg-type]
    if count < 0:
        raise ValueError(f"generate: n must be >= 0, got {shown_int(count)}")
    if count > 2**63 - 1:
        raise OverflowError(
            f"generate: n = {shown_int(count)} does not fit a signed 64-bit integer"
        )
    if not 0 <= stream <= _MASK:
        raise OverflowError(f"generate: seed = {shown_int(stream)} is not in 0 .. 2**64 - 1")
    if not isinstance(dist, str):
        raise TypeError(f"dist must be str, not {type(dist).__name__}")
    dist = str.__str__(dist)  # a subclass's text, whatever its __eq__ and __str__ say
    if dist not in DISTRIBUTIONS:
        raise ValueError(f"dist must be one of {', '.join(DISTRIBUTIONS)}, not {dist!r}")
    return count, stream, dist


def generate_list(n: int, seed: int, dist: str = "uniform") -> list[float]:
    """``n`` random values as a list (see the module docstring for the exact generator).

    Examples
    --------
    >>> generate_list(2, 42)
    [0.7415648787718233, 0.1599103928769201]
    """
    count, stream, kind = check_generate(n, seed, dist)
    try:
        values = [0.0] * count  # MemoryError when it cannot be allocated
    except OverflowError:  # beyond sys.maxsize: out of memory all the same
        raise MemoryError(f"generate: cannot allocate {count} values") from None
    if kind == "uniform":
        for index in range(count):
            values[index] = uniform(stream, index)
    else:
        for pair in range(0, count, 2):
            first, second = _normal_pair(stream, pair // 2)
            values[pair] = first
            if pair + 1 < count:
                values[pair + 1] = second
    return values


def generate(n: int, seed: int, dist: str = "uniform") -> Any:
    """``n`` random values as a NumPy float64 array (the values of :func:`generate_list`).

    Examples
    --------
    >>> generate(2, 42).tolist()
    [0.7415648787718233, 0.1599103928769201]
    """
    import sys

    import numpy

    count, stream, kind = check_generate(n, seed, dist)
    if count > sys.maxsize // 8:  # NumPy says ValueError ("too big"); it is out of memory
        raise MemoryError(f"generate: cannot allocate {count} values")
    out = numpy.empty(count, dtype=numpy.float64)  # MemoryError when it cannot be allocated
    out[:] = generate_list(count, stream, kind)
    return out
