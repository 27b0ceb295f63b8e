//! Scenario 8, `matmul`, through the C ABI: `ffibench_matmul_f64` and `ffibench_matmul_f32`.
//!
//! A matrix goes in as a pointer, its dimensions and its strides in elements (BLAS's leading
//! dimension, generalised): element `(i, j)` is at `data[i * row_stride + j * col_stride]`,
//! so a row-major matrix has strides `(cols, 1)`, a column-major one `(1, rows)`, and a block
//! of a larger matrix the larger one's strides. The whole span from the first to the last
//! element must be readable, aligned for the element type (a misaligned pointer is refused,
//! never read). The product is written row-major into `out`, which the caller allocates with
//! `a_rows * b_cols` elements and which must not overlap either input.

use ffibench_core::CoreError;
use ffibench_core::matmul::{self, Element, MatrixRef};

use crate::error::Failure;
use crate::{Status, guard};

/// The number of elements `T` from the first to the last of a `rows x cols` matrix with
/// these strides: 0 for an empty one; `None` when it overflows or its bytes exceed
/// `isize::MAX` (no allocation is that large, and a slice that long is undefined behaviour).
fn span<T>(rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Option<usize> {
    if rows == 0 || cols == 0 {
        return Some(0);
    }
    (rows - 1)
        .checked_mul(row_stride)?
        .checked_add((cols - 1).checked_mul(col_stride)?)?
        .checked_add(1)
        .filter(|&length| {
            length
                .checked_mul(size_of::<T>())
                .is_some_and(|bytes| isize::try_from(bytes).is_ok())
        })
}

/// A view of `rows x cols` elements at `data`.
///
/// # Safety
///
/// Unless the matrix is empty, `data` must point to `span(..)` readable elements that nothing
/// writes for `'a`.
unsafe fn matrix<'a, T: Element>(
    name: &'static str,
    data: *const T,
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
) -> Result<MatrixRef<'a, T>, Failure> {
    let length = span::<T>(rows, cols, row_stride, col_stride).ok_or_else(|| {
        CoreError::InvalidValue(format!(
            "{name}: a {rows} x {cols} matrix with strides ({row_stride}, {col_stride}) \
             spans more elements than memory holds"
        ))
    })?;
    let slice: &[T] = if length == 0 {
        &[]
    } else {
        if data.is_null() {
            return Err(Failure::NullPointer(name));
        }
        if !data.is_aligned() {
            return Err(Failure::Misaligned(name));
        }
        // SAFETY: non-NULL, aligned (checked), and the caller guarantees `length` readable
        // elements that nothing writes for `'a`.
        unsafe { std::slice::from_raw_parts(data, length) }
    };
    Ok(MatrixRef::new(slice, rows, cols, row_stride, col_stride)?)
}

