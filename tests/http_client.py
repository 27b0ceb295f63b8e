"""What the http tests share: a raw HTTP client, type-exact JSON comparison, and the servers.

The client opens a connection per request and sends exactly what it is given (a body with any
method, a chunked body, a path with escapes). A server may answer before it has read a large
body and close the connection: the answer is read all the same (the kernel keeps what arrived
before the reset).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ffibench.web.servers import SERVERS, serve

ROOT = Path(__file__).resolve().parent.parent
#: What each Rust server needs in the tree; until the rust branch is merged, they skip.
_RUST_SOURCES = {
    "axum": ROOT / "crates" / "server",
    "axum:inprocess": ROOT / "python" / "ffibench" / "http.py",
}
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    data: bytes

    def json(self) -> Any:
        return json.loads(self.data)


def request(
    base: str,
    method: str,
    path: str,
    body: bytes | Iterable[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """Send one request on a new connection and read the whole answer. An iterable body goes
    out chunked (``Transfer-Encoding: chunked``, no length)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT_S)
    try:
        chunked = body is not None and not isinstance(body, bytes)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            # The server may answer (413) and close before it has read all of a large body.
            connection.request(
                method, path, body=body, headers=headers or {}, encode_chunked=chunked
            )
        response = connection.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def canon(value: Any) -> Any:
    """``value`` with its types made explicit, so that ``==`` is type-exact: ``1`` and ``1.0``
    differ, ``True`` and ``1`` differ, ``0.0`` and ``-0.0`` differ."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value.hex() if math.isfinite(value) else repr(value))
    if isinstance(value, list):
        return [canon(item) for item in value]
    if isinstance(value, dict):
        return {key: canon(item) for key, item in value.items()}
    return value


def in_tree_reason(name: str) -> str | None:
    """Why server ``name`` is skipped: its source is not in this tree yet (the rust branch is
    not merged). Once it is, the server must start, or the test fails."""
    source = _RUST_SOURCES.get(name)
    if source is not None and not source.exists():
        where = source.relative_to(ROOT)
        return f"{name}: {where} is not in this tree (the rust branch is not merged)"
    return None


@dataclass(frozen=True)
class Server:
    name: str
    url: str


@contextlib.contextmanager
def running(name: str) -> Iterator[Server]:
    """Server ``name`` for a module's tests, or a skip while its source is not in the tree."""
    reason = in_tree_reason(name)
    if reason is not None:
        pytest.skip(reason)
    with serve(name) as url:
        yield Server(name, url)


__all__ = ["SERVERS", "Reply", "Server", "canon", "in_tree_reason", "request", "running"]
