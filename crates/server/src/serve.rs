//! The server's life: bind, a runtime on its own threads, connections served by hyper with
//! the timeouts, and a graceful, bounded shutdown that joins every thread.
//!
//! Connections are served by hand (hyper's HTTP/1 builder through hyper-util) rather than by
//! `axum::serve`, for the two knobs it does not expose: the header-read timeout, which closes
//! a connection whose request head trickles in (slowloris) or that idles between requests,
//! and a graceful shutdown that waits a bounded time for requests in flight.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::uri::PathAndQuery;
use axum::http::{Request, Response, Uri};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;

use crate::ApiError;
use crate::api::{self, AppState, percent_decode};

/// The most worker threads a server may have.
pub const MAX_WORKERS: usize = 1024;
/// How long the runtime's end waits for work on the blocking pool (a product, a parse) that
/// outlived the grace period; each such job is bounded by the body limit.
const BLOCKING_GRACE: Duration = Duration::from_secs(5);
/// The pause after a failed `accept` (out of file descriptors, say) before the next one.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

/// How a server runs. [`Config::default`] is what the binary and the Python module use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Worker threads of the runtime; `None` for one per core.
    pub workers: Option<usize>,
    /// The longest a client may take to send a request's head, and the longest a kept-alive
    /// connection may wait for the next request (5 s).
    pub header_read_timeout: Duration,
    /// The longest a request may take from its head to its answer, the body's upload
    /// included (10 s): past it the answer is 408 and the connection is closed.
    pub request_timeout: Duration,
    /// The longest a shutdown waits for requests in flight (10 s).
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            workers: None,
            header_read_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Stops a running server from anywhere (another thread, a signal handler's thread): a
/// cheap handle that [`Server::stopper`] gives out; stopping twice is stopping once.
#[derive(Debug, Clone)]
pub struct Stopper {
    sender: Arc<watch::Sender<bool>>,
    /// The process that made the server (see [`Server::is_foreign`]).
    owner: u32,
}

impl Stopper {
    /// Starts the graceful shutdown and returns at once; [`Server::wait`] waits for it.
    /// Does nothing in a `fork` child of the process that made the server.
    pub fn stop(&self) {
        if std::process::id() == self.owner {
            self.sender.send_replace(true);
        }
    }
}

/// A running server: its socket, its runtime and the thread that drives it.
///
/// Dropping it stops it as [`Server::shutdown`] does. In a `fork` child of the process that
/// made it, the server is the parent's: there stopping and dropping do nothing (the runtime's
/// threads were not copied, and their locks may be held forever).
#[derive(Debug)]
pub struct Server {
    address: SocketAddr,
    stopper: Stopper,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `address` (port 0 picks a free port) and serves the API on `workers` threads
    /// (`None`: one per core) with the default [`Config`].
    ///
    /// Errors: the socket's (address in use, a host that does not resolve), the runtime's
    /// (threads that cannot be started), and `InvalidInput` for 0 or more than
    /// [`MAX_WORKERS`] workers.
    pub fn bind(address: impl ToSocketAddrs, workers: Option<usize>) -> io::Result<Self> {
        Self::bind_with(
            address,
            Config {
                workers,
                ..Config::default()
            },
        )
    }

    /// [`Server::bind`] with every setting given.
    pub fn bind_with(address: impl ToSocketAddrs, config: Config) -> io::Result<Self> {
        let workers = match config.workers {
            None => std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            Some(workers @ 1..=MAX_WORKERS) => workers,
            Some(workers) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("workers must be from 1 to {MAX_WORKERS}, not {workers}"),
                ));
            }
        };
        let listener = std::net::TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            // The blocking pool parses large bodies and multiplies large matrices: more
            // threads than cores would not go faster, only hold more bodies in memory.
            .max_blocking_threads(2 * workers)
            .thread_name("ffibench-server")
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let (sender, receiver) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("ffibench-server-main".into())
            .spawn(move || {
                runtime.block_on(serve(listener, config, receiver));
                runtime.shutdown_timeout(BLOCKING_GRACE);
            })?;
        Ok(Self {
            address,
            stopper: Stopper {
                sender: Arc::new(sender),
                owner: std::process::id(),
            },
            thread: Some(thread),
        })
    }

    /// The address the server listens on (with the port picked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://HOST:PORT` of [`Server::local_addr`] (an IPv6 host in brackets).
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// A handle that stops the server from another thread.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Stops accepting, closes idle connections, waits up to [`Config::shutdown_grace`] for
    /// requests in flight, then ends the runtime and joins its threads.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    /// Waits until a [`Stopper`] stops the server, then as [`Server::shutdown`].
    pub fn wait(mut self) {
        self.join();
    }

    /// Whether this process is a `fork` child of the one that made the server.
    pub fn is_foreign(&self) -> bool {
        std::process::id() != self.stopper.owner
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            if self.is_foreign() {
                // The parent's thread: no handle to join here. Forgotten, as is the channel
                // (one clone leaked keeps the sender, whose lock may be held, from dropping).
                std::mem::forget(thread);
                std::mem::forget(self.stopper.clone());
                return;
            }
            // The thread only panics on a bug in tokio or hyper; nothing is left to stop.
            let _ = thread.join();
        }
    }

    fn stop_and_join(&mut self) {
        self.stopper.stop();
        self.join();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// The router with the layers every request goes through: a panic in a handler becomes a
/// 500 with the API's error body (the panic hook still reports it on stderr).
pub(crate) fn app(router: Router) -> Router {
    router.layer(CatchPanicLayer::custom(
        |_: Box<dyn std::any::Any + Send + 'static>| ApiError::Internal.into_response(),
    ))
}

/// Whether `byte` may stand as it is in a URI's path.
fn is_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&byte)
}

