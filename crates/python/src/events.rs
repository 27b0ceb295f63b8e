//! Scenario 6, `events`, as the submodule `ffibench._native.events`.
//!
//! `EventStream` holds the core's stream, whose producer is a Rust thread that never touches
//! Python. `poll` and `poll_tuples` take what is queued with the GIL held (a short critical
//! section, never a wait) and build the answer after the queue's lock is released; `recv`
//! takes an event at once when one is there and otherwise waits with the GIL released, in
//! slices of [`SLICE`], checking for signals between them so that Ctrl-C interrupts it;
//! `stop` (and dropping the stream) joins the producer with the GIL released. The class is
//! `frozen` and the core stream is `Sync`: several Python threads may use one stream.
//!
//! Two things come from the spec module `ffibench.pure.events`: the NumPy dtype of `poll`'s
//! arrays (one definition of the layout) and `Batches`, the `async for` iterator, whose
//! waiting is asyncio's `loop.add_reader` on the stream's eventfd and so is Python in every
//! backend (the polls it makes are this class's).

use pyo3::prelude::*;

/// Scenario 6: an event source on a Rust thread streaming to Python, across PyO3.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod events {
    use std::time::{Duration, Instant};

    use ffibench_core::events::{self as core, Event, Policy, Received};
    use pyo3::exceptions::{PyTypeError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::sync::PyOnceLock;
    use pyo3::types::{PyBool, PyByteArray, PyFloat, PyInt, PyList, PyTuple, PyType};

    use crate::error::PyCoreError;
    use crate::{Given, at_least, type_name};

    /// The longest wait of `recv` between two looks at pending signals.
    const SLICE: Duration = Duration::from_millis(50);
    /// The bytes of one event in `poll`'s arrays.
    const EVENT_BYTES: usize = 56;

    static SPEC: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

    /// `numpy.frombuffer` and the spec's two dtypes (without, with the payload), looked up
    /// once: a dtype made per call would cost more than a small poll.
    static ARRAYS: PyOnceLock<(Py<PyAny>, Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

    fn arrays(py: Python<'_>) -> PyResult<&(Py<PyAny>, Py<PyAny>, Py<PyAny>)> {
        ARRAYS.get_or_try_init(py, || {
            let dtype = spec(py)?.getattr("dtype")?;
            Ok((
                py.import("numpy")?.getattr("frombuffer")?.unbind(),
                dtype.call1((false,))?.unbind(),
                dtype.call1((true,))?.unbind(),
            ))
        })
    }

    fn spec(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
        Ok(SPEC
            .get_or_try_init(py, || py.import("ffibench.pure.events").map(Bound::unbind))?
            .bind(py))
    }

    /// `value` as a real number (an int or a float, not a bool), as the spec reads `rate` and
    /// `timeout`.
    fn real(value: &Bound<'_, PyAny>, name: &str) -> PyResult<f64> {
        if value.is_instance_of::<PyBool>()
            || !(value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>())
        {
            return Err(PyTypeError::new_err(format!(
                "{name} must be None or a real number, not {}",
                type_name(value)
            )));
        }
        value.extract::<f64>()
    }

    /// An event source on a Rust thread with a bounded queue (see ``ffibench.pure.events``).
    #[pyclass(name = "EventStream", module = "ffibench._native.events", frozen)]
    pub(crate) struct PyEventStream {
        inner: core::EventStream,
    }

    fn tuple<'py>(py: Python<'py>, event: &Event, payload: bool) -> PyResult<Bound<'py, PyTuple>> {
        let fields = (event.timestamp_ns, event.source, event.seq, event.value);
        if payload {
            let (t, s, q, v) = fields;
            (t, s, q, v, event.payload_text()).into_pyobject(py)
        } else {
            fields.into_pyobject(py)
        }
    }

    /// One event in the layout of `ffibench_event` (and of the spec's dtype).
    fn write_event(out: &mut [u8], event: &Event) {
        out[0..8].copy_from_slice(&event.timestamp_ns.to_ne_bytes());
        out[8..12].copy_from_slice(&event.source.to_ne_bytes());
        out[12..16].copy_from_slice(&event.payload_len.to_ne_bytes());
        out[16..24].copy_from_slice(&event.seq.to_ne_bytes());
        out[24..32].copy_from_slice(&event.value.to_ne_bytes());
        out[32..56].copy_from_slice(&event.payload);
    }

    impl PyEventStream {
        /// The core stream; `RuntimeError` in a `fork` child of the process that made it.
        fn stream(&self) -> PyResult<&core::EventStream> {
            self.inner.check_owner().map_err(PyCoreError::from)?;
            Ok(&self.inner)
        }

        fn max_events(&self, max_events: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
            match max_events {
                None => Ok(self.inner.capacity()),
                Some(value) => at_least(value, "max_events", 0),
            }
        }

        fn take(&self, max_events: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Event>> {
            let inner = self.stream()?;
            let max = self.max_events(max_events)?.min(inner.capacity());
            let mut events = Vec::with_capacity(max.min(inner.len()));
            inner.drain(max, |event| events.push(*event));
            Ok(events)
        }
    }

    #[pymethods]
    impl PyEventStream {
        #[new]
        #[pyo3(
            signature = (rate = None, capacity = Given::Default, policy = Given::Default, seed = Given::Default, payload = Given::Default),
            text_signature = "(rate=None, capacity=65536, policy='block', seed=0, payload=False)"
        )]
        fn new(
            py: Python<'_>,
            rate: Option<&Bound<'_, PyAny>>,
            capacity: Given<'_>,
            policy: Given<'_>,
            seed: Given<'_>,
            payload: Given<'_>,
        ) -> PyResult<Self> {
            // Each argument checked whole (type, then value) before the next, as the spec does.
            let spec = spec(py)?;
            let rate: Option<f64> = spec.call_method1("check_rate", (rate,))?.extract()?;
            let capacity = capacity.or(py, 65536_usize)?;
            let capacity = checked_capacity(&capacity)?;
            let policy = policy.or(py, "block")?;
            let policy = checked_policy(spec, &policy)?;
            let seed: u64 = spec
                .call_method1("check_seed", (seed.or(py, 0_u64)?,))?
                .extract()?;
            let payload: bool = spec
                .call_method1("check_flag", (payload.or(py, false)?, "payload"))?
                .extract()?;
            let inner = core::EventStream::synthetic(rate, capacity, policy, seed, payload)
                .map_err(PyCoreError::from)?;
            Ok(Self { inner })
        }

        /// A stream of the UDP datagrams sent to ``host:port``, bound now.
        #[classmethod]
        #[pyo3(
            signature = (host, port, capacity = Given::Default, policy = Given::Default, payload = Given::Default),
            text_signature = "($cls, host, port, capacity=65536, policy='block', payload=False)"
        )]
        fn udp(
            _cls: &Bound<'_, PyType>,
            py: Python<'_>,
            host: &Bound<'_, PyAny>,
            port: &Bound<'_, PyAny>,
            capacity: Given<'_>,
            policy: Given<'_>,
            payload: Given<'_>,
        ) -> PyResult<Self> {
            // The spec's checks, in its order: each argument whole before the next.
            let checked = spec(py)?.call_method1(
                "check_udp",
                (
                    host,
                    port,
                    capacity.or(py, 65536_usize)?,
                    policy.or(py, "block")?,
                    payload.or(py, false)?,
                ),
            )?;
            let (host, port, capacity, policy, payload): (String, u16, usize, String, bool) =
                checked.extract()?;
            let policy = Policy::parse(&policy).map_err(PyCoreError::from)?;
            let inner = py
                .detach(|| core::EventStream::udp(&host, port, capacity, policy, payload))
                .map_err(PyCoreError::from)?;
            Ok(Self { inner })
        }

        /// Start the producer thread; ``RuntimeError`` if it was started before.
        fn start(&self) -> PyResult<()> {
            Ok(self.stream()?.start().map_err(PyCoreError::from)?)
        }

        /// Stop the producer and join its thread (with the GIL released).
        fn stop(&self, py: Python<'_>) -> PyResult<()> {
            let inner = self.stream()?;
            py.detach(|| inner.stop());
            Ok(())
        }

        fn __enter__(slf: Bound<'_, Self>) -> PyResult<Bound<'_, Self>> {
            slf.get().start()?;
            Ok(slf)
        }

        fn __exit__(
            &self,
            py: Python<'_>,
            _kind: &Bound<'_, PyAny>,
            _value: &Bound<'_, PyAny>,
            _traceback: &Bound<'_, PyAny>,
        ) -> PyResult<()> {
            self.stop(py)
        }

        /// Up to ``max_events`` queued events at once (``None``: all), as a NumPy array.
        #[pyo3(signature = (max_events = None))]
        fn poll<'py>(
            &self,
            py: Python<'py>,
            max_events: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyAny>> {
            // Written straight into the bytearray under the queue's lock (GIL held, a short
            // section); another thread may have taken some since `len`: the rest is cut off.
            let inner = self.stream()?;
            let max = self.max_events(max_events)?.min(inner.len());
            let mut taken = 0;
            let bytes = PyByteArray::new_with(py, max * EVENT_BYTES, |buffer| {
                let mut slots = buffer.chunks_exact_mut(EVENT_BYTES);
                taken = inner.drain(max, |event| {
                    if let Some(out) = slots.next() {
                        write_event(out, event);
                    }
                });
                Ok(())
            })?;
            if taken < max {
                bytes.resize(taken * EVENT_BYTES)?;
            }
            let (frombuffer, plain, with_payload) = arrays(py)?;
            let dtype = if self.inner.payload() {
                with_payload
            } else {
                plain
            };
            frombuffer.bind(py).call1((bytes, dtype))
        }

        /// Up to ``max_events`` queued events at once (``None``: all), as tuples.
        #[pyo3(signature = (max_events = None))]
        fn poll_tuples<'py>(
            &self,
            py: Python<'py>,
            max_events: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyList>> {
            let events = self.take(max_events)?;
            let payload = self.inner.payload();
            let tuples = events
                .iter()
                .map(|event| tuple(py, event, payload))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, tuples)
        }

        /// The next event, waiting up to ``timeout`` seconds (``None``: as long as it takes)
        /// with the GIL released; ``None`` when the time passes or the stream is stopped and
        /// empty. Ctrl-C interrupts the wait.
        #[pyo3(signature = (timeout = None))]
        fn recv<'py>(
            &self,
            py: Python<'py>,
            timeout: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Option<Bound<'py, PyTuple>>> {
            let wait = match timeout {
                None => None,
                Some(value) => {
                    let seconds = real(value, "timeout")?;
                    if seconds.is_nan() || seconds < 0.0 {
                        return Err(PyValueError::new_err(format!(
                            "timeout must be >= 0, not {seconds}"
                        )));
                    }
                    Duration::try_from_secs_f64(seconds).ok() // too long: as long as it takes
                }
            };
            let inner = self.stream()?;
            let payload = inner.payload();
            match inner.try_recv() {
                Received::Event(event) => return tuple(py, &event, payload).map(Some),
                Received::Ended => return Ok(None),
                Received::TimedOut => {}
            }
            let deadline = wait.and_then(|wait| Instant::now().checked_add(wait));
            if wait.is_some() && deadline.is_some_and(|deadline| deadline <= Instant::now()) {
                return Ok(None);
            }
            loop {
                let slice = match deadline {
                    None => SLICE,
                    Some(deadline) => {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            return Ok(None);
                        }
                        left.min(SLICE)
                    }
                };
                match py.detach(|| inner.recv(Some(slice))) {
                    Received::Event(event) => return tuple(py, &event, payload).map(Some),
                    Received::Ended => return Ok(None),
                    Received::TimedOut => py.check_signals()?,
                }
            }
        }

        fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
            slf
        }

        fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
            self.recv(py, None)
        }

        fn __aiter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
            spec(slf.py())?.getattr("Batches")?.call1((slf,))
        }

        /// ``(produced, delivered, dropped)``.
        fn stats(&self) -> PyResult<(u64, u64, u64)> {
            let stats = self.stream()?.stats();
            Ok((stats.produced, stats.delivered, stats.dropped))
        }

        /// The eventfd that is readable while an event is queued or the stream is stopped.
        fn fileno(&self) -> PyResult<i32> {
            Ok(self.stream()?.fd())
        }

        /// The UDP port the stream is bound to (``None`` for a synthetic stream).
        #[getter]
        fn port(&self) -> Option<u16> {
            self.inner.port()
        }

        /// Whether events carry their payload.
        #[getter]
        fn payload(&self) -> bool {
            self.inner.payload()
        }

        /// The queue's capacity.
        #[getter]
        fn capacity(&self) -> usize {
            self.inner.capacity()
        }

        /// ``"block"`` or ``"drop"``.
        #[getter]
        fn policy(&self) -> &'static str {
            self.inner.policy().name()
        }

        /// Whether the producer runs (started and not stopped).
        #[getter]
        fn running(&self) -> PyResult<bool> {
            Ok(self.stream()?.is_running())
        }

        /// Whether ``stop`` was called: no event will come but those queued.
        #[getter]
        fn stopped(&self) -> PyResult<bool> {
            Ok(self.stream()?.is_stopped())
        }

        fn __len__(&self) -> PyResult<usize> {
            Ok(self.stream()?.len())
        }

        fn __reduce__(&self) -> PyResult<()> {
            Err(PyTypeError::new_err("cannot pickle EventStream object"))
        }

        fn __repr__(&self) -> String {
            if self.inner.check_owner().is_err() {
                return "EventStream(of the parent process)".to_owned();
            }
            let stats = self.inner.stats();
            let state = if self.inner.is_running() {
                "running"
            } else if self.inner.is_stopped() {
                "stopped"
            } else {
                "ready"
            };
            format!(
                "EventStream({state}, produced={}, delivered={}, dropped={})",
                stats.produced, stats.delivered, stats.dropped
            )
        }
    }

    /// `capacity` as the spec checks it: `ValueError` below 1 (however far below),
    /// `OverflowError` from `2**63`, then the core's bound.
    fn checked_capacity(capacity: &Bound<'_, PyAny>) -> PyResult<usize> {
        let count = at_least(capacity, "capacity", 1)?;
        Ok(core::check_capacity(count).map_err(PyCoreError::from)?)
    }

    /// `policy` as the spec checks it (`TypeError` for a non-str, `ValueError` for another
    /// name, a lone surrogate included).
    fn checked_policy(spec: &Bound<'_, PyModule>, policy: &Bound<'_, PyAny>) -> PyResult<Policy> {
        let name: String = spec.call_method1("check_policy", (policy,))?.extract()?;
        Ok(Policy::parse(&name).map_err(PyCoreError::from)?)
    }
}
