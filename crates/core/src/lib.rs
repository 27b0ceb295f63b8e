//! ffibench-core: every ffibench workload in plain Rust.
//!
//! This crate knows nothing of Python or C: it takes and returns Rust types and reports failures
//! as [`CoreError`]. The binding crates (`ffibench-python`, `ffibench-capi`) convert arguments,
//! call in here and map the error once, so every boundary runs the same workload code and the
//! only thing a benchmark can see between them is the cost of the boundary itself.

pub mod arrays;
pub mod basic;
pub mod buffers;
pub mod documents;
mod error;
pub mod events;
pub mod matmul;
pub mod person;
pub mod random;
pub mod words;

pub use error::{CoreError, CoreResult};
