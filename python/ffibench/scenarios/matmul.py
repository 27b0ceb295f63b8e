"""Scenario 8, ``matmul``: the project's own kernel against NumPy's BLAS and faer.

``matmul:float64`` and ``matmul:float32`` multiply two ``n x n`` matrices of uniform values in
[-1, 1) from a fixed seed (C-ordered NumPy arrays, built outside the timed region) at
``n`` = 2 to 2048; ``matmul:tall-skinny`` is an ``m x 32`` matrix times a ``32 x 32`` one (a
projection of many rows), ``matmul:rectangular`` an ``m x 4m`` times a ``4m x m/2``;
``matmul:lists`` multiplies lists of lists, where the pure-Python triple loop takes part.
Each time also gives GFLOP/s (``2 m n k`` floating-point operations a call).

The anchors: NumPy's ``@`` (OpenBLAS, with as many threads as ours: both default to every
core), faer 0.24 called from the same Rust core through PyO3, and the triple loop for lists.
Before anything is timed, :func:`measure_machine` measures the CPU's FMA peak (one core, every
core) for the run's meta, so the report can show each rate as a share of it.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy

from ffibench.pure.matmul import tolerance, triple_loop
from ffibench.scenarios import Anchor, Operation, Scenario, Work

#: The n of ``matmul:float64`` and ``matmul:float32`` (n x n times n x n) in a full run.
SIZES = (2, 8, 16, 64, 256, 1024, 2048)
#: ``--quick``: the small sizes where the call is all overhead, and the large ones of the goals.
QUICK_SIZES = (2, 1024)
#: Rows of the tall-skinny case (``m x 32`` times ``32 x 32``).
TALL_ROWS = (100_000,)
#: The width of the tall-skinny case.
TALL_WIDTH = 32
#: ``m`` of the rectangular case (``m x 4m`` times ``4m x m/2``).
RECTANGULAR_ROWS = (512,)
#: The n of ``matmul:lists``: the triple loop takes a second at 64.
LIST_SIZES = (2, 8, 16, 64)
LIST_QUICK_SIZES = (16,)
SEED = 20_261_202


def _random(shape: tuple[int, int], stream: int, dtype: Any) -> numpy.ndarray:
    values = numpy.random.default_rng([SEED, stream]).uniform(-1.0, 1.0, shape).astype(dtype)
    values.flags.writeable = False  # shared between participants: nobody may change it
    return values


@cache
def square(n: int, dtype: str) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The two ``n x n`` operands of ``matmul:<dtype>``."""
    return _random((n, n), 1, dtype), _random((n, n), 2, dtype)


