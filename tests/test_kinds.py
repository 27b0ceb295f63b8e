"""Every kind of measurement, end to end, on small real operations defined here.

Nothing is mocked: the memory operations allocate real memory in fresh processes, the latency
and throughput operations drain a real ``queue.Queue`` fed by a real thread, the load operation
is a real ``ThreadingHTTPServer`` on 127.0.0.1 under real wrk. The tests assert what the
figures must be by construction (a 64 MiB allocation raises the peak by at least 64 MiB) and
the shape of the results, never that one thing is faster than another.

The worker processes find this module's ``SCENARIO`` as ``test_kinds:SCENARIO``, with this
directory on ``PYTHONPATH``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ffibench import report
from ffibench.harness import kinds
from ffibench.harness import results as results_file
from ffibench.harness.run import measure_task, plan_tasks
from ffibench.scenarios import Anchor, Bounded, Load, Operation, Scenario, Work

HERE = Path(__file__).resolve().parent
MIB = 1 << 20
#: What the holding participant keeps alive, on purpose: its memory is "retained".
HELD: list[bytearray] = []


def _touched(mib: int) -> bytearray:
    data = bytearray(mib * MIB)
    data[::4096] = b"\x01" * len(range(0, len(data), 4096))  # every page resident
    return data


def allocate(mib: int) -> int:
    """Allocate and touch ``mib`` MiB, return its length; all of it is freed on return."""
    return len(_touched(mib))


def hold(mib: int) -> int:
    """The same, but keep the memory alive after returning."""
    data = _touched(mib)
    HELD.append(data)
    return len(data)


def relay(count: int) -> list[int]:
    """``count`` items through a real queue from a real thread."""
    channel: queue.Queue[int] = queue.Queue()
    producer = threading.Thread(target=lambda: [channel.put(i) for i in range(count)])
    producer.start()
    received = [channel.get(timeout=5) for _ in range(count)]
    producer.join(timeout=5)
    return received


@contextlib.contextmanager
def feeding(function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[queue.Queue[int]]:
    """A producer thread that puts its clock into a queue every half millisecond (paced by
    sleeping, never by spinning), stopped and joined on exit."""
    channel: queue.Queue[int] = queue.Queue(maxsize=10_000)
    stop = threading.Event()

    def produce() -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                channel.put(time.perf_counter_ns(), timeout=0.1)
            time.sleep(0.0005)

    thread = threading.Thread(target=produce, name="producer")
    thread.start()
    try:
        yield channel
    finally:
        stop.set()
        thread.join(timeout=5)


def latencies(channel: queue.Queue[int], duration_s: float) -> list[float]:
    """The age of every item taken from ``channel`` in ``duration_s`` seconds."""
    out = []
    deadline = time.monotonic() + duration_s
    while time.monotonic() < deadline:
        try:
            stamp = channel.get(timeout=0.05)
        except queue.Empty:
            continue
        out.append(float(time.perf_counter_ns() - stamp))
    return out


def drained(channel: queue.Queue[int], duration_s: float) -> int:
    """How many items ``channel`` gave in ``duration_s`` seconds."""
    return len(latencies(channel, duration_s))


def _logged(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Inputs of ``ping``, logging which participant's process builds them (and its pid)."""
    log = os.environ.get("FFIBENCH_TEST_ORDER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()} {function.__doc__}\n")
    return args


def ping(value: int) -> int:
    """python"""
    return value


def ping_again(value: int) -> int:
    """python:again"""
    return value


def answer(path: str) -> bytes:
    """The JSON body the test server sends for ``path``."""
    return json.dumps({"path": path}).encode()


def answer_cached(path: str) -> bytes:
    return _CACHE.setdefault(path, answer(path))


_CACHE: dict[str, bytes] = {}


