"""Scenario 4 through the C ABI with ctypes: word counts and a key-value store held by the
library behind opaque handles.

The classes (locks, ownership, copies) are the ones every C-ABI backend shares
(:mod:`ffibench.backends._capi.words`); this module is the calls, declared with ``argtypes``.
Lists of strings go in as one UTF-8 buffer and an ``array.array`` of byte lengths, passed by
address: no ctypes object per string.
"""

from __future__ import annotations

import array
import ctypes
from ctypes import (
    POINTER,
    Structure,
    byref,
    c_bool,
    c_char_p,
    c_int,
    c_size_t,
    c_uint64,
    c_void_p,
)
from typing import Any

from ffibench.backends._capi import STATUS_IO, os_error
from ffibench.backends._capi.words import KeyValueStoreMethods, Library, WordCountsMethods, split
from ffibench.backends.ctypes._library import String, check, declare, free_string, last_error

__all__ = ["KeyValueStore", "WordCounts"]


class Bytes(Structure):
    """``ffibench_bytes``: bytes owned by the library until ``ffibench_bytes_free``."""

    _fields_ = (("ptr", c_void_p), ("len", c_size_t))


class Stats(Structure):
    """``ffibench_kv_stats``."""

    _fields_ = (("hits", c_uint64), ("misses", c_uint64), ("evictions", c_uint64))


_HANDLE = c_void_p
_OUT = POINTER(_HANDLE)
_SIZES = c_void_p  # a size_t or int64_t array, passed by its buffer address

_errno = declare("ffibench_last_error_errno", c_int)
_bytes_free = declare("ffibench_bytes_free", None, Bytes)
_from_text = declare("ffibench_word_counts_from_text", c_int, c_char_p, c_size_t, _OUT)
# const uint8_t *: bytes passed as an address (c_void_p takes a bytes object as its buffer)
_from_file = declare("ffibench_word_counts_from_file", c_int, c_void_p, c_size_t, _OUT)
_from_items = declare(
    "ffibench_word_counts_from_items", c_int, c_char_p, c_size_t, _SIZES, _SIZES, c_size_t, _OUT
)
_counts_free = declare("ffibench_word_counts_free", None, _HANDLE)
_counts_len = declare("ffibench_word_counts_len", c_int, _HANDLE, POINTER(c_size_t))
_total = declare("ffibench_word_counts_total", c_int, _HANDLE, POINTER(c_uint64))
_get = declare(
    "ffibench_word_counts_get",
    c_int, _HANDLE, c_char_p, c_size_t, POINTER(c_uint64), POINTER(c_bool),
)  # fmt: skip
_get_many = declare(
    "ffibench_word_counts_get_many", c_int, _HANDLE, c_char_p, c_size_t, _SIZES, c_size_t, _SIZES
)
_items = declare(
    "ffibench_word_counts_items",
    c_int, _HANDLE, c_bool, c_size_t, POINTER(String), _SIZES, _SIZES,
)  # fmt: skip
_merge = declare("ffibench_word_counts_merge", c_int, _HANDLE, _HANDLE)
_equal = declare("ffibench_word_counts_equal", c_int, _HANDLE, _HANDLE, POINTER(c_bool))
_store_new = declare("ffibench_kv_store_new", c_int, c_size_t, _OUT)
_store_free = declare("ffibench_kv_store_free", None, _HANDLE)
_store_len = declare("ffibench_kv_store_len", c_int, _HANDLE, POINTER(c_size_t), POINTER(c_size_t))
_set = declare("ffibench_kv_store_set", c_int, _HANDLE, c_char_p, c_size_t, c_void_p, c_size_t)
_store_get = declare(
    "ffibench_kv_store_get",
    c_int, _HANDLE, c_char_p, c_size_t, POINTER(c_void_p), POINTER(c_size_t), POINTER(c_bool),
)  # fmt: skip
_delete = declare("ffibench_kv_store_delete", c_int, _HANDLE, c_char_p, c_size_t, POINTER(c_bool))
_contains = declare(
    "ffibench_kv_store_contains", c_int, _HANDLE, c_char_p, c_size_t, POINTER(c_bool)
)
_set_many = declare(
    "ffibench_kv_store_set_many",
    c_int, _HANDLE, c_char_p, c_size_t, _SIZES, c_void_p, c_size_t, _SIZES, c_size_t,
)  # fmt: skip
_store_get_many = declare(
    "ffibench_kv_store_get_many",
    c_int, _HANDLE, c_char_p, c_size_t, _SIZES, c_size_t, POINTER(Bytes), _SIZES,
)  # fmt: skip
_store_items = declare(
    "ffibench_kv_store_items",
    c_int, _HANDLE, c_size_t, POINTER(String), _SIZES, POINTER(Bytes), _SIZES,
)  # fmt: skip
_stats = declare("ffibench_kv_store_stats", c_int, _HANDLE, POINTER(Stats))
_set_stats = declare("ffibench_kv_store_set_stats", c_int, _HANDLE, Stats)


