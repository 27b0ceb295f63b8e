//! ffibench-capi: the C ABI over `ffibench-core`, modelled on regex-capi.
//!
//! Every exported function is wrapped in [`guard`], which turns a core error into a status code
//! plus a thread-local message and catches any panic before it reaches the caller. Strings come
//! in as UTF-8 pointer + length and go out as [`FfiString`], owned by this library until the
//! caller hands it back to [`ffibench_string_free`]. The header `include/ffibench.h` is generated
//! from this crate by cbindgen; a test fails when it is stale.

mod arrays;
mod basic;
mod buffers;
mod documents;
mod error;
mod events;
mod matmul;
mod person;
mod words;

pub use arrays::*;
pub use basic::*;
pub use buffers::*;
pub use documents::*;
pub use error::{Status, ffibench_last_error_errno, ffibench_last_error_message};
pub use events::*;
pub use matmul::*;
pub use person::*;
pub use words::*;

use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use error::{Failure, record};

/// A string returned by the library: `len` bytes of UTF-8 at `ptr`, not NUL-terminated.
///
/// The memory belongs to the library: release it exactly once with [`ffibench_string_free`].
#[repr(C)]
#[derive(Debug)]
pub struct FfiString {
    /// The first byte; never NULL in a string the library returned.
    pub ptr: *mut c_char,
    /// The length in bytes.
    pub len: usize,
}

impl From<String> for FfiString {
    fn from(value: String) -> Self {
        // A boxed slice has capacity == len, so `len` alone is enough to rebuild it on free.
        let boxed: Box<[u8]> = value.into_bytes().into_boxed_slice();
        let len = boxed.len();
        let ptr = Box::into_raw(boxed).cast::<c_char>();
        Self { ptr, len }
    }
}

/// Frees a string that this library returned. A string with a NULL `ptr` is ignored.
///
/// # Safety
///
/// `string` must come from this library and must not have been freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_string_free(string: FfiString) {
    if string.ptr.is_null() {
        return;
    }
    let slice = ptr::slice_from_raw_parts_mut(string.ptr.cast::<u8>(), string.len);
    // SAFETY: the caller hands back a string made by `FfiString::from`, once: `ptr` and `len`
    // describe exactly the boxed slice that was leaked there.
    drop(unsafe { Box::from_raw(slice) });
}

/// The version of this library, a static NUL-terminated string.
#[unsafe(no_mangle)]
pub extern "C" fn ffibench_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Runs `body` and turns its outcome into a status: OK, a mapped error, or a caught panic.
fn guard(body: impl FnOnce() -> Result<(), Failure>) -> Status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Status::Ok,
        Ok(Err(failure)) => record(failure),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            record(Failure::Panic(message))
        }
    }
}

/// Writes `value` through the out-parameter `out`.
fn store<T>(out: *mut T, value: T) -> Result<(), Failure> {
    if out.is_null() {
        return Err(Failure::NullPointer("out"));
    }
    // SAFETY: `out` is not NULL, and the contract of every exported function is that a non-NULL
    // out-parameter points to memory that is valid and aligned for a write of `T`.
    unsafe { out.write(value) };
    Ok(())
}

/// Borrows `len` bytes at `ptr` as UTF-8 text.
///
/// # Safety
///
/// Unless `len` is 0, `ptr` must point to `len` readable bytes that stay unchanged for `'a`.
unsafe fn text<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, Failure> {
    if len == 0 {
        return Ok("");
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer("s"));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes at `ptr` for `'a`.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(Failure::InvalidUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_status_and_a_message() {
        let status = guard(|| panic!("boom"));
        assert_eq!(status, Status::Panic);
        // SAFETY: the message pointer is a valid NUL-terminated string until the next failure.
        let message = unsafe { std::ffi::CStr::from_ptr(ffibench_last_error_message()) };
        assert!(message.to_str().unwrap().contains("boom"));
    }

    #[test]
    fn strings_round_trip_and_free() {
        let string = FfiString::from("héllo\0".to_owned());
        // SAFETY: the string was just made by the library and is freed once.
        unsafe {
            let bytes = std::slice::from_raw_parts(string.ptr.cast::<u8>(), string.len);
            assert_eq!(bytes, "héllo\0".as_bytes());
            ffibench_string_free(string);
            ffibench_string_free(FfiString::from(String::new()));
            ffibench_string_free(FfiString {
                ptr: ptr::null_mut(),
                len: 0,
            });
        }
    }

    #[test]
    fn null_and_invalid_utf8_are_refused() {
        // SAFETY: a NULL pointer with a non-zero length is exactly what `text` must refuse.
        let null = unsafe { text(ptr::null(), 3) };
        assert!(matches!(null, Err(Failure::NullPointer(_))));
        let bad = [0xff_u8, 0xfe];
        // SAFETY: two readable bytes.
        let invalid = unsafe { text(bad.as_ptr().cast(), 2) };
        assert!(matches!(invalid, Err(Failure::InvalidUtf8(_))));
        assert!(matches!(
            store(ptr::null_mut::<i64>(), 1),
            Err(Failure::NullPointer(_))
        ));
    }
}
