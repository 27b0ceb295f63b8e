//! Scenario 7, `documents`, through the C ABI: a document behind an opaque handle, made from
//! JSON or bincode bytes (or generated) and written back as JSON, bincode or an rkyv archive.
//!
//! A C caller has no Python objects, so there is no `from_dict`/`to_dict` here: a caller's
//! data crosses as bytes, in the format it names. Bytes come back as `ffibench_bytes`, freed
//! with `ffibench_bytes_free`. A document never changes once made, so one handle may be read
//! from several threads at once; freeing it while another thread uses it is the caller's bug.

use ffibench_core::documents::{Document, generate};

use crate::error::Failure;
use crate::{FfiBytes, Status, guard, store};

/// A document. Opaque.
pub struct FfiDocument(Document);

/// Borrows `len` bytes at `ptr` (NULL allowed when `len` is 0).
///
/// # Safety
///
/// Unless `len` is 0, `ptr` must point to `len` readable bytes that stay unchanged for `'a`.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer("data"));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows the document behind a handle.
///
/// # Safety
///
/// `document` must be NULL or a live handle from this library.
unsafe fn document_ref<'a>(document: *const FfiDocument) -> Result<&'a Document, Failure> {
    // SAFETY: NULL or a live handle, by the caller's contract.
    Ok(&unsafe { document.as_ref() }
        .ok_or(Failure::NullPointer("document"))?
        .0)
}

fn new_document(
    out: *mut *mut FfiDocument,
    make: impl FnOnce() -> Result<Document, Failure>,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out")); // before any work for nobody
        }
        let document = make()?;
        store(out, Box::into_raw(Box::new(FfiDocument(document))))
    })
}

/// Writes a new handle to the empty document to `out`.
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_new(out: *mut *mut FfiDocument) -> Status {
    new_document(out, || Ok(Document::default()))
}

/// Makes the document of about `size` bytes of JSON from `seed` (the spec's `generate`).
/// `INVALID_VALUE` when `size` exceeds 2**32.
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_generate(
    size: u64,
    seed: u64,
    out: *mut *mut FfiDocument,
) -> Status {
    new_document(out, || Ok(generate(size, seed)?))
}

/// Reads a document from `len` bytes of UTF-8 JSON at `data`. `INVALID_VALUE` with a message
/// naming the field and the position when it is not one.
///
/// # Safety
///
/// `data` must point to `len` readable bytes (NULL when `len` is 0); `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_from_json(
    data: *const u8,
    len: usize,
    out: *mut *mut FfiDocument,
) -> Status {
    new_document(out, || {
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { input(data, len) }?;
        Ok(Document::from_json(data)?)
    })
}

/// Reads a document from `len` bytes of bincode (2.0.1, `standard()`) at `data`.
/// `INVALID_VALUE` with a message naming the field when it is not one.
///
/// # Safety
///
/// `data` must point to `len` readable bytes (NULL when `len` is 0); `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_from_bincode(
    data: *const u8,
    len: usize,
    out: *mut *mut FfiDocument,
) -> Status {
    new_document(out, || {
        // SAFETY: forwarded from this function's contract.
        let data = unsafe { input(data, len) }?;
        Ok(Document::from_bincode(data)?)
    })
}

/// Frees a document. NULL is ignored.
///
/// # Safety
///
/// `document` must be NULL or a live handle from this library, freed only here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_free(document: *mut FfiDocument) {
    if !document.is_null() {
        // SAFETY: a handle made by `Box::into_raw` in this module and freed once.
        drop(unsafe { Box::from_raw(document) });
    }
}

fn write_bytes(
    document: *const FfiDocument,
    out: *mut FfiBytes,
    encode: impl FnOnce(&Document) -> Result<Vec<u8>, Failure>,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: forwarded from the calling function's contract.
        let document = unsafe { document_ref(document) }?;
        store(out, FfiBytes::from(encode(document)?))
    })
}

/// Writes the document as compact UTF-8 JSON to `out` (new bytes).
///
/// # Safety
///
/// `document` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_to_json(
    document: *const FfiDocument,
    out: *mut FfiBytes,
) -> Status {
    write_bytes(document, out, |document| Ok(document.to_json()?))
}

/// Writes the document as bincode (2.0.1, `standard()`) to `out` (new bytes).
///
/// # Safety
///
/// `document` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_to_bincode(
    document: *const FfiDocument,
    out: *mut FfiBytes,
) -> Status {
    write_bytes(document, out, |document| Ok(document.to_bincode()?))
}

/// Writes the document's rkyv (0.8) archive to `out` (new bytes; a reader that reads it in
/// place must first copy it to an address aligned to 16 bytes).
///
/// # Safety
///
/// `document` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_document_to_archive(
    document: *const FfiDocument,
    out: *mut FfiBytes,
) -> Status {
    write_bytes(document, out, |document| {
        // Copied into a plain Vec (freed as one) with a fallible allocation: an archive the
        // size of the memory left is `OutOfMemory`, not an abort.
        let archive = document.to_archive()?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(archive.len()).map_err(|_| {
            ffibench_core::CoreError::OutOfMemory {
                bytes: archive.len(),
            }
        })?;
        bytes.extend_from_slice(&archive);
        drop(archive);
        Ok(bytes)
    })
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::ffibench_bytes_free;

    #[test]
    fn documents_cross_as_bytes_and_bad_bytes_are_refused() {
        let mut document = ptr::null_mut();
        // SAFETY: a valid out-parameter; the handles and bytes are freed once below.
        unsafe {
            assert_eq!(
                ffibench_document_generate(1_000, 7, &mut document),
                Status::Ok
            );
            let mut json = FfiBytes {
                ptr: ptr::null_mut(),
                len: 0,
            };
            assert_eq!(ffibench_document_to_json(document, &mut json), Status::Ok);
            let mut again = ptr::null_mut();
            assert_eq!(
                ffibench_document_from_json(json.ptr, json.len, &mut again),
                Status::Ok
            );
            assert_eq!((*again).0, (*document).0);
            let mut bad = ptr::null_mut();
            assert_eq!(
                ffibench_document_from_bincode(json.ptr, json.len, &mut bad),
                Status::InvalidValue
            );
            assert_eq!(
                ffibench_document_from_json(ptr::null(), 3, &mut bad),
                Status::NullPointer
            );
            assert_eq!(
                ffibench_document_to_json(ptr::null(), &mut json),
                Status::NullPointer
            );
            ffibench_bytes_free(json);
            ffibench_document_free(again);
            ffibench_document_free(document);
            ffibench_document_free(ptr::null_mut());
        }
    }
}
