//! Criterion benches of scenario 3, `arrays`: the core statistics with no boundary at all.
//!
//! Ids are `arrays/<function>/<size>`; the report sets each beside both `<function>:list` and
//! `<function>:array` of the Python run. The values are standard normal like the Python
//! inputs (not the same draws: NumPy's generator is not reproduced here, and none of these
//! operations depends on the draws beyond the share above the threshold).

#![expect(clippy::unwrap_used, reason = "a bench stops loudly on a wrong answer")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ffibench_core::arrays;

/// Every size of the Python registry's full run (`FINE_SIZES`, `SIZES` and the lists' in
/// `python/ffibench/scenarios/arrays.py`).
const SIZES: [usize; 6] = [10, 100, 1_000, 100_000, 1_000_000, 10_000_000];
/// The threshold of `filter_greater` (`THRESHOLD` there).
const THRESHOLD: f64 = 0.5;

/// Standard normal values by Box-Muller over SplitMix64: deterministic and dependency-free.
fn normal_values(count: usize) -> Vec<f64> {
    let mut state: u64 = 20_261_125;
    let mut uniform = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    };
    (0..count)
        .map(|_| {
            let radius = (-2.0 * (1.0 - uniform()).ln()).sqrt();
            radius * (std::f64::consts::TAU * uniform()).cos()
        })
        .collect()
}

fn statistics(c: &mut Criterion) {
    let mut group = c.benchmark_group("arrays");
    for size in SIZES {
        let values = normal_values(size);
        // Check before timing: against plain loops that need no pairwise order.
        let naive: f64 = values.iter().sum();
        assert!(
            (arrays::sum(&values) - naive).abs()
                <= 1e-9 * values.iter().map(|x| x.abs()).sum::<f64>()
        );
        let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(arrays::min(&values), Ok(smallest));
        let kept = values.iter().filter(|&&x| x > THRESHOLD).count();
        assert_eq!(arrays::filter_greater(&values, THRESHOLD).len(), kept);
        let scores = arrays::normalize(&values).unwrap_or_default();
        assert!(arrays::mean(&scores).is_ok_and(|m| m.abs() < 1e-9));

        let id = |name: &str| BenchmarkId::new(name, size);
        let input = values.as_slice();
        group.bench_with_input(id("sum"), input, |b, v| {
            b.iter(|| arrays::sum(black_box(v)))
        });
        group.bench_with_input(id("mean"), input, |b, v| {
            b.iter(|| arrays::mean(black_box(v)))
        });
        group.bench_with_input(id("std"), input, |b, v| {
            b.iter(|| arrays::std(black_box(v)))
        });
        group.bench_with_input(id("min"), input, |b, v| {
            b.iter(|| arrays::min(black_box(v)))
        });
        group.bench_with_input(id("max"), input, |b, v| {
            b.iter(|| arrays::max(black_box(v)))
        });
        group.bench_with_input(id("filter_greater"), input, |b, v| {
            b.iter(|| arrays::filter_greater(black_box(v), THRESHOLD))
        });
        group.bench_with_input(id("normalize"), input, |b, v| {
            b.iter(|| arrays::normalize(black_box(v)))
        });
    }
    group.finish();
}

/// Sizes of the generators (`GENERATE_SIZES` in the Python registry).
const GENERATE_SIZES: [usize; 4] = [10, 1_000, 100_000, 1_000_000];

fn generators(c: &mut Criterion) {
    let mut group = c.benchmark_group("arrays");
    for size in GENERATE_SIZES {
        for (name, distribution) in [
            ("generate:normal", arrays::Distribution::Normal),
            ("generate:uniform", arrays::Distribution::Uniform),
        ] {
            // The spec's doctest value, then the shape of what is timed.
            let first = arrays::generate(2, 42, arrays::Distribution::Uniform).unwrap();
            assert_eq!(first, [0.741_564_878_771_823_3, 0.159_910_392_876_920_1]);
            assert_eq!(arrays::generate(size, 1, distribution).unwrap().len(), size);
            group.bench_with_input(BenchmarkId::new(name, size), &size, |b, &n| {
                b.iter(|| arrays::generate(black_box(n), 1, distribution))
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = statistics, generators
}
criterion_main!(benches);
