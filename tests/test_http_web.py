"""The Flask side's own parts: the people store (its bound, its atomicity across processes) and
the launchers (a server that cannot start says why; nothing outlives ``serve``).

The contract itself is tested on real servers in ``test_http_contract.py``; what is here costs
too much to reach through a server (100000 people to fill the store) or is about the
launchers, not the answers.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ffibench.harness.processes import spawn
from ffibench.web import create_app
from ffibench.web.errors import STORE_CAPACITY
from ffibench.web.servers import SERVERS, ServerError, _read_listening, _wait_healthy, serve
from ffibench.web.store import MemoryStore, SqliteStore, Store

FULL = {"error": "invalid_value", "message": "the store is full: it holds 100000 people"}


def _person(age: int) -> dict[str, Any]:
    return {"name": "Ada", "age": age, "salary": 1.0}


@pytest.fixture(params=["memory", "sqlite"])
def small_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "memory":
        return MemoryStore(capacity=2)
    return SqliteStore(str(tmp_path / "people.sqlite"), capacity=2)


@pytest.mark.parametrize("backend", ["python", "pyo3"])
def test_a_full_store_refuses_new_ids_only(small_store: Store, backend: str) -> None:
    """At its bound the store answers the contract's 400 to a new id, and still replaces and
    deletes; a deletion makes room. (The servers' bound is 100000; here it is 2.)"""
    app = create_app(backend)
    app.extensions["ffibench.web"].store = small_store
    client = app.test_client()
    assert client.put("/people/1", json=_person(1)).status_code == 201
    assert client.put("/people/2", json=_person(2)).status_code == 201
    refused = client.put("/people/3", json=_person(3))
    assert (refused.status_code, refused.json) == (400, FULL)
    assert client.get("/people/3").status_code == 404
    assert client.put("/people/2", json=_person(20)).status_code == 200
    assert client.delete("/people/1").status_code == 204
    assert client.put("/people/3", json=_person(3)).status_code == 201
    assert [client.get(f"/people/{i}").json["age"] for i in (2, 3)] == [20, 3]


def test_the_store_full_text_names_the_real_bound() -> None:
    assert f"it holds {STORE_CAPACITY} people" in FULL["message"]


_WRITER = """
import sys
from ffibench.web.store import SqliteStore, StoreFull
store = SqliteStore(sys.argv[1], capacity=int(sys.argv[2]))
stored = 0
for person_id in range(int(sys.argv[3]), int(sys.argv[4])):
    try:
        stored += store.put(person_id, ("P", 30, 1.0))
    except StoreFull:
        pass
print(stored)
"""


def test_processes_writing_at_once_never_pass_the_bound(tmp_path: Path) -> None:
    """Four processes add 100 new ids each to one SQLite store bounded at 250: exactly 250
    writes are acknowledged, and exactly those are stored (the check and the write are one
    transaction)."""
    path = str(tmp_path / "people.sqlite")
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, path, "250", str(start), str(start + 100)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for start in range(0, 400, 100)
    ]
    acknowledged = sum(int(writer.communicate(timeout=60)[0]) for writer in writers)
    store = SqliteStore(path)
    stored = sum(store.get(person_id) is not None for person_id in range(400))
    (count,) = store._connection().execute("SELECT n FROM people_count").fetchone()
    store.close()
    assert acknowledged == stored == count == 250


def test_an_unknown_server_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown server"), serve("flask:cherrypy"):
        pass  # pragma: no cover


def test_a_server_that_exits_says_why() -> None:
    with (
        tempfile.TemporaryFile() as log,
        spawn(
            [sys.executable, "-c", "import sys; sys.exit('cannot bind: no reason')"], stderr=log
        ) as process,
        pytest.raises(ServerError, match=r"(?s)exited with status 1 .*cannot bind: no reason"),
    ):
        _wait_healthy("broken", "http://127.0.0.1:9", process, log)


def test_a_server_that_prints_something_else_says_what() -> None:
    import queue

    lines: queue.Queue[str] = queue.Queue()
    lines.put("serving on port 80\n")
    with (
        tempfile.TemporaryFile() as log,
        pytest.raises(ServerError, match="printed 'serving on port 80\\\\n' instead"),
    ):
        _read_listening("odd", lines, log)


def test_the_rust_servers_line_gives_the_url() -> None:
    import queue

    lines: queue.Queue[str] = queue.Queue()
    lines.put("listening on http://127.0.0.1:43210\n")
    with tempfile.TemporaryFile() as log:
        assert _read_listening("axum", lines, log) == "http://127.0.0.1:43210"


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in environ:
                found.append(int(entry.name))
    return found


def _listening(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) == 0


@pytest.mark.parametrize("name", [name for name in SERVERS if name.startswith("flask:")])
def test_serve_leaves_nothing_behind_even_when_the_block_fails(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every process a server started (gunicorn's and granian's workers too) is gone, and its
    port closed, once ``serve`` exits through an exception."""
    marker = f"FFIBENCH_WEB_TEST_{uuid.uuid4().hex}"
    monkeypatch.setenv(marker, "1")
    started: list[tuple[str, list[int]]] = []

    def failing_block() -> None:
        with serve(name) as url:
            started.append((url, _processes_with(marker)))
            raise RuntimeError("the test failed")

    with pytest.raises(RuntimeError, match="the test failed"):
        failing_block()
    [(url, processes)] = started
    assert processes, "the server does not carry the marker"
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == []
    # a process in the middle of exiting has already lost its memory (its environ reads as an
    # error, so it is not counted above) but may not have closed its sockets yet: the port
    # closes within the same deadline
    while _listening(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _listening(url)
    assert os.environ[marker] == "1"


@given(
    st.binary(max_size=300)
    | st.text(alphabet='0123456789eE+-. x[],"é', max_size=400).map(str.encode)
    | st.integers(min_value=150, max_value=260).map(lambda n: b"[-" + b"7" * n + b"]")
)
def test_the_range_prefilter_is_the_regular_expression_it_replaced(raw: bytes) -> None:
    """The body's shape, searched in C, says what ``[eE]\\+?[0-9]{3}|[0-9]{210}`` says: a
    number beyond float64's range may be there (an exponent of three digits or more, or 210
    digits in a row)."""
    from ffibench.web import body

    expected = re.search(rb"[eE]\+?[0-9]{3}|[0-9]{210}", raw) is not None
    assert body._may_be_beyond_range(raw) is expected
