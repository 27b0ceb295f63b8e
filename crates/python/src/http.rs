//! Scenario 9, `http`: the axum server started in-process, as the submodule
//! `ffibench._native.http` (its public face is `ffibench.http.serve`).
//!
//! `Server` owns an `ffibench_server::Server`: a tokio runtime on threads of its own that
//! never touch Python, so serving requests takes nothing from the interpreter. Starting
//! (which binds and may resolve a host name) and stopping (which waits for requests in
//! flight and joins the runtime's threads) release the GIL. The class is `frozen` and the
//! handle sits behind a mutex: `stop` may be called from any thread, any number of times;
//! a second caller waits for the first one's stop to finish. A `Server` dropped without
//! `stop` stops the same way, so no thread or port outlives it. In a `fork` child the handle
//! is inert: the server is the parent's, so `stop` and dropping do nothing there.

use pyo3::prelude::*;

/// Scenario 9: the Rust HTTP server, in-process.
#[pymodule(submodule, gil_used = true)]
pub(crate) mod http {
    use std::io;
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Mutex, PoisonError};

    use ffibench_server::{MAX_WORKERS, Server};
    use pyo3::exceptions::{PyOSError, PyOverflowError, PyTypeError, PyValueError};
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyInt};

    use crate::type_name;

    /// `value` as a port: an int (not a bool) from 0 to 65535; `OverflowError` outside, as
    /// Python's `socket` says.
    fn port_of(value: &Bound<'_, PyAny>) -> PyResult<u16> {
        if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "port must be an int, not {}",
                type_name(value)
            )));
        }
        value.extract::<u16>().map_err(|_| {
            PyOverflowError::new_err(format!("port must be from 0 to 65535, not {value}"))
        })
    }

    /// `value` as a number of worker threads: `None` (one per core) or an int (not a bool)
    /// from 1 to `MAX_WORKERS`.
    fn workers_of(value: &Bound<'_, PyAny>) -> PyResult<Option<usize>> {
        if value.is_none() {
            return Ok(None);
        }
        if value.is_instance_of::<PyBool>() || !value.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "workers must be None or an int, not {}",
                type_name(value)
            )));
        }
        match value.extract::<usize>() {
            Ok(workers @ 1..=MAX_WORKERS) => Ok(Some(workers)),
            _ => Err(PyValueError::new_err(format!(
                "workers must be from 1 to {MAX_WORKERS}, not {value}"
            ))),
        }
    }

    /// A bind that failed, as `OSError(errno, text)`: Python picks the subclass from errno
    /// (`PermissionError` for a privileged port); a host that does not resolve has no errno.
    fn os_error(error: &io::Error, host: &str, port: u16) -> PyErr {
        let text = error.to_string();
        let reason = text.split(" (os error").next().unwrap_or(&text);
        let message = format!("cannot serve on {host}:{port}: {reason}");
        match error.raw_os_error() {
            Some(errno) => PyOSError::new_err((errno, message)),
            None => PyOSError::new_err(message),
        }
    }

    /// The API served on ``host:port`` on threads of its own until ``stop()`` (see
    /// ``ffibench.http.serve``).
    #[pyclass(name = "Server", module = "ffibench._native.http", frozen)]
    pub(crate) struct PyServer {
        server: Mutex<Option<Server>>,
        stopping: AtomicBool,
        address: SocketAddr,
        owner: u32,
    }

    impl PyServer {
        /// Whether this process is a `fork` child of the one that started the server: there
        /// the handle is inert (the server's threads were not copied, its lock may be held).
        fn foreign(&self) -> bool {
            std::process::id() != self.owner
        }

        fn take_and_stop(&self) {
            if self.foreign() {
                return;
            }
            self.stopping.store(true, Ordering::Relaxed);
            // Held while the server stops, so a second `stop` returns only once it has.
            let mut server = self.server.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(server) = server.take() {
                server.shutdown();
            }
        }
    }

    #[pymethods]
    impl PyServer {
        #[new]
        fn new(
            py: Python<'_>,
            host: &str,
            port: &Bound<'_, PyAny>,
            workers: &Bound<'_, PyAny>,
        ) -> PyResult<Self> {
            let port = port_of(port)?;
            let workers = workers_of(workers)?;
            if host.contains('\0') {
                return Err(PyValueError::new_err(
                    "host must not contain a NUL character",
                ));
            }
            let server = py
                .detach(|| Server::bind((host, port), workers))
                .map_err(|error| os_error(&error, host, port))?;
            Ok(Self {
                address: server.local_addr(),
                server: Mutex::new(Some(server)),
                stopping: AtomicBool::new(false),
                owner: std::process::id(),
            })
        }

        /// Stops the server gracefully and waits for it (idempotent, from any thread).
        fn stop(&self, py: Python<'_>) {
            py.detach(|| self.take_and_stop());
        }

        /// The address the server is bound to (``"127.0.0.1"``, ``"::1"``...).
        #[getter]
        fn host(&self) -> String {
            self.address.ip().to_string()
        }

        /// The port the server is bound to (the one picked for port 0).
        #[getter]
        fn port(&self) -> u16 {
            self.address.port()
        }

        /// ``http://HOST:PORT`` (an IPv6 host in brackets).
        #[getter]
        fn url(&self) -> String {
            format!("http://{}", self.address)
        }

        /// Whether the server is serving (``False`` once ``stop`` was called, and in a
        /// ``fork`` child, where the server is the parent's and ``stop`` does nothing).
        #[getter]
        fn running(&self) -> bool {
            !self.foreign() && !self.stopping.load(Ordering::Relaxed)
        }

        fn __enter__(slf: Py<Self>) -> Py<Self> {
            slf
        }

        fn __exit__(
            &self,
            py: Python<'_>,
            _kind: &Bound<'_, PyAny>,
            _value: &Bound<'_, PyAny>,
            _traceback: &Bound<'_, PyAny>,
        ) {
            self.stop(py);
        }

        fn __repr__(&self) -> String {
            let state = if self.running() { "running" } else { "stopped" };
            format!("<ffibench._native.http.Server {} {state}>", self.url())
        }
    }

    impl Drop for PyServer {
        fn drop(&mut self) {
            let mut server = self
                .server
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if server.is_some() {
                // Stopped with the GIL released where it can be, so other Python threads run
                // meanwhile; while the interpreter finalizes, with it held (the server's
                // threads never need it).
                let _ = Python::try_attach(|py| py.detach(|| drop(server.take())));
                drop(server);
            }
        }
    }
}
