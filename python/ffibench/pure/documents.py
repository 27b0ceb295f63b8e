"""Scenario 7, ``documents``: the specification of one nested record and of the ways it crosses
a boundary — as Python objects, as JSON, as bincode and as a zero-copy archive.

The record
    A document is a dict with exactly these keys (no other, none missing; in any order)::

        name             str
        version          int
        created          str            (a timestamp as text; its format is not checked)
        description      str or None
        parent           str or None
        hyperparameters  dict of str -> int, float, str or bool
        layers           list of dicts with exactly the keys
                             name str, kind str, shape list of int, parameters int
        metrics          dict of str -> list of float
        tags             list of str

    ``str`` means a ``str`` (a subclass is read as the text it holds) that UTF-8 can encode
    (a lone surrogate is refused); ``int`` an ``int`` that is not a ``bool`` (a subclass read
    as its value), from ``-2**63`` to ``2**63 - 1``; ``float`` a ``float`` (an ``int`` is
    *not* a float: JSON's ``1`` is refused where a float is due, ``1.0`` accepted), finite;
    ``bool`` a ``bool``; ``list`` a ``list`` and ``dict`` a ``dict`` (subclasses accepted,
    read through ``list``'s and ``dict``'s own methods; a tuple is not a list). A map's keys
    are unique (a JSON object or a bincode map that repeats a key is refused) and keep their
    order. Every value that comes out (``to_dict``, a view's fields) is of the exact type
    named, in a new container.

NaN and infinity
    Refused everywhere, on the way in: ``from_dict``, ``from_json`` (JSON's ``NaN`` and
    ``Infinity`` tokens, and a literal such as ``1e400`` that overflows), ``from_bincode``
    and ``DocumentView`` all raise ``ValueError`` naming the field. Strict JSON cannot carry
    them (serde_json and orjson would write ``null``, ``json`` writes a token other parsers
    refuse), so a document that holds one could not round-trip through every path; refusing
    them once, at every entry, keeps every path lossless. Every other float round-trips bit
    for bit, ``-0.0``, subnormals and ``±1.7976931348623157e308`` included.

Errors
    Every fault of the content raises ``ValueError`` saying where: the path of the field in
    ``from_dict`` (``layers[3].shape[1]: expected int, got str``; ``hyperparameters.lr`` for
    a map's entry; ``document`` for the record itself), and for encoded input the path
    and/or the position the decoder reached (a line and column of JSON, a byte offset of
    bincode). That includes wrong types, out-of-range ints, invalid UTF-8, truncated or
    corrupted data, trailing data, nesting too deep and length prefixes that claim more than
    the input holds — which are refused before anything of that length is allocated. Only
    the wrong type of an argument itself raises ``TypeError`` (``from_json`` of a list).

Paths
    ``Document.from_dict(d)`` / ``doc.to_dict()``: Python objects straight to the record and
    back. ``Document.from_json(data)`` / ``doc.to_json()``: compact UTF-8 JSON
    (``bytes``; ``from_json`` also takes a ``str``); the text of floats may differ between
    backends (``1e+16`` here, ``1e16`` from serde_json), the values never do. A JSON number
    written without a fraction or exponent is read as serde_json reads it: an int from
    ``-2**63`` to ``2**64 - 1`` (then checked as any int), except ``-0``, which is the float
    ``-0.0``, and beyond that range the nearest float — so ``"version": -0`` and
    ``"version": 18446744073709551616`` are refused (expected int, got float), and ``-0`` or
    ``1e23`` written as ``100000000000000000000000`` in a float series are accepted.
    ``Document.from_bincode(data)`` / ``doc.to_bincode()``: bincode 2's ``standard()``
    configuration through serde, the same bytes from every backend (:func:`encode_bincode`
    writes them and :func:`decode_bincode` reads them here, with ``struct``). ``doc.to_archive()``
    / ``DocumentView(data)``: an archive read lazily; in the Rust backends an rkyv 0.8 archive
    validated once (bytecheck, then finite floats and unique keys) and then read in place, one
    field at a time. There is no archive format in Python: here the archive is the document's
    JSON, and ``DocumentView`` parses and validates all of it at once — what a Python program
    does without one.

The view
    ``view[field]`` reads one field: a str, int, float, bool or None as its value, ``shape``
    as a new list of ints, and the document's lists and maps (``hyperparameters``,
    ``layers``, a layer, ``metrics``, a metric's values, ``tags``) as something that reads like
    the list or dict it stands for: ``len``, indexing (a list's by an int, negative counted
    from the end, ``IndexError`` past it; a map's or a layer's by a str key, ``KeyError``
    for one it lacks, whatever its type), and iteration (a list's items, a map's keys).
    Here they are new lists and dicts (a map's a ``dict`` subclass for the ``KeyError``)
    made from the parsed record each time; the Rust backends return views that read the
    archive on demand. ``view.to_dict()`` is the whole
    document. Slicing is not part of the contract.

bincode, byte by byte
    Integers are varints: an unsigned value below 251 is one byte; otherwise a byte 251, 252
    or 253 followed by the value as a little-endian ``u16``, ``u32`` or ``u64`` (254, a
    ``u128``, and 255 are refused). A signed ``i64`` is zigzagged first (``0, -1, 1, -2`` ->
    ``0, 1, 2, 3``). A ``f64`` is 8 bytes, little-endian. A ``bool`` is a byte 0 or 1. A str
    is its byte length (a varint) and its UTF-8 bytes. An optional value is a byte 0 (None)
    or 1 and the value. A list is its length and its items; a map its length and its
    key-value pairs. A hyperparameter is a variant index (a varint of a ``u32``: 0 int,
    1 float, 2 str, 3 bool) and the value. A record is its fields in the order of the table
    above, with no names. Nothing may follow the document.

Objects
    ``Document()`` (or ``Document.__new__(Document)``) is the empty document: ``""``, ``0``,
    ``""``, ``None``, ``None``, ``{}``, ``[]``, ``{}``, ``[]``. A document is immutable; copies
    and pickles are new documents, rebuilt from its JSON (a view's, from its archive). Neither
    class can be subclassed (``TypeError``), as a frozen Rust type cannot hand a subclass its
    value.

:func:`generate` makes the document of a size: about ``size`` bytes of JSON, the same from a
seed in every backend (the counter-based SplitMix64 of scenario 3,
:func:`ffibench.pure.arrays.draw`).
"""

