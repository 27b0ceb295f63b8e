"""Scenario 8: every backend gives the spec's product, within its bound, or the spec's error."""

from __future__ import annotations

import array
import ctypes
import decimal
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ffibench
from ffibench import scenarios
from ffibench.pure import matmul as spec
from ffibench.scenarios.matmul import within
from outcomes import outcome

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = scenarios.get("matmul")
DTYPES = (np.float64, np.float32)


def assert_agrees(backend: ffibench.Backend, a: Any, b: Any) -> None:
    """``backend``'s ``a @ b`` raises the spec's exception class, or is a new C-ordered array
    of the spec's dtype and shape within twice the spec's bound of the spec's answer."""
    expected, got = outcome(spec.matmul, a, b), outcome(backend.matmul.matmul, a, b)
    if "raises" in (expected[0], got[0]):
        assert got == expected, f"{got} != {expected}"
        return
    result, reference = got[1], expected[1]
    assert isinstance(result, np.ndarray), type(result)
    assert result.dtype == reference.dtype and result.shape == reference.shape
    assert result.flags.c_contiguous and result.flags.writeable and result.flags.owndata
    bound = spec.tolerance(a, b, reference.dtype)
    free = spec.unspecified(a, b)
    assert within(result, reference, bound, free), f"{result!r} != {reference!r}"


def test_every_operation_exists_in_every_backend(backend: ffibench.Backend) -> None:
    for operation in SCENARIO.operations:
        assert callable(getattr(backend.matmul, operation.function_name)), operation.name


def test_a_known_product(backend: ffibench.Backend) -> None:
    a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    b = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    assert backend.matmul.matmul(a, b).tolist() == [[4.0, 5.0], [10.0, 11.0]]
    for dtype in DTYPES:
        left, right = np.array(a, dtype=dtype), np.array(b, dtype=dtype)
        result = backend.matmul.matmul(left, right)
        assert result.dtype == dtype and result.tolist() == [[4.0, 5.0], [10.0, 11.0]]
        assert backend.matmul.matmul(np.asfortranarray(left), right.T.copy().T).tolist() == [
            [4.0, 5.0],
            [10.0, 11.0],
        ]


SHAPES = [
    (0, 0, 0), (0, 3, 2), (2, 0, 3), (3, 2, 0), (1, 1, 1), (1, 7, 1), (1, 5, 9), (9, 5, 1),
    (7, 1, 7), (16, 16, 16), (17, 16, 16), (16, 17, 16), (16, 16, 17), (2, 300, 2),
    (33, 65, 31), (150, 300, 170), (300, 257, 301),
    (2, 17, 4097),  # past one 4096-column block of B, which NR = 24 does not divide
]  # fmt: skip


