//! ffibench-python: the PyO3 extension module `ffibench._native` over `ffibench-core`.
//!
//! Conversion and GIL handling only: each function extracts its arguments, calls the core,
//! and maps a [`ffibench_core::CoreError`] to a Python exception in one place ([`error`]).
//! The module is private; `ffibench.backend("pyo3")` is its public face.

mod arrays;
mod basic;
mod buffer;
mod buffers;
mod documents;
mod error;
mod events;
mod http;
mod matmul;
mod person;
mod words;

/// The scenario submodules of `ffibench._native`, one per scenario.
const SUBMODULES: &[&str] = &[
    "basic",
    "person",
    "arrays",
    "words",
    "buffers",
    "events",
    "documents",
    "matmul",
    "http",
];

use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyOverflowError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyInt;

/// `value` as a signed 64-bit int of at least `minimum`, as the spec checks counts:
/// `TypeError` for a non-int, `ValueError` below `minimum` (however far below, even past
/// 64 bits), `OverflowError` from `2**63`.
pub(crate) fn at_least(value: &Bound<'_, PyAny>, name: &str, minimum: i64) -> PyResult<usize> {
    // Anything but an int goes through `operator.index` once, as the spec's check does: an
    // `__index__` past 64 bits is then compared as the int it gives (not as an object that may
    // have no `<`), and one with side effects runs once.
    let index;
    let value = if value.is_exact_instance_of::<PyInt>() {
        value
    } else {
        index = value
            .py()
            .import("operator")?
            .call_method1("index", (value,))?;
        &index
    };
    let number = match value.extract::<i64>() {
        Ok(number) => number,
        Err(error) if error.is_instance_of::<PyOverflowError>(value.py()) => {
            if value.lt(minimum)? {
                return Err(PyValueError::new_err(format!(
                    "{name} must be >= {minimum}, not {}",
                    shown_int(value)
                )));
            }
            return Err(PyOverflowError::new_err(format!(
                "{name} = {} does not fit a signed 64-bit integer",
                shown_int(value)
            )));
        }
        Err(error) => return Err(error),
    };
    if number < minimum {
        return Err(PyValueError::new_err(format!(
            "{name} must be >= {minimum}, not {number}"
        )));
    }
    usize::try_from(number).map_err(|_| PyOverflowError::new_err(format!("{name} = {number}")))
}

/// An argument taken as it comes and checked in the body: an extraction in the signature
/// would check a later argument's type before an earlier argument's value, where the spec
/// checks each argument whole, in order. `Default`: the argument was not passed.
pub(crate) enum Given<'py> {
    Value(Bound<'py, PyAny>),
    Default,
}

impl<'a, 'py> FromPyObject<'a, 'py> for Given<'py> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Self::Value(obj.to_owned()))
    }
}

impl<'py> Given<'py> {
    /// The value passed, or `default` as a Python object.
    pub(crate) fn or<T: IntoPyObject<'py>>(
        self,
        py: Python<'py>,
        default: T,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Self::Value(value) => Ok(value),
            Self::Default => default.into_bound_py_any(py),
        }
    }
}

/// `number` (a Python int) for a message, as the spec's `shown_int` writes it: its digits, or
/// its size past 2048 bits (Python may refuse to turn a longer int into text, and PyO3's
/// `Display` would then print "Exception ignored" and show nothing of it).
pub(crate) fn shown_int(number: &Bound<'_, PyAny>) -> String {
    match number
        .call_method0("bit_length")
        .and_then(|bits| bits.extract::<u64>())
    {
        Ok(bits) if bits > 2048 => format!("an int of {bits} bits"),
        _ => number.to_string(),
    }
}

/// A seed as the spec reads it: `operator.index`, then `0 .. 2**64 - 1` (`OverflowError`).
pub(crate) fn seed_of(seed: &Bound<'_, PyAny>) -> PyResult<u64> {
    let index = seed
        .py()
        .import("operator")?
        .call_method1("index", (seed,))?;
    index.extract::<u64>().map_err(|_| {
        PyOverflowError::new_err(format!(
            "seed = {} is not in 0 .. 2**64 - 1",
            shown_int(&index)
        ))
    })
}

/// The name of `object`'s type, for error messages (`"object"` if it has none readable).
pub(crate) fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// ffibench's Rust workloads, called through PyO3. Private: use ``ffibench.backend("pyo3")``.
///
/// `gil_used = true`: PyO3 0.28 and later declare a module safe for free-threaded Python
/// unless told otherwise. This one is not audited for it: the in-place buffer reads and the
/// column views assume that holding the GIL keeps Python code from writing what Rust reads,
/// which free-threaded Python does not give. A free-threaded interpreter re-enables the GIL
/// when it imports the module (with a warning) instead of running it unprotected.
#[pymodule(name = "_native", gil_used = true)]
mod native {
    #[pymodule_export]
    use super::arrays::arrays;
    #[pymodule_export]
    use super::basic::basic;
    #[pymodule_export]
    use super::buffers::buffers;
    #[pymodule_export]
    use super::documents::documents;
    #[pymodule_export]
    use super::events::events;
    #[pymodule_export]
    use super::http::http;
    #[pymodule_export]
    use super::matmul::matmul;
    #[pymodule_export]
    use super::person::person;
    #[pymodule_export]
    use super::words::words;

    use pyo3::prelude::*;
    use pyo3::types::PyDict;

    use super::SUBMODULES;

    /// Makes each submodule importable by its full name (`import ffibench._native.basic`), as a
    /// Python package's submodule would be, and names it so in reprs and pickles.
    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        let modules = module.py().import("sys")?.getattr("modules")?;
        for name in SUBMODULES {
            let submodule = module.getattr(name)?;
            let full_name = format!("ffibench._native.{name}");
            submodule.setattr("__name__", &full_name)?;
            modules.set_item(full_name, submodule)?;
        }
        Ok(())
    }

    /// How this module was built: ``{"rustc": ..., "pyo3": ..., "profile": ..., "version": ...}``.
    #[pyfunction]
    fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let info = PyDict::new(py);
        info.set_item("rustc", env!("FFIBENCH_RUSTC_VERSION"))?;
        info.set_item("pyo3", env!("FFIBENCH_PYO3_VERSION"))?;
        info.set_item("profile", env!("FFIBENCH_PROFILE"))?;
        info.set_item("version", env!("CARGO_PKG_VERSION"))?;
        info.set_item("unicode", ffibench_core::basic::UNICODE_VERSION)?;
        Ok(info)
    }
}
