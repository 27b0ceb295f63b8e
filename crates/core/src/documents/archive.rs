//! The rkyv archive of a document: written once, validated once (bytecheck, then the spec's own
//! rules: finite floats and unique keys), then read in place.

use rkyv::rancor;
pub use rkyv::util::AlignedVec;

use super::{ArchivedDocument, ArchivedValue, Document, duplicate, invalid, py_repr, python_float};
use crate::CoreResult;

/// The alignment an archive must have in memory to be read in place: that of the buffer rkyv
/// writes (every archived type here needs 8 or less).
pub const ALIGNMENT: usize = 16;

/// A failed check with bytecheck's trail of where it was (rancor's own `Error` keeps no
/// message in a release build, and its `BoxedError` no trail).
#[derive(Debug)]
struct CheckError {
    message: String,
    trail: Vec<String>,
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)?;
        for step in &self.trail {
            write!(formatter, "; {step}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CheckError {}

impl rancor::Trace for CheckError {
    fn trace<R>(mut self, trace: R) -> Self
    where
        R: std::fmt::Debug + std::fmt::Display + Send + Sync + 'static,
    {
        if self.trail.len() < 8 {
            self.trail.push(trace.to_string());
        }
        self
    }
}

impl rancor::Source for CheckError {
    fn new<T: std::error::Error + Send + Sync + 'static>(source: T) -> Self {
        Self {
            message: source.to_string(),
            trail: Vec::new(),
        }
    }
}

/// The archive of `document`.
pub(super) fn to_archive(document: &Document) -> CoreResult<AlignedVec> {
    rkyv::to_bytes::<rancor::Error>(document).map_err(|error| invalid("archive", error))
}

/// Whether `bytes` starts at an address an archive can be read at in place.
pub fn is_aligned(bytes: &[u8]) -> bool {
    (bytes.as_ptr() as usize).is_multiple_of(ALIGNMENT)
}

/// `bytes` copied into an aligned buffer (for bytes that are not aligned, or may change).
pub fn aligned_copy(bytes: &[u8]) -> AlignedVec {
    let mut copy = AlignedVec::with_capacity(bytes.len());
    copy.extend_from_slice(bytes);
    copy
}

/// The archived document in `bytes`, validated: bytecheck's structure (every offset, length,
/// tag and UTF-8 string within the buffer), then finite floats and unique keys.
/// `InvalidValue` saying where; `bytes` must be aligned ([`is_aligned`], else refused).
pub fn access(bytes: &[u8]) -> CoreResult<&ArchivedDocument> {
    let least = std::mem::size_of::<ArchivedDocument>();
    if bytes.len() < least {
        return Err(invalid(
            "archive",
            format_args!(
                "{} bytes, too short for a document ({least} at least)",
                bytes.len()
            ),
        ));
    }
    if !is_aligned(bytes) {
        return Err(invalid(
            "archive",
            format_args!("not aligned to {ALIGNMENT} bytes (copy it first)"),
        ));
    }
    let document = rkyv::access::<ArchivedDocument, CheckError>(bytes)
        .map_err(|error| invalid("archive", format_args!("invalid archive: {error}")))?;
    check(document)?;
    Ok(document)
}

/// The archived document in `bytes`, without validation.
///
/// # Safety
///
/// `bytes` must have passed [`access`] and not changed since.
pub unsafe fn access_unchecked(bytes: &[u8]) -> &ArchivedDocument {
    // SAFETY: forwarded from this function's contract.
    unsafe { rkyv::access_unchecked::<ArchivedDocument>(bytes) }
}

fn not_finite(path: &str, value: f64) -> crate::CoreError {
    invalid(
        path,
        format_args!(
            "{} is not finite (NaN and infinity are refused)",
            python_float(value)
        ),
    )
}

/// The spec's rules that bytecheck does not know.
fn check(document: &ArchivedDocument) -> CoreResult<()> {
    let keys = document
        .hyperparameters
        .iter()
        .map(|entry| entry.0.as_str());
    if let Some(key) = duplicate(keys) {
        return Err(invalid(
            "hyperparameters",
            format_args!("duplicate key {}", py_repr(key)),
        ));
    }
    for entry in document.hyperparameters.iter() {
        if let ArchivedValue::Float(value) = &entry.1 {
            let value = value.to_native();
            if !value.is_finite() {
                return Err(not_finite(
                    &format!("hyperparameters.{}", entry.0.as_str()),
                    value,
                ));
            }
        }
    }
    let keys = document.metrics.iter().map(|entry| entry.0.as_str());
    if let Some(key) = duplicate(keys) {
        return Err(invalid(
            "metrics",
            format_args!("duplicate key {}", py_repr(key)),
        ));
    }
    for entry in document.metrics.iter() {
        if let Some(index) = entry
            .1
            .iter()
            .position(|value| !value.to_native().is_finite())
        {
            return Err(not_finite(
                &format!("metrics.{}[{index}]", entry.0.as_str()),
                entry.1[index].to_native(),
            ));
        }
    }
    Ok(())
}
