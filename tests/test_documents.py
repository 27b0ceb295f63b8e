"""Scenario 7: every backend's documents round-trip through every path they offer, bit for bit;
the bincode bytes of each decode in every other and in the spec's struct decoder; bad and
hostile input raises ValueError saying where, under an address-space limit; the view reads
what the document holds; copies, pickles, threads and many cycles are safe."""

from __future__ import annotations

import copy
import doctest
import json
import math
import pickle
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ffibench
from conftest import RUST_BACKENDS
from ffibench import scenarios
from ffibench.pure import documents as spec
from ffibench.scenarios import documents as documents_scenario
from ffibench.scenarios.documents import same_record
from probes import rss_growth_kib, run_probe

SCENARIO = scenarios.get("documents")
C_ABI = ["ctypes", "cffi_abi", "cffi_api"]
#: The backends with Python objects on both sides of the boundary (and a view).
DIRECT = ["python", "pyo3"]


def module(name: str) -> Any:
    return getattr(ffibench.backend(name), "documents")  # noqa: B009


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(spec, optionflags=doctest.ELLIPSIS).failed == 0


# --- generate --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1_000, 25_000, 300_000])
@pytest.mark.parametrize("seed", [0, 7, 2**64 - 1])
def test_every_backend_generates_the_specs_document(size: int, seed: int) -> None:
    expected = spec.generate(size, seed)
    for name in RUST_BACKENDS:
        assert same_record(module(name).generate(size, seed), expected), name


def test_generated_sizes_are_about_right() -> None:
    for size in (10_000, 1_000_000):
        length = len(spec.Document.from_dict(spec.generate(size, 1)).to_json())
        assert 0.9 * size < length < 1.1 * size
    loss = spec.generate(1_000, 1)["metrics"]["loss"]
    assert [struct.pack("<d", x) for x in loss[:4]] == [
        struct.pack("<d", x) for x in spec.SPECIAL_FLOATS
    ]


@pytest.mark.parametrize(
    ("size", "seed", "error"),
    [
        (-1, 0, ValueError),
        (spec.MAX_SIZE + 1, 0, ValueError),
        (2**70, 0, ValueError),
        (1, -1, OverflowError),
        (1, 2**64, OverflowError),
        (1.5, 0, TypeError),
        (1, "7", TypeError),
    ],
)
def test_bad_generate_arguments(size: Any, seed: Any, error: type[Exception]) -> None:
    for name in ffibench.BACKENDS:
        with pytest.raises(error):
            module(name).generate(size, seed)


# --- round trips -----------------------------------------------------------------------------

SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
           -1.7976931348623157e308, 0.1, 1e16, 1e-7, 123456789.125, 2.0**53 + 2]  # fmt: skip


def _fixed() -> dict[str, Any]:
    return {
        "name": 'ünïcode 🚀 \x00 "quoted" \\ \n',
        "version": -(2**63),
        "created": "2026-12-02T04:38:19Z",
        "description": None,
        "parent": "",
        "hyperparameters": {
            "int": 2**63 - 1,
            "float": -0.0,
            "str": "模型",
            "bool": True,
            "false": False,
            "zero": 0,
            "": 1.5,
        },
        "layers": [
            {"name": "a", "kind": "dense", "shape": [], "parameters": 0},
            {"name": "b", "kind": "", "shape": [-1, 2**62, 0], "parameters": -(2**63)},
        ],
        "metrics": {"special": SPECIAL, "empty": []},
        "tags": ["x", "größe", ""],
    }


def round_trips(name: str, d: dict[str, Any]) -> None:
    """``d`` through every path ``name`` offers, each compared with ``d`` bit for bit."""
    backend = module(name)
    d = spec.check_document(d)  # its keys in the order of every output
    text = spec.Document.from_dict(d).to_json()
    binary = spec.Document.from_dict(d).to_bincode()
    if name in DIRECT:
        doc = backend.Document.from_dict(d)
        assert same_record(doc.to_dict(), d)
        assert doc.to_dict() is not doc.to_dict()
    else:
        with pytest.raises(NotImplementedError):
            backend.Document.from_dict(d)
        doc = backend.Document.from_json(text)
        with pytest.raises(NotImplementedError):
            doc.to_dict()
    assert same_record(json.loads(doc.to_json()), d)
    assert same_record(json.loads(backend.Document.from_json(text).to_json()), d)
    assert same_record(json.loads(backend.Document.from_json(text.decode()).to_json()), d)
    assert doc.to_bincode() == binary
    assert backend.Document.from_bincode(binary).to_bincode() == binary
    assert same_record(spec.decode_bincode(doc.to_bincode()), d)
    archive = doc.to_archive()
    reader = module("pyo3" if name != "python" else "python").DocumentView
    assert same_record(reader(archive).to_dict(), d)


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_fixed_documents_round_trip_bit_for_bit(name: str) -> None:
    round_trips(name, _fixed())
    round_trips(name, spec.generate(5_000, 3))
    round_trips(name, spec.Document().to_dict())


