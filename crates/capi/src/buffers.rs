//! Scenario 5, `buffers`: values the library allocates and fills, lent to the caller in place.
//!
//! `ffibench_buffer_new` makes the values and returns an opaque handle with a view of them: the
//! address of the first value and the sizes. The caller reads (and may write) them in place —
//! the Python wrappers build a NumPy array over the address, no copy — and hands the handle back
//! to `ffibench_buffer_free` exactly once, when nothing uses the memory any more.

use ffibench_core::CoreError;
use ffibench_core::buffers::{Dtype, Values};

use crate::error::Failure;
use crate::guard;

/// `dtype` of [`ffibench_buffer_new`]: float64, standard normals.
pub const FFIBENCH_DTYPE_FLOAT64: u32 = 0;
/// `dtype` of [`ffibench_buffer_new`]: float32, the normals rounded.
pub const FFIBENCH_DTYPE_FLOAT32: u32 = 1;
/// `dtype` of [`ffibench_buffer_new`]: int64, the raw draws.
pub const FFIBENCH_DTYPE_INT64: u32 = 2;
/// `dtype` of [`ffibench_buffer_new`]: uint8, the top byte of each draw.
pub const FFIBENCH_DTYPE_UINT8: u32 = 3;

/// Values made by the library: opaque, freed with [`ffibench_buffer_free`].
pub struct FfiBuffer {
    values: Values,
}

/// Where a buffer's values are: valid until the buffer is freed.
#[repr(C)]
#[derive(Debug)]
pub struct FfiBufferView {
    /// The first value (never NULL; not to be read when `len` is 0).
    pub data: *mut u8,
    /// The number of values.
    pub len: usize,
    /// Their size in bytes.
    pub nbytes: usize,
}

/// Makes `n` values of `dtype` (`FFIBENCH_DTYPE_*`; `INVALID_VALUE` for another) from `seed`:
/// on success `*out` is a new buffer and `*view` says where its values are. `OUT_OF_MEMORY`
/// when they cannot be allocated.
///
/// # Safety
///
/// `out` and `view` must be valid for writes (NULL gives `NULL_POINTER`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_buffer_new(
    n: usize,
    dtype: u32,
    seed: u64,
    out: *mut *mut FfiBuffer,
    view: *mut FfiBufferView,
) -> crate::Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        if view.is_null() {
            return Err(Failure::NullPointer("view"));
        }
        let dtype = match dtype {
            FFIBENCH_DTYPE_FLOAT64 => Dtype::F64,
            FFIBENCH_DTYPE_FLOAT32 => Dtype::F32,
            FFIBENCH_DTYPE_INT64 => Dtype::I64,
            FFIBENCH_DTYPE_UINT8 => Dtype::U8,
            other => {
                return Err(CoreError::InvalidValue(format!("unknown dtype {other}")).into());
            }
        };
        let mut buffer = Box::new(FfiBuffer {
            values: Values::generate(n, dtype, seed)?,
        });
        let shown = FfiBufferView {
            data: buffer.values.as_mut_ptr(),
            len: buffer.values.len(),
            nbytes: buffer.values.nbytes(),
        };
        // SAFETY: both checked non-NULL; the caller guarantees they are valid for writes. The
        // box's heap memory (and the values' own) does not move when the box is leaked.
        unsafe {
            view.write(shown);
            out.write(Box::into_raw(buffer));
        }
        Ok(())
    })
}

/// Frees a buffer and its values. NULL is ignored.
///
/// # Safety
///
/// `buffer` must come from [`ffibench_buffer_new`] and not have been freed; no pointer into
/// its values may be used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_buffer_free(buffer: *mut FfiBuffer) {
    if !buffer.is_null() {
        // SAFETY: made by `Box::into_raw` in `ffibench_buffer_new`, freed once (the contract).
        drop(unsafe { Box::from_raw(buffer) });
    }
}
