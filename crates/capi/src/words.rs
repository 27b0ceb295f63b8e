//! Scenario 4, `words`, through the C ABI: two opaque handles, `ffibench_word_counts` and
//! `ffibench_kv_store`, regex-capi style (`_new`/`_from_*` and `_free`).
//!
//! A list of strings crosses as one buffer of UTF-8 and the byte length of each string
//! (`words`, `words_len`, `lengths`, `n`): one call and no per-string allocation on either
//! side. Lists come back the same way, the text as an `ffibench_string` the caller frees and
//! the lengths in a caller array. A value of the store comes back lent (`_kv_store_get`: valid
//! until the next call on that store; the caller copies it) or, for many, as one
//! `ffibench_bytes` the caller frees. A handle is not locked: a caller using one from several
//! threads holds its own lock around every call.

use std::ffi::{OsStr, c_char};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr;

use ffibench_core::CoreError;
use ffibench_core::words::{KeyValueStore, Stats, WordCounts};

use crate::error::Failure;
use crate::{FfiString, Status, guard, store, text};

/// The counts of the words of a text or a file. Opaque.
pub struct FfiWordCounts(WordCounts);

/// A key-value store with optional least-recently-used eviction. Opaque.
pub struct FfiKvStore(KeyValueStore);

/// Bytes returned by the library: `len` bytes at `ptr`. Release them exactly once with
/// [`ffibench_bytes_free`].
#[repr(C)]
#[derive(Debug)]
pub struct FfiBytes {
    /// The first byte; never NULL in bytes the library returned.
    pub ptr: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

impl From<Vec<u8>> for FfiBytes {
    fn from(bytes: Vec<u8>) -> Self {
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        Self {
            ptr: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }
}

/// The counters of a store.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct FfiKvStats {
    /// Lookups that found their key.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Items evicted to stay within the bound.
    pub evictions: u64,
}

/// Frees bytes that this library returned. Bytes with a NULL `ptr` are ignored.
///
/// # Safety
///
/// `bytes` must come from this library and must not have been freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_bytes_free(bytes: FfiBytes) {
    if bytes.ptr.is_null() {
        return;
    }
    let slice = ptr::slice_from_raw_parts_mut(bytes.ptr, bytes.len);
    // SAFETY: made by `FfiBytes::from` from a boxed slice of exactly `len` bytes, freed once.
    drop(unsafe { Box::from_raw(slice) });
}

/// Borrows `len` bytes at `ptr` (NULL allowed when `len` is 0).
///
/// # Safety
///
/// Unless `len` is 0, `ptr` must point to `len` readable bytes that stay unchanged for `'a`.
unsafe fn bytes<'a>(ptr: *const u8, len: usize, name: &'static str) -> Result<&'a [u8], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer(name));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows `n` values at `ptr` (NULL allowed when `n` is 0).
///
/// # Safety
///
/// Unless `n` is 0, `ptr` must point to `n` readable, aligned values unchanged for `'a`.
unsafe fn array<'a, T>(ptr: *const T, n: usize, name: &'static str) -> Result<&'a [T], Failure> {
    if n == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer(name));
    }
    if !ptr.is_aligned() {
        return Err(Failure::Misaligned(name));
    }
    // SAFETY: non-NULL, aligned, and the caller guarantees `n` readable values for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, n) })
}

/// A writable array of `n` values at `ptr` (NULL allowed when `n` is 0).
///
/// # Safety
///
/// Unless `n` is 0, `ptr` must point to `n` writable, aligned values used by nobody else.
unsafe fn array_mut<'a, T>(
    ptr: *mut T,
    n: usize,
    name: &'static str,
) -> Result<&'a mut [T], Failure> {
    if n == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(Failure::NullPointer(name));
    }
    if !ptr.is_aligned() {
        return Err(Failure::Misaligned(name));
    }
    // SAFETY: non-NULL, aligned, and the caller guarantees `n` writable values for `'a`.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, n) })
}