def test_the_bincode_of_every_backend_decodes_in_every_other() -> None:
    d = spec.generate(20_000, 11)
    made = {name: module(name).Document.from_json(spec.Document.from_dict(d).to_json())
            for name in ffibench.BACKENDS}  # fmt: skip
    encoded = {name: doc.to_bincode() for name, doc in made.items()}
    assert len(set(encoded.values())) == 1
    for writer, data in encoded.items():
        assert same_record(spec.decode_bincode(data), d), writer
        for reader in ffibench.BACKENDS:
            back = module(reader).Document.from_bincode(data)
            assert same_record(json.loads(back.to_json()), d), (writer, reader)


def test_archives_of_every_rust_backend_open_in_the_pyo3_view() -> None:
    d = spec.generate(20_000, 5)
    text = spec.Document.from_dict(d).to_json()
    archives = {name: module(name).Document.from_json(text).to_archive() for name in RUST_BACKENDS}
    assert len(set(archives.values())) == 1
    assert same_record(module("pyo3").DocumentView(archives["ctypes"]).to_dict(), d)


TEXT = st.text(st.characters(codec="utf-8"), max_size=8)
FLOAT = st.floats(allow_nan=False, allow_infinity=False)
INT = st.integers(-(2**63), 2**63 - 1)
LAYER = st.fixed_dictionaries(
    {"name": TEXT, "kind": TEXT, "shape": st.lists(INT, max_size=4), "parameters": INT}
)
DOCUMENT = st.fixed_dictionaries(
    {
        "name": TEXT,
        "version": INT,
        "created": TEXT,
        "description": st.none() | TEXT,
        "parent": st.none() | TEXT,
        "hyperparameters": st.dictionaries(
            TEXT, st.one_of(INT, FLOAT, TEXT, st.booleans()), max_size=5
        ),
        "layers": st.lists(LAYER, max_size=4),
        "metrics": st.dictionaries(TEXT, st.lists(FLOAT, max_size=6), max_size=3),
        "tags": st.lists(TEXT, max_size=4),
    }
)


@given(d=DOCUMENT)
def test_any_document_round_trips_through_every_path_in_every_backend(d: dict[str, Any]) -> None:
    for name in ffibench.BACKENDS:
        round_trips(name, d)


# --- bad input -------------------------------------------------------------------------------


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    d = spec.generate(1_000, 2)
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    elif isinstance(target, list) and path[-1] == len(target):
        target.append(value)
    else:
        target[path[-1]] = value
    return d


_DELETE = object()


class Text(str):
    __slots__ = ()

    def __str__(self) -> str:
        return "hacked"


class Number(int):
    def __index__(self) -> int:
        return 5


BAD_DICTS = [
    (("layers", 3, "shape", 1), "x", "layers[3].shape[1]: expected int, got str"),
    (("layers", 3, "shape", 1), True, "layers[3].shape[1]: expected int, got bool"),
    (("layers", 3, "shape", 1), 2**63, "layers[3].shape[1]: 9223372036854775808 does not fit a signed 64-bit integer"),  # noqa: E501
    (("layers", 3, "shape", 1), -(2**63) - 1, "layers[3].shape[1]: -9223372036854775809 does not fit a signed 64-bit integer"),  # noqa: E501
    (("layers", 3, "shape"), (1, 2), "layers[3].shape: expected list, got tuple"),
    (("layers", 0), [], "layers[0]: expected dict, got list"),
    (("layers", 1, "kind"), _DELETE, "layers[1]: missing field 'kind'"),
    (("layers", 1, "extra"), 1, "layers[1]: unknown field 'extra'"),
    (("layers", 1, 7), 1, "layers[1]: unknown field 7"),
    (("version",), 1.0, "version: expected int, got float"),
    (("version",), None, "version: expected int, got NoneType"),
    (("name",), b"x", "name: expected str, got bytes"),
    (("name",), "a\ud800", "name: str is not valid UTF-8 (a lone surrogate)"),
    (("description",), 3, "description: expected str, got int"),
    (("parent",), _DELETE, "document: missing field 'parent'"),
    (("hyperparameters", "lr"), [1], "hyperparameters.lr: expected int, float, str or bool, got list"),  # noqa: E501
    (("hyperparameters", "lr"), math.nan, "hyperparameters.lr: nan is not finite (NaN and infinity are refused)"),  # noqa: E501
    (("hyperparameters", "lr"), -math.inf, "hyperparameters.lr: -inf is not finite (NaN and infinity are refused)"),  # noqa: E501
    (("hyperparameters", 3), 1, "hyperparameters (a key): expected str, got int"),
    (("hyperparameters", "a\udcff"), 1, "hyperparameters (a key): str is not valid UTF-8 (a lone surrogate)"),  # noqa: E501
    (("metrics", "loss", 5), 1, "metrics.loss[5]: expected float, got int"),
    (("metrics", "loss", 2), math.inf, "metrics.loss[2]: inf is not finite (NaN and infinity are refused)"),  # noqa: E501
    (("metrics", "loss"), {}, "metrics.loss: expected list, got dict"),
    (("metrics",), [], "metrics: expected dict, got list"),
    (("tags", 1), None, "tags[1]: expected str, got NoneType"),
    (("surprise",), 0, "document: unknown field 'surprise'"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "message"), BAD_DICTS, ids=lambda v: repr(v)[:30])
def test_bad_dicts_name_the_path_alike(path: tuple[Any, ...], value: Any, message: str) -> None:
    d = _with(path, value)
    for name in DIRECT:
        with pytest.raises(ValueError) as raised:  # noqa: PT011 (checked below)
            module(name).Document.from_dict(d)
        assert type(raised.value) is ValueError and str(raised.value) == message, name


