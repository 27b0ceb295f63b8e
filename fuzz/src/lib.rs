//! What the fuzz targets share: the properties every document must keep, and structured
//! inputs (`arbitrary`) for the targets that fuzz values rather than bytes.

use arbitrary::{Arbitrary, Unstructured};
use ffibench_core::documents::{self, Document, Layer, Value};

/// Asserts what holds of every document the library accepts or makes: each format reads back
/// what it wrote, bit for bit (the bincode bytes compare floats by their bits, so `-0.0` and
/// a NaN payload cannot hide behind `==`); the archive is accepted where it is aligned and
/// refused where it is not; an archive read back is the document.
pub fn check_document(document: &Document) {
    let bincode = document
        .to_bincode()
        .expect("to_bincode of a valid document");
    let back = Document::from_bincode(&bincode).expect("from_bincode of to_bincode");
    assert_eq!(&back, document, "bincode round trip");
    assert_eq!(
        back.to_bincode().expect("to_bincode"),
        bincode,
        "bincode bytes"
    );

    let json = document.to_json().expect("to_json of a valid document");
    assert!(
        serde_json::from_slice::<serde_json::Value>(&json).is_ok(),
        "to_json wrote invalid JSON: {}",
        String::from_utf8_lossy(&json)
    );
    let back = Document::from_json(&json).expect("from_json of to_json");
    assert_eq!(
        back.to_bincode().expect("to_bincode"),
        bincode,
        "JSON round trip of {}",
        String::from_utf8_lossy(&json)
    );

    let archive = document
        .to_archive()
        .expect("to_archive of a valid document");
    let archived = documents::access(&archive).expect("access of to_archive");
    let back = rkyv::deserialize::<Document, rkyv::rancor::Error>(archived)
        .expect("an accessed archive deserialises");
    assert_eq!(
        back.to_bincode().expect("to_bincode"),
        bincode,
        "archive round trip"
    );
    check_misaligned(&archive);
}

/// The same bytes one to fifteen bytes past an aligned address are refused, never read.
pub fn check_misaligned(bytes: &[u8]) {
    let mut shifted = documents::AlignedVec::<16>::with_capacity(bytes.len() + 16);
    for offset in 1..documents::ALIGNMENT {
        shifted.clear();
        shifted.extend_from_slice(&vec![0; offset]);
        shifted.extend_from_slice(bytes);
        let view = &shifted[offset..];
        assert!(!documents::is_aligned(view));
        assert!(
            documents::access(view).is_err(),
            "a misaligned archive was accepted at offset {offset}"
        );
    }
}

/// A float: finite mostly, sometimes the values the spec refuses or keeps exactly.
fn float(input: &mut Unstructured<'_>) -> arbitrary::Result<f64> {
    Ok(match input.int_in_range(0..=7_u8)? {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => -0.0,
        3 => f64::MAX,
        4 => f64::MIN_POSITIVE / 4.0,
        _ => f64::from_bits(u64::arbitrary(input)?),
    })
}

/// A hyperparameter value.
fn value(input: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    Ok(match input.int_in_range(0..=3_u8)? {
        0 => Value::Int(i64::arbitrary(input)?),
        1 => Value::Float(float(input)?),
        2 => Value::Str(String::arbitrary(input)?),
        _ => Value::Bool(bool::arbitrary(input)?),
    })
}

/// A short list of `item`s.
fn list<'a, T>(
    input: &mut Unstructured<'a>,
    most: usize,
    mut item: impl FnMut(&mut Unstructured<'a>) -> arbitrary::Result<T>,
) -> arbitrary::Result<Vec<T>> {
    let len = input.int_in_range(0..=most)?;
    (0..len).map(|_| item(input)).collect()
}

/// A document of arbitrary values: keys may repeat and floats may be NaN or infinite, which
/// the spec refuses (see [`valid`]).
pub fn document(input: &mut Unstructured<'_>) -> arbitrary::Result<Document> {
    Ok(Document {
        name: String::arbitrary(input)?,
        version: i64::arbitrary(input)?,
        created: String::arbitrary(input)?,
        description: Option::<String>::arbitrary(input)?,
        parent: Option::<String>::arbitrary(input)?,
        hyperparameters: list(input, 6, |input| {
            Ok((String::arbitrary(input)?, value(input)?))
        })?,
        layers: list(input, 4, |input| {
            Ok(Layer {
                name: String::arbitrary(input)?,
                kind: String::arbitrary(input)?,
                shape: list(input, 4, i64::arbitrary)?,
                parameters: i64::arbitrary(input)?,
            })
        })?,
        metrics: list(input, 4, |input| {
            Ok((String::arbitrary(input)?, list(input, 8, float)?))
        })?,
        tags: list(input, 4, String::arbitrary)?,
    })
}

