//! `Document::from_bincode` over arbitrary bytes: it never panics nor allocates what a length
//! prefix claims before the bytes are there (libFuzzer's -rss_limit_mb and ASan's allocation
//! limit catch that); what it accepts is a document of the spec that every format round-trips.
#![no_main]

use ffibench_core::CoreError;
use ffibench_core::documents::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Document::from_bincode(data) {
        Ok(document) => {
            assert!(ffibench_fuzz::valid(&document), "accepted {document:?}");
            // Varints may be written longer than they need: the bytes read back need not be
            // the input, but encoding is a fixed point from there.
            ffibench_fuzz::check_document(&document);
        }
        Err(CoreError::InvalidValue(message)) => assert!(!message.is_empty()),
        Err(other) => panic!("from_bincode failed with {other:?}, not InvalidValue"),
    }
});
