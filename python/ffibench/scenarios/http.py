"""Scenario 9, ``http``: one JSON API served by Flask and by axum, under wrk.

The question is a Flask developer's: should the service become a Rust one, or only its hot
handler? The participants are servers, all answering the API that
``ffibench/web/openapi.json`` specifies (:mod:`ffibench.web`, ``crates/server``):

- ``flask:werkzeug``: the Flask app under the development server (what many run);
- ``flask:gunicorn``: under gunicorn with one worker process per core (what production
  runs): the reference, the base of every ratio;
- ``flask:granian``: under granian, a Rust HTTP server running the Python app;
- ``flask:pyo3-handlers``: the same Flask app under gunicorn, its handlers doing their work
  through the pyo3 backend (only the hot handler moved to Rust);
- ``axum``: the whole service in Rust, the ``ffibench-server`` binary;
- ``axum:inprocess``: the same server started from Python (``ffibench.http.serve``), its
  runtime on its own threads inside the measuring process.

Each operation is one endpoint with one fixed request (:data:`REQUESTS`). Before anything is
measured, every server answers that request once and its status and JSON body must equal the
reference's (matmul's product within the matmul scenario's tolerance). Each measuring process
then starts the server on 127.0.0.1, waits until it answers, stores the person the people
endpoints read, warms it up with :data:`WARMUP` requests, and lets wrk drive it for a fixed
time over :data:`CONNECTIONS` connections; the server is stopped whatever happens. wrk and
the server share the machine's cores: on a 2-core machine the load generator takes a good
part of one, so these rates are lower bounds of what the server does alone.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ffibench.pure.arrays import generate_list
from ffibench.scenarios import Anchor, Load, Operation, Scenario, exact

#: The servers, in report order (the names of ``ffibench.web.servers.SERVERS``).
SERVERS = (
    "flask:werkzeug",
    "flask:gunicorn",
    "flask:granian",
    "flask:pyo3-handlers",
    "axum",
    "axum:inprocess",
)
DESCRIPTIONS = (
    "the Flask app (handlers over the spec) under werkzeug's development server, threaded",
    "the Flask app under gunicorn, one sync worker process per core, the people in SQLite",
    "the Flask app under granian's WSGI interface, one worker per core, the people in SQLite",
    "the Flask app under gunicorn, its handlers doing their work through the pyo3 backend",
    "the ffibench-server binary: axum and tokio, one runtime thread per core",
    "the same axum server started by ffibench.http.serve inside the measuring process",
)
#: wrk's connections: the issue's latency goal is at 32.
CONNECTIONS = 32
#: Requests each server answers before wrk starts (its caches, JITs and pools warm).
WARMUP = 200
#: The person the people endpoints read and replace.
PERSON_ID = 1
PERSON = {"name": "Ada Lovelace", "age": 36, "salary": 5200.0}
#: The sizes of the fixed request bodies.
STATS_VALUES = 1_000
MATRIX_N = 16
SEED = 20_261_202
JSON_HEADERS = (("Content-Type", "application/json"),)


def _text() -> str:
    """A text of about 2,000 words in several scripts, with punctuation: the words endpoint's."""
    words = ("the", "a", "Rust", "python's", "don't", "Straße", "ΟΔΟΣ", "naïve", "日本語", "42")
    draws = generate_list(2_000, SEED, "uniform")
    out = []
    for index, draw in enumerate(draws):
        out.append(words[int(draw * len(words))] + (",\n" if index % 17 == 16 else " "))
    return "".join(out)


def _matrix(seed: int) -> list[list[float]]:
    values = generate_list(MATRIX_N * MATRIX_N, seed, "normal")
    return [values[row * MATRIX_N : (row + 1) * MATRIX_N] for row in range(MATRIX_N)]


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


#: Each operation's request: method, path (with its query) and body.
REQUESTS: dict[str, tuple[str, str, bytes | None]] = {
    "health": ("GET", "/health", None),
    "stats": ("POST", "/stats", _json(generate_list(STATS_VALUES, SEED, "normal"))),
    "words_top": ("POST", "/words/top?k=10", _json({"text": _text()})),
    "people_get": ("GET", f"/people/{PERSON_ID}", None),
    "people_put": ("PUT", f"/people/{PERSON_ID}", _json(PERSON)),
    "matmul": ("POST", "/matmul", _json({"a": _matrix(SEED), "b": _matrix(SEED + 1)})),
}

#: A server's answer: its status and its JSON body (``None`` for an empty one).
Answer = tuple[int, Any]