/// Splits `n` strings of UTF-8 laid end to end in `text` (`text_len` bytes) by their byte
/// `lengths`: `INVALID_VALUE` when the lengths do not add up to `text_len`, `INVALID_UTF8`
/// when the text is not UTF-8 or a length cuts a character.
///
/// # Safety
///
/// `text` as [`text`]; `lengths` must point to `n` readable `size_t` (NULL when `n` is 0).
unsafe fn split<'a>(
    text_ptr: *const c_char,
    text_len: usize,
    lengths: *const usize,
    n: usize,
) -> Result<Vec<&'a str>, Failure> {
    // SAFETY: forwarded from this function's contract.
    let all = unsafe { text(text_ptr, text_len) }?;
    // SAFETY: forwarded from this function's contract.
    let lengths = unsafe { array(lengths, n, "lengths") }?;
    let mut out = Vec::with_capacity(n);
    let mut start = 0_usize;
    for &length in lengths {
        let end = start
            .checked_add(length)
            .filter(|&end| end <= all.len())
            .ok_or_else(|| CoreError::InvalidValue("the lengths exceed the text".into()))?;
        let piece = all.get(start..end).ok_or_else(|| {
            CoreError::InvalidValue(format!("a length cuts a character at byte {end}"))
        })?;
        out.push(piece);
        start = end;
    }
    if start != all.len() {
        return Err(CoreError::InvalidValue("the lengths do not add up to the text".into()).into());
    }
    Ok(out)
}

/// Borrows the counts behind a handle.
///
/// # Safety
///
/// `counts` must be NULL or a live handle from this library.
unsafe fn counts_ref<'a>(counts: *const FfiWordCounts) -> Result<&'a WordCounts, Failure> {
    // SAFETY: NULL or a live handle, by the caller's contract.
    Ok(&unsafe { counts.as_ref() }
        .ok_or(Failure::NullPointer("counts"))?
        .0)
}

/// Borrows the store behind a handle for writing.
///
/// # Safety
///
/// `kv` must be NULL or a live handle from this library, not in use elsewhere.
unsafe fn kv_mut<'a>(kv: *mut FfiKvStore) -> Result<&'a mut KeyValueStore, Failure> {
    // SAFETY: NULL or a live handle used by nobody else meanwhile, by the caller's contract.
    Ok(&mut unsafe { kv.as_mut() }
        .ok_or(Failure::NullPointer("store"))?
        .0)
}

fn new_counts(
    out: *mut *mut FfiWordCounts,
    make: impl FnOnce() -> Result<WordCounts, Failure>,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out")); // before counting for nobody
        }
        let counts = make()?;
        store(out, Box::into_raw(Box::new(FfiWordCounts(counts))))
    })
}

/// Counts the words of `len` bytes of UTF-8 text at `text` and writes a new handle to `out`.
///
/// # Safety
///
/// `text` must point to `len` readable bytes (NULL when `len` is 0); `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_from_text(
    text_ptr: *const c_char,
    len: usize,
    out: *mut *mut FfiWordCounts,
) -> Status {
    new_counts(out, || {
        // SAFETY: forwarded from this function's contract.
        let text = unsafe { text(text_ptr, len) }?;
        Ok(WordCounts::from_text(text)?)
    })
}

/// Counts the words of the UTF-8 file whose path is the `len` bytes at `path` (the OS's
/// bytes, not NUL-terminated) and writes a new handle to `out`. `FFIBENCH_STATUS_IO`, with the
/// OS error number from `ffibench_last_error_errno`, when it cannot be opened or read;
/// `INVALID_VALUE` naming the byte offset when it is not UTF-8.
///
/// # Safety
///
/// `path` must point to `len` readable bytes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_from_file(
    path: *const u8,
    len: usize,
    out: *mut *mut FfiWordCounts,
) -> Status {
    new_counts(out, || {
        // SAFETY: forwarded from this function's contract.
        let path = unsafe { bytes(path, len, "path") }?;
        Ok(WordCounts::from_file(Path::new(OsStr::from_bytes(path)))?)
    })
}

