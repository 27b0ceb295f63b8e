"""Scenario 1 in pure Python: the specification itself, :mod:`ffibench.pure.basic`."""

from ffibench.pure.basic import (
    add,
    compound_interest,
    count_primes,
    count_vowels,
    fib,
    identity,
    is_leap_year,
    is_palindrome,
    is_prime,
    majority,
    projectile_range,
    reverse,
    to_upper,
    word_count,
)

__all__ = [
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
