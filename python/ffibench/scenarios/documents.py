"""Scenario 7, ``documents``: one nested record crossing the boundary as Python objects, JSON,
bincode and a zero-copy rkyv view, against ``json``, ``orjson``, ``msgspec``, ``pydantic`` and
``pickle``.

The document is :func:`ffibench.pure.documents.generate` of the size (about that many bytes of
JSON) and :data:`SEED`. Each operation is one direction of one path:

- ``from_dict`` / ``to_dict``: Python objects into the checked record and back;
- ``from_json`` / ``to_json``; ``from_bincode`` / ``to_bincode``;
- ``to_archive``; ``view:validate`` (opening a ``DocumentView``: the archive checked once) and
  ``view:read`` (``view["layers"][3]["shape"]``: one field read).

Every decoder reads the same bytes (the spec's JSON; the spec's bincode, the same bytes that
every backend writes), except an anchor's, which reads its own format. Rates are in bytes of
the document's JSON per second whatever the path, so that paths compare; the ``bytes``
metric is the size of the encoded form (an encoder's result, a decoder's input).

Anchors, each with what a Python programmer would write for that direction:

- ``json``: ``json.loads`` (and ``json.dumps`` is the spec's own ``to_json``);
- ``orjson``: ``orjson.loads`` / ``orjson.dumps`` of the dict;
- ``msgspec``: ``msgspec.json`` untyped; ``msgspec:struct``: a typed ``msgspec.Struct`` that
  validates on decode (``msgspec.convert`` from a dict, ``msgspec.json.decode(type=...)``);
  ``msgspec:msgpack``: MessagePack, its binary format, beside bincode;
- ``pydantic``: a pydantic v2 model (``model_validate``, ``model_validate_json``,
  ``model_dump``, its serializer's ``to_json``): Rust through PyO3 itself;
- ``pickle``: protocol 5, beside bincode.

An anchor's ``to_dict`` is how it gets a dict back from the form it keeps the document in
(bytes for the parsers, a model or a struct for the typed ones). The anchors check no more
than they do: ``orjson``, ``json`` and the untyped ``msgspec`` take any JSON, ``pickle`` any
object; the typed ones validate the types of the fields (``strict`` where it exists, so an int
is not a float), and pydantic's model also refuses NaN and infinity (``allow_inf_nan=False``).
"""

from __future__ import annotations

import json
import math
import pickle
import sys
from functools import cache
from typing import Any

from ffibench.pure.documents import (
    Document,
    decode_bincode,
    generate,
)
from ffibench.scenarios import Anchor, Operation, Scenario, Work

#: Sizes of the document (bytes of JSON, about): a full run and ``--quick``. A document of
#: 10 MB (seconds to build for every measuring process) showed nothing 1 MB does not.
SIZES = (1_000, 10_000, 1_000_000)
QUICK_SIZES = (10_000,)
SEED = 20_261_207
#: The field ``view:read`` reads: one layer's shape.
READ = 'a0["layers"][3]["shape"]'

# -- inputs -----------------------------------------------------------------------------------


@cache
def document(size: int) -> dict[str, Any]:
    """The document of ``size`` (never changed by a participant: each builds its own)."""
    return generate(size, SEED)


@cache
def json_bytes(size: int) -> bytes:
    """The spec's JSON of the document."""
    return Document.from_dict(document(size)).to_json()


@cache
def bincode_bytes(size: int) -> bytes:
    """The document's bincode (the same bytes from every backend)."""
    return Document.from_dict(document(size)).to_bincode()


def json_size(size: int | None) -> int:
    """The bytes of the document's JSON: the unit of every rate of this scenario."""
    return len(json_bytes(size or 0))


# -- checks -----------------------------------------------------------------------------------


def same_record(result: object, expected: object) -> bool:
    """Equal documents: the same types everywhere (``True`` is not ``1``, ``1.0`` not ``1``),
    floats equal bit for bit (``-0.0`` is not ``0.0``), dicts with the same keys in the same
    order."""
    if type(result) is not type(expected):
        return False
    if isinstance(expected, float):
        return math.copysign(1.0, result) == math.copysign(1.0, expected) and (  # type: ignore[arg-type]
            result == expected or (math.isnan(result) and math.isnan(expected))  # type: ignore[arg-type]
        )
    if isinstance(expected, dict):
        assert isinstance(result, dict)
        return list(result) == list(expected) and all(
            same_record(result[key], expected[key]) for key in expected
        )
    if isinstance(expected, list):
        assert isinstance(result, list)
        return len(result) == len(expected) and all(
            same_record(a, b) for a, b in zip(result, expected, strict=True)
        )
    return result == expected


