"""The Rust server of the http scenario, alone: in-process (``ffibench.http.serve``) and as the
``ffibench-server`` binary, started for real on 127.0.0.1 and always stopped.

Answers are checked against the pure-Python spec (``ffibench.pure``); the error bodies are the
contract's (``python/ffibench/web/openapi.json``). The cross-server contract test, the same
requests to every server, lives with the Flask twin.
"""

from __future__ import annotations

import doctest
import errno
import gc
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy
import pytest

import ffibench
import ffibench.http
from ffibench.http import Server, serve
from ffibench.pure import arrays, matmul, words

BINARY = Path(ffibench.__file__).parent / "_lib" / "ffibench-server"
#: The server's header-read timeout (crates/server, Config::default): a slow head or an idle
#: connection is closed after it.
HEADER_READ_TIMEOUT = 5.0
#: The server's whole-request timeout: a body that stops coming gets 408 after it.
REQUEST_TIMEOUT = 10.0
#: How long a test waits for what the timeouts promise before it fails (generous: the machine
#: may be busy; no timing is asserted, only that it happens).
PATIENCE = 60.0


def error(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


NO_ROUTE = error("not_found", "no such route")
NOT_ALLOWED = error("method_not_allowed", "method not allowed")
TOO_LARGE = error("too_large", "the body is over 1048576 bytes")
MALFORMED = error("malformed_json", "the body is not valid JSON")
OUT_OF_RANGE = error("invalid_value", "a number is beyond the float64 range")


class Client:
    """One keep-alive connection to a server at ``url``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=PATIENCE)

    def call(
        self,
        method: str,
        path: str,
        body: bytes | str | Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """The status and the body (parsed JSON, ``None`` when empty) of one request; a body
        that is not bytes or str is sent as JSON."""
        if body is not None and not isinstance(body, bytes | str):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        self.connection.request(method, path, body=body, headers=headers or {})
        answer = self.connection.getresponse()
        data = answer.read()
        if data:
            assert answer.getheader("Content-Type") == "application/json"
        return answer.status, json.loads(data) if data else None

    def close(self) -> None:
        self.connection.close()


def call(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request on a new connection."""
    client = Client(url)
    try:
        return client.call(method, path, body)
    finally:
        client.close()


def counts() -> tuple[int, int]:
    """This process's threads and open file descriptors."""
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))


