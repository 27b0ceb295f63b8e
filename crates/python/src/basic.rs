//! Scenario 1, `basic`, as the submodule `ffibench._native.basic`.
//!
//! Argument conversion is PyO3's own: `i64` takes any object with `__index__` and raises
//! `OverflowError` outside the range, `f64` takes numbers through `PyFloat_AsDouble`, `&str`
//! borrows the string's UTF-8 (a lone surrogate raises `UnicodeEncodeError`) and `bool` takes
//! `bool` and `numpy.bool_` only. Exactly the spec's rules, with no extra code.

use pyo3::prelude::*;

/// Scenario 1: ints, floats, strings and bools across PyO3.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod basic {
    use ffibench_core::basic as core;
    use pyo3::prelude::*;

    use crate::error::PyCoreError;

    type Result<T> = std::result::Result<T, PyCoreError>;

    /// Return ``x`` unchanged: the cost of one call.
    #[pyfunction]
    fn identity(x: i64) -> i64 {
        core::identity(x)
    }

    /// Return ``a + b``; ``OverflowError`` outside the signed 64-bit range.
    #[pyfunction]
    fn add(a: i64, b: i64) -> Result<i64> {
        Ok(core::add(a, b)?)
    }

    /// Return the ``n``-th Fibonacci number; ``ValueError`` for ``n < 0``.
    #[pyfunction]
    fn fib(n: i64) -> Result<i64> {
        Ok(core::fib(n)?)
    }

    /// Count the primes below ``limit`` by the sieve of Eratosthenes, without holding the GIL.
    #[pyfunction]
    fn count_primes(py: Python<'_>, limit: i64) -> Result<i64> {
        Ok(py.detach(|| core::count_primes(limit))?)
    }

    /// Return ``principal * (1 + rate / periods) ** (periods * years)``.
    #[pyfunction]
    fn compound_interest(principal: f64, rate: f64, years: f64, periods: i64) -> Result<f64> {
        Ok(core::compound_interest(principal, rate, years, periods)?)
    }

    /// Return the flat-ground range in metres of a projectile without drag.
    #[pyfunction]
    fn projectile_range(speed: f64, angle_deg: f64) -> f64 {
        core::projectile_range(speed, angle_deg)
    }

    /// Return ``s`` reversed by code point.
    #[pyfunction]
    fn reverse(s: &str) -> String {
        core::reverse(s)
    }

    /// Return ``s`` in upper case (full Unicode 14.0 mapping).
    #[pyfunction]
    fn to_upper(s: &str) -> String {
        core::to_upper(s)
    }

    /// Count the ASCII vowels of ``s``.
    #[pyfunction]
    fn count_vowels(s: &str) -> usize {
        core::count_vowels(s)
    }

    /// Whether ``s`` is a palindrome of its case-folded letters and digits.
    #[pyfunction]
    fn is_palindrome(s: &str) -> bool {
        core::is_palindrome(s)
    }

    /// Count the whitespace-separated words of ``s``.
    #[pyfunction]
    fn word_count(s: &str) -> usize {
        core::word_count(s)
    }

    /// Whether ``n`` is prime.
    #[pyfunction]
    fn is_prime(n: i64) -> bool {
        core::is_prime(n)
    }

    /// Whether ``year`` is a leap year of the proleptic Gregorian calendar.
    #[pyfunction]
    fn is_leap_year(year: i64) -> bool {
        core::is_leap_year(year)
    }

    /// Whether at least two of ``a``, ``b``, ``c`` are true.
    #[pyfunction]
    fn majority(a: bool, b: bool, c: bool) -> bool {
        core::majority(a, b, c)
    }
}