def as_record(value: object) -> Any:
    """The document a participant's answer holds, as plain data: a dict as it is; a document
    through its JSON (every backend has ``to_json``); a view through ``to_dict``; a msgspec
    struct or a pydantic model through its own ``to_builtins`` or ``model_dump``; bytes by
    their format (JSON, pickle, MessagePack, bincode, or an rkyv archive read by PyO3)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, bytes):
        return decode_any(value)
    to_json = getattr(value, "to_json", None)
    if to_json is not None:
        return json.loads(to_json())
    if hasattr(value, "model_dump"):
        return value.model_dump()
    import msgspec

    if isinstance(value, msgspec.Struct):
        return msgspec.to_builtins(value)
    return value.to_dict()  # type: ignore[attr-defined]


def decode_any(data: bytes) -> Any:
    """The document in ``data``, whatever its format: JSON (``{``), pickle (protocol 2 or
    later: ``0x80``), MessagePack (a map of 9: ``0x89``), else bincode or an rkyv archive
    (PyO3's view reads those that are not bincode)."""
    if data[:1] == b"{":
        return json.loads(data)
    if data[:1] == b"\x80":
        return pickle.loads(data)  # our own pickles, made in this run
    if data[:1] == b"\x89":
        import msgspec

        return msgspec.msgpack.decode(data)
    try:
        return decode_bincode(data)
    except ValueError:
        from ffibench.backends.pyo3.documents import DocumentView as RustView

        return RustView(data).to_dict()


def same_document(result: object, expected: object) -> bool:
    """The same document, whatever form each answer has (see :func:`as_record`)."""
    return same_record(as_record(result), as_record(expected))


# -- the anchors ------------------------------------------------------------------------------


class JsonDocument:
    """``json``: the document kept as JSON bytes; ``json.loads`` to get the dict back."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JsonDocument:
        return cls(json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode())

    @classmethod
    def from_json(cls, data: bytes) -> dict[str, Any]:
        return json.loads(data)  # type: ignore[no-any-return]

    @classmethod
    def own_document(cls, data: bytes) -> JsonDocument:
        return cls(data)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.data)  # type: ignore[no-any-return]


def _orjson() -> type | None:
    try:
        import orjson
    except ImportError:
        return None

    return _json_library(
        "``orjson``: the document kept as JSON bytes (``orjson.dumps``); ``orjson.loads``.",
        orjson.loads,
        orjson.dumps,
    )


def _json_library(doc: str, loads: Any, dumps: Any) -> type:
    """The anchor class of a JSON library (orjson, msgspec untyped): the document kept as JSON
    bytes and as the record ``loads`` made of them; ``to_json`` is ``dumps`` of the record."""

    class JsonLibraryDocument:
        __slots__ = ("data", "record")

        def __init__(self, data: bytes, record: Any = None) -> None:
            self.data = data
            self.record = record

        @staticmethod
        def from_json(data: bytes) -> Any:
            return loads(data)

        @classmethod
        def own_document(cls, data: bytes) -> Any:
            return cls(data, loads(data))

        def to_dict(self) -> Any:
            return loads(self.data)

        def to_json(self) -> bytes:
            return dumps(self.record)  # type: ignore[no-any-return]

    JsonLibraryDocument.__doc__ = doc
    return JsonLibraryDocument


def _msgspec() -> dict[str, type]:
    try:
        import msgspec
    except ImportError:
        return {}

    from ffibench.scenarios._documents_models import StructDocument as Model

    json_encoder = msgspec.json.Encoder()
    json_decoder = msgspec.json.Decoder()
    typed_decoder = msgspec.json.Decoder(Model, strict=True)
    pack = msgspec.msgpack.Encoder()
    unpack = msgspec.msgpack.Decoder()

    MsgspecDocument = _json_library(
        "``msgspec.json`` untyped: the document kept as JSON bytes.",
        json_decoder.decode,
        json_encoder.encode,
    )

    class MsgspecStruct:
        """``msgspec`` with the typed ``Model``: validated on the way in."""

        __slots__ = ()

        @staticmethod
        def from_dict(d: dict[str, Any]) -> Any:
            return msgspec.convert(d, Model, strict=True)

        @staticmethod
        def from_json(data: bytes) -> Any:
            return typed_decoder.decode(data)

        @staticmethod
        def own_document(data: bytes) -> Any:
            return StructDocument(typed_decoder.decode(data))

    class StructDocument:
        """A decoded ``Model`` with the methods the operations call."""

        __slots__ = ("model",)

        def __init__(self, model: Any) -> None:
            self.model = model

        def to_dict(self) -> Any:
            return msgspec.to_builtins(self.model)

        def to_json(self) -> bytes:
            return json_encoder.encode(self.model)

    class MsgpackDocument:
        """``msgspec.msgpack``: MessagePack, the binary format msgspec speaks."""

        __slots__ = ("record",)

        def __init__(self, record: Any) -> None:
            self.record = record

        @classmethod
        def own_document(cls, data: bytes) -> MsgpackDocument:
            return cls(json_decoder.decode(data))

        @staticmethod
        def own_input(d: dict[str, Any]) -> bytes:
            return pack.encode(d)

        @staticmethod
        def from_bincode(data: bytes) -> Any:
            return unpack.decode(data)

        def to_bincode(self) -> bytes:
            return pack.encode(self.record)

    return {
        "msgspec": MsgspecDocument,
        "msgspec:struct": MsgspecStruct,
        "msgspec:msgpack": MsgpackDocument,
    }


def _pydantic() -> type | None:
    try:
        from ffibench.scenarios._documents_models import ModelDocument as Model
    except ImportError:
        return None

    serializer = Model.__pydantic_serializer__

    class PydanticDocument:
        """``pydantic``: validate into the model; ``model_dump``; the serializer's JSON."""

        __slots__ = ("model",)

        def __init__(self, model: Any) -> None:
            self.model = model

        @staticmethod
        def from_dict(d: dict[str, Any]) -> Any:
            return Model.model_validate(d)

        @staticmethod
        def from_json(data: bytes) -> Any:
            return Model.model_validate_json(data)

        @classmethod
        def own_document(cls, data: bytes) -> PydanticDocument:
            return cls(Model.model_validate_json(data))

        def to_dict(self) -> Any:
            return self.model.model_dump()

        def to_json(self) -> bytes:
            return serializer.to_json(self.model)  # type: ignore[no-any-return]

    return PydanticDocument


class PickleDocument:
    """``pickle``, protocol 5: the document kept as a pickle; ``pickle.loads`` to get it back
    (safe only for data one wrote oneself: a pickle runs code)."""

    __slots__ = ("data", "record")

    def __init__(self, data: bytes, record: Any = None) -> None:
        self.data = data
        self.record = record

    @classmethod
    def own_document(cls, data: bytes) -> PickleDocument:
        record = json.loads(data)
        return cls(pickle.dumps(record, protocol=5), record)

    @staticmethod
    def own_input(d: dict[str, Any]) -> bytes:
        return pickle.dumps(d, protocol=5)

    @staticmethod
    def from_bincode(data: bytes) -> Any:
        return pickle.loads(data)

    def to_bincode(self) -> bytes:
        return pickle.dumps(self.record, protocol=5)

    def to_dict(self) -> Any:
        return pickle.loads(self.data)


# -- operations -------------------------------------------------------------------------------


def _work() -> Work:
    return Work(amount=json_size, unit="bytes")


def _from_json_document(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The participant's own document made from the spec's JSON (an anchor's ``own_document``:
    the form it keeps the document in)."""
    make = getattr(cls, "own_document", None) or cls.from_json
    return (make(args[0]),)


def _own_bincode(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The spec's bincode, or an anchor's own binary encoding of the same document."""
    own = getattr(cls, "own_input", None)
    return (args[0],) if own is None else (own(document(args[1])),)


def _archive(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The archive that the view class's own backend writes (Rust backends: rkyv)."""
    module = sys.modules[cls.__module__]
    return (module.Document.from_json(args[0]).to_archive(),)


def _view(cls: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (cls(_archive(cls, args)[0]),)


def _result_size(args: tuple[Any, ...], answer: Any) -> int:
    return len(answer)


def _input_size(args: tuple[Any, ...], answer: Any) -> int:
    return len(args[0])


def _operations() -> tuple[Operation, ...]:
    sized: dict[str, Any] = {"sizes": SIZES, "quick_sizes": QUICK_SIZES, "size_unit": "bytes"}
    return (
        Operation(
            "from_dict",
            "Document.from_dict(d): Python objects into the checked record (no text between)",
            make_args=lambda size: (document(size or 0),),
            function="Document",
            statement="function.from_dict(a0)",
            compare=same_document,
            work=_work(),
            **sized,
        ),
        Operation(
            "to_dict",
            "doc.to_dict(): the record as new Python objects (anchors: from the form they keep)",
            make_args=lambda size: (json_bytes(size or 0),),
            function="Document",
            setup=_from_json_document,
            statement="a0.to_dict()",
            compare=same_record,
            work=_work(),
            **sized,
        ),
        Operation(
            "from_json",
            "Document.from_json(data): JSON bytes into the checked record",
            make_args=lambda size: (json_bytes(size or 0),),
            function="Document",
            statement="function.from_json(a0)",
            compare=same_document,
            work=_work(),
            encoded_size=_input_size,
            **sized,
        ),
        Operation(
            "to_json",
            "doc.to_json(): the record as compact UTF-8 JSON bytes",
            make_args=lambda size: (json_bytes(size or 0),),
            function="Document",
            setup=_from_json_document,
            statement="a0.to_json()",
            compare=same_document,
            work=_work(),
            encoded_size=_result_size,
            **sized,
        ),
        Operation(
            "from_bincode",
            "Document.from_bincode(data): bincode bytes into the checked record (pure Python: "
            "a struct decoder)",
            make_args=lambda size: (bincode_bytes(size or 0), size or 0),
            function="Document",
            setup=_own_bincode,
            statement="function.from_bincode(a0)",
            compare=same_document,
            work=_work(),
            encoded_size=_input_size,
            **sized,
        ),
        Operation(
            "to_bincode",
            "doc.to_bincode(): the record as bincode bytes",
            make_args=lambda size: (json_bytes(size or 0),),
            function="Document",
            setup=_from_json_document,
            statement="a0.to_bincode()",
            compare=same_document,
            work=_work(),
            encoded_size=_result_size,
            **sized,
        ),
        Operation(
            "to_archive",
            "doc.to_archive(): the record as an rkyv archive (pure Python: its JSON)",
            make_args=lambda size: (json_bytes(size or 0),),
            function="Document",
            setup=_from_json_document,
            statement="a0.to_archive()",
            compare=same_document,
            work=_work(),
            encoded_size=_result_size,
            **sized,
        ),
        Operation(
            "view:validate",
            "DocumentView(archive): the archive checked once, nothing read (pure Python: "
            "parse and check the JSON)",
            make_args=lambda size: (json_bytes(size or 0),),
            function="DocumentView",
            setup=_archive,
            statement="function(a0)",
            compare=same_document,
            work=_work(),
            encoded_size=_input_size,
            **sized,
        ),
        Operation(
            "view:read",
            f"{READ.replace('a0', 'view')}: one field of a validated view",
            make_args=lambda size: (json_bytes(size or 0),),
            function="DocumentView",
            setup=_view,
            statement=READ,
            work=Work(amount=lambda size: 1, unit="items"),
            **sized,
        ),
    )


def _anchors() -> tuple[Anchor, ...]:
    anchors = [
        Anchor(
            "json",
            "the standard library: json.loads (json.dumps is the spec's own to_json)",
            {"to_dict": JsonDocument, "from_json": JsonDocument},
        )
    ]
    orjson = _orjson()
    if orjson is not None:
        anchors.append(
            Anchor(
                "orjson",
                "orjson.loads / orjson.dumps of the dict (no validation)",
                dict.fromkeys(("to_dict", "from_json", "to_json"), orjson),
            )
        )
    typed = _msgspec()
    if typed:
        anchors += [
            Anchor(
                "msgspec",
                "msgspec.json, untyped (no validation)",
                dict.fromkeys(("to_dict", "from_json", "to_json"), typed["msgspec"]),
            ),
            Anchor(
                "msgspec:struct",
                "a typed msgspec.Struct, strict: msgspec.convert from a dict, "
                "msgspec.json.decode(type=...), to_builtins, encode",
                dict.fromkeys(
                    ("from_dict", "to_dict", "from_json", "to_json"), typed["msgspec:struct"]
                ),
            ),
            Anchor(
                "msgspec:msgpack",
                "MessagePack through msgspec.msgpack, beside bincode",
                dict.fromkeys(("from_bincode", "to_bincode"), typed["msgspec:msgpack"]),
            ),
        ]
    pydantic = _pydantic()
    if pydantic is not None:
        anchors.append(
            Anchor(
                "pydantic",
                "a strict pydantic v2 model: model_validate, model_validate_json, model_dump, "
                "its serializer's to_json",
                dict.fromkeys(("from_dict", "to_dict", "from_json", "to_json"), pydantic),
            )
        )
    anchors.append(
        Anchor(
            "pickle",
            "pickle protocol 5 of the dict, beside bincode (pickle.loads runs code: only for "
            "one's own data)",
            dict.fromkeys(("to_dict", "from_bincode", "to_bincode"), PickleDocument),
        )
    )
    return tuple(anchors)


SCENARIO = Scenario(
    name="documents",
    title="A nested record as Python objects, JSON, bincode and a zero-copy view",
    question=(
        "How should a nested record cross the boundary: as Python objects, JSON, bincode or a "
        "zero-copy view, and against orjson, msgspec and pydantic?"
    ),
    operations=_operations(),
    anchors=_anchors(),
)

__all__ = [
    "SCENARIO",
    "as_record",
    "bincode_bytes",
    "decode_any",
    "document",
    "json_bytes",
    "same_document",
    "same_record",
]
