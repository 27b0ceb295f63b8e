"""Scenario 1 through the C ABI with cffi (both modes): the header's declarations, checked calls.

cffi checks integer ranges (``OverflowError``) and float arguments itself, but it takes any
object with ``__int__`` as an integer (``Decimal("1.5")`` would become 1) and 0 and 1 as
booleans, so integer arguments go through ``operator.index`` and booleans through the spec's
check first. Where a call fails, a function of several arguments runs the spec's checks in the
spec's order, so that the first wrong argument decides the exception, as everywhere else.
Strings go in as UTF-8 bytes plus a length; a returned string is copied into a Python ``str``
and freed at once.
"""

from __future__ import annotations

from operator import index

from ffibench.backends._capi import utf8
from ffibench.pure.basic import as_bool, as_f64, as_i64

from ._calls import BOOL_OUT, DOUBLE_OUT, INT64_OUT, call, text
from ._library import lib


def identity(x: int) -> int:
    """Return ``x`` unchanged (see :func:`ffibench.pure.basic.identity`)."""
    return lib.ffibench_basic_identity(index(x))


def add(a: int, b: int) -> int:
    """Return ``a + b`` (see :func:`ffibench.pure.basic.add`)."""
    x = y = None
    try:
        x = index(a)
        y = index(b)
        return call(lib.ffibench_basic_add, INT64_OUT, x, y)
    except Exception as error:
        # Both arguments are converted before cffi checks either's range, so a later
        # argument's TypeError could win over an earlier one's OverflowError: the spec's
        # checks, in its order, say which error is due (off the fast path).
        in_order(error, (a, x, "a"), (b, y, "b"))
        raise


def fib(n: int) -> int:
    """Return the ``n``-th Fibonacci number (see :func:`ffibench.pure.basic.fib`)."""
    return call(lib.ffibench_basic_fib, INT64_OUT, index(n))


def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` (see :func:`ffibench.pure.basic.count_primes`)."""
    return call(lib.ffibench_basic_count_primes, INT64_OUT, index(limit))


def compound_interest(principal: float, rate: float, years: float, periods: int) -> float:
    """Return the compounded amount (see :func:`ffibench.pure.basic.compound_interest`)."""
    function = lib.ffibench_basic_compound_interest
    n = None
    try:
        n = index(periods)
        return call(function, DOUBLE_OUT, principal, rate, years, n)
    except Exception as error:
        # ``index(periods)`` runs before cffi converts the floats: the spec's order decides
        as_f64(principal, "principal")
        as_f64(rate, "rate")
        as_f64(years, "years")
        in_order(error, (periods, n, "periods"))
        raise


def in_order(error: Exception, *arguments: tuple[object, int | None, str]) -> None:
    """Raise the spec's error for the first bad one of ``arguments`` (the object, what
    ``index`` made of it, or ``None`` where ``index`` raised ``error``, and its name), without
    calling ``__index__`` again; return if ``error`` itself is the spec's."""
    for value, number, name in arguments:
        if number is None:  # its own conversion failed: as_i64's TypeError, else as it was
            if isinstance(error, TypeError):
                kind = type(value).__name__
                raise TypeError(f"{name} must be an integer, not {kind}") from None
            return
        as_i64(number, name)  # a plain int: only the range is checked


def projectile_range(speed: float, angle_deg: float) -> float:
    """Return the range of a projectile (see :func:`ffibench.pure.basic.projectile_range`)."""
    return call(lib.ffibench_basic_projectile_range, DOUBLE_OUT, speed, angle_deg)


def reverse(s: str) -> str:
    """Return ``s`` reversed by code point (see :func:`ffibench.pure.basic.reverse`)."""
    return text(lib.ffibench_basic_reverse, s)


def to_upper(s: str) -> str:
    """Return ``s`` in upper case (see :func:`ffibench.pure.basic.to_upper`)."""
    return text(lib.ffibench_basic_to_upper, s)


def count_vowels(s: str) -> int:
    """Count the ASCII vowels of ``s`` (see :func:`ffibench.pure.basic.count_vowels`)."""
    data = utf8(s)
    return call(lib.ffibench_basic_count_vowels, INT64_OUT, data, len(data))


def is_palindrome(s: str) -> bool:
    """Whether ``s`` is a palindrome (see :func:`ffibench.pure.basic.is_palindrome`)."""
    data = utf8(s)
    return call(lib.ffibench_basic_is_palindrome, BOOL_OUT, data, len(data))


def word_count(s: str) -> int:
    """Count the words of ``s`` (see :func:`ffibench.pure.basic.word_count`)."""
    data = utf8(s)
    return call(lib.ffibench_basic_word_count, INT64_OUT, data, len(data))


def is_prime(n: int) -> bool:
    """Whether ``n`` is prime (see :func:`ffibench.pure.basic.is_prime`)."""
    return call(lib.ffibench_basic_is_prime, BOOL_OUT, index(n))


def is_leap_year(year: int) -> bool:
    """Whether ``year`` is a leap year (see :func:`ffibench.pure.basic.is_leap_year`)."""
    return call(lib.ffibench_basic_is_leap_year, BOOL_OUT, index(year))


def majority(a: bool, b: bool, c: bool) -> bool:
    """Whether at least two arguments are true (see :func:`ffibench.pure.basic.majority`)."""
    function = lib.ffibench_basic_majority
    return call(function, BOOL_OUT, as_bool(a, "a"), as_bool(b, "b"), as_bool(c, "c"))
