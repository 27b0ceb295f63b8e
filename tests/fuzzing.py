"""Differential fuzzing: one call made on every backend, the outcomes compared with the spec's.

An argument is an :class:`Arg`, a recipe that makes a fresh value for each backend (a generator
is consumed, a bytearray may be written, a Person must be the backend's own class), so that no
backend sees what another one left behind. :func:`anything` is every kind of value a caller may
pass, wrong types and hostile ones included; each property mixes it with the right-typed
strategy of each parameter (:func:`arg`).

An outcome is ``("value", canonical form)`` or ``("raises", exception class)``:
:func:`canonical` turns any answer into plain, comparable data (a backend's own classes by what
they hold, NumPy arrays by dtype, shape, flags and values), and :func:`same` compares two such
forms, floats within a relative tolerance (0: the same bits but for NaN's payload).
"""

from __future__ import annotations

import array
import json
import math
import operator
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from hypothesis import strategies as st

import ffibench

BACKENDS = ffibench.BACKENDS
MODULES = {scenario: {name: getattr(ffibench.backend(name), scenario) for name in BACKENDS}
           for scenario in ("basic", "person", "arrays", "words", "documents", "buffers",
                            "events", "matmul")}  # fmt: skip


class Arg:
    """A value made afresh for each backend's call: ``make(module)`` with the backend's module of
    the scenario (for its classes); ``label`` is what a failing example shows."""

    __slots__ = ("label", "make")

    def __init__(self, make: Callable[[Any], Any], label: str) -> None:
        self.make = make
        self.label = label

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis's printer
        printer.text(self.label)

    def __repr__(self) -> str:
        return self.label


def const(value: Any, label: str | None = None) -> Arg:
    """An immutable value, or a mutable one rebuilt by a copy for each backend."""
    shown = label or _short(value)
    if isinstance(value, list | dict | bytearray | set):
        import copy

        return Arg(lambda _module: copy.deepcopy(value), shown)
    return Arg(lambda _module: value, shown)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:90]}...<{len(text)} chars>...{text[-60:]}"


# -- hostile objects -------------------------------------------------------------------------


class IntSub(int):
    """An int subclass whose ``__index__`` and ``__int__`` lie (the held value counts)."""

    def __index__(self) -> int:
        return 7

    def __int__(self) -> int:
        return 8


class FloatSub(float):
    """A float subclass whose ``__float__`` lies (the held value counts)."""

    def __float__(self) -> float:
        return 2.5


class StrSub(str):
    """A str subclass whose ``__len__``, ``encode`` and ``__iter__`` lie (the text counts)."""

    def __len__(self) -> int:
        return 1

    def encode(self, *args: Any, **kwargs: Any) -> bytes:  # type: ignore[override]
        return b"lie"

    def __iter__(self) -> Iterator[str]:
        return iter("lie")


class Indexable:
    """Not an int, but has ``__index__``: an int wherever ``operator.index`` is the rule."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"Indexable({self.value})"


class Floatable:
    """Has ``__float__`` only."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __float__(self) -> float:
        return self.value

    def __repr__(self) -> str:
        return f"Floatable({self.value})"


class BadIndex:
    """``__index__`` returns a str: CPython's ``operator.index`` raises ``TypeError``."""

    def __index__(self) -> Any:
        return "seven"  # noqa: PLE0305  # the lie is the point

    def __repr__(self) -> str:
        return "BadIndex()"


class LyingStr(str):
    """A str subclass equal to everything, whose ``__str__`` says \"lie\" (the text counts)."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return "lie"


class FlipIndex:
    """``__index__`` is 5 the first time and 2**63 after: a backend that converts an argument
    twice sees another value than the spec, which converts it once."""

    def __init__(self) -> None:
        self.calls = 0

    def __index__(self) -> int:
        self.calls += 1
        return 5 if self.calls == 1 else 2**63

    def __repr__(self) -> str:
        return "FlipIndex()"


class OnceList(list):  # type: ignore[type-arg]
    """A list subclass whose ``__iter__`` raises ``RuntimeError`` when called a second time."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self.iterated = False

    def __iter__(self) -> Iterator[Any]:
        if self.iterated:
            raise RuntimeError("iterated twice")
        self.iterated = True
        return super().__iter__()


class RaisingIndex:
    """``__index__`` and ``__float__`` raise ``ArithmeticError`` (not a TypeError)."""

    def __index__(self) -> int:
        raise ArithmeticError("index refused")

    def __float__(self) -> float:
        raise ArithmeticError("float refused")

    def __repr__(self) -> str:
        return "RaisingIndex()"


