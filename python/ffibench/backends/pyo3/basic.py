"""Scenario 1 through PyO3: the functions of the native module, with no Python in between."""

from ffibench._native import basic as _native

identity = _native.identity
add = _native.add
fib = _native.fib
count_primes = _native.count_primes
compound_interest = _native.compound_interest
projectile_range = _native.projectile_range
reverse = _native.reverse
to_upper = _native.to_upper
count_vowels = _native.count_vowels
is_palindrome = _native.is_palindrome
word_count = _native.word_count
is_prime = _native.is_prime
is_leap_year = _native.is_leap_year
majority = _native.majority

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