/// Makes counts from `n` words (UTF-8 end to end, split by `lengths`) and their `counts`; a
/// word given twice keeps its last count. For copies: the items of another handle.
///
/// # Safety
///
/// `words`, `lengths` as in [`split`]; `counts` `n` readable `uint64_t`; `out` as above.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_from_items(
    words: *const c_char,
    words_len: usize,
    lengths: *const usize,
    counts: *const u64,
    n: usize,
    out: *mut *mut FfiWordCounts,
) -> Status {
    new_counts(out, || {
        // SAFETY: forwarded from this function's contract.
        let words = unsafe { split(words, words_len, lengths, n) }?;
        // SAFETY: forwarded from this function's contract.
        let counts = unsafe { array(counts, n, "counts") }?;
        Ok(WordCounts::from_items(
            words.into_iter().zip(counts.iter().copied()),
        )?)
    })
}

/// Frees counts. NULL is ignored.
///
/// # Safety
///
/// `counts` must be NULL or a live handle from this library, freed only here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_free(counts: *mut FfiWordCounts) {
    if !counts.is_null() {
        // SAFETY: a handle made by `Box::into_raw` in this module and freed once.
        drop(unsafe { Box::from_raw(counts) });
    }
}

/// Writes the number of distinct words to `out`.
///
/// # Safety
///
/// `counts` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_len(
    counts: *const FfiWordCounts,
    out: *mut usize,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { counts_ref(counts) }?.len()))
}

/// Writes the number of words counted to `out`; `OVERFLOW` past `UINT64_MAX`.
///
/// # Safety
///
/// `counts` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_total(
    counts: *const FfiWordCounts,
    out: *mut u64,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { counts_ref(counts) }?.total()?))
}

/// Writes the count of the word (`len` bytes of UTF-8) to `out_count` (0 when absent) and
/// whether it occurs to `out_found`.
///
/// # Safety
///
/// `counts` must be a live handle; `word` `len` readable bytes; the outs NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_get(
    counts: *const FfiWordCounts,
    word: *const c_char,
    len: usize,
    out_count: *mut u64,
    out_found: *mut bool,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (counts, word) = unsafe { (counts_ref(counts)?, text(word, len)?) };
        let found = counts.get(word);
        store(out_count, found.unwrap_or(0))?;
        store(out_found, found.is_some())
    })
}

/// Writes the count of each of `n` words (split as in `_from_items`) to `out_counts`, 0 when
/// absent.
///
/// # Safety
///
/// `counts` must be a live handle; the words as in `_from_items`; `out_counts` `n` writable
/// `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_get_many(
    counts: *const FfiWordCounts,
    words: *const c_char,
    words_len: usize,
    lengths: *const usize,
    n: usize,
    out_counts: *mut u64,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let counts = unsafe { counts_ref(counts) }?;
        // SAFETY: forwarded from this function's contract.
        let words = unsafe { split(words, words_len, lengths, n) }?;
        // SAFETY: forwarded from this function's contract.
        let out = unsafe { array_mut(out_counts, n, "out_counts") }?;
        for (slot, word) in out.iter_mut().zip(&words) {
            *slot = counts.get(word).unwrap_or(0);
        }
        Ok(())
    })
}

/// Writes `k` items: the first `k` in code-point order of the words, or with `by_count` the
/// `k` largest counts (ties by word). The words go end to end into a new `ffibench_string`
/// at `out_words`, their byte lengths into `out_lengths`, their counts into `out_counts`.
/// `INVALID_VALUE` when `k` exceeds the number of words.
///
/// # Safety
///
/// `counts` must be a live handle; `out_lengths` and `out_counts` `k` writable values;
/// `out_words` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_items(
    counts: *const FfiWordCounts,
    by_count: bool,
    k: usize,
    out_words: *mut FfiString,
    out_lengths: *mut usize,
    out_counts: *mut u64,
) -> Status {
    guard(|| {
        if out_words.is_null() {
            return Err(Failure::NullPointer("out_words"));
        }
        // SAFETY: forwarded from this function's contract.
        let counts = unsafe { counts_ref(counts) }?;
        if k > counts.len() {
            return Err(CoreError::InvalidValue(format!(
                "k = {k} exceeds the {} words",
                counts.len()
            ))
            .into());
        }
        // SAFETY: forwarded from this function's contract.
        let lengths = unsafe { array_mut(out_lengths, k, "out_lengths") }?;
        // SAFETY: forwarded from this function's contract.
        let numbers = unsafe { array_mut(out_counts, k, "out_counts") }?;
        let items = if by_count {
            counts.most_common(k)
        } else {
            counts.items()
        };
        let mut words = String::new();
        for ((word, count), (length, number)) in
            items.into_iter().zip(lengths.iter_mut().zip(numbers))
        {
            words.push_str(word);
            *length = word.len();
            *number = count;
        }
        store(out_words, FfiString::from(words))
    })
}

