//! The one error type of the core, which each binding maps once to its own error channel.

use thiserror::Error;

/// Why a core function refused its input or could not finish.
///
/// Each variant maps to one documented Python exception: `InvalidValue` to `ValueError`,
/// `Overflow` to `OverflowError`, `OutOfMemory` to `MemoryError`, `State` to `RuntimeError`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CoreError {
    /// An argument has the right type but a value the operation does not accept.
    #[error("{0}")]
    InvalidValue(String),
    /// A value or a result does not fit the integer type of the contract.
    #[error("{0}")]
    Overflow(String),
    /// Opening or reading a file failed. `errno` is the OS error number (0 when there is
    /// none): the bindings raise the `OSError` subclass Python picks for it.
    #[error("{message}: {path}")]
    Io {
        /// The OS error number.
        errno: i32,
        /// What went wrong, as the OS says it.
        message: String,
        /// The file.
        path: String,
    },
    /// The object is not in a state that allows the call (a stream started twice).
    #[error("{0}")]
    State(String),
    /// An allocation the operation needs could not be made.
    #[error("could not allocate {bytes} bytes")]
    OutOfMemory {
        /// The size of the allocation that failed.
        bytes: usize,
    },
}

/// The result of a fallible core function.
pub type CoreResult<T> = Result<T, CoreError>;