@pytest.mark.parametrize("value", [[], "doc", None, 3, (("name", "x"),)], ids=repr)
def test_a_document_that_is_not_a_dict(value: Any) -> None:
    for name in DIRECT:
        with pytest.raises(ValueError, match=r"^document: expected dict, got "):
            module(name).Document.from_dict(value)


def test_subclasses_are_read_as_their_values() -> None:
    d = spec.generate(1_000, 4)
    d["name"] = Text("kept")
    d["version"] = Number(3)
    d["layers"][0]["shape"] = [Number(9)]
    d["metrics"]["loss"] = [type("F", (float,), {"__repr__": lambda self: "x"})(0.5)]
    for name in DIRECT:
        back = module(name).Document.from_dict(d).to_dict()
        assert back["name"] == "kept" and type(back["name"]) is str
        assert back["version"] == 3 and type(back["version"]) is int
        assert back["layers"][0]["shape"] == [9] and back["metrics"]["loss"] == [0.5]


class OwnHash(str):
    """A key that spells a field but hashes as no str does."""

    __slots__ = ()

    def __hash__(self) -> int:
        return 12345

    def __eq__(self, other: object) -> bool:
        return self is other


def _keyed(where: tuple[Any, ...], key: str, value: Any) -> dict[str, Any]:
    d = spec.generate(1_000, 2)
    target: Any = d
    for step in where:
        target = target[step]
    target[OwnHash(key)] = value
    return d


@pytest.mark.parametrize(
    ("where", "key", "value", "message"),
    [
        (("hyperparameters",), "param_0", 2, "hyperparameters: duplicate key 'param_0'"),
        (("metrics",), "loss", [0.5], "metrics: duplicate key 'loss'"),
        ((), "name", "x", "document: duplicate field 'name'"),
        (("layers", 2), "kind", "x", "layers[2]: duplicate field 'kind'"),
    ],
)
def test_str_subclass_keys_are_read_by_their_text(
    where: tuple[Any, ...], key: str, value: Any, message: str
) -> None:
    d = _keyed(where, key, value)
    for name in DIRECT:
        with pytest.raises(ValueError) as raised:  # noqa: PT011 (checked below)
            module(name).Document.from_dict(d)
        assert type(raised.value) is ValueError and str(raised.value) == message, name
    # Every key a subclass of its own hash, none repeated: read by the text, accepted.
    d = spec.generate(1_000, 2)
    layers = [{OwnHash(k): v for k, v in layer.items()} for layer in d["layers"]]
    hyper = {OwnHash(k): v for k, v in d["hyperparameters"].items()}
    swapped = {"layers": layers, "hyperparameters": hyper}
    odd = {OwnHash(k): swapped.get(k, v) for k, v in d.items()}
    for name in DIRECT:
        assert same_record(module(name).Document.from_dict(odd).to_dict(), d), name


def test_an_int_too_long_to_print_is_named_by_its_size() -> None:
    d = _with(("version",), 10**5000)
    for name in DIRECT:
        with pytest.raises(ValueError) as raised:  # noqa: PT011 (checked below)
            module(name).Document.from_dict(d)
        assert str(raised.value) == (
            "version: an int of 16610 bits does not fit a signed 64-bit integer"
        ), name


ODD_TEXT = "a\x85\xa0\xad\u2028\u200b\ufeff\ue000\U0010fffd\x7f\te'é😀"


def test_keys_and_names_are_shown_as_pythons_repr_shows_them() -> None:
    d = spec.generate(1_000, 2)
    d["name"] = ODD_TEXT
    for name in DIRECT:
        assert repr(module(name).Document.from_dict(d)).startswith(f"Document({ODD_TEXT!r}, ")
    data = _json(spec.generate(1_000, 2)).replace(
        b'"hyperparameters":{',
        b'"hyperparameters":{%s:1,%s:2,' % ((json.dumps(ODD_TEXT).encode(),) * 2),
    )
    for name in ffibench.BACKENDS:
        with pytest.raises(ValueError) as raised:  # noqa: PT011 (checked below)
            module(name).Document.from_json(data)
        assert f"duplicate key {ODD_TEXT!r}" in str(raised.value), name


def _json(d: dict[str, Any]) -> bytes:
    return json.dumps(d, separators=(",", ":")).encode()


