"""What the ctypes and cffi WordCounts and KeyValueStore share: everything but the C calls.

Each backend supplies a :class:`Library`, the C calls on raw handles written with its own FFI
library; the classes here hold the handles. They follow the rules of every object that owns
library memory (docs: DESIGN.md):

- ctypes and cffi release the GIL in every call, so each object serialises its calls with an
  :class:`~ffibench.backends._capi.person.Exclusive` lock, which refuses re-entry from a
  finaliser or a signal handler (a ``RuntimeError``) instead of letting it change the object
  in the middle of a call — a lent value read after an eviction freed it, say;
- the handle is made in ``__new__`` (a second ``__init__`` replaces nothing); ``__del__``
  swaps it out under the lock and frees it once, and a later call raises ``ReferenceError``;
- copies and pickles rebuild from the items, never share a handle;
- a list of strings crosses as one UTF-8 buffer and the byte length of each, values of the
  store come back copied into ``bytes``, never as views of memory an eviction could free.
"""

from __future__ import annotations

import array
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ffibench.backends._capi import utf8
from ffibench.backends._capi.person import Exclusive, finalised
from ffibench.pure.basic import check_str
from ffibench.pure.words import (
    check_items,
    check_k,
    check_key,
    check_max_items,
    check_pairs,
    check_path,
    check_state,
    check_value,
    check_word,
)

__all__ = [
    "KeyValueStoreMethods",
    "Library",
    "WordCountsMethods",
    "encode",
    "encode_all",
    "filesystem_bytes",
    "split",
]


def encode_all(
    items: Iterable[object], check: Callable[[object], str]
) -> tuple[bytes, array.array[int], int]:
    """``items`` as one UTF-8 buffer, the byte length of each, and their number; ``check``
    (the spec's ``check_word`` or ``check_key``) gives the spec's error for a bad item."""
    if type(items) is list or type(items) is tuple:
        try:
            # One C loop; a non-str fails it (a str subclass is encoded as the text it holds).
            # Only for an exact list or tuple: a subclass's __iter__ is read once, below, as the
            # spec reads it, not a second time after the fast path failed.
            encoded = list(map(str.encode, items))
        except TypeError:
            encoded = [encode(item, check) for item in items]  # the spec's message
    else:
        # Any other iterable is checked item by item as it is read, as the spec reads it: a
        # bad item raises before the iterator is asked for the next (whose own error, had it
        # been drained first, would have won)
        encoded = [encode(item, check) for item in items]
    return b"".join(encoded), array.array("Q", map(len, encoded)), len(encoded)


def encode(value: object, check: Callable[[object], str]) -> bytes:
    """A word or key as UTF-8: ``str.encode`` of an exact str (its ``UnicodeEncodeError`` for a
    lone surrogate is the spec's), else ``check`` (the spec's ``check_word`` or ``check_key``)
    first, so a subclass is encoded as the text it holds."""
    if type(value) is str:
        return value.encode()
    return utf8(check(value))


