//! Criterion benches of scenario 7, `documents`: the encoders, decoders and the archive's
//! validation with no boundary.
//!
//! Ids are `documents/<operation>/<size>`, the Python registry's operation names, so the
//! report sets each beside its PyO3, ctypes and cffi timings. The documents are the
//! registry's (same seed).

#![expect(clippy::unwrap_used, reason = "a bench stops loudly on a wrong answer")]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ffibench_core::documents::{Document, access, generate};

/// Every size of the Python registry's full run (`SIZES` in
/// `python/ffibench/scenarios/documents.py`) and its seed.
const SIZES: [u64; 3] = [1_000, 10_000, 1_000_000];
const SEED: u64 = 20_261_207;

fn documents(c: &mut Criterion) {
    let mut group = c.benchmark_group("documents");
    for size in SIZES {
        let id = |name: &str| BenchmarkId::new(name, size);
        // Check before timing: every format gives the document back.
        let document = generate(size, SEED).unwrap();
        let json = document.to_json().unwrap();
        let bincode = document.to_bincode().unwrap();
        let archive = document.to_archive().unwrap();
        assert_eq!(Document::from_json(&json).unwrap(), document);
        assert_eq!(Document::from_bincode(&bincode).unwrap(), document);
        assert_eq!(
            access(&archive).unwrap().layers.len(),
            document.layers.len()
        );

        group.bench_function(id("to_json"), |b| b.iter(|| black_box(&document).to_json()));
        group.bench_function(id("from_json"), |b| {
            b.iter(|| Document::from_json(black_box(&json)))
        });
        group.bench_function(id("to_bincode"), |b| {
            b.iter(|| black_box(&document).to_bincode())
        });
        group.bench_function(id("from_bincode"), |b| {
            b.iter(|| Document::from_bincode(black_box(&bincode)))
        });
        group.bench_function(id("to_archive"), |b| {
            b.iter(|| black_box(&document).to_archive())
        });
        group.bench_function(id("view:validate"), |b| {
            b.iter(|| access(black_box(&archive)).map(|view| view.layers.len()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = documents
}
criterion_main!(benches);