JSON_FAULTS = [
    (b'{"name":1}', None),
    (b"[]", "document: "),
    (b"", None),
    (b"{", None),
    (b"\xff", None),
    ("\ud800".encode("utf-8", "surrogatepass"), None),
    (b"\xef\xbb\xbf{}", None),
    (json.dumps({**spec.generate(1_000, 1), "version": 1.5}).encode(), "version: "),
    (json.dumps(_with(("metrics", "loss", 0), 1)).encode(), "metrics.loss[0]: "),
    (json.dumps(_with(("layers", 2, "shape", 0), 2**64)).encode(), "layers[2].shape[0]: "),
    (json.dumps(_with(("layers", 2, "parameters"), "7")).encode(), "layers[2].parameters: "),
    (json.dumps(_with(("tags",), {})).encode(), "tags: "),
    (_json(spec.generate(1_000, 1)).replace(b'"loss":[-0.0', b'"loss":[NaN'), None),
    (_json(spec.generate(1_000, 1)).replace(b'"loss":[-0.0', b'"loss":[Infinity'), None),
    (_json(spec.generate(1_000, 1)).replace(b'"loss":[-0.0', b'"loss":[1e400'), "metrics.loss[0]: "),  # noqa: E501
    (_json(spec.generate(1_000, 1)) + b"x", None),
    (_json(spec.generate(1_000, 1)).replace(b'"param_0"', b'"param_1"'), "param_1"),
    (_json(spec.generate(1_000, 1)).replace(b'"name"', b'"nome"', 1), None),
    # integer literals as serde_json reads them: -0 and one past u64 are floats, 2**63 an int
    # that does not fit (see the spec's "Paths")
    (_json(_with(("version",), 7)).replace(b'"version":7', b'"version":-0'), "version: "),
    (_json(_with(("version",), 7)).replace(b'"version":7', b'"version":18446744073709551616'), "version: "),  # noqa: E501
    (_json(_with(("version",), 7)).replace(b'"version":7', b'"version":9223372036854775808'), "version: "),  # noqa: E501
    (_json(_with(("layers", 2, "shape", 0), 7654321)).replace(b"[7654321", b"[-0"), "layers[2].shape[0]: "),  # noqa: E501
    (_json(_with(("hyperparameters", "z"), 7)).replace(b'"z":7', b'"z":9223372036854775808'), "hyperparameters.z"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("data", "where"), JSON_FAULTS, ids=lambda v: repr(v)[:24])
def test_bad_json_raises_value_error_saying_where(data: bytes, where: str | None) -> None:
    for name in ffibench.BACKENDS:
        with pytest.raises(ValueError) as raised:  # noqa: PT011 (checked below)
            module(name).Document.from_json(data)
        message = str(raised.value)
        assert message, name
        if where is not None:
            assert message.startswith(where) or where in message, (name, message)
        else:
            assert "line" in message or "byte" in message or ": " in message, (name, message)


JSON_INTEGER_LITERALS = [
    (b'"loss":[-0.0', b'"loss":[-0', ("metrics", "loss", 0), -0.0),
    (b'"loss":[-0.0', b'"loss":[100000000000000000000000', ("metrics", "loss", 0), 1e23),
    (b'"loss":[-0.0', b'"loss":[-18446744073709551617', ("metrics", "loss", 0), -(2.0**64)),
    (b'"hyperparameters":{', b'"hyperparameters":{"z":-0,', ("hyperparameters", "z"), -0.0),
    (b'"hyperparameters":{', b'"hyperparameters":{"z":18446744073709551616,', ("hyperparameters", "z"), 2.0**64),  # noqa: E501
    (b'"hyperparameters":{', b'"hyperparameters":{"z":-9223372036854775809,', ("hyperparameters", "z"), -(2.0**63)),  # noqa: E501
    (b'"hyperparameters":{', b'"hyperparameters":{"z":-9223372036854775808,', ("hyperparameters", "z"), -(2**63)),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "path", "value"), JSON_INTEGER_LITERALS, ids=repr)
def test_json_integer_literals_are_read_as_serde_json_reads_them(
    old: bytes, new: bytes, path: tuple[Any, ...], value: float
) -> None:
    data = _json(spec.generate(1_000, 1)).replace(old, new, 1)
    assert data.count(new) == 1
    for name in ffibench.BACKENDS:
        back: Any = json.loads(module(name).Document.from_json(data).to_json())
        for key in path:
            back = back[key]
        assert same_record(back, value), (name, back)


def test_nan_and_infinity_are_refused_on_every_way_in() -> None:
    good = spec.generate(1_000, 6)
    nan = spec.encode_bincode(_with(("metrics", "loss", 3), math.nan))
    inf = spec.encode_bincode(_with(("hyperparameters", "param_0"), math.inf))
    for name in ffibench.BACKENDS:
        backend = module(name)
        with pytest.raises(ValueError, match=r"^metrics\.loss\[3\]: nan is not finite"):
            backend.Document.from_bincode(nan)
        with pytest.raises(ValueError, match=r"^hyperparameters\.param_0: inf is not finite"):
            backend.Document.from_bincode(inf)
        for token in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
            text = _json(good).replace(b'"loss":[-0.0', b'"loss":[' + token)
            with pytest.raises(ValueError, match=r"NaN|Infinity|inf|number|value|expected"):
                backend.Document.from_json(text)
    # An archive whose float was changed to NaN after it was written: refused by the view.
    marked = _with(("metrics", "loss", 3), 0.123456789)
    archive = bytearray(module("pyo3").Document.from_dict(marked).to_archive())
    at = archive.find(struct.pack("<d", 0.123456789))
    assert at > 0
    archive[at : at + 8] = struct.pack("<d", math.nan)
    with pytest.raises(ValueError, match=r"metrics\.loss\[3\]: nan is not finite"):
        module("pyo3").DocumentView(bytes(archive))


