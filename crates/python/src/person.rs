//! Scenario 2, `person`, as the submodule `ffibench._native.person`.
//!
//! `Person` is a `#[pyclass]` over the core record: every field is a getter and a checked
//! setter, so a read converts the Rust value into a Python object and a write runs the core's
//! check. `Payroll` holds the core's columnar table on the Rust side; its bulk methods run in
//! Rust over the columns, and `ages()` / `salaries()` hand NumPy a read-only view of a column
//! instead of a copy.
//!
//! What keeps a view valid: its NumPy base object is a `ColumnOwner` holding a strong
//! reference to the payroll (so the table cannot be freed under the view) and counting the
//! live views. While the count is not zero, `append` raises `BufferError`, as `bytearray`
//! does while exported, because growing a column may move it. `give_raise` writes in place
//! and never moves a column, so it is allowed, and a view shows its effect.

use pyo3::prelude::*;

/// Scenario 2: a checked record and a table of many, across PyO3.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod person {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use ffibench_core::person as core;
    use numpy::ndarray::ArrayView1;
    use numpy::{Element, PyArray1, PyArrayMethods};
    use pyo3::exceptions::{
        PyBufferError, PyIndexError, PyOverflowError, PyTypeError, PyValueError,
    };
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};

    use super::{ColumnOwner, PayrollIterator};
    use crate::error::PyCoreError;
    use crate::{at_least, seed_of, type_name};

    type Result<T> = std::result::Result<T, PyCoreError>;

    /// A person: ``name``, ``age`` and ``salary``, each checked by the Rust core on every write.
    #[pyclass(name = "Person", module = "ffibench._native.person", eq, subclass)]
    #[derive(PartialEq)]
    pub(crate) struct PyPerson {
        pub(super) inner: core::Person,
    }

    #[pymethods]
    impl PyPerson {
        #[new]
        fn new(name: &str, age: i64, salary: f64) -> Result<Self> {
            Ok(Self {
                inner: core::Person::new(name, age, salary)?,
            })
        }

        /// The name: 1 to 256 characters.
        #[getter]
        fn name(&self) -> &str {
            self.inner.name()
        }

        #[setter]
        fn set_name(&mut self, name: &str) -> Result<()> {
            Ok(self.inner.set_name(name)?)
        }

        /// The age: 0 to 150.
        #[getter]
        fn age(&self) -> i64 {
            self.inner.age()
        }

        #[setter]
        fn set_age(&mut self, age: i64) -> Result<()> {
            Ok(self.inner.set_age(age)?)
        }

        /// The salary: finite and >= 0.
        #[getter]
        fn salary(&self) -> f64 {
            self.inner.salary()
        }

        #[setter]
        fn set_salary(&mut self, salary: f64) -> Result<()> {
            Ok(self.inner.set_salary(salary)?)
        }

        /// Copies and pickles are new persons made from the fields.
        fn __reduce__<'py>(
            this: &Bound<'py, Self>,
        ) -> PyResult<(Bound<'py, PyType>, (String, i64, f64))> {
            let person = &this.try_borrow()?.inner;
            let fields = (person.name().to_owned(), person.age(), person.salary());
            Ok((this.get_type(), fields))
        }

        fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
            // Python's own reprs of the str and the float, so the text is the spec's exactly.
            let name = PyString::new(py, self.inner.name()).repr()?;
            let salary = PyFloat::new(py, self.inner.salary()).repr()?;
            Ok(format!(
                "Person(name={name}, age={}, salary={salary})",
                self.inner.age()
            ))
        }
    }

    /// A read-only person, built for reads: the Rust core checks the fields once, when the
    /// record is made, and the record keeps them as Python objects. On a `frozen` class PyO3
    /// serves a `#[pyo3(get)]` field of type `Py<T>` with a member descriptor, so a read is
    /// the same memory load as a `__slots__` read: no call, no conversion.
    #[pyclass(name = "PersonRecord", module = "ffibench._native.person", frozen)]
    pub(crate) struct PyPersonRecord {
        /// The name: 1 to 256 characters.
        #[pyo3(get)]
        name: Py<PyString>,
        /// The age: 0 to 150.
        #[pyo3(get)]
        age: Py<PyInt>,
        /// The salary: finite and >= 0.
        #[pyo3(get)]
        salary: Py<PyFloat>,
    }

    #[pymethods]
    impl PyPersonRecord {
        #[new]
        fn new(py: Python<'_>, name: &str, age: i64, salary: f64) -> Result<Self> {
            let checked = core::Person::new(name, age, salary)?;
            Ok(Self {
                name: PyString::new(py, checked.name()).unbind(),
                age: PyInt::new(py, checked.age()).unbind(),
                salary: PyFloat::new(py, checked.salary()).unbind(),
            })
        }

        fn __eq__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            let py = other.py();
            let Ok(other) = other.cast::<Self>() else {
                return Ok(py.NotImplemented().into_bound(py));
            };
            let same = PyAnyMethods::eq(self.fields(py)?.as_any(), other.get().fields(py)?)?;
            Ok(PyBool::new(py, same).to_owned().into_any())
        }

        /// The negation of ``__eq__``, ``NotImplemented`` included (PyO3's own ``__ne__``
        /// negates ``self == other`` after the reflected operation: it raises for a NumPy
        /// array, whose ``==`` is an array).
        fn __ne__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            let py = other.py();
            let Ok(other) = other.cast::<Self>() else {
                return Ok(py.NotImplemented().into_bound(py));
            };
            let same = PyAnyMethods::eq(self.fields(py)?.as_any(), other.get().fields(py)?)?;
            Ok(PyBool::new(py, !same).to_owned().into_any())
        }

        /// Equal records hash alike: the hash of ``(name, age, salary)``.
        fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
            self.fields(py)?.hash()
        }

        /// Copies and pickles are new records made from the fields.
        fn __reduce__<'py>(
            this: &Bound<'py, Self>,
        ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
            Ok((this.get_type(), this.get().fields(this.py())?))
        }

        fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
            Ok(format!(
                "PersonRecord(name={}, age={}, salary={})",
                self.name.bind(py).repr()?,
                self.age.bind(py).repr()?,
                self.salary.bind(py).repr()?,
            ))
        }
    }

    impl PyPersonRecord {
        fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
            PyTuple::new(
                py,
                [
                    self.name.bind(py).as_any(),
                    self.age.bind(py).as_any(),
                    self.salary.bind(py).as_any(),
                ],
            )
        }
    }

    /// Many persons in insertion order, held by Rust as columns.
    #[pyclass(name = "Payroll", module = "ffibench._native.person")]
    pub(crate) struct PyPayroll {
        pub(super) inner: core::Payroll,
        /// How many NumPy views of a column are alive (see the module's documentation).
        views: Arc<AtomicUsize>,
    }

    impl PyPayroll {
        fn wrap(inner: core::Payroll) -> Self {
            Self {
                inner,
                views: Arc::default(),
            }
        }

        /// A read-only NumPy array over `column`, based on a new `ColumnOwner` of `this`.
        fn view<'py, T: Element>(
            this: &Bound<'py, Self>,
            column: impl FnOnce(&core::Payroll) -> &[T],
        ) -> PyResult<Bound<'py, PyArray1<T>>> {
            let py = this.py();
            // Under a short borrow: count the view (from then on the column cannot grow, so
            // it cannot move) and note where the column is. No Python object is made while
            // the payroll is borrowed: an allocation can run the garbage collector, whose
            // finalizers can let another thread run and find the payroll borrowed.
            let (owner, pointer, length) = {
                let payroll = this.try_borrow()?;
                let values = column(&payroll.inner);
                let owner = ColumnOwner::new(this, &payroll.views);
                (owner, values.as_ptr(), values.len())
            };
            let owner = Bound::new(py, owner)?;
            // SAFETY: `pointer` and `length` are a live column's (aligned, non-NULL even when
            // empty). `owner` keeps the payroll alive, and while it lives its count makes
            // `append` refuse to grow (the only way a column can be reallocated), so the
            // memory stays valid as long as `owner` — which becomes the array's base. Rust
            // writes through `&mut` to this memory later only in `give_raise`, which holds the
            // GIL; the assumption is that no reader of the view runs meanwhile. Python code
            // cannot (the GIL), but NumPy reads large arrays with the GIL released, so a
            // `give_raise` racing a NumPy reduction of the view in another thread is a data
            // race on plain f64 values (a torn answer, never a freed read): the caller's to
            // avoid, as with any NumPy array written while read.
            let values = unsafe { ArrayView1::from_shape_ptr(length, pointer) };
            // SAFETY: as above: `owner`, the container, outlives every use of the memory.
            let array = unsafe { PyArray1::borrow_from_array(&values, owner.into_any()) };
            // Read-only: a write through the view would skip the checks of every salary.
            array
                .try_readwrite()
                .map_err(|error| PyValueError::new_err(error.to_string()))?
                .make_nonwriteable();
            Ok(array)
        }
    }

    #[pymethods]
    impl PyPayroll {
        #[new]
        fn new() -> Self {
            Self::wrap(core::Payroll::new())
        }

        /// ``n`` generated persons, the same in every backend for the same ``seed``.
        #[staticmethod]
        fn generate(
            py: Python<'_>,
            n: &Bound<'_, PyAny>,
            seed: &Bound<'_, PyAny>,
        ) -> PyResult<Self> {
            // `n` whole, then `seed`, as the spec checks them (a `u64` in the signature would
            // check the seed first)
            let count = at_least(n, "n", 0)?;
            let seed = seed_of(seed)?;
            let payroll = py
                .detach(|| core::Payroll::generate(count, seed))
                .map_err(PyCoreError::from)?;
            Ok(Self::wrap(payroll))
        }

        fn __len__(&self) -> usize {
            self.inner.len()
        }

        /// A copy of the person at ``index`` (negative from the end); ``IndexError`` outside.
        fn __getitem__(this: &Bound<'_, Self>, index: &Bound<'_, PyAny>) -> PyResult<PyPerson> {
            // The length before the index is read, as the spec's `resolve_index(index,
            // len(...))`; the table is not borrowed while the index's `__index__` runs (it may
            // use this payroll), only for the Rust work after.
            let length = this.try_borrow()?.inner.len();
            let out_of_range = || {
                PyIndexError::new_err(format!(
                    "payroll index {} out of range for {length} persons",
                    crate::shown_int(index)
                ))
            };
            let position = match index.extract::<i64>() {
                Ok(position) => position,
                // An int beyond 64 bits is out of range, as it is in the spec.
                Err(error) if error.is_instance_of::<PyOverflowError>(index.py()) => {
                    return Err(out_of_range());
                }
                Err(error) => return Err(error),
            };
            let from_end = position < 0;
            let offset = usize::try_from(position.unsigned_abs()).map_err(|_| out_of_range())?;
            let resolved = if from_end {
                length.checked_sub(offset)
            } else {
                Some(offset)
            };
            // In range of the length read first, as the spec checks it, whatever `__index__`
            // appended since.
            let at = resolved
                .filter(|&at| at < length)
                .ok_or_else(out_of_range)?;
            let inner = this.try_borrow()?.inner.get(at).ok_or_else(out_of_range)?;
            Ok(PyPerson { inner })
        }

        fn __iter__(this: Bound<'_, Self>) -> PyResult<PayrollIterator> {
            // The length now, as the spec's `range(len(self))`: a loop that appends to the
            // table it iterates over ends.
            let end = this.try_borrow()?.inner.len();
            Ok(PayrollIterator {
                payroll: this.unbind(),
                next: 0,
                end,
            })
        }

        /// Copies and pickles are new tables: ``Payroll()``, then the rows as state.
        fn __reduce__<'py>(
            this: &Bound<'py, Self>,
        ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>, Bound<'py, PyList>)> {
            let py = this.py();
            // The rows are copied under a borrow; the Python list is made after (see `view`).
            let persons: Vec<core::Person> = {
                let payroll = &this.try_borrow()?.inner;
                (0..payroll.len())
                    .filter_map(|index| payroll.get(index))
                    .collect()
            };
            let rows = PyList::empty(py);
            for person in persons {
                rows.append((person.name(), person.age(), person.salary()))?;
            }
            Ok((this.get_type(), PyTuple::empty(py), rows))
        }

        /// Appends ``Person(*row)`` for each row, in order, as the spec does.
        fn __setstate__(this: &Bound<'_, Self>, rows: &Bound<'_, PyAny>) -> PyResult<()> {
            let py = this.py();
            let person_type = py.get_type::<PyPerson>();
            for row in rows.try_iter()? {
                let args = PyTuple::new(py, row?.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
                this.call_method1("append", (person_type.call1(args)?,))?;
            }
            Ok(())
        }

        /// Add a copy of ``person`` at the end.
        fn append(&mut self, person: &Bound<'_, PyAny>) -> PyResult<()> {
            let person = person.cast::<PyPerson>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "person must be a Person, not {}",
                    type_name(person)
                ))
            })?;
            if self.views.load(Ordering::Acquire) > 0 {
                return Err(PyBufferError::new_err(
                    "cannot append to a Payroll while NumPy views of its columns exist: \
                     delete them, or copy them with numpy.array(view), first",
                ));
            }
            self.inner.push(person.try_borrow()?.inner.clone());
            Ok(())
        }

        /// The pairwise sum of every salary; 0.0 when empty.
        fn total_salary(&self) -> f64 {
            self.inner.total_salary()
        }

        /// ``{band start: mean salary}`` over the age bands ``[k * width, (k + 1) * width)``.
        fn mean_salary_by_age_band<'py>(
            this: &Bound<'py, Self>,
            width: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyDict>> {
            let py = this.py();
            let width = i64::try_from(at_least(width, "width", 1)?).map_err(|_| {
                PyOverflowError::new_err("width does not fit a signed 64-bit integer")
            })?;
            // Borrowed for the Rust work only; the dict is made after (see `view`).
            let bands = this
                .try_borrow()?
                .inner
                .mean_salary_by_age_band(width)
                .map_err(PyCoreError::from)?;
            let result = PyDict::new(py);
            for (start, mean) in bands {
                result.set_item(start, mean)?;
            }
            Ok(result)
        }

        /// Raise the salary of everyone aged ``min_age`` or more by ``percent``; how many.
        fn give_raise(this: &Bound<'_, Self>, percent: f64, min_age: i64) -> PyResult<usize> {
            // The arguments are converted before the table is borrowed: their `__float__` and
            // `__index__` may use this payroll (a copy, its length), as they may in the spec.
            Ok(this
                .try_borrow_mut()?
                .inner
                .give_raise(percent, min_age)
                .map_err(PyCoreError::from)?)
        }

        /// Copies of the ``k`` best-paid persons, best first; ties keep table order.
        fn top_earners(this: &Bound<'_, Self>, k: &Bound<'_, PyAny>) -> PyResult<Vec<PyPerson>> {
            let count = at_least(k, "k", 0)?;
            // Borrowed for the Rust work only; the list is made after (see `view`).
            let best = this.try_borrow()?.inner.top_earners(count);
            Ok(best.into_iter().map(|inner| PyPerson { inner }).collect())
        }

        /// The ages as a read-only NumPy int64 view of the Rust column (no copy).
        fn ages<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray1<i64>>> {
            Self::view(this, core::Payroll::ages)
        }

        /// The salaries as a read-only NumPy float64 view of the Rust column (no copy).
        fn salaries<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyArray1<f64>>> {
            Self::view(this, core::Payroll::salaries)
        }
    }
}

