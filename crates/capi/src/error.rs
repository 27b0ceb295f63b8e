//! Status codes and the thread-local error message: the C ABI's one error channel.

use std::cell::{Cell, RefCell};
use std::ffi::{CString, c_char, c_int};

use ffibench_core::CoreError;

/// The outcome of a call. Anything but `Ok` comes with a message from
/// [`ffibench_last_error_message`]. The Python wrappers map each to one exception class.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Success: the out-parameters hold the result.
    Ok = 0,
    /// An argument has a value the operation does not accept (Python: `ValueError`).
    InvalidValue = 1,
    /// A value or result does not fit a signed 64-bit integer (Python: `OverflowError`).
    Overflow = 2,
    /// An allocation failed (Python: `MemoryError`).
    OutOfMemory = 3,
    /// A string argument is not valid UTF-8 (Python: `UnicodeDecodeError`, a `ValueError`).
    InvalidUtf8 = 4,
    /// A required pointer was NULL (Python: `ValueError`).
    NullPointer = 5,
    /// A bug: Rust panicked, and the panic was caught here (Python: `RuntimeError`).
    Panic = 6,
    /// A file could not be opened or read; [`ffibench_last_error_errno`] gives the OS error
    /// number (Python: the `OSError` subclass it names, such as `FileNotFoundError`).
    Io = 7,
    /// The object is not in a state that allows the call, such as a stream started twice
    /// (Python: `RuntimeError`).
    InvalidState = 8,
}

/// Why a call failed, before it is flattened to a status and a message.
#[derive(Debug)]
pub(crate) enum Failure {
    Core(CoreError),
    InvalidUtf8(std::str::Utf8Error),
    NullPointer(&'static str),
    /// A pointer to numbers (doubles, `size_t`, `uint64_t`...) that is not aligned for their
    /// type: a Rust slice over it would be undefined behaviour, so the call is refused (the
    /// Python wrappers copy such buffers).
    Misaligned(&'static str),
    Panic(String),
}

impl From<CoreError> for Failure {
    fn from(error: CoreError) -> Self {
        Self::Core(error)
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    static LAST_ERRNO: Cell<c_int> = const { Cell::new(0) };
}

/// Stores the failure's message for this thread and returns its status.
pub(crate) fn record(failure: Failure) -> Status {
    let mut errno = 0;
    let (status, message) = match failure {
        Failure::Core(CoreError::Io {
            errno: number,
            message,
            ..
        }) => {
            errno = number;
            (Status::Io, message)
        }
        Failure::Core(error) => {
            let status = match error {
                CoreError::InvalidValue(_) => Status::InvalidValue,
                CoreError::Overflow(_) => Status::Overflow,
                CoreError::OutOfMemory { .. } | CoreError::Io { .. } => Status::OutOfMemory,
                CoreError::State(_) => Status::InvalidState,
            };
            (status, error.to_string())
        }
        Failure::InvalidUtf8(error) => (Status::InvalidUtf8, format!("invalid UTF-8: {error}")),
        Failure::NullPointer(name) => (Status::NullPointer, format!("{name} is a NULL pointer")),
        Failure::Misaligned(name) => (
            Status::InvalidValue,
            format!("{name} is not aligned for its type (copy it to an aligned buffer first)"),
        ),
        Failure::Panic(message) => (
            Status::Panic,
            format!("internal error (Rust panic): {message}"),
        ),
    };
    // A message with an interior NUL would be cut short by C readers; replace it instead.
    let message = CString::new(message.replace('\0', "\u{FFFD}")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
    LAST_ERRNO.with(|slot| slot.set(errno));
    status
}

/// The OS error number of the last failed call on this thread when its status was
/// `FFIBENCH_STATUS_IO` (0 otherwise, or when the OS gave none).
#[unsafe(no_mangle)]
pub extern "C" fn ffibench_last_error_errno() -> c_int {
    LAST_ERRNO.with(Cell::get)
}

/// The message of the last failed call on this thread: a NUL-terminated UTF-8 string, valid
/// until the next failing call on the same thread. Empty when nothing has failed yet.
#[unsafe(no_mangle)]
pub extern "C" fn ffibench_last_error_message() -> *const c_char {
    // The CString lives in a thread-local that is only replaced by the next `record` on this
    // thread, so the pointer stays valid for as long as the contract above promises.
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}
