//! Reading float buffers of any byte order, alignment and stride, shared by the scenarios.
//!
//! A buffer's items are read in place only when a Rust slice over them is sound (native
//! order, aligned, contiguous); any other buffer is copied once, byte by byte, in logical
//! order, without ever forming a reference to a misaligned value.

use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::PyMemoryError;
use pyo3::prelude::*;

/// A float type a buffer may hold: `f64` (format `d`) or `f32` (format `f`).
pub(crate) trait Float: Copy + numpy::Element + 'static {
    /// The value of these bytes in this order.
    fn decode(bytes: &[u8], order: ByteOrder) -> Self;
}

impl Float for f64 {
    fn decode(bytes: &[u8], order: ByteOrder) -> Self {
        let mut raw = [0; 8];
        raw.copy_from_slice(&bytes[..8]);
        match order {
            ByteOrder::Native => f64::from_ne_bytes(raw),
            ByteOrder::Little => f64::from_le_bytes(raw),
            ByteOrder::Big => f64::from_be_bytes(raw),
        }
    }
}

impl Float for f32 {
    fn decode(bytes: &[u8], order: ByteOrder) -> Self {
        let mut raw = [0; 4];
        raw.copy_from_slice(&bytes[..4]);
        match order {
            ByteOrder::Native => f32::from_ne_bytes(raw),
            ByteOrder::Little => f32::from_le_bytes(raw),
            ByteOrder::Big => f32::from_be_bytes(raw),
        }
    }
}

/// How a buffer's bytes are ordered, from its struct-module format.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ByteOrder {
    Native,
    Little,
    Big,
}

impl ByteOrder {
    /// The order of a format of one item of type `code` (`d`, `@d`, `=d`, `<d`, `>d`, `!d`
    /// for `code` `'d'`); `None` for another format.
    pub(crate) fn of(format: &str, code: char) -> Option<Self> {
        let mut chars = format.chars();
        let last = chars.next_back()?;
        if last != code {
            return None;
        }
        let order = match chars.as_str() {
            "" | "@" | "=" => Self::Native,
            "<" => Self::Little,
            ">" | "!" => Self::Big,
            _ => return None,
        };
        Some(match order {
            Self::Little if cfg!(target_endian = "little") => Self::Native,
            Self::Big if cfg!(target_endian = "big") => Self::Native,
            other => other,
        })
    }
}

/// The items of a buffer of `T` in logical (row-major) order, whatever its alignment, strides
/// (negative included), suboffsets and byte order. The caller has checked the format
/// (`order`) and that the item size is `size_of::<T>()`.
pub(crate) fn copy_items<T: Float>(buffer: &PyUntypedBuffer, order: ByteOrder) -> PyResult<Vec<T>> {
    let shape = buffer.shape();
    let strides = buffer.strides();
    let suboffsets = buffer.suboffsets();
    let count: usize = shape.iter().product();
    let mut values = Vec::new();
    values
        .try_reserve_exact(count)
        .map_err(|_| PyMemoryError::new_err("cannot copy the buffer"))?;
    if count == 0 {
        return Ok(values);
    }
    let size = size_of::<T>();
    let mut index = vec![0usize; shape.len()];
    for _ in 0..count {
        let mut item = buffer.buf_ptr().cast::<u8>().cast_const();
        for (dimension, &position) in index.iter().enumerate() {
            // The exporter promises `shape[d]` items `strides[d]` bytes apart in each
            // dimension d (a stride may be negative); a position times a stride fits `isize`
            // since the buffer does.
            let offset = isize::try_from(position)
                .unwrap_or(isize::MAX)
                .wrapping_mul(strides[dimension]);
            // SAFETY: inside the exported buffer for every index below the shape (the buffer
            // protocol's contract, which `PyBuffer_GetPointer` relies on too); the buffer
            // stays exported while `buffer` lives.
            item = unsafe { item.offset(offset) };
            if let Some(&suboffset) = suboffsets.and_then(|offsets| offsets.get(dimension))
                && suboffset >= 0
            {
                // SAFETY: an indirect (PIL-style) dimension stores a pointer at each item;
                // the protocol says to follow it and add the suboffset. Read unaligned:
                // nothing promises the pointer's own alignment.
                item = unsafe { item.cast::<*const u8>().read_unaligned().offset(suboffset) };
            }
        }
        // SAFETY: `size` readable bytes of the item (the caller checked the item size), read
        // as bytes: no alignment needed.
        let bytes = unsafe { std::slice::from_raw_parts(item, size) };
        values.push(T::decode(bytes, order));
        // The next index in row-major order.
        for dimension in (0..index.len()).rev() {
            index[dimension] += 1;
            if index[dimension] < shape[dimension] {
                break;
            }
            index[dimension] = 0;
        }
    }
    Ok(values)
}

/// Whether `buffer`'s items can be read in place as `&[T]`: native order, the size of `T`,
/// aligned for `T`, and C-contiguous (`fortran`: or Fortran-contiguous).
pub(crate) fn readable_in_place<T: Float>(
    buffer: &PyUntypedBuffer,
    order: ByteOrder,
    fortran: bool,
) -> bool {
    order == ByteOrder::Native
        && buffer.item_size() == size_of::<T>()
        && buffer.buf_ptr().cast::<T>().is_aligned()
        && buffer
            .suboffsets()
            .is_none_or(|offsets| offsets.iter().all(|&offset| offset < 0))
        && (buffer.is_c_contiguous() || (fortran && buffer.is_fortran_contiguous()))
}

/// The `length` items of a buffer that [`readable_in_place`] accepted, as a slice.
///
/// # Safety
///
/// `buffer` passed [`readable_in_place`] for `T` and holds `length` items; nothing may write
/// to it while the slice lives (the GIL held throughout stops Python code, not a writer that
/// runs without it: such a concurrent write is a data race the caller has made, as it would be
/// for NumPy's own functions).
pub(crate) unsafe fn in_place<T: Float>(buffer: &PyUntypedBuffer, length: usize) -> &[T] {
    if length == 0 {
        return &[];
    }
    // SAFETY: `length` native, aligned, contiguous `T` (checked by `readable_in_place`),
    // exported while `buffer` lives, unchanged by the caller's contract.
    unsafe { std::slice::from_raw_parts(buffer.buf_ptr().cast::<T>(), length) }
}
