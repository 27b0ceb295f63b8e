//! Scenario 3, `arrays`: statistics over `f64` slices.
//!
//! The semantics are those of the pure-Python spec, `python/ffibench/pure/arrays.py`: NumPy's
//! pairwise summation (so sums are identical to the spec's and to `numpy.sum`'s), NaN that
//! propagates, and empty input refused where the result would be undefined.

use std::mem::MaybeUninit;
use std::sync::OnceLock;

use crate::random::{draw, uniform};
use crate::{CoreError, CoreResult};

/// Runs up to this length are summed with 8 partial sums instead of being split further.
pub const PAIRWISE_BLOCK: usize = 128;

/// NumPy's pairwise sum of `values`, each first mapped by `map`, in exactly NumPy's order.
fn pairwise_by(values: &[f64], map: &impl Fn(f64) -> f64) -> f64 {
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |total, &x| total + map(x));
    }
    if n <= PAIRWISE_BLOCK {
        let mut partial = [0.0; 8];
        for (lane, &x) in partial.iter_mut().zip(&values[..8]) {
            *lane = map(x);
        }
        let whole = n - n % 8;
        for chunk in values[8..whole].chunks_exact(8) {
            for (lane, &x) in partial.iter_mut().zip(chunk) {
                *lane += map(x);
            }
        }
        let total = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        return values[whole..]
            .iter()
            .fold(total, |total, &x| total + map(x));
    }
    let half = n / 2 - (n / 2) % 8;
    pairwise_by(&values[..half], map) + pairwise_by(&values[half..], map)
}

/// The pairwise sum of `values` (NumPy's order); `0.0` for no values.
pub fn sum(values: &[f64]) -> f64 {
    pairwise_by(values, &|x| x)
}

fn nonempty(values: &[f64], operation: &str) -> CoreResult<()> {
    if values.is_empty() {
        return Err(CoreError::InvalidValue(format!(
            "{operation} of an empty array"
        )));
    }
    Ok(())
}

/// `sum(values) / len`; [`CoreError::InvalidValue`] for no values.
pub fn mean(values: &[f64]) -> CoreResult<f64> {
    nonempty(values, "mean")?;
    Ok(sum(values) / values.len() as f64)
}

fn mean_and_std(values: &[f64]) -> (f64, f64) {
    let count = values.len() as f64;
    let center = sum(values) / count;
    let squares = pairwise_by(values, &|x| (x - center) * (x - center));
    (center, (squares / count).sqrt())
}

/// The population standard deviation, in two passes (mean, then squared deviations).
pub fn std(values: &[f64]) -> CoreResult<f64> {
    nonempty(values, "std")?;
    Ok(mean_and_std(values).1)
}

/// The extreme of `values` by `better`, NaN if any value is NaN, the first of equals.
///
/// Eight independent lanes, like the pairwise sum, so the compiler can keep them in vector
/// registers; NaN is looked for in the same pass. Equal values are the same bits except 0.0
/// and -0.0, so when the extreme is a zero the first zero of the input is returned.
fn extreme(values: &[f64], operation: &str, better: impl Fn(f64, f64) -> bool) -> CoreResult<f64> {
    nonempty(values, operation)?;
    let mut lanes = [values[0]; 8];
    let mut nan = false;
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, &x) in lanes.iter_mut().zip(chunk) {
            nan |= x.is_nan();
            *lane = if better(x, *lane) { x } else { *lane };
        }
    }
    let mut best = values[0];
    for &x in lanes.iter().chain(rest) {
        nan |= x.is_nan();
        if better(x, best) {
            best = x;
        }
    }
    if nan {
        return Ok(f64::NAN);
    }
    if best == 0.0 {
        // -0.0 == 0.0: the spec keeps whichever zero comes first.
        return Ok(values.iter().copied().find(|&x| x == 0.0).unwrap_or(best));
    }
    Ok(best)
}