/// Whether the spec accepts `document`: every float finite, and the keys of each map unique.
/// The model the library's refusals are compared with.
pub fn valid(document: &Document) -> bool {
    let unique = |keys: Vec<&str>| {
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.len() == keys.len()
    };
    unique(
        document
            .hyperparameters
            .iter()
            .map(|(k, _)| k.as_str())
            .collect(),
    ) && unique(document.metrics.iter().map(|(k, _)| k.as_str()).collect())
        && document
            .hyperparameters
            .iter()
            .all(|(_, v)| !matches!(v, Value::Float(f) if !f.is_finite()))
        && document
            .metrics
            .iter()
            .all(|(_, series)| series.iter().all(|f| f.is_finite()))
}

/// Helpers of the C-ABI targets: how an argument is passed, what a status must be, and the
/// strings and bytes the library returns, copied and then freed with their free function (a
/// missed free is a leak LeakSanitizer reports when the run ends).
pub mod capi {
    use std::ffi::{CStr, c_char};

    use ffibench_capi::{FfiBytes, FfiString, Status, ffibench_bytes_free, ffibench_string_free};

    /// A text or bytes argument: its bytes at their address, or NULL with their length
    /// (the library must refuse that unless the length is 0).
    pub fn pointer(bytes: &[u8], null: bool) -> *const c_char {
        if null {
            std::ptr::null()
        } else {
            bytes.as_ptr().cast()
        }
    }

    /// The status a call taking `bytes` as UTF-8 text must return before it looks at its
    /// other arguments: NULL with bytes, then invalid UTF-8, refused in that order.
    pub fn text_status(bytes: &[u8], null: bool) -> Option<Status> {
        if null && !bytes.is_empty() {
            Some(Status::NullPointer)
        } else if std::str::from_utf8(bytes).is_err() {
            Some(Status::InvalidUtf8)
        } else {
            None
        }
    }

    /// The thread's last error message.
    pub fn last_error() -> String {
        // SAFETY: the library returns a NUL-terminated string valid until the next failing
        // call on this thread.
        unsafe { CStr::from_ptr(ffibench_capi::ffibench_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    /// Asserts `status` is `expected`, and that a failure says why and is never a panic.
    #[track_caller]
    pub fn expect(status: Status, expected: Status, what: &str) {
        assert_ne!(status, Status::Panic, "{what}: {}", last_error());
        assert_eq!(status, expected, "{what}: {}", last_error());
        if status != Status::Ok {
            assert!(
                !last_error().is_empty(),
                "{what}: {status:?} without a message"
            );
        }
    }

    /// A string the library returned, copied; the string is freed.
    pub fn take_string(string: FfiString) -> String {
        assert!(!string.ptr.is_null());
        // SAFETY: the library returned `len` bytes at `ptr`, readable until freed.
        let bytes = unsafe { std::slice::from_raw_parts(string.ptr.cast::<u8>(), string.len) };
        let text = String::from_utf8(bytes.to_vec()).expect("the library returns UTF-8");
        // SAFETY: returned by the library and freed once, here.
        unsafe { ffibench_string_free(string) };
        text
    }

    /// Bytes the library returned, copied; the bytes are freed.
    pub fn take_bytes(bytes: FfiBytes) -> Vec<u8> {
        assert!(!bytes.ptr.is_null());
        // SAFETY: the library returned `len` bytes at `ptr`, readable until freed.
        let copy = unsafe { std::slice::from_raw_parts(bytes.ptr, bytes.len) }.to_vec();
        // SAFETY: returned by the library and freed once, here.
        unsafe { ffibench_bytes_free(bytes) };
        copy
    }

    /// An empty out-parameter for a string.
    pub fn no_string() -> FfiString {
        FfiString {
            ptr: std::ptr::null_mut(),
            len: 0,
        }
    }

    /// An empty out-parameter for bytes.
    pub fn no_bytes() -> FfiBytes {
        FfiBytes {
            ptr: std::ptr::null_mut(),
            len: 0,
        }
    }
}