/// Adds the counts of `other` to `counts` (the same handle doubles them). `OVERFLOW`, with
/// nothing changed, when a count would pass `UINT64_MAX`.
///
/// # Safety
///
/// Both must be live handles; `counts` used by nobody else meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_merge(
    counts: *mut FfiWordCounts,
    other: *const FfiWordCounts,
) -> Status {
    guard(|| {
        if ptr::eq(counts, other) {
            // SAFETY: forwarded from this function's contract.
            let mine = unsafe { counts.as_mut() }.ok_or(Failure::NullPointer("counts"))?;
            return Ok(mine.0.merge_self()?);
        }
        // SAFETY: two distinct live handles, by this function's contract.
        let theirs = &unsafe { other.as_ref() }
            .ok_or(Failure::NullPointer("other"))?
            .0;
        // SAFETY: as above.
        let mine = unsafe { counts.as_mut() }.ok_or(Failure::NullPointer("counts"))?;
        Ok(mine.0.merge(theirs)?)
    })
}

/// Writes whether two counts hold the same words with the same counts to `out`.
///
/// # Safety
///
/// Both must be live handles; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_word_counts_equal(
    counts: *const FfiWordCounts,
    other: *const FfiWordCounts,
    out: *mut bool,
) -> Status {
    // SAFETY: forwarded from this function's contract.
    guard(|| store(out, unsafe { counts_ref(counts)? == counts_ref(other)? }))
}

/// Writes a handle to a new, empty store to `out`; `max_items` bounds it (0: no bound).
///
/// # Safety
///
/// `out` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_new(
    max_items: usize,
    out: *mut *mut FfiKvStore,
) -> Status {
    guard(|| {
        if out.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        let bound = (max_items != 0).then_some(max_items);
        store(
            out,
            Box::into_raw(Box::new(FfiKvStore(KeyValueStore::new(bound)?))),
        )
    })
}

/// Frees a store and every value it lent. NULL is ignored.
///
/// # Safety
///
/// `kv` must be NULL or a live handle from this library, freed only here.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_free(kv: *mut FfiKvStore) {
    if !kv.is_null() {
        // SAFETY: a handle made by `Box::into_raw` in this module and freed once.
        drop(unsafe { Box::from_raw(kv) });
    }
}

/// Writes the bound (0: none) to `out_max` and the number of items to `out_len`.
///
/// # Safety
///
/// `kv` must be a live handle; the outs NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_len(
    kv: *mut FfiKvStore,
    out_max: *mut usize,
    out_len: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let kv = unsafe { kv_mut(kv) }?;
        store(out_max, kv.max_items().unwrap_or(0))?;
        store(out_len, kv.len())
    })
}

/// Stores a copy of the value under the key (`key_len` bytes of UTF-8), the most recently used
/// from now, evicting the least recently used past the bound.
///
/// # Safety
///
/// `kv` must be a live handle; `key` and `value` readable for their lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_set(
    kv: *mut FfiKvStore,
    key: *const c_char,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (kv, key, value) = unsafe {
            (
                kv_mut(kv)?,
                text(key, key_len)?,
                bytes(value, value_len, "value")?,
            )
        };
        Ok(kv.set(key, value)?)
    })
}

/// Looks the key up (a hit makes it the most recently used): writes whether it was found to
/// `out_found` and lends its value (`out_value`, `out_len`), valid until the next call on
/// this store. Counted as a hit or a miss.
///
/// # Safety
///
/// `kv` must be a live handle; `key` readable; the outs NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_get(
    kv: *mut FfiKvStore,
    key: *const c_char,
    key_len: usize,
    out_value: *mut *const u8,
    out_len: *mut usize,
    out_found: *mut bool,
) -> Status {
    guard(|| {
        if out_value.is_null() || out_len.is_null() || out_found.is_null() {
            return Err(Failure::NullPointer("out")); // before counting a lookup
        }
        // SAFETY: forwarded from this function's contract.
        let (kv, key) = unsafe { (kv_mut(kv)?, text(key, key_len)?) };
        let found = kv.get(key);
        store(out_value, found.map_or(ptr::null(), <[u8]>::as_ptr))?;
        store(out_len, found.map_or(0, <[u8]>::len))?;
        store(out_found, found.is_some())
    })
}