class BadLen:
    """A sequence whose ``__len__`` and ``__iter__`` raise ``RuntimeError``."""

    def __len__(self) -> int:
        raise RuntimeError("len refused")

    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("iter refused")

    def __getitem__(self, index: int) -> Any:
        raise RuntimeError("getitem refused")

    def __repr__(self) -> str:
        return "BadLen()"


class LyingLen(list):  # type: ignore[type-arg]
    """A list that says it holds 1000 items."""

    def __len__(self) -> int:
        return 1000


def _generator(items: list[Any]) -> Arg:
    return Arg(lambda _module: (item for item in items), f"(x for x in {_short(items)})")


def _failing_iterator(items: list[Any]) -> Arg:
    def make(_module: Any) -> Iterator[Any]:
        yield from items
        raise RuntimeError("iteration failed")

    return Arg(make, f"<iterator of {_short(items)} that then raises RuntimeError>")


# -- the values ------------------------------------------------------------------------------

INTS = [0, 1, -1, 2, 7, 255, 256, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, -(2**63),
        -(2**63) - 1, 2**64 - 1, 2**64, -(2**64), 2**1000, -(2**1000)]  # fmt: skip
FLOATS = [0.0, -0.0, 0.5, -1.5, math.nan, -math.nan, math.inf, -math.inf, 5e-324, 2.2e-308,
          1e308, 1.7976931348623157e308, -1e308, 1e-300, 9.007199254740993e15]  # fmt: skip
TEXTS = [
    "",
    "a",
    "\x00",
    "a\x00b",
    "\ud800",
    "ok\udfffok",
    "e\u0301\u0301",
    "\u05e9\u05dc\u05d5\u05dd \u202eabc",
    "\u0663\u0664",  # Arabic-Indic digits
    "１２",  # fullwidth digits
    "ǅ ß ﬁ İ ς Σ",
    "🦀🐍",
    "float64",
    "float32",
    "int64",
    "uint8",
    "uniform",
    "normal",
    "block",
    "drop",
    "127.0.0.1",
    " 1 ",
    "1e5",
    "nan",
    "[]",
    "{}",
    '{"name": 1}',
    "x" * 100_000,
    "a b " * 30_000,
]


def _make_array(kind: str) -> Arg:
    def make(_module: Any) -> Any:
        base = np.arange(12, dtype=np.float64) / 4 - 1
        if kind == "f64":
            return base.copy()
        if kind == "f32":
            return base.astype(np.float32)
        if kind == "i64":
            return np.arange(12, dtype=np.int64)
        if kind == "u8":
            return np.arange(12, dtype=np.uint8)
        if kind == "f16":
            return base.astype(np.float16)
        if kind == "c128":
            return base.astype(np.complex128)
        if kind == "obj":
            return np.array([1.0, "x", None], dtype=object)
        if kind == "bool":
            return np.array([True, False])
        if kind == "big-endian":
            return base.astype(">f8")
        if kind == "misaligned":
            raw = b"\x00" + base.tobytes()
            return np.frombuffer(raw, dtype=np.float64, offset=1)
        if kind == "strided":
            return base[::3]
        if kind == "reversed":
            return base[::-1]
        if kind == "0-d":
            return np.array(3.5)
        if kind == "2-d":
            return base.reshape(3, 4)
        if kind == "2-d F":
            return np.asfortranarray(base.reshape(3, 4))
        if kind == "2-d f32":
            return base.reshape(4, 3).astype(np.float32)
        if kind == "empty":
            return np.zeros(0)
        if kind == "empty 2-d":
            return np.zeros((0, 3))
        if kind == "read-only":
            copy = base.copy()
            copy.flags.writeable = False
            return copy
        if kind == "nan-inf":
            return np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324])
        if kind == "structured":
            return np.zeros(3, dtype=[("a", "<f8"), ("b", "<i4")])
        raise AssertionError(kind)

    return Arg(make, f"<ndarray {kind}>")


ARRAY_KINDS = ["f64", "f32", "i64", "u8", "f16", "c128", "obj", "bool", "big-endian",
               "misaligned", "strided", "reversed", "0-d", "2-d", "2-d F", "2-d f32", "empty",
               "empty 2-d", "read-only", "nan-inf", "structured"]  # fmt: skip


