//! Scenario 5, `buffers`: large arrays made here, to be lent to Python without a copy.
//!
//! [`Values::generate`] allocates `n` values of a [`Dtype`] and fills them, on every core for
//! large arrays, writing each byte once (no zeroing pass: the page faults of fresh memory are
//! paid while filling). The bindings hand the memory over as it is: PyO3 gives the `Vec` to a
//! NumPy array or lends it through the buffer protocol, DLPack and Arrow; the C ABI returns a
//! pointer that Python wraps. The values are the Python spec's (`ffibench.pure.buffers`).

use std::mem::MaybeUninit;

#[cfg(test)]
use crate::arrays::PARALLEL_CHUNK;
use crate::arrays::{self, Distribution};
use crate::error::{CoreError, CoreResult};
use crate::random::draw;

/// The element type of a buffer, by NumPy's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// `float64`: standard normals.
    F64,
    /// `float32`: the standard normals rounded to `f32`.
    F32,
    /// `int64`: `draw(seed, i)` as a two's-complement integer.
    I64,
    /// `uint8`: the top 8 bits of `draw(seed, i)`.
    U8,
}

impl Dtype {
    /// Every dtype, in the spec's order.
    pub const ALL: [Self; 4] = [Self::F64, Self::F32, Self::I64, Self::U8];

    /// The dtype called `name` (NumPy's name: `"float64"`, `"float32"`, `"int64"`, `"uint8"`).
    pub fn from_name(name: &str) -> CoreResult<Self> {
        Self::ALL
            .into_iter()
            .find(|dtype| dtype.name() == name)
            .ok_or_else(|| {
                CoreError::InvalidValue(format!(
                    "dtype must be one of float64, float32, int64, uint8, not {name:?}"
                ))
            })
    }

    /// NumPy's name of the dtype.
    pub fn name(self) -> &'static str {
        match self {
            Self::F64 => "float64",
            Self::F32 => "float32",
            Self::I64 => "int64",
            Self::U8 => "uint8",
        }
    }

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        match self {
            Self::F64 | Self::I64 => 8,
            Self::F32 => 4,
            Self::U8 => 1,
        }
    }
}

/// `n` generated values of one dtype, in memory allocated here.
#[derive(Debug, PartialEq)]
pub enum Values {
    /// `float64` values.
    F64(Vec<f64>),
    /// `float32` values.
    F32(Vec<f32>),
    /// `int64` values.
    I64(Vec<i64>),
    /// `uint8` values.
    U8(Vec<u8>),
}

impl Values {
    /// `n` values of `dtype` from `seed` (the Python spec's docstring gives them exactly).
    ///
    /// [`CoreError::OutOfMemory`] when `n` values cannot be allocated, `n * itemsize` bytes
    /// beyond `isize::MAX` included: the allocation is tried, never assumed.
    pub fn generate(n: usize, dtype: Dtype, seed: u64) -> CoreResult<Self> {
        let bytes = n
            .checked_mul(dtype.itemsize())
            .filter(|&bytes| isize::try_from(bytes).is_ok())
            .ok_or(CoreError::OutOfMemory {
                bytes: n.saturating_mul(dtype.itemsize()),
            })?;
        Ok(match dtype {
            Dtype::F64 => Self::F64(filled(n, bytes, |out| {
                arrays::fill_slots(out, seed, Distribution::Normal);
            })?),
            Dtype::F32 => Self::F32(filled(n, bytes, |out| {
                arrays::fill_slots(out, seed, Distribution::Normal);
            })?),
            Dtype::I64 => Self::I64(filled(n, bytes, |out| {
                fill_draws(out, seed, |value| value.cast_signed());
            })?),
            Dtype::U8 => Self::U8(filled(n, bytes, |out| {
                // The top 8 bits: the shift leaves a value below 256.
                fill_draws(out, seed, |value| (value >> 56) as u8);
            })?),
        })
    }

    /// A copy of the values; [`CoreError::OutOfMemory`] when it cannot be allocated (`clone`
    /// would abort the process).
    pub fn try_clone(&self) -> CoreResult<Self> {
        fn copy<T: Copy>(values: &[T], bytes: usize) -> CoreResult<Vec<T>> {
            let mut out = Vec::new();
            out.try_reserve_exact(values.len())
                .map_err(|_| CoreError::OutOfMemory { bytes })?;
            out.extend_from_slice(values);
            Ok(out)
        }
        let bytes = self.nbytes();
        Ok(match self {
            Self::F64(values) => Self::F64(copy(values, bytes)?),
            Self::F32(values) => Self::F32(copy(values, bytes)?),
            Self::I64(values) => Self::I64(copy(values, bytes)?),
            Self::U8(values) => Self::U8(copy(values, bytes)?),
        })
    }

    /// The dtype of the values.
    pub fn dtype(&self) -> Dtype {
        match self {
            Self::F64(_) => Dtype::F64,
            Self::F32(_) => Dtype::F32,
            Self::I64(_) => Dtype::I64,
            Self::U8(_) => Dtype::U8,
        }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::F64(values) => values.len(),
            Self::F32(values) => values.len(),
            Self::I64(values) => values.len(),
            Self::U8(values) => values.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The size of the values in bytes.
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().itemsize()
    }

    /// The values' memory, in native byte order.
    pub fn as_bytes(&self) -> &[u8] {
        let (pointer, bytes) = self.raw();
        // SAFETY: `raw` gives the start and byte length of the initialised elements of a live
        // `Vec` of plain numbers (no padding, every bit pattern a valid `u8`), borrowed for the
        // lifetime of `&self`.
        unsafe { std::slice::from_raw_parts(pointer, bytes) }
    }

