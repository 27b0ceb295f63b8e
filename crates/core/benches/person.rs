//! Criterion benches of scenario 2, `person`: the payroll's bulk methods with no boundary.
//!
//! Ids are `person/<method>/<size>`, the Python registry's operation names, so the report sets
//! each beside its PyO3, ctypes and cffi timings. The table is the registry's (same seed).

#![expect(clippy::unwrap_used, reason = "a bench stops loudly on a wrong answer")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ffibench_core::person::Payroll;

/// Every size of the Python registry's full run (`SIZES` in
/// `python/ffibench/scenarios/person.py`), with its seed and method arguments.
const SIZES: [usize; 2] = [1_000, 1_000_000];
const SEED: u64 = 20_261_125;
const BAND_WIDTH: i64 = 10;
const RAISE: (f64, i64) = (0.001, 50);
const TOP: usize = 10;

fn payroll(c: &mut Criterion) {
    let mut group = c.benchmark_group("person");
    for size in SIZES {
        let id = |name: &str| BenchmarkId::new(name, size);
        // Check before timing: the table, then what each method returns.
        let table = Payroll::generate(size, SEED).unwrap();
        assert_eq!(table.len(), size);
        assert!(table.ages().iter().all(|age| (18..68).contains(age)));
        let bands = table.mean_salary_by_age_band(BAND_WIDTH).unwrap();
        assert_eq!(bands.first().map(|band| band.0), Some(10));
        let best = table.top_earners(TOP);
        assert!(
            best.windows(2)
                .all(|pair| pair[0].salary() >= pair[1].salary())
        );

        group.bench_function(id("generate"), |b| {
            b.iter(|| Payroll::generate(black_box(size), SEED))
        });
        group.bench_function(id("total_salary"), |b| {
            b.iter(|| black_box(&table).total_salary())
        });
        group.bench_function(id("mean_salary_by_age_band"), |b| {
            b.iter(|| black_box(&table).mean_salary_by_age_band(BAND_WIDTH))
        });
        group.bench_function(id("top_earners"), |b| {
            b.iter(|| black_box(&table).top_earners(TOP))
        });
        let mut raised = table.clone();
        group.bench_function(id("give_raise"), |b| {
            b.iter(|| raised.give_raise(black_box(RAISE.0), RAISE.1))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = payroll
}
criterion_main!(benches);
