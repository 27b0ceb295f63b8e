//! The documents scenario through the C ABI: `ffibench_document_from_json` and
//! `_from_bincode` over fuzzed bytes (as they are, NULL with their length, a NULL
//! out-parameter), then `_to_json`, `_to_bincode` and `_to_archive` of what was read. The
//! status is the core's verdict (`INVALID_VALUE` with a message for what it refuses), never
//! a panic; the bytes written are the core's; every handle and every returned byte string is
//! freed (LeakSanitizer).
#![no_main]

use ffibench_capi::{self as capi, FfiBytes, FfiDocument, Status};
use ffibench_core::documents::{self, Document};
use ffibench_fuzz::capi::{expect, no_bytes, take_bytes};
use libfuzzer_sys::fuzz_target;

type Read = unsafe extern "C" fn(*const u8, usize, *mut *mut FfiDocument) -> Status;
type Write = unsafe extern "C" fn(*const FfiDocument, *mut FfiBytes) -> Status;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let bincode = mode & 1 != 0;
    let null = mode & 2 != 0 && mode & 4 != 0;
    let null_out = mode & 8 != 0 && mode & 16 != 0;
    let (read, model): (Read, fn(&[u8]) -> _) = if bincode {
        (capi::ffibench_document_from_bincode, Document::from_bincode)
    } else {
        (capi::ffibench_document_from_json, Document::from_json)
    };
    let pointer = if null {
        std::ptr::null()
    } else {
        bytes.as_ptr()
    };
    let mut handle: *mut FfiDocument = std::ptr::null_mut();
    let target = if null_out {
        std::ptr::null_mut()
    } else {
        &raw mut handle
    };
    // SAFETY: `len` readable bytes at `pointer` (or NULL, refused unless empty).
    let status = unsafe { read(pointer, bytes.len(), target) };
    // A NULL out, or NULL bytes that claim a length.
    let expected = if null_out || (null && !bytes.is_empty()) {
        Err(Status::NullPointer)
    } else {
        model(bytes).map_err(|_| Status::InvalidValue)
    };
    let document = match expected {
        Err(refusal) => {
            expect(status, refusal, "from_*");
            assert!(handle.is_null());
            return;
        }
        Ok(document) => {
            expect(status, Status::Ok, "from_*");
            assert!(!handle.is_null());
            document
        }
    };
    let writes: [(&str, Write, Vec<u8>); 3] = [
        (
            "to_json",
            capi::ffibench_document_to_json,
            document.to_json().expect("to_json"),
        ),
        (
            "to_bincode",
            capi::ffibench_document_to_bincode,
            document.to_bincode().expect("to_bincode"),
        ),
        (
            "to_archive",
            capi::ffibench_document_to_archive,
            document.to_archive().expect("to_archive").to_vec(),
        ),
    ];
    for (name, write, model) in writes {
        let mut out = no_bytes();
        // SAFETY: a live handle; `out` writable.
        expect(unsafe { write(handle, &raw mut out) }, Status::Ok, name);
        assert_eq!(take_bytes(out), model, "{name}");
        // SAFETY: a live handle and NULL, refused.
        expect(
            unsafe { write(handle, std::ptr::null_mut()) },
            Status::NullPointer,
            name,
        );
        let mut out = no_bytes();
        // SAFETY: a NULL handle, refused.
        expect(
            unsafe { write(std::ptr::null(), &raw mut out) },
            Status::NullPointer,
            name,
        );
        assert!(out.ptr.is_null());
    }
    let archive = document.to_archive().expect("to_archive");
    let archived = documents::access(&archive).expect("access");
    assert_eq!(archived.name.as_str(), document.name);
    // SAFETY: made above, freed once.
    unsafe { capi::ffibench_document_free(handle) };
});
