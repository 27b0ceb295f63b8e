"""Scenario 4, ``words``: the specification of word counts and of a bounded key-value store.

Words
    A word is a maximal run of letters (Unicode general categories ``Lu Ll Lt Lm Lo``, what
    ``str.isalpha`` says) and decimal digits (``Nd``, ``str.isdecimal``), in which an apostrophe
    (``'`` U+0027 or ``’`` U+2019) is kept only where the characters on both of its sides are
    letters: ``"don't"`` is one word, ``"90's"`` two (``90``, ``s``), ``"'tis"`` one (``tis``).
    Everything else separates words. Each word is then lowercased as ``str.lower`` lowercases
    the word alone: full mappings (``"İ"`` becomes ``"i̇"``, two code points) and the
    Final_Sigma rule within the word (``"ΟΔΟΣ"`` becomes ``"οδος"`` with a final ``ς``). The
    tables are Unicode 14.0.0's, CPython 3.11's ``unicodedata``. Texts are ``str`` (a subclass
    is read as the text it holds; ``bytes`` or anything else: ``TypeError``; a lone surrogate:
    ``UnicodeEncodeError``, as in scenario 1).
WordCounts
    ``WordCounts.from_text(text)`` and ``WordCounts.from_file(path)`` count the words of a text
    or of a UTF-8 file (``str`` or ``os.PathLike[str]`` path). A file is read in chunks of
    :data:`CHUNK_BYTES`, so its size is bounded by the disk, not by memory (one word longer
    than a chunk is kept whole); a byte sequence that is not UTF-8 raises ``ValueError`` naming
    its byte offset, a missing file ``FileNotFoundError``, a directory ``IsADirectoryError``.
    A byte-order mark is a character like any other (it separates words). The counts are a
    read-only mapping from word to count: ``counts[word]`` (``KeyError`` when absent),
    ``get(word, default=None)``, ``word in counts``, ``len``; iteration, ``items()`` and
    ``to_dict()`` go in code-point order of the words (``sorted``), so every backend agrees;
    ``total()`` is the number of words counted. ``most_common(k)`` gives the ``k`` largest
    counts, ties broken by the word in code-point order (``k >= 0``; past ``len``, all);
    ``get_many(words)`` the count of each word of a list, 0 when absent, in one call;
    ``merge(other)`` adds the counts of another ``WordCounts`` (of the same backend) in place.
    A word looked up must be a ``str`` (``TypeError`` otherwise, for ``in`` too). Two counts
    are equal when their mappings are; copies and pickles are new counts (their state is
    ``(word, count)`` pairs: ``TypeError`` for anything else or a count that is not an int,
    ``OverflowError`` for a negative count).
KeyValueStore
    ``KeyValueStore(max_items=None)`` maps ``str`` keys to ``bytes`` values (exactly
    ``bytes`` or a subclass: a ``bytearray`` or ``memoryview`` raises ``TypeError``; values are
    copied in and out, never lent). ``set(key, value)``; ``get(key, default=None)``;
    ``delete(key)`` (``True`` when the key was there); ``key in store``; ``len``;
    ``set_many(pairs)`` (an iterable of ``(key, value)``, every pair checked before any is
    stored); ``get_many(keys)`` (a list of values, ``None`` where absent). With ``max_items``
    (an int ``>= 1``; ``ValueError`` below, ``OverflowError`` from ``2**63``), the least
    recently used item is evicted when a new key would exceed it; a hit of ``get`` or
    ``get_many`` and every ``set`` make a key the most recently used; ``in`` and ``keys()``
    (least recently used first) change nothing. ``stats()`` counts ``hits``, ``misses`` (of
    ``get`` and ``get_many``) and ``evictions``. Every method is atomic: several threads may
    use one store. Copies and pickles are new stores with the same items, order and stats
    (their state is ``(pairs, hits, misses, evictions)``, each counter an int from 0 to
    ``2**64 - 1``: ``TypeError`` or ``ValueError`` as unpacking raises, ``OverflowError`` past
    the range). A counter stops at ``2**64 - 1`` in the Rust backends.
Objects
    Both classes are made whole by ``__new__``, so calling ``__init__`` again changes nothing,
    ``cls.__new__(cls)`` is an empty object, and a subclass works as the class does (its
    ``from_text``, ``from_file`` and copies are of the subclass, made without its ``__init__``).
"""

