//! Scenario 8, `matmul`, as the submodule `ffibench._native.matmul`.
//!
//! Each operand is a 2-D float64 or float32 buffer (a NumPy array of either order, a
//! memoryview…) or a list of rows. A native-order, aligned, C- or Fortran-contiguous buffer is
//! read in place (as a row- or column-major [`MatrixRef`]); any other (strided, misaligned,
//! big-endian) is copied once in logical order ([`crate::buffer`]); a float32 operand beside
//! a float64 one is widened, as NumPy promotes. The result is a new C-ordered NumPy array that
//! Rust fills directly. The GIL stays held during the product: the inputs read in place are
//! Python-owned memory that no Python code may change meanwhile (the same rule as `arrays`);
//! the kernel's own threads never touch Python.

use pyo3::prelude::*;

/// Scenario 8: matrix products across PyO3, with the core's kernel and with faer.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod matmul {
    use ffibench_core::matmul::{self as core, Element, MatrixRef};
    use numpy::npyffi::{PY_ARRAY_API, npy_intp};
    use numpy::{
        PyArray2, PyArrayDescrMethods, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods,
    };
    use pyo3::buffer::PyUntypedBuffer;
    use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyDict, PyFloat, PyList, PyMemoryView, PyString, PyTuple};

    use crate::buffer::{ByteOrder, Float, copy_items, in_place, readable_in_place};
    use crate::error::PyCoreError;
    use crate::type_name;

    /// The element type of a buffer.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Dtype {
        Float64,
        Float32,
    }

    /// Where an operand's values are: in the caller's NumPy array or buffer, or copied.
    enum Storage<T> {
        /// A native, aligned, C- or Fortran-contiguous float ndarray, read through NumPy's
        /// own fields (no buffer request: at n = 2 that is a third of the call).
        Array(Py<PyUntypedArray>),
        InPlace(PyUntypedBuffer),
        Owned(Vec<T>),
    }

    /// One operand of type `T`: its values and how to walk them.
    struct Operand<T> {
        storage: Storage<T>,
        rows: usize,
        cols: usize,
        /// Column-major (a Fortran-contiguous buffer read in place); else row-major.
        column_major: bool,
    }

    impl<T: Float + Element + Typed> Operand<T> {
        fn view(&self, py: Python<'_>) -> PyResult<MatrixRef<'_, T>> {
            let count = self.rows * self.cols;
            let mut column_major = self.column_major;
            let data = match &self.storage {
                Storage::Owned(values) => values.as_slice(),
                Storage::Array(array) => {
                    // Checked again now: reading the other operand may have run Python code
                    // (a list element's `__float__`) that reshaped or retyped this array.
                    let array = array.bind(py);
                    let Some((dtype, fortran)) = array_layout(array) else {
                        return Err(PyValueError::new_err(
                            "matmul: an operand changed while the other was read",
                        ));
                    };
                    if dtype != T::DTYPE || array.shape() != [self.rows, self.cols] {
                        return Err(PyValueError::new_err(
                            "matmul: an operand changed while the other was read",
                        ));
                    }
                    column_major = fortran;
                    if count == 0 {
                        &[]
                    } else {
                        // SAFETY: `array_layout` just checked a native, aligned, contiguous
                        // ndarray of `T` with `rows * cols` items; `array` holds a reference
                        // to it, and no Python code runs while the product reads it (the GIL
                        // is held throughout), so nothing frees or resizes the memory.
                        unsafe {
                            std::slice::from_raw_parts(
                                (*array.as_array_ptr()).fields.data.cast::<T>().cast_const(),
                                count,
                            )
                        }
                    }
                }
                // SAFETY: only made by `read_buffer` after `readable_in_place` accepted the
                // buffer for `T`, with `rows * cols` items; it stays exported while `self`
                // lives and no Python code runs while the product reads it (the GIL is held).
                Storage::InPlace(buffer) => unsafe { in_place::<T>(buffer, count) },
            };
            let view = if column_major {
                MatrixRef::column_major(data, self.rows, self.cols)
            } else {
                MatrixRef::row_major(data, self.rows, self.cols)
            };
            Ok(view.map_err(PyCoreError::from)?)
        }
    }

    /// An operand as read, before the two are brought to one type.
    enum Read {
        Float64(Operand<f64>),
        Float32(Operand<f32>),
    }

    impl Read {
        /// As float64: a float32 operand widened (exactly) into a copy.
        fn into_float64(self, py: Python<'_>) -> PyResult<Operand<f64>> {
            match self {
                Self::Float64(operand) => Ok(operand),
                Self::Float32(operand) => {
                    let values = operand.view(py)?.values();
                    Ok(Operand {
                        storage: Storage::Owned(values.into_iter().map(f64::from).collect()),
                        rows: operand.rows,
                        cols: operand.cols,
                        column_major: false,
                    })
                }
            }
        }
    }

    /// The format code and order of a float64 or float32 buffer format, checked as the spec
    /// checks: `TypeError` for another format, then `ValueError` unless it is 2-D.
    fn dtype_of(name: &str, format: &str, dimensions: usize) -> PyResult<(Dtype, ByteOrder)> {
        let found = if let Some(order) = ByteOrder::of(format, 'd') {
            (Dtype::Float64, order)
        } else if let Some(order) = ByteOrder::of(format, 'f') {
            (Dtype::Float32, order)
        } else {
            return Err(PyTypeError::new_err(format!(
                "{name} must hold float64 or float32 values, not buffer format {format:?}"
            )));
        };
        if dimensions != 2 {
            return Err(PyValueError::new_err(format!(
                "{name} must be 2-D, not {dimensions}-D"
            )));
        }
        Ok(found)
    }

    /// The buffer of `x`; an exporter that describes no shape or strides is read through a
    /// memoryview, which always does.
    fn buffer_of(name: &str, x: &Bound<'_, PyAny>) -> PyResult<PyUntypedBuffer> {
        if let Ok(buffer) = PyUntypedBuffer::get(x) {
            return Ok(buffer);
        }
        let view = PyMemoryView::from(x).map_err(|error| {
            if error.is_instance_of::<PyTypeError>(x.py()) {
                PyTypeError::new_err(format!(
                    "{name} must be a 2-D float64 or float32 array or a list of rows, not {}",
                    type_name(x)
                ))
            } else {
                error
            }
        })?;
        dtype_of(
            name,
            &view.getattr("format")?.extract::<String>()?,
            view.getattr("ndim")?.extract()?,
        )?;
        PyUntypedBuffer::get(view.as_any())
    }

    /// The element type of a float type.
    trait Typed {
        const DTYPE: Dtype;
    }

    impl Typed for f64 {
        const DTYPE: Dtype = Dtype::Float64;
    }

    impl Typed for f32 {
        const DTYPE: Dtype = Dtype::Float32;
    }

    /// NumPy's type numbers of float32 and float64 (`NPY_FLOAT`, `NPY_DOUBLE`).
    const NPY_FLOAT: i32 = 11;
    const NPY_DOUBLE: i32 = 12;

    /// For an ndarray that can be read in place (2-D, native float64 or float32, aligned, C-
    /// or Fortran-contiguous): its dtype and whether it is Fortran-ordered only. `None` for
    /// anything else, which the buffer path then reads (or refuses) as the spec says.
    fn array_layout(array: &Bound<'_, PyUntypedArray>) -> Option<(Dtype, bool)> {
        if array.ndim() != 2 {
            return None;
        }
        let descr = array.dtype();
        let dtype = match descr.num() {
            NPY_DOUBLE => Dtype::Float64,
            NPY_FLOAT => Dtype::Float32,
            _ => return None,
        };
        if descr.is_native_byteorder() == Some(false) {
            return None;
        }
        // SAFETY: the array object is alive (`array` holds a reference); `data` is its field.
        let data = unsafe { (*array.as_array_ptr()).fields.data };
        let size = if dtype == Dtype::Float64 { 8 } else { 4 };
        if data.addr() % size != 0 {
            return None;
        }
        if array.is_c_contiguous() {
            Some((dtype, false))
        } else if array.is_fortran_contiguous() {
            Some((dtype, true))
        } else {
            None
        }
    }

    /// Reads one operand: a list of rows, or a buffer.
    fn read(name: &str, x: &Bound<'_, PyAny>) -> PyResult<Read> {
        if let Ok(array) = x.cast::<PyUntypedArray>()
            && let Some((dtype, fortran)) = array_layout(array)
        {
            let (rows, cols) = (array.shape()[0], array.shape()[1]);
            let storage = || array.clone().unbind();
            return Ok(match dtype {
                Dtype::Float64 => Read::Float64(Operand {
                    storage: Storage::Array(storage()),
                    rows,
                    cols,
                    column_major: fortran,
                }),
                Dtype::Float32 => Read::Float32(Operand {
                    storage: Storage::Array(storage()),
                    rows,
                    cols,
                    column_major: fortran,
                }),
            });
        }
        if x.is_instance_of::<PyList>() || x.is_instance_of::<PyTuple>() {
            return read_rows(name, x).map(Read::Float64);
        }
        let buffer = buffer_of(name, x)?;
        let (dtype, order) = dtype_of(
            name,
            &buffer.format().to_string_lossy(),
            buffer.dimensions(),
        )?;
        if buffer
            .suboffsets()
            .is_some_and(|offsets| offsets.iter().any(|&offset| offset >= 0))
        {
            return Err(PyTypeError::new_err(format!(
                "{name} is an indirect (suboffsets) buffer, which matmul does not read"
            )));
        }
        Ok(match dtype {
            Dtype::Float64 => Read::Float64(read_buffer(name, buffer, order)?),
            Dtype::Float32 => Read::Float32(read_buffer(name, buffer, order)?),
        })
    }

    fn read_buffer<T: Float + Element>(
        name: &str,
        buffer: PyUntypedBuffer,
        order: ByteOrder,
    ) -> PyResult<Operand<T>> {
        if buffer.item_size() != size_of::<T>() {
            return Err(PyTypeError::new_err(format!(
                "{name} must hold {} values, not {}-byte items",
                T::NAME,
                buffer.item_size()
            )));
        }
        let (rows, cols) = (buffer.shape()[0], buffer.shape()[1]);
        if readable_in_place::<T>(&buffer, order, true) {
            // Strides are not read: NumPy may give any stride to a dimension of length 1.
            let column_major = !buffer.is_c_contiguous();
            return Ok(Operand {
                storage: Storage::InPlace(buffer),
                rows,
                cols,
                column_major,
            });
        }
        Ok(Operand {
            storage: Storage::Owned(copy_items::<T>(&buffer, order)?),
            rows,
            cols,
            column_major: false,
        })
    }

    /// A list or tuple of rows, each a list or tuple of real numbers of one length.
    fn read_rows(name: &str, x: &Bound<'_, PyAny>) -> PyResult<Operand<f64>> {
        let rows: Vec<Bound<'_, PyAny>> = x.try_iter()?.collect::<PyResult<_>>()?;
        if rows.is_empty() {
            return Err(PyValueError::new_err(format!(
                "{name} must be 2-D: an empty list has no rows"
            )));
        }
        let mut values = Vec::new();
        let mut width = None;
        for row in &rows {
            if !(row.is_instance_of::<PyList>() || row.is_instance_of::<PyTuple>()) {
                return Err(PyValueError::new_err(format!(
                    "{name} must be 2-D: a list of rows (lists or tuples), not of {}",
                    type_name(row)
                )));
            }
            let items: Vec<Bound<'_, PyAny>> = row.try_iter()?.collect::<PyResult<_>>()?;
            match width {
                None => width = Some(items.len()),
                Some(expected) if expected != items.len() => {
                    return Err(PyValueError::new_err(format!(
                        "{name}: rows of different lengths ({expected} and {})",
                        items.len()
                    )));
                }
                Some(_) => {}
            }
            for item in items {
                values.push(real_number(name, &item)?);
            }
        }
        Ok(Operand {
            storage: Storage::Owned(values),
            rows: rows.len(),
            cols: width.unwrap_or(0),
            column_major: false,
        })
    }

    /// A list element as the spec's `_as_float` reads it: a `float` (or subclass) by its
    /// value; a `str` or `bytes` (even a subclass with `__float__`) refused; anything else
    /// through `__float__` or `__index__`, whose own exception (an `OverflowError` for an int
    /// beyond a double, a `ValueError` for a signalling `Decimal`, a warning made an error)
    /// propagates as `float()` lets it; only a `TypeError` becomes the spec's message.
    fn real_number(name: &str, item: &Bound<'_, PyAny>) -> PyResult<f64> {
        let not_real = || {
            PyTypeError::new_err(format!(
                "{name} must hold real numbers, not {}",
                type_name(item)
            ))
        };
        if !item.is_instance_of::<PyFloat>()
            && (item.is_instance_of::<PyString>() || item.is_instance_of::<PyBytes>())
        {
            return Err(not_real());
        }
        item.extract::<f64>().map_err(|error| {
            if error.is_instance_of::<PyTypeError>(item.py()) {
                not_real()
            } else {
                error
            }
        })
    }

    /// Which kernel computes the product.
    #[derive(Clone, Copy)]
    enum Engine {
        Ours,
        Faer,
    }

    fn product_of<'py, T: Float + Element + Typed>(
        py: Python<'py>,
        a: Operand<T>,
        b: Operand<T>,
        engine: Engine,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (a, b) = (a.view(py)?, b.view(py)?);
        if a.cols() != b.rows() {
            return Err(PyValueError::new_err(format!(
                "matmul: shapes ({}, {}) and ({}, {}) do not match: a has {} columns, b {} rows",
                a.rows(),
                a.cols(),
                b.rows(),
                b.cols(),
                a.cols(),
                b.rows()
            )));
        }
        let out = zeros::<T>(py, a.rows(), b.cols())?;
        // SAFETY: the array was just made here, C-contiguous, and no other reference to it
        // exists yet (so no borrow to track: numpy's `readwrite` would cost more than a small
        // product).
        let slice = unsafe { out.as_slice_mut() }
            .map_err(|error| PyValueError::new_err(error.to_string()))?;
        if a.cols() == 0 || slice.is_empty() {
            // The zeros are already there: writing them again would touch every page of a
            // result that may be far larger than memory (NumPy's calloc is lazy).
            return Ok(out.into_any());
        }
        match engine {
            Engine::Ours => core::matmul_into(a, b, slice).map_err(PyCoreError::from)?,
            Engine::Faer => core::faer_matmul_into(a, b, slice).map_err(PyCoreError::from)?,
        }
        Ok(out.into_any())
    }

    /// A new zeroed C-ordered `rows x cols` array; NumPy's `MemoryError` (or `ValueError`
    /// for a size beyond `npy_intp`) when it cannot be made, never a panic.
    fn zeros<T: Float>(
        py: Python<'_>,
        rows: usize,
        cols: usize,
    ) -> PyResult<Bound<'_, PyArray2<T>>> {
        let too_large =
            || PyMemoryError::new_err(format!("cannot allocate a {rows} x {cols} array"));
        let mut dims = [
            npy_intp::try_from(rows).map_err(|_| too_large())?,
            npy_intp::try_from(cols).map_err(|_| too_large())?,
        ];
        rows.checked_mul(cols)
            .and_then(|count| count.checked_mul(size_of::<T>()))
            .filter(|&bytes| isize::try_from(bytes).is_ok())
            .ok_or_else(too_large)?;
        // SAFETY: NumPy's C API, imported by the numpy crate; `dims` holds two dimensions and
        // the descriptor reference is handed to NumPy, which steals it. A NULL result comes with
        // NumPy's own exception, which `from_owned_ptr_or_err` fetches.
        let array = unsafe {
            let pointer = PY_ARRAY_API.PyArray_Zeros(
                py,
                2,
                dims.as_mut_ptr(),
                T::get_dtype(py).into_dtype_ptr(),
                0,
            );
            Bound::from_owned_ptr_or_err(py, pointer)?
        };
        Ok(array.cast_into::<PyArray2<T>>()?)
    }

    fn product<'py>(
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
        engine: Engine,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = a.py();
        let (a, b) = (read("a", a)?, read("b", b)?);
        match (a, b) {
            (Read::Float32(a), Read::Float32(b)) => product_of(py, a, b, engine),
            (a, b) => product_of(py, a.into_float64(py)?, b.into_float64(py)?, engine),
        }
    }

    /// ``a @ b`` with ffibench's own kernel: a new C-ordered array.
    #[pyfunction]
    fn matmul<'py>(a: &Bound<'py, PyAny>, b: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        product(a, b, Engine::Ours)
    }

    /// ``a @ b`` with faer 0.24, read and returned exactly as :func:`matmul` does.
    #[pyfunction]
    fn faer_matmul<'py>(
        a: &Bound<'py, PyAny>,
        b: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        product(a, b, Engine::Faer)
    }

    /// The kernel's instruction set on this CPU (``"AVX-512"``, ``"AVX2+FMA"``,
    /// ``"portable"``) and the thread count of its large products.
    #[pyfunction]
    fn kernel_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let info = PyDict::new(py);
        info.set_item("isa", core::isa().name())?;
        info.set_item("threads", core::threads())?;
        Ok(info)
    }

    /// The FMA peak of this CPU in GFLOP/s, per instruction set, dtype and thread count:
    /// ``{(isa, dtype, threads): gflops}`` for 1 thread and for every core, each the best of
    /// ``repeats`` runs of ``duration_s`` seconds. The GIL is released while it measures.
    #[pyfunction]
    #[pyo3(signature = (duration_s = 0.2, repeats = 3))]
    fn fma_peak(
        py: Python<'_>,
        duration_s: f64,
        repeats: usize,
    ) -> PyResult<Vec<(String, String, usize, f64)>> {
        if !(duration_s.is_finite() && duration_s > 0.0 && duration_s <= 10.0) {
            return Err(PyValueError::new_err(format!(
                "duration_s must be in (0, 10], not {duration_s}"
            )));
        }
        if repeats == 0 || repeats > 100 {
            return Err(PyValueError::new_err(format!(
                "repeats must be in 1 .. 100, not {repeats}"
            )));
        }
        let duration = std::time::Duration::from_secs_f64(duration_s);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        py.detach(|| {
            let mut found = Vec::new();
            for isa in core::Isa::available() {
                for threads in [1, cores] {
                    let f64_rate = core::peak::measure::<f64>(isa, threads, duration, repeats)?;
                    found.push((
                        isa.name().to_owned(),
                        "float64".to_owned(),
                        threads,
                        f64_rate,
                    ));
                    let f32_rate = core::peak::measure::<f32>(isa, threads, duration, repeats)?;
                    found.push((
                        isa.name().to_owned(),
                        "float32".to_owned(),
                        threads,
                        f32_rate,
                    ));
                    if cores == 1 {
                        break;
                    }
                }
            }
            Ok::<_, ffibench_core::CoreError>(found)
        })
        .map_err(|error| PyCoreError::from(error).into())
    }
}
