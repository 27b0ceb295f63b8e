"""Scenario 1, ``basic``: the specification of every basic function, in plain Python.

Every backend (``pyo3``, ``ctypes``, ``cffi``) must give exactly these answers and raise the same
exception classes. The rules common to all functions:

Integers
    Arguments declared ``int`` accept any object with ``__index__`` (``int``, ``bool``,
    ``numpy.int64``…) and nothing else: a ``float``, ``str`` or ``None`` raises ``TypeError``.
    Every value must fit a signed 64-bit integer (``-2**63 .. 2**63 - 1``); an argument or a
    result outside that range raises ``OverflowError``. Results are plain ``int``.
Floats
    Arguments declared ``float`` accept what ``float()`` accepts of a number: an object with
    ``__float__`` or ``__index__`` (``str`` and ``bytes`` are not numbers: ``TypeError``). An
    ``int`` too large for a double raises ``OverflowError``. NaN and infinities propagate as
    IEEE 754 says: no ``OverflowError`` or ``ValueError`` comes from float arithmetic. Every
    backend calls the same C library's ``pow`` and ``sin`` in the same order, so answers are
    identical in practice; the promise is a relative difference of at most ``FLOAT_RTOL``, with
    NaN equal to NaN and infinities equal in sign.
Strings
    Arguments declared ``str`` accept ``str`` and its subclasses only (``bytes``: ``TypeError``).
    Any Unicode goes, NUL and astral-plane characters included, except a lone surrogate
    (U+D800..U+DFFF): it has no UTF-8 encoding, Rust strings cannot hold one, and every function
    raises ``UnicodeEncodeError`` (a ``ValueError``) for it. Case mapping, case folding and the
    letter/digit classes are those of Unicode 14.0.0, CPython 3.11's ``unicodedata``.
Bools
    Arguments declared ``bool`` accept ``True``, ``False`` and ``numpy.bool_`` only; ``0``, ``1``
    and ``None`` raise ``TypeError`` (truthiness is not a boolean).
"""

from __future__ import annotations

import math
import operator

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
#: Largest ``limit`` that :func:`count_primes` accepts: its sieve holds one byte per number.
COUNT_PRIMES_MAX_LIMIT = 1_000_000_000
#: Standard gravity in m/s², used by :func:`projectile_range`.
STANDARD_GRAVITY = 9.80665
#: The largest relative difference between two backends' float answers.
FLOAT_RTOL = 1e-12

__all__ = [
    "COUNT_PRIMES_MAX_LIMIT",
    "FLOAT_RTOL",
    "I64_MAX",
    "I64_MIN",
    "STANDARD_GRAVITY",
    "add",
    "compound_interest",
    "count_primes",
    "count_vowels",
    "fib",
    "identity",
    "is_leap_year",
    "is_palindrome",
    "is_prime",
    "majority",
    "projectile_range",
    "reverse",
    "to_upper",
    "word_count",
]

# -- argument checks shared with the ctypes and cffi wrappers ------------------------------------


def shown_int(number: int, most_bits: int = 2048) -> str:
    """``number`` for a message: its digits, or its size past ``most_bits`` (2048 bits is 617
    digits, below the least limit Python may set on converting an int to text, whose
    ``ValueError`` would otherwise replace the error being raised)."""
    bits = number.bit_length()
    return str(number) if bits <= most_bits else f"an int of {bits} bits"


def as_i64(value: object, name: str) -> int:
    """Return ``value`` as a plain int in the signed 64-bit range, or raise as the spec says."""
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None
    if not I64_MIN <= number <= I64_MAX:
        raise OverflowError(f"{name} = {shown_int(number)} is out of the signed 64-bit range")
    return number


def as_f64(value: object, name: str) -> float:
    """Return ``value`` as a float, accepting numbers only (as ``PyFloat_AsDouble`` does: a
    ``float`` subclass is read as the value it holds, its own ``__float__`` takes no part)."""
    if type(value) is float:
        return value  # type: ignore[return-value]
    if isinstance(value, float):
        return float.__float__(value)
    kind = type(value)
    if isinstance(value, str | bytes):  # NumPy's str_ and bytes_ have a __float__ that parses
        raise TypeError(f"{name} must be a real number, not {kind.__name__}")
    if hasattr(kind, "__float__"):  # str and bytes have none: float("1") parses, we don't
        return float(value)  # type: ignore[arg-type]
    if hasattr(kind, "__index__"):
        return float(operator.index(value))  # type: ignore[arg-type]  # OverflowError past a double
    raise TypeError(f"{name} must be a real number, not {kind.__name__}")


