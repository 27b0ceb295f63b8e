//! Scenario 1, `basic`: small functions of ints, floats, strings and bools, and one heavy loop.
//!
//! The semantics are those of the pure-Python spec, `python/ffibench/pure/basic.py`: signed 64-bit
//! integers with overflow reported, IEEE 754 floats through the C library's `pow` and `sin`, and
//! the Unicode 14.0 case mapping, case folding and letter/digit classes of CPython 3.11 (see
//! [`unicode_tables`] for why the standard library's own are not used).

mod unicode_tables;

use crate::{CoreError, CoreResult};
use unicode_tables::{
    ALNUM_BLOCKS, ALNUM_INDEX, CASEFOLD_BLOCKS, CASEFOLD_INDEX, CASEFOLD_MAPPINGS, UPPER_BLOCKS,
    UPPER_INDEX, UPPER_MAPPINGS,
};

/// The largest `limit` that [`count_primes`] accepts: its sieve holds one byte per number.
pub const COUNT_PRIMES_MAX_LIMIT: i64 = 1_000_000_000;

/// Standard gravity in m/s², used by [`projectile_range`].
pub const STANDARD_GRAVITY: f64 = 9.806_65;

/// The Unicode version of the case tables, which must match the Python spec's.
pub const UNICODE_VERSION: &str = unicode_tables::UNICODE_VERSION;

// -- integers ------------------------------------------------------------------------------------

/// Returns `x` unchanged: a call that measures nothing but the call.
#[inline(never)]
pub fn identity(x: i64) -> i64 {
    x
}

/// Returns `a + b`, or [`CoreError::Overflow`] when the sum leaves the `i64` range.
pub fn add(a: i64, b: i64) -> CoreResult<i64> {
    a.checked_add(b).ok_or_else(|| {
        CoreError::Overflow("add: the result is out of the signed 64-bit range".into())
    })
}

/// Returns the `n`-th Fibonacci number (`fib(0) == 0`, `fib(1) == 1`), by iteration.
///
/// `n < 0` is [`CoreError::InvalidValue`]; `n >= 93` does not fit an `i64`: [`CoreError::Overflow`].
pub fn fib(n: i64) -> CoreResult<i64> {
    if n < 0 {
        return Err(CoreError::InvalidValue(format!(
            "fib: n must be >= 0, got {n}"
        )));
    }
    if n == 0 {
        return Ok(0);
    }
    let (mut previous, mut current) = (0_i64, 1_i64);
    for _ in 1..n {
        let next = previous.checked_add(current).ok_or_else(|| {
            CoreError::Overflow("fib: the result is out of the signed 64-bit range".into())
        })?;
        previous = current;
        current = next;
    }
    Ok(current)
}

/// Odd numbers per segment of the sieve: 32 KiB of flags, the size of a typical L1 data cache.
const SIEVE_SEGMENT: usize = 32 * 1024;

/// Counts the primes below `limit` with the sieve of Eratosthenes.
///
/// The sieve keeps odd numbers only and walks them in L1-sized segments, crossing out the
/// multiples of each base prime from its square: the same crossing-out as the textbook sieve,
/// with a working set of 32 KiB instead of `limit` bytes. `limit` must be in
/// `0..=COUNT_PRIMES_MAX_LIMIT` ([`CoreError::InvalidValue`] otherwise); a failed allocation is
/// [`CoreError::OutOfMemory`], never an abort.
pub fn count_primes(limit: i64) -> CoreResult<i64> {
    if limit < 0 {
        return Err(CoreError::InvalidValue(format!(
            "count_primes: limit must be >= 0, got {limit}"
        )));
    }
    if limit > COUNT_PRIMES_MAX_LIMIT {
        return Err(CoreError::InvalidValue(format!(
            "count_primes: limit {limit} is above the largest sieve, {COUNT_PRIMES_MAX_LIMIT}"
        )));
    }
    let limit = usize::try_from(limit)
        .map_err(|_| CoreError::InvalidValue("count_primes: limit does not fit usize".into()))?;
    if limit <= 2 {
        return Ok(0);
    }
    // Index i of the odd-only sieve stands for the number 2i + 1; the odd numbers below `limit`
    // are indices 0..limit / 2.
    let odd_count = limit / 2;
    let base_primes = odd_primes_up_to(limit.isqrt())?;
    let mut next: Vec<usize> = base_primes.iter().map(|&p| (p * p) / 2).collect();
    let segment_len = SIEVE_SEGMENT.min(odd_count);
    let mut segment: Vec<u8> = Vec::new();
    segment
        .try_reserve_exact(segment_len)
        .map_err(|_| CoreError::OutOfMemory { bytes: segment_len })?;
    segment.resize(segment_len, 1);
    let mut count = 1; // the even prime, 2
    let mut low = 0;
    while low < odd_count {
        let flags = &mut segment[..segment_len.min(odd_count - low)];
        flags.fill(1);
        for (&p, next) in base_primes.iter().zip(next.iter_mut()) {
            let mut index = *next - low;
            while index < flags.len() {
                flags[index] = 0;
                index += p;
            }
            *next = low + index;
        }
        if low == 0 {
            flags[0] = 0; // 1 is not prime
        }
        count += flags.iter().map(|&flag| usize::from(flag)).sum::<usize>();
        low += flags.len();
    }
    // A count of numbers below 10^9 always fits an i64.
    Ok(count as i64)
}