/// The smallest value; NaN if any value is NaN; [`CoreError::InvalidValue`] for no values.
pub fn min(values: &[f64]) -> CoreResult<f64> {
    extreme(values, "min", |x, best| x < best)
}

/// The largest value; NaN if any value is NaN; [`CoreError::InvalidValue`] for no values.
pub fn max(values: &[f64]) -> CoreResult<f64> {
    extreme(values, "max", |x, best| x > best)
}

/// The values greater than `threshold`, in order (NaN is never greater).
pub fn filter_greater(values: &[f64], threshold: f64) -> Vec<f64> {
    values.iter().copied().filter(|&x| x > threshold).collect()
}

/// Writes the z-scores `(x - mean) / std` of `values` into `out`, which has their length.
///
/// [`CoreError::InvalidValue`] for no values, for every value equal (`std == 0`), or for an
/// `out` of another length.
pub fn normalize_into(values: &[f64], out: &mut [f64]) -> CoreResult<()> {
    nonempty(values, "normalize")?;
    if out.len() != values.len() {
        return Err(CoreError::InvalidValue(format!(
            "normalize: output holds {} values, input {}",
            out.len(),
            values.len()
        )));
    }
    let (center, spread) = mean_and_std(values);
    if spread == 0.0 {
        return Err(CoreError::InvalidValue(
            "normalize: every value is equal, the standard deviation is 0".into(),
        ));
    }
    for (slot, &x) in out.iter_mut().zip(values) {
        *slot = (x - center) / spread;
    }
    Ok(())
}

/// The z-scores `(x - mean) / std` of `values` in a new vector (see [`normalize_into`]).
pub fn normalize(values: &[f64]) -> CoreResult<Vec<f64>> {
    let mut out = Vec::new();
    out.try_reserve_exact(values.len())
        .map_err(|_| CoreError::OutOfMemory {
            bytes: values.len() * 8,
        })?;
    out.resize(values.len(), 0.0);
    normalize_into(values, &mut out)?;
    Ok(out)
}

// -- random values --------------------------------------------------------------------------

/// The distributions of [`generate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Uniform on `[0, 1)`.
    Uniform,
    /// Standard normal, by Marsaglia's polar method.
    Normal,
}

impl Distribution {
    /// The distribution called `name` (`"uniform"` or `"normal"`).
    pub fn from_name(name: &str) -> CoreResult<Self> {
        match name {
            "uniform" => Ok(Self::Uniform),
            "normal" => Ok(Self::Normal),
            other => Err(CoreError::InvalidValue(format!(
                "dist must be one of uniform, normal, not {other:?}"
            ))),
        }
    }
}

fn normal_pair(seed: u64, pair: u64) -> (f64, f64) {
    let stream = draw(seed, pair);
    let mut index = 0;
    loop {
        let x = 2.0 * uniform(stream, index) - 1.0;
        let y = 2.0 * uniform(stream, index + 1) - 1.0;
        index += 2;
        let s = x * x + y * y;
        if s > 0.0 && s < 1.0 {
            let factor = (-2.0 * s.ln() / s).sqrt();
            return (x * factor, y * factor);
        }
    }
}

/// Somewhere a generated value can be written: an `f64`, or memory not yet initialised (of an
/// `f64`, or of an `f32` that takes the value rounded to nearest, ties to even).
pub(crate) trait Slot: Send {
    fn set(&mut self, value: f64);
}

impl Slot for f64 {
    fn set(&mut self, value: f64) {
        *self = value;
    }
}

impl Slot for MaybeUninit<f64> {
    fn set(&mut self, value: f64) {
        self.write(value);
    }
}

impl Slot for MaybeUninit<f32> {
    fn set(&mut self, value: f64) {
        // `as` rounds an f64 to the nearest f32, ties to even (IEEE 754's default).
        self.write(value as f32);
    }
}

