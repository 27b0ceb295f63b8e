//! The one conversion of core errors into Python exceptions.

use ffibench_core::CoreError;
use pyo3::PyErr;
use pyo3::exceptions::{PyMemoryError, PyOSError, PyOverflowError, PyRuntimeError, PyValueError};

/// A core error on its way to Python; `?` on a core result converts into it.
#[derive(Debug)]
pub(crate) struct PyCoreError(CoreError);

impl From<CoreError> for PyCoreError {
    fn from(error: CoreError) -> Self {
        Self(error)
    }
}

impl From<PyCoreError> for PyErr {
    fn from(PyCoreError(error): PyCoreError) -> Self {
        let message = error.to_string();
        match error {
            CoreError::InvalidValue(_) => PyValueError::new_err(message),
            CoreError::Overflow(_) => PyOverflowError::new_err(message),
            CoreError::OutOfMemory { .. } => PyMemoryError::new_err(message),
            CoreError::State(_) => PyRuntimeError::new_err(message),
            // OSError(errno, strerror, filename): Python picks the subclass from errno.
            CoreError::Io {
                errno,
                message,
                path,
            } => PyOSError::new_err((errno, message, path)),
        }
    }
}
