//! Criterion benches of scenario 8, `matmul`: the core's kernel and faer with no boundary.
//!
//! Ids are `matmul/<operation>/<n>` for `matmul:float64` and `matmul:float32` (n x n times
//! n x n, the Python registry's `SIZES`), which `ffibench run --criterion` reads as the backend
//! `rust`; faer's are `matmul-faer/<operation>/<n>`, a group of their own so that they are not
//! taken for ours. Throughput is in floating-point operations (`2 n^3`): criterion prints
//! FLOP/s.

#![expect(clippy::unwrap_used, reason = "a bench stops loudly on a wrong answer")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ffibench_core::matmul::{self, Element, MatrixRef};

/// Every n of the Python registry's full run (`SIZES` in `python/ffibench/scenarios/matmul.py`).
const SIZES: [usize; 7] = [2, 8, 16, 64, 256, 1024, 2048];

/// Deterministic values in [-1, 1): a small LCG, dependency-free.
fn values<T: Element>(count: usize, seed: u64, from: impl Fn(f64) -> T) -> Vec<T> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            from((state >> 11) as f64 * 2f64.powi(-52) - 1.0)
        })
        .collect()
}

/// Benches `product` (ours or faer's) in `group` at every size, after checking its first row
/// against the reference loop within the spec's bound (the whole reference is too slow at
/// 2048).
fn products<T: Element>(
    c: &mut Criterion,
    group: &str,
    name: &str,
    from: impl Fn(f64) -> T + Copy,
    product: fn(MatrixRef<'_, T>, MatrixRef<'_, T>) -> ffibench_core::CoreResult<Vec<T>>,
) {
    let mut group = c.benchmark_group(group);
    for n in SIZES {
        let a_data = values(n * n, 1, from);
        let b_data = values(n * n, 2, from);
        let a = MatrixRef::row_major(&a_data, n, n).unwrap();
        let b = MatrixRef::row_major(&b_data, n, n).unwrap();
        let first_row = MatrixRef::row_major(&a_data[..n], 1, n).unwrap();
        let expected = matmul::reference(first_row, b).unwrap();
        let got = product(a, b).unwrap();
        for (j, want) in expected.iter().enumerate() {
            let scale: f64 = (0..n)
                .map(|p| (a_data[p].to_f64() * b_data[p * n + j].to_f64()).abs())
                .sum();
            let bound = 2.0 * (n as f64 + 1.0) * T::EPSILON * scale;
            assert!(
                (got[j].to_f64() - want.to_f64()).abs() <= bound,
                "{name} n={n} j={j}"
            );
        }
        group.throughput(Throughput::Elements(2 * (n as u64).pow(3)));
        if n >= 1024 {
            group.sample_size(10);
        }
        group.bench_with_input(
            BenchmarkId::new(format!("matmul:{name}"), n),
            &n,
            |bench, _| bench.iter(|| product(black_box(a), black_box(b)).unwrap()),
        );
    }
    group.finish();
}

fn float64(c: &mut Criterion) {
    products::<f64>(c, "matmul", "float64", |x| x, matmul::matmul);
    products::<f64>(c, "matmul-faer", "float64", |x| x, matmul::faer_matmul);
}

fn float32(c: &mut Criterion) {
    products::<f32>(c, "matmul", "float32", |x| x as f32, matmul::matmul);
    products::<f32>(
        c,
        "matmul-faer",
        "float32",
        |x| x as f32,
        matmul::faer_matmul,
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = float64, float32
}
criterion_main!(benches);