def test_bincode_faults_say_where() -> None:
    data = spec.Document.from_dict(spec.generate(2_000, 9)).to_bincode()
    huge_name = b"\xfc" + struct.pack("<I", 1 << 30) + b"abc"
    many_layers = b"\x00\x00\x00\x00\x00\x00" + b"\xfd" + struct.pack("<Q", 1 << 60)
    bad_variant = b"\x00\x00\x00\x00\x00\x01\x01a\x07\x00"
    bad_bool = b"\x00\x00\x00\x02"
    cases = [
        (huge_name, "name: "),
        (many_layers, "layers"),
        (bad_variant, "hyperparameters.a"),
        (bad_bool, "description"),
        (data + b"\x00", "document: 1 bytes follow"),
        (data[:-1], "tags["),
        (b"", "name: "),
        (b"\x01\xff", "name: "),
    ]
    for name in ffibench.BACKENDS:
        for bad, where in cases:
            with pytest.raises(ValueError) as raised:  # noqa: PT011 (checked below)
                module(name).Document.from_bincode(bad)
            assert str(raised.value).startswith(where), (name, bad[:12], str(raised.value))


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_wrong_argument_types_are_type_errors(name: str) -> None:
    backend = module(name)
    for data in (None, 3, ["{}"], bytearray(b"{}")):
        with pytest.raises(TypeError):
            backend.Document.from_json(data)
    for data in (None, "x", bytearray(b"x"), memoryview(b"x")):
        with pytest.raises(TypeError):
            backend.Document.from_bincode(data)
    if name in DIRECT:
        for data in (None, "x", 3):
            with pytest.raises(TypeError):
                backend.DocumentView(data)


def test_a_lone_surrogate_in_a_json_str_is_a_value_error() -> None:
    text = _json(spec.generate(1_000, 1))
    escaped = text.replace(b'"name":"model-', b'"name":"\\ud800model-')
    for name in ffibench.BACKENDS:
        with pytest.raises(ValueError, match="surrogate"):
            module(name).Document.from_json(text.decode().replace("model-", "\ud800", 1))
        # serde_json: "unexpected end of hex escape" where the low half should follow
        with pytest.raises(ValueError, match=r"^name: .*(surrogate|escape)"):
            module(name).Document.from_json(escaped)


# --- hostile input under an address-space limit ----------------------------------------------

