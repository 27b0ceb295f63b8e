//! The basic scenario's string functions through the C ABI (`ffibench_basic_reverse`,
//! `_to_upper`, `_count_vowels`, `_is_palindrome`, `_word_count`) with fuzzed bytes, valid
//! UTF-8 or not, passed as they are or as NULL with their length, and with a NULL
//! out-parameter: each returns the status the contract gives, in its order (NULL text,
//! invalid UTF-8, NULL out; NULL out first where a string would be made), never a panic,
//! leaves a refused out-parameter unwritten, and answers what the core answers; each
//! returned string is freed (LeakSanitizer checks that nothing else is left allocated, the
//! error paths included).
#![no_main]

use ffibench_capi::{self as capi, FfiString, Status};
use ffibench_core::basic;
use ffibench_fuzz::capi::{expect, no_string, pointer, take_string, text_status};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let null_text = mode & 1 != 0;
    let null_out = mode & 2 != 0;
    let s = pointer(bytes, null_text);
    let len = bytes.len();
    // The functions that return a string refuse a NULL out first, before making a string
    // no one would receive; the others check the text first.
    let null_out_status = null_out.then_some(Status::NullPointer);
    let refused = text_status(bytes, null_text).or(null_out_status);
    let refused_string = null_out_status.or(text_status(bytes, null_text));
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|_| refused.is_none());
    let expected = refused.unwrap_or(Status::Ok);

    type Strings = unsafe extern "C" fn(*const std::ffi::c_char, usize, *mut FfiString) -> Status;
    type StringCase = (&'static str, Strings, fn(&str) -> String);
    let strings: [StringCase; 2] = [
        ("reverse", capi::ffibench_basic_reverse, basic::reverse),
        ("to_upper", capi::ffibench_basic_to_upper, basic::to_upper),
    ];
    for (name, function, model) in strings {
        let mut out = no_string();
        let target = if null_out {
            std::ptr::null_mut()
        } else {
            &raw mut out
        };
        // SAFETY: `len` readable bytes at `s` (or NULL, which the call must refuse).
        let status = unsafe { function(s, len, target) };
        expect(status, refused_string.unwrap_or(Status::Ok), name);
        match text {
            Some(text) => assert_eq!(take_string(out), model(text), "{name}"),
            None => assert!(out.ptr.is_null(), "{name} wrote a refused out-parameter"),
        }
    }

    type Counts = unsafe extern "C" fn(*const std::ffi::c_char, usize, *mut i64) -> Status;
    type CountCase = (&'static str, Counts, fn(&str) -> usize);
    let counts: [CountCase; 2] = [
        (
            "count_vowels",
            capi::ffibench_basic_count_vowels,
            basic::count_vowels,
        ),
        (
            "word_count",
            capi::ffibench_basic_word_count,
            basic::word_count,
        ),
    ];
    for (name, function, model) in counts {
        let mut out = -1_i64;
        let target = if null_out {
            std::ptr::null_mut()
        } else {
            &raw mut out
        };
        // SAFETY: as above.
        let status = unsafe { function(s, len, target) };
        expect(status, expected, name);
        let want = text.map_or(-1, |text| i64::try_from(model(text)).expect("a count"));
        assert_eq!(out, want, "{name}");
    }

    let mut out = 7_u8;
    let target = if null_out {
        std::ptr::null_mut()
    } else {
        (&raw mut out).cast::<bool>()
    };
    // SAFETY: as above; `out` is a byte, so a bool written there is read back as 0 or 1.
    let status = unsafe { capi::ffibench_basic_is_palindrome(s, len, target) };
    expect(status, expected, "is_palindrome");
    let want = text.map_or(7, |text| u8::from(basic::is_palindrome(text)));
    assert_eq!(out, want, "is_palindrome");
});
