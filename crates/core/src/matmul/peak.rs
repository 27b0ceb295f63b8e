//! The machine's peak floating-point rate, measured rather than assumed.
//!
//! A loop of independent fused multiply-add chains, as many as the FMA units keep in flight,
//! run with each instruction set's vectors ([`super::Isa`]): its rate is the most any matrix
//! product can reach on this CPU, one core or all of them. The matmul benchmark reports every
//! row as a share of it. On the portable path the loop is a multiply and an add (no FMA).

use std::sync::Barrier;
use std::time::{Duration, Instant};

use super::{Element, Isa};
use crate::{CoreError, CoreResult};

/// Floating-point operations of one step of one chain of the throughput loop of `isa`:
/// lanes times chains times two (a multiply and an add).
fn flop_per_iteration<T: Element>(isa: Isa) -> f64 {
    let lanes = isa.vector_bits() / 8 / size_of::<T>();
    let chains = match isa {
        Isa::Avx512 => 24,
        Isa::Avx2Fma => 12,
        Isa::Portable => return 2.0 * 32.0,
    };
    2.0 * (lanes * chains) as f64
}

/// Runs the loop `iterations` times on `threads` threads at once: the wall-clock seconds.
fn run<T: Element>(isa: Isa, threads: usize, iterations: u64) -> f64 {
    let throughput = T::fma_throughput(isa);
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                barrier.wait();
                // SAFETY: `measure` checked that the CPU runs `isa`.
                std::hint::black_box(unsafe { throughput(iterations) });
            });
        }
        barrier.wait();
        let start = Instant::now();
        // The scope joins every thread before it returns; the elapsed time is read after.
        start
    })
    .elapsed()
    .as_secs_f64()
}

/// The peak rate of `T` arithmetic with `isa`'s vectors on `threads` threads, in GFLOP/s:
/// the best of `repeats` runs of about `duration` each.
/// [`CoreError::InvalidValue`] when this CPU cannot run `isa` or `threads` is 0.
pub fn measure<T: Element>(
    isa: Isa,
    threads: usize,
    duration: Duration,
    repeats: usize,
) -> CoreResult<f64> {
    if !isa.is_available() {
        return Err(CoreError::InvalidValue(format!(
            "peak: this CPU cannot run {}",
            isa.name()
        )));
    }
    if threads == 0 {
        return Err(CoreError::InvalidValue(
            "peak: threads must be at least 1".to_owned(),
        ));
    }
    // Calibrate on one thread: grow the count until a run takes a tenth of the duration.
    let mut iterations: u64 = 1_000;
    let mut seconds = run::<T>(isa, 1, iterations);
    while seconds < duration.as_secs_f64() / 10.0 && iterations < u64::MAX / 4 {
        iterations *= 4;
        seconds = run::<T>(isa, 1, iterations);
    }
    let target = duration.as_secs_f64().max(1e-3);
    let iterations = ((iterations as f64) * target / seconds.max(1e-9)).max(1.0) as u64;
    let flop = flop_per_iteration::<T>(isa) * iterations as f64 * threads as f64;
    let best = (0..repeats.max(1))
        .map(|_| run::<T>(isa, threads, iterations))
        .fold(f64::INFINITY, f64::min);
    Ok(flop / best / 1e9)
}