/// Removes the key; writes whether it was there to `out_found`.
///
/// # Safety
///
/// `kv` must be a live handle; `key` readable; `out_found` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_delete(
    kv: *mut FfiKvStore,
    key: *const c_char,
    key_len: usize,
    out_found: *mut bool,
) -> Status {
    guard(|| {
        if out_found.is_null() {
            return Err(Failure::NullPointer("out_found"));
        }
        // SAFETY: forwarded from this function's contract.
        let (kv, key) = unsafe { (kv_mut(kv)?, text(key, key_len)?) };
        store(out_found, kv.delete(key))
    })
}

/// Writes whether the key is stored to `out` (no change to the order or the counters).
///
/// # Safety
///
/// `kv` must be a live handle; `key` readable; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_contains(
    kv: *mut FfiKvStore,
    key: *const c_char,
    key_len: usize,
    out: *mut bool,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let (kv, key) = unsafe { (kv_mut(kv)?, text(key, key_len)?) };
        store(out, kv.contains(key))
    })
}

/// Stores `n` pairs in order, once all are checked: keys end to end in `keys` split by
/// `key_lengths`, values end to end in `values` split by `value_lengths`.
///
/// # Safety
///
/// `kv` must be a live handle; the buffers readable for their lengths; the length arrays `n`
/// readable `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_set_many(
    kv: *mut FfiKvStore,
    keys: *const c_char,
    keys_len: usize,
    key_lengths: *const usize,
    values: *const u8,
    values_len: usize,
    value_lengths: *const usize,
    n: usize,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let kv = unsafe { kv_mut(kv) }?;
        // SAFETY: forwarded from this function's contract.
        let keys = unsafe { split(keys, keys_len, key_lengths, n) }?;
        // SAFETY: forwarded from this function's contract.
        let (values, lengths) = unsafe {
            (
                bytes(values, values_len, "values")?,
                array(value_lengths, n, "value_lengths")?,
            )
        };
        let mut pieces = Vec::with_capacity(n);
        let mut start = 0_usize;
        for &length in lengths {
            let end = start
                .checked_add(length)
                .filter(|&end| end <= values.len())
                .ok_or_else(|| {
                    CoreError::InvalidValue("the value lengths exceed the values".into())
                })?;
            pieces.push(&values[start..end]);
            start = end;
        }
        if start != values.len() {
            return Err(CoreError::InvalidValue("the value lengths do not add up".into()).into());
        }
        for (key, value) in keys.into_iter().zip(pieces) {
            kv.set(key, value)?;
        }
        Ok(())
    })
}

/// Looks up `n` keys in order (each a hit or a miss): the values found go end to end into a
/// new `ffibench_bytes` at `out_values`, and `out_lengths[i]` is the length of key `i`'s
/// value, or -1 when it is absent.
///
/// # Safety
///
/// `kv` must be a live handle; the keys as in `_set_many`; `out_lengths` `n` writable
/// `int64_t`; `out_values` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_get_many(
    kv: *mut FfiKvStore,
    keys: *const c_char,
    keys_len: usize,
    key_lengths: *const usize,
    n: usize,
    out_values: *mut FfiBytes,
    out_lengths: *mut i64,
) -> Status {
    guard(|| {
        if out_values.is_null() {
            return Err(Failure::NullPointer("out_values")); // before counting lookups
        }
        // SAFETY: forwarded from this function's contract.
        let kv = unsafe { kv_mut(kv) }?;
        // SAFETY: forwarded from this function's contract.
        let keys = unsafe { split(keys, keys_len, key_lengths, n) }?;
        // SAFETY: forwarded from this function's contract.
        let lengths = unsafe { array_mut(out_lengths, n, "out_lengths") }?;
        let mut values = Vec::new();
        let spans = kv.get_many(&keys, &mut values)?;
        for (length, span) in lengths.iter_mut().zip(spans) {
            *length = span.map_or(-1, |(start, end)| {
                i64::try_from(end - start).unwrap_or(i64::MAX)
            });
        }
        store(out_values, FfiBytes::from(values))
    })
}

