//! Scenario 1, `basic`, through the C ABI: `ffibench_basic_<operation>`.
//!
//! Every function but `ffibench_basic_identity` returns a status and writes its result through
//! `out`. String arguments are UTF-8 pointer + byte length.

use std::ffi::c_char;

use ffibench_core::basic;

use crate::error::Failure;
use crate::{FfiString, Status, guard, store, text};

/// Returns `x`: the bare cost of a call, so it has no status and cannot fail.
#[unsafe(no_mangle)]
pub extern "C" fn ffibench_basic_identity(x: i64) -> i64 {
    basic::identity(x)
}

/// Writes `a + b` to `out`; `FFIBENCH_STATUS_OVERFLOW` when it leaves the int64 range.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_add(a: i64, b: i64, out: *mut i64) -> Status {
    guard(|| store(out, basic::add(a, b)?))
}

/// Writes the `n`-th Fibonacci number to `out`: `INVALID_VALUE` for `n < 0`, `OVERFLOW` from 93 on.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_fib(n: i64, out: *mut i64) -> Status {
    guard(|| store(out, basic::fib(n)?))
}

/// Writes the number of primes below `limit` (0 ..= 10^9) to `out`, by the sieve of Eratosthenes.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_count_primes(limit: i64, out: *mut i64) -> Status {
    guard(|| store(out, basic::count_primes(limit)?))
}

/// Writes `principal * (1 + rate / periods) ^ (periods * years)` to `out`; `periods >= 1`.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `double`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_compound_interest(
    principal: f64,
    rate: f64,
    years: f64,
    periods: i64,
    out: *mut f64,
) -> Status {
    guard(|| {
        store(
            out,
            basic::compound_interest(principal, rate, years, periods)?,
        )
    })
}

/// Writes the flat-ground range in metres of a projectile without drag to `out`.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `double`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_projectile_range(
    speed: f64,
    angle_deg: f64,
    out: *mut f64,
) -> Status {
    guard(|| store(out, basic::projectile_range(speed, angle_deg)))
}

/// Writes `s` reversed by code point to `out`, a string the caller frees.
///
/// # Safety
///
/// `s` must point to `len` readable bytes (or be NULL with `len == 0`); `out` must be NULL or
/// point to a writable `ffibench_string`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_reverse(
    s: *const c_char,
    len: usize,
    out: *mut FfiString,
) -> Status {
    guard(|| {
        if out.is_null() {
            // Before the work: a string made for no one to receive would be leaked.
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: `s` and `len` are as this function's contract requires.
        let s = unsafe { text(s, len) }?;
        store(out, FfiString::from(basic::reverse(s)))
    })
}

/// Writes `s` in upper case (full Unicode 14.0 mapping) to `out`, a string the caller frees.
///
/// # Safety
///
/// As [`ffibench_basic_reverse`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_to_upper(
    s: *const c_char,
    len: usize,
    out: *mut FfiString,
) -> Status {
    guard(|| {
        if out.is_null() {
            // Before the work: a string made for no one to receive would be leaked.
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: `s` and `len` are as this function's contract requires.
        let s = unsafe { text(s, len) }?;
        store(out, FfiString::from(basic::to_upper(s)))
    })
}

/// Writes the count of ASCII vowels of `s` to `out`.
///
/// # Safety
///
/// `s` as in [`ffibench_basic_reverse`]; `out` must be NULL or point to a writable `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_count_vowels(
    s: *const c_char,
    len: usize,
    out: *mut i64,
) -> Status {
    guard(|| {
        // SAFETY: `s` and `len` are as this function's contract requires.
        let s = unsafe { text(s, len) }?;
        store(out, count(basic::count_vowels(s)))
    })
}

/// Writes whether `s` is a palindrome of its case-folded letters and digits to `out`.
///
/// # Safety
///
/// `s` as in [`ffibench_basic_reverse`]; `out` must be NULL or point to a writable `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_is_palindrome(
    s: *const c_char,
    len: usize,
    out: *mut bool,
) -> Status {
    guard(|| {
        // SAFETY: `s` and `len` are as this function's contract requires.
        let s = unsafe { text(s, len) }?;
        store(out, basic::is_palindrome(s))
    })
}

/// Writes the number of whitespace-separated words of `s` to `out`.
///
/// # Safety
///
/// `s` as in [`ffibench_basic_reverse`]; `out` must be NULL or point to a writable `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_word_count(
    s: *const c_char,
    len: usize,
    out: *mut i64,
) -> Status {
    guard(|| {
        // SAFETY: `s` and `len` are as this function's contract requires.
        let s = unsafe { text(s, len) }?;
        store(out, count(basic::word_count(s)))
    })
}

/// Writes whether `n` is prime to `out`.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_is_prime(n: i64, out: *mut bool) -> Status {
    guard(|| store(out, basic::is_prime(n)))
}

/// Writes whether `year` is a leap year of the proleptic Gregorian calendar to `out`.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_is_leap_year(year: i64, out: *mut bool) -> Status {
    guard(|| store(out, basic::is_leap_year(year)))
}

/// Writes whether at least two of `a`, `b`, `c` are true to `out`.
///
/// # Safety
///
/// `out` must be NULL or point to a writable `bool`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_basic_majority(
    a: bool,
    b: bool,
    c: bool,
    out: *mut bool,
) -> Status {
    guard(|| store(out, basic::majority(a, b, c)))
}

/// A count of bytes of a Rust string always fits an `i64` (allocations are at most `isize::MAX`).
fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