def _address(values: array.array[int]) -> int:
    return values.buffer_info()[0]


def _made(status: int, handle: c_void_p) -> Any:
    check(status)
    return handle.value


class _Ctypes(Library):
    """The calls, through ctypes."""

    def counts_from_text(self, data: bytes) -> Any:
        handle = _HANDLE()
        return _made(_from_text(data, len(data), byref(handle)), handle)

    def counts_from_file(self, path: bytes, filename: object) -> Any:
        handle = _HANDLE()
        status = _from_file(path, len(path), byref(handle))
        if status == STATUS_IO:
            raise os_error(_errno(), last_error() or b"", filename)
        return _made(status, handle)

    def counts_from_items(
        self, blob: bytes, lengths: array.array[int], counts: array.array[int], n: int
    ) -> Any:
        handle = _HANDLE()
        status = _from_items(blob, len(blob), _address(lengths), _address(counts), n, byref(handle))
        return _made(status, handle)

    def counts_free(self, handle: Any) -> None:
        _counts_free(handle)

    def counts_len(self, handle: Any) -> int:
        out = c_size_t()
        check(_counts_len(handle, byref(out)))
        return out.value

    def counts_total(self, handle: Any) -> int:
        out = c_uint64()
        check(_total(handle, byref(out)))
        return out.value

    def counts_get(self, handle: Any, word: bytes) -> int | None:
        count, found = c_uint64(), c_bool()
        check(_get(handle, word, len(word), byref(count), byref(found)))
        return count.value if found.value else None

    def counts_get_many(
        self, handle: Any, blob: bytes, lengths: array.array[int], n: int
    ) -> list[int]:
        out = array.array("Q", bytes(8 * n))
        check(_get_many(handle, blob, len(blob), _address(lengths), n, _address(out)))
        return out.tolist()

    def counts_items(
        self, handle: Any, by_count: bool, k: int
    ) -> tuple[bytes, list[int], list[int]]:
        words, lengths, counts = (
            String(),
            array.array("Q", bytes(8 * k)),
            array.array("Q", bytes(8 * k)),
        )
        check(_items(handle, by_count, k, byref(words), _address(lengths), _address(counts)))
        try:
            blob = ctypes.string_at(words.ptr, words.len)
        finally:
            free_string(words)
        return blob, lengths.tolist(), counts.tolist()

    def counts_merge(self, handle: Any, other: Any) -> None:
        check(_merge(handle, other))

    def counts_equal(self, handle: Any, other: Any) -> bool:
        out = c_bool()
        check(_equal(handle, other, byref(out)))
        return out.value

    def store_new(self, max_items: int) -> Any:
        handle = _HANDLE()
        return _made(_store_new(max_items, byref(handle)), handle)

    def store_free(self, handle: Any) -> None:
        _store_free(handle)

    def store_len(self, handle: Any) -> tuple[int, int]:
        bound, size = c_size_t(), c_size_t()
        check(_store_len(handle, byref(bound), byref(size)))
        return bound.value, size.value

    def store_set(self, handle: Any, key: bytes, value: bytes) -> None:
        check(_set(handle, key, len(key), value, len(value)))

    def store_get(self, handle: Any, key: bytes) -> bytes | None:
        value, length, found = c_void_p(), c_size_t(), c_bool()
        check(_store_get(handle, key, len(key), byref(value), byref(length), byref(found)))
        if not found.value:
            return None
        # Copied while the store's lock is held: the lent value lives until the next call.
        if not length.value or value.value is None:
            return b""
        return ctypes.string_at(value.value, length.value)

    def store_delete(self, handle: Any, key: bytes) -> bool:
        out = c_bool()
        check(_delete(handle, key, len(key), byref(out)))
        return out.value

    def store_contains(self, handle: Any, key: bytes) -> bool:
        out = c_bool()
        check(_contains(handle, key, len(key), byref(out)))
        return out.value

    def store_set_many(
        self,
        handle: Any,
        keys: tuple[bytes, array.array[int], int],
        values: tuple[bytes, array.array[int]],
    ) -> None:
        (key_blob, key_lengths, n), (value_blob, value_lengths) = keys, values
        check(_set_many(handle, key_blob, len(key_blob), _address(key_lengths), value_blob,
                        len(value_blob), _address(value_lengths), n))  # fmt: skip

    def store_get_many(
        self, handle: Any, keys: tuple[bytes, array.array[int], int]
    ) -> list[bytes | None]:
        blob, lengths, n = keys
        values, sizes = Bytes(), array.array("q", bytes(8 * n))
        check(_store_get_many(handle, blob, len(blob), _address(lengths), n, byref(values),
                              _address(sizes)))  # fmt: skip
        try:
            data = ctypes.string_at(values.ptr, values.len) if values.len else b""
        finally:
            _bytes_free(values)
        return split(data, sizes)

    def store_items(self, handle: Any, capacity: int) -> list[tuple[bytes, bytes]]:
        keys, values = String(), Bytes()
        key_lengths = array.array("Q", bytes(8 * capacity))
        value_lengths = array.array("Q", bytes(8 * capacity))
        check(_store_items(handle, capacity, byref(keys), _address(key_lengths), byref(values),
                           _address(value_lengths)))  # fmt: skip
        try:
            key_blob = ctypes.string_at(keys.ptr, keys.len) if keys.len else b""
            value_blob = ctypes.string_at(values.ptr, values.len) if values.len else b""
        finally:
            free_string(keys)
            _bytes_free(values)
        return list(
            zip(split(key_blob, key_lengths), split(value_blob, value_lengths), strict=True)
        )

    def store_stats(self, handle: Any) -> tuple[int, int, int]:
        out = Stats()
        check(_stats(handle, byref(out)))
        return out.hits, out.misses, out.evictions

    def store_set_stats(self, handle: Any, stats: tuple[int, int, int]) -> None:
        check(_set_stats(handle, Stats(*stats)))


_LIBRARY = _Ctypes()


class WordCounts(WordCountsMethods):
    """Word counts held by the library, called through ctypes (see the spec's
    :class:`ffibench.pure.words.WordCounts` and :class:`WordCountsMethods`)."""

    __slots__ = ("__weakref__", "_handle", "_lock")
    lib = _LIBRARY


class KeyValueStore(KeyValueStoreMethods):
    """A key-value store held by the library, called through ctypes (see the spec's
    :class:`ffibench.pure.words.KeyValueStore` and :class:`KeyValueStoreMethods`)."""

    __slots__ = ("__weakref__", "_handle", "_lock")
    lib = _LIBRARY
