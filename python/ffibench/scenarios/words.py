"""Scenario 4, ``words``: word counts in a Rust hash map against ``Counter``; a key-value store
against ``dict``, an ``OrderedDict`` LRU and ``cachetools``; single lookups and batches.

The text is a corpus made deterministically at the size asked for (:func:`corpus`): a
Zipf-distributed vocabulary of :data:`VOCABULARY` words, some capitalised, some non-ASCII
(accents, Greek with its final sigma, Cyrillic, CJK, apostrophes), separated by spaces,
punctuation and newlines. ``ffibench run --corpus FILE`` counts the user's own text instead
(the environment variable ``FFIBENCH_CORPUS`` carries it to the measuring processes). Corpora
are written once to a cache folder, so each measuring process reads, not remakes, 100 MB.

Anchors: ``Counter`` over the fastest pure-Python tokenisation that follows the spec's rule
(:func:`fast_words`: one compiled regular expression, ``str.isalpha`` and ``str.lower`` per
word, all in C for the words made of letters alone), with a list comprehension over the dict
for ``get_many``; for the store a plain ``dict`` (unbounded), an
``OrderedDict`` LRU (what ``functools.lru_cache`` does inside) and ``cachetools.LRUCache``.
"""

from __future__ import annotations

import collections
import hashlib
import heapq
import itertools
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy

from ffibench.pure.words import words as spec_words
from ffibench.scenarios import CORPUS_ENV, Anchor, Operation, Scenario

#: Sizes of the text counted, in bytes of UTF-8: a full run, and ``--quick``. The goal's size,
#: 100 MB, costs the spec ten seconds a call and the benchmark a minute and a half of the
#: hour a full run may take: ``--corpus FILE`` counts a text of that size (docs/scenarios/words.md).
TEXT_SIZES = (1_000_000, 10_000_000)
QUICK_TEXT_SIZES = (1_000_000,)
FILE_SIZES = (10_000_000,)
QUICK_FILE_SIZES = FILE_SIZES
#: The counts looked up: those of a 10 MB corpus.
LOOKUP_BYTES = 10_000_000
#: Words (or keys) of one batch lookup.
BATCH = 100_000
#: Batch sizes of get_many: from one word, where the call is all boundary, to BATCH, so the
#: report shows from what batch a Rust map wins over a dict.
BATCH_SIZES = (1, 100, 10_000, BATCH)
QUICK_BATCH_SIZES = (BATCH,)
#: Items of the store for lookups, and of the memory figure.
STORE_ITEMS = 100_000
MEMORY_ITEMS = (100_000, 1_000_000)
QUICK_MEMORY_ITEMS = (100_000,)
#: The bound of every LRU store timed: above STORE_ITEMS, so lookups never evict.
STORE_BOUND = 2 * STORE_ITEMS
VALUE_BYTES = 32
VOCABULARY = 50_000
ZIPF_EXPONENT = 1.1
SEED = 20_261_202
#: Bumped when the corpus generator changes, so a cached corpus of an older one is not used.
CORPUS_VERSION = 1

_GOLDEN = 0x9E3779B97F4A7C15
_MASK = (1 << 64) - 1

# Words that exercise the tokeniser's rules: accents, the final sigma, Cyrillic, CJK,
# apostrophes between letters, digits, a title-case digraph, a dotted capital I.
_SPECIAL = (
    "café", "naïve", "Straße", "ΟΔΟΣ", "λόγος", "Москва", "東京", "don't", "l’été",
    "rock'n'roll", "2026", "İstanbul", "ǅemal", "Ωmega", "São", "Ærø", "Zürich", "ΣΟΦΟΣ",
)  # fmt: skip
_SYLLABLES = (
    "ka", "lo", "mi", "ne", "ta", "ru", "si", "vo", "pe", "da", "ri", "gu", "ze", "hy", "qu",
    "an", "el", "or", "is", "um", "ba", "ce", "fi", "jo", "wa", "xe", "yo", "tri", "str", "ph",
)  # fmt: skip
_SEPARATORS = (" ", " ", " ", " ", " ", " ", ", ", ". ", "\n", "; ", " - ", ": ", "! ", " (")