/// The odd primes up to `bound` inclusive, by a plain sieve (`bound` is at most ~31 623).
fn odd_primes_up_to(bound: usize) -> CoreResult<Vec<usize>> {
    let mut is_prime: Vec<bool> = Vec::new();
    is_prime
        .try_reserve_exact(bound + 1)
        .map_err(|_| CoreError::OutOfMemory { bytes: bound + 1 })?;
    is_prime.resize(bound + 1, true);
    let mut primes = Vec::new();
    for p in (3..=bound).step_by(2) {
        if is_prime[p] {
            primes.push(p);
            if let Some(multiples) = is_prime.get_mut(p * p..) {
                multiples
                    .iter_mut()
                    .step_by(2 * p)
                    .for_each(|flag| *flag = false);
            }
        }
    }
    Ok(primes)
}

// -- floats --------------------------------------------------------------------------------------

/// Returns `principal * (1 + rate / periods) ^ (periods * years)`, evaluated in that order.
///
/// `periods < 1` is [`CoreError::InvalidValue`]; NaN and infinities propagate as IEEE 754 says.
pub fn compound_interest(principal: f64, rate: f64, years: f64, periods: i64) -> CoreResult<f64> {
    if periods < 1 {
        return Err(CoreError::InvalidValue(format!(
            "compound_interest: periods must be >= 1, got {periods}"
        )));
    }
    // Round to nearest, as Python's int-to-float conversion does.
    let count = periods as f64;
    Ok(principal * (1.0 + rate / count).powf(count * years))
}

/// Returns the range in metres of a projectile on flat ground without drag.
///
/// `speed * speed * sin(2 * (angle_deg * (pi / 180))) / STANDARD_GRAVITY`, in that order.
pub fn projectile_range(speed: f64, angle_deg: f64) -> f64 {
    let angle = 2.0 * (angle_deg * (std::f64::consts::PI / 180.0));
    speed * speed * angle.sin() / STANDARD_GRAVITY
}

// -- strings -------------------------------------------------------------------------------------

/// Returns `s` reversed code point by code point.
///
/// Works on bytes: reverses them all (a loop the compiler vectorises), then puts the bytes of
/// each multi-byte character back in order. On the mixed-script benchmark text this takes
/// about 30% less time than decoding and re-encoding every character, as
/// `s.chars().rev().collect()` does.
pub fn reverse(s: &str) -> String {
    let mut bytes = s.as_bytes().to_vec();
    bytes.reverse();
    if !s.is_ascii() {
        // Each character now ends with its lead byte, after its continuation bytes (10xxxxxx).
        let mut index = 0;
        while index < bytes.len() {
            if bytes[index] & 0xC0 != 0x80 {
                index += 1; // an ASCII byte, in place already
                continue;
            }
            let mut lead = index + 1;
            while bytes.get(lead).is_some_and(|&b| b & 0xC0 == 0x80) {
                lead += 1;
            }
            // Two to four bytes: swap the outer pair, and the inner pair of a four-byte one.
            bytes.swap(index, lead);
            if lead - index == 3 {
                bytes.swap(index + 1, lead - 1);
            }
            index = lead + 1;
        }
    }
    // Only fails if the loop above were wrong; the valid reversal is then still returned.
    String::from_utf8(bytes).unwrap_or_else(|_| s.chars().rev().collect())
}