def request(url: str, method: str, path: str, body: bytes | None) -> Answer:
    """One request to the server at ``url`` on a connection of its own: the answer."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"refusing to send to {url}: servers bind to the loopback only")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        headers = dict(JSON_HEADERS) if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)
    finally:
        connection.close()


def _prepare(url: str) -> None:
    """Store the person that the people endpoints read."""
    status, body = request(url, *REQUESTS["people_put"])
    if status not in (200, 201):
        raise RuntimeError(f"{url} did not store the person: {status} {body}")


@contextlib.contextmanager
def _running(server: str) -> Iterator[str]:
    from ffibench.web import servers  # Flask and the server launchers: only where they run

    with servers.serve(server) as url:
        _prepare(url)
        yield url


@dataclass(frozen=True)
class Exchange:
    """A server's participant: called with a request, it starts the server, sends it, stops
    it and returns the answer (the check before measuring); :meth:`serving` is its
    lifecycle for wrk."""

    server: str

    def __call__(self, method: str, path: str, body: bytes | None) -> Answer:
        with _running(self.server) as url:
            return request(url, method, path, body)

    @contextlib.contextmanager
    def serving(self, args: tuple[Any, ...]) -> Iterator[str]:
        """The server, started, stocked and warmed up with ``args``' request: its URL."""
        with _running(self.server) as url:
            for _ in range(WARMUP):
                status, body = request(url, *args)
                if status >= 500:
                    raise RuntimeError(f"{self.server} answered {status} while warming: {body}")
            yield url


def serving(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """The lifecycle of every operation: the participant's server (an :class:`Exchange`)."""
    if not isinstance(function, Exchange):
        raise TypeError(f"an http participant is an Exchange, not {type(function).__name__}")
    return function.serving(args)


def same(result: object, expected: object) -> bool:
    """Equal JSON values of the same types all the way down (``1`` is not ``1.0``; ``-0.0``
    is not ``0.0``; a NaN never appears: JSON has none)."""
    if isinstance(expected, dict):
        return (
            isinstance(result, dict)
            and result.keys() == expected.keys()
            and all(same(result[key], expected[key]) for key in expected)
        )
    if isinstance(expected, list | tuple):
        return (
            type(result) is type(expected)
            and len(result) == len(expected)  # type: ignore[arg-type]
            and all(same(r, e) for r, e in zip(result, expected, strict=True))  # type: ignore[call-overload]
        )
    if isinstance(expected, float):
        return (
            isinstance(result, float)
            and exact(result, expected)
            and (math.copysign(1.0, result) == math.copysign(1.0, expected))
        )
    return exact(result, expected)


def same_product(result: object, expected: object) -> bool:
    """Two answers of ``/matmul``: the same status, and products within the matmul
    scenario's bound of each other (:func:`ffibench.pure.matmul.tolerance`)."""
    import numpy

    from ffibench.pure.matmul import tolerance

    if not (isinstance(result, tuple) and isinstance(expected, tuple)):
        return False
    if result[0] != expected[0] or expected[0] != 200:
        return same(result, expected)
    body = json.loads(REQUESTS["matmul"][2] or b"{}")
    try:
        got = numpy.array(result[1]["c"], dtype=numpy.float64)
        want = numpy.array(expected[1]["c"], dtype=numpy.float64)
    except (KeyError, TypeError, ValueError):
        return False
    bound = tolerance(body["a"], body["b"], numpy.float64)
    return got.shape == want.shape and bool(numpy.all(numpy.abs(got - want) <= bound))


#: The endpoints of ``--quick``: the framework alone, a body of numbers and the word count (the
#: one handler that gains from Rust under Flask). Each endpoint costs a quick run about 30 s,
#: most of it starting six servers twice.
QUICK = ("health", "stats", "words_top")


def _operation(name: str, description: str, compare: Callable[[object, object], bool]) -> Operation:
    method, path, body = REQUESTS[name]
    return Operation(
        name,
        description,
        make_args=lambda size: REQUESTS[name],
        quick_sizes=(None,) if name in QUICK else (),
        compare=compare,
        kind="load",
        load=Load(
            path=path,
            method=method,
            body=body,
            headers=JSON_HEADERS if body is not None else (),
            connections=CONNECTIONS,
            threads=1,
            duration_s=2,
            quick_duration_s=1,
            repetitions=3,
            quick_repetitions=2,
            request_timeout_s=2,
        ),
        lifecycle=serving,
        timeout_s=120,
    )


SCENARIO = Scenario(
    name="http",
    title="A JSON API in Flask and in axum",
    question=(
        "Should a Flask service become a Rust one, or only its hot handler? Requests per "
        "second and latency under wrk, per endpoint"
    ),
    backends=(),
    operations=(
        _operation("health", "GET /health: the cost of the server and framework alone", same),
        _operation(
            "stats",
            f"POST /stats: count, sum, mean, min, max of {STATS_VALUES:,} numbers",
            same,
        ),
        _operation("words_top", "POST /words/top?k=10: the top words of ~2,000 words", same),
        _operation("people_get", "GET /people/{id}: a stored person", same),
        _operation("people_put", "PUT /people/{id}: replace a person, validated", same),
        _operation(
            "matmul",
            f"POST /matmul: the product of two {MATRIX_N}x{MATRIX_N} matrices",
            same_product,
        ),
    ),
    anchors=tuple(
        Anchor(server, description, dict.fromkeys(REQUESTS, Exchange(server)))
        for server, description in zip(SERVERS, DESCRIPTIONS, strict=True)
    ),
)
