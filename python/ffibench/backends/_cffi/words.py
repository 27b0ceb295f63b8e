"""Scenario 4 through the C ABI with cffi (both modes): word counts and a key-value store held
by the library behind opaque handles.

The classes (locks, ownership, copies) are the ones every C-ABI backend shares
(:mod:`ffibench.backends._capi.words`); this module is the calls, on the header's
declarations. Lists of strings go in as one UTF-8 buffer and an ``array.array`` of byte
lengths, lent to C with ``ffi.from_buffer``: no cdata per string.
"""

from __future__ import annotations

import array
from typing import Any

from ffibench.backends._capi import STATUS_IO, os_error
from ffibench.backends._capi.words import KeyValueStoreMethods, Library, WordCountsMethods, split

from ._calls import BOOL_OUT, SIZE_OUT, check
from ._library import ffi, lib

__all__ = ["KeyValueStore", "WordCounts"]

_COUNTS_OUT = ffi.typeof("ffibench_word_counts **")
_STORE_OUT = ffi.typeof("ffibench_kv_store **")
_UINT64_OUT = ffi.typeof("uint64_t *")
_UINT64S = ffi.typeof("uint64_t[]")
_INT64S = ffi.typeof("int64_t[]")
_SIZES = ffi.typeof("size_t[]")
_STRING_OUT = ffi.typeof("ffibench_string *")
_BYTES_OUT = ffi.typeof("ffibench_bytes *")
_VALUE_OUT = ffi.typeof("const uint8_t **")
_STATS_OUT = ffi.typeof("ffibench_kv_stats *")
_NO_SIZES = ffi.NULL


def _sizes(values: array.array[int]) -> Any:
    return ffi.from_buffer(_SIZES, values) if len(values) else _NO_SIZES


def _unpack(pointer: Any, length: int) -> bytes:
    return ffi.unpack(ffi.cast("char *", pointer), length) if length else b""


