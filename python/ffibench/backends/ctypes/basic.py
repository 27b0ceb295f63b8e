"""Scenario 1 through the C ABI with ctypes: declared ``argtypes``, checked arguments.

ctypes converts what it is given without complaint (an int beyond 64 bits is silently cut to
its low bits), so every argument goes through the spec's own checks first. That is the safe
way to call C from ctypes, and it is the way measured. Strings go in as UTF-8 bytes plus a
length; a returned string is copied into a Python ``str`` and freed at once.
"""

from __future__ import annotations

from ctypes import POINTER, c_bool, c_char_p, c_double, c_int, c_int64, c_size_t

from ffibench.backends._capi import utf8
from ffibench.backends.ctypes._library import String, call, declare, text
from ffibench.pure.basic import as_bool, as_f64, as_i64

_identity = declare("ffibench_basic_identity", c_int64, c_int64)
_add = declare("ffibench_basic_add", c_int, c_int64, c_int64, POINTER(c_int64))
_fib = declare("ffibench_basic_fib", c_int, c_int64, POINTER(c_int64))
_count_primes = declare("ffibench_basic_count_primes", c_int, c_int64, POINTER(c_int64))
_compound_interest = declare(
    "ffibench_basic_compound_interest",
    c_int,
    c_double,
    c_double,
    c_double,
    c_int64,
    POINTER(c_double),
)
_projectile_range = declare(
    "ffibench_basic_projectile_range", c_int, c_double, c_double, POINTER(c_double)
)
_reverse = declare("ffibench_basic_reverse", c_int, c_char_p, c_size_t, POINTER(String))
_to_upper = declare("ffibench_basic_to_upper", c_int, c_char_p, c_size_t, POINTER(String))
_count_vowels = declare("ffibench_basic_count_vowels", c_int, c_char_p, c_size_t, POINTER(c_int64))
_word_count = declare("ffibench_basic_word_count", c_int, c_char_p, c_size_t, POINTER(c_int64))
_is_palindrome = declare("ffibench_basic_is_palindrome", c_int, c_char_p, c_size_t, POINTER(c_bool))
_is_prime = declare("ffibench_basic_is_prime", c_int, c_int64, POINTER(c_bool))
_is_leap_year = declare("ffibench_basic_is_leap_year", c_int, c_int64, POINTER(c_bool))
_majority = declare("ffibench_basic_majority", c_int, c_bool, c_bool, c_bool, POINTER(c_bool))


def identity(x: int) -> int:
    """Return ``x`` unchanged (see :func:`ffibench.pure.basic.identity`)."""
    return _identity(as_i64(x, "x"))


def add(a: int, b: int) -> int:
    """Return ``a + b`` (see :func:`ffibench.pure.basic.add`)."""
    return call(_add, c_int64, as_i64(a, "a"), as_i64(b, "b"))


def fib(n: int) -> int:
    """Return the ``n``-th Fibonacci number (see :func:`ffibench.pure.basic.fib`)."""
    return call(_fib, c_int64, as_i64(n, "n"))


def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` (see :func:`ffibench.pure.basic.count_primes`)."""
    return call(_count_primes, c_int64, as_i64(limit, "limit"))


def compound_interest(principal: float, rate: float, years: float, periods: int) -> float:
    """Return the compounded amount (see :func:`ffibench.pure.basic.compound_interest`)."""
    return call(
        _compound_interest,
        c_double,
        as_f64(principal, "principal"),
        as_f64(rate, "rate"),
        as_f64(years, "years"),
        as_i64(periods, "periods"),
    )


def projectile_range(speed: float, angle_deg: float) -> float:
    """Return the range of a projectile (see :func:`ffibench.pure.basic.projectile_range`)."""
    return call(_projectile_range, c_double, as_f64(speed, "speed"), as_f64(angle_deg, "angle_deg"))


def reverse(s: str) -> str:
    """Return ``s`` reversed by code point (see :func:`ffibench.pure.basic.reverse`)."""
    return text(_reverse, s)


def to_upper(s: str) -> str:
    """Return ``s`` in upper case (see :func:`ffibench.pure.basic.to_upper`)."""
    return text(_to_upper, s)


def count_vowels(s: str) -> int:
    """Count the ASCII vowels of ``s`` (see :func:`ffibench.pure.basic.count_vowels`)."""
    data = utf8(s)
    return call(_count_vowels, c_int64, data, len(data))


def is_palindrome(s: str) -> bool:
    """Whether ``s`` is a palindrome (see :func:`ffibench.pure.basic.is_palindrome`)."""
    data = utf8(s)
    return call(_is_palindrome, c_bool, data, len(data))


def word_count(s: str) -> int:
    """Count the words of ``s`` (see :func:`ffibench.pure.basic.word_count`)."""
    data = utf8(s)
    return call(_word_count, c_int64, data, len(data))


def is_prime(n: int) -> bool:
    """Whether ``n`` is prime (see :func:`ffibench.pure.basic.is_prime`)."""
    return call(_is_prime, c_bool, as_i64(n, "n"))


def is_leap_year(year: int) -> bool:
    """Whether ``year`` is a leap year (see :func:`ffibench.pure.basic.is_leap_year`)."""
    return call(_is_leap_year, c_bool, as_i64(year, "year"))


def majority(a: bool, b: bool, c: bool) -> bool:
    """Whether at least two arguments are true (see :func:`ffibench.pure.basic.majority`)."""
    return call(_majority, c_bool, as_bool(a, "a"), as_bool(b, "b"), as_bool(c, "c"))