class BinaryServer:
    """``ffibench-server --port 0`` in its own process group, stopped by SIGTERM."""

    def __init__(self, workers: int = 2) -> None:
        self.process = subprocess.Popen(
            [str(BINARY), "--host", "127.0.0.1", "--port", "0", "--workers", str(workers)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            assert self.process.stdout is not None
            line = self.process.stdout.readline()
            found = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
            assert found, f"not the line expected: {line!r}"
            self.url = found.group(1)
        except BaseException:
            self.kill()
            raise

    def stop(self) -> int:
        """SIGTERM, then the exit code (the group is killed if it does not end in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=PATIENCE)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def inprocess() -> Iterator[Server]:
    server = serve(workers=2)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def binary() -> Iterator[BinaryServer]:
    server = BinaryServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["inprocess", "binary"])
def url(request: pytest.FixtureRequest) -> str:
    """The base URL of each way the Rust server runs."""
    server = request.getfixturevalue(request.param)
    return str(server.url)


# -- every route's happy path, against the spec -------------------------------------------------


def test_health_and_the_document(url: str) -> None:
    assert call(url, "GET", "/health") == (200, {"status": "ok"})
    assert call(url, "HEAD", "/health") == (200, None)
    client = Client(url)
    try:
        client.connection.request("GET", "/openapi.json")
        document = client.connection.getresponse().read()
    finally:
        client.close()
    assert document == (Path(ffibench.__file__).parent / "web" / "openapi.json").read_bytes()


def test_stats_is_the_arrays_spec(url: str) -> None:
    generator = random.Random(15)
    for count in (1, 7, 8, 129, 1000, 20_000):  # 20_000 numbers: the blocking-pool path
        values = [generator.uniform(-1e6, 1e6) for _ in range(count)]
        values[0] = generator.randrange(-(10**20), 10**20)  # an int, read as float64
        as_floats = [float(x) for x in values]
        total = arrays.pairwise_sum(as_floats)
        expected = {
            "count": count,
            "sum": total,
            "mean": total / count,
            "min": arrays.min(as_floats),
            "max": arrays.max(as_floats),
        }
        assert call(url, "POST", "/stats", values) == (200, expected)
    status, body = call(url, "POST", "/stats", "[-0.0, 0, 0.0]")
    assert status == 200 and math.copysign(1, body["min"]) == -1


def test_words_is_the_words_spec(url: str) -> None:
    generator = random.Random(15)
    vocabulary = ["the", "Cat", "naïve", "don't", "ΣΊΣΥΦΟΣ", "straße", "x2", "İstanbul", "ǅ"]
    text = " ".join(generator.choice(vocabulary) for _ in range(5000)) + " ... 42, l'été"
    counts = words.WordCounts.from_text(text)
    for k in (0, 1, 3, 10, 1000):
        expected = {
            "total": counts.total(),
            "top": [{"word": w, "count": c} for w, c in counts.most_common(k)],
        }
        assert call(url, "POST", f"/words/top?k={k}", {"text": text}) == (200, expected)
    expected_default = [{"word": w, "count": c} for w, c in counts.most_common(10)]
    assert call(url, "POST", "/words/top", {"text": text})[1]["top"] == expected_default


def test_people_roundtrip(url: str) -> None:
    person = {"name": "Łukasz Zoë", "age": 41, "salary": 52_000}
    stored = {"id": 424242, "name": "Łukasz Zoë", "age": 41, "salary": 52_000.0}
    call(url, "DELETE", "/people/424242")
    assert call(url, "PUT", "/people/424242", person) == (201, stored)
    status, body = call(url, "GET", "/people/424242")
    assert (status, body) == (200, stored) and isinstance(body["salary"], float)
    changed = {**person, "age": 42}
    assert call(url, "PUT", "/people/424242", changed) == (200, {**stored, "age": 42})
    assert call(url, "DELETE", "/people/424242") == (204, None)
    missing = error("not_found", "no person with id 424242")
    assert call(url, "GET", "/people/424242") == (404, missing)
    assert call(url, "DELETE", "/people/424242") == (404, missing)


def test_matmul_is_within_the_specs_tolerance(url: str) -> None:
    generator = numpy.random.default_rng(15)
    for m, k, n in [(1, 1, 1), (2, 3, 4), (16, 16, 16), (17, 40, 33), (64, 64, 64)]:
        a = generator.standard_normal((m, k)).tolist()
        b = generator.standard_normal((k, n)).tolist()
        status, body = call(url, "POST", "/matmul", {"a": a, "b": b})
        assert status == 200
        product = numpy.array(body["c"])
        expected = matmul.matmul(a, b)
        assert product.shape == expected.shape
        assert (numpy.abs(product - expected) <= matmul.tolerance(a, b, numpy.float64)).all()
    assert call(url, "POST", "/matmul", {"a": [[1], [2]], "b": [[]]}) == (200, {"c": [[], []]})


# -- every error class of the contract ----------------------------------------------------------


def test_unknown_paths_and_other_methods(url: str) -> None:
    for method, path in [("GET", "/"), ("GET", "/nope"), ("GET", "/health/"), ("GET", "//health")]:
        assert call(url, method, path) == (404, NO_ROUTE), path
    for path in [
        "/people/01",
        "/people/x",
        "/people/",
        "/people/1/2",
        "/people/1000000000000000000",
    ]:
        for method in ["GET", "PUT", "DELETE", "POST"]:
            assert call(url, method, path) == (404, NO_ROUTE), (method, path)
    for method, path in [
        ("POST", "/health"),
        ("OPTIONS", "/health"),
        ("GET", "/stats"),
        ("PUT", "/words/top"),
        ("GET", "/matmul"),
        ("POST", "/people/1"),
        ("PATCH", "/people/1"),
        ("DELETE", "/openapi.json"),
    ]:
        assert call(url, method, path) == (405, NOT_ALLOWED), (method, path)
    assert call(url, "HEAD", "/stats") == (405, None)
    # Paths are matched percent-decoded, as a WSGI server decodes them.
    assert call(url, "GET", "/%68ealth") == (200, {"status": "ok"})


def test_bodies_over_the_limit(url: str) -> None:
    two_mib = b" " * (2 << 20)
    for method, path in [("POST", "/stats"), ("POST", "/words/top"), ("PUT", "/people/1")]:
        assert call(url, method, path, two_mib) == (413, TOO_LARGE), path
    # Routes that read no body ignore it, however large.
    assert call(url, "GET", "/health", two_mib) == (200, {"status": "ok"})
    # The limit itself is allowed: 1048576 bytes of JSON (a number padded with spaces).
    exactly = b"[1]" + b" " * (1_048_576 - 3)
    assert call(url, "POST", "/stats", exactly)[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[1, 2",
        b"[1, 2,]",
        b"[NaN]",
        b"[Infinity]",
        b"\xff\xfe[1]",
        b'{"text": "\\ud800"}',
        b"[" * 101 + b"]" * 101,
        b"[1e400",
        b"\xef\xbb\xbf[1]",
    ],
)
def test_malformed_json(url: str, body: bytes) -> None:
    for method, path in [("POST", "/stats"), ("POST", "/words/top"), ("PUT", "/people/1")]:
        assert call(url, method, path, body) == (400, MALFORMED), path


def test_numbers_beyond_float64(url: str) -> None:
    for body in ["[1e400]", '{"text": -1e400}', "[" + "9" * 310 + "]", '{"a": [[1.8e308]]}']:
        for method, path in [("POST", "/stats"), ("POST", "/matmul"), ("PUT", "/people/1")]:
            assert call(url, method, path, body) == (400, OUT_OF_RANGE), (path, body)


def test_wrong_shapes(url: str) -> None:
    stats = error("wrong_shape", "expected a JSON array of numbers")
    for body in ["{}", "[true]", '["1"]', "[[1]]", "null", "[1, null]"]:
        assert call(url, "POST", "/stats", body) == (422, stats), body
    text = error("wrong_shape", "expected an object with one field, text, a string")
    for body in ['{"text": 1}', '{"text": "a", "k": 3}', '["a"]', "{}"]:
        assert call(url, "POST", "/words/top", body) == (422, text), body
    person = error(
        "wrong_shape",
        "expected an object with exactly the fields name (a string), age and salary (numbers)",
    )
    for body in [
        '{"name": "A", "age": 1}',
        '{"name": "A", "age": true, "salary": 1}',
        '{"name": "A", "age": 1, "salary": 1, "x": 0}',
        '{"name": null, "age": 1, "salary": 1}',
    ]:
        assert call(url, "PUT", "/people/1", body) == (422, person), body
    operands = error(
        "wrong_shape",
        "expected an object with exactly the fields a and b, each a non-empty list of "
        "equal-length lists of numbers",
    )
    for body in ['{"a": [], "b": [[1]]}', '{"a": [[1], [1, 2]], "b": [[1]]}', '{"a": [[1]]}']:
        assert call(url, "POST", "/matmul", body) == (422, operands), body


def test_invalid_values(url: str) -> None:
    def invalid(message: str) -> tuple[int, dict[str, str]]:
        return 400, error("invalid_value", message)

    assert call(url, "POST", "/stats", []) == invalid("the list is empty")
    assert call(url, "POST", "/stats", [1e308, 1e308]) == invalid(
        "the sum is beyond the float64 range"
    )
    k_message = "k must be an integer from 0 to 1000, given once"
    for query in ["k=1001", "k=-1", "k=1.5", "k=", "k=2&k=2", "k=%EF%BC%95"]:
        assert call(url, "POST", f"/words/top?{query}", {"text": "a"}) == invalid(k_message)
    assert call(url, "POST", "/words/top?k=0005", {"text": "a a"})[0] == 200
    for person, message in [
        ({"name": "", "age": 1, "salary": 1}, "name must have 1 to 256 characters"),
        ({"name": "A" * 257, "age": 1, "salary": 1}, "name must have 1 to 256 characters"),
        ({"name": "A", "age": 151, "salary": 1}, "age must be an integer from 0 to 150"),
        ({"name": "A", "age": 1.0, "salary": 1}, "age must be an integer from 0 to 150"),
        ({"name": "A", "age": 1, "salary": -1}, "salary must be a number >= 0"),
    ]:
        assert call(url, "PUT", "/people/1", person) == invalid(message), person
    too_big = {"a": [[0.0] * 257], "b": [[1.0]] * 257}
    assert call(url, "POST", "/matmul", too_big) == invalid(
        "a matrix may have at most 256 rows and 256 columns"
    )
    assert call(url, "POST", "/matmul", {"a": [[1, 2]], "b": [[1]]}) == invalid(
        "a has 2 columns but b has 1 rows"
    )
    assert call(url, "POST", "/matmul", {"a": [[1e300]], "b": [[1]]}) == invalid(
        "a matrix entry's magnitude may be at most 1e150"
    )


# -- reliability ---------------------------------------------------------------------------------


def wrk(url: str, path: str, body: str | None, seconds: int) -> str:
    """wrk's report of ``seconds`` of 64 connections on ``path`` (a POST of ``body`` if any)."""
    assert shutil.which("wrk")
    command = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s"]
    if body is not None:
        script = f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n"
        directory = Path(os.environ.get("TMPDIR", "/tmp"))
        script_path = directory / f"ffibench-wrk-{os.getpid()}-{threading.get_ident()}.lua"
        script_path.write_text(script)
        command += ["-s", str(script_path)]
    else:
        script_path = None
    try:
        done = subprocess.run(
            [*command, url + path],
            check=False,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        if script_path is not None:
            script_path.unlink()
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make system-deps)")
def test_64_connections_get_no_5xx_and_no_dropped_connection(url: str) -> None:
    for path, body in [("/health", None), ("/stats", "[1, 2.5, 3]")]:
        report = wrk(url, path, body, seconds=3)
        requests = re.search(r"(\d+) requests in", report)
        assert requests and int(requests.group(1)) > 0, report
        # wrk prints these lines only when something went wrong.
        assert "Non-2xx or 3xx responses" not in report, report
        assert "Socket errors" not in report, report
    assert call(url, "GET", "/health") == (200, {"status": "ok"})


@pytest.mark.slow
def test_64_threads_with_their_own_connections(url: str) -> None:
    """The same load without wrk: 64 connections from threads, each kept alive."""
    failures: list[str] = []
    answered = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + 2.0

    def client(index: int) -> None:
        nonlocal answered
        connection = Client(url)
        try:
            while time.monotonic() < stop_at:
                if index % 2:
                    status, _ = connection.call("GET", "/health")
                else:
                    status, _ = connection.call("POST", "/words/top?k=1", {"text": "a b a"})
                with lock:
                    answered += 1
                    if status != 200:
                        failures.append(f"status {status}")
        except Exception as failure:  # a dropped connection is a failure, reported below
            with lock:
                failures.append(repr(failure))
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert answered >= 64


def test_no_acknowledged_write_is_lost(url: str) -> None:
    acknowledged: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()

    def writer(first: int) -> None:
        connection = Client(url)
        try:
            for id_ in range(first, first + 150):
                person = {"name": f"p{id_}", "age": id_ % 151, "salary": id_}
                status, body = connection.call("PUT", f"/people/{id_}", person)
                if status in (200, 201) and body["id"] == id_:
                    with lock:
                        acknowledged.append(id_)
                else:
                    with lock:
                        failures.append(f"PUT {id_}: {status}")
        finally:
            connection.close()

    def reader(first: int) -> None:
        connection = Client(url)
        try:
            for id_ in range(first, first + 150):
                status, _ = connection.call("GET", f"/people/{id_}")
                if status not in (200, 404):
                    with lock:
                        failures.append(f"GET {id_}: {status}")
        finally:
            connection.close()

    bases = [7_000_000 + 1000 * index for index in range(6)]
    threads = [threading.Thread(target=writer, args=(base,)) for base in bases]
    threads += [threading.Thread(target=reader, args=(base,)) for base in bases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(acknowledged) == 6 * 150
    connection = Client(url)
    try:
        found = sum(
            connection.call("GET", f"/people/{id_}")[1]["name"] == f"p{id_}" for id_ in acknowledged
        )
    finally:
        connection.close()
    assert found == len(acknowledged)


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` before PATIENCE seconds (a read gives EOF/reset)."""
    sock.settimeout(PATIENCE)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.mark.slow
def test_a_slow_client_does_not_hold_the_server(url: str) -> None:
    host, port = urlsplit(url).hostname, urlsplit(url).port
    results: dict[str, Any] = {}

    def trickle_head() -> None:
        # One byte of the head a second: the server closes the connection once the
        # header-read timeout has passed, before the head is done.
        with socket.create_connection((host, port)) as sock:
            head = b"GET /health HTTP/1.1\r\nHost: slow\r\nX-Padding: " + b"a" * 200
            started = time.monotonic()
            for byte in head:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.5)
                if time.monotonic() - started > PATIENCE:
                    break
            results["head closed"] = _closed(sock)

    def body_never_comes() -> None:
        with socket.create_connection((host, port)) as sock:
            sock.sendall(b"POST /stats HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n[1,")
            sock.settimeout(PATIENCE)
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
            results["body answer"] = answer

    def idle_after_an_answer() -> None:
        # Kept alive, but no second request: closed once the header-read timeout passes.
        with socket.create_connection((host, port)) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            sock.settimeout(PATIENCE)
            answer = b""
            while not answer.endswith(b'{"status":"ok"}'):
                answer += sock.recv(4096)
            results["idle closed"] = _closed(sock)

    threads = [
        threading.Thread(target=trickle_head),
        threading.Thread(target=body_never_comes),
        threading.Thread(target=idle_after_an_answer),
    ]
    for thread in threads:
        thread.start()
    # Meanwhile everyone else is answered.
    for _ in range(10):
        assert call(url, "GET", "/health") == (200, {"status": "ok"})
        time.sleep(0.2)
    for thread in threads:
        thread.join()
    assert results["head closed"] is True
    assert results["idle closed"] is True
    head, _, body = results["body answer"].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body)["error"] == "timeout"


# -- the in-process server's lifecycle -----------------------------------------------------------


def test_the_examples_in_the_docstrings() -> None:
    assert doctest.testmod(ffibench.http).failed == 0


def test_serve_returns_a_handle() -> None:
    with serve() as server:
        assert server.host == "127.0.0.1"
        assert 0 < server.port < 65536
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.running
        assert repr(server) == f"<ffibench._native.http.Server {server.url} running>"
        assert call(server.url, "GET", "/health")[0] == 200
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        call(server.url, "GET", "/health")


def test_stop_twice_and_from_other_threads() -> None:
    server = serve(workers=1)
    server.stop()
    server.stop()
    server = serve(workers=1)
    threads = [threading.Thread(target=server.stop) for _ in range(8)]
    for thread in threads:
        thread.start()
    server.stop()
    for thread in threads:
        thread.join()
    assert not server.running


def test_stop_waits_for_a_request_in_flight() -> None:
    server = serve(workers=1)
    host, port = server.host, server.port
    with socket.create_connection((host, port)) as sock:
        sock.settimeout(PATIENCE)
        sock.sendall(
            b"POST /stats HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n"
        )
        # 100 Continue: the handler is reading the body, the request is in flight.
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            interim += sock.recv(1)
        assert interim.startswith(b"HTTP/1.1 100 ")
        stopping = threading.Thread(target=server.stop)
        stopping.start()
        time.sleep(0.2)  # not needed to pass: the request is answered whenever the stop begins
        sock.sendall(b"[1, 2, 3]")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        stopping.join()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body)["sum"] == 6.0


@pytest.mark.slow
def test_many_servers_leave_no_thread_or_descriptor() -> None:
    with serve(workers=2) as server:  # process-wide state set up once (tokio's, the panic hook)
        call(server.url, "GET", "/health")
    gc.collect()
    before = counts()
    for index in range(25):
        server = serve(workers=2)
        assert call(server.url, "GET", "/health") == (200, {"status": "ok"})
        if index % 2:
            server.stop()
        else:
            del server  # dropped without stop(): stopped all the same
            gc.collect()
    assert counts() == before


def test_a_dropped_server_frees_its_port() -> None:
    server = serve()
    port = server.port
    del server
    gc.collect()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_the_gil_is_not_needed_to_serve() -> None:
    """A client in another process is answered while this thread holds the GIL, spinning."""
    with serve(workers=1) as server:
        client = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).status)",
                server.url + "/health",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        interval = sys.getswitchinterval()
        sys.setswitchinterval(100.0)
        try:
            deadline = time.monotonic() + PATIENCE
            while client.poll() is None and time.monotonic() < deadline:
                pass
        finally:
            sys.setswitchinterval(interval)
            if client.poll() is None:
                client.kill()
            output, _ = client.communicate()
    assert output.strip() == "200"


FORK_CHILD = """
import os, urllib.request
from ffibench.http import serve
server = serve(workers=1)
pid = os.fork()
if pid == 0:
    code = 1
    try:
        assert not server.running  # the parent's server: inert here
        server.stop()
        del server
        code = 0
    finally:
        os._exit(code)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert server.running
with urllib.request.urlopen(server.url + "/health") as answer:
    assert answer.status == 200
server.stop()
print("ok")
"""


def test_a_fork_child_leaves_the_parents_server_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FORK_CHILD],
        check=False,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert done.stdout == "ok\n", done.stderr


def test_a_port_in_use_is_an_oserror() -> None:
    with serve() as server:
        with pytest.raises(OSError, match=r"cannot serve on 127\.0\.0\.1") as raised:
            serve(port=server.port)
        assert raised.value.errno == errno.EADDRINUSE
    with pytest.raises(OSError, match="cannot serve on"):
        serve(host="no-such-host.invalid")
    with pytest.raises(OSError, match="cannot serve on"):
        serve(host="192.0.2.1")  # TEST-NET-1: never an address of this machine


def test_bad_arguments() -> None:
    for arguments, exception in [
        ({"host": 1}, TypeError),
        ({"host": b"127.0.0.1"}, TypeError),
        ({"host": "127.0.0.1\0"}, ValueError),
        ({"port": "80"}, TypeError),
        ({"port": 1.0}, TypeError),
        ({"port": True}, TypeError),
        ({"port": -1}, OverflowError),
        ({"port": 65536}, OverflowError),
        ({"port": 2**100}, OverflowError),
        ({"workers": 0}, ValueError),
        ({"workers": -1}, ValueError),
        ({"workers": 1025}, ValueError),
        ({"workers": 2**70}, ValueError),
        ({"workers": 1.5}, TypeError),
        ({"workers": False}, TypeError),
    ]:
        with pytest.raises(exception):
            serve(**arguments)


def test_a_handle_cannot_be_copied() -> None:
    import copy
    import pickle

    with serve() as server:
        with pytest.raises(TypeError):
            copy.copy(server)
        with pytest.raises(TypeError):
            pickle.dumps(server)


# -- the binary ----------------------------------------------------------------------------------


def test_the_binary_is_built_executable() -> None:
    assert BINARY.is_file()
    assert os.access(BINARY, os.X_OK)


def test_the_binary_stops_on_sigterm_and_sigint_with_exit_0() -> None:
    for sent in (signal.SIGTERM, signal.SIGINT):
        server = BinaryServer(workers=1)
        try:
            assert call(server.url, "GET", "/health")[0] == 200
            server.process.send_signal(sent)
            assert server.process.wait(timeout=PATIENCE) == 0
        finally:
            server.kill()


def test_the_binary_refuses_bad_arguments_with_exit_2() -> None:
    for arguments in (["--port", "70000"], ["--workers", "0"], ["--nope"]):
        done = subprocess.run(
            [str(BINARY), *arguments], check=False, capture_output=True, text=True, timeout=PATIENCE
        )
        assert done.returncode == 2, arguments
        assert done.stderr.startswith("ffibench-server: ")
        assert done.stdout == ""