@contextlib.contextmanager
def serving(function: Callable[[str], bytes], args: tuple[Any, ...]) -> Iterator[str]:
    """A ThreadingHTTPServer on 127.0.0.1 (port 0: the kernel picks) answering ``/hello``
    with ``function`` and anything else with 404; shut down, closed and joined on exit."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path == "/hello":
                status, body = 200, function(self.path)
            else:
                status, body = 404, b"{}"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:
            """200 only for exactly the body and header of ``_ECHO``, else 400: the load
            test's proof that wrk sent them."""
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            right = body == _ECHO.body and self.headers.get("X-Ffibench") == 'a "b"; c=1'
            answer = function(self.path) if right else b"{}"
            self.send_response(200 if right else 400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


_FAST = Bounded(drive=latencies, quick_duration_s=0.3, quick_repetitions=3)
_LOAD = Load(path="/hello", connections=4, quick_duration_s=1, quick_repetitions=2)
#: A PUT with a body of every byte value and a header that needs escaping.
_ECHO = Load(
    path="/hello",
    method="PUT",
    body=bytes(range(256)) * 40 + b'"\\]]',
    headers=(("X-Ffibench", 'a "b"; c=1'),),
    connections=2,
    quick_duration_s=1,
    quick_repetitions=1,
)

SCENARIO = Scenario(
    name="kinds",
    title="Every kind of measurement",
    question="Do the figures of each kind come out right?",
    module="test_kinds",
    backends=(),
    operations=(
        Operation(
            "allocate",
            "allocate and touch N MiB, then free it",
            make_args=lambda size: (size,),
            sizes=(64,),
            size_unit="MiB",
            kind="memory",
        ),
        Operation(
            "scale",
            "a short call with a rate in bytes per second",
            make_args=lambda size: (size,),
            sizes=(1,),
            function="allocate",
            work=Work(amount=lambda size: float((size or 0) * MIB), unit="bytes"),
        ),
        Operation(
            "ping",
            "a call that logs which participant built its inputs, to see the interleaving",
            make_args=lambda size: (7,),
            setup=_logged,
        ),
        Operation(
            "relay:latency",
            "the age of items a paced thread puts into a queue.Queue",
            make_args=lambda size: (100,),
            function="relay",
            kind="latency",
            bounded=_FAST,
            lifecycle=feeding,
        ),
        Operation(
            "relay:throughput",
            "items a thread gets through a queue.Queue per second",
            make_args=lambda size: (100,),
            function="relay",
            kind="throughput",
            bounded=Bounded(drive=drained, quick_duration_s=0.3, quick_repetitions=3),
            lifecycle=feeding,
        ),
        Operation(
            "relay:calls",
            "the latency of one call, by the harness's own loop",
            make_args=lambda size: (10,),
            function="relay",
            kind="latency",
            bounded=Bounded(quick_duration_s=0.2, quick_repetitions=2),
        ),
        Operation(
            "serve",
            "GET /hello from a ThreadingHTTPServer under wrk",
            make_args=lambda size: ("/hello",),
            function="answer",
            kind="load",
            load=_LOAD,
            lifecycle=serving,
        ),
        Operation(
            "serve:put",
            "PUT /hello with a body that the server checks",
            make_args=lambda size: ("/hello",),
            function="answer",
            kind="load",
            load=_ECHO,
            lifecycle=serving,
        ),
        Operation(
            "serve:missing",
            "GET /missing: every answer is a 404",
            make_args=lambda size: ("/hello",),
            function="answer",
            kind="load",
            load=Load(path="/missing", connections=2, quick_duration_s=1, quick_repetitions=1),
            lifecycle=serving,
        ),
    ),
    anchors=(
        Anchor(
            "python",
            "the reference",
            {
                "allocate": allocate,
                "scale": allocate,
                "ping": ping,
                "relay:latency": relay,
                "relay:throughput": relay,
                "relay:calls": relay,
                "serve": answer,
                "serve:missing": answer,
                "serve:put": answer,
            },
        ),
        Anchor("python:holder", "keeps what it allocates", {"allocate": hold, "scale": allocate}),
        Anchor(
            "python:again",
            "the same relay and server, a second participant to interleave",
            {
                "relay:latency": relay,
                "relay:throughput": relay,
                "serve": answer_cached,
                "ping": ping_again,
            },
        ),
    ),
)


@pytest.fixture(autouse=True)
def _workers_find_this_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(HERE))


def _measure(operation: str) -> dict[str, dict[str, Any]]:
    tasks = plan_tasks([SCENARIO], None, quick=True, operations=(operation,))
    [task] = [task for task in tasks if task.operation.name == operation]
    return {result["backend"]: result for result in measure_task(task, quick=True)}