def check_str(value: object, name: str) -> str:
    """Return ``value`` as an exact ``str`` if it is a str that UTF-8 can encode, else raise as
    the spec says. A subclass of ``str`` is read as the text it holds: its own ``encode``,
    ``__len__`` or ``upper`` take no part, as in every backend."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    value = str.__str__(value)
    if not value.isascii():
        value.encode("utf-8")  # UnicodeEncodeError for a lone surrogate
    return value


def as_bool(value: object, name: str) -> bool:
    """Return ``value`` as a bool; only ``bool`` and ``numpy.bool_`` are booleans."""
    if value is True or value is False:
        return value  # type: ignore[return-value]
    kind = type(value)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool"):
        return bool(value)
    raise TypeError(f"{name} must be bool, not {kind.__name__}")


def _checked(result: int, operation: str) -> int:
    if not I64_MIN <= result <= I64_MAX:
        raise OverflowError(f"{operation}: the result is out of the signed 64-bit range")
    return result


# -- integers ------------------------------------------------------------------------------------


def identity(x: int) -> int:
    """Return ``x`` unchanged: the cost of one call and nothing else.

    Examples
    --------
    >>> identity(42)
    42
    """
    return as_i64(x, "x")


def add(a: int, b: int) -> int:
    """Return ``a + b``; a sum outside the signed 64-bit range raises ``OverflowError``.

    Examples
    --------
    >>> add(2, 3)
    5
    """
    return _checked(as_i64(a, "a") + as_i64(b, "b"), "add")


def fib(n: int) -> int:
    """Return the ``n``-th Fibonacci number, ``fib(0) == 0``, ``fib(1) == 1``, by iteration.

    ``n < 0`` raises ``ValueError``; ``n >= 93`` overflows 64 bits and raises ``OverflowError``.

    Examples
    --------
    >>> fib(10)
    55
    """
    n = as_i64(n, "n")
    if n < 0:
        raise ValueError(f"fib: n must be >= 0, got {n}")
    if n == 0:
        return 0
    previous, current = 0, 1
    for _ in range(n - 1):
        previous, current = current, _checked(previous + current, "fib")
    return current


def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` with the sieve of Eratosthenes.

    This is the loop a newcomer writes: a list of flags, crossing out multiples from ``p * p``.
    ``limit < 0`` and ``limit > COUNT_PRIMES_MAX_LIMIT`` raise ``ValueError``.

    Examples
    --------
    >>> count_primes(100)
    25
    """
    limit = as_i64(limit, "limit")
    _check_sieve_limit(limit)
    if limit < 2:
        return 0
    is_prime = [True] * limit
    is_prime[0] = is_prime[1] = False
    p = 2
    while p * p < limit:
        if is_prime[p]:
            for multiple in range(p * p, limit, p):
                is_prime[multiple] = False
        p += 1
    return sum(is_prime)


def _check_sieve_limit(limit: int) -> None:
    if limit < 0:
        raise ValueError(f"count_primes: limit must be >= 0, got {limit}")
    if limit > COUNT_PRIMES_MAX_LIMIT:
        raise ValueError(
            f"count_primes: limit {limit} is above the largest sieve, {COUNT_PRIMES_MAX_LIMIT}"
        )


# -- floats --------------------------------------------------------------------------------------


def _is_odd_integer(x: float) -> bool:
    return math.isfinite(x) and x == math.floor(x) and math.fmod(x, 2.0) != 0.0


def _pow(base: float, exponent: float) -> float:
    """C's ``pow``: ``math.pow`` raises where IEEE 754 gives an infinity or a NaN."""
    try:
        return math.pow(base, exponent)
    except OverflowError:  # finite operands, result too large
        return -math.inf if base < 0 and _is_odd_integer(exponent) else math.inf
    except ValueError:
        if base == 0.0:  # zero to a negative power: a pole
            negative = math.copysign(1.0, base) < 0 and _is_odd_integer(exponent)
            return -math.inf if negative else math.inf
        return math.nan  # negative base, non-integer exponent