_HOSTILE_PROBE = r"""
import resource, struct, sys
import ffibench
from ffibench.pure import documents as spec

name = sys.argv[1]
backend = ffibench.backend(name).documents
good = spec.Document.from_dict(spec.generate(20_000, 3))
cases = {
    "json-utf8": (backend.Document.from_json, b'{"name":"\xff\xfe"}'),
    "json-deep": (backend.Document.from_json, b"[" * 100_000),
    "json-deep-field": (backend.Document.from_json, b'{"name":' + b"[" * 100_000),
    "json-deep-value": (backend.Document.from_json,
                        b'{"name":"a","version":1,"created":"c","description":null,'
                        b'"parent":null,"hyperparameters":{"a":' + b"[" * 100_000),
    "bincode-2^60-layers": (backend.Document.from_bincode,
                            b"\x00\x00\x00\x00\x00\x00\xfd" + struct.pack("<Q", 1 << 60)),
    "bincode-2^60-values": (backend.Document.from_bincode,
                            b"\x00\x00\x00\x00\x00\x00\x00\x01\x01m\xfd"
                            + struct.pack("<Q", 1 << 60) + b"\x00" * 64),
    "bincode-1GB-string": (backend.Document.from_bincode,
                           b"\xfc" + struct.pack("<I", 1 << 30) + b"x" * 100),
    "bincode-2^63-string": (backend.Document.from_bincode,
                            b"\xfd" + struct.pack("<Q", (1 << 63) + 5) + b"x" * 100),
    "bincode-1GB-tag": (backend.Document.from_bincode,
                        good.to_bincode()[:-40] + b"\x01\xfc" + struct.pack("<I", 1 << 30)),
}
if hasattr(backend, "DocumentView"):
    archive = backend.Document.from_json(good.to_json()).to_archive()
    corrupt = bytearray(archive)
    for at in range(len(corrupt) - 64, len(corrupt)):
        corrupt[at] ^= 0xA5
    lengths = bytearray(archive)
    lengths[-8:] = b"\xff" * 8
    cases.update({
        "archive-truncated": (backend.DocumentView, archive[: len(archive) // 2]),
        "archive-tail-cut": (backend.DocumentView, archive[:-1]),
        "archive-corrupt": (backend.DocumentView, bytes(corrupt)),
        "archive-lengths": (backend.DocumentView, bytes(lengths)),
        "archive-empty": (backend.DocumentView, b""),
        "archive-misaligned": (backend.DocumentView, memoryview(b"x" + archive)[1:]),
    })
with open("/proc/self/statm") as statm:
    mapped = int(statm.read().split()[0]) * 4096
# Room for the inputs and a few copies of them; none for a claimed 1 GB.
resource.setrlimit(resource.RLIMIT_AS, (mapped + (192 << 20), resource.RLIM_INFINITY))
for case, (function, data) in cases.items():
    try:
        result = function(data)
    except ValueError as error:
        print(case, "ValueError", str(error).replace("\n", " ")[:200])
    except BaseException as error:
        print(case, "WRONG", type(error).__name__, str(error)[:200])
    else:
        ok = case == "archive-misaligned"
        print(case, "ok" if ok else "ACCEPTED", type(result).__name__)
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_hostile_input_is_a_value_error_within_the_memory_limit(name: str) -> None:
    done = run_probe(_HOSTILE_PROBE, name)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert len(lines) == (15 if name in DIRECT else 9), done.stdout
    for line in lines:
        case, verdict, *rest = line.split(" ", 2)
        assert verdict in ("ValueError", "ok"), line
        if verdict == "ValueError":
            message = rest[0]
            assert ": " in message and len(message) > 12, line
        if case.startswith("bincode-1GB-string") or case.startswith("bincode-2^6"):
            assert message.startswith(("name: ", "layers", "metrics.m")), line


# --- the view --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DIRECT)
def test_the_view_reads_what_the_document_holds(name: str) -> None:
    d = spec.generate(30_000, 8)
    view = module(name).DocumentView(module(name).Document.from_dict(d).to_archive())
    assert len(view) == 9 and list(view) == list(spec.FIELDS) == list(view.keys())
    for field in ("name", "version", "created", "description", "parent"):
        assert same_record(view[field], d[field])
    layers = view["layers"]
    assert len(layers) == len(d["layers"])
    assert same_record(layers[3]["shape"], d["layers"][3]["shape"])
    assert same_record(layers[-1]["name"], d["layers"][-1]["name"])
    assert list(layers[0]) == list(spec.LAYER_FIELDS) == list(layers[0].keys())
    assert same_record([layer["parameters"] for layer in layers],
                       [layer["parameters"] for layer in d["layers"]])  # fmt: skip
    hyper = view["hyperparameters"]
    assert list(hyper) == list(d["hyperparameters"]) == list(hyper.keys())
    assert all(same_record(hyper[k], v) for k, v in d["hyperparameters"].items())
    metrics = view["metrics"]
    assert list(metrics) == list(d["metrics"])
    loss = metrics["loss"]
    assert same_record(list(loss), d["metrics"]["loss"]) and len(loss) == len(d["metrics"]["loss"])
    assert same_record(loss[0], -0.0) and same_record(loss[-1], d["metrics"]["loss"][-1])
    assert same_record(list(view["tags"]), d["tags"])
    assert same_record(view.to_dict(), d)
    for bad, error in ((len(layers), IndexError), (-len(layers) - 1, IndexError),
                       ("0", TypeError), (2**70, IndexError)):  # fmt: skip
        with pytest.raises(error):
            layers[bad]
    for missing in ("nope", 3, None):
        with pytest.raises(KeyError):
            view[missing]
        with pytest.raises(KeyError):
            hyper[missing]
        with pytest.raises(KeyError):
            layers[0][missing]
        with pytest.raises(KeyError):
            metrics[missing]


def test_the_pyo3_view_reads_bytes_in_place_and_copies_anything_else() -> None:
    documents = module("pyo3")
    d = spec.generate(5_000, 2)
    archive = documents.Document.from_dict(d).to_archive()
    odd = (memoryview(b"?" + archive)[1:], memoryview(bytearray(b"??" + archive))[2:])
    for data in (archive, bytearray(archive), memoryview(archive), *odd):
        assert same_record(documents.DocumentView(data).to_dict(), d)
    mutable = bytearray(archive)
    view = documents.DocumentView(mutable)
    mutable[:] = b"\x00" * len(mutable)  # the view's copy is its own
    assert same_record(view.to_dict(), d)
    strided = memoryview(bytes(x for b in archive for x in (b, 0)))[::2]
    assert same_record(documents.DocumentView(strided).to_dict(), d)


@pytest.mark.parametrize("name", DIRECT)
def test_the_view_reads_every_key_of_a_long_map(name: str) -> None:
    d = spec.generate(1_000, 3)
    d["hyperparameters"] = {f"k{i}": i for i in range(5_000)}
    d["metrics"] = {f"m{i}": [float(i)] for i in range(5_000)}
    view = module(name).DocumentView(module(name).Document.from_dict(d).to_archive())
    hyper, metrics = view["hyperparameters"], view["metrics"]
    assert all(hyper[f"k{i}"] == i for i in range(5_000))
    assert all(metrics[f"m{i}"][0] == float(i) for i in range(0, 5_000, 7))
    for missing in ("k5000", "m1", ""):
        with pytest.raises(KeyError):
            hyper[missing]
    with pytest.raises(KeyError):
        metrics["k1"]


class _Refused(Exception):
    pass


class _BadIndex:
    def __index__(self) -> int:
        raise _Refused


@pytest.mark.parametrize("name", DIRECT)
def test_the_view_gives_new_lists_and_the_specs_errors(name: str) -> None:
    d = spec.generate(3_000, 3)
    view = module(name).DocumentView(module(name).Document.from_dict(d).to_archive())
    view["layers"][0]["shape"].append(999)
    list(view["tags"]).append("x")
    if name == "python":
        view["tags"].append("x")
        view["metrics"]["loss"].append(1.0)
        view["hyperparameters"]["new"] = 1
    assert same_record(view.to_dict(), d)
    for key in ([1], {}, b"name", 1):
        with pytest.raises(KeyError):
            view[key]
        with pytest.raises(KeyError):
            view["hyperparameters"][key]
        with pytest.raises(KeyError):
            view["metrics"][key]
        with pytest.raises(KeyError):
            view["layers"][0][key]
    assert same_record(view["layers"][0][OwnHash("shape")], d["layers"][0]["shape"])
    assert same_record(view["hyperparameters"][OwnHash("param_0")], d["hyperparameters"]["param_0"])
    with pytest.raises(_Refused):
        view["tags"][_BadIndex()]
    with pytest.raises(_Refused):
        view["layers"][_BadIndex()]


@pytest.mark.parametrize("name", DIRECT)
def test_the_view_reads_a_buffer_of_any_format_as_its_bytes(name: str) -> None:
    d = spec.generate(3_000, 3)
    archive = module(name).Document.from_dict(d).to_archive()
    padded = archive + b" " * (-len(archive) % 8)  # JSON's whitespace, rkyv's trailing bytes
    if name == "pyo3":
        assert len(archive) % 8 == 0  # rkyv pads the archive to its root's alignment
        padded = archive
    for data in (memoryview(archive).cast("b"), memoryview(archive).cast("c"),
                 memoryview(padded).cast("d")):  # fmt: skip
        assert same_record(module(name).DocumentView(data).to_dict(), d), name


class _OwnBytes(bytes):
    def __bytes__(self) -> bytes:
        return b"not these"


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_bytes_subclass_is_read_by_its_buffer_not_its_dunder_bytes(name: str) -> None:
    d = spec.generate(3_000, 3)
    doc = spec.Document.from_dict(d)
    documents = module(name)
    for read, data in ((documents.Document.from_json, doc.to_json()),
                       (documents.Document.from_bincode, doc.to_bincode())):  # fmt: skip
        assert same_record(read(_OwnBytes(data)).to_dict() if name in DIRECT else
                           json.loads(read(_OwnBytes(data)).to_json()), d), name  # fmt: skip
    if hasattr(documents, "DocumentView"):
        archive = documents.Document.from_dict(d).to_archive()
        assert same_record(documents.DocumentView(_OwnBytes(archive)).to_dict(), d)


def test_sub_views_keep_their_archive_alive() -> None:
    documents = module("pyo3")
    d = spec.generate(5_000, 2)
    layers = documents.DocumentView(documents.Document.from_dict(d).to_archive())["layers"]
    loss = documents.DocumentView(documents.Document.from_dict(d).to_archive())["metrics"]["loss"]
    import gc

    gc.collect()
    assert same_record(layers[3]["shape"], d["layers"][3]["shape"])
    assert same_record(loss[1], 5e-324)
    with pytest.raises(TypeError):
        pickle.dumps(layers)
    with pytest.raises(TypeError):
        layers.keys()


# --- objects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_copies_and_pickles_are_new_documents(name: str) -> None:
    backend = module(name)
    d = spec.generate(3_000, 1)
    doc = backend.Document.from_json(spec.Document.from_dict(d).to_json())
    for other in (copy.copy(doc), copy.deepcopy(doc), pickle.loads(pickle.dumps(doc))):
        assert other is not doc and type(other) is type(doc)
        assert other.to_bincode() == doc.to_bincode()
    empty = backend.Document()
    assert empty.to_bincode() == spec.Document().to_bincode()
    assert same_record(json.loads(empty.to_json()), spec.Document().to_dict())
    assert repr(doc) == repr(spec.Document.from_dict(d))
    with pytest.raises(TypeError):
        type("Sub", (backend.Document,), {})
    if name in DIRECT:
        view = backend.DocumentView(doc.to_archive())
        again = pickle.loads(pickle.dumps(view))
        assert again is not view and same_record(again.to_dict(), d)
        with pytest.raises(TypeError):
            type("Sub", (backend.DocumentView,), {})


_THREADS_PROBE = r"""
import sys, threading
import ffibench
from ffibench.pure import documents as spec