def filesystem_bytes(name: str | bytes) -> bytes:
    """``name`` (from ``os.fspath``) as the bytes ``open`` passes the OS: the filesystem encoding
    with its error handler, through ``str.encode`` itself, as ``utf8`` does, so a str subclass
    cannot name another file with its own ``encode`` (``os.fsencode`` would call it)."""
    if isinstance(name, str):
        return str.encode(name, sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    return bytes(memoryview(name))


def split(blob: bytes, lengths: Iterable[int]) -> list[Any]:
    """``blob`` cut into pieces of ``lengths`` bytes (a negative length: ``None``)."""
    out: list[bytes | None] = []
    start = 0
    for length in lengths:
        if length < 0:
            out.append(None)
        else:
            out.append(blob[start : start + length])
            start += length
    return out


class Library:
    """The C calls of one backend, on raw handles; every method raises the spec's exception
    for a failed status. Counts handles and store handles are whatever the backend's FFI
    library uses for an opaque pointer; ``None`` is never passed."""

    def counts_from_text(self, data: bytes) -> Any:
        raise NotImplementedError

    def counts_from_file(self, path: bytes, filename: object) -> Any:
        """Raises ``OSError(errno, message, filename)`` for the library's IO status."""
        raise NotImplementedError

    def counts_from_items(
        self, blob: bytes, lengths: array.array[int], counts: array.array[int], n: int
    ) -> Any:
        raise NotImplementedError

    def counts_free(self, handle: Any) -> None:
        raise NotImplementedError

    def counts_len(self, handle: Any) -> int:
        raise NotImplementedError

    def counts_total(self, handle: Any) -> int:
        raise NotImplementedError

    def counts_get(self, handle: Any, word: bytes) -> int | None:
        raise NotImplementedError

    def counts_get_many(
        self, handle: Any, blob: bytes, lengths: array.array[int], n: int
    ) -> list[int]:
        raise NotImplementedError

    def counts_items(
        self, handle: Any, by_count: bool, k: int
    ) -> tuple[bytes, list[int], list[int]]:
        """The words end to end, their byte lengths, their counts."""
        raise NotImplementedError

    def counts_merge(self, handle: Any, other: Any) -> None:
        raise NotImplementedError

    def counts_equal(self, handle: Any, other: Any) -> bool:
        raise NotImplementedError

    def store_new(self, max_items: int) -> Any:
        raise NotImplementedError

    def store_free(self, handle: Any) -> None:
        raise NotImplementedError

    def store_len(self, handle: Any) -> tuple[int, int]:
        """The bound (0: none) and the number of items."""
        raise NotImplementedError

    def store_set(self, handle: Any, key: bytes, value: bytes) -> None:
        raise NotImplementedError

    def store_get(self, handle: Any, key: bytes) -> bytes | None:
        """A copy of the value, made before the call returns control to Python code."""
        raise NotImplementedError

    def store_delete(self, handle: Any, key: bytes) -> bool:
        raise NotImplementedError

    def store_contains(self, handle: Any, key: bytes) -> bool:
        raise NotImplementedError

    def store_set_many(
        self,
        handle: Any,
        keys: tuple[bytes, array.array[int], int],
        values: tuple[bytes, array.array[int]],
    ) -> None:
        raise NotImplementedError

    def store_get_many(
        self, handle: Any, keys: tuple[bytes, array.array[int], int]
    ) -> list[bytes | None]:
        raise NotImplementedError

    def store_items(self, handle: Any, capacity: int) -> list[tuple[bytes, bytes]]:
        raise NotImplementedError

    def store_stats(self, handle: Any) -> tuple[int, int, int]:
        raise NotImplementedError

    def store_set_stats(self, handle: Any, stats: tuple[int, int, int]) -> None:
        raise NotImplementedError


class _Owner:
    """A handle owned once: ``_handle`` (``None`` once freed) and ``_lock``."""

    __slots__ = ()
    kind = "object"
    lib: Library

    def _free(self, handle: Any) -> None:
        raise NotImplementedError

    def _live(self) -> Any:
        """The handle, or ``ReferenceError`` once freed. Call with ``_lock`` held."""
        handle = self._handle  # type: ignore[attr-defined]
        if handle is None:
            raise finalised(self.kind)
        return handle

    def __del__(self) -> None:
        owner: Any = self
        lock = getattr(owner, "_lock", None)
        # Not made (``__new__`` failed), or called by hand inside one of this object's own
        # calls on this thread: the finaliser that runs when the object dies frees it.
        if lock is None or lock.held_here():
            return
        with lock:
            handle, owner._handle = owner._handle, None
        if handle is not None:
            self._free(handle)

    @classmethod
    def _adopt(cls, handle: Any) -> Any:
        owner: Any = object.__new__(cls)
        owner._handle = handle
        owner._lock = Exclusive()
        return owner


class WordCountsMethods(_Owner):
    """A C-ABI ``WordCounts`` (see :class:`ffibench.pure.words.WordCounts`); a subclass names
    its backend's :class:`Library` as ``lib``."""

    __slots__ = ()
    kind = "WordCounts"

    def _free(self, handle: Any) -> None:
        self.lib.counts_free(handle)

    def __new__(cls) -> Any:
        return cls._adopt(cls.lib.counts_from_items(b"", array.array("Q"), array.array("Q"), 0))

    @classmethod
    def from_text(cls, text: str) -> Any:
        """The counts of the words of ``text``."""
        return cls._adopt(cls.lib.counts_from_text(utf8(check_str(text, "text"))))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Any:
        """The counts of the words of a UTF-8 file, read in chunks by the library."""
        name = check_path(path)
        return cls._adopt(cls.lib.counts_from_file(filesystem_bytes(name), name))

    @classmethod
    def _from_items(cls, items: Iterable[tuple[str, int]]) -> Any:
        rows = check_items(items)
        blob, lengths, n = encode_all([word for word, _ in rows], check_word)
        counts = array.array("Q", [count for _, count in rows])
        return cls._adopt(cls.lib.counts_from_items(blob, lengths, counts, n))

    def __getitem__(self, word: str) -> int:
        data = encode(word, check_word)
        with self._lock:  # type: ignore[attr-defined]
            found = self.lib.counts_get(self._live(), data)
        if found is None:
            raise KeyError(word)
        return found

    def get(self, word: str, default: Any = None) -> Any:
        """The count of ``word``, or ``default`` when it does not occur."""
        data = encode(word, check_word)
        with self._lock:  # type: ignore[attr-defined]
            found = self.lib.counts_get(self._live(), data)
        return default if found is None else found

    def __contains__(self, word: object) -> bool:
        data = encode(word, check_word)
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.counts_get(self._live(), data) is not None

    def __len__(self) -> int:
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.counts_len(self._live())

    def _items(self, by_count: bool, k: int | None) -> list[tuple[str, int]]:
        with self._lock:  # type: ignore[attr-defined]
            handle = self._live()
            size = self.lib.counts_len(handle)
            blob, lengths, counts = self.lib.counts_items(
                handle, by_count, size if k is None else min(k, size)
            )
        words = [piece.decode("utf-8") for piece in split(blob, lengths)]
        return list(zip(words, counts, strict=True))

    def __iter__(self) -> Iterator[str]:
        return iter([word for word, _ in self._items(False, None)])

    def items(self) -> list[tuple[str, int]]:
        """``(word, count)`` pairs in code-point order of the words."""
        return self._items(False, None)

    def to_dict(self) -> dict[str, int]:
        """A new dict of the counts, in code-point order of the words."""
        return dict(self._items(False, None))

    def total(self) -> int:
        """The number of words counted."""
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.counts_total(self._live())

    def most_common(self, k: int) -> list[tuple[str, int]]:
        """The ``k`` largest counts, largest first, ties in code-point order of the words."""
        return self._items(True, check_k(k))

    def get_many(self, words: Iterable[str]) -> list[int]:
        """The count of each of ``words`` (0 when absent), in order, in one call."""
        blob, lengths, n = encode_all(words, check_word)
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.counts_get_many(self._live(), blob, lengths, n)

    def merge(self, other: Any) -> None:
        """Add the counts of ``other`` (a WordCounts of this backend; these counts too)."""
        if not isinstance(other, WordCountsMethods) or other.lib is not self.lib:
            raise TypeError(f"other must be WordCounts, not {type(other).__name__}")
        if other is self:
            with self._lock:  # type: ignore[attr-defined]
                handle = self._live()
                self.lib.counts_merge(handle, handle)
            return
        # Two locks, always taken in the same order, so a.merge(b) and b.merge(a) on two
        # threads cannot wait on each other.
        first, second = sorted((self, other), key=id)
        with first._lock, second._lock:  # type: ignore[attr-defined]
            self.lib.counts_merge(self._live(), other._live())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WordCountsMethods) or other.lib is not self.lib:
            return NotImplemented
        if other is self:
            return True
        first, second = sorted((self, other), key=id)
        with first._lock, second._lock:  # type: ignore[attr-defined]
            return self.lib.counts_equal(self._live(), other._live())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"WordCounts({len(self)} words, {self.total()} in all)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._from_items, (self.items(),))


