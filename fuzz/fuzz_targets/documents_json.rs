//! `Document::from_json` over arbitrary bytes: it never panics; what it accepts is valid JSON
//! (serde_json's own reader agrees) and a document of the spec, which every format then
//! round-trips bit for bit.
#![no_main]

use ffibench_core::CoreError;
use ffibench_core::documents::Document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Document::from_json(data) {
        Ok(document) => {
            assert!(
                serde_json::from_slice::<serde_json::Value>(data).is_ok(),
                "accepted text that is not JSON"
            );
            assert!(ffibench_fuzz::valid(&document), "accepted {document:?}");
            ffibench_fuzz::check_document(&document);
        }
        Err(CoreError::InvalidValue(message)) => assert!(!message.is_empty()),
        Err(other) => panic!("from_json failed with {other:?}, not InvalidValue"),
    }
});
