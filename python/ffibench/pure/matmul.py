"""Scenario 8, ``matmul``: the specification of the matrix product, in Python over NumPy.

Every backend must give these answers, within the bound below, and raise the same exception
classes.

Operands (``a``, ``b``)
    Each is either a 2-D buffer of float64 or float32 values (a NumPy array in C or Fortran
    order or any strided view of one, a 2-D ``memoryview``…; formats ``d`` and ``f`` with any
    byte-order prefix ``@ = < > !``), at any address (misaligned included), read-only or
    not; or a ``list`` or ``tuple`` of at least one row, each row a ``list`` or ``tuple`` of
    real numbers, all rows of one length (numbers converted as ``float()`` converts them,
    read as float64). Checks, in this order, ``a`` before ``b``: anything that is neither a
    list, a tuple nor a buffer raises ``TypeError``; a buffer of another type (``int64``,
    ``float16``, ``complex128``, bytes…) or an indirect one (PIL-style suboffsets) raises
    ``TypeError``; a buffer that is not 2-D raises ``ValueError``; so does an empty list, a
    row that is not a list or tuple, and rows of different lengths; an element that is not a
    real number raises ``TypeError`` (``OverflowError`` for an int beyond a double). Then
    ``a`` must have as many columns as ``b`` has rows (``ValueError`` otherwise).
Result
    A new, writable, C-ordered NumPy array of shape ``(m, n)`` for an ``m x k`` ``a`` and a
    ``k x n`` ``b``, any of ``m, k, n`` zero included (``k == 0`` gives zeros; ``MemoryError``
    when it cannot be allocated, however large): float32 when
    both operands are float32 buffers, float64 otherwise (a float32 operand beside a float64
    one is widened exactly, as NumPy promotes). It never shares memory with an operand.
Values
    ``C[i, j]`` is the sum over ``p`` of ``a[i, p] * b[p, j]`` computed in the result's type
    ``T`` in any order and with or without fused multiply-adds, so its rounding is not
    specified. The bound every backend meets, entry by entry: with ``S = |a| @ |b|`` (the same
    sum of absolute values), ``eps`` the machine epsilon of ``T`` (``2**-52`` for float64,
    ``2**-23`` for float32) and ``tiny`` its smallest positive subnormal,
    ``|C - exact| <= (k + 1) * eps * S + k * tiny``; two conforming results are therefore
    within twice that of each other, which is what the tests check (:func:`tolerance`).
NaN and infinities
    Propagate as IEEE 754 arithmetic makes them, whatever the order: an entry is NaN when any
    of its products is NaN (a NaN operand, or ``0 * inf``) or when products of both infinite
    signs meet; otherwise it is ``+inf`` or ``-inf`` when a product is. A sum of finite
    products that overflows is ``inf`` in some orders and finite in others: not specified.
    Nor is an entry with a product of two finite operands beyond ``T``'s range
    (:func:`unspecified`): a separate multiply rounds that product to an infinity, a fused
    multiply-add keeps it exact, so ``1 * -inf + 1e300 * 1e300`` is NaN in one kernel and
    ``-inf`` in the other; the bound and the rules above hold for every other entry.

The product itself is NumPy's ``matmul`` (OpenBLAS here): a product in pure Python takes
minutes at ``n = 1024``, too slow for the reference every benchmark checks against.
:func:`triple_loop` is that pure-Python product, the benchmark's anchor for small sizes.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy

__all__ = ["matmul"]

#: The struct-module formats of float64 and float32 (any byte order).
_FORMATS = {
    **{order + "d": numpy.float64 for order in ("", "@", "=", "<", ">", "!")},
    **{order + "f": numpy.float32 for order in ("", "@", "=", "<", ">", "!")},
}


def as_matrix(x: object, name: str) -> numpy.ndarray:
    """Operand ``x`` checked and read as the module docstring says: a native-order float64 or
    float32 NumPy array (the buffer itself where it already is one)."""
    if isinstance(x, list | tuple):
        return _from_rows(x, name)
    try:
        view = memoryview(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{name} must be a 2-D float64 or float32 array or a list of rows, "
            f"not {type(x).__name__}"
        ) from None
    with view:
        kind, dimensions, indirect = view.format, view.ndim, bool(view.suboffsets)
    if kind not in _FORMATS:
        raise TypeError(f"{name} must hold float64 or float32 values, not buffer format {kind!r}")
    if dimensions != 2:
        raise ValueError(f"{name} must be 2-D, not {dimensions}-D")
    if indirect:
        raise TypeError(f"{name} is an indirect (suboffsets) buffer, which matmul does not read")
    return numpy.asarray(x, dtype=_FORMATS[kind])


def _from_rows(rows: list[Any] | tuple[Any, ...], name: str) -> numpy.ndarray:
    items = list(rows)  # through the iterator, as every backend reads a sequence
    if not items:
        raise ValueError(f"{name} must be 2-D: an empty list has no rows")
    width: int | None = None
    values: list[list[float]] = []
    for row in items:
        if not isinstance(row, list | tuple):
            raise ValueError(
                f"{name} must be 2-D: a list of rows (lists or tuples), not of {type(row).__name__}"
            )
        cells = list(row)
        if width is None:
            width = len(cells)
        elif width != len(cells):
            raise ValueError(f"{name}: rows of different lengths ({width} and {len(cells)})")
        values.append([_as_float(cell, name) for cell in cells])
    assert width is not None
    return numpy.array(values, dtype=numpy.float64).reshape(len(values), width)


def _as_float(x: object, name: str) -> float:
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, float):  # the value it holds, as PyFloat_AsDouble reads it
        return float.__float__(x)
    if isinstance(x, str | bytes) or not (hasattr(x, "__float__") or hasattr(x, "__index__")):
        raise TypeError(f"{name} must hold real numbers, not {type(x).__name__}")
    try:
        return float(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must hold real numbers, not {type(x).__name__}") from None


def check_shapes(a: numpy.ndarray, b: numpy.ndarray) -> None:
    """``ValueError`` unless ``a`` has as many columns as ``b`` has rows."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} do not match: "
            f"a has {a.shape[1]} columns, b {b.shape[0]} rows"
        )