/// Writes values `start ..` of the sequence into every slot of `out`; `start` is even for
/// `Normal`.
fn fill_from<T: Slot>(out: &mut [T], start: u64, seed: u64, distribution: Distribution) {
    match distribution {
        Distribution::Uniform => {
            for (index, slot) in (start..).zip(out.iter_mut()) {
                slot.set(uniform(seed, index));
            }
        }
        Distribution::Normal => {
            for (pair, slots) in (start / 2..).zip(out.chunks_mut(2)) {
                let (first, second) = normal_pair(seed, pair);
                slots[0].set(first);
                if let Some(slot) = slots.get_mut(1) {
                    slot.set(second);
                }
            }
        }
    }
}

/// Values per thread below which filling stays on one thread.
pub(crate) const PARALLEL_CHUNK: usize = 1 << 16;

/// The cores this process may use, asked once: on Linux the answer reads cgroup files, which
/// costs tens of microseconds, more than generating thousands of values.
pub(crate) fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Writes the sequence into every slot of `out`, on every core when there are enough values.
pub(crate) fn fill_slots<T: Slot>(out: &mut [T], seed: u64, distribution: Distribution) {
    // Even chunks, so that no normal pair is split between two threads.
    in_parallel(out, 2, |slots, start| {
        fill_from(slots, start as u64, seed, distribution);
    });
}

/// Runs `work(chunk, start)` over chunks of `out` (`start`: the chunk's first index; chunk
/// lengths a multiple of `multiple`) on every core when `out` is long enough, else once on
/// the whole slice. Every slot is visited exactly once.
///
/// The calling thread works too and takes chunks from the same queue as the helpers, so a
/// helper thread that cannot be started (no memory for its stack, a thread limit) costs
/// speed, never a slot left unwritten or a panic.
pub(crate) fn in_parallel<T: Send>(
    out: &mut [T],
    multiple: usize,
    work: impl Fn(&mut [T], usize) + Sync,
) {
    let threads = if out.len() < 2 * PARALLEL_CHUNK {
        1
    } else {
        cores().min(out.len() / PARALLEL_CHUNK)
    };
    if threads <= 1 {
        work(out, 0);
        return;
    }
    let chunk = out.len().div_ceil(threads).next_multiple_of(multiple);
    let queue = std::sync::Mutex::new(out.chunks_mut(chunk).enumerate());
    let run = || {
        loop {
            // A poisoned lock (a panicking worker) still hands out the rest: the panic
            // reaches the caller when the scope ends, never an unwritten slot.
            let next = queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .next();
            let Some((part, slots)) = next else { break };
            work(slots, part * chunk);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            if std::thread::Builder::new()
                .spawn_scoped(scope, run)
                .is_err()
            {
                break;
            }
        }
        run();
    });
}

/// Fills `out` with the first `out.len()` values of the sequence of `seed` and `distribution`,
/// on every core when there are enough values. The values do not depend on the split.
pub fn fill(out: &mut [f64], seed: u64, distribution: Distribution) {
    fill_slots(out, seed, distribution);
}