class _Cffi(Library):
    """The calls, through cffi."""

    def counts_from_text(self, data: bytes) -> Any:
        out = ffi.new(_COUNTS_OUT)
        check(lib.ffibench_word_counts_from_text(data, len(data), out))
        return out[0]

    def counts_from_file(self, path: bytes, filename: object) -> Any:
        out = ffi.new(_COUNTS_OUT)
        status = lib.ffibench_word_counts_from_file(ffi.from_buffer(path), len(path), out)
        if status == STATUS_IO:
            message = ffi.string(lib.ffibench_last_error_message())
            raise os_error(lib.ffibench_last_error_errno(), message, filename)
        check(status)
        return out[0]

    def counts_from_items(
        self, blob: bytes, lengths: array.array[int], counts: array.array[int], n: int
    ) -> Any:
        out = ffi.new(_COUNTS_OUT)
        numbers = ffi.from_buffer(_UINT64S, counts) if n else ffi.NULL
        check(
            lib.ffibench_word_counts_from_items(blob, len(blob), _sizes(lengths), numbers, n, out)
        )
        return out[0]

    def counts_free(self, handle: Any) -> None:
        lib.ffibench_word_counts_free(handle)

    def counts_len(self, handle: Any) -> int:
        out = ffi.new(SIZE_OUT)
        check(lib.ffibench_word_counts_len(handle, out))
        return int(out[0])

    def counts_total(self, handle: Any) -> int:
        out = ffi.new(_UINT64_OUT)
        check(lib.ffibench_word_counts_total(handle, out))
        return int(out[0])

    def counts_get(self, handle: Any, word: bytes) -> int | None:
        count, found = ffi.new(_UINT64_OUT), ffi.new(BOOL_OUT)
        check(lib.ffibench_word_counts_get(handle, word, len(word), count, found))
        return int(count[0]) if found[0] else None

    def counts_get_many(
        self, handle: Any, blob: bytes, lengths: array.array[int], n: int
    ) -> list[int]:
        out = ffi.new(_UINT64S, n)
        check(lib.ffibench_word_counts_get_many(handle, blob, len(blob), _sizes(lengths), n, out))
        return ffi.unpack(out, n)  # type: ignore[no-any-return]

    def counts_items(
        self, handle: Any, by_count: bool, k: int
    ) -> tuple[bytes, list[int], list[int]]:
        words, lengths, counts = ffi.new(_STRING_OUT), ffi.new(_SIZES, k), ffi.new(_UINT64S, k)
        check(lib.ffibench_word_counts_items(handle, by_count, k, words, lengths, counts))
        try:
            blob = _unpack(words.ptr, words.len)
        finally:
            lib.ffibench_string_free(words[0])
        return blob, ffi.unpack(lengths, k), ffi.unpack(counts, k)

    def counts_merge(self, handle: Any, other: Any) -> None:
        check(lib.ffibench_word_counts_merge(handle, other))

    def counts_equal(self, handle: Any, other: Any) -> bool:
        out = ffi.new(BOOL_OUT)
        check(lib.ffibench_word_counts_equal(handle, other, out))
        return bool(out[0])

    def store_new(self, max_items: int) -> Any:
        out = ffi.new(_STORE_OUT)
        check(lib.ffibench_kv_store_new(max_items, out))
        return out[0]

    def store_free(self, handle: Any) -> None:
        lib.ffibench_kv_store_free(handle)

    def store_len(self, handle: Any) -> tuple[int, int]:
        bound, size = ffi.new(SIZE_OUT), ffi.new(SIZE_OUT)
        check(lib.ffibench_kv_store_len(handle, bound, size))
        return int(bound[0]), int(size[0])

    def store_set(self, handle: Any, key: bytes, value: bytes) -> None:
        check(lib.ffibench_kv_store_set(handle, key, len(key), ffi.from_buffer(value), len(value)))

    def store_get(self, handle: Any, key: bytes) -> bytes | None:
        value, length, found = ffi.new(_VALUE_OUT), ffi.new(SIZE_OUT), ffi.new(BOOL_OUT)
        check(lib.ffibench_kv_store_get(handle, key, len(key), value, length, found))
        if not found[0]:
            return None
        # Copied while the store's lock is held: the lent value lives until the next call.
        return _unpack(value[0], int(length[0]))

    def store_delete(self, handle: Any, key: bytes) -> bool:
        out = ffi.new(BOOL_OUT)
        check(lib.ffibench_kv_store_delete(handle, key, len(key), out))
        return bool(out[0])

    def store_contains(self, handle: Any, key: bytes) -> bool:
        out = ffi.new(BOOL_OUT)
        check(lib.ffibench_kv_store_contains(handle, key, len(key), out))
        return bool(out[0])

    def store_set_many(
        self,
        handle: Any,
        keys: tuple[bytes, array.array[int], int],
        values: tuple[bytes, array.array[int]],
    ) -> None:
        (key_blob, key_lengths, n), (value_blob, value_lengths) = keys, values
        check(lib.ffibench_kv_store_set_many(
            handle, key_blob, len(key_blob), _sizes(key_lengths), ffi.from_buffer(value_blob),
            len(value_blob), _sizes(value_lengths), n,
        ))  # fmt: skip

    def store_get_many(
        self, handle: Any, keys: tuple[bytes, array.array[int], int]
    ) -> list[bytes | None]:
        blob, lengths, n = keys
        values, sizes = ffi.new(_BYTES_OUT), ffi.new(_INT64S, n)
        check(lib.ffibench_kv_store_get_many(handle, blob, len(blob), _sizes(lengths), n, values,
                                             sizes))  # fmt: skip
        try:
            data = _unpack(values.ptr, values.len)
        finally:
            lib.ffibench_bytes_free(values[0])
        return split(data, ffi.unpack(sizes, n))

    def store_items(self, handle: Any, capacity: int) -> list[tuple[bytes, bytes]]:
        keys, values = ffi.new(_STRING_OUT), ffi.new(_BYTES_OUT)
        key_lengths, value_lengths = ffi.new(_SIZES, capacity), ffi.new(_SIZES, capacity)
        check(lib.ffibench_kv_store_items(handle, capacity, keys, key_lengths, values,
                                          value_lengths))  # fmt: skip
        try:
            key_blob = _unpack(keys.ptr, keys.len)
            value_blob = _unpack(values.ptr, values.len)
        finally:
            lib.ffibench_string_free(keys[0])
            lib.ffibench_bytes_free(values[0])
        keys_found = split(key_blob, ffi.unpack(key_lengths, capacity))
        values_found = split(value_blob, ffi.unpack(value_lengths, capacity))
        return list(zip(keys_found, values_found, strict=True))

    def store_stats(self, handle: Any) -> tuple[int, int, int]:
        out = ffi.new(_STATS_OUT)
        check(lib.ffibench_kv_store_stats(handle, out))
        return int(out.hits), int(out.misses), int(out.evictions)

    def store_set_stats(self, handle: Any, stats: tuple[int, int, int]) -> None:
        out = ffi.new(_STATS_OUT)
        out.hits, out.misses, out.evictions = stats
        check(lib.ffibench_kv_store_set_stats(handle, out[0]))


_LIBRARY = _Cffi()


class WordCounts(WordCountsMethods):
    """Word counts held by the library, called through cffi (see the spec's
    :class:`ffibench.pure.words.WordCounts` and :class:`WordCountsMethods`)."""

    __slots__ = ("__weakref__", "_handle", "_lock")
    lib = _LIBRARY


class KeyValueStore(KeyValueStoreMethods):
    """A key-value store held by the library, called through cffi (see the spec's
    :class:`ffibench.pure.words.KeyValueStore` and :class:`KeyValueStoreMethods`)."""

    __slots__ = ("__weakref__", "_handle", "_lock")
    lib = _LIBRARY
