//! Scenario 3, `arrays`, as the submodule `ffibench._native.arrays`.
//!
//! Input is a list or tuple of numbers (copied into a `Vec<f64>`, one `PyFloat_AsDouble` per
//! element) or any float64 buffer: an aligned, contiguous, native-order one is read in place;
//! any other (strided, reversed, misaligned, big-endian) is copied once in logical order
//! ([`crate::buffer`], shared with `matmul`). Results of many values are a list for list input and a NumPy array for
//! buffer input, made from the Rust `Vec` without a copy (`IntoPyArray`).

use pyo3::prelude::*;

/// Scenario 3: statistics over float64 lists and buffers across PyO3.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod arrays {
    use ffibench_core::arrays as core;
    use numpy::IntoPyArray;
    use pyo3::buffer::PyUntypedBuffer;
    use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::{PyFloat, PyInt, PyList, PyMemoryView, PyString, PyTuple};

    use crate::buffer::{ByteOrder, copy_items, readable_in_place};
    use crate::error::PyCoreError;
    use crate::{Given, shown_int, type_name};

    /// The values of an `xs` argument, borrowed from a buffer or owned.
    enum Values {
        /// An aligned, C-contiguous, native-order float64 buffer, read in place.
        InPlace(PyUntypedBuffer),
        /// Values copied from a list, a tuple or a strided buffer.
        Owned(Vec<f64>),
    }

    /// The buffer of `xs`, described with shape and strides. An exporter that gives neither
    /// (a ctypes array has no strides, a 0-D array no shape) is read through a memoryview,
    /// which always describes both; an error other than "not a buffer" (a released
    /// memoryview's `ValueError`) is the exporter's own, as in the spec.
    fn buffer_of(xs: &Bound<'_, PyAny>) -> PyResult<PyUntypedBuffer> {
        if let Ok(buffer) = PyUntypedBuffer::get(xs) {
            return Ok(buffer);
        }
        let view = PyMemoryView::from(xs).map_err(|error| {
            if error.is_instance_of::<PyTypeError>(xs.py()) {
                PyTypeError::new_err(format!(
                    "xs must be a list of floats or a float64 buffer, not {}",
                    type_name(xs)
                ))
            } else {
                error
            }
        })?;
        // Checked before the buffer is asked for: a 0-D view has no shape to describe.
        float64_order(
            &view.getattr("format")?.extract::<String>()?,
            view.getattr("ndim")?.extract()?,
        )?;
        PyUntypedBuffer::get(view.as_any())
    }

    /// The byte order of a buffer with this struct-module `format` and number of
    /// `dimensions`, checked as the spec checks: `TypeError` for another format first, then
    /// `ValueError` unless it is 1-D.
    fn float64_order(format: &str, dimensions: usize) -> PyResult<ByteOrder> {
        let Some(order) = ByteOrder::of(format, 'd') else {
            return Err(PyTypeError::new_err(format!(
                "xs must hold float64 values, not buffer format {format:?}"
            )));
        };
        if dimensions != 1 {
            return Err(PyValueError::new_err(format!(
                "xs must be 1-D, not {dimensions}-D"
            )));
        }
        Ok(order)
    }

    /// The values of a 1-D float64 buffer of any alignment, stride and byte order, copied in
    /// logical order without ever forming a reference to a misaligned `f64`.
    fn copy_float64(buffer: &PyUntypedBuffer, order: ByteOrder) -> PyResult<Vec<f64>> {
        if buffer.item_size() != 8 {
            return Err(PyTypeError::new_err(format!(
                "xs must hold float64 values, not {}-byte items",
                buffer.item_size()
            )));
        }
        copy_items::<f64>(buffer, order)
    }

    /// An `xs` argument: its values and whether it was a buffer (so results are arrays).
    struct Input {
        values: Values,
        is_buffer: bool,
    }

    impl Input {
        fn read(xs: &Bound<'_, PyAny>) -> PyResult<Self> {
            if xs.is_instance_of::<PyList>() || xs.is_instance_of::<PyTuple>() {
                let values = xs.extract::<Vec<f64>>()?;
                return Ok(Self {
                    values: Values::Owned(values),
                    is_buffer: false,
                });
            }
            let buffer = buffer_of(xs)?;
            let order = float64_order(&buffer.format().to_string_lossy(), buffer.dimensions())?;
            // In place only when a `&[f64]` over the memory is sound: native order, aligned,
            // contiguous. Anything else (misaligned, strided, reversed, big-endian) is copied
            // once, element by element, in logical order.
            let values = if readable_in_place::<f64>(&buffer, order, false) {
                Values::InPlace(buffer)
            } else {
                Values::Owned(copy_float64(&buffer, order)?)
            };
            Ok(Self {
                values,
                is_buffer: true,
            })
        }

        /// Runs `work` on the values as a slice, without releasing the GIL.
        fn with<R>(&self, work: impl FnOnce(&[f64]) -> R) -> R {
            match &self.values {
                Values::Owned(values) => work(values),
                Values::InPlace(buffer) => match buffer.item_count() {
                    0 => work(&[]),
                    // SAFETY: the buffer holds `length` native f64 (format and item size
                    // checked in `read`), C-contiguous and aligned (checked there too; PyO3's
                    // own `into_typed` is not used: 0.30.1 refuses "<d" on little-endian
                    // machines), and stays exported while `buffer` lives. The
                    // real assumption is that nothing writes to it during `work`: the GIL is held
                    // throughout (this module never releases it while reading, and declares
                    // `gil_used`), which stops Python code, but not a writer that runs without
                    // the GIL (NumPy releases it in large copies and ufuncs, another extension's
                    // thread). Such a concurrent write is a data race the caller has made, as it
                    // would be for NumPy's own reductions.
                    length => work(unsafe {
                        ::std::slice::from_raw_parts(buffer.buf_ptr().cast::<f64>(), length)
                    }),
                },
            }
        }

        /// The values copied out of a buffer read in place: Python code that runs after the
        /// read (an argument's `__float__`) can then not change what the work reads, as the
        /// spec's values are read before its next argument.
        fn detached(self) -> Self {
            if matches!(self.values, Values::InPlace(_)) {
                return Self {
                    values: Values::Owned(self.with(<[f64]>::to_vec)),
                    is_buffer: self.is_buffer,
                };
            }
            self
        }

        /// `values` as this input's kind of result: a list, or a NumPy array.
        fn result<'py>(&self, py: Python<'py>, values: Vec<f64>) -> PyResult<Bound<'py, PyAny>> {
            if self.is_buffer {
                Ok(values.into_pyarray(py).into_any())
            } else {
                Ok(PyList::new(py, values)?.into_any())
            }
        }
    }

    /// The pairwise sum of ``xs`` (NumPy's order); ``0.0`` when empty.
    #[pyfunction]
    fn sum(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(Input::read(xs)?.with(core::sum))
    }

    /// ``sum(xs) / len(xs)``; ``ValueError`` when empty.
    #[pyfunction]
    fn mean(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(Input::read(xs)?
            .with(core::mean)
            .map_err(PyCoreError::from)?)
    }

    /// The population standard deviation; ``ValueError`` when empty.
    #[pyfunction]
    fn std(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(Input::read(xs)?
            .with(core::std)
            .map_err(PyCoreError::from)?)
    }

    /// The smallest value (NaN if any is NaN); ``ValueError`` when empty.
    #[pyfunction]
    fn min(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(Input::read(xs)?
            .with(core::min)
            .map_err(PyCoreError::from)?)
    }

    /// The largest value (NaN if any is NaN); ``ValueError`` when empty.
    #[pyfunction]
    fn max(xs: &Bound<'_, PyAny>) -> PyResult<f64> {
        Ok(Input::read(xs)?
            .with(core::max)
            .map_err(PyCoreError::from)?)
    }

    /// The values greater than ``threshold``: a list for a list, an array for a buffer.
    #[pyfunction]
    fn filter_greater<'py>(
        xs: &Bound<'py, PyAny>,
        threshold: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // `xs` first, then `threshold`, as the spec reads them; a threshold that is not a
        // float or an int runs Python code (`__float__`), which may write to `xs`
        let input = Input::read(xs)?;
        let plain = threshold.is_exact_instance_of::<PyFloat>()
            || threshold.is_exact_instance_of::<PyInt>();
        let input = if plain { input } else { input.detached() };
        let threshold: f64 = threshold.extract()?;
        let kept = input.with(|values| core::filter_greater(values, threshold));
        input.result(xs.py(), kept)
    }

    /// The z-scores ``(x - mean) / std``: a list for a list, an array for a buffer.
    #[pyfunction]
    fn normalize<'py>(xs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let input = Input::read(xs)?;
        let scores = input.with(core::normalize).map_err(PyCoreError::from)?;
        input.result(xs.py(), scores)
    }

    /// `value` as an int, through `operator.index` unless it is one (`TypeError` otherwise).
    fn index<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        if value.is_exact_instance_of::<PyInt>() {
            return Ok(value.clone());
        }
        value
            .py()
            .import("operator")?
            .call_method1("index", (value,))
    }

    /// Checks `n`, `seed` and `dist` in the spec's order (`check_generate`: both ints' types,
    /// then `n`'s value, the seed's range, `dist`) and draws the values without the GIL.
    fn draw(
        py: Python<'_>,
        n: &Bound<'_, PyAny>,
        seed: &Bound<'_, PyAny>,
        dist: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<f64>> {
        let (n, seed) = (index(n)?, index(seed)?);
        if n.lt(0)? {
            return Err(PyValueError::new_err(format!(
                "generate: n must be >= 0, got {}",
                shown_int(&n)
            )));
        }
        let count = n
            .extract::<i64>()
            .ok()
            .and_then(|n| usize::try_from(n).ok());
        let Some(count) = count else {
            return Err(PyOverflowError::new_err(format!(
                "generate: n = {} does not fit a signed 64-bit integer",
                shown_int(&n)
            )));
        };
        let Ok(seed) = seed.extract::<u64>() else {
            return Err(PyOverflowError::new_err(format!(
                "generate: seed = {} is not in 0 .. 2**64 - 1",
                shown_int(&seed)
            )));
        };
        let Ok(name) = dist.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "dist must be str, not {}",
                type_name(dist)
            )));
        };
        // A lone surrogate names no distribution: the spec's ValueError, not an encoding error.
        let text = name.to_str().unwrap_or("\u{fffd}");
        let distribution = core::Distribution::from_name(text).map_err(PyCoreError::from)?;
        Ok(py
            .detach(|| core::generate(count, seed, distribution))
            .map_err(PyCoreError::from)?)
    }

    /// ``n`` random values as a NumPy float64 array: Rust fills a ``Vec`` that becomes the
    /// array's own memory (no copy, no list).
    #[pyfunction]
    #[pyo3(signature = (n, seed, dist = Given::Default), text_signature = "(n, seed, dist='uniform')")]
    fn generate<'py>(
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        seed: &Bound<'py, PyAny>,
        dist: Given<'py>,
    ) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
        Ok(draw(py, n, seed, &dist.or(py, "uniform")?)?.into_pyarray(py))
    }

    /// ``n`` random values as a list of floats.
    #[pyfunction]
    #[pyo3(signature = (n, seed, dist = Given::Default), text_signature = "(n, seed, dist='uniform')")]
    fn generate_list<'py>(
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        seed: &Bound<'py, PyAny>,
        dist: Given<'py>,
    ) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, draw(py, n, seed, &dist.or(py, "uniform")?)?)
    }
}