from __future__ import annotations

import codecs
import operator
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from ffibench.pure.basic import check_str, shown_int

__all__ = ["APOSTROPHES", "CHUNK_BYTES", "KeyValueStore", "WordCounts", "words"]

#: The apostrophes a word keeps between two letters.
APOSTROPHES = frozenset("'\u2019")
#: The size of the chunks a file is read in.
CHUNK_BYTES = 1 << 20


def _is_word_char(char: str) -> bool:
    return char.isalpha() or char.isdecimal()


def _split(text: str) -> Iterator[str]:
    """The words of ``text`` as they are written (not lowercased)."""
    start = -1
    last = len(text) - 1
    for index, char in enumerate(text):
        keep = _is_word_char(char) or (
            char in APOSTROPHES
            and 0 < index < last
            and text[index - 1].isalpha()
            and text[index + 1].isalpha()
        )
        if keep:
            if start < 0:
                start = index
        elif start >= 0:
            yield text[start:index]
            start = -1
    if start >= 0:
        yield text[start:]


def words(text: str) -> list[str]:
    """The lowercased words of ``text``, in order (see the module docstring).

    Examples
    --------
    >>> words("Don't stop: 90's ΟΔΟΣ, 'tis rock'n'roll!")
    ["don't", 'stop', '90', 's', 'οδος', 'tis', "rock'n'roll"]
    """
    return [word.lower() for word in _split(check_str(text, "text"))]


def _hard_cut(text: str) -> int:
    """The end of the last character of ``text`` that no word can span (neither a word
    character nor an apostrophe): the text before it can be counted on its own."""
    for index in range(len(text) - 1, -1, -1):
        char = text[index]
        if not (_is_word_char(char) or char in APOSTROPHES):
            return index + 1
    return 0


def check_path(path: object) -> str | bytes:
    """``path`` as ``os.fspath`` gives it; ``TypeError`` for anything but a str or a
    path-like object (an int is not a file descriptor here)."""
    if isinstance(path, bool | int) or not isinstance(path, str | bytes | os.PathLike):
        raise TypeError(f"path must be str or os.PathLike, not {type(path).__name__}")
    return os.fspath(path)


def check_word(word: object) -> str:
    """A word to look up: a str UTF-8 can encode (``TypeError``, ``UnicodeEncodeError``)."""
    return check_str(word, "word")


def check_count(count: object, name: str, limit: int | None = None) -> int:
    """A count from a pickle: an int (``TypeError``), not negative and below ``limit`` when one
    is given (``OverflowError``, as an unsigned 64-bit conversion says)."""
    number = operator.index(count)  # type: ignore[arg-type]
    if number < 0 or (limit is not None and number >= limit):
        raise OverflowError(f"{name} = {shown_int(number)} does not fit an unsigned 64-bit integer")
    return number


