//! `documents::access`, the validated rkyv view, over arbitrary bytes, aligned and not:
//! it never panics or reads out of bounds (ASan); misaligned bytes are always refused; an
//! archive it accepts holds a document of the spec, deserialises to it, and round-trips.
//! The first byte of the input picks the case: most inputs start from a real archive with
//! a few bytes changed, since random bytes rarely pass bytecheck.
#![no_main]

use ffibench_core::documents::{self, AlignedVec, Document};
use libfuzzer_sys::fuzz_target;

fn check(bytes: &[u8]) {
    let mut aligned = AlignedVec::<16>::with_capacity(bytes.len());
    aligned.extend_from_slice(bytes);
    if let Ok(archived) = documents::access(&aligned) {
        let document = rkyv::deserialize::<Document, rkyv::rancor::Error>(archived)
            .expect("an accessed archive deserialises");
        assert!(ffibench_fuzz::valid(&document), "accepted {document:?}");
        assert_eq!(archived.name.as_str(), document.name);
        assert_eq!(archived.layers.len(), document.layers.len());
        ffibench_fuzz::check_document(&document);
    }
    ffibench_fuzz::check_misaligned(bytes);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        check(rest);
        return;
    }
    // A real archive (of a small generated document), then the rest of the input as
    // (position, byte) edits.
    let Ok(document) = documents::generate(u64::from(mode >> 1) * 8, u64::from(mode)) else {
        return;
    };
    let Ok(archive) = document.to_archive() else {
        return;
    };
    let mut bytes = archive.to_vec();
    for edit in rest.chunks_exact(3) {
        if bytes.is_empty() {
            break;
        }
        let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % bytes.len();
        bytes[at] = edit[2];
    }
    check(&bytes);
});
