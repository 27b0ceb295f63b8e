"""Scenario 3: every backend gives the spec's answer on lists and buffers, or the spec's error."""

from __future__ import annotations

import array
import ctypes
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ffibench
from ffibench import scenarios
from ffibench.pure import arrays as spec
from ffibench.scenarios.arrays import same_values
from outcomes import assert_same_outcome, outcome

SCENARIO = scenarios.get("arrays")
REDUCTIONS = ("sum", "mean", "std", "min", "max")
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=64)


def same_reduction(value: object, reference: object) -> bool:
    """The same float, NaN equal to NaN, and the same sign of zero."""
    assert isinstance(reference, float)
    if type(value) is not float:
        return False
    if math.isnan(reference):
        return math.isnan(value)
    return value == reference and math.copysign(1.0, value) == math.copysign(1.0, reference)


def assert_matches_spec(backend: ffibench.Backend, function: str, *args: Any) -> None:
    compare = same_reduction if function in REDUCTIONS else same_values()
    assert_same_outcome(getattr(spec, function), getattr(backend.arrays, function), args, compare)


def every_call(backend: ffibench.Backend, xs: Any) -> None:
    for function in REDUCTIONS:
        assert_matches_spec(backend, function, xs)
    assert_matches_spec(backend, "filter_greater", xs, 0.25)
    assert_matches_spec(backend, "normalize", xs)


def test_every_operation_exists_in_every_backend(backend: ffibench.Backend) -> None:
    for operation in SCENARIO.operations:
        assert callable(getattr(backend.arrays, operation.function_name)), operation.name


EDGE_LISTS = [
    [],
    [0.0],
    [-0.0],
    [0.0, -0.0],
    [-0.0, 0.0],
    [1.0, 2.0],
    [2.0, 2.0, 2.0],
    [math.nan, 1.0],
    [1.0, math.inf],
    [math.inf, -math.inf],
    [1e308, 1e308],
    [1, 2, 3],  # ints are numbers
    [True, 2.5],
    list(range(127)),
    [float(i) * 0.1 for i in range(300)],
]


@pytest.mark.parametrize("values", EDGE_LISTS, ids=range(len(EDGE_LISTS)))
def test_edge_cases_as_list_tuple_and_array(rust_backend: ffibench.Backend, values: list) -> None:
    every_call(rust_backend, values)
    every_call(rust_backend, tuple(values))
    every_call(rust_backend, np.array(values, dtype=np.float64))


def test_sum_is_numpys_pairwise_sum(backend: ffibench.Backend) -> None:
    xs = np.random.default_rng(7).standard_normal(100_003) * 1e3
    assert backend.arrays.sum(xs) == float(np.sum(xs))
    assert backend.arrays.std(xs) == float(np.std(xs))


def test_buffers_of_every_kind(rust_backend: ffibench.Backend) -> None:
    base = np.random.default_rng(3).standard_normal(1_000)
    read_only = base.copy()
    read_only.flags.writeable = False
    kinds = [
        base[::3],  # strided
        base[::-1],  # negative stride
        read_only,
        array.array("d", base.tolist()),
        memoryview(array.array("d", base.tolist())),
        memoryview(base)[10:500:7],
        np.frombuffer(base.tobytes(), dtype=np.float64),  # read-only, over bytes
    ]
    for xs in kinds:
        every_call(rust_backend, xs)


def odd_buffers(values: np.ndarray) -> dict[str, Any]:
    """``values`` as every kind of float64 buffer a caller may pass, each reading as ``values``."""
    raw = values.tobytes()
    misaligned = np.frombuffer(b"\x00" + raw, dtype=np.float64, offset=1)
    doubled = np.repeat(values, 2)
    read_only = values.copy()
    read_only.flags.writeable = False
    return {
        "misaligned": misaligned,
        "misaligned memoryview (format '=d')": memoryview(misaligned),
        "big-endian": values.astype(">f8"),
        "big-endian memoryview (format '>d')": memoryview(values.astype(">f8")),
        "strided": doubled[::2],
        "negative stride": values[::-1].copy()[::-1],
        "read-only": read_only,
        "misaligned and strided": np.frombuffer(b"\x00" + doubled.tobytes(), offset=1)[::2],
        # ctypes exports "<d", aligned and contiguous, with no strides at all
        "ctypes array": (ctypes.c_double * len(values)).from_buffer_copy(raw),
    }


