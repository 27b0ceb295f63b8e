"""Scenario 1: every backend gives the spec's answer, or raises the spec's exception class.

The pure-Python module is the spec; each Rust backend is compared with it on fixed edge cases
and on hypothesis-generated inputs, for values and for errors alike.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ffibench
from ffibench import scenarios
from ffibench.pure import basic as spec
from outcomes import assert_same_outcome

SCENARIO = scenarios.get("basic")
I64 = st.integers(min_value=spec.I64_MIN, max_value=spec.I64_MAX)
# Any Unicode but lone surrogates (which raise, tested below); NUL and astral planes included.
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)


def assert_matches_spec(backend: ffibench.Backend, operation: str, *args: Any) -> None:
    compare = SCENARIO.operation(operation).compare
    assert_same_outcome(getattr(spec, operation), getattr(backend.basic, operation), args, compare)


def test_every_operation_exists_in_every_backend(backend: ffibench.Backend) -> None:
    for operation in SCENARIO.operations:
        assert callable(getattr(backend.basic, operation.name)), operation.name


# -- fixed edge cases ----------------------------------------------------------------------------

EDGE_INTS = [0, 1, -1, 2, 92, 93, 2**31, -(2**31), spec.I64_MAX, spec.I64_MIN, spec.I64_MAX - 24]
EDGE_FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, 1e300, -1e300, math.inf, -math.inf, math.nan]
EDGE_TEXTS = [
    "",
    "a",
    "\0",
    "a\0b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "🦀🐍",
    "straße ǅ ﬁ ΐ ŉ",
    "İstanbul ΣΑΣ ς",
    "A man, a plan, a canal: Panama",
    "Straße ssartS",
    "x\u0301y\u0301",
    " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000 ",
    "\u180e\u200b\ufeff",
    "½ⅫⅦ٣",
    "AEIOUaeiouÀÉ",
]


@pytest.mark.parametrize("x", EDGE_INTS)
def test_integer_edges(rust_backend: ffibench.Backend, x: int) -> None:
    for operation in ("identity", "fib", "is_prime", "is_leap_year"):
        assert_matches_spec(rust_backend, operation, x)
    for other in (0, 1, -1, spec.I64_MAX, spec.I64_MIN):
        assert_matches_spec(rust_backend, "add", x, other)


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4, 5, 100, 1_000, 65_537, 65_540, 100_003])
def test_count_primes_edges(rust_backend: ffibench.Backend, limit: int) -> None:
    assert_matches_spec(rust_backend, "count_primes", limit)


def test_count_primes_known_values(rust_backend: ffibench.Backend) -> None:
    known = {10: 4, 100: 25, 10**6: 78_498, 10**7: 664_579}
    for limit, count in known.items():
        assert rust_backend.basic.count_primes(limit) == count


@pytest.mark.parametrize("value", EDGE_FLOATS)
def test_float_edges(rust_backend: ffibench.Backend, value: float) -> None:
    for other in EDGE_FLOATS:
        assert_matches_spec(rust_backend, "projectile_range", value, other)
        assert_matches_spec(rust_backend, "compound_interest", value, other, 10.0, 12)
        assert_matches_spec(rust_backend, "compound_interest", 1000.0, value, other, 1)


def test_float_ieee_results(backend: ffibench.Backend) -> None:
    basic = backend.basic
    assert basic.compound_interest(1e300, 1e10, 1e10, 1) == math.inf
    assert math.isnan(basic.compound_interest(1.0, -3.0, 0.5, 1))
    assert math.isnan(basic.projectile_range(1.0, math.inf))
    assert basic.compound_interest(-1.0, -2.0, 1.0, 1) == -1.0 * (-1.0) ** 1
    assert math.copysign(1.0, basic.projectile_range(-0.0, 0.0)) == 1.0


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_text_edges(rust_backend: ffibench.Backend, text: str) -> None:
    for operation in ("reverse", "to_upper", "count_vowels", "is_palindrome", "word_count"):
        assert_matches_spec(rust_backend, operation, text)


@pytest.mark.parametrize("flags", [(a, b, c) for a in (0, 1) for b in (0, 1) for c in (0, 1)])
def test_majority_truth_table(backend: ffibench.Backend, flags: tuple[int, ...]) -> None:
    a, b, c = (bool(flag) for flag in flags)
    assert backend.basic.majority(a, b, c) is (sum(flags) >= 2)


def test_numpy_scalars_are_numbers(backend: ffibench.Backend) -> None:
    basic = backend.basic
    assert basic.identity(np.int64(-5)) == -5
    assert basic.majority(np.bool_(True), True, False) is True
    assert basic.projectile_range(np.float64(10.0), np.float32(45.0)) == spec.projectile_range(
        10.0, float(np.float32(45.0))
    )


def test_results_are_plain_python_types(backend: ffibench.Backend) -> None:
    basic = backend.basic
    assert type(basic.identity(True)) is int
    assert type(basic.is_prime(7)) is bool
    assert type(basic.word_count("a b")) is int
    assert type(basic.projectile_range(1, 2)) is float


# -- every code point --------------------------------------------------------------------------

ALL_CHARACTERS = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


def test_to_upper_of_every_code_point(rust_backend: ffibench.Backend) -> None:
    assert rust_backend.basic.to_upper(ALL_CHARACTERS) == ALL_CHARACTERS.upper()


def test_word_count_of_every_code_point(rust_backend: ffibench.Backend) -> None:
    # Each chunk is "a<c>a a<d>a ...": a miscounted separator changes that chunk's count.
    for start in range(0, len(ALL_CHARACTERS), 2048):
        chunk = " ".join(f"a{c}a" for c in ALL_CHARACTERS[start : start + 2048])
        assert rust_backend.basic.word_count(chunk) == len(chunk.split()), hex(ord(chunk[1]))


@pytest.mark.slow
def test_is_palindrome_folds_every_code_point(rust_backend: ffibench.Backend) -> None:
    # c + "x" is a palindrome exactly when c is not a letter or digit, or folds to "x".
    is_palindrome = rust_backend.basic.is_palindrome
    wrong = [c for c in ALL_CHARACTERS if is_palindrome(c + "x") != spec.is_palindrome(c + "x")]
    assert wrong == []
    # ...and c + c.casefold().upper() checks the folding of each letter against its upper case.
    cased = [c for c in ALL_CHARACTERS if c.casefold() != c]
    wrong = [c for c in cased if is_palindrome(c + c.upper()) != spec.is_palindrome(c + c.upper())]
    assert wrong == []


# -- hypothesis ------------------------------------------------------------------------------------


@given(x=st.one_of(I64, st.integers()))
def test_identity_matches_spec(rust_backend: ffibench.Backend, x: int) -> None:
    assert_matches_spec(rust_backend, "identity", x)


@given(a=st.one_of(I64, st.integers()), b=I64)
def test_add_matches_spec(rust_backend: ffibench.Backend, a: int, b: int) -> None:
    assert_matches_spec(rust_backend, "add", a, b)


@given(n=st.integers(min_value=-10, max_value=120))
def test_fib_matches_spec(rust_backend: ffibench.Backend, n: int) -> None:
    assert_matches_spec(rust_backend, "fib", n)


@given(limit=st.integers(min_value=-5, max_value=50_000))
def test_count_primes_matches_spec(rust_backend: ffibench.Backend, limit: int) -> None:
    assert_matches_spec(rust_backend, "count_primes", limit)


@given(
    principal=FLOATS,
    rate=st.one_of(FLOATS, st.floats(min_value=-1.0, max_value=1.0)),
    years=st.one_of(FLOATS, st.floats(min_value=0.0, max_value=100.0)),
    periods=st.one_of(st.integers(min_value=-2, max_value=400), I64),
)
def test_compound_interest_matches_spec(
    rust_backend: ffibench.Backend, principal: float, rate: float, years: float, periods: int
) -> None:
    assert_matches_spec(rust_backend, "compound_interest", principal, rate, years, periods)


@given(speed=FLOATS, angle=st.one_of(FLOATS, st.floats(min_value=-720.0, max_value=720.0)))
def test_projectile_range_matches_spec(
    rust_backend: ffibench.Backend, speed: float, angle: float
) -> None:
    assert_matches_spec(rust_backend, "projectile_range", speed, angle)


@pytest.mark.parametrize(
    "operation", ["reverse", "to_upper", "count_vowels", "is_palindrome", "word_count"]
)
@given(text=TEXT)
def test_text_matches_spec(rust_backend: ffibench.Backend, operation: str, text: str) -> None:
    assert_matches_spec(rust_backend, operation, text)


@given(text=TEXT)
def test_palindromes_are_palindromes(backend: ffibench.Backend, text: str) -> None:
    assert_matches_spec(backend, "is_palindrome", text + text[::-1])


@given(n=st.one_of(I64, st.integers(min_value=-10, max_value=10_000)))
def test_is_prime_matches_spec(rust_backend: ffibench.Backend, n: int) -> None:
    assert_matches_spec(rust_backend, "is_prime", n)


@given(year=st.one_of(I64, st.integers(min_value=-2_000, max_value=3_000)))
def test_is_leap_year_matches_spec(rust_backend: ffibench.Backend, year: int) -> None:
    assert_matches_spec(rust_backend, "is_leap_year", year)


# -- bad input ---------------------------------------------------------------------------------

TEXT_BAD = [
    ((b"abc",), TypeError),
    ((None,), TypeError),
    ((123,), TypeError),
    (("\ud800",), UnicodeEncodeError),
    (("a\udfffb",), UnicodeEncodeError),
]
BAD_INPUT = [
    ("identity", (1.5,), TypeError),
    ("identity", ("1",), TypeError),
    ("identity", (None,), TypeError),
    ("identity", (Decimal("1.5"),), TypeError),
    ("identity", (2**63,), OverflowError),
    ("identity", (-(2**63) - 1,), OverflowError),
    ("identity", (10**100,), OverflowError),
    ("add", (2**62, 2**62), OverflowError),
    ("add", (spec.I64_MIN, -1), OverflowError),
    ("add", (None, 1), TypeError),
    ("add", (1, 2.0), TypeError),
    ("fib", (-1,), ValueError),
    ("fib", (93,), OverflowError),
    ("fib", (2**70,), OverflowError),
    ("fib", (1.0,), TypeError),
    ("count_primes", (-1,), ValueError),
    ("count_primes", (spec.COUNT_PRIMES_MAX_LIMIT + 1,), ValueError),
    ("count_primes", (spec.I64_MAX,), ValueError),
    ("count_primes", (2**64,), OverflowError),
    ("count_primes", ("10",), TypeError),
    ("compound_interest", (1.0, 0.1, 1.0, 0), ValueError),
    ("compound_interest", (1.0, 0.1, 1.0, -5), ValueError),
    ("compound_interest", (1.0, 0.1, 1.0, 1.5), TypeError),
    ("compound_interest", ("1", 0.1, 1.0, 1), TypeError),
    ("compound_interest", (10**400, 0.1, 1.0, 1), OverflowError),
    ("compound_interest", (None, 0.1, 1.0, 1), TypeError),
    ("compound_interest", (1.0, 0.1, 1.0, 2**64), OverflowError),
    ("projectile_range", ("1", 2.0), TypeError),
    ("projectile_range", (b"1", 2.0), TypeError),
    ("projectile_range", (1.0, None), TypeError),
    ("is_prime", (2**63,), OverflowError),
    ("is_prime", (7.0,), TypeError),
    ("is_leap_year", (None,), TypeError),
    ("is_leap_year", (2**64,), OverflowError),
    ("majority", (1, True, True), TypeError),
    ("majority", (None, True, False), TypeError),
    ("majority", (True, False, 0), TypeError),
    ("majority", (True, "yes", False), TypeError),
    *[
        (operation, args, error)
        for operation in ("reverse", "to_upper", "count_vowels", "is_palindrome", "word_count")
        for args, error in TEXT_BAD
    ],
]


@pytest.mark.parametrize(("operation", "args", "error"), BAD_INPUT)
def test_bad_input_raises_the_spec_exception(
    backend: ffibench.Backend, operation: str, args: tuple[Any, ...], error: type[Exception]
) -> None:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the exact class is checked below
        getattr(backend.basic, operation)(*args)
    assert type(caught.value) is error, f"{operation}{args!r}: {caught.value!r}"
    assert str(caught.value), "the message must say what is wrong"


def test_expected_errors_are_never_panics(rust_backend: ffibench.Backend) -> None:
    # A Rust panic reaches Python as pyo3_runtime.PanicException (a BaseException) through PyO3
    # and as RuntimeError (FFIBENCH_STATUS_PANIC) through the C ABI: an expected error must
    # arrive as its documented exception, never either way. Catch everything and look.
    for operation, args, error in BAD_INPUT:
        with pytest.raises(BaseException) as caught:  # noqa: PT011 - the class is checked below
            getattr(rust_backend.basic, operation)(*args)
        what = f"{operation}{args!r}: {caught.type.__name__}: {caught.value}"
        assert caught.type is error, what
        assert not issubclass(caught.type, RuntimeError), what


@given(
    x=st.integers(min_value=-(2**61), max_value=2**61),
    y=st.integers(min_value=-(2**61), max_value=2**61),
)
def test_bare_idioms_answer_like_the_spec_on_valid_input(x: int, y: int) -> None:
    # The python:bare anchors skip the spec's checks, never its answers.
    from ffibench.scenarios import basic as scenario

    assert scenario.identity_bare(x) == spec.identity(x)
    assert scenario.add_bare(x, y) == spec.add(x, y)
    assert scenario.is_leap_year_bare(x) == spec.is_leap_year(x)
    for flags in itertools.product((False, True), repeat=3):
        assert scenario.majority_bare(*flags) == spec.majority(*flags)
    close = scenarios.close(spec.FLOAT_RTOL)
    for args in ((1000.0, 0.05, 30.0, 12), (1.0, -0.5, 2.5, 3), (250.0, 1e-9, 100.0, 365)):
        assert close(scenario.compound_interest_bare(*args), spec.compound_interest(*args))
    for speed, angle in ((27.5, 38.0), (0.0, 45.0), (1e3, -89.9), (3.0, 720.25)):
        assert close(
            scenario.projectile_range_bare(speed, angle), spec.projectile_range(speed, angle)
        )


class Impostor(str):
    """A str subclass whose methods lie: every backend reads the text it holds."""

    __slots__ = ()

    def encode(self, *args: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        return b"Bob"

    def __len__(self) -> int:
        return 1

    def upper(self) -> str:  # type: ignore[override]
        return "BOB"


def test_a_str_subclass_is_read_as_its_text(backend: ffibench.Backend) -> None:
    text = Impostor("Alice")
    assert backend.basic.to_upper(text) == "ALICE"
    assert backend.basic.reverse(text) == "ecilA"
    assert backend.basic.count_vowels(text) == 3
    assert backend.person.Person(text, 36, 5200.0).name == "Alice"
    assert backend.person.PersonRecord(text, 36, 5200.0).name == "Alice"
    assert type(backend.person.PersonRecord(text, 36, 5200.0).name) is str
