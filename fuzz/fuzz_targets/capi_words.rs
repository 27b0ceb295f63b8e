//! The words scenario through the C ABI, as a fuzzed sequence of calls on a few word counts
//! and one key-value store: `ffibench_word_counts_from_text` / `_from_items` / `_from_file`
//! / `_get` / `_get_many` / `_items` / `_merge` / `_equal` / `_len` / `_total`, and
//! `ffibench_kv_store_set` / `_get` / `_delete` / `_contains` / `_set_many` / `_get_many` /
//! `_items` / `_stats`. Texts are fuzzed bytes (valid UTF-8 or not, NULL with a length); a
//! list of words is the bytes end to end and a lengths array, the true one or a fuzzed one
//! (past the end, cutting a character, not adding up). The core's `WordCounts` and
//! `KeyValueStore` are the model: every status is the one the contract gives (the text,
//! then the lengths, then the core's verdict), never a panic; what is read equals the
//! model's; every handle, string and byte string is freed (LeakSanitizer).
#![no_main]

use std::ffi::c_char;
use std::io::Write as _;

use arbitrary::Arbitrary;
use ffibench_capi::{self as capi, FfiKvStats, FfiKvStore, FfiWordCounts, Status};
use ffibench_core::CoreError;
use ffibench_core::words::{KeyValueStore, Stats, WordCounts};
use ffibench_fuzz::capi::{
    expect, no_bytes, no_string, pointer, take_bytes, take_string, text_status,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Text {
    bytes: Vec<u8>,
    null: bool,
}

#[derive(Debug, Arbitrary)]
struct Words {
    words: Vec<Vec<u8>>,
    /// Lengths to pass instead of the true ones.
    lengths: Option<Vec<u16>>,
}

impl Words {
    fn joined(&self) -> Vec<u8> {
        self.words.concat()
    }
    fn lengths(&self) -> Vec<usize> {
        match &self.lengths {
            Some(lengths) => lengths.iter().map(|&l| usize::from(l)).collect(),
            None => self.words.iter().map(Vec::len).collect(),
        }
    }
    /// The words the library must cut the text into, or the status it must refuse with.
    fn model(&self) -> Result<Vec<String>, Status> {
        let joined = self.joined();
        if let Some(status) = text_status(&joined, false) {
            return Err(status);
        }
        let text = std::str::from_utf8(&joined).map_err(|_| Status::InvalidUtf8)?;
        let mut out = Vec::new();
        let mut start = 0;
        for length in self.lengths() {
            let end = start + length;
            out.push(text.get(start..end).ok_or(Status::InvalidValue)?.to_owned());
            start = end;
        }
        if start != text.len() {
            return Err(Status::InvalidValue);
        }
        Ok(out)
    }
}

#[derive(Debug, Arbitrary)]
enum Op {
    FromText(Text),
    FromItems(Words, Vec<u64>),
    FromFile(Vec<u8>),
    MissingFile(Vec<u8>),
    Get(u8, Text),
    GetMany(u8, Words),
    Items(u8, bool, u8),
    Merge(u8, u8),
    Equal(u8, u8),
    Count(u8),
    Set(Text, Vec<u8>),
    Lookup(Text),
    Delete(Text),
    Contains(Text),
    SetMany(Words, Vec<Vec<u8>>),
    LookupMany(Words),
    All(u8),
    SetStats(u64, u64, u64),
}

#[derive(Debug, Arbitrary)]
struct Input {
    bound: u8,
    ops: Vec<Op>,
}

fn status_of(error: &CoreError) -> Status {
    match error {
        CoreError::Overflow(_) => Status::Overflow,
        CoreError::Io { .. } => Status::Io,
        _ => Status::InvalidValue,
    }
}

/// A file with these bytes, in a directory of this process's own.
fn file_with(bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ffibench-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join("words.txt");
    std::fs::File::create(&path)
        .and_then(|mut file| file.write_all(bytes))
        .expect("a file");
    path
}

struct State {
    counts: Vec<(*mut FfiWordCounts, WordCounts)>,
    kv: *mut FfiKvStore,
    store: KeyValueStore,
}

impl State {
    fn counts(&self, index: u8) -> Option<usize> {
        (!self.counts.is_empty()).then(|| usize::from(index) % self.counts.len())
    }
    fn keep(
        &mut self,
        status: Status,
        handle: *mut FfiWordCounts,
        model: Result<WordCounts, Status>,
    ) {
        match model {
            Err(refusal) => {
                expect(status, refusal, "word counts");
                assert!(handle.is_null());
            }
            Ok(model) => {
                expect(status, Status::Ok, "word counts");
                let mut equal = false;
                let mut len = 0;
                let probe = (handle, model);
                // SAFETY: a live handle, writable outs.
                expect(
                    unsafe { capi::ffibench_word_counts_len(probe.0, &raw mut len) },
                    Status::Ok,
                    "len",
                );
                assert_eq!(len, probe.1.len());
                if let Some(&(other, ref other_model)) = self.counts.first() {
                    // SAFETY: live handles.
                    expect(
                        unsafe { capi::ffibench_word_counts_equal(probe.0, other, &raw mut equal) },
                        Status::Ok,
                        "equal",
                    );
                    assert_eq!(equal, &probe.1 == other_model);
                }
                if self.counts.len() < 4 {
                    self.counts.push(probe);
                } else {
                    // SAFETY: made by the library, freed once.
                    unsafe { capi::ffibench_word_counts_free(probe.0) };
                }
            }
        }
    }
}

fn run(input: &Input, state: &mut State) {
    for op in input.ops.iter().take(48) {
        match op {
            Op::FromText(text) => {
                let mut handle = std::ptr::null_mut();
                // SAFETY: `len` readable bytes (or NULL); a writable out.
                let status = unsafe {
                    capi::ffibench_word_counts_from_text(
                        pointer(&text.bytes, text.null),
                        text.bytes.len(),
                        &raw mut handle,
                    )
                };
                let model = match text_status(&text.bytes, text.null) {
                    Some(refusal) => Err(refusal),
                    None => {
                        WordCounts::from_text(std::str::from_utf8(&text.bytes).unwrap_or_default())
                            .map_err(|e| status_of(&e))
                    }
                };
                state.keep(status, handle, model);
            }
            Op::FromItems(words, counts) => {
                let joined = words.joined();
                let lengths = words.lengths();
                let n = lengths.len();
                let mut counts = counts.clone();
                counts.resize(n, 1);
                let mut handle = std::ptr::null_mut();
                // SAFETY: the joined words, `n` lengths and `n` counts; a writable out.
                let status = unsafe {
                    capi::ffibench_word_counts_from_items(
                        joined.as_ptr().cast(),
                        joined.len(),
                        lengths.as_ptr(),
                        counts.as_ptr(),
                        n,
                        &raw mut handle,
                    )
                };
                let model = words.model().and_then(|words| {
                    WordCounts::from_items(
                        words.iter().map(String::as_str).zip(counts.iter().copied()),
                    )
                    .map_err(|e| status_of(&e))
                });
                state.keep(status, handle, model);
            }
            Op::FromFile(bytes) => {
                let path = file_with(bytes);
                let path = path.as_os_str().as_encoded_bytes();
                let mut handle = std::ptr::null_mut();
                // SAFETY: `len` readable bytes of path; a writable out.
                let status = unsafe {
                    capi::ffibench_word_counts_from_file(path.as_ptr(), path.len(), &raw mut handle)
                };
                let model = WordCounts::from_reader(&bytes[..], "file").map_err(|e| status_of(&e));
                state.keep(status, handle, model);
            }
            Op::MissingFile(name) => {
                // Under a directory that does not exist, so no `..` can lead anywhere.
                let mut path = b"/nonexistent-ffibench-fuzz/".to_vec();
                path.extend_from_slice(name);
                let mut handle = std::ptr::null_mut();
                // SAFETY: as above.
                let status = unsafe {
                    capi::ffibench_word_counts_from_file(path.as_ptr(), path.len(), &raw mut handle)
                };
                let expected = if path.contains(&0) {
                    Status::InvalidValue
                } else {
                    Status::Io
                };
                expect(status, expected, "from_file");
                assert!(handle.is_null());
            }
            Op::Get(index, word) => {
                let Some(at) = state.counts(*index) else {
                    continue;
                };
                let (handle, ref model) = state.counts[at];
                let (mut count, mut found) = (u64::MAX, false);
                // SAFETY: a live handle; `len` readable bytes (or NULL); writable outs.
                let status = unsafe {
                    capi::ffibench_word_counts_get(
                        handle,
                        pointer(&word.bytes, word.null),
                        word.bytes.len(),
                        &raw mut count,
                        &raw mut found,
                    )
                };
                match text_status(&word.bytes, word.null) {
                    Some(refusal) => expect(status, refusal, "get"),
                    None => {
                        expect(status, Status::Ok, "get");
                        let want = model.get(std::str::from_utf8(&word.bytes).unwrap_or_default());
                        assert_eq!((count, found), (want.unwrap_or(0), want.is_some()));
                    }
                }
            }
            Op::GetMany(index, words) => {
                let Some(at) = state.counts(*index) else {
                    continue;
                };
                let (handle, ref model) = state.counts[at];
                let joined = words.joined();
                let lengths = words.lengths();
                let mut out = vec![u64::MAX; lengths.len()];
                // SAFETY: a live handle; the joined words and their lengths; `n` writable counts.
                let status = unsafe {
                    capi::ffibench_word_counts_get_many(
                        handle,
                        joined.as_ptr().cast(),
                        joined.len(),
                        lengths.as_ptr(),
                        lengths.len(),
                        out.as_mut_ptr(),
                    )
                };
                match words.model() {
                    Err(refusal) => expect(status, refusal, "get_many"),
                    Ok(words) => {
                        expect(status, Status::Ok, "get_many");
                        assert_eq!(out, model.get_many(&words));
                    }
                }
            }
            Op::Items(index, by_count, k) => {
                let Some(at) = state.counts(*index) else {
                    continue;
                };
                let (handle, ref model) = state.counts[at];
                let k = usize::from(*k % 32);
                let mut words = no_string();
                let (mut lengths, mut numbers) = (vec![0_usize; k], vec![0_u64; k]);
                // SAFETY: a live handle; `k` writable lengths and counts; a writable string.
                let status = unsafe {
                    capi::ffibench_word_counts_items(
                        handle,
                        *by_count,
                        k,
                        &raw mut words,
                        lengths.as_mut_ptr(),
                        numbers.as_mut_ptr(),
                    )
                };
                if k > model.len() {
                    expect(status, Status::InvalidValue, "items");
                    assert!(words.ptr.is_null());
                    continue;
                }
                expect(status, Status::Ok, "items");
                let mut want = if *by_count {
                    model.most_common(k)
                } else {
                    model.items()
                };
                want.truncate(k);
                let text = take_string(words);
                let mut start = 0;
                for ((word, count), (length, number)) in
                    want.iter().zip(lengths.iter().zip(&numbers))
                {
                    assert_eq!(&text[start..start + length], *word);
                    assert_eq!(count, number);
                    start += length;
                }
                assert_eq!(start, text.len());
            }
            Op::Merge(a, b) => {
                let (Some(a), Some(b)) = (state.counts(*a), state.counts(*b)) else {
                    continue;
                };
                let other = state.counts[b].1.clone();
                let (handle, other_handle) = (state.counts[a].0, state.counts[b].0);
                // SAFETY: live handles (the same one doubles it).
                let status = unsafe { capi::ffibench_word_counts_merge(handle, other_handle) };
                let model = &mut state.counts[a].1;
                let result = if a == b {
                    model.merge_self()
                } else {
                    model.merge(&other)
                };
                expect(
                    status,
                    result
                        .map_err(|e| status_of(&e))
                        .err()
                        .unwrap_or(Status::Ok),
                    "merge",
                );
            }
            Op::Equal(a, b) => {
                let (Some(a), Some(b)) = (state.counts(*a), state.counts(*b)) else {
                    continue;
                };
                let mut equal = false;
                // SAFETY: live handles, a writable out.
                let status = unsafe {
                    capi::ffibench_word_counts_equal(
                        state.counts[a].0,
                        state.counts[b].0,
                        &raw mut equal,
                    )
                };
                expect(status, Status::Ok, "equal");
                assert_eq!(equal, state.counts[a].1 == state.counts[b].1);
            }
            Op::Count(index) => {
                let Some(at) = state.counts(*index) else {
                    continue;
                };
                let (handle, ref model) = state.counts[at];
                let mut total = 0;
                // SAFETY: a live handle, a writable out.
                let status = unsafe { capi::ffibench_word_counts_total(handle, &raw mut total) };
                match model.total() {
                    Ok(want) => {
                        expect(status, Status::Ok, "total");
                        assert_eq!(total, want);
                    }
                    Err(error) => expect(status, status_of(&error), "total"),
                }
            }
            Op::Set(key, value) => {
                // SAFETY: a live store; readable key and value.
                let status = unsafe {
                    capi::ffibench_kv_store_set(
                        state.kv,
                        pointer(&key.bytes, key.null),
                        key.bytes.len(),
                        value.as_ptr(),
                        value.len(),
                    )
                };
                match text_status(&key.bytes, key.null) {
                    Some(refusal) => expect(status, refusal, "set"),
                    None => {
                        expect(status, Status::Ok, "set");
                        state
                            .store
                            .set(std::str::from_utf8(&key.bytes).unwrap_or_default(), value)
                            .expect("set");
                    }
                }
            }
            Op::Lookup(key) => {
                let (mut value, mut len, mut found) = (std::ptr::null(), 0, false);
                // SAFETY: a live store; a readable key; writable outs.
                let status = unsafe {
                    capi::ffibench_kv_store_get(
                        state.kv,
                        pointer(&key.bytes, key.null),
                        key.bytes.len(),
                        &raw mut value,
                        &raw mut len,
                        &raw mut found,
                    )
                };
                match text_status(&key.bytes, key.null) {
                    Some(refusal) => expect(status, refusal, "get"),
                    None => {
                        expect(status, Status::Ok, "get");
                        let want = state
                            .store
                            .get(std::str::from_utf8(&key.bytes).unwrap_or_default());
                        assert_eq!(found, want.is_some());
                        if let Some(want) = want {
                            // SAFETY: the store lends `len` bytes until its next call.
                            assert_eq!(unsafe { std::slice::from_raw_parts(value, len) }, want);
                        }
                    }
                }
            }
            Op::Delete(key) | Op::Contains(key) => {
                let delete = matches!(op, Op::Delete(_));
                let mut found = false;
                let function = if delete {
                    capi::ffibench_kv_store_delete
                } else {
                    capi::ffibench_kv_store_contains
                };
                // SAFETY: a live store; a readable key; a writable out.
                let status = unsafe {
                    function(
                        state.kv,
                        pointer(&key.bytes, key.null),
                        key.bytes.len(),
                        &raw mut found,
                    )
                };
                match text_status(&key.bytes, key.null) {
                    Some(refusal) => expect(status, refusal, "delete/contains"),
                    None => {
                        expect(status, Status::Ok, "delete/contains");
                        let key = std::str::from_utf8(&key.bytes).unwrap_or_default();
                        let want = if delete {
                            state.store.delete(key)
                        } else {
                            state.store.contains(key)
                        };
                        assert_eq!(found, want);
                    }
                }
            }
            Op::SetMany(keys, values) => {
                let joined = keys.joined();
                let lengths = keys.lengths();
                let mut values = values.clone();
                values.resize(lengths.len(), Vec::new());
                let value_bytes = values.concat();
                let value_lengths: Vec<usize> = values.iter().map(Vec::len).collect();
                // SAFETY: a live store; keys, values and `n` lengths of each.
                let status = unsafe {
                    capi::ffibench_kv_store_set_many(
                        state.kv,
                        joined.as_ptr().cast(),
                        joined.len(),
                        lengths.as_ptr(),
                        value_bytes.as_ptr(),
                        value_bytes.len(),
                        value_lengths.as_ptr(),
                        lengths.len(),
                    )
                };
                match keys.model() {
                    Err(refusal) => expect(status, refusal, "set_many"),
                    Ok(keys) => {
                        expect(status, Status::Ok, "set_many");
                        for (key, value) in keys.iter().zip(&values) {
                            state.store.set(key, value).expect("set");
                        }
                    }
                }
            }
            Op::LookupMany(keys) => {
                let joined = keys.joined();
                let lengths = keys.lengths();
                let mut out_lengths = vec![-2_i64; lengths.len()];
                let mut out = no_bytes();
                // SAFETY: a live store; keys and lengths; writable outs.
                let status = unsafe {
                    capi::ffibench_kv_store_get_many(
                        state.kv,
                        joined.as_ptr().cast::<c_char>(),
                        joined.len(),
                        lengths.as_ptr(),
                        lengths.len(),
                        &raw mut out,
                        out_lengths.as_mut_ptr(),
                    )
                };
                match keys.model() {
                    Err(refusal) => {
                        expect(status, refusal, "get_many");
                        assert!(out.ptr.is_null());
                    }
                    Ok(keys) => {
                        expect(status, Status::Ok, "get_many");
                        let got = take_bytes(out);
                        let mut model = Vec::new();
                        let spans = state.store.get_many(&keys, &mut model).expect("get_many");
                        assert_eq!(got, model);
                        for (length, span) in out_lengths.iter().zip(spans) {
                            assert_eq!(
                                *length,
                                span.map_or(-1, |(start, end)| (end - start) as i64)
                            );
                        }
                    }
                }
            }
            Op::All(capacity) => {
                let capacity = usize::from(*capacity % 16);
                let (mut keys, mut values) = (no_string(), no_bytes());
                let (mut key_lengths, mut value_lengths) =
                    (vec![0_usize; capacity], vec![0_usize; capacity]);
                // SAFETY: a live store; `capacity` writable lengths each; writable outs.
                let status = unsafe {
                    capi::ffibench_kv_store_items(
                        state.kv,
                        capacity,
                        &raw mut keys,
                        key_lengths.as_mut_ptr(),
                        &raw mut values,
                        value_lengths.as_mut_ptr(),
                    )
                };
                let items = state.store.items();
                if items.len() > capacity {
                    expect(status, Status::InvalidValue, "items");
                    continue;
                }
                expect(status, Status::Ok, "items");
                let (keys, values) = (take_string(keys), take_bytes(values));
                assert_eq!(keys, items.iter().map(|(k, _)| *k).collect::<String>());
                assert_eq!(
                    values,
                    items
                        .iter()
                        .flat_map(|(_, v)| v.iter().copied())
                        .collect::<Vec<u8>>()
                );
                assert!(
                    items
                        .iter()
                        .zip(&key_lengths)
                        .all(|((k, _), &l)| k.len() == l)
                );
                assert!(
                    items
                        .iter()
                        .zip(&value_lengths)
                        .all(|((_, v), &l)| v.len() == l)
                );
            }
            Op::SetStats(hits, misses, evictions) => {
                let stats = FfiKvStats {
                    hits: *hits,
                    misses: *misses,
                    evictions: *evictions,
                };
                // SAFETY: a live store.
                expect(
                    unsafe { capi::ffibench_kv_store_set_stats(state.kv, stats) },
                    Status::Ok,
                    "set_stats",
                );
                state.store.set_stats(Stats {
                    hits: *hits,
                    misses: *misses,
                    evictions: *evictions,
                });
            }
        }
        let mut stats = FfiKvStats {
            hits: 0,
            misses: 0,
            evictions: 0,
        };
        // SAFETY: a live store, a writable out.
        expect(
            unsafe { capi::ffibench_kv_store_stats(state.kv, &raw mut stats) },
            Status::Ok,
            "stats",
        );
        let want = state.store.stats();
        assert_eq!(
            (stats.hits, stats.misses, stats.evictions),
            (want.hits, want.misses, want.evictions)
        );
    }
}

fuzz_target!(|input: Input| {
    let max = usize::from(input.bound % 6);
    let mut kv = std::ptr::null_mut();
    // SAFETY: a writable out.
    expect(
        unsafe { capi::ffibench_kv_store_new(max, &raw mut kv) },
        Status::Ok,
        "kv_store_new",
    );
    let store = KeyValueStore::new((max != 0).then_some(max)).expect("a store");
    let mut state = State {
        counts: Vec::new(),
        kv,
        store,
    };
    run(&input, &mut state);
    for (handle, _) in state.counts {
        // SAFETY: made by the library, freed once.
        unsafe { capi::ffibench_word_counts_free(handle) };
    }
    // SAFETY: made above, freed once.
    unsafe { capi::ffibench_kv_store_free(state.kv) };
});