/// One code point's entry in a two-level table: the row of its block of 128, then the entry.
fn two_level<T: Copy, const N: usize>(index: &[u8], blocks: &[[T; N]], c: char) -> T {
    let code = c as usize;
    blocks[usize::from(index[code / N])][code % N]
}

/// The full mapping of `c` in a table of mappings (each `'\0'`-padded), if it has one.
fn mapping<const N: usize>(
    index: &[u8],
    blocks: &[[u16; N]],
    mappings: &'static [[char; 3]],
    c: char,
) -> Option<impl Iterator<Item = char>> {
    let entry = usize::from(two_level(index, blocks, c));
    let row = mappings.get(entry.checked_sub(1)?)?;
    Some(row.iter().copied().take_while(|&m| m != '\0'))
}

/// Returns `s` in upper case by the full Unicode 14.0 mapping (`ß` becomes `SS`).
pub fn to_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_uppercase());
        } else if let Some(upper) = mapping(&UPPER_INDEX, &UPPER_BLOCKS, &UPPER_MAPPINGS, c) {
            out.extend(upper);
        } else {
            out.push(c);
        }
    }
    out
}

/// Counts the ASCII vowels `aeiou` of `s` in either case.
pub fn count_vowels(s: &str) -> usize {
    // UTF-8 continuation and lead bytes are never ASCII, so bytes can be counted directly.
    s.bytes()
        .filter(|b| {
            matches!(
                b,
                b'a' | b'e' | b'i' | b'o' | b'u' | b'A' | b'E' | b'I' | b'O' | b'U'
            )
        })
        .count()
}

fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    two_level(&ALNUM_INDEX, &ALNUM_BLOCKS, c) != 0
}

/// Whether `s` reads the same both ways, counting letters and digits only, case-folded.
///
/// Letters and digits are those of Python's `str.isalnum`; each is folded by the full Unicode 14.0
/// case folding (`str.casefold`) before the comparison.
pub fn is_palindrome(s: &str) -> bool {
    let mut folded: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars().filter(|&c| is_alphanumeric(c)) {
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
        } else if let Some(fold) = mapping(&CASEFOLD_INDEX, &CASEFOLD_BLOCKS, &CASEFOLD_MAPPINGS, c)
        {
            folded.extend(fold);
        } else {
            folded.push(c);
        }
    }
    folded.iter().eq(folded.iter().rev())
}

/// Whether `c` separates words as in Python's `str.split()`: White_Space plus U+001C..U+001F.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Counts the words of `s`: runs of characters between whitespace, as `str.split()` does.
pub fn word_count(s: &str) -> usize {
    s.split(is_python_whitespace)
        .filter(|word| !word.is_empty())
        .count()
}

// -- bools ---------------------------------------------------------------------------------------

const MILLER_RABIN_BASES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

fn multiply_mod(a: u64, b: u64, modulus: u64) -> u64 {
    // The remainder is below `modulus`, so it fits a u64.
    ((u128::from(a) * u128::from(b)) % u128::from(modulus)) as u64
}

fn power_mod(mut base: u64, mut exponent: u64, modulus: u64) -> u64 {
    let mut result = 1 % modulus;
    base %= modulus;
    while exponent > 0 {
        if exponent & 1 == 1 {
            result = multiply_mod(result, base, modulus);
        }
        base = multiply_mod(base, base, modulus);
        exponent >>= 1;
    }
    result
}