def result_dtype(a: numpy.ndarray, b: numpy.ndarray) -> type[numpy.floating[Any]]:
    """float32 when both operands are float32, float64 otherwise; ``MemoryError`` when the
    ``m x n`` result could not be addressed at all (NumPy says ``ValueError``, "too big": it
    is out of memory, as a result that merely does not fit is)."""
    both32 = a.dtype == numpy.float32 and b.dtype == numpy.float32
    dtype = numpy.float32 if both32 else numpy.float64
    rows, cols = a.shape[0], b.shape[1]
    if rows * cols * numpy.dtype(dtype).itemsize > sys.maxsize:
        raise MemoryError(f"matmul: cannot allocate a {rows} x {cols} result")
    return dtype


def matmul(a: object, b: object) -> numpy.ndarray:
    """The matrix product ``a @ b`` as a new C-ordered array (see the module docstring).

    Examples
    --------
    >>> matmul([[1.0, 2.0], [3.0, 4.0]], [[1.0], [1.0]]).tolist()
    [[3.0], [7.0]]
    >>> matmul(numpy.ones((2, 0), dtype=numpy.float32), numpy.ones((0, 3), numpy.float32))
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    """
    left, right = as_matrix(a, "a"), as_matrix(b, "b")
    check_shapes(left, right)
    dtype = result_dtype(left, right)
    with numpy.errstate(all="ignore"):  # NaN and inf are values here, not warnings
        product = numpy.matmul(left.astype(dtype, copy=False), right.astype(dtype, copy=False))
    return numpy.array(product, dtype=dtype, order="C", copy=True)


def tolerance(a: object, b: object, dtype: Any) -> numpy.ndarray:
    """Twice the spec's bound, entry by entry: how far two conforming results of ``a @ b`` in
    ``dtype`` may be apart (float64 array; ``inf`` where ``|a| @ |b|`` overflows)."""
    left = numpy.abs(as_matrix(a, "a").astype(numpy.float64))
    right = numpy.abs(as_matrix(b, "b").astype(numpy.float64))
    k = left.shape[1]
    info = numpy.finfo(dtype)
    with numpy.errstate(all="ignore"):
        scale = numpy.nan_to_num(left @ right, nan=math.inf)
    return 2.0 * ((k + 1) * float(info.eps) * scale + k * float(info.smallest_subnormal))


def unspecified(a: object, b: object) -> numpy.ndarray:
    """The entries of ``a @ b`` the spec leaves free (a bool array of the result's shape):
    those with a product of two finite operands that overflows the result's type."""
    left, right = as_matrix(a, "a"), as_matrix(b, "b")
    check_shapes(left, right)
    dtype = result_dtype(left, right)
    with numpy.errstate(all="ignore"):
        left = numpy.abs(left.astype(dtype))
        right = numpy.abs(right.astype(dtype))
        left[~numpy.isfinite(left)] = 0
        right[~numpy.isfinite(right)] = 0
        free = numpy.zeros((left.shape[0], right.shape[1]), dtype=bool)
        for p in range(left.shape[1]):
            free |= numpy.isinf(numpy.multiply.outer(left[:, p], right[p, :]))
    return free


def triple_loop(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """The product of two lists of rows in pure Python: the textbook triple loop (rows of
    ``a`` times columns of ``b``, ``sum`` of a generator per entry). No checks: an anchor.

    Examples
    --------
    >>> triple_loop([[1.0, 2.0]], [[3.0], [4.0]])
    [[11.0]]
    """
    columns = list(zip(*b, strict=True)) if b else []
    return [
        [sum(x * y for x, y in zip(row, column, strict=True)) for column in columns] for row in a
    ]