@pytest.mark.parametrize(("m", "k", "n"), SHAPES, ids=[f"{m}x{k}x{n}" for m, k, n in SHAPES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_shapes_and_orders(
    rust_backend: ffibench.Backend, m: int, k: int, n: int, dtype: Any
) -> None:
    generator = np.random.default_rng(m * 10_000 + k * 100 + n)
    a = generator.uniform(-1, 1, (m, k)).astype(dtype)
    b = generator.uniform(-1, 1, (k, n)).astype(dtype)
    assert_agrees(rust_backend, a, b)
    assert_agrees(rust_backend, np.asfortranarray(a), b)
    assert_agrees(rust_backend, a, np.asfortranarray(b))
    if m * k * n < 200_000:
        assert_agrees(rust_backend, a.tolist(), b.tolist())


def odd_views(values: np.ndarray) -> dict[str, Any]:
    """``values`` (2-D) as every kind of buffer a caller may pass, each reading as ``values``."""
    rows, cols = values.shape
    doubled = np.zeros((rows, 2 * cols), dtype=values.dtype)
    doubled[:, ::2] = values
    raw = np.ascontiguousarray(values).tobytes()
    misaligned = np.frombuffer(b"\x00" + raw, dtype=values.dtype, offset=1).reshape(rows, cols)
    read_only = values.copy()
    read_only.flags.writeable = False
    swapped = values.astype(values.dtype.newbyteorder(">"))
    views: dict[str, Any] = {
        "C": np.ascontiguousarray(values),
        "Fortran": np.asfortranarray(values),
        "strided columns": doubled[:, ::2],
        "reversed rows": values[::-1].copy()[::-1],
        "reversed both": values[::-1, ::-1].copy()[::-1, ::-1],
        "transposed view": values.T.copy().T,
        "misaligned": misaligned,
        "big-endian": swapped,
        "read-only": read_only,
        "2-D memoryview": memoryview(np.ascontiguousarray(values)),
    }
    if rows and cols:
        views["memoryview cast"] = memoryview(raw).cast(values.dtype.char, (rows, cols))
    return views


@given(
    m=st.integers(0, 20),
    k=st.integers(0, 40),
    n=st.integers(0, 20),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**32 - 1),
    specials=st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.integers(0, 10**6),
            st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-310]),
        ),
        max_size=3,
    ),
)
def test_odd_views_match_spec(
    backend: ffibench.Backend,
    m: int,
    k: int,
    n: int,
    dtype: Any,
    seed: int,
    specials: list[tuple[str, int, float]],
) -> None:
    generator = np.random.default_rng(seed)
    operands = {
        "a": generator.uniform(-1e3, 1e3, (m, k)).astype(dtype),
        "b": generator.uniform(-1e3, 1e3, (k, n)).astype(dtype),
    }
    for which, position, value in specials:
        if operands[which].size:
            operands[which].flat[position % operands[which].size] = value
    a, b = operands["a"], operands["b"]
    for kind, left in odd_views(a).items():
        assert_agrees(backend, left, b), kind
    for kind, right in odd_views(b).items():
        assert_agrees(backend, a, right), kind


@given(
    m=st.integers(1, 8),
    k=st.integers(1, 8),
    n=st.integers(1, 8),
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True, width=64),
            st.integers(-(2**60), 2**60),
            st.booleans(),
        ),
        min_size=128,
        max_size=128,
    ),
)
def test_lists_match_spec(
    rust_backend: ffibench.Backend, m: int, k: int, n: int, values: list[Any]
) -> None:
    a = [values[i * k : (i + 1) * k] for i in range(m)]
    b = [tuple(values[64 + p * n : 64 + (p + 1) * n]) for p in range(k)]
    with np.errstate(all="ignore"):
        assert_agrees(rust_backend, a, b)
        assert_agrees(rust_backend, tuple(a), np.array(b, dtype=np.float32))


def test_an_overflowing_product_is_unspecified(backend: ffibench.Backend) -> None:
    """The kind of row that made test_lists_match_spec flake: ``1 * -inf + a * b`` where the
    finite product ``a * b`` overflows. A multiply, then an add, rounds it to ``+inf`` and the
    entry is NaN; a fused multiply-add keeps it exact and the entry is ``-inf`` (OpenBLAS
    itself does either, by kernel). The spec leaves such an entry free
    (:func:`spec.unspecified`); every other entry is still held to it."""
    a = [[1.0, -5.74e296], [1.0, 2.0]]
    b = [[-math.inf, 1.0], [-3.13e12, 1.0]]
    assert spec.unspecified(a, b).tolist() == [[True, False], [False, False]]
    with np.errstate(all="ignore"):
        assert_agrees(backend, a, b)
        result = backend.matmul.matmul(a, b)
    assert math.isnan(result[0, 0]) or result[0, 0] == -math.inf  # either, by the kernel
    assert result[0, 1] == -5.74e296 + 1.0  # no product overflows: held to the spec
    assert result[1].tolist() == [-math.inf, 3.0]
    # float32: a product beyond float32's range is free there, though float64 would hold it
    big = np.array([[1e20, 1.0]], dtype=np.float32)
    assert spec.unspecified(big, big.T.copy()).tolist() == [[True]]
    assert not spec.unspecified(big.astype(np.float64), big.T.astype(np.float64)).any()