/// The request with its path percent-decoded before routing, as a WSGI server decodes
/// `PATH_INFO` (`/%68ealth` is `/health`, `/people%2F1` is `/people/1`). What must stay
/// escaped in a path (`%`, `?`, a byte that is not ASCII) is escaped again, so routes match
/// the decoded text and a decoded `%` cannot be decoded twice.
pub(crate) fn decode_path(mut request: Request<Body>) -> Request<Body> {
    let uri = request.uri();
    if !uri.path().contains('%') {
        return request;
    }
    let mut path = String::with_capacity(uri.path().len());
    for byte in percent_decode(uri.path(), false) {
        if is_path_byte(byte) {
            path.push(char::from(byte));
        } else {
            let _ = write!(path, "%{byte:02X}");
        }
    }
    if let Some(query) = uri.query() {
        path.push('?');
        path.push_str(query);
    }
    let mut parts = uri.clone().into_parts();
    if let Ok(path) = PathAndQuery::try_from(path) {
        parts.path_and_query = Some(path);
        if let Ok(decoded) = Uri::from_parts(parts) {
            *request.uri_mut() = decoded;
        }
    }
    request
}

/// Accepts and serves connections until `stop` says so (or its sender is gone), then shuts
/// down gracefully.
async fn serve(listener: TcpListener, config: Config, mut stop: watch::Receiver<bool>) {
    let app = app(api::router(Arc::new(AppState::default())));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // A connection that failed before it was accepted, or no descriptors
                    // left: nothing to answer; pause so a lasting failure does not spin.
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        // Small answers go out at once rather than waiting for Nagle's timer.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let timeout = config.request_timeout;
        let service = service_fn(move |request: Request<Incoming>| {
            let request = decode_path(request.map(Body::new));
            let answer = app.clone().oneshot(request);
            async move {
                let response: Response<Body> = match tokio::time::timeout(timeout, answer).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => ApiError::Timeout(timeout).into_response(),
                };
                Ok::<_, Infallible>(response)
            }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection's errors (a client gone, a head too slow) end only that connection.
            let _ = connection.await;
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(config.shutdown_grace) => {}
    }
}

#[cfg(test)]
mod tests {
    use axum::routing::get;

    use super::*;

    fn uri_after(path: &str) -> String {
        let request = Request::builder().uri(path).body(Body::empty());
        request
            .map(|request| decode_path(request).uri().to_string())
            .unwrap_or_default()
    }

    #[test]
    fn paths_are_matched_decoded() {
        assert_eq!(uri_after("/health"), "/health");
        assert_eq!(uri_after("/%68ealth"), "/health");
        assert_eq!(uri_after("/people%2F1?k=%31"), "/people/1?k=%31");
        assert_eq!(uri_after("/people/%2531"), "/people/%2531");
        assert_eq!(uri_after("/a%20b%3F%FF"), "/a%20b%3F%FF");
        assert_eq!(uri_after("/%zz"), "/%25zz");
    }

    #[test]
    fn a_panic_in_a_handler_is_a_500_with_the_error_body() {
        async fn panics() -> &'static str {
            panic!("a handler's bug")
        }
        let router = Router::new().route("/panic", get(panics));
        let runtime = tokio::runtime::Builder::new_current_thread().build();
        let Ok(runtime) = runtime else {
            panic!("a runtime")
        };
        let request = Request::builder().uri("/panic").body(Body::empty());
        let response = runtime.block_on(async {
            let request = request.map_err(|error| error.to_string())?;
            let Ok(response) = app(router).oneshot(request).await;
            let (parts, body) = response.into_parts();
            let bytes = http_body_util::BodyExt::collect(body)
                .await
                .map_err(|error| error.to_string())?
                .to_bytes();
            Ok::<_, String>((parts.status, bytes))
        });
        assert_eq!(
            response,
            Ok((
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                axum::body::Bytes::from_static(
                    br#"{"error":"internal_error","message":"the server failed to answer this request"}"#
                )
            ))
        );
    }
}