def check_items(items: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The ``(word, count)`` pairs of pickled counts, checked (see :func:`check_count`)."""
    checked = []
    for pair in items:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"each item must be a (word, count) pair, not {type(pair).__name__}")
        checked.append((check_word(pair[0]), check_count(pair[1], "count")))
    return checked


def check_k(k: object) -> int:
    """``most_common``'s ``k``: an int, ``ValueError`` below 0, ``OverflowError`` from 2**63."""
    count = operator.index(k)  # type: ignore[arg-type]
    if count < 0:
        raise ValueError(f"k must be >= 0, not {shown_int(count)}")
    if count >= 2**63:
        raise OverflowError(f"k = {shown_int(count)} does not fit a signed 64-bit integer")
    return count


class WordCounts:
    """How many times each word occurs in a text or a file.

    Examples
    --------
    >>> counts = WordCounts.from_text("the cat and The hat")
    >>> counts["the"], counts.get("dog", 0), len(counts), counts.most_common(1)
    (2, 0, 4, [('the', 2)])
    """

    __slots__ = ("__weakref__", "_counts")

    _counts: dict[str, int]

    def __new__(cls) -> WordCounts:
        counts = super().__new__(cls)
        counts._counts = {}
        return counts

    @classmethod
    def from_text(cls, text: str) -> WordCounts:
        """The counts of the words of ``text``."""
        counts = cls.__new__(cls)
        counts._add(words(text))
        return counts

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> WordCounts:
        """The counts of the words of a UTF-8 file, read in chunks (see the module docstring)."""
        name = check_path(path)
        counts = cls.__new__(cls)
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        carry = ""
        consumed = 0
        with open(name, "rb") as file:
            while True:
                chunk = file.read(CHUNK_BYTES)
                pending = len(decoder.getstate()[0])
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as error:
                    offset = consumed - pending + error.start
                    shown = os.fsdecode(name)
                    raise ValueError(f"{shown}: invalid UTF-8 at byte {offset}") from None
                consumed += len(chunk)
                text = carry + text
                cut = _hard_cut(text) if chunk else len(text)
                counts._add(word.lower() for word in _split(text[:cut]))
                carry = text[cut:]
                if not chunk:
                    return counts

    @classmethod
    def _from_items(cls, items: Iterable[tuple[str, int]]) -> WordCounts:
        counts = cls.__new__(cls)
        counts._counts = dict(check_items(items))
        return counts

    def _add(self, found: Iterable[str]) -> None:
        counts = self._counts
        for word in found:
            counts[word] = counts.get(word, 0) + 1

    def __getitem__(self, word: str) -> int:
        return self._counts[check_word(word)]

    def get(self, word: str, default: Any = None) -> Any:
        """The count of ``word``, or ``default`` when it does not occur."""
        return self._counts.get(check_word(word), default)

    def __contains__(self, word: object) -> bool:
        return check_word(word) in self._counts

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._counts))

    def items(self) -> list[tuple[str, int]]:
        """``(word, count)`` pairs in code-point order of the words."""
        return sorted(self._counts.items())

    def to_dict(self) -> dict[str, int]:
        """A new dict of the counts, in code-point order of the words."""
        return dict(self.items())

    def total(self) -> int:
        """The number of words counted."""
        return sum(self._counts.values())

    def most_common(self, k: int) -> list[tuple[str, int]]:
        """The ``k`` largest counts, largest first, ties in code-point order of the words."""
        limit = check_k(k)
        ranked = sorted(self._counts.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:limit]

    def get_many(self, words: Iterable[str]) -> list[int]:
        """The count of each of ``words`` (0 when absent), in order."""
        counts = self._counts
        return [counts.get(word, 0) for word in [check_word(word) for word in words]]

    def merge(self, other: WordCounts) -> None:
        """Add the counts of ``other`` to these (``other`` may be these counts)."""
        if not isinstance(other, WordCounts):
            raise TypeError(f"other must be WordCounts, not {type(other).__name__}")
        counts = self._counts
        for word, count in list(other._counts.items()):
            counts[word] = counts.get(word, 0) + count

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WordCounts):
            return NotImplemented
        return self._counts == other._counts

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"WordCounts({len(self)} words, {self.total()} in all)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self)._from_items, (self.items(),))


def check_value(value: object) -> bytes:
    """A stored value: ``bytes`` (a subclass is read as the bytes it holds, not its
    ``__bytes__``)."""
    if not isinstance(value, bytes):
        raise TypeError(f"value must be bytes, not {type(value).__name__}")
    return bytes.__bytes__(value)


def check_key(key: object) -> str:
    """A key: a str UTF-8 can encode (``TypeError``, ``UnicodeEncodeError``)."""
    return check_str(key, "key")


def check_max_items(max_items: object) -> int | None:
    """``None``, or an int ``>= 1`` (``ValueError`` below, ``OverflowError`` from 2**63)."""
    if max_items is None:
        return None
    try:
        limit = operator.index(max_items)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"max_items must be an int or None, not {type(max_items).__name__}"
        ) from None
    if limit >= 2**63:
        raise OverflowError(f"max_items = {shown_int(limit)} does not fit a signed 64-bit integer")
    if limit < 1:
        raise ValueError(f"max_items must be >= 1, not {shown_int(limit)}")
    return limit


U64_LIMIT = 1 << 64


def check_state(state: object) -> tuple[list[tuple[str, bytes]], int, int, int]:
    """A pickled store's state: ``(pairs, hits, misses, evictions)``, checked."""
    unpacked: Any = state
    items, hits, misses, evictions = unpacked
    pairs = check_pairs(items)
    return (
        pairs,
        check_count(hits, "hits", U64_LIMIT),
        check_count(misses, "misses", U64_LIMIT),
        check_count(evictions, "evictions", U64_LIMIT),
    )


