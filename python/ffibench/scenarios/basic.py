"""Scenario 1, ``basic``: what one call costs, and when raw compute wins.

Inputs mirror ``crates/core/benches/basic.rs`` (same ids ``basic/<operation>[/<size>]``, same
arguments, the same phrase for text), so the criterion times line up with these.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from ffibench.pure.basic import FLOAT_RTOL, STANDARD_GRAVITY
from ffibench.scenarios import Anchor, Operation, Scenario, close

#: Sizes of the text operations, in code points.
TEXT_SIZES = (10, 1_000, 100_000)
#: Limits of ``count_primes``.
SIEVE_LIMITS = (1_000, 100_000, 10_000_000)
_PHRASE_PATH = Path(__file__).resolve().parent / "data" / "phrase.txt"


@cache
def phrase() -> str:
    """The sentence of every text input: ASCII, accents, Greek, CJK, astral letters, emoji."""
    return _PHRASE_PATH.read_text(encoding="utf-8")


def text(size: int | None) -> str:
    """The phrase repeated and cut to ``size`` code points."""
    assert size is not None
    source = phrase()
    return (source * (size // len(source) + 1))[:size]


def palindrome(size: int | None) -> str:
    """A palindrome of ``size`` code points: half the text, then that half reversed."""
    assert size is not None
    half = text(size // 2)
    middle = "x" if size % 2 else ""
    return half + middle + half[::-1]


def count_primes_slices(limit: int) -> int:
    """The sieve a seasoned Python programmer writes: a bytearray and slice assignment."""
    if limit < 2:
        return 0
    sieve = bytearray([1]) * limit
    sieve[0] = sieve[1] = 0
    for p in range(2, math.isqrt(limit - 1) + 1):
        if sieve[p]:
            sieve[p * p :: p] = bytes(len(range(p * p, limit, p)))
    return sieve.count(1)


def count_primes_odd_slices(limit: int) -> int:
    """The same sieve over odd numbers only: half the memory and half the crossing-out.

    The Rust core sieves odd numbers only too (in cache-sized segments), so this anchor is the
    fair Python rival to its algorithm, beside the common idiom above.
    """
    if limit < 3:
        return 0
    sieve = bytearray([1]) * (limit // 2)  # index i stands for 2i + 1
    sieve[0] = 0
    for p in range(3, math.isqrt(limit - 1) + 1, 2):
        if sieve[p // 2]:
            start = p * p // 2
            sieve[start::p] = bytes(len(range(start, len(sieve), p)))
    return sieve.count(1) + 1  # and 2


def count_vowels_builtins(s: str) -> int:
    """Counting vowels with ``str.count``, one C loop per vowel."""
    return sum(s.count(vowel) for vowel in "aeiouAEIOU")


# The bare idioms: what a Python programmer writes when nothing is checked (no 64-bit range,
# no bool or float type checks). The spec checks every argument, so it does more than these;
# the call-overhead rows need both to say what a boundary costs against plain Python.


def identity_bare(x: int) -> int:
    """``def identity(x): return x``."""
    return x


def add_bare(a: int, b: int) -> int:
    """``def add(a, b): return a + b``."""
    return a + b


def compound_interest_bare(principal: float, rate: float, years: float, periods: int) -> float:
    """The formula as written, with ``**``."""
    return principal * (1.0 + rate / periods) ** (periods * years)


def projectile_range_bare(speed: float, angle_deg: float) -> float:
    """The formula as written, with ``math.sin`` and ``math.radians``."""
    return speed * speed * math.sin(2.0 * math.radians(angle_deg)) / STANDARD_GRAVITY


def is_leap_year_bare(year: int) -> bool:
    """The Gregorian rule, as written."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def majority_bare(a: bool, b: bool, c: bool) -> bool:
    """Two of three, as written."""
    return (a and b) or (a and c) or (b and c)


def _fixed(*args: object):
    return lambda size: args


def _text_operation(name: str, description: str, make=text) -> Operation:
    return Operation(
        name,
        description,
        make_args=lambda size: (make(size),),
        sizes=TEXT_SIZES,
        quick_sizes=(TEXT_SIZES[-1],),
        size_unit="code points",
    )


SCENARIO = Scenario(
    name="basic",
    title="Basic types and call overhead",
    question="What does one call cost, and when does raw compute win?",
    operations=(
        Operation("identity", "the call and nothing else", _fixed(123_456_789)),
        Operation("add", "i64 addition with overflow check", _fixed(1 << 40, 7)),
        Operation("fib", "fib(90), iterative", _fixed(90)),
        Operation(
            "count_primes",
            "sieve of Eratosthenes below the limit",
            make_args=lambda size: (size,),
            sizes=SIEVE_LIMITS,
            quick_sizes=(SIEVE_LIMITS[1],),
            size_unit="limit",
        ),
        Operation(
            "compound_interest",
            "pow of floats",
            _fixed(1000.0, 0.05, 30.0, 12),
            compare=close(FLOAT_RTOL),
        ),
        Operation(
            "projectile_range",
            "sin of floats",
            _fixed(27.5, 38.0),
            compare=close(FLOAT_RTOL),
        ),
        _text_operation("reverse", "reverse by code point; returns a new str"),
        _text_operation("to_upper", "full Unicode upper case; returns a new str"),
        _text_operation("count_vowels", "count ASCII vowels; returns an int"),
        _text_operation("is_palindrome", "fold, filter, compare; a true palindrome", palindrome),
        _text_operation("word_count", "split on Unicode whitespace; returns an int"),
        Operation("is_prime", "Miller-Rabin on the Mersenne prime 2^61 - 1", _fixed((1 << 61) - 1)),
        Operation("is_leap_year", "three modulo tests", _fixed(2024)),
        Operation("majority", "three bools in, one out", _fixed(True, False, True)),
    ),
    anchors=(
        Anchor(
            "python:bare",
            "the function as a Python programmer writes it, no argument checks",
            {
                "identity": identity_bare,
                "add": add_bare,
                "compound_interest": compound_interest_bare,
                "projectile_range": projectile_range_bare,
                "is_leap_year": is_leap_year_bare,
                "majority": majority_bare,
            },
        ),
        Anchor(
            "python:slices",
            "bytearray sieve with slice assignment, the idiomatic fast Python",
            {"count_primes": count_primes_slices},
        ),
        Anchor(
            "python:odd-slices",
            "the bytearray sieve over odd numbers only, the algorithm of the Rust core",
            {"count_primes": count_primes_odd_slices},
        ),
        Anchor(
            "python:builtins",
            "str.count per vowel instead of a loop",
            {"count_vowels": count_vowels_builtins},
        ),
    ),
)