/// The shared body of both exported functions.
///
/// # Safety
///
/// As [`ffibench_matmul_f64`].
#[expect(
    clippy::too_many_arguments,
    reason = "the C signature, flat for every FFI"
)]
unsafe fn product<T: Element>(
    a: *const T,
    a_rows: usize,
    a_cols: usize,
    a_row_stride: usize,
    a_col_stride: usize,
    b: *const T,
    b_rows: usize,
    b_cols: usize,
    b_row_stride: usize,
    b_col_stride: usize,
    out: *mut T,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from the caller's contract.
        let a = unsafe { matrix("a", a, a_rows, a_cols, a_row_stride, a_col_stride) }?;
        // SAFETY: forwarded from the caller's contract.
        let b = unsafe { matrix("b", b, b_rows, b_cols, b_row_stride, b_col_stride) }?;
        if a_cols != b_rows {
            // The core's own message, before `out` is looked at.
            matmul::matmul_into(a, b, &mut [])?;
        }
        let len = a_rows.checked_mul(b_cols).ok_or_else(|| {
            CoreError::InvalidValue("matmul: the result has too many elements".to_owned())
        })?;
        if len == 0 {
            return Ok(matmul::matmul_into(a, b, &mut [])?);
        }
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        if !out.is_aligned() {
            return Err(Failure::Misaligned("out"));
        }
        // A `&[T]` and a `&mut [T]` over the same memory would be undefined behaviour.
        let out_start = out.addr();
        let out_end = len
            .checked_mul(size_of::<T>())
            .filter(|&bytes| isize::try_from(bytes).is_ok())
            .and_then(|bytes| out_start.checked_add(bytes))
            .ok_or_else(|| {
                CoreError::InvalidValue(format!(
                    "matmul: a {a_rows} x {b_cols} result is larger than memory can hold"
                ))
            })?;
        for (name, input) in [("a", a.span_bytes()), ("b", b.span_bytes())] {
            if let Some((start, end)) = input
                && out_start < end
                && start < out_end
            {
                return Err(CoreError::InvalidValue(format!("matmul: out overlaps {name}")).into());
            }
        }
        // SAFETY: `len` writable elements by contract, aligned (checked), overlapping
        // neither input (checked above).
        let out = unsafe { std::slice::from_raw_parts_mut(out, len) };
        Ok(matmul::matmul_into(a, b, out)?)
    })
}

/// Writes the product of the `a_rows x a_cols` matrix `a` and the `b_rows x b_cols` matrix
/// `b` (`a_cols == b_rows`, else `INVALID_VALUE`) into `out`, row-major.
///
/// Element `(i, j)` of `a` is `a[i * a_row_stride + j * a_col_stride]`, and likewise for `b`.
/// NaN and infinities propagate; each element is within `(k + 1) DBL_EPSILON` times the sum
/// over `p` of `|a_ip b_pj|` of the exact value (`python/ffibench/pure/matmul.py` states the
/// bound). Large products run on every core; the call
/// allocates nothing when every dimension is at most 16.
///
/// # Safety
///
/// Unless a matrix is empty, its pointer must reach every element from the first to the
/// last, readable, aligned for `double` (a misaligned one is refused) and unchanged during
/// the call. `out` must point to `a_rows * b_cols` writable doubles (or be NULL when that is
/// 0) and overlap neither input (refused when it does).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_matmul_f64(
    a: *const f64,
    a_rows: usize,
    a_cols: usize,
    a_row_stride: usize,
    a_col_stride: usize,
    b: *const f64,
    b_rows: usize,
    b_cols: usize,
    b_row_stride: usize,
    b_col_stride: usize,
    out: *mut f64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        product(
            a,
            a_rows,
            a_cols,
            a_row_stride,
            a_col_stride,
            b,
            b_rows,
            b_cols,
            b_row_stride,
            b_col_stride,
            out,
        )
    }
}