def _buffer(kind: str) -> Arg:
    def make(_module: Any) -> Any:
        data = bytes(range(17))
        if kind == "bytes":
            return data
        if kind == "empty bytes":
            return b""
        if kind == "bytearray":
            return bytearray(data)
        if kind == "memoryview":
            return memoryview(data)
        if kind == "read-only memoryview of bytearray":
            return memoryview(bytearray(data)).toreadonly()
        if kind == "non-contiguous memoryview":
            return memoryview(data)[::2]
        if kind == "memoryview cast d":
            return memoryview(bytes(16)).cast("d")
        if kind == "2-D memoryview":
            return memoryview(bytes(range(16))).cast("B", (4, 4))
        if kind == "array('d')":
            return array.array("d", [1.0, 2.5, -3.0])
        if kind == "array('i')":
            return array.array("i", [1, 2, 3])
        if kind == "odd bytes":
            return b"\xff\xfe\x00"
        if kind == "huge-ish bytes":
            return bytes(1 << 16)
        raise AssertionError(kind)

    return Arg(make, f"<{kind}>")


BUFFER_KINDS = ["bytes", "empty bytes", "bytearray", "memoryview",
                "read-only memoryview of bytearray", "non-contiguous memoryview",
                "memoryview cast d", "2-D memoryview", "array('d')", "array('i')", "odd bytes",
                "huge-ish bytes"]  # fmt: skip

HOSTILE = [
    const(IntSub(3), "IntSub(3)"),
    const(IntSub(2**70), "IntSub(2**70)"),
    const(FloatSub(1.5), "FloatSub(1.5)"),
    const(FloatSub(math.nan), "FloatSub(nan)"),
    const(StrSub("hello world"), "StrSub('hello world')"),
    const(StrSub("\ud800"), "StrSub('\\ud800')"),
    const(Indexable(5), "Indexable(5)"),
    const(Indexable(2**64), "Indexable(2**64)"),
    const(Indexable(-1), "Indexable(-1)"),
    const(Floatable(2.5), "Floatable(2.5)"),
    const(Floatable(math.inf), "Floatable(inf)"),
    Arg(lambda _m: BadIndex(), "BadIndex()"),
    Arg(lambda _m: RaisingIndex(), "RaisingIndex()"),
    Arg(lambda _m: BadLen(), "BadLen()"),
    Arg(lambda _m: LyingLen([1.0, 2.0]), "LyingLen([1.0, 2.0])"),
    const(np.int64(5), "np.int64(5)"),
    const(np.uint64(2**64 - 1), "np.uint64(2**64-1)"),
    const(np.int8(-3), "np.int8(-3)"),
    const(np.float32(1.5), "np.float32(1.5)"),
    const(np.float64(math.nan), "np.float64(nan)"),
    const(np.bool_(True), "np.bool_(True)"),
    const(np.str_("abc"), "np.str_('abc')"),
    const(1 + 2j, "(1+2j)"),
    const(object(), "object()"),
    const(type, "type"),
    const(len, "len"),
    const(Ellipsis, "Ellipsis"),
    const(slice(0, 2), "slice(0, 2)"),
    const(frozenset({1}), "frozenset({1})"),
    Arg(lambda _m: {1.0, 2.0}, "{1.0, 2.0}"),
    Arg(lambda _m: range(5), "range(5)"),
    _generator([1.0, 2.0, 3.0]),
    _generator([("a", 1), ("b", 2)]),
    _generator([("k", b"v")]),
    _failing_iterator([1.0, 2.0]),
    _failing_iterator([("k", b"v")]),
    _failing_iterator(["a"]),
]

FIXED: list[Arg] = [
    const(None),
    const(True),
    const(False),
    *(const(value) for value in INTS),
    *(const(value) for value in FLOATS),
    *(const(value) for value in TEXTS),
    *(_make_array(kind) for kind in ARRAY_KINDS),
    *(_buffer(kind) for kind in BUFFER_KINDS),
    *HOSTILE,
    const([]),
    const(()),
    const({}),
    const([1.0, 2.0, 3.0]),
    const([1, 2, 3]),
    const([[1.0, 2.0], [3.0, 4.0]]),
    const([[1.0, 2.0], [3.0]]),
    const([["a"]]),
    const([1.0, "x"]),
    const([True, None]),
    const((1.0, 2.0)),
    const([("a", 1), ("b", 2)]),
    const([("a", -1)]),
    const([("k", b"v"), ("k2", b"")]),
    const([("k", "v")]),
    const([("k",)]),
    const(["a", "b", "a"]),
    const(["\ud800"]),
    const({"a": 1}),
    const({"name": "x", "version": 1}),
]


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(min_value=-(2**65), max_value=2**65),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(allow_subnormal=True, width=32),
        st.text(max_size=40),
        st.binary(max_size=40),
    )


def anything() -> st.SearchStrategy[Arg]:
    """Any value of any type: the fixed hostile ones, generated scalars, and containers of them."""
    generated = st.recursive(
        _scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=6),
            st.tuples(inner, inner),
            st.dictionaries(st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=12,
    )
    return st.one_of(st.sampled_from(FIXED), generated.map(const))