from __future__ import annotations

import json
import math
import operator
import struct
from collections.abc import Callable, Iterator
from typing import Any

from ffibench.pure.arrays import draw
from ffibench.pure.basic import shown_int

__all__ = [
    "FIELDS",
    "LAYER_FIELDS",
    "MAX_SIZE",
    "Document",
    "DocumentView",
    "check_document",
    "check_generate",
    "decode_bincode",
    "encode_bincode",
    "generate",
]

#: The keys of a document, in the order of every output (``to_dict``, JSON, bincode).
FIELDS = (
    "name", "version", "created", "description", "parent", "hyperparameters", "layers",
    "metrics", "tags",
)  # fmt: skip
#: The keys of a layer, in order.
LAYER_FIELDS = ("name", "kind", "shape", "parameters")
#: The largest size :func:`generate` makes (bytes of JSON).
MAX_SIZE = 1 << 32

_MASK = (1 << 64) - 1
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_SHOWN_BITS = 128  # an int longer than this is shown by its size in a message

# -- generate ---------------------------------------------------------------------------------

#: The kinds of the generated layers.
KINDS = ("dense", "conv2d", "attention", "norm", "embedding", "dropout")
#: Some tags are words outside ASCII (two, three and four UTF-8 bytes a character).
TAG_WORDS = ("baseline", "größe", "模型", "fine-tuned", "🚀", "café", "experimental")
#: The names of the first metrics; later ones are ``metric_<i>``.
METRIC_NAMES = ("loss", "accuracy", "val_loss", "val_accuracy")
#: The first values of the first metric: floats that a careless codec loses.
SPECIAL_FLOATS = (-0.0, 5e-324, 1.7976931348623157e308, -2.5e-08)


