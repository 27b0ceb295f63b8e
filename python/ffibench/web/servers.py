"""Start any of the http scenario's servers on 127.0.0.1 and always stop it.

``serve(name)`` is a context manager that yields the server's base URL once it answers
``GET /health`` and stops its whole process group on exit, whatever happened. Every server is
a real subprocess started through :func:`ffibench.harness.processes.spawn` (its own session,
dying with its parent, SIGTERM then SIGKILL):

``flask:werkzeug``
    Flask's development server (``flask run``: threaded), the store a dict in its process.
    One request it cannot route as the others do: Python's ``http.server``, under it, reduces
    a request target that starts with ``//`` to one slash before the app sees it, so
    ``//health`` is ``/health`` there (repeated slashes further on are kept).
``flask:gunicorn``, ``flask:pyo3-handlers``
    gunicorn with as many sync workers as cores, over ``ffibench.web:app`` and
    ``ffibench.web:pyo3_app``; the workers share an SQLite store in a temporary folder.
``flask:granian``
    granian's WSGI interface, as many worker processes as cores, the same store rule.
``axum``
    the Rust binary ``ffibench/_lib/ffibench-server --host 127.0.0.1 --port 0 --workers N``,
    whose one line ``listening on http://127.0.0.1:PORT`` says where it listens.
``axum:inprocess``
    ``ffibench.http.serve()``, the same server started from Python, run in a Python process
    of its own (:mod:`ffibench.web.inprocess`), which prints the same line. Its own process,
    not the caller's: a load generator or a test client in the same process would share the
    process's CPU time and its GIL-holding threads with the server it measures, and a crash
    would take the caller down. A caller who wants it in its own process calls
    ``ffibench.http.serve()`` itself.

The Flask servers are given a port found free just before (their command lines take no port
0 they would report); a start that loses that race is retried on another port.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from ffibench.harness.processes import spawn
from ffibench.web.store import STORE_ENVIRON

__all__ = ["SERVERS", "ServerError", "binary_path", "missing", "serve", "workers"]

#: Every server of the http scenario, in the order results show them.
SERVERS: tuple[str, ...] = (
    "flask:werkzeug",
    "flask:gunicorn",
    "flask:granian",
    "flask:pyo3-handlers",
    "axum",
    "axum:inprocess",
)
#: How long a server gets to answer ``GET /health``.
START_TIMEOUT_S = 20.0
#: The line the Rust server prints once it listens.
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))\s*$")
#: How many ports a Flask server is tried on before its start is an error.
_PORT_TRIES = 3
_STDERR_TAIL = 2000


class ServerError(RuntimeError):
    """A server that did not start: it exited, or it did not answer in time."""


def workers() -> int:
    """Worker processes (or threads, for axum) per server: one per core."""
    return os.cpu_count() or 1


def binary_path() -> Path:
    """Where the build puts the Rust server's binary."""
    import ffibench

    return Path(ffibench.__file__).resolve().parent / "_lib" / "ffibench-server"


def missing(name: str) -> str | None:
    """Why server ``name`` cannot start in this installation, or ``None`` when it can."""
    if name not in SERVERS:
        raise ValueError(f"unknown server {name!r}; choose one of {', '.join(SERVERS)}")
    if name == "axum" and not os.access(binary_path(), os.X_OK):
        return f"the Rust server's binary {binary_path()} is not built"
    if name == "axum:inprocess":
        try:
            import ffibench.http  # noqa: F401
        except ImportError as error:
            return f"ffibench.http cannot be imported: {error}"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environ(store: str | None) -> dict[str, str]:
    environ = dict(os.environ)
    environ.pop(STORE_ENVIRON, None)
    if store is not None:
        environ[STORE_ENVIRON] = store
    environ["FLASK_SKIP_DOTENV"] = "1"  # a stray .env file changes nothing
    environ["PYTHONUNBUFFERED"] = "1"
    return environ


def _tail(log: IO[bytes]) -> str:
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - _STDERR_TAIL))
    return log.read().decode(errors="replace").strip()