/// Writes every item, least recently used first: keys end to end into a new `ffibench_string`
/// at `out_keys` with their byte lengths in `out_key_lengths`, values end to end into a new
/// `ffibench_bytes` at `out_values` with their lengths in `out_value_lengths`. `capacity` is
/// the room in each length array: `INVALID_VALUE` when the store holds more items.
///
/// # Safety
///
/// `kv` must be a live handle; the length arrays `capacity` writable `size_t`; the other outs
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_items(
    kv: *mut FfiKvStore,
    capacity: usize,
    out_keys: *mut FfiString,
    out_key_lengths: *mut usize,
    out_values: *mut FfiBytes,
    out_value_lengths: *mut usize,
) -> Status {
    guard(|| {
        if out_keys.is_null() || out_values.is_null() {
            return Err(Failure::NullPointer("out"));
        }
        // SAFETY: forwarded from this function's contract.
        let kv = unsafe { kv_mut(kv) }?;
        if kv.len() > capacity {
            return Err(CoreError::InvalidValue(format!(
                "{} items exceed capacity {capacity}",
                kv.len()
            ))
            .into());
        }
        // SAFETY: forwarded from this function's contract.
        let key_lengths = unsafe { array_mut(out_key_lengths, kv.len(), "out_key_lengths") }?;
        // SAFETY: forwarded from this function's contract.
        let value_lengths = unsafe { array_mut(out_value_lengths, kv.len(), "out_value_lengths") }?;
        let items = kv.items();
        // Every key and value copied at once: room reserved first, so a store too large to
        // copy is `OUT_OF_MEMORY`, not an abort.
        let out_of_memory = |bytes| move |_| CoreError::OutOfMemory { bytes };
        let key_bytes = items
            .iter()
            .try_fold(0_usize, |sum, (key, _)| sum.checked_add(key.len()))
            .unwrap_or(usize::MAX);
        let value_bytes = items
            .iter()
            .try_fold(0_usize, |sum, (_, value)| sum.checked_add(value.len()))
            .unwrap_or(usize::MAX);
        let (mut keys, mut values) = (String::new(), Vec::new());
        keys.try_reserve_exact(key_bytes)
            .map_err(out_of_memory(key_bytes))?;
        values
            .try_reserve_exact(value_bytes)
            .map_err(out_of_memory(value_bytes))?;
        for ((key, value), (key_length, value_length)) in items
            .into_iter()
            .zip(key_lengths.iter_mut().zip(value_lengths))
        {
            keys.push_str(key);
            values.extend_from_slice(value);
            *key_length = key.len();
            *value_length = value.len();
        }
        store(out_keys, FfiString::from(keys))?;
        store(out_values, FfiBytes::from(values))
    })
}

/// Writes the counters to `out`.
///
/// # Safety
///
/// `kv` must be a live handle; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_stats(
    kv: *mut FfiKvStore,
    out: *mut FfiKvStats,
) -> Status {
    guard(|| {
        // SAFETY: forwarded from this function's contract.
        let Stats {
            hits,
            misses,
            evictions,
        } = unsafe { kv_mut(kv) }?.stats();
        store(
            out,
            FfiKvStats {
                hits,
                misses,
                evictions,
            },
        )
    })
}

/// Sets the counters (a copy takes its original's).
///
/// # Safety
///
/// `kv` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ffibench_kv_store_set_stats(
    kv: *mut FfiKvStore,
    stats: FfiKvStats,
) -> Status {
    guard(|| {
        let FfiKvStats {
            hits,
            misses,
            evictions,
        } = stats;
        // SAFETY: forwarded from this function's contract.
        unsafe { kv_mut(kv) }?.set_stats(Stats {
            hits,
            misses,
            evictions,
        });
        Ok(())
    })
}