@cache
def tall(m: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """``m x 32`` and ``32 x 32`` float64 operands."""
    return _random((m, TALL_WIDTH), 3, "float64"), _random((TALL_WIDTH, TALL_WIDTH), 4, "float64")


@cache
def rectangular(m: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """``m x 4m`` and ``4m x m/2`` float64 operands."""
    return _random((m, 4 * m), 5, "float64"), _random((4 * m, m // 2), 6, "float64")


@cache
def lists(n: int) -> tuple[list[list[float]], list[list[float]]]:
    """The operands of ``matmul:float64`` as lists of rows."""
    a, b = square(n, "float64")
    return a.tolist(), b.tolist()


@cache
def _bound(kind: str, size: int) -> tuple[numpy.ndarray, Any]:
    """Twice the spec's bound for the inputs of ``kind`` at ``size``, and their dtype."""
    a, b = _operands(kind, size)
    dtype = numpy.float32 if kind == "float32" else numpy.float64
    return tolerance(a, b, dtype), dtype


def _operands(kind: str, size: int) -> tuple[Any, Any]:
    if kind in ("float64", "float32"):
        return square(size, kind)
    if kind == "lists":
        return lists(size)
    return {"tall-skinny": tall, "rectangular": rectangular}[kind](size)


def agrees(kind: str) -> Callable[[object, object], bool]:
    """The check of ``matmul:<kind>``: a C-ordered NumPy array of the spec's dtype and shape,
    NaN and infinities where the spec has them, every other entry within twice the spec's
    bound of the spec's (:func:`ffibench.pure.matmul.tolerance`). The operands are found
    again from the result's row count, which is the size of every operation here."""

    def compare(result: object, expected: object) -> bool:
        if not isinstance(result, numpy.ndarray) or not isinstance(expected, numpy.ndarray):
            return False
        if result.dtype != expected.dtype or result.shape != expected.shape:
            return False
        if not result.flags.c_contiguous or result.ndim != 2:
            return False
        bound, _ = _bound(kind, expected.shape[0])
        return within(result, expected, bound)

    compare.__doc__ = f"within the spec's bound for matmul:{kind}"
    return compare


def within(
    result: numpy.ndarray,
    expected: numpy.ndarray,
    bound: numpy.ndarray,
    free: numpy.ndarray | None = None,
) -> bool:
    """NaN where ``expected`` is NaN, the same infinity where it is infinite, and every other
    entry within ``bound`` of it; entries where ``free`` is true (the spec leaves them
    unspecified: :func:`ffibench.pure.matmul.unspecified`) are not compared."""
    ours = result.astype(numpy.float64)
    theirs = expected.astype(numpy.float64)
    if free is not None and free.any():
        ours, theirs, bound = ours[~free], theirs[~free], bound[~free]
    nan = numpy.isnan(theirs)
    if not numpy.array_equal(numpy.isnan(ours), nan):
        return False
    infinite = numpy.isinf(theirs)
    if not numpy.array_equal(ours[infinite], theirs[infinite]):
        return False
    finite = ~(nan | infinite)
    with numpy.errstate(invalid="ignore"):
        return bool(numpy.all(numpy.abs(ours[finite] - theirs[finite]) <= bound[finite]))


def _as_array(check: Callable[[object, object], bool]) -> Callable[[object, object], bool]:
    """``check`` for an anchor that answers with lists of rows (the triple loop)."""

    def compare(result: object, expected: object) -> bool:
        if isinstance(result, list) and isinstance(expected, numpy.ndarray):
            result = numpy.array(result, dtype=numpy.float64).reshape(expected.shape)
        return check(result, expected)

    return compare


def _flop(m: Callable[[int], int], k: Callable[[int], int], n: Callable[[int], int]) -> Work:
    def amount(size: int | None) -> float:
        assert size is not None
        return 2.0 * m(size) * k(size) * n(size)

    return Work(amount=amount, unit="flop")


def _same(size: int) -> int:
    return size


def _operation(
    kind: str,
    description: str,
    make: Callable[[int], tuple[Any, Any]],
    sizes: tuple[int, ...],
    quick_sizes: tuple[int, ...],
    work: Work,
    size_unit: str = "n",
) -> Operation:
    def make_args(size: int | None) -> tuple[Any, ...]:
        assert size is not None
        return make(size)

    check = agrees(kind)
    return Operation(
        f"matmul:{kind}",
        description,
        make_args=make_args,
        sizes=sizes,
        quick_sizes=quick_sizes,
        size_unit=size_unit,
        compare=check,
        function="matmul",
        anchor_compare=_as_array(check),
        work=work,
    )


def _operations() -> tuple[Operation, ...]:
    cube = _flop(_same, _same, _same)
    return (
        _operation("float64", "n x n times n x n, float64 C-ordered arrays",
                   lambda n: square(n, "float64"), SIZES, QUICK_SIZES, cube),
        _operation("float32", "n x n times n x n, float32 C-ordered arrays",
                   lambda n: square(n, "float32"), SIZES, QUICK_SIZES, cube),
        _operation("tall-skinny", f"m x {TALL_WIDTH} times {TALL_WIDTH} x {TALL_WIDTH}, float64",
                   tall, TALL_ROWS, TALL_ROWS,
                   _flop(_same, lambda m: TALL_WIDTH, lambda m: TALL_WIDTH), "rows (m)"),
        _operation("rectangular", "m x 4m times 4m x m/2, float64", rectangular,
                   RECTANGULAR_ROWS, RECTANGULAR_ROWS,
                   _flop(_same, lambda m: 4 * m, lambda m: m // 2), "rows (m)"),
        _operation("lists", "n x n times n x n, lists of rows of floats", lists,
                   LIST_SIZES, LIST_QUICK_SIZES, cube),
    )  # fmt: skip


def _faer(a: Any, b: Any) -> Any:
    from ffibench._native.matmul import faer_matmul

    return faer_matmul(a, b)


def _numpy_lists(a: list[list[float]], b: list[list[float]]) -> numpy.ndarray:
    return numpy.array(a, dtype=numpy.float64) @ numpy.array(b, dtype=numpy.float64)


_ARRAY_OPERATIONS = ("matmul:float64", "matmul:float32", "matmul:tall-skinny", "matmul:rectangular")

SCENARIO = Scenario(
    name="matmul",
    title="Matrix products: our kernel, NumPy's BLAS and faer",
    question="Where does a hand-written Rust kernel stand against BLAS, small and large?",
    operations=_operations(),
    anchors=(
        Anchor(
            "numpy",
            "numpy.matmul (a @ b) over OpenBLAS, as many threads as ours; lists via numpy.array",
            {**dict.fromkeys(_ARRAY_OPERATIONS, numpy.matmul), "matmul:lists": _numpy_lists},
        ),
        Anchor(
            "faer",
            "faer 0.24's matmul, called from the Rust core through PyO3 (same reading of inputs)",
            dict.fromkeys(_ARRAY_OPERATIONS, _faer),
        ),
        Anchor(
            "python:loops",
            "the pure-Python triple loop over lists of rows (sum of a generator per entry)",
            {"matmul:lists": triple_loop},
        ),
    ),
)


# -- the machine's peak, measured once per run ------------------------------------------------


def openblas_threads() -> int | None:
    """The thread count of the OpenBLAS that NumPy loaded, asked of the library itself (its
    ``*openblas_get_num_threads*`` function); ``None`` where none is found."""
    numpy.ones((2, 2)) @ numpy.ones((2, 2))  # loads the BLAS
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    paths = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()}
    for path in sorted(paths):
        if not os.path.exists(path):
            continue
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in (
            "scipy_openblas_get_num_threads64_",
            "openblas_get_num_threads64_",
            "openblas_get_num_threads",
        ):
            function = getattr(library, name, None)
            if function is not None:
                function.restype = ctypes.c_int
                function.argtypes = ()
                return int(function())
    return None


def measure_machine() -> dict[str, dict[str, Any]]:
    """The run's ``meta["measured"]`` entries of this scenario: the FMA peak in GFLOP/s of
    each instruction set, dtype and thread count (one core, every core), the best of them
    under ``fma_<dtype>_1core`` and ``fma_<dtype>_allcores``, and the thread counts of our
    kernel and of NumPy's OpenBLAS."""
    from ffibench._native.matmul import fma_peak, kernel_info

    found: dict[str, dict[str, Any]] = {}
    best: dict[tuple[str, int], tuple[float, str]] = {}
    for isa, dtype, threads, rate in fma_peak(0.2, 5):
        cores = "1core" if threads == 1 else "allcores"
        where = "one core" if threads == 1 else f"{threads} cores"
        slug = isa.lower().replace("-", "").replace("+", "_")
        found[f"fma_{dtype}_{cores}_{slug}"] = {
            "value": round(rate, 2),
            "unit": "GFLOP/s",
            "label": f"FMA peak, {dtype}, {where} ({isa})",
        }
        if rate > best.get((dtype, threads), (0.0, ""))[0]:
            best[(dtype, threads)] = (rate, isa)
    for (dtype, threads), (rate, isa) in best.items():
        cores = "1core" if threads == 1 else "allcores"
        where = "one core" if threads == 1 else f"{threads} cores"
        found[f"fma_{dtype}_{cores}"] = {
            "value": round(rate, 2),
            "unit": "GFLOP/s",
            "label": f"FMA peak, {dtype}, {where} ({isa})",
        }
    info = kernel_info()
    found["matmul_threads"] = {
        "value": float(info["threads"]),
        "unit": "threads",
        "label": f"ffibench matmul kernel threads (rayon), micro-kernel {info['isa']}",
    }
    blas = openblas_threads()
    if blas is not None:
        found["openblas_threads"] = {
            "value": float(blas),
            "unit": "threads",
            "label": "NumPy's OpenBLAS threads",
        }
    return found