    /// The address of the first value, for a caller that writes the values in place (the
    /// owner of a `Values` lent to NumPy as a writable array).
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        match self {
            Self::F64(values) => values.as_mut_ptr().cast::<u8>(),
            Self::F32(values) => values.as_mut_ptr().cast::<u8>(),
            Self::I64(values) => values.as_mut_ptr().cast::<u8>(),
            Self::U8(values) => values.as_mut_ptr(),
        }
    }

    /// The address of the first value (dangling but aligned when there are none) and the size
    /// in bytes: what a consumer that reads memory in place needs.
    pub fn raw(&self) -> (*const u8, usize) {
        let pointer = match self {
            Self::F64(values) => values.as_ptr().cast::<u8>(),
            Self::F32(values) => values.as_ptr().cast::<u8>(),
            Self::I64(values) => values.as_ptr().cast::<u8>(),
            Self::U8(values) => values.as_ptr(),
        };
        (pointer, self.nbytes())
    }
}

/// A `Vec` of `n` values written by `fill` into fresh, uninitialised memory.
fn filled<T>(
    n: usize,
    bytes: usize,
    fill: impl FnOnce(&mut [MaybeUninit<T>]),
) -> CoreResult<Vec<T>> {
    let mut values: Vec<T> = Vec::new();
    values
        .try_reserve_exact(n)
        .map_err(|_| CoreError::OutOfMemory { bytes })?;
    fill(&mut values.spare_capacity_mut()[..n]);
    // SAFETY: the capacity is at least `n` (reserved above), and every `fill` given here writes
    // each of the first `n` slots (`fill_slots` and `fill_draws` visit every slot they are
    // given).
    unsafe { values.set_len(n) };
    Ok(values)
}

/// Writes `convert(draw(seed, i))` into slot `i` of `out`, on every core for large arrays.
fn fill_draws<T: Send>(out: &mut [MaybeUninit<T>], seed: u64, convert: impl Fn(u64) -> T + Sync) {
    arrays::in_parallel(out, 1, |slots, start| {
        for (index, slot) in (start as u64..).zip(slots.iter_mut()) {
            slot.write(convert(draw(seed, index)));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::draw;

    #[test]
    fn float64_values_are_the_arrays_scenarios_normals() {
        for n in [0, 1, 2, 3, 1001, 3 * PARALLEL_CHUNK + 1] {
            let Values::F64(values) = Values::generate(n, Dtype::F64, 7).unwrap() else {
                unreachable!()
            };
            let expected = arrays::generate(n, 7, Distribution::Normal).unwrap();
            assert_eq!(values, expected, "n = {n}");
        }
    }

    #[test]
    fn float32_values_are_the_normals_rounded() {
        let n = 2 * PARALLEL_CHUNK + 5;
        let Values::F32(values) = Values::generate(n, Dtype::F32, 3).unwrap() else {
            unreachable!()
        };
        let wide = arrays::generate(n, 3, Distribution::Normal).unwrap();
        assert!(values.iter().zip(&wide).all(|(&x, &y)| x == y as f32));
    }

    #[test]
    fn integer_values_are_the_draws() {
        let n = 4 * PARALLEL_CHUNK + 3;
        let Values::I64(ints) = Values::generate(n, Dtype::I64, 1).unwrap() else {
            unreachable!()
        };
        let Values::U8(bytes) = Values::generate(n, Dtype::U8, 1).unwrap() else {
            unreachable!()
        };
        for index in [0, 1, PARALLEL_CHUNK, n - 1] {
            let expected = draw(1, index as u64);
            assert_eq!(ints[index].cast_unsigned(), expected);
            assert_eq!(u64::from(bytes[index]), expected >> 56);
        }
        // The spec's doctest: generate(3, "int64", 1).
        assert_eq!(
            ints[..3],
            [
                -7_995_527_694_508_729_151,
                -4_689_498_862_643_123_097,
                -534_904_783_426_661_026
            ]
        );
        assert_eq!(bytes[..2], [145, 190]);
    }

    #[test]
    fn sizes_and_bytes() {
        for dtype in Dtype::ALL {
            let values = Values::generate(5, dtype, 0).unwrap();
            assert_eq!(values.dtype(), dtype);
            assert_eq!(values.len(), 5);
            assert_eq!(values.as_bytes().len(), 5 * dtype.itemsize());
            assert_eq!(Dtype::from_name(dtype.name()).unwrap(), dtype);
        }
        assert!(Values::generate(0, Dtype::U8, 0).unwrap().is_empty());
    }

    #[test]
    fn impossible_sizes_are_out_of_memory_not_an_abort() {
        for (n, dtype) in [
            (usize::MAX, Dtype::U8),
            (usize::MAX / 4, Dtype::F64),
            (1 << 62, Dtype::F32),
        ] {
            assert!(matches!(
                Values::generate(n, dtype, 0),
                Err(CoreError::OutOfMemory { .. })
            ));
        }
    }

    #[test]
    fn copies_are_equal_and_separate() {
        let values = Values::generate(1000, Dtype::F32, 4).unwrap();
        let copy = values.try_clone().unwrap();
        assert_eq!(copy, values);
        assert_ne!(copy.raw().0, values.raw().0);
    }

    #[test]
    fn unknown_dtypes_are_refused() {
        let error = Dtype::from_name("float16").unwrap_err();
        assert!(error.to_string().contains("float16"), "{error}");
    }
}
