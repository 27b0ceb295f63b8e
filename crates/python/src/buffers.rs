//! Scenario 5, `buffers`, as the submodule `ffibench._native.buffers`.
//!
//! Rust allocates and fills the values (`ffibench_core::buffers`), then hands the memory over
//! without a copy:
//!
//! - `generate` gives the `Vec` itself to a NumPy array (rust-numpy's `into_pyarray`: the
//!   array's base owns the `Vec` and frees it when the array and every view of it are gone);
//! - a `Buffer` keeps the values behind an `Arc` and lends them read-only through the buffer
//!   protocol (its shape and strides live in the object, which every view keeps alive), DLPack
//!   (a versioned `DLManagedTensorVersioned` marked read-only, whose deleter drops a share of
//!   the `Arc`) and Arrow's C data interface (an `ArrowArray` whose release callback drops a
//!   share). DLPack's and Arrow's callbacks may run on any thread without the GIL, so they own
//!   Rust memory only, never a Python reference.
//!
//! The values never change after they are made, so a `Buffer` needs no lock and no borrow
//! flag (`frozen`), and any number of consumers and threads may read it at once.

use std::ffi::{CStr, c_char, c_int, c_void};
use std::ptr;
use std::sync::Arc;

use ffibench_core::buffers::{Dtype, Values};
use pyo3::exceptions::{PyBufferError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use pyo3::{Bound, ffi};

use crate::error::PyCoreError;
use crate::{at_least, seed_of, type_name};

/// What makes a buffer again: `n`, the dtype's name and the seed (`__reduce__`'s arguments).
type Key = (usize, &'static str, u64);

/// Checks the arguments in the spec's order (`n`, `dtype`, `seed`) with its exceptions.
fn arguments(
    n: &Bound<'_, PyAny>,
    dtype: &Bound<'_, PyAny>,
    seed: &Bound<'_, PyAny>,
) -> PyResult<(usize, Dtype, u64)> {
    let count = at_least(n, "n", 0)?;
    let Ok(name) = dtype.cast::<PyString>() else {
        return Err(PyTypeError::new_err(format!(
            "dtype must be str, not {}",
            type_name(dtype)
        )));
    };
    // A lone surrogate is no dtype's name: the spec's ValueError, not an encoding error.
    let text = name.to_str().unwrap_or("\u{fffd}");
    let dtype = Dtype::from_name(text).map_err(PyCoreError::from)?;
    let seed = seed_of(seed)?;
    Ok((count, dtype, seed))
}

/// Makes the values without holding the GIL.
fn make(py: Python<'_>, n: usize, dtype: Dtype, seed: u64) -> PyResult<Values> {
    Ok(py
        .detach(|| Values::generate(n, dtype, seed))
        .map_err(PyCoreError::from)?)
}

/// The buffer protocol's format string of each dtype (struct module syntax, native order).
fn format(dtype: Dtype) -> &'static CStr {
    match dtype {
        Dtype::F64 => c"d",
        Dtype::F32 => c"f",
        Dtype::I64 => c"q",
        Dtype::U8 => c"B",
    }
}

/// A tuple of two integers, as NumPy reads `dl_device`: `TypeError` with
/// `message` for anything else, the integer's own error (`OverflowError`) for a huge one.
fn pair(value: &Bound<'_, PyAny>, message: &'static str) -> PyResult<(i64, i64)> {
    let tuple = value
        .cast::<PyTuple>()
        .ok()
        .filter(|tuple| tuple.len() == 2)
        .ok_or_else(|| PyTypeError::new_err(message))?;
    Ok((tuple.get_item(0)?.extract()?, tuple.get_item(1)?.extract()?))
}

// -- DLPack (dlpack.h, version 1.0) ----------------------------------------------------------

#[repr(C)]
#[derive(Clone, Copy)]
struct DlPackVersion {
    major: u32,
    minor: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct DlDevice {
    device_type: i32,
    device_id: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct DlDataType {
    code: u8,
    bits: u8,
    lanes: u16,
}

#[repr(C)]
struct DlTensor {
    data: *mut c_void,
    device: DlDevice,
    ndim: i32,
    dtype: DlDataType,
    shape: *mut i64,
    strides: *mut i64,
    byte_offset: u64,
}

/// `DLManagedTensorVersioned`: what a `dltensor_versioned` capsule points to.
#[repr(C)]
struct DlManagedTensorVersioned {
    version: DlPackVersion,
    manager_ctx: *mut c_void,
    deleter: Option<unsafe extern "C" fn(*mut DlManagedTensorVersioned)>,
    flags: u64,
    dl_tensor: DlTensor,
}

/// `DLManagedTensor` (before 1.0): what a `dltensor` capsule points to.
#[repr(C)]
struct DlManagedTensor {
    dl_tensor: DlTensor,
    manager_ctx: *mut c_void,
    deleter: Option<unsafe extern "C" fn(*mut DlManagedTensor)>,
}

const KDL_CPU: i32 = 1;
const DLPACK_FLAG_READ_ONLY: u64 = 1;
const DLPACK_FLAG_IS_COPIED: u64 = 1 << 1;
const DLPACK_VERSIONED: &CStr = c"dltensor_versioned";
const DLPACK_LEGACY: &CStr = c"dltensor";

fn dl_dtype(dtype: Dtype) -> DlDataType {
    let (code, bits) = match dtype {
        Dtype::F64 => (2, 64),
        Dtype::F32 => (2, 32),
        Dtype::I64 => (0, 64),
        Dtype::U8 => (1, 8),
    };
    DlDataType {
        code,
        bits,
        lanes: 1,
    }
}

/// What a DLPack tensor owns: a share of the values and the shape its `DLTensor` points to.
/// Boxed with the tensor struct first, so a pointer to one is a pointer to the other.
#[repr(C)]
struct Exported<T> {
    tensor: T,
    shape: [i64; 1],
    values: Arc<Values>,
}

impl<T> Exported<T> {
    /// The `DLTensor` over `values`. A share nobody else holds (a copy made for the consumer,
    /// which may write it) lends a pointer made from a unique borrow; a shared one is lent
    /// read-only and flagged so.
    fn tensor_of(values: &mut Arc<Values>, shape: &mut [i64; 1]) -> DlTensor {
        let data = match Arc::get_mut(values) {
            Some(unique) => unique.as_mut_ptr(),
            None => values.raw().0.cast_mut(),
        };
        DlTensor {
            data: data.cast(),
            device: DlDevice {
                device_type: KDL_CPU,
                device_id: 0,
            },
            ndim: 1,
            dtype: dl_dtype(values.dtype()),
            shape: shape.as_mut_ptr(),
            strides: ptr::null_mut(), // compact, row-major
            byte_offset: 0,
        }
    }
}

/// The deleter of a versioned tensor: frees what [`versioned`] boxed. Any thread, no GIL.
unsafe extern "C" fn delete_versioned(tensor: *mut DlManagedTensorVersioned) {
    if !tensor.is_null() {
        // SAFETY: `tensor` is the first field of a `Box<Exported<..>>` leaked by `versioned`
        // (repr(C): same address), and DLPack calls the deleter once.
        drop(unsafe { Box::from_raw(tensor.cast::<Exported<DlManagedTensorVersioned>>()) });
    }
}

/// The deleter of a legacy tensor: frees what [`legacy`] boxed. Any thread, no GIL.
unsafe extern "C" fn delete_legacy(tensor: *mut DlManagedTensor) {
    if !tensor.is_null() {
        // SAFETY: as in `delete_versioned`, for a box leaked by `legacy`.
        drop(unsafe { Box::from_raw(tensor.cast::<Exported<DlManagedTensor>>()) });
    }
}

fn versioned(mut values: Arc<Values>, flags: u64) -> *mut DlManagedTensorVersioned {
    let mut shape = [values.len() as i64];
    let tensor = Exported::<DlManagedTensorVersioned>::tensor_of(&mut values, &mut shape);
    let boxed = Box::into_raw(Box::new(Exported {
        tensor: DlManagedTensorVersioned {
            version: DlPackVersion { major: 1, minor: 0 },
            manager_ctx: ptr::null_mut(),
            deleter: Some(delete_versioned),
            flags,
            dl_tensor: tensor,
        },
        shape,
        values,
    }));
    // SAFETY: just leaked, so valid and unique; the shape must point into the box, not at
    // the local array it was copied from.
    unsafe { (*boxed).tensor.dl_tensor.shape = (*boxed).shape.as_mut_ptr() };
    boxed.cast()
}

fn legacy(mut values: Arc<Values>) -> *mut DlManagedTensor {
    let mut shape = [values.len() as i64];
    let tensor = Exported::<DlManagedTensor>::tensor_of(&mut values, &mut shape);
    let boxed = Box::into_raw(Box::new(Exported {
        tensor: DlManagedTensor {
            dl_tensor: tensor,
            manager_ctx: ptr::null_mut(),
            deleter: Some(delete_legacy),
        },
        shape,
        values,
    }));
    // SAFETY: as in `versioned`.
    unsafe { (*boxed).tensor.dl_tensor.shape = (*boxed).shape.as_mut_ptr() };
    boxed.cast()
}

/// The destructor of a DLPack capsule: a tensor nobody consumed (the capsule still has its
/// name; a consumer renames it `used_…`) is deleted here.
unsafe extern "C" fn dlpack_capsule_destructor(capsule: *mut ffi::PyObject) {
    // SAFETY: called by CPython with a live capsule; the name checks make GetPointer succeed
    // without setting an error. A versioned capsule points to a `DlManagedTensorVersioned`,
    // a legacy one to a `DlManagedTensor`, each made above with its deleter.
    unsafe {
        if ffi::PyCapsule_IsValid(capsule, DLPACK_VERSIONED.as_ptr()) == 1 {
            let tensor = ffi::PyCapsule_GetPointer(capsule, DLPACK_VERSIONED.as_ptr())
                .cast::<DlManagedTensorVersioned>();
            if let Some(deleter) = (*tensor).deleter {
                deleter(tensor);
            }
        } else if ffi::PyCapsule_IsValid(capsule, DLPACK_LEGACY.as_ptr()) == 1 {
            let tensor = ffi::PyCapsule_GetPointer(capsule, DLPACK_LEGACY.as_ptr())
                .cast::<DlManagedTensor>();
            if let Some(deleter) = (*tensor).deleter {
                deleter(tensor);
            }
        }
    }
}

/// A capsule called `name` over `pointer`, deleted by its destructor unless consumed. On
/// failure the tensor is deleted by `on_error`.
fn capsule<'py>(
    py: Python<'py>,
    pointer: *mut c_void,
    name: &'static CStr,
    destructor: unsafe extern "C" fn(*mut ffi::PyObject),
    on_error: impl FnOnce(),
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `name` is static (a capsule keeps the pointer); `pointer` is non-NULL.
    let raw = unsafe { ffi::PyCapsule_New(pointer, name.as_ptr(), Some(destructor)) };
    if raw.is_null() {
        on_error();
        return Err(PyErr::fetch(py));
    }
    // SAFETY: a new reference, just checked non-NULL.
    Ok(unsafe { Bound::from_owned_ptr(py, raw) })
}

// -- Arrow's C data interface ----------------------------------------------------------------

/// `struct ArrowSchema`.
#[repr(C)]
struct ArrowSchema {
    format: *const c_char,
    name: *const c_char,
    metadata: *const c_char,
    flags: i64,
    n_children: i64,
    children: *mut *mut ArrowSchema,
    dictionary: *mut ArrowSchema,
    release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    private_data: *mut c_void,
}

/// `struct ArrowArray`.
#[repr(C)]
struct ArrowArray {
    length: i64,
    null_count: i64,
    offset: i64,
    n_buffers: i64,
    n_children: i64,
    buffers: *mut *const c_void,
    children: *mut *mut ArrowArray,
    dictionary: *mut ArrowArray,
    release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    private_data: *mut c_void,
}

const ARROW_FLAG_NULLABLE: i64 = 2;
const ARROW_SCHEMA: &CStr = c"arrow_schema";
const ARROW_ARRAY: &CStr = c"arrow_array";

/// What an exported `ArrowArray` owns: its buffer pointers and a share of the values.
struct ArrayPrivate {
    buffers: [*const c_void; 2],
    _values: Arc<Values>,
}

fn arrow_format(dtype: Dtype) -> &'static CStr {
    match dtype {
        Dtype::F64 => c"g",
        Dtype::F32 => c"f",
        Dtype::I64 => c"l",
        Dtype::U8 => c"C",
    }
}

/// The release callback of a schema: its strings are static, it owns nothing else.
unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    if !schema.is_null() {
        // SAFETY: a live schema made by `__arrow_c_array__`; marking it released is all there
        // is to do.
        unsafe { (*schema).release = None };
    }
}

