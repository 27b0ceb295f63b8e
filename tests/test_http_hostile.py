"""Hostile requests found by review: each one once hung, crashed or split the servers.

The Flask app is reached through its test client and the Rust server in-process
(``ffibench.http.serve``): what is tested here is how each reads a body, not the HTTP servers
around them (``test_http_contract.py`` runs every real server).
"""

from __future__ import annotations

import http.client
import io
import json
import struct
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ffibench.http import serve
from ffibench.web import BACKENDS, create_app
from ffibench.web.store import STORE_ENVIRON, SqliteStore

MALFORMED = {"error": "malformed_json", "message": "the body is not valid JSON"}


def test_an_unterminated_string_of_escaped_quotes_is_read_in_linear_time() -> None:
    """Over 100 brackets, then a string of ``\\"`` escapes that never ends: the depth count
    once skipped strings with a regex that, failing at every quote, rescanned to the end (an
    hour of CPU for a 1 MB body, a worker held). Run in a child with a bound far above the
    second it now takes, so that a regression fails instead of hanging the suite."""
    script = textwrap.dedent(
        """
        from ffibench.web.body import read_json
        from ffibench.web.errors import ApiError
        for tail in (b"", b"\\\\"):
            body = b"[" * 101 + b'"' + b'\\\\"' * 500_000 + tail
            try:
                read_json(body)
            except ApiError as error:
                print(error.status, error.body())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == [f"400 {MALFORMED}"] * 2


NO_ROUTE = {"error": "not_found", "message": "no such route"}


@pytest.fixture(scope="module")
def axum() -> Iterator[str]:
    with serve(workers=2) as server:
        yield server.url


def _axum(url: str, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(method, path, body=body)
        answer = connection.getresponse()
        data = answer.read()
    finally:
        connection.close()
    return answer.status, json.loads(data) if data else None


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/%2Fhealth"), ("GET", "/%2F%2Fhealth"), ("POST", "/%2Fstats"), ("GET", "/%2F")],
)
def test_leading_slashes_are_not_merged(axum: str, backend: str, method: str, path: str) -> None:
    """``/%2Fhealth`` is ``//health``, no route (the contract merges no slash): Werkzeug's
    router stripped leading slashes, so Flask answered 200 (or 405) where axum said 404."""
    reply = create_app(backend).test_client().open(path, method=method, data=b"[1]")
    assert (reply.status_code, reply.json) == (404, NO_ROUTE)
    assert _axum(axum, method, path, b"[1]") == (404, NO_ROUTE)


class _BrokenStream(io.RawIOBase):
    """A server's request stream whose chunked framing breaks after two bytes, as gunicorn's
    chunked reader does (its own exceptions, not OSError)."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.sent = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self.sent:
            self.sent = True
            buffer[:2] = b"[1"
            return 2
        raise self.error


def _broken_streams() -> dict[str, Any]:
    from gunicorn.http.errors import ChunkMissingTerminator, InvalidChunkSize
    from werkzeug.serving import DechunkedInput

    return {
        # werkzeug's development server reads chunks with this class: OSError
        "werkzeug-size": lambda: DechunkedInput(io.BytesIO(b"zz\r\n[1]\r\n0\r\n\r\n")),
        "werkzeug-terminator": lambda: DechunkedInput(io.BytesIO(b"3\r\n[1]xx0\r\n\r\n")),
        "gunicorn-size": lambda: _BrokenStream(InvalidChunkSize(b"zz")),
        "gunicorn-terminator": lambda: _BrokenStream(ChunkMissingTerminator(b"xx")),
    }


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("stream", _broken_streams().items(), ids=lambda item: item[0])
def test_a_broken_chunked_body_is_malformed_not_a_500(
    backend: str, stream: tuple[str, Any]
) -> None:
    """Broken chunked framing is a body that is not JSON (axum: 400 malformed_json); the
    WSGI servers' streams raised their own exceptions, which Flask answered 500."""
    client = create_app(backend).test_client()
    for method, path in (("POST", "/stats"), ("PUT", "/people/1"), ("POST", "/matmul")):
        reply = client.open(
            path,
            method=method,
            headers={"Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input": stream[1](), "wsgi.input_terminated": True},
        )
        assert (reply.status_code, reply.json) == (400, MALFORMED), path


@pytest.mark.parametrize("salary", [-0.0, 0.0, 5e-324, 1e308, 2.5])
def test_the_sqlite_store_keeps_a_salary_exactly(tmp_path: Path, salary: float) -> None:
    """A salary of -0.0 is valid (>= 0) and axum gives it back as -0.0; the SQLite store of
    the multi-process Flask servers read it back as 0.0 (a whole REAL is stored as an
    integer), so GET answered differently from PUT and from axum."""
    store = SqliteStore(str(tmp_path / "people.sqlite"))
    try:
        store.put(1, ("Ada", 36, salary))
        record = store.get(1)
        assert record is not None
        assert record[:2] == ("Ada", 36)
        assert struct.pack("<d", record[2]) == struct.pack("<d", salary)
    finally:
        store.close()


def test_a_negative_zero_salary_reads_back_as_axum_gives_it(
    axum: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STORE_ENVIRON, str(tmp_path / "people.sqlite"))
    client = create_app("python").test_client()
    body = b'{"name": "Ada", "age": 36, "salary": -0.0}'
    assert client.put("/people/7", data=body).status_code == 201
    assert _axum(axum, "PUT", "/people/7", body)[0] == 201
    assert client.get("/people/7").data.strip() == _axum_raw(axum, "/people/7")
    assert b'"salary":-0.0' in client.get("/people/7").data


def _axum_raw(url: str, path: str) -> bytes:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


def test_a_start_interrupted_after_the_fork_leaves_no_process() -> None:
    """Ctrl-C while ``Popen`` waits for the child's exec (here made slow) raised out of
    ``spawn`` without the process: the server it had forked ran on until the caller died. The
    caller here catches the interrupt and looks for its child while it still lives."""
    script = textwrap.dedent(
        """
        import os, signal, subprocess, sys, threading, time, uuid
        from ffibench.harness import processes

        marker = uuid.uuid4().hex
        original = processes._die_with_parent

        def slow_exec():  # in the child, between fork and exec
            time.sleep(2.0)
            original()

        processes._die_with_parent = slow_exec
        # Python leaves SIGINT ignored when it starts with it ignored, as a job started in
        # the background by a non-interactive shell does (CI's, say): make Ctrl-C raise.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # To the main thread itself: os.kill may deliver it to the timer's thread, and the
        # main thread's wait for the exec would then not be interrupted.
        main = threading.main_thread().ident
        threading.Timer(0.5, signal.pthread_kill, (main, signal.SIGINT)).start()
        try:
            with processes.spawn([sys.executable, "-c", "import time; time.sleep(60)", marker]):
                print("started")
        except KeyboardInterrupt:
            print("interrupted")
        time.sleep(2.5)  # the child, had it been left, has exec'd by now
        found = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
        print("left" if found.stdout.split() else "clean")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["interrupted", "clean"], done.stderr