def _check_file(tmp_path: Path, found: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The results round-trip through a file and render in every renderer."""
    stored = results_file.ResultsFile(tmp_path / "kinds.json", {"quick": True})
    for result in found.values():
        stored.add(result)
    document = results_file.load(stored.path)
    text = report.terminal(document, 80)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "| python |" in report.markdown(document)
    assert "n.s." in report.compare_markdown(document, document)
    return document


def test_memory_sees_an_allocation_and_what_is_held(tmp_path: Path) -> None:
    found = _measure("allocate")
    for name in ("python", "python:holder"):
        result = found[name]
        assert (result["status"], result["kind"], result["primary"]) == (
            "ok",
            "memory",
            "extra_rss_bytes",
        ), result
        metrics = result["metrics"]
        for metric in ("peak_rss_bytes", "extra_rss_bytes", "retained_rss_bytes"):
            assert metrics[metric]["unit"] == "B" and metrics[metric]["better"] == "lower"
            processes = kinds.MEMORY_PROCESSES[True]
            assert metrics[metric]["samples"] == processes == len(metrics[metric]["processes"])
        # the kernel's RSS counters lag by a few pages (per-CPU counting): allow 2 MiB of it
        assert metrics["extra_rss_bytes"]["min"] >= 62 * MIB
        assert metrics["peak_rss_bytes"]["min"] >= metrics["extra_rss_bytes"]["min"]
    assert found["python"]["metrics"]["retained_rss_bytes"]["max"] < 16 * MIB
    assert found["python:holder"]["metrics"]["retained_rss_bytes"]["min"] >= 62 * MIB
    document = _check_file(tmp_path, found)
    assert "64" in report.terminal(document)


def test_time_gives_a_rate_in_the_unit_of_work() -> None:
    result = _measure("scale")["python"]
    assert result["status"] == "ok", result
    rate = result["metrics"]["bytes_per_s"]
    assert (rate["unit"], rate["better"]) == ("B/s", "higher")
    time_ns = result["metrics"]["time_ns"]
    assert rate["median"] == pytest.approx(MIB * 1e9 / time_ns["median"])
    assert len(rate["processes"]) == len(time_ns["processes"]) >= 1
    assert "items_per_s" not in result["metrics"]


def test_latency_of_a_real_queue_fed_by_a_real_thread(tmp_path: Path) -> None:
    found = _measure("relay:latency")
    assert set(found) == {"python", "python:again"}
    for result in found.values():
        assert result["status"] == "ok", result
        metrics = result["metrics"]
        points = [metrics[f"latency_{p}_ns"]["median"] for p in ("p50", "p90", "p99", "p999")]
        assert 0 < points[0] <= points[1] <= points[2] <= points[3]
        assert points[3] <= metrics["latency_max_ns"]["median"]
        assert metrics["latency_count"]["min"] >= 10
        assert len(metrics["latency_p50_ns"]["processes"]) == 3
    document = _check_file(tmp_path, found)
    [group] = report.groups(document)
    assert group.metric == "latency_p50_ns"
    again = next(row for row in group.rows if row.participant == "python:again")
    assert again.speedup is not None and again.speedup.method == "paired"
    assert again.speedup.low is not None and again.speedup.high is not None


def test_throughput_is_repeated_and_latency_has_a_default_driver() -> None:
    found = _measure("relay:throughput")
    for result in found.values():
        assert result["status"] == "ok", result
        rate = result["metrics"]["items_per_s"]
        assert rate["min"] > 0 and rate["samples"] == 3 and rate["better"] == "higher"
    calls = _measure("relay:calls")["python"]
    assert calls["status"] == "ok", calls
    assert calls["metrics"]["latency_count"]["min"] >= 1
    assert calls["metrics"]["latency_p50_ns"]["median"] > 0


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make system-deps)")
def test_load_from_wrk_against_a_real_server(tmp_path: Path) -> None:
    found = _measure("serve")
    assert set(found) == {"python", "python:again"}
    for result in found.values():
        assert result["status"] == "ok", result
        assert result["primary"] == "requests_per_s"
        metrics = result["metrics"]
        assert metrics["requests_per_s"]["min"] > 0 and metrics["requests"]["min"] > 0
        assert metrics["requests_per_s"]["samples"] == 2
        assert metrics["latency_p50_ns"]["median"] <= metrics["latency_p99_ns"]["median"]
        for kind in ("connect", "read", "write", "timeout", "status"):
            assert metrics[f"errors_{kind}"]["median"] == 0, kind
    _check_file(tmp_path, found)
    missing = _measure("serve:missing")["python"]
    assert missing["status"] == "ok", missing
    assert missing["metrics"]["errors_status"]["min"] == missing["metrics"]["requests"]["min"] > 0
    put = _measure("serve:put")["python"]
    assert put["status"] == "ok", put
    assert put["metrics"]["requests"]["min"] > 0
    assert put["metrics"]["errors_status"]["max"] == 0, "the server saw another body or header"


def test_a_wrong_answer_is_not_measured_whatever_the_kind() -> None:
    wrong = Scenario(
        name="kinds",
        title="",
        question="",
        module="test_kinds",
        backends=(),
        operations=SCENARIO.operations,
        anchors=(
            Anchor("python", "", {"allocate": allocate}),
            Anchor("python:wrong", "", {"allocate": lambda mib: 0}),
        ),
    )
    [task] = plan_tasks([wrong], None, quick=True, operations=("allocate",))
    results = {result["backend"]: result for result in measure_task(task, quick=True)}
    assert results["python:wrong"]["status"] == "mismatch"
    assert results["python:wrong"]["metrics"] == {}
    assert results["python:wrong"]["kind"] == "memory"