def _draws(stream: int, start: int, count: int) -> numpy.ndarray:
    """SplitMix64 draws ``start .. start + count`` of ``stream``: the spec's counter-based
    generator (:func:`ffibench.pure.arrays.draw`), vectorised (``uint64`` arithmetic wraps)."""
    index = numpy.arange(start, start + count, dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        z = numpy.uint64(stream) + (index + numpy.uint64(1)) * numpy.uint64(_GOLDEN)
        z = (z ^ (z >> numpy.uint64(30))) * numpy.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> numpy.uint64(27))) * numpy.uint64(0x94D049BB133111EB)
        return z ^ (z >> numpy.uint64(31))


@cache
def vocabulary() -> tuple[str, ...]:
    """The corpus's words, most frequent first: the special words spread among made-up ones
    of two to four syllables, a fifth capitalised."""
    draws = _draws(SEED, 0, 3 * VOCABULARY).tolist()
    words = []
    for rank in range(VOCABULARY):
        a, b, c = draws[3 * rank : 3 * rank + 3]
        if rank % 97 == 5:
            words.append(_SPECIAL[(rank // 97) % len(_SPECIAL)])
            continue
        syllables = 2 + a % 3
        word = "".join(_SYLLABLES[(b >> (5 * i)) % len(_SYLLABLES)] for i in range(syllables))
        words.append(word.capitalize() if c % 5 == 0 else word)
    return tuple(words)


def _make_corpus(size: int, seed: int) -> str:
    """About ``size`` bytes of text (cut at a separator just past it)."""
    words = numpy.array(vocabulary(), dtype=object)
    weights = 1.0 / numpy.arange(1, VOCABULARY + 1) ** ZIPF_EXPONENT
    cumulative = numpy.cumsum(weights / weights.sum())
    separators = numpy.array(_SEPARATORS, dtype=object)
    pieces: list[str] = []
    written = 0
    start = 0
    batch = 1 << 16
    while written < size:
        draws = _draws(seed, start, 2 * batch)
        start += 2 * batch
        uniform = (draws[0::2] >> numpy.uint64(11)).astype(numpy.float64) * 2.0**-53
        chosen = words[numpy.minimum(numpy.searchsorted(cumulative, uniform), VOCABULARY - 1)]
        gaps = separators[(draws[1::2] % numpy.uint64(len(_SEPARATORS))).astype(numpy.intp)]
        text = "".join(numpy.stack([chosen, gaps], axis=1).ravel().tolist())
        pieces.append(text)
        written += len(text.encode("utf-8"))
    text = "".join(pieces)
    encoded = text.encode("utf-8")[:size]
    cut = max(encoded.rfind(b" "), encoded.rfind(b"\n")) + 1 or len(encoded)
    return encoded[:cut].decode("utf-8")


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(tempfile.gettempdir(), "ffibench-cache")
    folder = Path(base) / "ffibench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def corpus_path(size: int, seed: int = SEED) -> Path:
    """The file of the corpus of ``size`` bytes, made and cached on first use (written to a
    temporary name, then renamed: a process never reads a half-written corpus)."""
    user = os.environ.get(CORPUS_ENV)
    if user:
        return Path(user)
    path = _cache_folder() / f"corpus-v{CORPUS_VERSION}-{seed}-{size}.txt"
    if not path.exists():
        text = _make_corpus(size, seed)
        partial = path.with_suffix(f".{os.getpid()}.part")
        with partial.open("w", encoding="utf-8", newline="") as file:
            file.write(text)
        partial.replace(path)
    return path


@cache
def corpus(size: int, seed: int = SEED) -> str:
    """The corpus of ``size`` bytes (the user's corpus when ``--corpus`` gave one)."""
    with corpus_path(size, seed).open(encoding="utf-8", newline="") as file:
        return file.read()


def corpus_meta(path: Path) -> dict[str, Any]:
    """What a results file records of a user's corpus: its name, size and SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return {"name": path.name, "size": path.stat().st_size, "sha256": digest.hexdigest()}


def _user_size() -> int | None:
    user = os.environ.get(CORPUS_ENV)
    return Path(user).stat().st_size if user else None


# -- the anchors ------------------------------------------------------------------------------


#: Runs of ``str.isalnum`` characters (``[^\W_]``: ``\w`` without ``_``) joined by apostrophes.
#: A superset of the spec's words: it also takes numerals that are not decimal digits (``²``,
#: ``Ⅷ``) and apostrophes next to a digit, which :func:`spec_words` sorts out.
ALNUM_RUNS = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


def fast_words(text: str) -> list[str]:
    """The spec's words of ``text``, lowercased, as fast as pure Python gets them: one regular
    expression in C, then ``str.isalpha`` in C keeps the runs that are letters only (almost all
    of them) as they are; the few others (digits, apostrophes, numerals) go through the spec's
    own rule. The same words as :func:`ffibench.pure.words.words`, in a different order."""
    runs = ALNUM_RUNS.findall(text)
    found = list(map(str.lower, filter(str.isalpha, runs)))
    for run in itertools.filterfalse(str.isalpha, runs):
        found += spec_words(run)
    return found


class CounterWords(collections.Counter[str]):
    """``Counter`` over the regular expression, ``str.lower`` per word (what the spec does to
    each word); ``get_many`` a list comprehension over the dict; ``most_common`` with the
    spec's ties (``Counter``'s own keeps insertion order)."""

    @classmethod
    def from_text(cls, text: str) -> CounterWords:
        return cls(fast_words(text))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> CounterWords:
        # The fastest pure Python: the whole file at once (memory: the text, twice).
        with open(path, encoding="utf-8") as file:
            return cls.from_text(file.read())

    def get_many(self, words: Iterable[str]) -> list[int]:
        get = self.get
        return [get(word, 0) for word in words]

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        items = self.items()
        if n is None:
            return sorted(items, key=lambda item: (-item[1], item[0]))
        return heapq.nsmallest(n, items, key=lambda item: (-item[1], item[0]))

    def merge(self, other: CounterWords) -> None:
        self.update(other)

    def to_dict(self) -> dict[str, int]:
        return dict(sorted(self.items()))


class DictStore(dict[str, bytes]):
    """A plain ``dict``: unbounded, no eviction, no counters (what most code starts with)."""

    def __init__(self, max_items: int | None = None) -> None:
        super().__init__()

    def set(self, key: str, value: bytes) -> None:
        self[key] = value

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        get = self.get
        return [get(key) for key in keys]


class OrderedDictLRU:
    """An LRU over ``OrderedDict``: ``move_to_end`` on a hit, ``popitem(last=False)`` past the
    bound — how ``functools.lru_cache`` keeps its order, as a store."""

    def __init__(self, max_items: int | None = None) -> None:
        self._items: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self._max = max_items

    def set(self, key: str, value: bytes) -> None:
        items = self._items
        items[key] = value
        items.move_to_end(key)
        if self._max is not None and len(items) > self._max:
            items.popitem(last=False)

    def get(self, key: str, default: Any = None) -> Any:
        items = self._items
        value = items.get(key)
        if value is None:
            return default
        items.move_to_end(key)
        return value

    def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
        get = self.get
        return [get(key) for key in keys]

    def keys(self) -> list[str]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _cachetools_lru() -> type | None:
    try:
        import cachetools
    except ImportError:
        return None

    class CachetoolsLRU(cachetools.LRUCache):  # type: ignore[misc]
        """``cachetools.LRUCache``, the LRU that Python services use, as a store."""

        def __init__(self, max_items: int | None = None) -> None:
            super().__init__(maxsize=max_items or sys.maxsize)

        def set(self, key: str, value: bytes) -> None:
            self[key] = value

        def get(self, key: str, default: Any = None) -> Any:  # a hit counts as a use
            try:
                return self[key]
            except KeyError:
                return default

        def get_many(self, keys: Iterable[str]) -> list[bytes | None]:
            get = self.get
            return [get(key) for key in keys]

    return CachetoolsLRU


# -- inputs and checks ------------------------------------------------------------------------


def same_counts(result: object, expected: object) -> bool:
    """The same words with the same counts (the iteration order is the spec's business, checked
    by the tests)."""
    return dict(result.items()) == dict(expected.items())  # type: ignore[attr-defined]


def same_keys(result: object, expected: object) -> bool:
    """Stores holding the same keys."""
    return sorted(result.keys()) == sorted(expected.keys())  # type: ignore[attr-defined]


def _words_to_look_up() -> list[str]:
    """A batch of words, half of them in the counts and half not."""
    words = vocabulary()
    present = [words[i % 1_000].lower() for i in range(BATCH // 2)]
    absent = [f"absent{i}" for i in range(BATCH - len(present))]
    return [word for pair in zip(present, absent, strict=True) for word in pair]


@cache
def _store_pairs(count: int) -> list[tuple[str, bytes]]:
    return [(f"key-{i:08d}", i.to_bytes(8, "little") * (VALUE_BYTES // 8)) for i in range(count)]


def _counts_of(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (cls.from_text(corpus(LOOKUP_BYTES)), *args)


def _two_counts(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (cls.from_text(corpus(LOOKUP_BYTES)), cls.from_text(args[0]))


def _filled_store(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    store = cls(STORE_BOUND)
    for key, value in _store_pairs(STORE_ITEMS):
        store.set(key, value)
    return (store, *args)


def _operations() -> tuple[Operation, ...]:
    user = _user_size()
    text_sizes = (user,) if user else TEXT_SIZES
    file_sizes = (user,) if user else FILE_SIZES
    return (
        Operation(
            "build:text",
            "WordCounts.from_text(text): tokenise, lowercase and count a str",
            make_args=lambda size: (corpus(size),),  # type: ignore[arg-type]
            sizes=text_sizes,
            quick_sizes=(user,) if user else QUICK_TEXT_SIZES,
            size_unit="bytes",
            function="WordCounts",
            statement="function.from_text(a0)",
            compare=same_counts,
        ),
        Operation(
            "build:file",
            "WordCounts.from_file(path): the same from a UTF-8 file, read in chunks",
            make_args=lambda size: (str(corpus_path(size)),),  # type: ignore[arg-type]
            sizes=file_sizes,
            quick_sizes=(user,) if user else QUICK_FILE_SIZES,
            size_unit="bytes",
            function="WordCounts",
            statement="function.from_file(a0)",
            compare=same_counts,
        ),
        Operation(
            "lookup:hit",
            "counts.get(word) of a word that occurs",
            make_args=lambda size: (vocabulary()[0].lower(),),
            function="WordCounts",
            setup=_counts_of,
            statement="a0.get(a1)",
        ),
        Operation(
            "lookup:miss",
            "counts.get(word) of a word that does not occur",
            make_args=lambda size: ("absent-word",),
            function="WordCounts",
            setup=_counts_of,
            statement="a0.get(a1)",
        ),
        Operation(
            "get_many",
            "counts.get_many(words): n words, half absent, in one call",
            make_args=lambda size: (_words_to_look_up()[: size or BATCH],),
            sizes=BATCH_SIZES,
            quick_sizes=QUICK_BATCH_SIZES,
            size_unit="words",
            function="WordCounts",
            setup=_counts_of,
            statement="a0.get_many(a1)",
        ),
        Operation(
            "most_common",
            "counts.most_common(100)",
            make_args=lambda size: (100,),
            function="WordCounts",
            setup=_counts_of,
            statement="a0.most_common(a1)",
        ),
        Operation(
            "merge",
            "counts.merge(other): add the counts of another 1 MB text",
            make_args=lambda size: (corpus(1_000_000, SEED + 1),),
            function="WordCounts",
            setup=_two_counts,
            statement="a0.merge(a1)",
            result="a0.most_common(10)",
        ),
        Operation(
            "store:set",
            f"store.set(key, value) of {VALUE_BYTES} bytes, the key already stored",
            make_args=lambda size: ("key-00000042", b"x" * VALUE_BYTES),
            function="KeyValueStore",
            setup=_filled_store,
            statement="a0.set(a1, a2)",
            result="a0.get(a1)",
        ),
        Operation(
            "store:get",
            "store.get(key) of a stored key (a hit)",
            make_args=lambda size: ("key-00000042",),
            function="KeyValueStore",
            setup=_filled_store,
            statement="a0.get(a1)",
        ),
        Operation(
            "store:get_many",
            "store.get_many(keys): n keys, half absent, in one call",
            make_args=lambda size: (
                [key for i in range(size or BATCH) for key in (f"key-{i:08d}", f"nokey-{i}")][
                    : size or BATCH
                ],
            ),
            sizes=BATCH_SIZES,
            quick_sizes=QUICK_BATCH_SIZES,
            size_unit="keys",
            function="KeyValueStore",
            setup=_filled_store,
            statement="a0.get_many(a1)",
        ),
        Operation(
            "store:memory",
            f"the memory of a store of n items: keys of 12 characters, values of "
            f"{VALUE_BYTES} bytes, each made in the call (so a dict owns its objects too)",
            make_args=lambda size: (size,),
            sizes=MEMORY_ITEMS,
            quick_sizes=QUICK_MEMORY_ITEMS,
            size_unit="items",
            function="KeyValueStore",
            statement=(
                "a1 = function(None)\n    for a2 in range(a0): "
                f"a1.set(f'key-{{a2:08d}}', a2.to_bytes(8, 'little') * {VALUE_BYTES // 8})"
            ),
            result="a1",
            compare=same_keys,
            kind="memory",
        ),
    )


_COUNTING = ("build:text", "build:file", "lookup:hit", "lookup:miss", "get_many", "most_common",
             "merge")  # fmt: skip
_STORE = ("store:set", "store:get", "store:get_many", "store:memory")


def _anchors() -> tuple[Anchor, ...]:
    anchors = [
        Anchor(
            "python:counter",
            "collections.Counter over one compiled regex and str.lower per word; get_many a "
            "list comprehension over the dict",
            dict.fromkeys(_COUNTING, CounterWords),
        ),
        Anchor(
            "python:dict", "a plain dict: unbounded, no eviction", dict.fromkeys(_STORE, DictStore)
        ),
        Anchor(
            "python:ordereddict-lru",
            "an OrderedDict LRU (move_to_end, popitem(last=False)): lru_cache's own order",
            dict.fromkeys(_STORE, OrderedDictLRU),
        ),
    ]
    lru = _cachetools_lru()
    if lru is not None:
        anchors.append(
            Anchor(
                "cachetools",
                "cachetools.LRUCache, what Python services use",
                dict.fromkeys(_STORE, lru),
            )
        )
    return tuple(anchors)


SCENARIO = Scenario(
    name="words",
    title="Word counts and a key-value store in Rust hash maps",
    question="When does a Rust HashMap beat dict and Counter: single lookups or batches?",
    operations=_operations(),
    anchors=_anchors(),
)

__all__ = [
    "SCENARIO",
    "CounterWords",
    "DictStore",
    "OrderedDictLRU",
    "corpus",
    "corpus_meta",
    "corpus_path",
    "fast_words",
    "vocabulary",
]
