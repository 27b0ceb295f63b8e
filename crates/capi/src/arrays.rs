//! Scenario 3, `arrays`, through the C ABI: `ffibench_arrays_<operation>`.
//!
//! Input is a pointer to `len` doubles (NULL allowed when `len` is 0), read in place; it must
//! be aligned for `double`, and a misaligned one is refused (`INVALID_VALUE`), never read,
//! since a Rust slice over it would be undefined behaviour. Results
//! of many values come back either in a caller-allocated array of known length
//! (`ffibench_arrays_normalize`) or, when the length is only known at the end, as an
//! `ffibench_doubles` the caller frees with `ffibench_doubles_free`.

use std::ptr;

use ffibench_core::arrays;

use crate::error::Failure;
use crate::{Status, guard, store};
use ffibench_core::{CoreError, CoreResult};

/// Doubles returned by the library: `len` values at `ptr`, freed once with
/// [`ffibench_doubles_free`].
#[repr(C)]
#[derive(Debug)]
pub struct FfiDoubles {
    /// The first value; never NULL in an array the library returned.
    pub ptr: *mut f64,
    /// The number of values.
    pub len: usize,
}

impl From<Vec<f64>> for FfiDoubles {
    fn from(values: Vec<f64>) -> Self {
        let boxed = values.into_boxed_slice();
        let len = boxed.len();
        Self {
            ptr: Box::into_raw(boxed).cast::<f64>(),
            len,
        }
    }
}

/// Frees doubles that this library returned. An array with a NULL `ptr` is ignored.
///
/// # Safety
///
/// `values` must come from this library and must not have been freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_doubles_free(values: FfiDoubles) {
    if values.ptr.is_null() {
        return;
    }
    let slice = ptr::slice_from_raw_parts_mut(values.ptr, values.len);
    // SAFETY: made by `FfiDoubles::from` from a boxed slice of exactly `len` values, freed once
    // as the contract says.
    drop(unsafe { Box::from_raw(slice) });
}

/// Borrows `len` doubles at `values`.
///
/// # Safety
///
/// Unless `len` is 0, `values` must point to `len` readable doubles that stay unchanged for
/// `'a`. A misaligned pointer is refused, not read.
unsafe fn doubles<'a>(values: *const f64, len: usize) -> Result<&'a [f64], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if values.is_null() {
        return Err(Failure::NullPointer("values"));
    }
    if !values.is_aligned() {
        return Err(Failure::Misaligned("values"));
    }
    // SAFETY: non-NULL, aligned (checked), and the caller guarantees `len` readable doubles
    // that nothing writes for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(values, len) })
}

/// `out` as `len` writable doubles: NULL and misaligned pointers refused.
///
/// # Safety
///
/// Unless `len` is 0, `out` must point to `len` writable doubles that nothing else reads or
/// writes for `'a`.
unsafe fn doubles_mut<'a>(out: *mut f64, len: usize) -> Result<&'a mut [f64], Failure> {
    if len == 0 {
        return Ok(&mut []);
    }
    if out.is_null() {
        return Err(Failure::NullPointer("out"));
    }
    if !out.is_aligned() {
        return Err(Failure::Misaligned("out"));
    }
    // SAFETY: non-NULL, aligned (checked), and `len` exclusively writable doubles by contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(out, len) })
}

/// Runs a reduction of `len` doubles at `values` and writes its result to `out`.
///
/// # Safety
///
/// As [`ffibench_arrays_sum`].
unsafe fn reduce(
    values: *const f64,
    len: usize,
    out: *mut f64,
    reduction: impl FnOnce(&[f64]) -> CoreResult<f64>,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from the caller's contract.
        let values = unsafe { doubles(values, len) }?;
        store(out, reduction(values)?)
    })
}

/// Writes the pairwise sum of the values (NumPy's order) to `out`; 0.0 for none. A `values`
/// pointer not aligned for `double` is refused with `INVALID_VALUE` (copy such data first).
///
/// # Safety
///
/// `values` must point to `len` readable doubles (or be NULL with `len == 0`) that nothing
/// writes during the call; `out` must be NULL or point to a writable `double`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_sum(
    values: *const f64,
    len: usize,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { reduce(values, len, out, |values| Ok(arrays::sum(values))) }
}