/// The release callback of an array: drops its share of the values. Any thread, no GIL.
unsafe extern "C" fn release_array(array: *mut ArrowArray) {
    if array.is_null() {
        return;
    }
    // SAFETY: a live array made by `__arrow_c_array__` (or moved from one, with its fields),
    // released once: `private_data` is the box leaked there.
    unsafe {
        drop(Box::from_raw((*array).private_data.cast::<ArrayPrivate>()));
        (*array).release = None;
    }
}

/// The destructor of an `arrow_schema` capsule: releases a schema nobody moved out, frees the
/// struct.
unsafe extern "C" fn schema_capsule_destructor(capsule: *mut ffi::PyObject) {
    // SAFETY: the capsule was made with this name over a leaked `Box<ArrowSchema>`; a consumer
    // that moved the schema out set its `release` to NULL.
    unsafe {
        let schema =
            ffi::PyCapsule_GetPointer(capsule, ARROW_SCHEMA.as_ptr()).cast::<ArrowSchema>();
        if schema.is_null() {
            ffi::PyErr_Clear();
            return;
        }
        if let Some(release) = (*schema).release {
            release(schema);
        }
        drop(Box::from_raw(schema));
    }
}

/// The destructor of an `arrow_array` capsule, as for the schema.
unsafe extern "C" fn array_capsule_destructor(capsule: *mut ffi::PyObject) {
    // SAFETY: as in `schema_capsule_destructor`, for a leaked `Box<ArrowArray>`.
    unsafe {
        let array = ffi::PyCapsule_GetPointer(capsule, ARROW_ARRAY.as_ptr()).cast::<ArrowArray>();
        if array.is_null() {
            ffi::PyErr_Clear();
            return;
        }
        if let Some(release) = (*array).release {
            release(array);
        }
        drop(Box::from_raw(array));
    }
}