/// Whether `n` is prime, by deterministic Miller-Rabin (exact for every 64-bit `n`).
pub fn is_prime(n: i64) -> bool {
    let Ok(n) = u64::try_from(n) else {
        return false;
    };
    if n < 2 {
        return false;
    }
    for p in MILLER_RABIN_BASES {
        if n % p == 0 {
            return n == p;
        }
    }
    let shifts = (n - 1).trailing_zeros();
    let d = (n - 1) >> shifts;
    'bases: for base in MILLER_RABIN_BASES {
        let mut x = power_mod(base, d, n);
        if x == 1 || x == n - 1 {
            continue;
        }
        for _ in 1..shifts {
            x = multiply_mod(x, x, n);
            if x == n - 1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// Whether `year` is a leap year of the proleptic Gregorian calendar.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Whether at least two of `a`, `b`, `c` are true.
pub fn majority(a: bool, b: bool, c: bool) -> bool {
    (a && (b || c)) || (b && c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_i64_semantics() {
        assert_eq!(identity(i64::MIN), i64::MIN);
        assert_eq!(add(2, 3), Ok(5));
        assert!(matches!(add(i64::MAX, 1), Err(CoreError::Overflow(_))));
        assert_eq!(add(i64::MIN, i64::MAX), Ok(-1));
        assert_eq!(fib(0), Ok(0));
        assert_eq!(fib(1), Ok(1));
        assert_eq!(fib(10), Ok(55));
        assert_eq!(fib(92), Ok(7_540_113_804_746_346_429));
        assert!(matches!(fib(93), Err(CoreError::Overflow(_))));
        assert!(matches!(fib(i64::MAX), Err(CoreError::Overflow(_))));
        assert!(matches!(fib(-1), Err(CoreError::InvalidValue(_))));
    }

    #[test]
    fn sieve_counts_known_values() {
        let expected = [0, 0, 0, 1, 2, 2, 3, 3, 4, 4, 4];
        for (limit, count) in expected.iter().enumerate() {
            assert_eq!(count_primes(limit as i64), Ok(*count), "limit {limit}");
        }
        assert_eq!(count_primes(1_000_000), Ok(78_498));
        assert_eq!(count_primes(10_000_000), Ok(664_579));
        // Across segment edges, against the textbook sieve.
        let mut textbook = vec![true; 200_000];
        textbook[0] = false;
        textbook[1] = false;
        for p in 2..450 {
            if textbook[p] {
                (p * p..200_000)
                    .step_by(p)
                    .for_each(|m| textbook[m] = false);
            }
        }
        let mut below = vec![0_i64; 200_001]; // below[n]: primes below n
        for n in 1..=200_000 {
            below[n] = below[n - 1] + i64::from(textbook[n - 1]);
        }
        let near_edge = |n: usize| (1..=4).any(|k| n.abs_diff(2 * k * SIEVE_SEGMENT) <= 3);
        for limit in (0..=200_000).filter(|&n| n < 3_000 || n % 997 == 0 || near_edge(n)) {
            assert_eq!(
                count_primes(limit as i64),
                Ok(below[limit]),
                "limit {limit}"
            );
        }
        assert!(matches!(count_primes(-1), Err(CoreError::InvalidValue(_))));
        assert!(matches!(
            count_primes(COUNT_PRIMES_MAX_LIMIT + 1),
            Err(CoreError::InvalidValue(_))
        ));
    }

    #[test]
    fn floats_propagate_ieee_values() {
        let amount = compound_interest(1000.0, 0.05, 10.0, 12).unwrap();
        assert!((amount - 1_647.009_497_690_28).abs() < 1e-9);
        assert_eq!(compound_interest(1e300, 1e10, 1e10, 1), Ok(f64::INFINITY));
        assert!(compound_interest(1.0, -3.0, 0.5, 1).unwrap().is_nan());
        assert!(matches!(
            compound_interest(1.0, 0.1, 1.0, 0),
            Err(CoreError::InvalidValue(_))
        ));
        assert!((projectile_range(10.0, 45.0) - 10.197_162_129_779_283).abs() < 1e-12);
        assert!(projectile_range(1.0, f64::INFINITY).is_nan());
    }

    #[test]
    fn strings_follow_python() {
        assert_eq!(reverse("a𝔘b\0"), "\0b𝔘a");
        assert_eq!(to_upper("straße ǅ ﬁ"), "STRASSE Ǆ FI");
        assert_eq!(count_vowels("Éducation AEIOU"), 9);
        assert!(is_palindrome("A man, a plan, a canal: Panama"));
        assert!(is_palindrome("Straße ssartS"));
        assert!(is_palindrome(""));
        assert!(!is_palindrome("ab"));
        assert_eq!(word_count("  hello\u{1c}world\u{3000}!  "), 3);
        assert_eq!(word_count(""), 0);
        assert_eq!(UNICODE_VERSION, "14.0.0");
    }

    #[test]
    fn bools() {
        let small: Vec<i64> = (0..50).filter(|&n| is_prime(n)).collect();
        assert_eq!(
            small,
            [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47]
        );
        assert!(is_prime(i64::MAX - 24));
        assert!(!is_prime(i64::MAX));
        assert!(!is_prime(-7));
        assert!(!is_prime(3_215_031_751)); // a strong pseudoprime to bases 2, 3, 5 and 7
        assert!(is_leap_year(2000) && is_leap_year(0) && is_leap_year(-4));
        assert!(!is_leap_year(1900) && !is_leap_year(2023));
        assert!(majority(true, true, false) && !majority(true, false, false));
    }
}