/// `n` values of the sequence of `seed` and `distribution` (see the Python spec's docstring).
///
/// The memory is written once, by the generator: no zeroing pass first, so the page faults of
/// a fresh allocation are paid while filling. [`CoreError::OutOfMemory`] when `n` values cannot
/// be allocated.
pub fn generate(n: usize, seed: u64, distribution: Distribution) -> CoreResult<Vec<f64>> {
    let mut values: Vec<f64> = Vec::new();
    values
        .try_reserve_exact(n)
        .map_err(|_| CoreError::OutOfMemory {
            bytes: n.saturating_mul(8),
        })?;
    fill_slots(&mut values.spare_capacity_mut()[..n], seed, distribution);
    // SAFETY: the capacity is at least `n` (reserved above) and `fill_slots` wrote every one of
    // the first `n` slots (`fill_from` sets each slot its iteration visits, and the chunks of
    // `fill_slots` cover the whole slice).
    unsafe { values.set_len(n) };
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's algorithm transcribed literally, to check the iterator version against.
    fn reference_sum(values: &[f64]) -> f64 {
        let n = values.len();
        if n < 8 {
            let mut total = 0.0;
            for &x in values {
                total += x;
            }
            return total;
        }
        if n <= PAIRWISE_BLOCK {
            let mut partial: Vec<f64> = values[..8].to_vec();
            let mut i = 8;
            while i < n - n % 8 {
                for lane in 0..8 {
                    partial[lane] += values[i + lane];
                }
                i += 8;
            }
            let mut total = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
                + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
            while i < n {
                total += values[i];
                i += 1;
            }
            return total;
        }
        let half = n / 2 - (n / 2) % 8;
        reference_sum(&values[..half]) + reference_sum(&values[half..])
    }

    #[test]
    fn pairwise_sum_follows_numpy_order() {
        let values: Vec<f64> = (0..5_000)
            .map(|i| ((i * 7919) % 1013) as f64 * 0.1 - 50.3)
            .collect();
        for n in [0, 1, 7, 8, 9, 15, 16, 127, 128, 129, 255, 256, 1000, 5_000] {
            assert_eq!(
                sum(&values[..n]).to_bits(),
                reference_sum(&values[..n]).to_bits(),
                "{n}"
            );
        }
        assert_eq!(sum(&[]), 0.0);
        assert!(sum(&[1.0, f64::NAN]).is_nan());
        assert!(sum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    }

    #[test]
    fn generated_values_follow_the_spec_and_not_the_split() {
        // The spec's own doctest values.
        let two = generate(2, 42, Distribution::Uniform).unwrap();
        assert_eq!(two, [0.741_564_878_771_823_3, 0.159_910_392_876_920_1]);
        let sequential = {
            let mut out = vec![0.0; 300_001];
            fill_from(&mut out, 0, 9, Distribution::Normal);
            out
        };
        assert_eq!(
            generate(300_001, 9, Distribution::Normal).unwrap(),
            sequential
        );
        let values = generate(100_000, 3, Distribution::Normal).unwrap();
        assert!(mean(&values).unwrap().abs() < 0.02);
        assert!((std(&values).unwrap() - 1.0).abs() < 0.02);
        assert!(matches!(
            generate(usize::MAX / 8, 1, Distribution::Uniform),
            Err(CoreError::OutOfMemory { .. })
        ));
        assert!(Distribution::from_name("gauss").is_err());
    }

    #[test]
    fn statistics() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Ok(3.0));
        assert_eq!(std(&[1.0, 3.0]), Ok(1.0));
        assert_eq!(min(&[3.0, -1.0, 2.0]), Ok(-1.0));
        assert_eq!(max(&[3.0, -1.0, 2.0]), Ok(3.0));
        assert!(min(&[1.0, f64::NAN, 0.0]).unwrap().is_nan());
        assert_eq!(min(&[0.0, -0.0]).unwrap().to_bits(), 0.0_f64.to_bits());
        assert_eq!(max(&[-0.0, 0.0]).unwrap().to_bits(), (-0.0_f64).to_bits());
        for failing in [mean(&[]), std(&[]), min(&[]), max(&[])] {
            assert!(matches!(failing, Err(CoreError::InvalidValue(_))));
        }
        assert_eq!(
            filter_greater(&[1.0, 5.0, f64::NAN, 2.0, 7.0], 2.0),
            [5.0, 7.0]
        );
        assert_eq!(normalize(&[1.0, 3.0]), Ok(vec![-1.0, 1.0]));
        assert!(matches!(
            normalize(&[2.0, 2.0]),
            Err(CoreError::InvalidValue(_))
        ));
        assert!(matches!(normalize(&[]), Err(CoreError::InvalidValue(_))));
    }
}