def arg(typed: st.SearchStrategy[Any], weight_typed: int = 3) -> st.SearchStrategy[Arg]:
    """A parameter's argument: usually (``weight_typed`` in ``weight_typed + 1``) drawn from the
    right-typed strategy ``typed`` (values, or :class:`Arg` recipes), else from :func:`anything`."""
    as_args = typed.map(lambda value: value if isinstance(value, Arg) else const(value))
    return st.one_of(*[as_args] * weight_typed, anything())


# -- outcomes --------------------------------------------------------------------------------


class Float:
    """A float in a canonical form, compared by :func:`same` within a tolerance."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(self.value)


def canonical(value: Any, depth: int = 0) -> Any:
    """``value`` as plain data that two backends' answers can be compared by: the type's name
    where backends must agree on it (``int``, ``float``, ``bool``, ``bytes``...), a backend's
    class by its name and what it holds."""
    if depth > 20:
        return ("deep", type(value).__name__)
    if value is None or isinstance(value, bool):
        return value
    kind = type(value)
    if kind is float:
        return Float(value)
    if kind in (int, str, bytes):
        return (kind.__name__, value)
    if isinstance(value, np.ndarray):
        flags = (value.flags.c_contiguous, value.flags.writeable)
        if value.dtype.names:
            rows = [tuple(canonical(item, depth + 1) for item in row) for row in value.tolist()]
            return ("ndarray", value.dtype.descr, value.shape, flags, rows)
        return (
            "ndarray",
            value.dtype.str,
            value.shape,
            flags,
            canonical(value.tolist(), depth + 1),
        )
    if isinstance(value, np.generic):
        return ("numpy " + kind.__name__, canonical(value.item(), depth + 1))
    if kind in (list, tuple):
        return (kind.__name__, [canonical(item, depth + 1) for item in value])
    if kind is dict:
        return (
            "dict",
            [(canonical(k, depth + 1), canonical(v, depth + 1)) for k, v in value.items()],
        )
    name = kind.__name__
    state = STATE.get(name)
    if state is not None:
        return (name, canonical(state(value), depth + 1))
    if isinstance(value, float):  # a float subclass none of the backends should return
        return ("float subclass " + name, Float(float(value)))
    return ("object", name)


def _payroll_state(payroll: Any) -> Any:
    return [(p.name, p.age, p.salary) for p in payroll]


def _store_state(store: Any) -> Any:
    keys = store.keys()
    return (store.max_items, keys, [store.get(key) for key in keys], store.stats(), len(store))


def _buffer_state(buffer: Any) -> Any:
    return (len(buffer), buffer.dtype, buffer.nbytes, np.asarray(buffer).tolist())


def _stream_state(stream: Any) -> Any:
    return (stream.capacity, stream.policy, stream.payload, stream.running, stream.stopped)


#: How each backend class is compared: by what it holds (the names are the same in every backend).
STATE: dict[str, Callable[[Any], Any]] = {
    "Person": lambda p: (p.name, p.age, p.salary),
    "PersonRecord": lambda p: (p.name, p.age, p.salary),
    "Payroll": _payroll_state,
    "WordCounts": lambda counts: counts.items(),
    "KeyValueStore": _store_state,
    "Document": lambda document: json.loads(document.to_json()),
    "DocumentView": lambda view: view.to_dict(),
    "Buffer": _buffer_state,
    "EventStream": _stream_state,
}


def same(ours: Any, theirs: Any, rtol: float = 0.0) -> bool:
    """Canonical forms equal, floats within ``rtol`` (NaN equals NaN; with ``rtol == 0`` the
    sign of zero counts too)."""
    if isinstance(ours, Float) and isinstance(theirs, Float):
        a, b = ours.value, theirs.value
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if rtol == 0.0 or math.isinf(a) or math.isinf(b):
            return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
        return abs(a - b) <= rtol * max(abs(a), abs(b))
    if isinstance(ours, Float) or isinstance(theirs, Float):
        return False
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        return (
            type(ours) is type(theirs)
            and len(ours) == len(theirs)
            and all(same(a, b, rtol) for a, b in zip(ours, theirs, strict=True))
        )
    return bool(type(ours) is type(theirs) and ours == theirs)


def outcome(call: Callable[[], Any], after: Callable[[Any], Any] | None = None) -> tuple[str, Any]:
    """``("value", canonical(result))`` or ``("raises", class)``; ``after(result)`` (say, the
    state of the object the call changed) is added to a value."""
    try:
        result = call()
        form = canonical(result)
    except Exception as error:
        return ("raises", type(error))
    return ("value", form)


def index_or(value: Any, default: int) -> int:
    try:
        return operator.index(value)
    except TypeError:
        return default