def _healthy(url: str) -> bool:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=2.0)
    try:
        connection.request("GET", "/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _wait_healthy(name: str, url: str, process: subprocess.Popen[Any], log: IO[bytes]) -> None:
    """Poll ``GET /health`` until 200; ``ServerError`` with the server's stderr when it exits
    or does not answer within :data:`START_TIMEOUT_S`."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _healthy(url):
        if process.poll() is not None:
            raise ServerError(
                f"{name} exited with status {process.returncode} before it answered "
                f"GET {url}/health; its stderr ends:\n{_tail(log)}"
            )
        if time.monotonic() > deadline:
            raise ServerError(
                f"{name} did not answer GET {url}/health within {START_TIMEOUT_S:.0f} s; "
                f"its stderr ends:\n{_tail(log)}"
            )
        time.sleep(0.05)


def _flask_command(name: str, port: int) -> list[str]:
    address = f"127.0.0.1:{port}"
    count = str(workers())
    if name == "flask:werkzeug":
        return [sys.executable, "-m", "flask", "--app", "ffibench.web:app", "run",
                "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    if name == "flask:granian":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", str(port), "--workers", count, "ffibench.web:app"]  # fmt: skip
    target = "ffibench.web:pyo3_app" if name == "flask:pyo3-handlers" else "ffibench.web:app"
    return [sys.executable, "-m", "gunicorn", "-w", count, "-b", address, target]


@contextlib.contextmanager
def _serve_flask(name: str) -> Iterator[str]:
    with contextlib.ExitStack() as stack:
        store = None
        if name != "flask:werkzeug":  # worker processes share nothing: one SQLite file
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="ffibench-web-"))
            store = str(Path(folder) / "people.sqlite")
        for attempt in range(_PORT_TRIES):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            log = stack.enter_context(tempfile.TemporaryFile())
            server = stack.enter_context(
                spawn(_flask_command(name, port), stderr=log, env=_environ(store))
            )
            try:
                _wait_healthy(name, url, server, log)
            except ServerError:
                lost_race = server.poll() is not None and "in use" in _tail(log)
                if not lost_race or attempt == _PORT_TRIES - 1:
                    raise
                continue  # the spawn's exit stops it with the rest of the stack
            yield url
            return


def _drain(name: str, stdout: IO[bytes]) -> tuple[queue.Queue[str], threading.Thread]:
    """A thread that reads the server's output line by line into a queue until the server
    closes it ("" then), so that a full pipe never blocks the server."""
    lines: queue.Queue[str] = queue.Queue()

    def drain() -> None:
        for raw in stdout:
            lines.put(raw.decode(errors="replace"))
        lines.put("")

    drainer = threading.Thread(target=drain, name=f"{name} stdout", daemon=True)
    drainer.start()
    return lines, drainer


def _read_listening(name: str, lines: queue.Queue[str], log: IO[bytes]) -> str:
    """The base URL from the server's first line, ``listening on http://127.0.0.1:PORT``."""
    try:
        first = lines.get(timeout=START_TIMEOUT_S)
    except queue.Empty:
        raise ServerError(
            f"{name} printed no 'listening on' line within {START_TIMEOUT_S:.0f} s; "
            f"its stderr ends:\n{_tail(log)}"
        ) from None
    match = _LISTENING.match(first)
    if match is None:
        said = f"printed {first!r}" if first else "exited"
        raise ServerError(
            f"{name} {said} instead of printing 'listening on http://127.0.0.1:PORT'; "
            f"its stderr ends:\n{_tail(log)}"
        )
    return match.group(1)


@contextlib.contextmanager
def _serve_axum(name: str) -> Iterator[str]:
    reason = missing(name)
    if reason is not None:
        raise ServerError(f"{name} cannot start: {reason}")
    count = str(workers())
    if name == "axum":
        command = [str(binary_path()), "--host", "127.0.0.1", "--port", "0", "--workers", count]
    else:
        command = [sys.executable, "-m", "ffibench.web.inprocess", "--workers", count]
    started: list[tuple[IO[bytes], threading.Thread]] = []
    with tempfile.TemporaryFile() as log:
        try:
            with spawn(command, stdout=subprocess.PIPE, stderr=log, env=_environ(None)) as server:
                assert server.stdout is not None
                lines, drainer = _drain(name, server.stdout)
                started.append((server.stdout, drainer))
                url = _read_listening(name, lines, log)
                _wait_healthy(name, url, server, log)
                yield url
        finally:  # the spawn's exit stopped the server's group: its output has ended
            for stdout, drainer in started:
                drainer.join(timeout=5.0)
                stdout.close()


@contextlib.contextmanager
def serve(name: str) -> Iterator[str]:
    """Start server ``name`` (one of :data:`SERVERS`) on 127.0.0.1 and yield its base URL
    (``http://127.0.0.1:PORT``) once it answers ``GET /health``; stop it, with everything it
    started, on exit. ``ServerError`` when it cannot start (with its stderr's last lines).

    Examples
    --------
    >>> import urllib.request
    >>> with serve("flask:werkzeug") as url:
    ...     urllib.request.urlopen(f"{url}/health").read()
    b'{"status":"ok"}\\n'
    """
    if name not in SERVERS:
        raise ValueError(f"unknown server {name!r}; choose one of {', '.join(SERVERS)}")
    starter = _serve_axum if name.startswith("axum") else _serve_flask
    with starter(name) as url:
        yield url