class KeyValueStoreMethods(_Owner):
    """A C-ABI ``KeyValueStore`` (see :class:`ffibench.pure.words.KeyValueStore`); a subclass
    names its backend's :class:`Library` as ``lib``."""

    __slots__ = ()
    kind = "KeyValueStore"

    def _free(self, handle: Any) -> None:
        self.lib.store_free(handle)

    def __new__(cls, max_items: int | None = None) -> Any:
        bound = check_max_items(max_items)
        return cls._adopt(cls.lib.store_new(bound or 0))

    @property
    def max_items(self) -> int | None:
        """The bound, or ``None``."""
        with self._lock:  # type: ignore[attr-defined]
            bound, _ = self.lib.store_len(self._live())
        return bound or None

    def set(self, key: str, value: bytes) -> None:
        """Store a copy of ``value`` under ``key``, the most recently used from now."""
        data, copy = encode(key, check_key), check_value(value)
        with self._lock:  # type: ignore[attr-defined]
            self.lib.store_set(self._live(), data, copy)

    def get(self, key: str, default: Any = None) -> Any:
        """A copy of the value of ``key`` (a hit), or ``default`` (a miss)."""
        data = encode(key, check_key)
        with self._lock:  # type: ignore[attr-defined]
            found = self.lib.store_get(self._live(), data)
        return default if found is None else found

    def delete(self, key: str) -> bool:
        """Remove ``key``; whether it was there."""
        data = encode(key, check_key)
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.store_delete(self._live(), data)

    def __contains__(self, key: object) -> bool:
        data = encode(key, check_key)
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.store_contains(self._live(), data)

    def __len__(self) -> int:
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.store_len(self._live())[1]

    def set_many(self, pairs: Iterable[tuple[str, bytes]]) -> None:
        """``set`` each ``(key, value)`` pair in order, once every pair is checked."""
        checked = check_pairs(pairs)
        keys = encode_all([key for key, _ in checked], check_key)
        values = [value for _, value in checked]
        blob = (b"".join(values), array.array("Q", map(len, values)))
        with self._lock:  # type: ignore[attr-defined]
            self.lib.store_set_many(self._live(), keys, blob)

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        """``get`` each key in order: its value, or ``None``."""
        encoded = encode_all(keys, check_key)
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.store_get_many(self._live(), encoded)

    def _items(self) -> list[tuple[str, bytes]]:
        with self._lock:  # type: ignore[attr-defined]
            handle = self._live()
            rows = self.lib.store_items(handle, self.lib.store_len(handle)[1])
        return [(key.decode("utf-8"), value) for key, value in rows]

    def keys(self) -> list[str]:
        """The keys, least recently used first."""
        return [key for key, _ in self._items()]

    def stats(self) -> dict[str, int]:
        """``hits`` and ``misses`` of ``get`` and ``get_many``, and ``evictions``."""
        with self._lock:  # type: ignore[attr-defined]
            hits, misses, evictions = self.lib.store_stats(self._live())
        return {"hits": hits, "misses": misses, "evictions": evictions}

    def __repr__(self) -> str:
        bound = self.max_items
        return f"KeyValueStore({len(self)} items{'' if bound is None else f', max_items={bound}'})"

    def __reduce__(self) -> tuple[Any, ...]:
        with self._lock:  # type: ignore[attr-defined]
            handle = self._live()
            bound, size = self.lib.store_len(handle)
            rows = self.lib.store_items(handle, size)
            stats = self.lib.store_stats(handle)
        items = [(key.decode("utf-8"), value) for key, value in rows]
        return (type(self), (bound or None,), (items, *stats))

    def __setstate__(self, state: tuple[list[tuple[str, bytes]], int, int, int]) -> None:
        items, hits, misses, evictions = check_state(state)
        self.set_many(items)
        with self._lock:  # type: ignore[attr-defined]
            self.lib.store_set_stats(self._live(), (hits, misses, evictions))
