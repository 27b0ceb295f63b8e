//! Criterion benches of scenario 1, `basic`: the core functions with no boundary at all.
//!
//! Ids and inputs mirror `python/ffibench/scenarios/basic.py` (`basic/<operation>[/<size>]`),
//! so `ffibench run --criterion target/criterion` can set the Rust-native time beside each
//! backend's and the report can show what share of a call is the boundary. Every bench checks
//! its answer before it times.

#![expect(clippy::unwrap_used, reason = "a bench stops loudly on a wrong answer")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ffibench_core::basic;

/// The text every string operation runs on, cycled to the size; shared with the Python side.
const PHRASE: &str = include_str!("../../../python/ffibench/scenarios/data/phrase.txt");
/// Sizes of the string operations, in code points (the Python registry's `TEXT_SIZES`).
const TEXT_SIZES: [usize; 3] = [10, 1_000, 100_000];
/// Limits of `count_primes` and their known prime counts (the registry's `SIEVE_LIMITS`).
const SIEVE_LIMITS: [(i64, i64); 3] = [(1_000, 168), (100_000, 9_592), (10_000_000, 664_579)];

/// A text operation reduced to a number, so every case has one type.
type TextBench = fn(&str) -> usize;

fn text(size: usize) -> String {
    PHRASE.chars().cycle().take(size).collect()
}

fn scalars(c: &mut Criterion) {
    let mut group = c.benchmark_group("basic");
    assert_eq!(basic::identity(123_456_789), 123_456_789);
    group.bench_function("identity", |b| {
        b.iter(|| basic::identity(black_box(123_456_789)))
    });
    assert_eq!(basic::add(1 << 40, 7), Ok((1 << 40) + 7));
    group.bench_function("add", |b| {
        b.iter(|| basic::add(black_box(1 << 40), black_box(7)))
    });
    assert_eq!(basic::fib(90), Ok(2_880_067_194_370_816_120));
    group.bench_function("fib", |b| b.iter(|| basic::fib(black_box(90))));
    let amount = basic::compound_interest(1000.0, 0.05, 30.0, 12).unwrap();
    assert!((amount - 4_467.744_314_006_109).abs() < 1e-6, "{amount}");
    group.bench_function("compound_interest", |b| {
        b.iter(|| {
            basic::compound_interest(
                black_box(1000.0),
                black_box(0.05),
                black_box(30.0),
                black_box(12),
            )
        })
    });
    let range = basic::projectile_range(27.5, 38.0);
    assert!((range - 74.825_362_687_178_84).abs() < 1e-9, "{range}");
    group.bench_function("projectile_range", |b| {
        b.iter(|| basic::projectile_range(black_box(27.5), black_box(38.0)))
    });
    assert!(basic::is_prime((1 << 61) - 1));
    group.bench_function("is_prime", |b| {
        b.iter(|| basic::is_prime(black_box((1 << 61) - 1)))
    });
    assert!(basic::is_leap_year(2024));
    group.bench_function("is_leap_year", |b| {
        b.iter(|| basic::is_leap_year(black_box(2024)))
    });
    assert!(basic::majority(true, false, true));
    group.bench_function("majority", |b| {
        b.iter(|| basic::majority(black_box(true), black_box(false), black_box(true)))
    });
    group.finish();
}

fn sieve(c: &mut Criterion) {
    let mut group = c.benchmark_group("basic");
    group.sample_size(10);
    for (limit, count) in SIEVE_LIMITS {
        assert_eq!(basic::count_primes(limit), Ok(count));
        group.bench_with_input(
            BenchmarkId::new("count_primes", limit),
            &limit,
            |b, &limit| b.iter(|| basic::count_primes(black_box(limit))),
        );
    }
    group.finish();
}

fn strings(c: &mut Criterion) {
    let mut group = c.benchmark_group("basic");
    for size in TEXT_SIZES {
        let input = text(size);
        // Independent checks: std agrees with the Unicode 14 tables on the phrase's characters.
        assert_eq!(basic::reverse(&basic::reverse(&input)), input);
        assert_eq!(basic::to_upper(&input), input.to_uppercase());
        let vowels = input.chars().filter(|c| "aeiouAEIOU".contains(*c)).count();
        assert_eq!(basic::count_vowels(&input), vowels);
        assert_eq!(basic::word_count(&input), input.split_whitespace().count());
        assert!(!basic::is_palindrome(&input));
        let cases: [(&str, TextBench); 5] = [
            ("reverse", |s| basic::reverse(s).len()),
            ("to_upper", |s| basic::to_upper(s).len()),
            ("count_vowels", basic::count_vowels),
            ("is_palindrome", |s| usize::from(basic::is_palindrome(s))),
            ("word_count", basic::word_count),
        ];
        for (name, operation) in cases {
            group.bench_with_input(BenchmarkId::new(name, size), input.as_str(), |b, s| {
                b.iter(|| operation(black_box(s)))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = scalars, sieve, strings
}
criterion_main!(benches);