def test_nan_and_infinity_propagate(backend: ffibench.Backend) -> None:
    for size in (3, 40):  # the small path and the blocked one
        for dtype in DTYPES:
            a = np.ones((size, size), dtype=dtype)
            a[0, 0], a[1, 1], a[2, 0], a[2, 1] = math.nan, math.inf, math.inf, -math.inf
            b = np.full((size, size), 0.5, dtype=dtype)
            b[:, -1] = 0.0
            with np.errstate(all="ignore"):
                result = backend.matmul.matmul(a, b)
            assert np.isnan(result[0]).all()
            assert (result[1, :-1] == math.inf).all() and np.isnan(result[1, -1])
            assert np.isnan(result[2]).all()
            assert (result[3:, :-1] == 0.5 * size).all() and (result[3:, -1] == 0.0).all()


def test_mixed_dtypes_promote_to_float64(backend: ffibench.Backend) -> None:
    a32 = np.array([[1.5, 2.0]], dtype=np.float32)
    b64 = np.array([[2.0], [0.25]])
    for left, right in ((a32, b64), (b64.T, a32.T), (a32, b64.tolist())):
        result = backend.matmul.matmul(left, right)
        assert result.dtype == np.float64
    assert backend.matmul.matmul(a32, a32.T).dtype == np.float32


def test_the_result_is_new_and_the_inputs_unchanged(backend: ffibench.Backend) -> None:
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    before = (a.copy(), b.copy())
    result = backend.matmul.matmul(a, b)
    assert not np.shares_memory(result, a) and not np.shares_memory(result, b)
    assert np.array_equal(a, before[0]) and np.array_equal(b, before[1])
    identity = np.eye(3)
    assert not np.shares_memory(backend.matmul.matmul(identity, identity), identity)


class Tagged(np.ndarray):  # type: ignore[type-arg]
    """An ndarray subclass: read as its buffer; the result is a plain ndarray."""


def test_ctypes_and_numpy_subclass_exporters(backend: ffibench.Backend) -> None:
    block = ((ctypes.c_double * 2) * 2)(*[(ctypes.c_double * 2)(1.0, 2.0)] * 2)
    matrix = np.eye(2).view(Tagged)
    result = backend.matmul.matmul(block, matrix)
    assert type(result) is np.ndarray and result.tolist() == [[1.0, 2.0], [1.0, 2.0]]


class Text(str):
    """A str with ``__float__``: still text, which the spec refuses (``float()`` would not)."""

    def __float__(self) -> float:
        return 1.0


class Data(bytes):
    """Bytes with ``__float__``, refused as a str is."""

    def __float__(self) -> float:
        return 1.0


class Refusing:
    """A number whose ``__float__`` raises ``ValueError``: the spec lets it through."""

    def __float__(self) -> float:
        raise ValueError("this number has no value")