/// [`ffibench_matmul_f64`] for `float` matrices (epsilon `FLT_EPSILON`).
///
/// # Safety
///
/// As [`ffibench_matmul_f64`], with `float` for `double`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_matmul_f32(
    a: *const f32,
    a_rows: usize,
    a_cols: usize,
    a_row_stride: usize,
    a_col_stride: usize,
    b: *const f32,
    b_rows: usize,
    b_cols: usize,
    b_row_stride: usize,
    b_col_stride: usize,
    out: *mut f32,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe {
        product(
            a,
            a_rows,
            a_cols,
            a_row_stride,
            a_col_stride,
            b,
            b_rows,
            b_cols,
            b_row_stride,
            b_col_stride,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_overlaps_and_bad_pointers() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut out = [0.0; 4];
        // SAFETY: every pointer covers the span its dimensions and strides describe.
        unsafe {
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    2,
                    3,
                    3,
                    1,
                    b.as_ptr(),
                    3,
                    2,
                    2,
                    1,
                    out.as_mut_ptr()
                ),
                Status::Ok
            );
            assert_eq!(out, [4.0, 5.0, 10.0, 11.0]);
            // `a` read column-major: [[1, 3, 5], [2, 4, 6]].
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    2,
                    3,
                    1,
                    2,
                    b.as_ptr(),
                    3,
                    2,
                    2,
                    1,
                    out.as_mut_ptr()
                ),
                Status::Ok
            );
            assert_eq!(out, [6.0, 8.0, 8.0, 10.0]);
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    2,
                    3,
                    3,
                    1,
                    b.as_ptr(),
                    2,
                    3,
                    3,
                    1,
                    out.as_mut_ptr()
                ),
                Status::InvalidValue
            );
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    2,
                    3,
                    3,
                    1,
                    b.as_ptr(),
                    3,
                    2,
                    2,
                    1,
                    std::ptr::null_mut()
                ),
                Status::NullPointer
            );
            let mut shared = [1.0; 9];
            let pointer = shared.as_mut_ptr();
            assert_eq!(
                ffibench_matmul_f64(pointer, 2, 2, 2, 1, b.as_ptr(), 2, 2, 2, 1, pointer.add(3)),
                Status::InvalidValue
            );
            let bytes = [0u8; 64];
            let misaligned = bytes.as_ptr().add(1).cast::<f64>();
            assert_eq!(
                ffibench_matmul_f64(
                    misaligned,
                    1,
                    1,
                    1,
                    1,
                    b.as_ptr(),
                    1,
                    1,
                    1,
                    1,
                    out.as_mut_ptr()
                ),
                Status::InvalidValue
            );
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    2,
                    usize::MAX,
                    usize::MAX,
                    1,
                    b.as_ptr(),
                    1,
                    1,
                    1,
                    1,
                    out.as_mut_ptr()
                ),
                Status::InvalidValue
            );
            // An operand no memory can hold (2^62 elements: the count fits, its bytes do not)
            // is refused before a slice is formed over it (a debug build's check aborts).
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    1 << 62,
                    1,
                    1,
                    1,
                    b.as_ptr(),
                    1,
                    1,
                    1,
                    1,
                    out.as_mut_ptr()
                ),
                Status::InvalidValue
            );
            let message = std::ffi::CStr::from_ptr(crate::ffibench_last_error_message());
            assert!(message.to_string_lossy().contains("spans more elements"));
            assert_eq!(
                ffibench_matmul_f32(
                    [1.0_f32].as_ptr(),
                    1,
                    1,
                    1,
                    1,
                    [1.0_f32].as_ptr(),
                    1,
                    1 << 62,
                    1,
                    1,
                    std::ptr::null_mut()
                ),
                Status::InvalidValue
            );
            // A result no memory can hold (2^62 elements: the count fits, its bytes do not) is
            // refused before `out` is ever formed into a slice.
            assert_eq!(
                ffibench_matmul_f64(
                    a.as_ptr(),
                    1 << 40,
                    0,
                    0,
                    1,
                    b.as_ptr(),
                    0,
                    1 << 22,
                    1,
                    1,
                    out.as_mut_ptr()
                ),
                Status::InvalidValue
            );
            let message = std::ffi::CStr::from_ptr(crate::ffibench_last_error_message());
            assert!(message.to_string_lossy().contains("larger than memory"));
            // Empty matrices need no memory: NULL everywhere is fine.
            let empty: *const f32 = std::ptr::null();
            assert_eq!(
                ffibench_matmul_f32(empty, 0, 3, 3, 1, empty, 3, 0, 1, 1, std::ptr::null_mut()),
                Status::Ok
            );
            let mut small = [7.0_f32; 4];
            assert_eq!(
                ffibench_matmul_f32(empty, 2, 0, 0, 1, empty, 0, 2, 2, 1, small.as_mut_ptr()),
                Status::Ok
            );
            assert_eq!(small, [0.0; 4]);
            assert_eq!(
                ffibench_matmul_f32(empty, 1, 1, 1, 1, empty, 1, 1, 1, 1, small.as_mut_ptr()),
                Status::NullPointer
            );
        }
    }
}