/// Scenario 5: large arrays made in Rust, handed to NumPy, DLPack and Arrow without a copy.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod buffers {
    use super::*;

    use numpy::IntoPyArray;
    use pyo3::types::{PyBytes, PyList};

    /// Sets up rust-numpy's access to NumPy's C API now, at import: done lazily by the first
    /// `generate`, a failure there (no memory to load NumPy's module) would be a panic.
    #[pymodule_init]
    fn init(module: &Bound<'_, PyModule>) -> PyResult<()> {
        drop(numpy::PyArray1::<u8>::zeros(module.py(), 0, false));
        Ok(())
    }

    /// ``n`` values of ``dtype`` as a new, writable NumPy array: the ``Vec`` Rust filled
    /// becomes the array's memory, freed when the array and every view of it are gone.
    #[pyfunction]
    #[pyo3(signature = (n, dtype = None, seed = None))]
    fn generate<'py>(
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        dtype: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (n, dtype, seed) = defaults(py, n, dtype, seed)?;
        Ok(match make(py, n, dtype, seed)? {
            Values::F64(values) => values.into_pyarray(py).into_any(),
            Values::F32(values) => values.into_pyarray(py).into_any(),
            Values::I64(values) => values.into_pyarray(py).into_any(),
            Values::U8(values) => values.into_pyarray(py).into_any(),
        })
    }

    /// The values as a list of Python numbers: a copy, for contrast.
    #[pyfunction]
    #[pyo3(signature = (n, dtype = None, seed = None))]
    fn generate_list<'py>(
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        dtype: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (n, dtype, seed) = defaults(py, n, dtype, seed)?;
        match make(py, n, dtype, seed)? {
            Values::F64(values) => list_of(py, &values, float),
            Values::F32(values) => list_of(py, &values, |x| float(f64::from(x))),
            Values::I64(values) => list_of(py, &values, int),
            Values::U8(values) => list_of(py, &values, |x| int(i64::from(x))),
        }
    }

    /// The values' bytes in native byte order: made in Rust, then copied into a ``bytes``.
    #[pyfunction]
    #[pyo3(signature = (n, dtype = None, seed = None))]
    fn generate_bytes<'py>(
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        dtype: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let (n, dtype, seed) = defaults(py, n, dtype, seed)?;
        let values = make(py, n, dtype, seed)?;
        let bytes = values.as_bytes();
        // `new_with`, not `new`: a bytes object that cannot be allocated is a MemoryError
        // (`PyBytes::new` would panic).
        PyBytes::new_with(py, bytes.len(), |target| {
            target.copy_from_slice(bytes);
            Ok(())
        })
    }

    /// A new float, or NULL with an exception set. Called by `list_of`, which holds the GIL.
    fn float(value: f64) -> *mut ffi::PyObject {
        // SAFETY: the GIL is held (see above); the function takes a plain double.
        unsafe { ffi::PyFloat_FromDouble(value) }
    }

    /// A new int, or NULL with an exception set. Called by `list_of`, which holds the GIL.
    fn int(value: i64) -> *mut ffi::PyObject {
        // SAFETY: the GIL is held (see above); the function takes a plain integer.
        unsafe { ffi::PyLong_FromLongLong(value) }
    }

    /// A list of `values` made Python objects by `make` (a new reference, or NULL with an
    /// exception set): a `MemoryError` where `PyList::new` would panic.
    fn list_of<'py, T: Copy>(
        py: Python<'py>,
        values: &[T],
        make: impl Fn(T) -> *mut ffi::PyObject,
    ) -> PyResult<Bound<'py, PyList>> {
        let length = ffi::Py_ssize_t::try_from(values.len())
            .map_err(|_| pyo3::exceptions::PyMemoryError::new_err("too many values for a list"))?;
        // SAFETY: PyList_New returns a new reference or NULL with an exception set; a list
        // whose slots are still NULL may be dropped (its deallocator skips them).
        let list = unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyList_New(length))? };
        for (index, &value) in values.iter().enumerate() {
            let item = make(value);
            if item.is_null() {
                return Err(PyErr::fetch(py));
            }
            // SAFETY: `index` < `length`, the list is new and its slot empty; SET_ITEM steals
            // the new reference.
            unsafe { ffi::PyList_SET_ITEM(list.as_ptr(), index as ffi::Py_ssize_t, item) };
        }
        // SAFETY: made by PyList_New above.
        Ok(unsafe { list.cast_into_unchecked() })
    }

    /// The spec's defaults (``dtype="float64"``, ``seed=0``), then its checks.
    fn defaults<'py>(
        py: Python<'py>,
        n: &Bound<'py, PyAny>,
        dtype: Option<&Bound<'py, PyAny>>,
        seed: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(usize, Dtype, u64)> {
        let float64 = PyString::new(py, "float64").into_any();
        let zero = 0_u8.into_pyobject(py)?.into_any();
        arguments(n, dtype.unwrap_or(&float64), seed.unwrap_or(&zero))
    }

    /// ``n`` values of ``dtype`` from ``seed`` in read-only memory that Rust owns, lent with
    /// no copy through the buffer protocol, DLPack and Arrow's PyCapsule interface.
    #[pyclass(frozen, subclass, weakref, module = "ffibench._native.buffers")]
    pub(crate) struct Buffer {
        values: Arc<Values>,
        /// The buffer protocol's shape and strides: views point here, and keep `self` alive.
        shape: [ffi::Py_ssize_t; 1],
        strides: [ffi::Py_ssize_t; 1],
        key: Key,
    }

    #[pymethods]
    impl Buffer {
        #[new]
        #[pyo3(signature = (n, dtype = None, seed = None))]
        fn new(
            py: Python<'_>,
            n: &Bound<'_, PyAny>,
            dtype: Option<&Bound<'_, PyAny>>,
            seed: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let (n, dtype, seed) = defaults(py, n, dtype, seed)?;
            let values = make(py, n, dtype, seed)?;
            // A Vec's length and size fit isize, so these conversions cannot fail.
            let shape = [ffi::Py_ssize_t::try_from(n).unwrap_or(ffi::Py_ssize_t::MAX)];
            let strides = [dtype.itemsize() as ffi::Py_ssize_t];
            Ok(Self {
                values: Arc::new(values),
                shape,
                strides,
                key: (n, dtype.name(), seed),
            })
        }

        fn __len__(&self) -> usize {
            self.values.len()
        }

        /// The element type's NumPy name.
        #[getter]
        fn dtype(&self) -> &'static str {
            self.key.1
        }

        /// The size of the memory in bytes.
        #[getter]
        fn nbytes(&self) -> usize {
            self.values.nbytes()
        }

        /// The buffer protocol, read-only: a writable request raises ``BufferError``.
        unsafe fn __getbuffer__(
            slf: Bound<'_, Self>,
            view: *mut ffi::Py_buffer,
            flags: c_int,
        ) -> PyResult<()> {
            if view.is_null() {
                return Err(PyBufferError::new_err(
                    "the buffer protocol passed a NULL view",
                ));
            }
            if flags & ffi::PyBUF_WRITABLE == ffi::PyBUF_WRITABLE {
                return Err(PyBufferError::new_err("the buffer is read-only"));
            }
            let this = slf.get();
            let (data, nbytes) = this.values.raw();
            let dtype = this.values.dtype();
            // SAFETY: `view` is CPython's, non-NULL. The pointers stored in it (the data, the
            // shape and strides inside `this`, a static format) stay valid while `view.obj`,
            // a new reference to `slf`, keeps the object (and its `Arc`) alive; the values
            // are never written, so lending them read-only is sound.
            unsafe {
                (*view).obj = slf.clone().into_any().into_ptr();
                (*view).buf = data.cast_mut().cast();
                (*view).len = nbytes as ffi::Py_ssize_t;
                (*view).readonly = 1;
                (*view).itemsize = dtype.itemsize() as ffi::Py_ssize_t;
                (*view).format = if flags & ffi::PyBUF_FORMAT == ffi::PyBUF_FORMAT {
                    format(dtype).as_ptr().cast_mut()
                } else {
                    ptr::null_mut()
                };
                (*view).ndim = 1;
                (*view).shape = if flags & ffi::PyBUF_ND == ffi::PyBUF_ND {
                    this.shape.as_ptr().cast_mut()
                } else {
                    ptr::null_mut()
                };
                (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES {
                    this.strides.as_ptr().cast_mut()
                } else {
                    ptr::null_mut()
                };
                (*view).suboffsets = ptr::null_mut();
                (*view).internal = ptr::null_mut();
            }
            Ok(())
        }

        unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {
            // Nothing to release: CPython drops the view's reference to this object.
        }

        /// A DLPack capsule over the memory: versioned (1.0) and marked read-only; a copy
        /// (writable) when ``copy=True``; ``BufferError`` for a consumer that asks for a
        /// version before 1.0 without a copy, which could not see the read-only flag.
        #[pyo3(signature = (*, stream = None, max_version = None, dl_device = None, copy = None))]
        fn __dlpack__<'py>(
            &self,
            py: Python<'py>,
            stream: Option<&Bound<'py, PyAny>>,
            max_version: Option<&Bound<'py, PyAny>>,
            dl_device: Option<&Bound<'py, PyAny>>,
            copy: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            // NumPy's own checks, in its order and with its exceptions.
            if stream.is_some_and(|stream| !stream.is_none()) {
                return Err(PyRuntimeError::new_err(
                    "only stream=None is supported (CPU memory)",
                ));
            }
            let versioned_ok = match max_version.filter(|version| !version.is_none()) {
                None => false,
                // NumPy reads the major version only (its own error for a huge one).
                Some(version) => {
                    version
                        .cast::<PyTuple>()
                        .ok()
                        .filter(|tuple| tuple.len() == 2)
                        .ok_or_else(|| {
                            PyTypeError::new_err(
                                "max_version must be None or a tuple with two elements",
                            )
                        })?
                        .get_item(0)?
                        .extract::<i64>()?
                        >= 1
                }
            };
            if let Some(device) = dl_device.filter(|device| !device.is_none()) {
                let (kind, id) = pair(device, "dl_device must be None or a tuple of two integers")?;
                if kind != i64::from(KDL_CPU) || id != 0 {
                    return Err(PyBufferError::new_err("unsupported device requested"));
                }
            }
            let copied = match copy.filter(|copy| !copy.is_none()) {
                None => false,
                Some(copy) if copy.is_instance_of::<PyString>() => {
                    return Err(PyValueError::new_err("copy must be True, False or None"));
                }
                Some(copy) => copy.is_truthy()?,
            };
            let values = if copied {
                let owned = py
                    .detach(|| self.values.try_clone())
                    .map_err(PyCoreError::from)?;
                Arc::new(owned)
            } else {
                Arc::clone(&self.values)
            };
            if versioned_ok {
                let flags = if copied {
                    DLPACK_FLAG_IS_COPIED
                } else {
                    DLPACK_FLAG_READ_ONLY
                };
                let tensor = versioned(values, flags);
                return capsule(
                    py,
                    tensor.cast(),
                    DLPACK_VERSIONED,
                    dlpack_capsule_destructor,
                    // SAFETY: the tensor was just made and nobody else has it.
                    || unsafe { delete_versioned(tensor) },
                );
            }
            if !copied {
                return Err(PyBufferError::new_err(
                    "cannot export a read-only buffer through DLPack before 1.0, which cannot \
                     mark it read-only: ask for max_version=(1, 0)",
                ));
            }
            let tensor = legacy(values);
            // SAFETY: as above.
            capsule(
                py,
                tensor.cast(),
                DLPACK_LEGACY,
                dlpack_capsule_destructor,
                || unsafe { delete_legacy(tensor) },
            )
        }

        /// ``(1, 0)``: the memory is on the CPU.
        fn __dlpack_device__(&self) -> (i32, i32) {
            (KDL_CPU, 0)
        }

        /// Arrow's PyCapsule interface: a primitive array of the dtype without nulls, over
        /// the memory. ``requested_schema`` is ignored (the interface allows it): the array
        /// comes in its own type.
        #[pyo3(signature = (requested_schema = None))]
        fn __arrow_c_array__<'py>(
            slf: &Bound<'py, Self>,
            requested_schema: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
            if let Some(schema) = requested_schema.filter(|schema| !schema.is_none()) {
                // Another type asked for: pyarrow imports the array as it is and casts, as it
                // does for the spec's NumPy array (the interface lets a producer ignore it).
                let array = slf.py().import("pyarrow")?.call_method1("array", (slf,))?;
                return array
                    .call_method1("__arrow_c_array__", (schema,))?
                    .extract();
            }
            let this = slf.get();
            let dtype = this.values.dtype();
            let schema = Box::into_raw(Box::new(ArrowSchema {
                format: arrow_format(dtype).as_ptr(),
                name: c"".as_ptr(),
                metadata: ptr::null(),
                flags: ARROW_FLAG_NULLABLE,
                n_children: 0,
                children: ptr::null_mut(),
                dictionary: ptr::null_mut(),
                release: Some(release_schema),
                private_data: ptr::null_mut(),
            }));
            let schema = capsule(
                slf.py(),
                schema.cast(),
                ARROW_SCHEMA,
                schema_capsule_destructor,
                // SAFETY: just leaked, owned by nobody else.
                || drop(unsafe { Box::from_raw(schema) }),
            )?;
            let (data, _) = this.values.raw();
            let private = Box::into_raw(Box::new(ArrayPrivate {
                buffers: [ptr::null(), data.cast()],
                _values: Arc::clone(&this.values),
            }));
            let array = Box::into_raw(Box::new(ArrowArray {
                length: this.values.len() as i64,
                null_count: 0,
                offset: 0,
                n_buffers: 2,
                n_children: 0,
                // SAFETY: `private` was just leaked and lives until the array's release.
                buffers: unsafe { (*private).buffers.as_mut_ptr() },
                children: ptr::null_mut(),
                dictionary: ptr::null_mut(),
                release: Some(release_array),
                private_data: private.cast(),
            }));
            let array = capsule(
                slf.py(),
                array.cast(),
                ARROW_ARRAY,
                array_capsule_destructor,
                // SAFETY: just leaked, owned by nobody else; releasing frees `private`.
                || unsafe {
                    release_array(array);
                    drop(Box::from_raw(array));
                },
            )?;
            Ok((schema, array))
        }

        fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Key)> {
            Ok((slf.get_type().into_any(), slf.get().key))
        }

        fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
            let (n, dtype, seed) = slf.get().key;
            slf.get_type().call1((n, dtype, seed))
        }

        fn __deepcopy__<'py>(
            slf: &Bound<'py, Self>,
            _memo: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            Self::__copy__(slf)
        }

        fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
            let (n, dtype, seed) = slf.get().key;
            let name = slf.get_type().name()?;
            Ok(format!("{name}(n={n}, dtype='{dtype}', seed={seed})"))
        }
    }
}