/// Writes the mean of the values to `out`; `INVALID_VALUE` for none.
///
/// # Safety
///
/// As [`ffibench_arrays_sum`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_mean(
    values: *const f64,
    len: usize,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { reduce(values, len, out, arrays::mean) }
}

/// Writes the population standard deviation of the values to `out`; `INVALID_VALUE` for none.
///
/// # Safety
///
/// As [`ffibench_arrays_sum`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_std(
    values: *const f64,
    len: usize,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { reduce(values, len, out, arrays::std) }
}

/// Writes the smallest value (NaN if any is NaN) to `out`; `INVALID_VALUE` for none.
///
/// # Safety
///
/// As [`ffibench_arrays_sum`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_min(
    values: *const f64,
    len: usize,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { reduce(values, len, out, arrays::min) }
}

/// Writes the largest value (NaN if any is NaN) to `out`; `INVALID_VALUE` for none.
///
/// # Safety
///
/// As [`ffibench_arrays_sum`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_max(
    values: *const f64,
    len: usize,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { reduce(values, len, out, arrays::max) }
}

/// Writes the values greater than `threshold`, in order, to `out`, which the caller frees.
///
/// # Safety
///
/// `values` as in [`ffibench_arrays_sum`]; `out` must be NULL or point to a writable
/// `ffibench_doubles`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_filter_greater(
    values: *const f64,
    len: usize,
    threshold: f64,
    out: *mut FfiDoubles,
) -> Status {
    guard(|| {
        if out.is_null() {
            // Before the work: values made for no one to receive would be leaked.
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: forwarded from this function's contract.
        let values = unsafe { doubles(values, len) }?;
        store(
            out,
            FfiDoubles::from(arrays::filter_greater(values, threshold)),
        )
    })
}

/// Writes the z-scores of the `len` values into `out`, which holds `len` doubles.
///
/// `INVALID_VALUE` for no values, for values all equal (`std == 0`), and for an `out` that
/// overlaps `values` or is misaligned (refused, never written).
///
/// # Safety
///
/// `values` as in [`ffibench_arrays_sum`]; `out` must point to `len` writable doubles (or be
/// NULL with `len == 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_normalize(
    values: *const f64,
    len: usize,
    out: *mut f64,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let values = unsafe { doubles(values, len) }?;
        // A `&[f64]` and a `&mut [f64]` over the same memory would be undefined behaviour:
        // an overlapping `out` is refused, as a misaligned one is.
        let start = values.as_ptr().addr();
        let bytes = std::mem::size_of_val(values);
        if len > 0 && out.addr() < start + bytes && start < out.addr() + bytes {
            return Err(
                CoreError::InvalidValue("normalize: out overlaps values".to_owned()).into(),
            );
        }
        // SAFETY: `len` writable doubles not overlapping `values` (checked above).
        let out = unsafe { doubles_mut(out, len) }?;
        Ok(arrays::normalize_into(values, out)?)
    })
}

/// `distribution` of [`ffibench_arrays_generate`]: uniform on [0, 1).
pub const FFIBENCH_DISTRIBUTION_UNIFORM: u32 = 0;
/// `distribution` of [`ffibench_arrays_generate`]: standard normal.
pub const FFIBENCH_DISTRIBUTION_NORMAL: u32 = 1;

/// Fills `out`, which holds `n` doubles, with the first `n` values of the sequence of `seed`
/// and `distribution` (`FFIBENCH_DISTRIBUTION_*`; `INVALID_VALUE` for another). The caller
/// allocates, so the values land in their final memory (a NumPy array's, for instance).
///
/// # Safety
///
/// `out` must point to `n` writable doubles (or be NULL with `n == 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_arrays_generate(
    n: usize,
    seed: u64,
    distribution: u32,
    out: *mut f64,
) -> Status {
    guard(|| {
        let distribution = match distribution {
            FFIBENCH_DISTRIBUTION_UNIFORM => arrays::Distribution::Uniform,
            FFIBENCH_DISTRIBUTION_NORMAL => arrays::Distribution::Normal,
            other => {
                return Err(
                    CoreError::InvalidValue(format!("unknown distribution {other}")).into(),
                );
            }
        };
        // SAFETY: `n` writable doubles, as the contract says.
        let out = unsafe { doubles_mut(out, n) }?;
        arrays::fill(out, seed, distribution);
        Ok(())
    })
}