def check_generate(size: object, seed: object) -> tuple[int, int]:
    """``(size, seed)`` checked: ints, ``0 <= size <= MAX_SIZE`` (``ValueError``), the seed in
    ``0 .. 2**64 - 1`` (``OverflowError``)."""
    count = operator.index(size)  # type: ignore[arg-type]
    stream = operator.index(seed)  # type: ignore[arg-type]
    if not 0 <= count <= MAX_SIZE:
        raise ValueError(f"generate: size must be in 0 .. {MAX_SIZE}, got {shown_int(count)}")
    if not 0 <= stream <= _MASK:
        raise OverflowError(f"generate: seed = {shown_int(stream)} is not in 0 .. 2**64 - 1")
    return count, stream


def counts(size: int) -> tuple[int, int, int, int, int]:
    """How many hyperparameters, layers, metrics, values per metric and tags a document of
    ``size`` bytes has (about two fifths of its JSON are layers, two fifths metrics)."""
    hyperparameters = 4 + size // 2_800
    layers = 4 + size // 170
    metrics = 3 + size // 250_000
    points = max(4, size * 2 // 5 // (15 * metrics))
    tags = 2 + size // 5_600
    return hyperparameters, layers, metrics, points, tags


def generate(size: int, seed: int) -> dict[str, Any]:
    """The document of about ``size`` bytes of JSON made from ``seed``: plain Python data.

    Every value comes from ``draw(seed, i)`` for ``i = 0, 1, 2...`` in the order of the code
    below (the Rust backends make the same document bit for bit).

    Examples
    --------
    >>> d = generate(1_000, 7)
    >>> d["name"], d["layers"][0]["kind"], d["metrics"]["loss"][:3]
    ('model-74487', 'dense', [-0.0, 5e-324, 1.7976931348623157e+308])
    """
    size, seed = check_generate(size, seed)
    n_hyper, n_layers, n_metrics, points, n_tags = counts(size)
    index = 0

    def next_draw() -> int:
        nonlocal index
        index += 1
        return draw(seed, index - 1)

    def next_uniform() -> float:
        return (next_draw() >> 11) * 2.0**-53

    name = f"model-{next_draw() % 100_000:05d}"
    version = next_draw() % 1_000
    d = next_draw()
    created = (
        f"2026-{1 + d % 12:02d}-{1 + (d >> 8) % 28:02d}T{(d >> 16) % 24:02d}:"
        f"{(d >> 24) % 60:02d}:{(d >> 32) % 60:02d}Z"
    )
    d = next_draw()
    description = f"A generated model card — {n_layers} layers" if d & 1 else None
    parent = f"model-{(d >> 8) % 100_000:05d}" if d & 2 else None
    hyperparameters: dict[str, Any] = {}
    for i in range(n_hyper):
        d = next_draw()
        rest = d >> 2
        value: Any
        if d % 4 == 0:
            value = rest % 2_000_001 - 1_000_000
        elif d % 4 == 1:
            value = next_uniform() * 20.0 - 10.0
        elif d % 4 == 2:
            value = f"value-{rest % 1_000}"
        else:
            value = bool(rest & 1)
        hyperparameters[f"param_{i}"] = value
    layers = []
    for i in range(n_layers):
        d = next_draw()
        shape = [1 + (d >> (8 + 10 * j)) % 1_024 for j in range(1 + d % 4)]
        layers.append(
            {
                "name": f"layer_{i}",
                "kind": KINDS[(d >> 48) % len(KINDS)],
                "shape": shape,
                "parameters": math.prod(shape),
            }
        )
    metrics = {}
    for m in range(n_metrics):
        values = [next_uniform() * 2.0 - 0.5 for _ in range(points)]
        if m == 0:
            values[: len(SPECIAL_FLOATS)] = SPECIAL_FLOATS
        metrics[METRIC_NAMES[m] if m < len(METRIC_NAMES) else f"metric_{m}"] = values
    tags = []
    for _ in range(n_tags):
        d = next_draw()
        tags.append(TAG_WORDS[(d >> 2) % len(TAG_WORDS)] if d % 3 == 0 else f"tag-{d % 500}")
    return {
        "name": name,
        "version": version,
        "created": created,
        "description": description,
        "parent": parent,
        "hyperparameters": hyperparameters,
        "layers": layers,
        "metrics": metrics,
        "tags": tags,
    }


# -- validation -------------------------------------------------------------------------------


def _expected(path: str, what: str, value: object) -> ValueError:
    return ValueError(f"{path}: expected {what}, got {type(value).__name__}")


def _text(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise _expected(path, "str", value)
    text = str.__str__(value)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{path}: str is not valid UTF-8 (a lone surrogate)") from None
    return text


def _integer(value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _expected(path, "int", value)
    number = int.__index__(value)
    if not _I64_MIN <= number <= _I64_MAX:
        shown = shown_int(number, _SHOWN_BITS)
        raise ValueError(f"{path}: {shown} does not fit a signed 64-bit integer")
    return number


def _float(value: object, path: str) -> float:
    if not isinstance(value, float):
        raise _expected(path, "float", value)
    number = float.__float__(value)
    if not math.isfinite(number):
        raise ValueError(f"{path}: {number!r} is not finite (NaN and infinity are refused)")
    return number


def _optional_text(value: object, path: str) -> str | None:
    return None if value is None else _text(value, path)


def _hyperparameter(value: object, path: str) -> int | float | str | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _integer(value, path)
    if isinstance(value, float):
        return _float(value, path)
    if isinstance(value, str):
        return _text(value, path)
    raise _expected(path, "int, float, str or bool", value)


def _list(value: object, path: str, item: Callable[[Any, str], Any]) -> list[Any]:
    if not isinstance(value, list):
        raise _expected(path, "list", value)
    return [item(element, f"{path}[{i}]") for i, element in enumerate(list.__iter__(value))]


def _map(value: object, path: str, item: Callable[[Any, str], Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _expected(path, "dict", value)
    checked: dict[str, Any] = {}
    for key, element in dict.items(value):
        name = _text(key, f"{path} (a key)")
        if name in checked:
            # two keys of one text (a str subclass with its own __hash__ or __eq__)
            raise ValueError(f"{path}: duplicate key {name!r}")
        checked[name] = item(element, f"{path}.{name}")
    return checked


def _fields(value: object, fields: tuple[str, ...], path: str) -> list[Any]:
    """The values of a record's ``fields`` in order: a dict with exactly those keys."""
    if not isinstance(value, dict):
        raise _expected(path, "dict", value)
    # By the keys' text, one by one: a str subclass with its own __hash__ or __eq__ is
    # neither found by ``dict.get`` nor unlike the field it spells.
    found: dict[str, Any] = {}
    extra: list[object] = []
    for key, item in dict.items(value):
        name = str.__str__(key) if isinstance(key, str) else None
        if name is None or name not in fields:
            extra.append(key if name is None else name)
        elif name in found:
            raise ValueError(f"{path}: duplicate field {name!r}")
        else:
            found[name] = item
    for field in fields:
        if field not in found:
            raise ValueError(f"{path}: missing field {field!r}")
    if extra:
        raise ValueError(f"{path}: unknown field {extra[0]!r}")
    return [found[field] for field in fields]


def _layer(value: object, path: str) -> dict[str, Any]:
    name, kind, shape, parameters = _fields(value, LAYER_FIELDS, path)
    return {
        "name": _text(name, f"{path}.name"),
        "kind": _text(kind, f"{path}.kind"),
        "shape": _list(shape, f"{path}.shape", _integer),
        "parameters": _integer(parameters, f"{path}.parameters"),
    }


def _floats(value: object, path: str) -> list[float]:
    return _list(value, path, _float)


def check_document(value: object, path: str = "document") -> dict[str, Any]:
    """``value`` checked as a document (see the module docstring): a new dict of exact types,
    its keys in :data:`FIELDS` order; ``ValueError`` naming the first field at fault."""
    fields = _fields(value, FIELDS, path)
    name, version, created, description, parent, hyper, layers, metrics, tags = fields
    return {
        "name": _text(name, "name"),
        "version": _integer(version, "version"),
        "created": _text(created, "created"),
        "description": _optional_text(description, "description"),
        "parent": _optional_text(parent, "parent"),
        "hyperparameters": _map(hyper, "hyperparameters", _hyperparameter),
        "layers": _list(layers, "layers", _layer),
        "metrics": _map(metrics, "metrics", _floats),
        "tags": _list(tags, "tags", _text),
    }


def _copy(record: dict[str, Any]) -> dict[str, Any]:
    """A new dict of new containers (the immutable values shared)."""
    return {
        **record,
        "hyperparameters": dict(record["hyperparameters"]),
        "layers": [{**layer, "shape": list(layer["shape"])} for layer in record["layers"]],
        "metrics": {key: list(values) for key, values in record["metrics"].items()},
        "tags": list(record["tags"]),
    }


# -- JSON -------------------------------------------------------------------------------------


def _no_constant(token: str) -> None:
    raise ValueError(f"{token} is not JSON: NaN and infinity are refused")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r} in a JSON object")
            seen.add(key)
    return found


def _parse_int(token: str) -> int | float:
    """A JSON integer literal as serde_json reads it: an ``int`` from ``-2**63`` to
    ``2**64 - 1``, except ``-0``, which is the float ``-0.0``; beyond that range the float
    nearest to it (so ``-0`` and ``18446744073709551616`` are floats: refused where an int is
    due, accepted where a float is)."""
    number = int(token)
    if token == "-0" or not _I64_MIN <= number <= _MASK:
        return float(token)
    return number


def _parse_json(data: object) -> Any:
    if isinstance(data, bytes):
        try:
            text = bytes.decode(data, "utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"invalid UTF-8 at byte {error.start}: {error.reason}") from None
    elif isinstance(data, str):
        text = str.__str__(data)
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError(
                    f"str is not valid UTF-8 (a lone surrogate at {error.start})"
                ) from None
    else:
        raise TypeError(f"data must be bytes or str, not {type(data).__name__}")
    try:
        return json.loads(
            text,
            parse_constant=_no_constant,
            parse_int=_parse_int,
            object_pairs_hook=_unique_pairs,
        )
    except json.JSONDecodeError as error:
        raise ValueError(
            f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise ValueError(
            "invalid JSON: nested deeper than Python's recursion limit (a document is 4 deep)"
        ) from None


def _dump_json(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


# -- bincode ----------------------------------------------------------------------------------

_U16, _U32, _U64 = struct.Struct("<H"), struct.Struct("<I"), struct.Struct("<Q")
_F64 = struct.Struct("<d")


def _varint(value: int, out: bytearray) -> None:
    if value < 251:
        out.append(value)
    elif value < 1 << 16:
        out.append(251)
        out += _U16.pack(value)
    elif value < 1 << 32:
        out.append(252)
        out += _U32.pack(value)
    else:
        out.append(253)
        out += _U64.pack(value)


def _signed(value: int, out: bytearray) -> None:
    _varint(((value << 1) ^ (value >> 63)) & _MASK, out)


def _str(value: str, out: bytearray) -> None:
    data = value.encode("utf-8")
    _varint(len(data), out)
    out += data


def encode_bincode(record: dict[str, Any]) -> bytes:
    """A checked document (:func:`check_document`) as bincode (see the module docstring)."""
    out = bytearray()
    _str(record["name"], out)
    _signed(record["version"], out)
    _str(record["created"], out)
    for optional in (record["description"], record["parent"]):
        if optional is None:
            out.append(0)
        else:
            out.append(1)
            _str(optional, out)
    _varint(len(record["hyperparameters"]), out)
    for key, value in record["hyperparameters"].items():
        _str(key, out)
        if value is True or value is False:
            out += b"\x03\x01" if value else b"\x03\x00"
        elif isinstance(value, int):
            out.append(0)
            _signed(value, out)
        elif isinstance(value, float):
            out.append(1)
            out += _F64.pack(value)
        else:
            out.append(2)
            _str(value, out)
    _varint(len(record["layers"]), out)
    for layer in record["layers"]:
        _str(layer["name"], out)
        _str(layer["kind"], out)
        _varint(len(layer["shape"]), out)
        for dimension in layer["shape"]:
            _signed(dimension, out)
        _signed(layer["parameters"], out)
    _varint(len(record["metrics"]), out)
    for key, values in record["metrics"].items():
        _str(key, out)
        _varint(len(values), out)
        out += struct.pack(f"<{len(values)}d", *values)
    _varint(len(record["tags"]), out)
    for tag in record["tags"]:
        _str(tag, out)
    return bytes(out)


class _Reader:
    """A bincode reader over ``data`` that says where it failed: ``ValueError`` naming the
    field and the byte offset."""

    __slots__ = ("data", "position")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def fail(self, path: str, problem: str) -> ValueError:
        return ValueError(f"{path}: {problem} at byte {self.position}")

    def take(self, count: int, path: str) -> bytes:
        start = self.position
        if count > len(self.data) - start:
            raise self.fail(path, f"needs {count} bytes, {len(self.data) - start} left")
        self.position = start + count
        return self.data[start : start + count]

    def varint(self, path: str, largest: int = 253) -> int:
        data, position = self.data, self.position
        if position >= len(data):
            raise self.fail(path, "needs 1 byte, 0 left")
        first = data[position]
        if first < 251:
            self.position = position + 1
            return first
        if first > largest:
            raise self.fail(path, f"invalid varint marker {first}")
        self.position = position + 1
        size = {251: _U16, 252: _U32, 253: _U64}[first]
        return size.unpack(self.take(size.size, path))[0]  # type: ignore[no-any-return]

    def signed(self, path: str) -> int:
        n = self.varint(path)
        return (n >> 1) ^ -(n & 1)

    def length(self, path: str, smallest_item: int) -> int:
        """A length prefix, refused when its items could not fit in what is left."""
        start = self.position
        n = self.varint(path)
        if n * smallest_item > len(self.data) - self.position:
            self.position = start
            raise self.fail(path, f"claims {n} items, only {len(self.data) - start} bytes are left")
        return n

    def text(self, path: str) -> str:
        n = self.varint(path)
        start = self.position
        raw = self.take(n, path)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            self.position = start + error.start
            raise self.fail(path, f"invalid UTF-8 ({error.reason})") from None

    def flag(self, path: str) -> bool:
        byte = self.take(1, path)[0]
        if byte > 1:
            self.position -= 1
            raise self.fail(path, f"invalid bool or option tag {byte}")
        return byte == 1

    def real(self, path: str) -> float:
        value: float = _F64.unpack(self.take(8, path))[0]
        if not math.isfinite(value):
            self.position -= 8
            raise self.fail(path, f"{value!r} is not finite (NaN and infinity are refused)")
        return value

    def integer_list(self, path: str) -> list[int]:
        return [self.signed(f"{path}[{i}]") for i in range(self.length(path, 1))]

    def key(self, path: str, seen: dict[str, Any]) -> str:
        start = self.position
        key = self.text(f"{path} (a key)")
        if key in seen:
            self.position = start
            raise self.fail(path, f"duplicate key {key!r}")
        return key


def decode_bincode(data: bytes) -> dict[str, Any]:
    """A document from its bincode bytes (the module docstring's layout), checked as
    :func:`check_document` checks one; ``ValueError`` naming the field and the byte."""
    reader = _Reader(data)
    name = reader.text("name")
    version = reader.signed("version")
    created = reader.text("created")
    description = reader.text("description") if reader.flag("description") else None
    parent = reader.text("parent") if reader.flag("parent") else None
    hyperparameters: dict[str, Any] = {}
    for _ in range(reader.length("hyperparameters", 2)):
        key = reader.key("hyperparameters", hyperparameters)
        path = f"hyperparameters.{key}"
        start = reader.position
        variant = reader.varint(path, 252)
        if variant == 0:
            value: Any = reader.signed(path)
        elif variant == 1:
            value = reader.real(path)
        elif variant == 2:
            value = reader.text(path)
        elif variant == 3:
            value = reader.flag(path)
        else:
            reader.position = start
            raise reader.fail(path, f"unknown variant {variant} (0 int, 1 float, 2 str, 3 bool)")
        hyperparameters[key] = value
    layers = []
    for i in range(reader.length("layers", 4)):
        path = f"layers[{i}]"
        layers.append(
            {
                "name": reader.text(f"{path}.name"),
                "kind": reader.text(f"{path}.kind"),
                "shape": reader.integer_list(f"{path}.shape"),
                "parameters": reader.signed(f"{path}.parameters"),
            }
        )
    metrics: dict[str, list[float]] = {}
    for _ in range(reader.length("metrics", 2)):
        key = reader.key("metrics", metrics)
        path = f"metrics.{key}"
        count = reader.length(path, 8)
        start = reader.position
        values = list(struct.unpack_from(f"<{count}d", data, start))
        reader.position = start + 8 * count
        if not all(map(math.isfinite, values)):
            bad = next(i for i, value in enumerate(values) if not math.isfinite(value))
            reader.position = start + 8 * bad
            raise reader.fail(
                f"{path}[{bad}]", f"{values[bad]!r} is not finite (NaN and infinity are refused)"
            )
        metrics[key] = values
    tags = [reader.text(f"tags[{i}]") for i in range(reader.length("tags", 1))]
    if reader.position != len(data):
        raise reader.fail("document", f"{len(data) - reader.position} bytes follow the document")
    return {
        "name": name,
        "version": version,
        "created": created,
        "description": description,
        "parent": parent,
        "hyperparameters": hyperparameters,
        "layers": layers,
        "metrics": metrics,
        "tags": tags,
    }


def _check_bytes(data: object) -> bytes:
    if not isinstance(data, bytes):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    return bytes(memoryview(data))  # its bytes, not a subclass's __bytes__


# -- the classes ------------------------------------------------------------------------------

_EMPTY: dict[str, Any] = {
    "name": "", "version": 0, "created": "", "description": None, "parent": None,
    "hyperparameters": {}, "layers": [], "metrics": {}, "tags": [],
}  # fmt: skip


class Document:
    """One document, checked on the way in (see the module docstring).

    Examples
    --------
    >>> doc = Document.from_dict(generate(1_000, 7))
    >>> Document.from_json(doc.to_json()).to_dict() == doc.to_dict()
    True
    >>> Document.from_dict({**generate(1_000, 7), "version": "2"})
    Traceback (most recent call last):
    ...
    ValueError: version: expected int, got str
    """

    __slots__ = ("__weakref__", "_record")

    _record: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError("type 'Document' is not an acceptable base type")

    def __new__(cls) -> Document:
        document = super().__new__(cls)
        document._record = _EMPTY
        return document

    @classmethod
    def _of(cls, record: dict[str, Any]) -> Document:
        document = cls.__new__(cls)
        document._record = record
        return document

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        """The document of ``d``, checked field by field (``ValueError`` naming the path)."""
        return cls._of(check_document(d))

    def to_dict(self) -> dict[str, Any]:
        """The document as new Python objects of exact types, keys in :data:`FIELDS` order."""
        return _copy(self._record)

    @classmethod
    def from_json(cls, data: bytes | str) -> Document:
        """The document of a JSON text (UTF-8 ``bytes``, or ``str``)."""
        return cls._of(check_document(_parse_json(data)))

    def to_json(self) -> bytes:
        """Compact UTF-8 JSON (no spaces, non-ASCII characters as they are)."""
        return _dump_json(self._record)

    @classmethod
    def from_bincode(cls, data: bytes) -> Document:
        """The document of its bincode bytes (``bytes`` only)."""
        return cls._of(decode_bincode(_check_bytes(data)))

    def to_bincode(self) -> bytes:
        """bincode 2's ``standard()`` encoding (see the module docstring)."""
        return encode_bincode(self._record)

    def to_archive(self) -> bytes:
        """The archive :class:`DocumentView` reads: in pure Python, the JSON."""
        return self.to_json()

    def __repr__(self) -> str:
        record = self._record
        return (
            f"Document({record['name']!r}, version={record['version']}, "
            f"{len(record['layers'])} layers)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self).from_json, (self.to_json(),))


class _ViewMap(dict[str, Any]):
    """A map or a layer of the python view: a new dict whose lookup reads a key by its text,
    and of a key it lacks, whatever its type (``[1]`` included), raises ``KeyError``."""

    __slots__ = ()

    def __getitem__(self, key: object) -> Any:
        name = str.__str__(key) if isinstance(key, str) else None
        if name is None or not dict.__contains__(self, name):
            raise KeyError(key)
        return dict.__getitem__(self, name)


class DocumentView:
    """A document read field by field from an archive (see the module docstring): here the
    archive is JSON, parsed and checked whole when the view is made.

    Examples
    --------
    >>> view = DocumentView(Document.from_dict(generate(1_000, 7)).to_archive())
    >>> view["layers"][3]["shape"], len(view["tags"])
    ([357], 2)
    """

    __slots__ = ("__weakref__", "_data", "_record")

    _record: dict[str, Any]
    _data: bytes

    def __init_subclass__(cls, **kwargs: Any) -> None:
        raise TypeError("type 'DocumentView' is not an acceptable base type")

    def __new__(cls, data: bytes | bytearray | memoryview) -> DocumentView:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(
                f"data must be bytes, bytearray or memoryview, not {type(data).__name__}"
            )
        # its bytes, whatever the memoryview's format or a subclass's __bytes__ says
        raw = bytes(memoryview(data))
        view = super().__new__(cls)
        view._record = check_document(_parse_json(raw))
        view._data = raw
        return view

    def __getitem__(self, field: str) -> Any:
        name = str.__str__(field) if isinstance(field, str) else None
        if name not in FIELDS:
            raise KeyError(field)
        value = self._record[name]
        # a new container each time, as a Rust view builds one: the view's own never leaks
        if name == "layers":
            return [_ViewMap({**layer, "shape": list(layer["shape"])}) for layer in value]
        if name == "metrics":
            return _ViewMap({key: list(values) for key, values in value.items()})
        if name == "hyperparameters":
            return _ViewMap(value)
        if isinstance(value, list):
            return list(value)
        return value

    def __len__(self) -> int:
        return len(FIELDS)

    def __iter__(self) -> Iterator[str]:
        return iter(FIELDS)

    def keys(self) -> list[str]:
        """The document's fields, in order."""
        return list(FIELDS)

    def to_dict(self) -> dict[str, Any]:
        """The whole document as new Python objects."""
        return _copy(self._record)

    def __repr__(self) -> str:
        return f"DocumentView({len(self._data)} bytes)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._data,))
