//! Scenario 4, `words`, as the submodule `ffibench._native.words`.
//!
//! `WordCounts` and `KeyValueStore` hold the core's maps on the Rust side. Counting a text or a
//! file releases the GIL (the text is an immutable `str` the call keeps alive). Every other
//! method first converts its Python arguments (a list of words borrows each `str`'s UTF-8
//! without copying it), then borrows the Rust value for the Rust work alone, and builds the
//! Python answer after the borrow ends: building Python objects can run a garbage collection,
//! whose finalisers may call back into the same object. The store's values are copied out
//! before any `bytes` is made, so eviction can never free what Python reads.

use pyo3::prelude::*;

/// Scenario 4: word counts and a key-value store in Rust hash maps, across PyO3.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod words {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    use ffibench_core::CoreError;
    use ffibench_core::words::{self as core, Stats};
    use pyo3::exceptions::{PyKeyError, PyOSError, PyTypeError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};

    use crate::error::PyCoreError;
    use crate::{at_least, type_name};

    /// `object` as a str's UTF-8 (borrowed from the str); `TypeError` naming `what` otherwise.
    fn text<'a, 'py>(object: &'a Bound<'py, PyAny>, what: &str) -> PyResult<&'a str> {
        object
            .cast::<PyString>()
            .map_err(|_| {
                PyTypeError::new_err(format!("{what} must be str, not {}", type_name(object)))
            })?
            .to_str()
    }

    /// Every item of `items` as a str (kept alive in the returned list).
    fn strings<'py>(items: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyString>>> {
        let mut out = Vec::new();
        for item in items.try_iter()? {
            let item = item?;
            text(&item, what)?;
            out.push(item.cast_into::<PyString>()?);
        }
        Ok(out)
    }

    fn utf8<'a>(strings: &'a [Bound<'_, PyString>]) -> PyResult<Vec<&'a str>> {
        strings.iter().map(|s| s.to_str()).collect()
    }

    /// How many times each word occurs in a text or a file (see ``ffibench.pure.words``).
    #[pyclass(name = "WordCounts", module = "ffibench._native.words", subclass)]
    pub(crate) struct PyWordCounts {
        inner: core::WordCounts,
    }

    fn pairs<'py>(py: Python<'py>, items: Vec<(String, u64)>) -> PyResult<Bound<'py, PyList>> {
        let tuples = items
            .into_iter()
            .map(|(word, count)| {
                PyTuple::new(
                    py,
                    [
                        word.into_pyobject(py)?.into_any(),
                        count.into_pyobject(py)?.into_any(),
                    ],
                )
            })
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, tuples)
    }

    /// Whether `pair` is a `(first, second)` pair as the spec takes one: a tuple or a list of
    /// two items.
    fn is_pair(pair: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(
            (pair.is_instance_of::<PyTuple>() || pair.is_instance_of::<PyList>())
                && pair.len()? == 2,
        )
    }

    fn owned(items: Vec<(&str, u64)>) -> Vec<(String, u64)> {
        items
            .into_iter()
            .map(|(word, count)| (word.to_owned(), count))
            .collect()
    }

    impl PyWordCounts {
        /// `inner` as an instance of `cls`: the class itself, or a subclass made by its
        /// `__new__` (not its `__init__`), as the spec's classmethods make one.
        fn of_type<'py>(
            cls: &Bound<'py, PyType>,
            inner: core::WordCounts,
        ) -> PyResult<Bound<'py, Self>> {
            let py = cls.py();
            if cls.is(py.get_type::<Self>()) {
                return Bound::new(py, Self { inner });
            }
            let made = cls.call_method1("__new__", (cls,))?.cast_into::<Self>()?;
            made.borrow_mut().inner = inner;
            Ok(made)
        }
    }

    #[pymethods]
    impl PyWordCounts {
        #[new]
        fn new() -> Self {
            Self {
                inner: core::WordCounts::new(),
            }
        }

        /// The counts of the words of ``text``; the GIL is released while Rust counts.
        #[classmethod]
        fn from_text<'py>(
            cls: &Bound<'py, PyType>,
            text: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, Self>> {
            let text = self::text(text, "text")?;
            let inner = cls
                .py()
                .detach(|| core::WordCounts::from_text(text))
                .map_err(PyCoreError::from)?;
            Self::of_type(cls, inner)
        }

        /// The counts of the words of a UTF-8 file, read in chunks with the GIL released.
        #[classmethod]
        fn from_file<'py>(
            cls: &Bound<'py, PyType>,
            path: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, Self>> {
            let py = cls.py();
            // os.fspath, as open() takes a path: str, bytes (the OS's own bytes) or a
            // path-like object; anything else (an int is not a file descriptor here) fails.
            let given = py.import("os")?.call_method1("fspath", (path,))?;
            let name = match given.cast::<PyBytes>() {
                Ok(bytes) => PathBuf::from(OsStr::from_bytes(bytes.as_bytes())),
                Err(_) => given.extract::<PathBuf>()?,
            };
            match py.detach(|| core::WordCounts::from_file(&name)) {
                Ok(inner) => Self::of_type(cls, inner),
                // The filename as os.fspath gave it, as open() reports it.
                Err(CoreError::Io { errno, message, .. }) => {
                    Err(PyOSError::new_err((errno, message, given.unbind())))
                }
                Err(error) => Err(PyCoreError::from(error).into()),
            }
        }

        /// Counts from `(word, count)` pairs, checked as the spec's `check_items` does.
        #[classmethod]
        fn _from_items<'py>(
            cls: &Bound<'py, PyType>,
            items: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, Self>> {
            let mut rows: Vec<(Bound<'_, PyAny>, u64)> = Vec::new();
            for item in items.try_iter()? {
                let item = item?;
                if !is_pair(&item)? {
                    return Err(PyTypeError::new_err(format!(
                        "each item must be a (word, count) pair, not {}",
                        type_name(&item)
                    )));
                }
                let word = item.get_item(0)?;
                text(&word, "word")?;
                let count = item.get_item(1)?.extract::<u64>()?;
                rows.push((word, count));
            }
            let words = rows
                .iter()
                .map(|(word, count)| Ok((text(word, "word")?, *count)))
                .collect::<PyResult<Vec<_>>>()?;
            let inner = core::WordCounts::from_items(words).map_err(PyCoreError::from)?;
            Self::of_type(cls, inner)
        }

        fn __getitem__(&self, word: &Bound<'_, PyAny>) -> PyResult<u64> {
            let key = text(word, "word")?;
            self.inner
                .get(key)
                .ok_or_else(|| PyKeyError::new_err(word.clone().unbind()))
        }

        /// The count of ``word``, or ``default`` when it does not occur.
        #[pyo3(signature = (word, default = None))]
        fn get<'py>(
            &self,
            py: Python<'py>,
            word: &Bound<'py, PyAny>,
            default: Option<Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            match self.inner.get(text(word, "word")?) {
                Some(count) => Ok(count.into_pyobject(py)?.into_any()),
                None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
            }
        }

        fn __contains__(&self, word: &Bound<'_, PyAny>) -> PyResult<bool> {
            Ok(self.inner.get(text(word, "word")?).is_some())
        }

        fn __len__(&self) -> usize {
            self.inner.len()
        }

        fn __iter__<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
            let words: Vec<String> = this
                .borrow()
                .inner
                .items()
                .into_iter()
                .map(|(word, _)| word.to_owned())
                .collect();
            PyList::new(this.py(), words)?
                .try_iter()
                .map(Bound::into_any)
        }

        /// ``(word, count)`` pairs in code-point order of the words.
        fn items<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
            let items = owned(this.borrow().inner.items());
            pairs(this.py(), items)
        }

        /// A new dict of the counts, in code-point order of the words.
        fn to_dict<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
            let items = owned(this.borrow().inner.items());
            let dict = PyDict::new(this.py());
            for (word, count) in items {
                dict.set_item(word, count)?;
            }
            Ok(dict)
        }

        /// The number of words counted.
        fn total(&self) -> PyResult<u64> {
            Ok(self.inner.total().map_err(PyCoreError::from)?)
        }

        /// The ``k`` largest counts, largest first, ties in code-point order of the words.
        fn most_common<'py>(
            this: &Bound<'py, Self>,
            k: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyList>> {
            let limit = at_least(k, "k", 0)?;
            let items = owned(this.borrow().inner.most_common(limit));
            pairs(this.py(), items)
        }

        /// The count of each of ``words`` (0 when absent), in order, in one call.
        fn get_many<'py>(
            this: &Bound<'py, Self>,
            words: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyList>> {
            let strings = strings(words, "word")?;
            let keys = utf8(&strings)?;
            let counts = this.borrow().inner.get_many(&keys);
            PyList::new(this.py(), counts)
        }

        /// Add the counts of ``other`` (a ``WordCounts``; these counts themselves too).
        fn merge(this: &Bound<'_, Self>, other: &Bound<'_, PyAny>) -> PyResult<()> {
            let Ok(other) = other.cast::<Self>() else {
                return Err(PyTypeError::new_err(format!(
                    "other must be WordCounts, not {}",
                    type_name(other)
                )));
            };
            let result = if this.is(other) {
                this.borrow_mut().inner.merge_self()
            } else {
                let theirs = other.borrow();
                this.borrow_mut().inner.merge(&theirs.inner)
            };
            Ok(result.map_err(PyCoreError::from)?)
        }

        fn __eq__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            let py = other.py();
            match other.cast::<Self>() {
                Ok(other) => Ok(
                    pyo3::types::PyBool::new(py, self.inner == other.borrow().inner)
                        .to_owned()
                        .into_any(),
                ),
                Err(_) => Ok(py.NotImplemented().into_bound(py)),
            }
        }

        /// The negation of ``__eq__``, ``NotImplemented`` included: PyO3's own ``__ne__``
        /// would negate ``self == other`` after the reflected operation, and so raise for a
        /// NumPy array (whose ``==`` is an array) where Python's default gives the array's
        /// ``!=``.
        fn __ne__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            let py = other.py();
            match other.cast::<Self>() {
                Ok(other) => Ok(
                    pyo3::types::PyBool::new(py, self.inner != other.borrow().inner)
                        .to_owned()
                        .into_any(),
                ),
                Err(_) => Ok(py.NotImplemented().into_bound(py)),
            }
        }

        fn __repr__(&self) -> PyResult<String> {
            Ok(format!(
                "WordCounts({} words, {} in all)",
                self.inner.len(),
                self.inner.total().map_err(PyCoreError::from)?
            ))
        }

        /// Copies and pickles are new counts, made from the items.
        fn __reduce__<'py>(
            this: &Bound<'py, Self>,
        ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyList>,))> {
            let maker = this.get_type().getattr("_from_items")?;
            Ok((maker, (Self::items(this)?,)))
        }
    }

    /// A new `bytes` of `data`: `MemoryError`, not a panic, when Python cannot allocate it.
    fn bytes_of<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        PyBytes::new_with(py, data.len(), |buffer| {
            buffer.copy_from_slice(data);
            Ok(())
        })
    }

    /// `value` as bytes (a subclass is read as the bytes it holds); `TypeError` otherwise.
    fn value_bytes<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
        Ok(value
            .cast::<PyBytes>()
            .map_err(|_| {
                PyTypeError::new_err(format!("value must be bytes, not {}", type_name(value)))
            })?
            .as_bytes())
    }

    /// Every `(key, value)` of `pairs`, checked as the spec's `check_pairs` does (the objects
    /// are kept, so their UTF-8 and bytes can be borrowed).
    fn checked_pairs<'py>(
        pairs: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>> {
        let mut checked = Vec::new();
        for pair in pairs.try_iter()? {
            let pair = pair?;
            if !is_pair(&pair)? {
                return Err(PyTypeError::new_err(format!(
                    "each item must be a (key, value) pair, not {}",
                    type_name(&pair)
                )));
            }
            let (key, value) = (pair.get_item(0)?, pair.get_item(1)?);
            text(&key, "key")?;
            value_bytes(&value)?;
            checked.push((key, value));
        }
        Ok(checked)
    }

    /// What ``__reduce__`` gives: the class, its arguments, and the state.
    type Reduced<'py> = (Bound<'py, PyType>, (Option<usize>,), Bound<'py, PyTuple>);

    /// A map of str keys to bytes values, optionally bounded (see ``ffibench.pure.words``).
    #[pyclass(name = "KeyValueStore", module = "ffibench._native.words", subclass)]
    pub(crate) struct PyKeyValueStore {
        inner: core::KeyValueStore,
    }

    impl PyKeyValueStore {
        /// Stores pairs `checked_pairs` made, in order.
        fn store_pairs(
            this: &Bound<'_, Self>,
            checked: &[(Bound<'_, PyAny>, Bound<'_, PyAny>)],
        ) -> PyResult<()> {
            let rows = checked
                .iter()
                .map(|(key, value)| Ok((text(key, "key")?, value_bytes(value)?)))
                .collect::<PyResult<Vec<_>>>()?;
            let mut store = this.borrow_mut();
            for (key, value) in rows {
                store.inner.set(key, value).map_err(PyCoreError::from)?;
            }
            Ok(())
        }
    }

    #[pymethods]
    impl PyKeyValueStore {
        #[new]
        #[pyo3(signature = (max_items = None))]
        fn new(max_items: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
            let bound = match max_items {
                None => None,
                Some(value) if value.is_none() => None,
                Some(value) => Some(at_least(value, "max_items", 1)?),
            };
            Ok(Self {
                inner: core::KeyValueStore::new(bound).map_err(PyCoreError::from)?,
            })
        }

        /// The bound, or ``None``.
        #[getter]
        fn max_items(&self) -> Option<usize> {
            self.inner.max_items()
        }

        /// Store a copy of ``value`` under ``key``, the most recently used from now.
        fn set(&mut self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
            let (key, value) = (text(key, "key")?, value_bytes(value)?);
            Ok(self.inner.set(key, value).map_err(PyCoreError::from)?)
        }

        /// A copy of the value of ``key`` (a hit), or ``default`` (a miss).
        #[pyo3(signature = (key, default = None))]
        fn get<'py>(
            this: &Bound<'py, Self>,
            key: &Bound<'py, PyAny>,
            default: Option<Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let py = this.py();
            let key = text(key, "key")?;
            let found = this
                .borrow_mut()
                .inner
                .get_copy(key)
                .map_err(PyCoreError::from)?;
            match found {
                Some(value) => Ok(bytes_of(py, &value)?.into_any()),
                None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
            }
        }

        /// Remove ``key``; whether it was there.
        fn delete(&mut self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
            Ok(self.inner.delete(text(key, "key")?))
        }

        fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
            Ok(self.inner.contains(text(key, "key")?))
        }

        fn __len__(&self) -> usize {
            self.inner.len()
        }

        /// ``set`` each ``(key, value)`` pair in order, once every pair is checked.
        fn set_many(this: &Bound<'_, Self>, pairs: &Bound<'_, PyAny>) -> PyResult<()> {
            let checked = checked_pairs(pairs)?;
            Self::store_pairs(this, &checked)
        }

        /// ``get`` each key in order: its value, or ``None``.
        fn get_many<'py>(
            this: &Bound<'py, Self>,
            keys: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyList>> {
            let py = this.py();
            let strings = strings(keys, "key")?;
            let keys = utf8(&strings)?;
            let mut values = Vec::new();
            let spans = this
                .borrow_mut()
                .inner
                .get_many(&keys, &mut values)
                .map_err(PyCoreError::from)?;
            let out = PyList::empty(py);
            for span in spans {
                match span {
                    Some((start, end)) => out.append(bytes_of(py, &values[start..end])?)?,
                    None => out.append(py.None())?,
                }
            }
            Ok(out)
        }

        /// The keys, least recently used first.
        fn keys<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
            let keys: Vec<String> = this
                .borrow()
                .inner
                .keys()
                .into_iter()
                .map(str::to_owned)
                .collect();
            PyList::new(this.py(), keys)
        }

        /// ``hits`` and ``misses`` of ``get`` and ``get_many``, and ``evictions``.
        fn stats<'py>(this: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
            let Stats {
                hits,
                misses,
                evictions,
            } = this.borrow().inner.stats();
            let dict = PyDict::new(this.py());
            dict.set_item("hits", hits)?;
            dict.set_item("misses", misses)?;
            dict.set_item("evictions", evictions)?;
            Ok(dict)
        }

        fn __repr__(&self) -> String {
            match self.inner.max_items() {
                Some(max) => format!("KeyValueStore({} items, max_items={max})", self.inner.len()),
                None => format!("KeyValueStore({} items)", self.inner.len()),
            }
        }

        /// Copies and pickles are new stores with the same items, order and counters.
        fn __reduce__<'py>(this: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
            let py = this.py();
            let (items, stats, max) = {
                let store = this.borrow();
                let items = store
                    .inner
                    .items()
                    .into_iter()
                    .map(|(key, value)| {
                        let mut copy = Vec::new();
                        copy.try_reserve_exact(value.len()).map_err(|_| {
                            PyCoreError::from(CoreError::OutOfMemory { bytes: value.len() })
                        })?;
                        copy.extend_from_slice(value);
                        Ok((key.to_owned(), copy))
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                (items, store.inner.stats(), store.inner.max_items())
            };
            let rows = items
                .into_iter()
                .map(|(key, value)| {
                    PyTuple::new(
                        py,
                        [
                            key.into_pyobject(py)?.into_any(),
                            bytes_of(py, &value)?.into_any(),
                        ],
                    )
                })
                .collect::<PyResult<Vec<_>>>()?;
            let state = PyTuple::new(
                py,
                [
                    PyList::new(py, rows)?.into_any(),
                    stats.hits.into_pyobject(py)?.into_any(),
                    stats.misses.into_pyobject(py)?.into_any(),
                    stats.evictions.into_pyobject(py)?.into_any(),
                ],
            )?;
            Ok((this.get_type(), (max,), state))
        }

        /// The state of ``__reduce__``, checked as the spec's ``check_state`` does: unpacked
        /// as Python unpacks four names, the pairs, then each counter.
        fn __setstate__(this: &Bound<'_, Self>, state: &Bound<'_, PyAny>) -> PyResult<()> {
            let mut parts = Vec::with_capacity(4);
            // Python's unpacking: TypeError for a non-iterable; an error of the object's own
            // `__iter__` (a RuntimeError...) stays what it is
            let iterator = state.try_iter().map_err(|error| {
                if error.is_instance_of::<PyTypeError>(state.py()) {
                    PyTypeError::new_err(format!(
                        "cannot unpack non-iterable {} object",
                        type_name(state)
                    ))
                } else {
                    error
                }
            })?;
            for part in iterator {
                parts.push(part?);
                if parts.len() > 4 {
                    return Err(PyValueError::new_err(
                        "too many values to unpack (expected 4)",
                    ));
                }
            }
            let [items, hits, misses, evictions] = <[_; 4]>::try_from(parts).map_err(|parts| {
                PyValueError::new_err(format!(
                    "not enough values to unpack (expected 4, got {})",
                    parts.len()
                ))
            })?;
            let checked = checked_pairs(&items)?;
            let (hits, misses, evictions) = (
                hits.extract::<u64>()?,
                misses.extract::<u64>()?,
                evictions.extract::<u64>()?,
            );
            Self::store_pairs(this, &checked)?;
            this.borrow_mut().inner.set_stats(Stats {
                hits,
                misses,
                evictions,
            });
            Ok(())
        }
    }
}
