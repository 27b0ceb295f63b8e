//! Scenario 7, `documents`, as the submodule `ffibench._native.documents`.
//!
//! `Document` holds the core's record. `from_dict` reads the Python objects straight into it,
//! checking each as the spec does and naming the path of the first at fault; `to_dict` builds
//! Python objects straight from it: no text in between, and no serde either (a hand-written
//! conversion, measured against `pythonize` in `tools/documents_pythonize.py`: see the
//! scenario's page). JSON and bincode go through the core's serde impls with the GIL released
//! for large inputs. `DocumentView` validates an rkyv archive once, keeping `bytes` that are
//! aligned in place (they are immutable) and copying anything else into an aligned buffer, then
//! reads one field per `[]`.
//!
//! Both classes are frozen: the Rust value never changes after it is made, so building Python
//! objects from it (which can run a garbage collection and its finalisers) cannot race a
//! change, and no borrow flag is needed.

use pyo3::prelude::*;

/// Scenario 7: one nested record as Python objects, JSON, bincode and an rkyv view.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod documents {
    use std::collections::{HashMap, HashSet};
    use std::fmt;
    use std::sync::OnceLock;

    use ffibench_core::documents::{
        self as core, ArchivedDocument, ArchivedValue, Document, FIELDS, LAYER_FIELDS, Layer, Value,
    };
    use pyo3::buffer::PyBuffer;
    use pyo3::exceptions::{
        PyIndexError, PyKeyError, PyMemoryError, PyOverflowError, PyTypeError, PyValueError,
    };
    use pyo3::intern;
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyType};

    use crate::error::PyCoreError;
    use crate::type_name;

    /// An int longer than this is shown by its size in a message, not its digits (as the
    /// spec does).
    const SHOWN_BITS: u64 = 128;

    /// Inputs (or documents) from this many bytes on are handled with the GIL released;
    /// below, releasing and taking it back costs more than the work it frees other threads for.
    const DETACH_BYTES: usize = 64 << 10;

    // -- from Python objects ------------------------------------------------------------------

    /// Where a value sits in the document, formatted only when an error names it.
    #[derive(Clone, Copy)]
    enum Path<'a> {
        Root(&'static str),
        Field(&'a Path<'a>, &'static str),
        Index(&'a Path<'a>, usize),
        Key(&'a Path<'a>, &'a str),
        KeyOf(&'a Path<'a>),
    }

    impl fmt::Display for Path<'_> {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                Self::Root(name) => formatter.write_str(name),
                Self::Field(parent, name) => write!(formatter, "{parent}.{name}"),
                Self::Index(parent, index) => write!(formatter, "{parent}[{index}]"),
                Self::Key(parent, key) => write!(formatter, "{parent}.{key}"),
                Self::KeyOf(parent) => write!(formatter, "{parent} (a key)"),
            }
        }
    }

    fn expected(path: Path<'_>, what: &str, value: &Bound<'_, PyAny>) -> PyErr {
        PyValueError::new_err(format!("{path}: expected {what}, got {}", type_name(value)))
    }

    fn text(value: &Bound<'_, PyAny>, path: Path<'_>) -> PyResult<String> {
        let string = value
            .cast::<PyString>()
            .map_err(|_| expected(path, "str", value))?;
        string.to_str().map(str::to_owned).map_err(|_| {
            PyValueError::new_err(format!("{path}: str is not valid UTF-8 (a lone surrogate)"))
        })
    }

    fn optional_text(value: &Bound<'_, PyAny>, path: Path<'_>) -> PyResult<Option<String>> {
        if value.is_none() {
            Ok(None)
        } else {
            text(value, path).map(Some)
        }
    }

    fn integer(value: &Bound<'_, PyAny>, path: Path<'_>) -> PyResult<i64> {
        if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
            return Err(expected(path, "int", value));
        }
        value.extract::<i64>().or_else(|_| {
            // int.__index__ itself, as the spec reads an int subclass: its own __str__
            // takes no part.
            let number = value
                .py()
                .get_type::<PyInt>()
                .getattr(intern!(value.py(), "__index__"))?
                .call1((value,))?;
            // An int too long for `str` (Python's limit on digits) is shown by its size.
            let bits: u64 = number
                .call_method0(intern!(value.py(), "bit_length"))?
                .extract()?;
            let shown = if bits > SHOWN_BITS {
                format!("an int of {bits} bits")
            } else {
                number.str()?.to_string()
            };
            Err(PyValueError::new_err(format!(
                "{path}: {shown} does not fit a signed 64-bit integer"
            )))
        })
    }

    fn not_finite(path: impl fmt::Display, value: f64) -> PyErr {
        let shown = if value.is_nan() {
            "nan"
        } else if value > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        PyValueError::new_err(format!(
            "{path}: {shown} is not finite (NaN and infinity are refused)"
        ))
    }

    fn real(value: &Bound<'_, PyAny>, path: Path<'_>) -> PyResult<f64> {
        let float = value
            .cast::<PyFloat>()
            .map_err(|_| expected(path, "float", value))?;
        let number = float.value();
        if number.is_finite() {
            Ok(number)
        } else {
            Err(not_finite(path, number))
        }
    }

    fn hyperparameter(value: &Bound<'_, PyAny>, path: Path<'_>) -> PyResult<Value> {
        if let Ok(flag) = value.cast::<PyBool>() {
            return Ok(Value::Bool(flag.is_true()));
        }
        if value.is_instance_of::<PyInt>() {
            return integer(value, path).map(Value::Int);
        }
        if value.is_instance_of::<PyFloat>() {
            return real(value, path).map(Value::Float);
        }
        if value.is_instance_of::<PyString>() {
            return text(value, path).map(Value::Str);
        }
        Err(expected(path, "int, float, str or bool", value))
    }

    fn list<T>(
        value: &Bound<'_, PyAny>,
        path: Path<'_>,
        item: impl Fn(&Bound<'_, PyAny>, Path<'_>) -> PyResult<T>,
    ) -> PyResult<Vec<T>> {
        let list = value
            .cast::<PyList>()
            .map_err(|_| expected(path, "list", value))?;
        let mut out = Vec::with_capacity(list.len());
        for (index, element) in list.iter().enumerate() {
            out.push(item(&element, Path::Index(&path, index))?);
        }
        Ok(out)
    }

    fn map<T>(
        value: &Bound<'_, PyAny>,
        path: Path<'_>,
        item: impl Fn(&Bound<'_, PyAny>, Path<'_>) -> PyResult<T>,
    ) -> PyResult<Vec<(String, T)>> {
        let dict = value
            .cast::<PyDict>()
            .map_err(|_| expected(path, "dict", value))?;
        let mut out = Vec::with_capacity(dict.len());
        // Keys of exact str are unique in a dict; a str subclass with its own __hash__ or
        // __eq__ may spell a key twice, and the spec refuses that by the text.
        let mut seen: Option<HashSet<String>> = None;
        for (key, element) in dict.iter() {
            let name = text(&key, Path::KeyOf(&path))?;
            if !key.is_exact_instance_of::<PyString>() && seen.is_none() {
                seen = Some(
                    out.iter()
                        .map(|(name, _): &(String, T)| name.clone())
                        .collect(),
                );
            }
            if let Some(seen) = seen.as_mut()
                && !seen.insert(name.clone())
            {
                return Err(PyValueError::new_err(format!(
                    "{path}: duplicate key {}",
                    core::py_repr(&name)
                )));
            }
            let checked = item(&element, Path::Key(&path, &name))?;
            out.push((name, checked));
        }
        Ok(out)
    }

    /// The values of a record's `fields` in order: a dict with exactly those keys.
    fn fields<'py, const N: usize>(
        value: &Bound<'py, PyAny>,
        names: [&Bound<'py, PyString>; N],
        path: Path<'_>,
    ) -> PyResult<[Bound<'py, PyAny>; N]> {
        let dict = value
            .cast::<PyDict>()
            .map_err(|_| expected(path, "dict", value))?;
        // By each key's text, as the spec reads them: a str subclass with its own __hash__
        // or __eq__ is neither found by a lookup nor unlike the field it spells.
        let mut found: [Option<Bound<'py, PyAny>>; N] = [const { None }; N];
        let mut extra: Option<Bound<'py, PyAny>> = None;
        for (key, item) in dict.iter() {
            let slot = key
                .cast::<PyString>()
                .ok()
                .and_then(|key| key.to_str().ok().map(str::to_owned))
                .and_then(|key| {
                    names
                        .iter()
                        .position(|name| name.to_str().ok() == Some(&key))
                });
            match slot {
                Some(index) if found[index].is_some() => {
                    return Err(PyValueError::new_err(format!(
                        "{path}: duplicate field {}",
                        names[index].repr()?
                    )));
                }
                Some(index) => found[index] = Some(item),
                None => {
                    if extra.is_none() {
                        extra = Some(key);
                    }
                }
            }
        }
        for (name, item) in names.iter().zip(&found) {
            if item.is_none() {
                return Err(PyValueError::new_err(format!(
                    "{path}: missing field {}",
                    name.repr()?
                )));
            }
        }
        if let Some(key) = extra {
            let shown = match key
                .cast::<PyString>()
                .ok()
                .and_then(|key| key.to_str().ok())
            {
                Some(text) => core::py_repr(text),
                None => key.repr()?.to_string(),
            };
            return Err(PyValueError::new_err(format!(
                "{path}: unknown field {shown}"
            )));
        }
        let found: Vec<Bound<'py, PyAny>> = found.into_iter().flatten().collect();
        found
            .try_into()
            .map_err(|_| PyValueError::new_err(format!("{path}: expected {N} fields")))
    }

    fn layer(value: &Bound<'_, PyAny>, path: Path<'_>) -> PyResult<Layer> {
        // The hot record (one per layer): its four fields looked up one by one, with no
        // array in between, where the dict holds four keys of exact str; otherwise (a
        // missing or unknown key, or a str subclass with its own __hash__ or __eq__) read by
        // the general reader, by each key's text, as the spec does.
        let py = value.py();
        let Ok(dict) = value.cast::<PyDict>() else {
            return Err(expected(path, "dict", value));
        };
        let names = [
            intern!(py, "name"),
            intern!(py, "kind"),
            intern!(py, "shape"),
            intern!(py, "parameters"),
        ];
        let fast = if dict.len() == LAYER_FIELDS.len()
            && dict
                .keys()
                .iter()
                .all(|key| key.is_exact_instance_of::<PyString>())
        {
            match (
                dict.get_item(names[0])?,
                dict.get_item(names[1])?,
                dict.get_item(names[2])?,
                dict.get_item(names[3])?,
            ) {
                (Some(name), Some(kind), Some(shape), Some(parameters)) => {
                    Some([name, kind, shape, parameters])
                }
                _ => None,
            }
        } else {
            None
        };
        let [name, kind, shape, parameters] = match fast {
            Some(found) => found,
            None => fields(value, names, path)?,
        };
        Ok(Layer {
            name: text(&name, Path::Field(&path, "name"))?,
            kind: text(&kind, Path::Field(&path, "kind"))?,
            shape: list(&shape, Path::Field(&path, "shape"), integer)?,
            parameters: integer(&parameters, Path::Field(&path, "parameters"))?,
        })
    }

    /// `value` read as a document, checked as the spec checks it.
    fn document_from_py(value: &Bound<'_, PyAny>) -> PyResult<Document> {
        let py = value.py();
        let names = [
            intern!(py, "name"),
            intern!(py, "version"),
            intern!(py, "created"),
            intern!(py, "description"),
            intern!(py, "parent"),
            intern!(py, "hyperparameters"),
            intern!(py, "layers"),
            intern!(py, "metrics"),
            intern!(py, "tags"),
        ];
        let [
            name,
            version,
            created,
            description,
            parent,
            hyperparameters,
            layers,
            metrics,
            tags,
        ] = fields(value, names, Path::Root("document"))?;
        Ok(Document {
            name: text(&name, Path::Root("name"))?,
            version: integer(&version, Path::Root("version"))?,
            created: text(&created, Path::Root("created"))?,
            description: optional_text(&description, Path::Root("description"))?,
            parent: optional_text(&parent, Path::Root("parent"))?,
            hyperparameters: map(
                &hyperparameters,
                Path::Root("hyperparameters"),
                hyperparameter,
            )?,
            layers: list(&layers, Path::Root("layers"), layer)?,
            metrics: map(&metrics, Path::Root("metrics"), |value, path| {
                list(value, path, real)
            })?,
            tags: list(&tags, Path::Root("tags"), text)?,
        })
    }

    // -- to Python objects --------------------------------------------------------------------

    fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
        Ok(match value {
            Value::Int(number) => number.into_pyobject(py)?.into_any(),
            Value::Float(number) => PyFloat::new(py, *number).into_any(),
            Value::Str(string) => PyString::new(py, string).into_any(),
            Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        })
    }

    fn layer_to_py<'py>(py: Python<'py>, layer: &Layer) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item(intern!(py, "name"), PyString::new(py, &layer.name))?;
        dict.set_item(intern!(py, "kind"), PyString::new(py, &layer.kind))?;
        dict.set_item(intern!(py, "shape"), PyList::new(py, &layer.shape)?)?;
        dict.set_item(intern!(py, "parameters"), layer.parameters)?;
        Ok(dict)
    }

    fn optional_to_py<'py>(py: Python<'py>, value: Option<&str>) -> Bound<'py, PyAny> {
        match value {
            Some(text) => PyString::new(py, text).into_any(),
            None => py.None().into_bound(py),
        }
    }

    fn document_to_py<'py>(py: Python<'py>, document: &Document) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item(intern!(py, "name"), PyString::new(py, &document.name))?;
        dict.set_item(intern!(py, "version"), document.version)?;
        dict.set_item(intern!(py, "created"), PyString::new(py, &document.created))?;
        dict.set_item(
            intern!(py, "description"),
            optional_to_py(py, document.description.as_deref()),
        )?;
        dict.set_item(
            intern!(py, "parent"),
            optional_to_py(py, document.parent.as_deref()),
        )?;
        let hyperparameters = PyDict::new(py);
        for (key, value) in &document.hyperparameters {
            hyperparameters.set_item(PyString::new(py, key), value_to_py(py, value)?)?;
        }
        dict.set_item(intern!(py, "hyperparameters"), hyperparameters)?;
        let layers = document
            .layers
            .iter()
            .map(|layer| layer_to_py(py, layer))
            .collect::<PyResult<Vec<_>>>()?;
        dict.set_item(intern!(py, "layers"), PyList::new(py, layers)?)?;
        let metrics = PyDict::new(py);
        for (key, values) in &document.metrics {
            metrics.set_item(PyString::new(py, key), PyList::new(py, values)?)?;
        }
        dict.set_item(intern!(py, "metrics"), metrics)?;
        let tags = document.tags.iter().map(|tag| PyString::new(py, tag));
        dict.set_item(intern!(py, "tags"), PyList::new(py, tags)?)?;
        Ok(dict)
    }

    /// About how many bytes of JSON `document` makes: decides whether to release the GIL.
    fn weight(document: &Document) -> usize {
        let values: usize = document
            .metrics
            .iter()
            .map(|(_, values)| values.len())
            .sum();
        document.layers.len() * 64 + values * 16 + document.tags.len() * 8
    }

    fn detach_if<T: Send>(py: Python<'_>, heavy: bool, work: impl FnOnce() -> T + Send) -> T {
        if heavy { py.detach(work) } else { work() }
    }

    // -- the classes --------------------------------------------------------------------------

    /// One document, checked on the way in (see ``ffibench.pure.documents``).
    #[pyclass(frozen, name = "Document", module = "ffibench._native.documents")]
    pub(crate) struct PyDocument {
        inner: Document,
    }

    fn bytes_arg<'a>(data: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
        data.cast::<PyBytes>()
            .map(|bytes| bytes.as_bytes())
            .map_err(|_| {
                PyTypeError::new_err(format!("data must be bytes, not {}", type_name(data)))
            })
    }

    #[pymethods]
    impl PyDocument {
        /// The empty document.
        #[new]
        fn new() -> Self {
            Self {
                inner: Document::default(),
            }
        }

        /// The document of ``d``, checked field by field (``ValueError`` naming the path).
        #[classmethod]
        fn from_dict(_cls: &Bound<'_, PyType>, d: &Bound<'_, PyAny>) -> PyResult<Self> {
            Ok(Self {
                inner: document_from_py(d)?,
            })
        }

        /// The document as new Python objects of exact types.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            document_to_py(py, &self.inner)
        }

        /// The document of a JSON text (UTF-8 ``bytes``, or ``str``).
        #[classmethod]
        fn from_json(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
            let raw: &[u8] = if let Ok(bytes) = data.cast::<PyBytes>() {
                bytes.as_bytes()
            } else if let Ok(string) = data.cast::<PyString>() {
                string
                    .to_str()
                    .map_err(|_| {
                        PyValueError::new_err("str is not valid UTF-8 (a lone surrogate)")
                    })?
                    .as_bytes()
            } else {
                return Err(PyTypeError::new_err(format!(
                    "data must be bytes or str, not {}",
                    type_name(data)
                )));
            };
            let inner = detach_if(cls.py(), raw.len() >= DETACH_BYTES, || {
                Document::from_json(raw)
            })
            .map_err(PyCoreError::from)?;
            Ok(Self { inner })
        }

        /// Compact UTF-8 JSON.
        fn to_json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
            let json = detach_if(py, weight(&self.inner) >= DETACH_BYTES, || {
                self.inner.to_json()
            })
            .map_err(PyCoreError::from)?;
            Ok(PyBytes::new(py, &json))
        }

        /// The document of its bincode bytes (``bytes`` only).
        #[classmethod]
        fn from_bincode(cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
            let raw = bytes_arg(data)?;
            let inner = detach_if(cls.py(), raw.len() >= DETACH_BYTES, || {
                Document::from_bincode(raw)
            })
            .map_err(PyCoreError::from)?;
            Ok(Self { inner })
        }

        /// bincode 2's ``standard()`` encoding.
        fn to_bincode<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
            let bytes = detach_if(py, weight(&self.inner) >= DETACH_BYTES, || {
                self.inner.to_bincode()
            })
            .map_err(PyCoreError::from)?;
            Ok(PyBytes::new(py, &bytes))
        }

        /// The rkyv archive that ``DocumentView`` reads.
        fn to_archive<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
            let archive = detach_if(py, weight(&self.inner) >= DETACH_BYTES, || {
                self.inner.to_archive()
            })
            .map_err(PyCoreError::from)?;
            Ok(PyBytes::new(py, &archive))
        }

        fn __repr__(&self) -> String {
            format!(
                "Document({}, version={}, {} layers)",
                core::py_repr(&self.inner.name),
                self.inner.version,
                self.inner.layers.len()
            )
        }

        fn __reduce__<'py>(
            slf: &Bound<'py, Self>,
        ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
            let py = slf.py();
            let rebuild = slf.get_type().getattr(intern!(py, "from_json"))?;
            Ok((rebuild, (slf.get().to_json(py)?,)))
        }
    }

    /// The document of about ``size`` bytes of JSON made from ``seed``, as Python objects.
    #[pyfunction]
    fn generate<'py>(
        py: Python<'py>,
        size: &Bound<'py, PyAny>,
        seed: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let operator = py.import(intern!(py, "operator"))?;
        let size = operator.call_method1(intern!(py, "index"), (size,))?;
        let seed = operator.call_method1(intern!(py, "index"), (seed,))?;
        let count = match size.extract::<u64>() {
            Ok(count) if count <= core::MAX_SIZE => count,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "generate: size must be in 0 .. {}, got {}",
                    core::MAX_SIZE,
                    crate::shown_int(&size)
                )));
            }
        };
        let stream = seed.extract::<u64>().map_err(|_| {
            PyOverflowError::new_err(format!(
                "generate: seed = {} is not in 0 .. 2**64 - 1",
                crate::shown_int(&seed)
            ))
        })?;
        let document = core::generate(count, stream).map_err(PyCoreError::from)?;
        document_to_py(py, &document)
    }

    /// ``Document.from_dict`` through pythonize (serde over Python objects), for the
    /// measurement that chose the hand-written conversion; not the spec's checks (an int is
    /// taken for a float, the messages are serde's).
    #[pyfunction]
    fn _pythonize_from_dict(d: &Bound<'_, PyAny>) -> PyResult<PyDocument> {
        let inner: Document =
            pythonize::depythonize(d).map_err(|error| PyValueError::new_err(error.to_string()))?;
        Ok(PyDocument { inner })
    }

    /// ``doc.to_dict()`` through pythonize, for the same measurement.
    #[pyfunction]
    fn _pythonize_to_dict<'py>(
        py: Python<'py>,
        document: &Bound<'py, PyDocument>,
    ) -> PyResult<Bound<'py, PyAny>> {
        pythonize::pythonize(py, &document.get().inner)
            .map_err(|error| PyValueError::new_err(error.to_string()))
    }

    // -- the view -----------------------------------------------------------------------------

    enum Storage {
        /// Immutable bytes at an aligned address, read in place.
        Shared(Py<PyBytes>),
        /// A copy of `len` bytes in 16-byte words: aligned, and allocated fallibly (a copy
        /// that does not fit is a `MemoryError`, not an abort).
        Owned { words: Vec<u128>, len: usize },
    }

    /// `buffer`'s bytes copied into an aligned buffer of our own.
    fn aligned_copy(py: Python<'_>, buffer: &PyBuffer<u8>) -> PyResult<Storage> {
        let len = buffer.len_bytes();
        let mut words: Vec<u128> = Vec::new();
        words
            .try_reserve_exact(len.div_ceil(16))
            .map_err(|_| PyMemoryError::new_err(format!("cannot copy {len} bytes")))?;
        words.resize(len.div_ceil(16), 0);
        // SAFETY: the vector holds `len.div_ceil(16) * 16 >= len` initialised bytes, which
        // any `u8` may view; the slice lives only for the copy below.
        let bytes = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), len) };
        buffer.copy_to_slice(py, bytes)?;
        Ok(Storage::Owned { words, len })
    }

    /// A document read field by field from an rkyv archive, validated once when it is made.
    #[pyclass(frozen, name = "DocumentView", module = "ffibench._native.documents")]
    pub(crate) struct PyDocumentView {
        storage: Storage,
        /// The position of each hyperparameter by name, made at the first lookup of a map
        /// long enough to need one (a scan of each lookup would make reading a whole map
        /// quadratic).
        hyperparameter_index: OnceLock<HashMap<Box<str>, usize>>,
        /// The same for the metrics.
        metric_index: OnceLock<HashMap<Box<str>, usize>>,
    }

    /// Maps shorter than this are scanned: no index is worth making.
    const SCAN_LEN: usize = 16;

    /// The position of `name` among `keys`: a scan for a short map, else the index (made
    /// once).
    fn find<'a>(
        index: &OnceLock<HashMap<Box<str>, usize>>,
        mut keys: impl ExactSizeIterator<Item = &'a str>,
        name: &str,
    ) -> Option<usize> {
        if keys.len() < SCAN_LEN {
            return keys.position(|key| key == name);
        }
        index
            .get_or_init(|| keys.enumerate().map(|(at, key)| (key.into(), at)).collect())
            .get(name)
            .copied()
    }

    impl PyDocumentView {
        fn bytes<'a>(&'a self, py: Python<'a>) -> &'a [u8] {
            match &self.storage {
                Storage::Shared(bytes) => bytes.as_bytes(py),
                // SAFETY: `words` holds at least `len` initialised bytes (see `aligned_copy`),
                // never changed after the copy.
                Storage::Owned { words, len } => unsafe {
                    std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), *len)
                },
            }
        }

        fn archived<'a>(&'a self, py: Python<'a>) -> &'a ArchivedDocument {
            // SAFETY: the bytes passed `core::access` when the view was made (`new`), and
            // neither storage can change: `bytes` is immutable and the copy is this view's own.
            unsafe { core::access_unchecked(self.bytes(py)) }
        }
    }

    fn key_error(key: &Bound<'_, PyAny>) -> PyErr {
        PyKeyError::new_err(key.clone().unbind())
    }

    /// A list index as a list takes one: an int (``operator.index``), negative from the end.
    fn position(key: &Bound<'_, PyAny>, len: usize) -> PyResult<usize> {
        let index: isize = if key.is_instance_of::<PyInt>() {
            key.extract()
        } else {
            let py = key.py();
            py.import(intern!(py, "operator"))?
                .call_method1(intern!(py, "index"), (key,))
                .map_err(|error| {
                    // An object with no __index__ is a TypeError in list's words; what a
                    // user's __index__ raises goes through as it is.
                    if key.hasattr(intern!(py, "__index__")).unwrap_or(true) {
                        error
                    } else {
                        PyTypeError::new_err(format!(
                            "list indices must be integers or slices, not {}",
                            type_name(key)
                        ))
                    }
                })?
                .extract()
        }
        .map_err(|_| PyIndexError::new_err("cannot fit 'int' into an index-sized integer"))?;
        let len = len as isize;
        let at = if index < 0 { index + len } else { index };
        if (0..len).contains(&at) {
            Ok(at as usize)
        } else {
            Err(PyIndexError::new_err("list index out of range"))
        }
    }

    fn archived_value<'py>(py: Python<'py>, value: &ArchivedValue) -> PyResult<Bound<'py, PyAny>> {
        Ok(match value {
            ArchivedValue::Int(number) => number.to_native().into_pyobject(py)?.into_any(),
            ArchivedValue::Float(number) => PyFloat::new(py, number.to_native()).into_any(),
            ArchivedValue::Str(string) => PyString::new(py, string.as_str()).into_any(),
            ArchivedValue::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        })
    }

    fn archived_shape<'py>(
        py: Python<'py>,
        shape: &[ffibench_core::documents::ArchivedI64],
    ) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, shape.iter().map(|dimension| dimension.to_native()))
    }

    fn archived_to_py<'py>(
        py: Python<'py>,
        document: &ArchivedDocument,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item(intern!(py, "name"), document.name.as_str())?;
        dict.set_item(intern!(py, "version"), document.version.to_native())?;
        dict.set_item(intern!(py, "created"), document.created.as_str())?;
        let description = document.description.as_ref().map(|text| text.as_str());
        dict.set_item(intern!(py, "description"), optional_to_py(py, description))?;
        let parent = document.parent.as_ref().map(|text| text.as_str());
        dict.set_item(intern!(py, "parent"), optional_to_py(py, parent))?;
        let hyperparameters = PyDict::new(py);
        for entry in document.hyperparameters.iter() {
            hyperparameters.set_item(entry.0.as_str(), archived_value(py, &entry.1)?)?;
        }
        dict.set_item(intern!(py, "hyperparameters"), hyperparameters)?;
        let layers = PyList::empty(py);
        for layer in document.layers.iter() {
            let item = PyDict::new(py);
            item.set_item(intern!(py, "name"), layer.name.as_str())?;
            item.set_item(intern!(py, "kind"), layer.kind.as_str())?;
            item.set_item(intern!(py, "shape"), archived_shape(py, &layer.shape)?)?;
            item.set_item(intern!(py, "parameters"), layer.parameters.to_native())?;
            layers.append(item)?;
        }
        dict.set_item(intern!(py, "layers"), layers)?;
        let metrics = PyDict::new(py);
        for entry in document.metrics.iter() {
            let values = entry.1.iter().map(|value| value.to_native());
            metrics.set_item(entry.0.as_str(), PyList::new(py, values)?)?;
        }
        dict.set_item(intern!(py, "metrics"), metrics)?;
        let tags = document.tags.iter().map(|tag| tag.as_str());
        dict.set_item(intern!(py, "tags"), PyList::new(py, tags)?)?;
        Ok(dict)
    }

    #[pymethods]
    impl PyDocumentView {
        /// Validate the archive in ``data`` (bytes, bytearray or memoryview) once.
        #[new]
        fn new(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
            let storage = if let Ok(bytes) = data.cast::<PyBytes>()
                && core::is_aligned(bytes.as_bytes())
            {
                Storage::Shared(bytes.clone().unbind())
            } else if data.is_instance_of::<PyBytes>()
                || data.is_instance_of::<pyo3::types::PyByteArray>()
                || data.is_instance_of::<pyo3::types::PyMemoryView>()
            {
                // Not aligned, or mutable: an aligned copy of our own. A buffer of another
                // format (a memoryview cast to 'b' or 'd') is read as its bytes, as
                // `bytes(memoryview(data))` reads it.
                match PyBuffer::<u8>::get(data) {
                    Ok(buffer) => aligned_copy(py, &buffer)?,
                    Err(_) => {
                        let raw = py
                            .get_type::<PyBytes>()
                            .call1((pyo3::types::PyMemoryView::from(data)?,))?;
                        aligned_copy(py, &PyBuffer::<u8>::get(&raw)?)?
                    }
                }
            } else {
                return Err(PyTypeError::new_err(format!(
                    "data must be bytes, bytearray or memoryview, not {}",
                    type_name(data)
                )));
            };
            let view = Self {
                storage,
                hyperparameter_index: OnceLock::new(),
                metric_index: OnceLock::new(),
            };
            let bytes = view.bytes(py);
            let heavy = bytes.len() >= DETACH_BYTES;
            detach_if(py, heavy, || core::access(bytes).map(|_| ())).map_err(PyCoreError::from)?;
            Ok(view)
        }

        fn __getitem__<'py>(
            slf: &Bound<'py, Self>,
            field: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let py = slf.py();
            let name = match field.cast::<PyString>() {
                Ok(name) => name.to_str().map_err(|_| key_error(field))?,
                Err(_) => return Err(key_error(field)),
            };
            let document = slf.get().archived(py);
            let node = match name {
                "name" => return Ok(PyString::new(py, document.name.as_str()).into_any()),
                "version" => return Ok(document.version.to_native().into_pyobject(py)?.into_any()),
                "created" => return Ok(PyString::new(py, document.created.as_str()).into_any()),
                "description" => {
                    let text = document.description.as_ref().map(|text| text.as_str());
                    return Ok(optional_to_py(py, text));
                }
                "parent" => {
                    let text = document.parent.as_ref().map(|text| text.as_str());
                    return Ok(optional_to_py(py, text));
                }
                "hyperparameters" => Node::Hyperparameters,
                "layers" => Node::Layers,
                "metrics" => Node::Metrics,
                "tags" => Node::Tags,
                _ => return Err(key_error(field)),
            };
            Ok(Bound::new(
                py,
                PyView {
                    owner: slf.clone().unbind(),
                    node,
                },
            )?
            .into_any())
        }

        fn __len__(&self) -> usize {
            FIELDS.len()
        }

        fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            PyList::new(py, FIELDS)?.try_iter().map(Bound::into_any)
        }

        /// The document's fields, in order.
        fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
            PyList::new(py, FIELDS)
        }

        /// The whole document as new Python objects.
        fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            archived_to_py(py, self.archived(py))
        }

        fn __repr__(&self, py: Python<'_>) -> String {
            format!("DocumentView({} bytes)", self.bytes(py).len())
        }

        fn __reduce__<'py>(
            slf: &Bound<'py, Self>,
        ) -> PyResult<(Bound<'py, PyType>, (Bound<'py, PyBytes>,))> {
            let py = slf.py();
            let data = PyBytes::new(py, slf.get().bytes(py));
            Ok((slf.get_type(), (data,)))
        }
    }

    /// Which list or map of the document a view reads.
    #[derive(Clone, Copy)]
    enum Node {
        Hyperparameters,
        Layers,
        Layer(usize),
        Metrics,
        Metric(usize),
        Tags,
    }

    /// A list or a map of a ``DocumentView``'s document, read on demand: ``len``, ``[]``,
    /// iteration (a list's items, a map's keys) and ``keys()`` of a map.
    #[pyclass(frozen, name = "View", module = "ffibench._native.documents")]
    pub(crate) struct PyView {
        owner: Py<PyDocumentView>,
        node: Node,
    }

    impl PyView {
        fn child<'py>(&self, py: Python<'py>, node: Node) -> PyResult<Bound<'py, PyAny>> {
            Ok(Bound::new(
                py,
                Self {
                    owner: self.owner.clone_ref(py),
                    node,
                },
            )?
            .into_any())
        }

        fn keys_of<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyList>>> {
            let document = self.owner.get().archived(py);
            Ok(Some(match self.node {
                Node::Hyperparameters => PyList::new(
                    py,
                    document
                        .hyperparameters
                        .iter()
                        .map(|entry| entry.0.as_str()),
                )?,
                Node::Metrics => {
                    PyList::new(py, document.metrics.iter().map(|entry| entry.0.as_str()))?
                }
                Node::Layer(_) => PyList::new(py, LAYER_FIELDS)?,
                _ => return Ok(None),
            }))
        }
    }

    #[pymethods]
    impl PyView {
        fn __getitem__<'py>(
            &self,
            py: Python<'py>,
            key: &Bound<'py, PyAny>,
        ) -> PyResult<Bound<'py, PyAny>> {
            let document = self.owner.get().archived(py);
            let name = || -> PyResult<&str> {
                key.cast::<PyString>()
                    .map_err(|_| key_error(key))?
                    .to_str()
                    .map_err(|_| key_error(key))
            };
            match self.node {
                Node::Layers => {
                    let index = position(key, document.layers.len())?;
                    self.child(py, Node::Layer(index))
                }
                Node::Layer(index) => {
                    let layer = &document.layers[index];
                    Ok(match name()? {
                        "name" => PyString::new(py, layer.name.as_str()).into_any(),
                        "kind" => PyString::new(py, layer.kind.as_str()).into_any(),
                        "shape" => archived_shape(py, &layer.shape)?.into_any(),
                        "parameters" => layer.parameters.to_native().into_pyobject(py)?.into_any(),
                        _ => return Err(key_error(key)),
                    })
                }
                Node::Hyperparameters => {
                    let name = name()?;
                    let owner = self.owner.get();
                    let keys = document
                        .hyperparameters
                        .iter()
                        .map(|entry| entry.0.as_str());
                    let at = find(&owner.hyperparameter_index, keys, name)
                        .ok_or_else(|| key_error(key))?;
                    archived_value(py, &document.hyperparameters[at].1)
                }
                Node::Metrics => {
                    let name = name()?;
                    let keys = document.metrics.iter().map(|entry| entry.0.as_str());
                    let index = find(&self.owner.get().metric_index, keys, name)
                        .ok_or_else(|| key_error(key))?;
                    self.child(py, Node::Metric(index))
                }
                Node::Metric(index) => {
                    let values = &document.metrics[index].1;
                    let at = position(key, values.len())?;
                    Ok(PyFloat::new(py, values[at].to_native()).into_any())
                }
                Node::Tags => {
                    let at = position(key, document.tags.len())?;
                    Ok(PyString::new(py, document.tags[at].as_str()).into_any())
                }
            }
        }

        fn __len__(&self, py: Python<'_>) -> usize {
            let document = self.owner.get().archived(py);
            match self.node {
                Node::Hyperparameters => document.hyperparameters.len(),
                Node::Layers => document.layers.len(),
                Node::Layer(_) => LAYER_FIELDS.len(),
                Node::Metrics => document.metrics.len(),
                Node::Metric(index) => document.metrics[index].1.len(),
                Node::Tags => document.tags.len(),
            }
        }

        fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            if let Some(keys) = self.keys_of(py)? {
                return keys.try_iter().map(Bound::into_any);
            }
            let items = PyList::empty(py);
            for index in 0..self.__len__(py) {
                items.append(self.__getitem__(py, &index.into_pyobject(py)?.into_any())?)?;
            }
            items.try_iter().map(Bound::into_any)
        }

        /// The keys of a map or a layer, in order (``TypeError`` for a list).
        fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
            self.keys_of(py)?
                .ok_or_else(|| PyTypeError::new_err("a list view has no keys"))
        }

        fn __repr__(&self, py: Python<'_>) -> String {
            let kind = match self.node {
                Node::Hyperparameters | Node::Metrics | Node::Layer(_) => "map",
                _ => "list",
            };
            format!("View({kind} of {} items)", self.__len__(py))
        }

        fn __reduce__(&self) -> PyResult<()> {
            Err(PyTypeError::new_err(
                "a View cannot be pickled: pickle its DocumentView",
            ))
        }
    }
}