backend = ffibench.backend(sys.argv[1]).documents
text = spec.Document.from_dict(spec.generate(50_000, 1)).to_json()
expected = spec.Document.from_json(text).to_bincode()
doc = backend.Document.from_json(text)
errors = []

def work():
    for _ in range(30):
        try:
            assert doc.to_bincode() == expected
            assert len(doc.to_json()) > 1000 and len(doc.to_archive()) > 1000
        except ReferenceError:
            return
        except BaseException as error:  # anything else is a bug
            errors.append(repr(error))
            return

threads = [threading.Thread(target=work) for _ in range(6)]
for thread in threads:
    thread.start()
if hasattr(doc, "__del__"):  # a C-ABI handle: freed by hand while the threads call
    doc.__del__()
    doc.__del__()
for thread in threads:
    thread.join()
print(errors or "fine")
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_threads_and_a_finaliser_called_by_hand(name: str) -> None:
    done = run_probe(_THREADS_PROBE, name)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "fine"


_LEAK_PROBE = r"""
import sys
import ffibench
from ffibench.pure import documents as spec

name = sys.argv[1]
backend = ffibench.backend(name).documents
d = spec.generate(5_000, 1)
text = spec.Document.from_dict(d).to_json()
binary = spec.Document.from_dict(d).to_bincode()

def calls(n):
    for _ in range(n):
        doc = backend.Document.from_json(text)
        doc.to_json(); doc.to_archive()
        backend.Document.from_bincode(binary).to_bincode()
        try:
            backend.Document.from_json(text[:-3])
        except ValueError:
            pass
        if name in ("python", "pyo3"):
            backend.Document.from_dict(d).to_dict()
            view = backend.DocumentView(doc.to_archive())
            view["layers"][3]["shape"]; view.to_dict()
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", RUST_BACKENDS)
def test_many_cycles_do_not_leak(name: str) -> None:
    assert rss_growth_kib(_LEAK_PROBE, name, warm=300, count=3_000) < 4_096


# --- the registry ----------------------------------------------------------------------------


def test_the_registry_checks_every_participant() -> None:
    from ffibench.harness import run as harness

    for operation in SCENARIO.operations:
        task = harness.Task(SCENARIO, operation, 1_000, scenarios.participants(SCENARIO, operation))
        expected, failure = harness._expected(task)
        assert failure is None, operation.name
        for participant in task.participants:
            checked = harness._check(task, participant, expected, True)
            if checked.result is None:
                continue
            status = checked.result["status"]
            assert status == "not-applicable", (operation.name, participant.name, checked.result)
            assert participant.name in C_ABI, (operation.name, participant.name)


def test_every_anchor_named_in_the_issue_takes_part() -> None:
    names = {anchor.name for anchor in SCENARIO.anchors}
    assert {"json", "orjson", "msgspec", "msgspec:struct", "pydantic", "pickle"} <= names
    assert documents_scenario.same_record(-0.0, -0.0)
    assert not documents_scenario.same_record(-0.0, 0.0)
    assert not documents_scenario.same_record(1, 1.0) and not documents_scenario.same_record(
        True, 1
    )
    assert not documents_scenario.same_record({"a": 1, "b": 2}, {"b": 2, "a": 1})


def test_pythonize_gives_the_same_document() -> None:
    from ffibench._native import documents as native

    d = spec.generate(10_000, 4)
    doc = native._pythonize_from_dict(d)
    assert doc.to_bincode() == spec.Document.from_dict(d).to_bincode()
    assert same_record(native._pythonize_to_dict(native.Document.from_dict(d)), d)


def test_the_criterion_benches_use_the_registry_sizes_and_seed() -> None:
    import re
    from pathlib import Path

    source = (
        Path(__file__).resolve().parent.parent / "crates/core/benches/documents.rs"
    ).read_text()
    found = re.search(r"SIZES: \[u64; \d+\] = \[([^\]]*)\]", source)
    seed = re.search(r"SEED: u64 = ([\d_]+);", source)
    assert found is not None and seed is not None
    sizes = tuple(int(n.replace("_", "")) for n in re.findall(r"[\d_]+", found.group(1)))
    assert sizes == documents_scenario.SIZES
    assert int(seed.group(1).replace("_", "")) == documents_scenario.SEED
    rust_only = {"from_dict", "to_dict", "view:read"}  # Python objects: no Rust-only twin
    for operation in SCENARIO.operations:
        if operation.name not in rust_only:
            assert f'"{operation.name}"' in source, f"no criterion bench for {operation.name}"


_COPY_PAST_THE_MEMORY_PROBE = r"""
import resource, sys
import ffibench

