//! Structured documents (`arbitrary`), valid or not: a valid one round-trips through JSON,
//! bincode and the archive bit for bit; one the spec refuses (a NaN or infinite float, a key
//! given twice) is refused on every way back in, whichever format carried it.
#![no_main]

use arbitrary::Unstructured;
use ffibench_core::documents::{self, Document};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(document) = ffibench_fuzz::document(&mut Unstructured::new(data)) else {
        return;
    };
    if ffibench_fuzz::valid(&document) {
        ffibench_fuzz::check_document(&document);
        return;
    }
    let bincode = document.to_bincode().expect("bincode writes any document");
    assert!(
        Document::from_bincode(&bincode).is_err(),
        "bincode accepted {document:?}"
    );
    // JSON has no NaN: serde_json writes null, which is refused as well.
    if let Ok(json) = document.to_json() {
        assert!(
            Document::from_json(&json).is_err(),
            "JSON accepted {document:?}"
        );
    }
    let archive = document.to_archive().expect("rkyv writes any document");
    assert!(
        documents::access(&archive).is_err(),
        "the archive accepted {document:?}"
    );
});