BAD_INPUT = [
    ((None, [[1.0]]), TypeError),
    (([[1.0]], None), TypeError),
    (("12", [[1.0]]), TypeError),
    ((b"abcdefgh", [[1.0]]), TypeError),
    (({}, [[1.0]]), TypeError),
    ((5.0, [[1.0]]), TypeError),
    ((np.arange(4.0), np.eye(4)), ValueError),  # 1-D
    ((np.zeros((2, 2, 2)), np.eye(2)), ValueError),  # 3-D
    ((np.float64(2.0), np.eye(2)), ValueError),  # 0-D
    ((np.eye(2, dtype=np.int64), np.eye(2)), TypeError),
    ((np.eye(2, dtype=np.float16), np.eye(2)), TypeError),
    ((np.eye(2, dtype=np.complex128), np.eye(2)), TypeError),
    ((np.eye(2, dtype=bool), np.eye(2)), TypeError),
    ((array.array("d", [1.0, 2.0]), np.eye(2)), ValueError),  # a 1-D float64 buffer
    ((memoryview(b"\x00" * 16).cast("q", (2, 1)), np.eye(1)), TypeError),
    (([], [[1.0]]), ValueError),
    (([1.0, 2.0], [[1.0]]), ValueError),  # a list of numbers is 1-D
    (([[1.0, 2.0], [3.0]], [[1.0]]), ValueError),  # ragged
    (([[1.0], "a"], [[1.0]]), ValueError),  # a row that is a str
    (([["1.0"]], [[1.0]]), TypeError),
    (([[None]], [[1.0]]), TypeError),
    (([[[1.0]]], [[1.0]]), TypeError),  # an element that is a list
    (([[1.0]], [[10**400]]), OverflowError),
    (([[Text("1.0")]], [[1.0]]), TypeError),
    (([[1.0]], [[Data(b"1.0")]]), TypeError),
    (([[decimal.Decimal("snan")]], [[1.0]]), ValueError),  # float() raises it
    (([[1.0, 2.0]], [[1.0], [Refusing()]]), ValueError),
    ((np.eye(2), np.eye(3)), ValueError),  # shapes do not match
    ((np.ones((2, 3)), [[1.0, 2.0, 3.0]]), ValueError),
    ((np.eye(2), "x"), TypeError),  # b is checked before the shapes
    ((np.eye(3), np.zeros((2, 2, 2))), ValueError),
    (([[1, True]], [[2], [3]]), None),  # ints and bools are numbers
    ((np.eye(2, dtype=">f4"), np.eye(2, dtype="<f4")), None),
]


@pytest.mark.parametrize(("args", "error"), BAD_INPUT, ids=range(len(BAD_INPUT)))
def test_bad_input_raises_the_spec_exception(
    backend: ffibench.Backend, args: tuple[Any, Any], error: type[Exception] | None
) -> None:
    if error is None:
        assert_agrees(backend, *args)
        return
    with pytest.raises(error) as caught:
        backend.matmul.matmul(*args)
    assert type(caught.value) is error
    assert str(caught.value)
    assert_agrees(backend, *args)  # the spec raises the same class


def test_shape_mismatch_message_names_both_shapes(backend: ffibench.Backend) -> None:
    with pytest.raises(ValueError, match=re.escape("(2, 3) and (2, 3)")):
        backend.matmul.matmul(np.ones((2, 3)), np.ones((2, 3)))


def test_a_result_too_large_is_a_memory_error(backend: ffibench.Backend) -> None:
    # Beyond any address (72 EiB): refused before any allocation. (A result merely beyond
    # memory is NumPy's MemoryError only where the kernel does not overcommit: not tested.)
    size = 3 * 10**9
    with pytest.raises(MemoryError):
        backend.matmul.matmul(np.empty((size, 0)), np.empty((0, size)))


class Resizer:
    """A number whose ``float()`` resizes an array: Python code that runs while ``b`` is read."""

    def __init__(self, victim: np.ndarray) -> None:
        self.victim = victim

    def __float__(self) -> float:
        self.victim.resize((50, 50), refcheck=False)
        return 1.0


def test_an_operand_resized_while_the_other_is_read(backend: ffibench.Backend) -> None:
    # PyO3 reads a NumPy array in place: it must notice the change, never read freed memory.
    # The others read `a` again after `b` and find 50 x 50 against 2 x 2: a shape mismatch.
    a = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"changed|do not match"):
        backend.matmul.matmul(a, [[Resizer(a), 1.0], [1.0, 1.0]])