@given(values=hnp.arrays(np.float64, st.integers(1, 300), elements=st.one_of(FINITE, FLOATS)))
def test_odd_buffers_give_the_answer_of_the_plain_values(
    backend: ffibench.Backend, values: np.ndarray
) -> None:
    # Every backend, the spec included, against the same values as a plain list: an odd buffer
    # is read, copied where it must be, and never refused or misread.
    plain = values.tolist()
    for kind, xs in odd_buffers(values).items():
        assert len(memoryview(xs)) == len(plain), kind
        for function in REDUCTIONS:
            expected = outcome(getattr(spec, function), plain)
            got = outcome(getattr(backend.arrays, function), xs)
            if expected[0] == "value":
                assert got[0] == "value" and same_reduction(got[1], expected[1]), (kind, function)
            else:
                assert got == expected, (kind, function)
        for function, args in (("filter_greater", (0.25,)), ("normalize", ())):
            expected = outcome(getattr(spec, function), plain, *args)
            got = outcome(getattr(backend.arrays, function), xs, *args)
            if expected[0] == "value":
                assert got[0] == "value" and isinstance(got[1], np.ndarray), (kind, function)
                assert same_values()(got[1].tolist(), expected[1]), (kind, function)
            else:
                assert got == expected, (kind, function)