def check_pairs(pairs: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """Every ``(key, value)`` of ``pairs``, checked (``TypeError`` for anything but a pair)."""
    checked = []
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"each item must be a (key, value) pair, not {type(pair).__name__}")
        checked.append((check_key(pair[0]), check_value(pair[1])))
    return checked


class KeyValueStore:
    """A map of str keys to bytes values, optionally bounded with least-recently-used eviction.

    Examples
    --------
    >>> store = KeyValueStore(max_items=2)
    >>> store.set("a", b"1"); store.set("b", b"2"); store.get("a")
    b'1'
    >>> store.set("c", b"3"); store.keys(), store.stats()
    (['a', 'c'], {'hits': 1, 'misses': 0, 'evictions': 1})
    """

    __slots__ = ("__weakref__", "_evictions", "_hits", "_items", "_lock", "_max", "_misses")

    _max: int | None
    _items: OrderedDict[str, bytes]
    _hits: int
    _misses: int
    _evictions: int
    _lock: threading.Lock

    def __new__(cls, max_items: int | None = None) -> KeyValueStore:
        store = super().__new__(cls)
        store._max = check_max_items(max_items)
        store._items = OrderedDict()
        store._hits = store._misses = store._evictions = 0
        store._lock = threading.Lock()
        return store

    @property
    def max_items(self) -> int | None:
        """The bound, or ``None``."""
        return self._max

    def _set(self, key: str, value: bytes) -> None:
        items = self._items
        if key in items:
            items[key] = value
            items.move_to_end(key)
            return
        if self._max is not None and len(items) >= self._max:
            items.popitem(last=False)
            self._evictions += 1
        items[key] = value

    def _get(self, key: str) -> bytes | None:
        value = self._items.get(key)
        if value is None:
            self._misses += 1
            return None
        self._hits += 1
        self._items.move_to_end(key)
        return value

    def set(self, key: str, value: bytes) -> None:
        """Store a copy of ``value`` under ``key``, the most recently used from now."""
        checked = (check_key(key), check_value(value))
        with self._lock:
            self._set(*checked)

    def get(self, key: str, default: Any = None) -> Any:
        """A copy of the value of ``key`` (a hit), or ``default`` (a miss)."""
        checked = check_key(key)
        with self._lock:
            found = self._get(checked)
        return default if found is None else found

    def delete(self, key: str) -> bool:
        """Remove ``key``; whether it was there."""
        checked = check_key(key)
        with self._lock:
            return self._items.pop(checked, None) is not None

    def __contains__(self, key: object) -> bool:
        checked = check_key(key)
        with self._lock:
            return checked in self._items

    def __len__(self) -> int:
        return len(self._items)

    def set_many(self, pairs: Iterable[tuple[str, bytes]]) -> None:
        """``set`` each pair in order, once every pair is checked."""
        checked = check_pairs(pairs)
        with self._lock:
            for key, value in checked:
                self._set(key, value)

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        """``get`` each key in order: its value, or ``None``."""
        checked = [check_key(key) for key in keys]
        with self._lock:
            return [self._get(key) for key in checked]

    def keys(self) -> list[str]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._items)

    def stats(self) -> dict[str, int]:
        """``hits`` and ``misses`` of ``get`` and ``get_many``, and ``evictions``."""
        with self._lock:
            return {"hits": self._hits, "misses": self._misses, "evictions": self._evictions}

    def __repr__(self) -> str:
        bound = "" if self._max is None else f", max_items={self._max}"
        return f"KeyValueStore({len(self)} items{bound})"

    def __reduce__(self) -> tuple[Any, ...]:
        with self._lock:
            state = (list(self._items.items()), self._hits, self._misses, self._evictions)
        return (type(self), (self._max,), state)

    def __setstate__(self, state: tuple[list[tuple[str, bytes]], int, int, int]) -> None:
        items, hits, misses, evictions = check_state(state)
        with self._lock:
            for key, value in items:
                self._set(key, value)
            self._hits, self._misses, self._evictions = hits, misses, evictions
