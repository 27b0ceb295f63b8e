"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/seed-*).

Each seed is a small meaningful input in the target's own layout: documents of the spec in
JSON, bincode and rkyv (made by the pyo3 backend, so the Rust side's own bytes), requests to
the http API, texts for the tokeniser, datagrams. The structured targets (those reading
their input through ``arbitrary``) get a few seeded random byte strings: their layout is
the derive's, which libFuzzer learns faster than a hand could write it. Run it after
``make install``; libFuzzer adds what it finds next to these (``tools/fuzz.sh run``), and
``tools/fuzz.sh merge`` keeps what adds coverage.

    .venv/bin/python tools/fuzz_seeds.py
"""

from __future__ import annotations

import json
import random
import struct
from pathlib import Path

import ffibench

ROOT = Path(__file__).resolve().parent.parent / "fuzz" / "corpus"

TEXTS = [
    b"",
    b"The quick brown fox jumps over the lazy dog.",
    b"don't 'quoted' rock'n'roll it's O'Brien's",
    "caf\u00e9 na\u00efve \u00c9COLE stra\u00dfe STRASSE".encode(),
    "\u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3 \u03c3\u03bf\u03c6\u03b9\u0391\u03a3.".encode(),
    "\u0130stanbul \u0131s\u0131k DIYARBAKIR".encode(),
    "\u0661\u0662\u0663 \u0968\u0969 \u00bd x\u00b2 2024-01-02".encode(),
    "rock\u2019n\u2019roll \u2019tis l\u2019\u00e9t\u00e9".encode(),
    "\U0001f600 emoji\U0001f44d\U0001f3fd and \u01c5 \ufb03 \u1e9e".encode(),
    "a\u001cb\u001dc\u2028d\u00a0e\u3000f\tg\nh".encode(),
    b"A man, a plan, a canal: Panama",
    b"valid then \xff\xfe invalid",
    b"\xe2\x82",
    "\u00e9".encode() * 40 + b" split across chunks " + "\u4e2d\u6587".encode() * 30,
]


def write(target: str, name: str, data: bytes) -> None:
    directory = ROOT / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{name}").write_bytes(data)


def documents() -> list[tuple[str, bytes, bytes, bytes]]:
    """(name, JSON, bincode, archive) of a few generated documents."""
    native = ffibench.backend("pyo3").documents
    out = []
    for size, seed in [(0, 1), (300, 2), (1500, 3)]:
        document = native.Document.from_dict(native.generate(size, seed))
        out.append(
            (f"generated-{size}", document.to_json(), document.to_bincode(), document.to_archive())
        )
    return out


def invalid_json(valid: bytes) -> dict[str, bytes]:
    record = json.loads(valid)
    cases: dict[str, bytes] = {}
    text = valid.decode()
    cases["duplicate-key"] = text.replace(
        '"hyperparameters":{', '"hyperparameters":{"a":1,"a":2,', 1
    ).encode()
    cases["nan"] = text.replace('"metrics":{', '"metrics":{"m":[NaN],', 1).encode()
    cases["huge-number"] = text.replace('"metrics":{', '"metrics":{"m":[1e400],', 1).encode()
    cases["int-as-float"] = text.replace('"metrics":{', '"metrics":{"m":[1],', 1).encode()
    del record["tags"]
    cases["missing-field"] = json.dumps(record).encode()
    record["tags"] = []
    record["extra"] = 1
    cases["unknown-field"] = json.dumps(record).encode()
    cases["deep"] = b"[" * 200 + b"]" * 200
    cases["trailing"] = valid + b" x"
    cases["bad-utf8"] = valid.replace(b'"name":"', b'"name":"\xff', 1)
    return cases


def seed_documents() -> None:
    for name, data, bincode, archive in documents():
        write("documents_json", name, data)
        write("documents_bincode", name, bincode)
        write("documents_archive", name, b"\x00" + archive)
        write("capi_documents", f"json-{name}", b"\x00" + data)
        write("capi_documents", f"bincode-{name}", b"\x01" + bincode)
    _, small, small_bincode, _ = documents()[1]
    for name, data in invalid_json(small).items():
        write("documents_json", name, data)
        write("capi_documents", f"json-{name}", b"\x00" + data)
    write("documents_bincode", "truncated", small_bincode[: len(small_bincode) // 2])
    write("documents_bincode", "huge-length", b"\x01a\x02\xfb\xff\xff" + b"\x00" * 8)
    write("documents_bincode", "trailing", small_bincode + b"\x00")
    write("capi_documents", "null-out", b"\x18" + small)
    write("capi_documents", "null-data", b"\x06" + small)
    # Odd mode bytes: a generated archive with a few bytes changed.
    rng = random.Random(16)
    for mode in (3, 41, 201):
        edits = bytes(rng.randrange(256) for _ in range(3 * 4))
        write("documents_archive", f"edited-{mode}", bytes([mode]) + edits)
    write("documents_archive", "short", b"\x00" + b"\x00" * 8)


def seed_server() -> None:
    numbers = [
        "0",
        "-0",
        "-0.0",
        "1e400",
        "-1E-400",
        "123456789012345678901234567890",
        "0.1",
        "1.5e308",
    ]
    texts = [
        '{"a": [1, 2.5, "x", true, false, null], "b": {"c": {}}}',
        '{"k": 1, "k": 2}',
        '"\\ud83d\\ude00 \\u00e9 \\n \\" \\\\ \\/"',
        '"\\ud800"',
        '"tab\there"',
        " \t\r\n[ ] ",
        "[" * 100 + "]" * 100,
        "[" * 101 + "]" * 101,
        "[1,]",
        "{'a': 1}",
        "01",
        "[" + ",".join(numbers) + "]",
        *numbers,
    ]
    for index, text in enumerate(texts):
        write("server_json", f"{index:02}", text.encode())
    methods = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3, "PATCH": 4}
    routes = {
        "/health": 0,
        "/openapi.json": 1,
        "/stats": 2,
        "/words/top": 3,
        "/people/": 4,
        "/matmul": 5,
        "/": 6,
    }
    requests = [
        ("health", "GET", "/health", "", b""),
        ("openapi", "GET", "/openapi.json", "", b""),
        ("stats", "POST", "/stats", "", b"[1, 2.5, -3, 1e300]"),
        ("stats-empty", "POST", "/stats", "", b"[]"),
        ("stats-overflow", "POST", "/stats", "", b"[1e308, 1e308]"),
        ("words", "POST", "/words/top", "?k=2", b'{"text": "a b a c b a"}'),
        ("words-k", "POST", "/words/top", "?k=%31%30&x=1", b'{"text": "Don\'t stop"}'),
        ("put", "PUT", "/people/", "7", b'{"name": "Ann", "age": 30, "salary": 1000.5}'),
        ("put-bad", "PUT", "/people/", "07", b'{"name": "", "age": 151, "salary": -1}'),
        ("get", "GET", "/people/", "0", b""),
        ("delete", "DELETE", "/people/", "123456789012345678", b""),
        ("matmul", "POST", "/matmul", "", b'{"a": [[1, 2], [3, 4]], "b": [[5], [6]]}'),
        ("matmul-shape", "POST", "/matmul", "", b'{"a": [[1, 2]], "b": [[5, 6]]}'),
        ("wrong-method", "PATCH", "/health", "", b""),
        ("no-route", "GET", "/", "nowhere", b""),
        ("malformed", "POST", "/stats", "", b"[1, 2"),
    ]
    for name, method, route, tail, body in requests:
        tail_bytes = tail.encode()
        data = bytes([methods[method], routes[route], len(tail_bytes)]) + tail_bytes + body
        write("server_api", name, data)


def seed_texts() -> None:
    for index, text in enumerate(TEXTS):
        shape = (index * 37) % 256
        write("words_tokenise", f"{index:02}", bytes([shape]) + text)
        for mode in (0, 1, 2):
            if mode == 0 or index % 4 == 0:
                write("capi_basic", f"{index:02}-{mode}", bytes([mode]) + text)
        write("basic_strings", f"{index:02}", text)


def seed_events() -> None:
    header = struct.pack("<qIQd", 123456789, 3, 17, 21.5)
    datagrams = {
        "payload": header + b"3:17",
        "no-payload": header,
        "short": header[:20],
        "long-payload": header + b"x" * 25,
        "nul": header + b"a\x00b",
        "bad-utf8": header + b"\xff",
        "block": b"block",
        "drop": b"drop",
        "nan": struct.pack("<qIQd", -1, 2**32 - 1, 2**64 - 1, float("nan"))
        + "\u00e9\u00e9".encode(),
    }
    for name, data in datagrams.items():
        write("events_datagram", name, data)
    hosts = [b"127.0.0.1", b"127.1.2.3", b"0.0.0.0x", b"localhost", b"\xff", b"256.0.0.1", b""]
    for index, host in enumerate(hosts):
        bodies = (
            [datagrams["payload"], datagrams["short"], datagrams["no-payload"]]
            if index == 0
            else []
        )
        data = bytes([4, 1 if index % 2 else 0, 2, len(host)]) + host
        data += b"".join(bytes([len(body)]) + body for body in bodies)
        write("capi_events", f"{index:02}", data)
    write("capi_events", "zero-capacity", bytes([0, 0, 0, 9]) + b"127.0.0.1")


def seed_random() -> None:
    """A few seeded random inputs for the targets that read through `arbitrary`."""
    rng = random.Random(16)
    for target in [
        "documents_roundtrip",
        "words_store",
        "capi_arrays",
        "capi_words",
        "capi_person",
    ]:
        for index, size in enumerate([16, 64, 256, 1024]):
            write(target, f"random-{index}", bytes(rng.randrange(256) for _ in range(size)))


def main() -> None:
    seed_documents()
    seed_server()
    seed_texts()
    seed_events()
    seed_random()
    for directory in sorted(ROOT.iterdir()):
        print(f"{directory.name}: {len(list(directory.iterdir()))} seeds")


if __name__ == "__main__":
    main()