class Doubled(list):  # type: ignore[type-arg]
    """A list whose iterator yields every value twice: read through ``__iter__``, as the spec
    reads a list."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for value in list.__iter__(self):
            yield value
            yield value


def test_a_list_subclass_is_read_through_its_iterator(backend: ffibench.Backend) -> None:
    xs = Doubled([1.0, 2.0, 4.0])
    assert backend.arrays.sum(xs) == spec.sum(xs) == 14.0
    assert backend.arrays.filter_greater(xs, 1.5) == [2.0, 2.0, 4.0, 4.0]


@pytest.mark.parametrize("kind", ["numpy", "array"])
def test_a_threshold_that_writes_to_the_buffer_comes_after_its_values(
    rust_backend: ffibench.Backend, kind: str
) -> None:
    """The spec reads the values before the threshold, whose ``__float__`` may write to them:
    a buffer read in place is copied first when the threshold is not a float (a review found
    every Rust backend reading the written value)."""

    def run(filter_greater: Any) -> list[float]:
        xs = np.array([1.0, 2.0, 3.0]) if kind == "numpy" else array.array("d", [1.0, 2.0, 3.0])

        class Writes:
            def __float__(self) -> float:
                xs[0] = 100.0
                return 2.5

        return list(filter_greater(xs, Writes()))

    assert run(spec.filter_greater) == [3.0]
    assert run(rust_backend.arrays.filter_greater) == [3.0]


def test_the_c_abi_refuses_a_misaligned_pointer() -> None:
    # The wrappers never pass one (they copy), so call the library directly: a status, no read.
    from ffibench.backends.cffi_abi._library import ffi, lib

    block = ffi.new("char[]", 8 * 4 + 1)
    misaligned = ffi.cast("double *", int(ffi.cast("uintptr_t", block)) + 1)
    out = ffi.new("double *")
    status = lib.ffibench_arrays_sum(misaligned, 3, out)
    assert status == 1  # FFIBENCH_STATUS_INVALID_VALUE
    assert b"not aligned" in ffi.string(lib.ffibench_last_error_message())


def test_results_have_the_input_kind(backend: ffibench.Backend) -> None:
    values = [3.0, 1.0, 2.0]
    assert type(backend.arrays.filter_greater(values, 1.5)) is list
    assert type(backend.arrays.normalize(tuple(values))) is list
    result = backend.arrays.normalize(np.array(values))
    assert isinstance(result, np.ndarray) and result.dtype == np.float64
    assert result.flags.writeable
    assert isinstance(backend.arrays.filter_greater(array.array("d", values), 1.5), np.ndarray)


def test_input_is_not_modified(backend: ffibench.Backend) -> None:
    xs = np.array([3.0, 1.0, 2.0])
    values = [3.0, 1.0, 2.0]
    backend.arrays.normalize(xs)
    backend.arrays.normalize(values)
    assert xs.tolist() == values == [3.0, 1.0, 2.0]


@given(values=st.lists(FLOATS, max_size=300))
def test_lists_match_spec(rust_backend: ffibench.Backend, values: list[float]) -> None:
    every_call(rust_backend, values)


@given(
    xs=hnp.arrays(np.float64, st.integers(0, 400), elements=st.one_of(FINITE, FLOATS)),
    step=st.sampled_from([1, 1, 2, 3, -1]),
)
def test_arrays_match_spec(rust_backend: ffibench.Backend, xs: np.ndarray, step: int) -> None:
    every_call(rust_backend, xs[::step])


@given(values=st.lists(FINITE, min_size=2, max_size=200), threshold=FLOATS)
def test_filter_greater_matches_spec(
    rust_backend: ffibench.Backend, values: list[float], threshold: float
) -> None:
    assert_matches_spec(rust_backend, "filter_greater", values, threshold)
    assert_matches_spec(rust_backend, "filter_greater", np.array(values), threshold)


BAD_INPUT = [
    ((None,), TypeError),
    (("1.0, 2.0",), TypeError),
    ((b"abcdefgh",), TypeError),
    (({},), TypeError),
    ((5,), TypeError),
    (([1.0, "2"],), TypeError),
    (([1.0, None],), TypeError),
    (([[1.0]],), TypeError),
    (([10**400],), OverflowError),
    ((np.zeros((2, 2)),), ValueError),
    ((np.arange(4.0).reshape(2, 2)[:, 0],), None),  # a strided column is fine
    ((np.arange(4),), TypeError),
    ((np.arange(4, dtype=np.float32),), TypeError),
    ((np.arange(3, dtype=">f8"),), None),  # big-endian float64 is float64: copied, read
    ((np.zeros(3, dtype=np.complex128),), TypeError),
    ((array.array("i", [1, 2]),), TypeError),
]


@pytest.mark.parametrize(("args", "error"), BAD_INPUT, ids=range(len(BAD_INPUT)))
@pytest.mark.parametrize("function", [*REDUCTIONS, "normalize"])
def test_bad_input_raises_the_spec_exception(
    backend: ffibench.Backend, function: str, args: tuple, error: type[Exception] | None
) -> None:
    if error is None:
        getattr(backend.arrays, function)(*args)
        return
    with pytest.raises(error) as caught:
        getattr(backend.arrays, function)(*args)
    assert type(caught.value) is error
    assert str(caught.value)


@pytest.mark.parametrize("function", ["mean", "std", "min", "max", "normalize"])
def test_empty_input_is_a_value_error(backend: ffibench.Backend, function: str) -> None:
    for empty in ([], (), np.zeros(0)):
        with pytest.raises(ValueError, match="empty"):
            getattr(backend.arrays, function)(empty)


def test_constant_input_cannot_be_normalized(backend: ffibench.Backend) -> None:
    with pytest.raises(ValueError, match="standard deviation is 0"):
        backend.arrays.normalize([2.0, 2.0, 2.0])


@pytest.mark.parametrize("threshold", ["1", None, b"1"])
def test_bad_threshold_is_a_type_error(backend: ffibench.Backend, threshold: object) -> None:
    with pytest.raises(TypeError):
        backend.arrays.filter_greater([1.0], threshold)


def test_anchors_agree_with_the_spec() -> None:
    for operation in SCENARIO.operations:
        args = operation.make_args(1_000)
        expected = getattr(spec, operation.function_name)(*args)
        for participant in scenarios.participants(SCENARIO, operation):
            if participant.is_anchor:
                assert participant.function is not None
                answer = participant.function(*args)
                assert operation.check_for(participant)(answer, expected), participant.name


# -- random values ---------------------------------------------------------------------------


@pytest.mark.parametrize("dist", ["uniform", "normal"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 1_000, 131_073])
def test_generate_matches_spec_exactly(rust_backend: ffibench.Backend, n: int, dist: str) -> None:
    for seed in (0, 42, 2**64 - 1):
        expected = spec.generate_list(n, seed, dist)
        array_result = rust_backend.arrays.generate(n, seed, dist)
        assert isinstance(array_result, np.ndarray) and array_result.dtype == np.float64
        assert array_result.flags.writeable and array_result.flags.c_contiguous
        assert array_result.tolist() == expected
        assert rust_backend.arrays.generate_list(n, seed, dist) == expected


def test_generate_defaults_to_uniform_and_looks_random(backend: ffibench.Backend) -> None:
    uniform = backend.arrays.generate(20_000, 5)
    assert uniform.min() >= 0.0 and uniform.max() < 1.0
    assert abs(uniform.mean() - 0.5) < 0.01
    normal = np.asarray(backend.arrays.generate_list(20_000, 5, "normal"))
    assert abs(normal.mean()) < 0.03 and abs(normal.std() - 1.0) < 0.03
    assert backend.arrays.generate(5, 1).tolist() != backend.arrays.generate(5, 2).tolist()


@given(
    n=st.integers(0, 300),
    seed=st.integers(0, 2**64 - 1),
    dist=st.sampled_from(["uniform", "normal"]),
)
def test_generate_matches_spec(
    rust_backend: ffibench.Backend, n: int, seed: int, dist: str
) -> None:
    assert rust_backend.arrays.generate_list(n, seed, dist) == spec.generate_list(n, seed, dist)


GENERATE_BAD = [
    ((-1, 1), ValueError),
    ((2**63, 1), OverflowError),
    ((1, -1), OverflowError),
    ((1, 2**64), OverflowError),
    ((1, 1, "gauss"), ValueError),
    ((1, 1, None), TypeError),
    ((1.5, 1), TypeError),
    (("3", 1), TypeError),
    ((2**40, 1), MemoryError),  # 8 TiB: refused, never an abort
    ((2**62, 1), MemoryError),
]


@pytest.mark.parametrize(("args", "error"), GENERATE_BAD, ids=range(len(GENERATE_BAD)))
@pytest.mark.parametrize("function", ["generate", "generate_list"])
def test_generate_bad_input(
    backend: ffibench.Backend, function: str, args: tuple, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        getattr(backend.arrays, function)(*args)
    # NumPy's own MemoryError is a subclass; every other class is exact.
    assert isinstance(caught.value, error) if error is MemoryError else type(caught.value) is error


def test_spec_docstring_examples_hold() -> None:
    import doctest

    failures, tried = doctest.testmod(spec)
    assert tried > 5
    assert failures == 0