def test_the_c_abi_refuses_misaligned_and_overlapping_pointers() -> None:
    # The wrappers never pass such pointers (they copy, and allocate out), so call the library.
    from ffibench.backends.cffi_abi._library import ffi, lib

    block = ffi.new("char[]", 8 * 9 + 1)
    misaligned = ffi.cast("double *", int(ffi.cast("uintptr_t", block)) + 1)
    good = ffi.new("double[]", 9)
    out = ffi.new("double[]", 4)
    assert lib.ffibench_matmul_f64(misaligned, 2, 2, 2, 1, good, 2, 2, 2, 1, out) == 1
    assert b"not aligned" in ffi.string(lib.ffibench_last_error_message())
    assert lib.ffibench_matmul_f64(good, 2, 2, 2, 1, good, 2, 2, 2, 1, good + 2) == 1
    assert b"overlaps" in ffi.string(lib.ffibench_last_error_message())
    assert lib.ffibench_matmul_f64(good, 2, 2, 2, 1, good, 2, 2, 2, 1, ffi.NULL) == 5
    # Strides from C: a 2 x 2 block of a 3 x 3 matrix, read in place.
    for index in range(9):
        good[index] = float(index)
    assert lib.ffibench_matmul_f64(good, 2, 2, 3, 1, good, 2, 2, 3, 1, out) == 0
    assert list(out) == [3.0, 4.0, 12.0, 19.0]


def test_anchors_agree_with_the_spec() -> None:
    for operation in SCENARIO.operations:
        size = 64 if operation.name != "matmul:tall-skinny" else 1000
        args = (
            operation.make_args(size)
            if operation.name not in ("matmul:tall-skinny", "matmul:rectangular")
            else operation.make_args(operation.sizes[0])
        )
        expected = spec.matmul(*args)
        for participant in scenarios.participants(SCENARIO, operation):
            assert participant.function is not None, participant
            answer = participant.function(*args)
            assert operation.check_for(participant)(answer, expected), participant.name


def test_the_check_catches_a_wrong_answer() -> None:
    operation = SCENARIO.operation("matmul:float64")
    a, b = operation.make_args(16)
    expected = spec.matmul(a, b)
    check = operation.compare
    assert check(expected.copy(), expected)
    nudged = expected.copy()
    nudged[3, 4] += 1e-9
    assert not check(nudged, expected)
    assert not check(expected.astype(np.float32), expected)
    assert not check(np.asfortranarray(expected), expected)
    assert not check(expected.tolist(), expected)


def test_the_machine_peak_is_measured() -> None:
    from ffibench._native.matmul import fma_peak, kernel_info

    found = fma_peak(0.01, 1)
    assert {dtype for _, dtype, _, _ in found} == {"float64", "float32"}
    assert all(rate > 0 and math.isfinite(rate) for *_, rate in found)
    assert "portable" in {isa for isa, *_ in found}
    assert kernel_info()["isa"] in {isa for isa, *_ in found}
    for bad in ((0.0, 1), (-1.0, 1), (math.nan, 1), (0.1, 0), (11.0, 1)):
        with pytest.raises(ValueError, match="must be in"):
            fma_peak(*bad)


def test_criterion_benches_cover_the_registry_sizes() -> None:
    from ffibench.scenarios import matmul as matmul_scenario

    source = (ROOT / "crates" / "core" / "benches" / "matmul.rs").read_text()
    match = re.search(r"const SIZES: \[usize; \d+\] = \[([^\]]*)\]", source)
    assert match is not None
    assert {int(n) for n in re.findall(r"\d+", match.group(1))} == set(matmul_scenario.SIZES)


def test_spec_docstring_examples_hold() -> None:
    import doctest

    failures, tried = doctest.testmod(spec)
    assert tried >= 3
    assert failures == 0


def test_a_run_measures_the_peak_once_for_its_meta() -> None:
    from ffibench.harness import meta

    found, errors = meta.measured([SCENARIO, scenarios.get("basic")])
    assert errors == {}
    for dtype in ("float64", "float32"):
        for cores in ("1core", "allcores"):
            entry = found[f"fma_{dtype}_{cores}"]
            assert entry["unit"] == "GFLOP/s" and entry["value"] > 0, entry
            assert dtype in entry["label"]
    assert found["matmul_threads"]["value"] >= 1
    assert all(set(entry) == {"value", "unit", "label"} for entry in found.values())