backend = ffibench.backend(sys.argv[1]).documents
data = bytearray(256 << 20)  # mutable: every backend must copy it before validating
with open("/proc/self/statm") as statm:
    mapped = int(statm.read().split()[0]) * 4096
resource.setrlimit(resource.RLIMIT_AS, (mapped + (64 << 20), resource.RLIM_INFINITY))
try:
    backend.DocumentView(data)
except MemoryError:
    print("MemoryError")
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", DIRECT)
def test_a_view_copy_past_the_memory_is_a_memory_error_not_an_abort(name: str) -> None:
    done = run_probe(_COPY_PAST_THE_MEMORY_PROBE, name)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["MemoryError"]


_PAST_THE_MEMORY_PROBE = r"""
import resource, struct, sys
import ffibench

backend = ffibench.backend(sys.argv[1]).documents
n = 4_000_000  # a series of 32 MB
head = b"\x00" * 7 + b"\x01\x01m\xfd" + struct.pack("<Q", n)
data = head + struct.pack("<d", 0.12345678901234567) * n + b"\x00"
doc = backend.Document.from_bincode(data)
json_data = (b'{"name":"","version":0,"created":"","description":null,"parent":null,'
             b'"hyperparameters":{},"layers":[],"metrics":{"m":['
             + b",".join([b"0.5"] * n) + b']},"tags":[]}')
calls = {
    "to_json": doc.to_json,
    "to_bincode": doc.to_bincode,
    "to_archive": doc.to_archive,
    "from_bincode": lambda: backend.Document.from_bincode(data),
    "from_json": lambda: backend.Document.from_json(json_data),
}
with open("/proc/self/statm") as statm:
    mapped = int(statm.read().split()[0]) * 4096
resource.setrlimit(resource.RLIMIT_AS, (mapped + (2 << 20), resource.RLIM_INFINITY))
for call, function in calls.items():
    try:
        function()
    except MemoryError:
        print(call, "MemoryError")
    else:
        print(call, "ok")
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", RUST_BACKENDS)
def test_writing_or_reading_past_the_memory_is_a_memory_error_not_an_abort(name: str) -> None:
    done = run_probe(_PAST_THE_MEMORY_PROBE, name)
    assert done.returncode == 0, done.stderr[-2000:]
    verdicts = dict(line.split() for line in done.stdout.splitlines())
    assert list(verdicts) == ["to_json", "to_bincode", "to_archive", "from_bincode", "from_json"]
    assert set(verdicts.values()) == {"MemoryError"}, done.stdout