// The helper classes live outside the module block, so they are not exported by name: users
// meet them only as a view's `base` and as `iter(payroll)`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use person::{PyPayroll, PyPerson};

/// The base object of a column view: keeps the payroll alive and counts the view.
#[pyclass(module = "ffibench._native.person", frozen)]
struct ColumnOwner {
    _payroll: Py<PyPayroll>,
    views: Arc<AtomicUsize>,
}

impl ColumnOwner {
    fn new(payroll: &Bound<'_, PyPayroll>, views: &Arc<AtomicUsize>) -> Self {
        views.fetch_add(1, Ordering::AcqRel);
        Self {
            _payroll: payroll.clone().unbind(),
            views: Arc::clone(views),
        }
    }
}

impl Drop for ColumnOwner {
    fn drop(&mut self) {
        self.views.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Iterates over copies of a payroll's persons, in table order, up to its length when the
/// iteration began.
#[pyclass(module = "ffibench._native.person")]
struct PayrollIterator {
    payroll: Py<PyPayroll>,
    next: usize,
    end: usize,
}

#[pymethods]
impl PayrollIterator {
    fn __iter__(this: PyRef<'_, Self>) -> PyRef<'_, Self> {
        this
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<PyPerson>> {
        if self.next >= self.end {
            return Ok(None);
        }
        let payroll = self.payroll.try_borrow(py)?;
        let Some(inner) = payroll.inner.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        Ok(Some(PyPerson { inner }))
    }
}
