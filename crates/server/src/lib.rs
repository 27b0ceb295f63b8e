//! ffibench-server: the http scenario's JSON API in axum and tokio over `ffibench-core`.
//!
//! The API is specified once, in `python/ffibench/web/openapi.json` (served at
//! `/openapi.json`); the Flask twin `ffibench.web` answers every request the same way.
//! [`Server::bind`] starts it on its own threads (a tokio runtime with `workers` worker
//! threads, driven by one more thread) and returns at once; [`Server::shutdown`], or dropping
//! the server, stops it gracefully and joins every thread it started. The binary
//! `ffibench-server` and the PyO3 module (`ffibench._native.http`) are thin layers over it.
//!
//! What a client cannot do to it:
//! - hold a connection forever: the request head must arrive within
//!   [`Config::header_read_timeout`] (also the longest a kept-alive connection may idle), and
//!   the whole request must be read and answered within [`Config::request_timeout`] (else 408
//!   and the connection is closed);
//! - send a body over [`BODY_LIMIT`] bytes (413);
//! - take the server down with a request: a handler that panics answers 500 (tower-http's
//!   `CatchPanic`, and the blocking pool's own catch for work moved there);
//! - stall other connections with heavy work: large bodies and products run on tokio's
//!   blocking pool (see [`api`]).
//!
//! Shutdown stops accepting, closes idle connections, lets requests in flight finish within
//! [`Config::shutdown_grace`], then ends the runtime.

pub mod api;
mod error;
pub mod json;
mod serve;

pub use error::ApiError;
pub use serve::{Config, MAX_WORKERS, Server, Stopper};

/// The largest request body, in bytes (a larger one is 413).
pub const BODY_LIMIT: usize = 1_048_576;
/// The most people the store holds.
pub const STORE_CAPACITY: usize = 100_000;