def compound_interest(principal: float, rate: float, years: float, periods: int) -> float:
    """Return ``principal * (1 + rate / periods) ** (periods * years)``, the compounded amount.

    ``rate`` is the yearly rate (0.05 for 5 %), compounded ``periods`` times a year
    (``periods >= 1``, else ``ValueError``). Evaluated exactly in this order, with C's ``pow``:
    NaN and infinities propagate, an overflow gives ``inf``.

    Examples
    --------
    >>> round(compound_interest(1000.0, 0.05, 10.0, 12), 2)
    1647.01
    """
    principal = as_f64(principal, "principal")
    rate = as_f64(rate, "rate")
    years = as_f64(years, "years")
    periods = as_i64(periods, "periods")
    if periods < 1:
        raise ValueError(f"compound_interest: periods must be >= 1, got {periods}")
    count = float(periods)
    return principal * _pow(1.0 + rate / count, count * years)


def projectile_range(speed: float, angle_deg: float) -> float:
    """Return the range in metres of a projectile on flat ground, without drag.

    ``speed * speed * sin(2 * radians(angle_deg)) / STANDARD_GRAVITY``, evaluated in that order;
    ``radians(x)`` is ``x * (pi / 180)``. ``sin`` of an infinity is NaN.

    Examples
    --------
    >>> round(projectile_range(10.0, 45.0), 6)
    10.197162
    """
    speed = as_f64(speed, "speed")
    angle = 2.0 * (as_f64(angle_deg, "angle_deg") * (math.pi / 180.0))
    sine = math.nan if math.isinf(angle) else math.sin(angle)
    return speed * speed * sine / STANDARD_GRAVITY


# -- strings -------------------------------------------------------------------------------------


def reverse(s: str) -> str:
    """Return ``s`` reversed code point by code point (combining marks are not kept together).

    Examples
    --------
    >>> reverse("abc")
    'cba'
    """
    return check_str(s, "s")[::-1]


def to_upper(s: str) -> str:
    """Return ``s`` in upper case by the full Unicode 14.0 mapping (``'ß'`` becomes ``'SS'``).

    Examples
    --------
    >>> to_upper("straße")
    'STRASSE'
    """
    return check_str(s, "s").upper()


_VOWELS = frozenset("aeiouAEIOU")


def count_vowels(s: str) -> int:
    """Count the ASCII vowels ``aeiou`` of ``s`` in either case; ``'é'`` is not counted.

    Examples
    --------
    >>> count_vowels("Education")
    5
    """
    count = 0
    for char in check_str(s, "s"):
        if char in _VOWELS:
            count += 1
    return count


def is_palindrome(s: str) -> bool:
    """Whether ``s`` reads the same both ways, counting letters and digits only, case-folded.

    Letters and digits are the characters for which ``str.isalnum()`` is true; they are kept,
    then case-folded (``str.casefold``), then compared with their reverse. An empty or
    punctuation-only string is a palindrome.

    Examples
    --------
    >>> is_palindrome("A man, a plan, a canal: Panama")
    True
    """
    kept = "".join([char for char in check_str(s, "s") if char.isalnum()]).casefold()
    return kept == kept[::-1]


def word_count(s: str) -> int:
    """Count the words of ``s``: runs of characters between whitespace, as ``str.split()`` does.

    Whitespace is the Unicode White_Space property plus the ASCII separators U+001C..U+001F.

    Examples
    --------
    >>> word_count("  hello   world ")
    2
    """
    return len(check_str(s, "s").split())


# -- bools ---------------------------------------------------------------------------------------

_MILLER_RABIN_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)


def is_prime(n: int) -> bool:
    """Whether ``n`` is prime; negative numbers, 0 and 1 are not.

    Deterministic Miller-Rabin with the first twelve primes as bases, exact for all 64-bit ``n``.

    Examples
    --------
    >>> is_prime(97)
    True
    """
    n = as_i64(n, "n")
    if n < 2:
        return False
    for p in _MILLER_RABIN_BASES:
        if n % p == 0:
            return n == p
    d, shifts = n - 1, 0
    while d % 2 == 0:
        d //= 2
        shifts += 1
    for base in _MILLER_RABIN_BASES:
        x = pow(base, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(shifts - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def is_leap_year(year: int) -> bool:
    """Whether ``year`` is a leap year of the proleptic Gregorian calendar (year 0 is one).

    Examples
    --------
    >>> is_leap_year(2024), is_leap_year(1900), is_leap_year(2000)
    (True, False, True)
    """
    year = as_i64(year, "year")
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def majority(a: bool, b: bool, c: bool) -> bool:
    """Whether at least two of ``a``, ``b``, ``c`` are true.

    Examples
    --------
    >>> majority(True, False, True)
    True
    """
    a, b, c = as_bool(a, "a"), as_bool(b, "b"), as_bool(c, "c")
    return (a and b) or (a and c) or (b and c)
