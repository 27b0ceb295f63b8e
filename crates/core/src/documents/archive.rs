//! The rkyv archive of a document: written once, validated once (bytecheck, then the spec's own
//! rules: finite floats and unique keys), then read in place.

use rkyv::rancor;
pub use rkyv::util::AlignedVec;

use super::{
    ArchivedDocument, ArchivedValue, Document, OUT_OF_MEMORY, duplicate, invalid, py_repr,
    python_float,
};
use crate::{CoreError, CoreResult};

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

/// An archive in memory aligned to [`ALIGNMENT`] (it can be read in place), grown with
/// `try_reserve` as rkyv writes it: an archive past the memory left is
/// [`CoreError::OutOfMemory`], not an abort (rkyv's own `AlignedVec` aborts).
#[derive(Debug, Default)]
pub struct Archive {
    /// The bytes, in words of the alignment (the last one padded with zeros).
    words: Vec<u128>,
    /// How many of the bytes are the archive's.
    len: usize,
}

impl Archive {
    /// The archive's bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `words` holds `words.len() * 16 >= len` initialised bytes (zeroed when it
        // grows), which any `u8` may view, borrowed for as long as `self` is.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), self.len) }
    }
}

impl std::ops::Deref for Archive {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl rkyv::ser::Positional for Archive {
    fn pos(&self) -> usize {
        self.len
    }
}

impl<E: rancor::Source> rkyv::ser::Writer<E> for Archive {
    fn write(&mut self, bytes: &[u8]) -> Result<(), E> {
        let end = self.len.saturating_add(bytes.len());
        let words = end.div_ceil(ALIGNMENT);
        if words > self.words.len() {
            // Doubling, as a Vec grows, but fallibly.
            let want = words.max(self.words.len().saturating_mul(2));
            if let Err(error) = self.words.try_reserve(want - self.words.len()) {
                OUT_OF_MEMORY.set(Some(want.saturating_mul(ALIGNMENT)));
                return Err(E::new(error));
            }
            self.words.resize(words, 0);
        }
        // SAFETY: `words` now holds `words.len() * 16 >= end` initialised bytes, viewed as
        // bytes only for this copy, while nothing else borrows them.
        let all = unsafe {
            std::slice::from_raw_parts_mut(
                self.words.as_mut_ptr().cast::<u8>(),
                self.words.len() * ALIGNMENT,
            )
        };
        all[self.len..end].copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

/// The archive of `document`.
pub(super) fn to_archive(document: &Document) -> CoreResult<Archive> {
    OUT_OF_MEMORY.set(None);
    rkyv::api::high::to_bytes_in::<_, rancor::Error>(document, Archive::default()).map_err(
        |error| match OUT_OF_MEMORY.take() {
            Some(bytes) => CoreError::OutOfMemory { bytes },
            None => invalid("archive", error),
        },
    )
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
    if let Some(key) = duplicate(keys).map_err(|bytes| CoreError::OutOfMemory { bytes })? {
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
    if let Some(key) = duplicate(keys).map_err(|bytes| CoreError::OutOfMemory { bytes })? {
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
