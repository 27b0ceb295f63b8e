"""Scenario 6: every backend's EventStream makes the spec's events in order and loses none
under the blocking policy, counts what it drops under the dropping policy, refuses bad
arguments as the spec does, never blocks an asyncio loop, stops promptly (under load, from
another thread, on Ctrl-C, at interpreter exit) and leaves no thread or file descriptor
behind; the anchors pass the scenario's checks.

Nothing is mocked: the streams run real producer threads, the UDP sources real sockets on
127.0.0.1, the probes fresh interpreters. No timing is asserted: the bounds below (a join
within seconds) only turn a hang into a failure.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import doctest
import errno
import gc
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ffibench
from ffibench import scenarios
from ffibench.harness import probe
from ffibench.pure import events as spec
from ffibench.scenarios import events as events_scenario
from outcomes import outcome
from probes import run_probe

SCENARIO = scenarios.get("events")
C_ABI = ["ctypes", "cffi_abi", "cffi_api"]


def stream_class(name: str) -> Any:
    return ffibench.backend(name).events.EventStream


def take(stream: Any, count: int, timeout_s: float = 30.0) -> list[tuple[Any, ...]]:
    """``count`` events, batched with ``poll_tuples``, waiting in ``recv`` when none is there."""
    out: list[tuple[Any, ...]] = []
    deadline = time.monotonic() + timeout_s
    while len(out) < count:
        assert time.monotonic() < deadline, f"only {len(out)} events in {timeout_s} s"
        out.extend(stream.poll_tuples(count - len(out)))
        if len(out) < count:
            event = stream.recv(0.05)
            if event is not None:
                out.append(event)
    return out


def test_docstring_examples_hold() -> None:
    assert doctest.testmod(spec).failed == 0


def test_the_generator_is_the_documented_one() -> None:
    from ffibench.pure.arrays import draw, uniform

    for seed in (0, 1, 2**64 - 1):
        for seq in (0, 1, 12345, 2**63):
            source = draw(seed, (2 * seq) % 2**64) % 16
            value = 20.0 + 10.0 * uniform(seed, (2 * seq + 1) % 2**64)
            assert spec.synthetic(seed, seq, True) == (source, seq, value, f"{source}:{seq}")


@settings(max_examples=8)
@given(
    seed=st.integers(0, 2**64 - 1),
    payload=st.booleans(),
    capacity=st.sampled_from([1, 7, 4096]),
)
def test_every_backend_makes_the_specs_events(seed: int, payload: bool, capacity: int) -> None:
    expected = [spec.synthetic(seed, seq, payload) for seq in range(300)]
    for name in ffibench.BACKENDS:
        with stream_class(name)(capacity=capacity, seed=seed, payload=payload) as stream:
            got = take(stream, 300)
        assert [event[1:] for event in got] == expected, name
        assert all(type(event[0]) is int for event in got)


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_poll_gives_the_specs_array(name: str) -> None:
    for payload in (False, True):
        with stream_class(name)(capacity=64, seed=5, payload=payload) as stream:
            first = stream.recv(10.0)
            time.sleep(0.05)  # let the queue fill
            batch = stream.poll(10)
        assert batch.dtype == spec.dtype(payload) and batch.dtype.itemsize == 56
        assert len(batch) == 10
        assert batch["seq"].tolist() == list(range(1, 11))
        rows = [spec.synthetic(5, seq, payload) for seq in range(1, 11)]
        assert batch["source"].tolist() == [row[0] for row in rows]
        assert batch["value"].tolist() == [row[2] for row in rows]
        if payload:
            assert batch["payload"].tolist() == [row[3].encode() for row in rows]
            assert first[4] == "0:0".replace("0:", f"{first[1]}:", 1)
        now = time.monotonic_ns()
        assert (batch["timestamp_ns"] <= now).all() and (batch["timestamp_ns"] > 0).all()
        assert stream.poll(0).shape == (0,) and stream.poll_tuples(0) == []
        rest = stream.poll()  # everything queued (None: up to the capacity)
        assert 0 < len(rest) <= 64 and rest["seq"][0] == 11
        assert len(stream.poll(None)) == 0 and stream.recv(0) is None  # stopped and empty


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_order_and_no_loss_under_the_blocking_policy_at_full_speed(name: str) -> None:
    count = 200_000 if name != "python" else 20_000
    with stream_class(name)(capacity=512, policy="block") as stream:
        seqs = []
        while sum(map(len, seqs)) < count:
            batch = stream.poll(4096)
            if len(batch) == 0:
                stream_event = stream.recv(1.0)
                assert stream_event is not None
                seqs.append(numpy.array([stream_event[2]], dtype=numpy.uint64))
            else:
                seqs.append(batch["seq"])
    found = numpy.concatenate(seqs)
    assert (found == numpy.arange(len(found), dtype=numpy.uint64)).all()
    produced, delivered, dropped = stream.stats()
    assert dropped == 0 and delivered == len(found)
    assert produced == delivered + len(stream)  # the rest is still queued, not lost
    assert len(stream) <= 512


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_the_dropping_policy_counts_every_drop(name: str) -> None:
    stream = stream_class(name)(capacity=8, policy="drop", seed=2)
    stream.start()
    time.sleep(0.05)  # nobody consumes: the queue fills and the rest is dropped
    stream.stop()
    events = stream.poll_tuples()
    produced, delivered, dropped = stream.stats()
    assert dropped > 0 and len(events) == delivered <= 8
    assert produced == delivered + dropped
    seqs = [event[2] for event in events]
    assert seqs == sorted(set(seqs))
    # every sequence number made is either delivered or counted as dropped
    assert len(set(range(produced)) - set(seqs)) == dropped
    assert [event[1:] for event in events] == [spec.synthetic(2, seq, False) for seq in seqs]


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_paced_stream_delivers_in_order(name: str) -> None:
    with stream_class(name)(rate=20_000.0, seed=9) as stream:
        got = [stream.recv(5.0) for _ in range(500)]
    assert [event[2] for event in got] == list(range(500))
    stamps = [event[0] for event in got]
    assert stamps == sorted(stamps)
    assert stamps[-1] - stamps[0] > 0  # paced: not all at once
    produced, delivered, dropped = stream.stats()
    assert dropped == 0 and produced == delivered + len(stream)


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_iteration_ends_when_the_stream_is_stopped_and_drained(name: str) -> None:
    stream = stream_class(name)(capacity=16, seed=1)
    stream.start()
    stopper = threading.Timer(0.05, stream.stop)
    stopper.start()
    seqs = [event[2] for event in stream]  # blocks until stopped, then drains
    stopper.join()
    assert seqs == list(range(len(seqs))) and len(seqs) >= 16
    assert stream.stopped and not stream.running


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_shutdown_under_load_joins_the_producer(name: str) -> None:
    stream = stream_class(name)(capacity=4, policy="block")
    stream.start()
    assert stream.running
    time.sleep(0.02)  # the producer now waits for room
    waiting: list[Any] = []
    receiver = threading.Thread(target=lambda: waiting.append(stream.recv(None)))
    empty = stream_class(name)(rate=1.0)  # a producer asleep until its next event
    empty.start()
    empty.recv(5.0)
    blocked: list[Any] = []
    sleeper = threading.Thread(target=lambda: blocked.extend([empty.recv(None), empty.recv()]))
    sleeper.start()
    stopper = threading.Thread(target=lambda: (stream.stop(), empty.stop()))
    receiver.start()
    stopper.start()
    for thread in (stopper, receiver, sleeper):
        thread.join(10.0)
        assert not thread.is_alive(), "stop or recv hangs"
    assert waiting and (waiting[0] is None or waiting[0][2] == 0)
    assert blocked == [None, None]  # recv on a stopped, empty stream ends
    assert stream.stopped and empty.stopped


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_an_asyncio_task_keeps_ticking_while_the_loop_consumes(name: str) -> None:
    async def main() -> tuple[list[int], int]:
        ticks = 0
        done = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.001)
                ticks += 1

        ticker = asyncio.create_task(tick())
        seqs: list[int] = []
        with stream_class(name)(rate=20_000.0, seed=4) as stream:
            async for batch in stream:
                assert len(batch) > 0 and batch.dtype == spec.dtype(False)
                seqs.extend(batch["seq"].tolist())
                if len(seqs) >= 4000:
                    break
        done.set()
        await ticker
        return seqs, ticks

    seqs, ticks = asyncio.run(main())
    assert seqs[:4000] == list(range(4000))
    # 4,000 events at 20,000/s take 0.2 s: a loop that blocked while waiting would not tick
    assert ticks >= 10, ticks


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_async_iteration_ends_when_the_stream_stops(name: str) -> None:
    async def main(stream: Any) -> int:
        loop = asyncio.get_running_loop()
        loop.call_later(0.05, stream.stop)
        total = 0
        async for batch in stream:
            total += len(batch)
        return total

    stream = stream_class(name)(rate=1000.0)
    stream.start()
    total = asyncio.run(asyncio.wait_for(main(stream), 10.0))
    produced, delivered, dropped = stream.stats()
    assert total == delivered == produced and dropped == 0


BAD_STREAMS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((0,), {}),
    ((-5.0,), {}),
    ((float("nan"),), {}),
    ((float("inf"),), {}),
    ((2e9,), {}),
    (("fast",), {}),
    ((True,), {}),
    ((10**400,), {}),
    ((), {"capacity": 0}),
    ((), {"capacity": -1}),
    ((), {"capacity": -(2**64)}),
    ((), {"capacity": 2**24 + 1}),
    ((), {"capacity": 2**63}),
    ((), {"capacity": 1.5}),
    ((), {"capacity": None}),
    ((), {"policy": "wait"}),
    ((), {"policy": b"block"}),
    ((), {"policy": None}),
    ((), {"seed": -1}),
    ((), {"seed": 2**64}),
    ((), {"seed": 1.0}),
    ((), {"payload": 1}),
    ((), {"payload": None}),
    ((), {"payload": numpy.int64(1)}),
    ((numpy.int64(5),), {}),
]


def test_numpy_scalars_are_read_as_the_spec_reads_them() -> None:
    for name in ffibench.BACKENDS:
        made = stream_class(name)(numpy.float64(5.0), numpy.int64(8), "drop", numpy.uint64(3),
                                  numpy.bool_(True))  # fmt: skip
        assert (made.capacity, made.payload) == (8, True), name


@pytest.mark.parametrize(("args", "kwargs"), BAD_STREAMS)
def test_bad_arguments_raise_the_specs_error(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    expected = outcome(lambda: spec.EventStream(*args, **kwargs))
    assert expected[0] == "raises"
    for name in ffibench.BACKENDS:
        assert outcome(lambda n=name: stream_class(n)(*args, **kwargs)) == expected, name


BAD_UDP: list[tuple[Any, ...]] = [
    ("localhost", 0),
    ("::1", 0),
    ("127.0.0.256", 0),
    (b"127.0.0.1", 0),
    (None, 0),
    ("127.0.0.1", -1),
    ("127.0.0.1", 65536),
    ("127.0.0.1", "80"),
    ("127.0.0.1", 0, 0),
    ("127.0.0.1", 0, 16, "sometimes"),
]


@pytest.mark.parametrize("args", BAD_UDP)
def test_bad_udp_arguments_raise_the_specs_error(args: tuple[Any, ...]) -> None:
    expected = outcome(lambda: spec.EventStream.udp(*args))
    assert expected[0] == "raises"
    for name in ffibench.BACKENDS:
        assert outcome(lambda n=name: stream_class(n).udp(*args)) == expected, name


BAD_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("poll", (-1,)),
    ("poll", (1.5,)),
    ("poll", ("all",)),
    ("poll", (2**63,)),
    ("poll_tuples", (-1,)),
    ("recv", (-0.5,)),
    ("recv", (float("nan"),)),
    ("recv", ("soon",)),
    ("recv", (False,)),
]


@pytest.mark.parametrize(("method", "args"), BAD_CALLS)
def test_bad_calls_raise_the_specs_error(method: str, args: tuple[Any, ...]) -> None:
    expected = outcome(lambda: getattr(spec.EventStream(), method)(*args))
    assert expected[0] == "raises"
    for name in ffibench.BACKENDS:
        stream = stream_class(name)()
        assert outcome(lambda s=stream: getattr(s, method)(*args)) == expected, name


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_stream_starts_once(name: str) -> None:
    stream = stream_class(name)(rate=100.0)
    assert not stream.running and not stream.stopped
    stream.start()
    with pytest.raises(RuntimeError, match="already running"):
        stream.start()
    stream.stop()
    stream.stop()  # a second stop does nothing
    with pytest.raises(RuntimeError, match="cannot be restarted"):
        stream.start()
    never = stream_class(name)()
    never.stop()
    with pytest.raises(RuntimeError):
        never.start()
    assert never.recv(None) is None and never.stats() == (0, 0, 0)


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_attributes_and_copies(name: str) -> None:
    stream = stream_class(name)(rate=5.0, capacity=10, policy="drop", payload=True)
    assert (stream.capacity, stream.policy, stream.payload, stream.port) == (10, "drop", True, None)
    assert isinstance(stream.fileno(), int) and stream.fileno() >= 0
    assert len(stream) == 0 and "EventStream(" in repr(stream)
    for make_copy in (copy.copy, copy.deepcopy, pickle.dumps):
        with pytest.raises(TypeError):
            make_copy(stream)


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_port_in_use_is_an_os_error(name: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="in use") as raised:
            stream_class(name).udp("127.0.0.1", port)
    assert raised.value.errno == errno.EADDRINUSE


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_udp_datagrams_become_events_and_bad_ones_are_counted(name: str) -> None:
    stream = stream_class(name).udp("127.0.0.1", 0, capacity=64, payload=True)
    port = stream.port
    assert isinstance(port, int) and port > 0
    sent = [(time.monotonic_ns(), 3, seq, seq / 3, f"ü{seq}") for seq in range(20)]
    header = spec.datagram(1, 2, 3, 4.0)
    bad = [b"", b"short", header + b"\0", header + b"\xff", spec.datagram(1, 2, 3, 4.0, "x" * 25)]
    with stream, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for index, event in enumerate(sent):
            sender.sendto(spec.datagram(*event), ("127.0.0.1", port))
            if index < len(bad):
                sender.sendto(bad[index], ("127.0.0.1", port))
        got = take(stream, 20)
        deadline = time.monotonic() + 10
        while stream.stats()[2] < len(bad) and time.monotonic() < deadline:
            time.sleep(0.01)
    assert got == sent
    assert stream.stats() == (25, 20, 5)
    plain = stream_class(name).udp("127.0.0.1", 0)
    with plain, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(spec.datagram(*sent[0]), ("127.0.0.1", plain.port))
        event = plain.recv(10.0)
        assert event == sent[0][:4]
    assert plain.port is not None


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_threads_share_a_stream_safely(name: str) -> None:
    stream = stream_class(name)(capacity=256, seed=8)
    stream.start()
    seen: list[list[int]] = [[] for _ in range(4)]
    failures: list[BaseException] = []

    def consume(index: int) -> None:
        try:
            for turn in range(300):
                if turn % 3 == 0:
                    event = stream.recv(0.01)
                    if event is not None:
                        seen[index].append(event[2])
                elif turn % 3 == 1:
                    seen[index].extend(stream.poll(7)["seq"].tolist())
                else:
                    seen[index].extend(event[2] for event in stream.poll_tuples(5))
                stream.stats()
                len(stream)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=consume, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30.0)
    stream.stop()
    assert not failures
    everything = sorted(seq for each in seen for seq in each)
    assert everything == sorted(set(everything)), "an event was delivered twice"
    assert all(each == sorted(each) for each in seen)
    _, delivered, dropped = stream.stats()
    assert delivered == len(everything) and dropped == 0


@pytest.mark.parametrize("name", C_ABI)
def test_finalisers_by_hand_cannot_crash(name: str) -> None:
    stream = stream_class(name)(rate=1000.0)
    stream.start()
    stream.__del__()
    stream.__del__()
    with pytest.raises(ReferenceError):
        stream.recv(0)
    with pytest.raises(ReferenceError):
        stream.stats()
    live = stream_class(name)(capacity=3)
    live.__init__(capacity=9)  # a second __init__ replaces nothing
    assert live.capacity == 3
    del stream
    gc.collect()


_CYCLES_PROBE = """
import gc, os, sys, threading, socket
import ffibench
from ffibench.pure.events import datagram
EventStream = ffibench.backend(sys.argv[1]).events.EventStream

def census():
    gc.collect()
    return len(os.listdir("/proc/self/task")), len(os.listdir("/proc/self/fd"))

def cycles(n):
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        stream = EventStream(rate=None if i % 2 else 1e6, capacity=64)
        stream.start()
        stream.recv(5.0)
        stream.poll(10)
        stream.stop()
        if i % 10 == 0:
            udp = EventStream.udp("127.0.0.1", 0)
            with udp:
                sender.sendto(datagram(1, 2, 3, 4.0), ("127.0.0.1", udp.port))
                assert udp.recv(5.0) is not None
        if i % 100 == 0:
            never = EventStream()  # made, never started
            running = EventStream(rate=10.0)  # dropped while running: stopped by its finaliser
            running.start()
            del never, running
    sender.close()

cycles(20)
before = census()
cycles(1000)
after = census()
print(before, after)
assert after == before, (before, after)
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_no_thread_or_fd_is_left_after_1000_start_stop_cycles(name: str) -> None:
    done = run_probe(_CYCLES_PROBE, name)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout


_CTRL_C_PROBE = """
import signal, sys, time
import ffibench
signal.signal(signal.SIGINT, signal.default_int_handler)
stream = ffibench.backend(sys.argv[1]).events.EventStream(rate=0.001)
stream.start()
stream.recv(1.0)  # the first event comes at once
print("waiting", flush=True)
started = time.monotonic()
try:
    stream.recv(None if sys.argv[2] == "forever" else 3600.0)
except KeyboardInterrupt:
    print(f"interrupted after {time.monotonic() - started:.2f} s", flush=True)
    stream.stop()
    sys.exit(0)
sys.exit(1)
"""


@pytest.mark.slow
@pytest.mark.parametrize("wait", ["forever", "an hour"])
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_ctrl_c_interrupts_recv(name: str, wait: str) -> None:
    # SIGINT's default restored in the child, as a terminal has it (a suite started in the
    # background by a non-interactive shell inherits it ignored).
    child = subprocess.Popen(
        [sys.executable, "-c", _CTRL_C_PROBE, name, wait],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "waiting"
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=20)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 0, err
    assert out.startswith("interrupted after"), out + err


_EXIT_PROBE = """
import sys, threading
import ffibench
EventStream = ffibench.backend(sys.argv[1]).events.EventStream
full = EventStream(capacity=4)  # its producer waits for room
full.start()
paced = EventStream(rate=10.0)  # its producer sleeps
paced.start()
udp = EventStream.udp("127.0.0.1", 0)  # its producer waits for a datagram
udp.start()
blocked = EventStream(rate=0.001)
blocked.start()
blocked.recv(1.0)
threading.Thread(target=blocked.recv, daemon=True).start()  # a consumer waiting forever
keep = [full, paced, udp, blocked]
if sys.argv[2] == "cycle":
    keep.append(keep)  # a reference cycle: freed, if ever, by the collector at exit
print("exiting", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["plain", "cycle"])
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_interpreter_exit_with_running_streams_neither_hangs_nor_crashes(
    name: str, how: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_PROBE, name, how],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "exiting"
    assert "Fatal" not in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_the_drives_count_lost_events_and_the_consumers_cpu() -> None:
    operation = SCENARIO.operation("throughput:batched")
    function = stream_class("pyo3")
    metrics = probe.measure(
        "throughput", operation, function, operation.arguments(function, None), 0.2
    )
    assert metrics["items_per_s"] > 0 and metrics["items_lost"] == 0
    assert metrics["cpu_ns_per_item"] > 0
    latency = SCENARIO.operation("latency")
    metrics = probe.measure("latency", latency, function, latency.arguments(function, 10_000), 0.2)
    assert metrics["latency_count"] > 100 and metrics["items_lost"] == 0
    assert metrics["latency_p50_ns"] <= metrics["latency_p99_ns"] <= metrics["latency_max_ns"]


def test_a_gap_in_the_sequence_is_counted_as_lost() -> None:
    counter = events_scenario._Sequence()
    counter.one(0)
    counter.batch([(0, 0, 3, 0.0), (0, 0, 4, 0.0), (0, 0, 7, 0.0)])
    counter.batch(numpy.array([(0, 1, 8, 0.0)], dtype=spec.dtype(False)))
    assert (counter.count, counter.lost, counter.expected) == (5, 4, 9)


@pytest.mark.slow
@pytest.mark.parametrize("operation", [operation.name for operation in SCENARIO.operations])
def test_every_participant_passes_the_check(operation: str) -> None:
    chosen = SCENARIO.operation(operation)
    size = chosen.sizes_for(True)[-1]
    taking_part = scenarios.participants(SCENARIO, chosen)
    reference = next(p for p in taking_part if p.name == "python")
    assert reference.function is not None
    expected = chosen.runner(reference.function)(*chosen.arguments(reference.function, size))
    assert len(expected) == events_scenario.CHECK_EVENTS
    names = {participant.name for participant in taking_part}
    assert set(ffibench.BACKENDS) <= names
    for participant in taking_part:
        assert participant.function is not None, participant
        args = chosen.arguments(participant.function, size)
        assert chosen.runner(participant.function)(*args) == expected, participant.name


def _marked(marker: str) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/environ", "rb") as environ:
                    if marker.encode() in environ.read():
                        found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.slow
def test_a_udp_run_stops_its_sender_and_stream(tmp_path: Any) -> None:
    marker = f"events-{os.getpid()}-{time.monotonic_ns()}"
    output = tmp_path / "results.json"
    env = dict(os.environ, FFIBENCH_TEST_MARKER=marker)
    done = subprocess.run(
        [sys.executable, "-m", "ffibench", "run", "--quick", "--scenario", "events",
         "--operation", "udp:latency", "--backend", "pyo3", "--backend", "python",
         "-o", str(output)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    import json

    results = json.loads(output.read_text())["results"]
    assert {result["backend"] for result in results} == {"python", "pyo3"}
    for result in results:
        assert result["status"] == "ok", result
        assert result["metrics"]["items_lost"]["max"] == 0
    deadline = time.monotonic() + 10
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marked(marker) == [], "a sender or a worker was left running"


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_the_slowest_rate_sleeps_and_stops(name: str) -> None:
    with stream_class(name)(rate=5e-324) as stream:  # the next event is due in 10**316 years
        assert stream.recv(5.0) is not None  # the first is due at once
        assert stream.recv(0.01) is None and stream.running
    assert stream.stats() == (1, 1, 0)


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_two_tasks_can_consume_one_stream(name: str) -> None:
    async def consume(stream: Any, seqs: list[int]) -> None:
        async for batch in stream:
            seqs.extend(batch["seq"].tolist())
            await asyncio.sleep(0)  # let the other task in

    async def main() -> tuple[list[int], list[int]]:
        first: list[int] = []
        second: list[int] = []
        stream = stream_class(name)(rate=5000.0, seed=6)
        with stream:
            tasks = [asyncio.create_task(consume(stream, seqs)) for seqs in (first, second)]
            await asyncio.sleep(0.2)
        # stopped: both iterations end once the queue is drained; neither is left waiting
        await asyncio.wait_for(asyncio.gather(*tasks), 10.0)
        cancelled = asyncio.create_task(consume(stream_class(name)(rate=1.0), []))
        await asyncio.sleep(0.01)
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        return first, second

    first, second = asyncio.run(main())
    assert sorted(first + second) == list(range(len(first) + len(second)))
    assert len(first) + len(second) > 100


# -- review: memory, fork, signals, the eventfd, huge timeouts, thread failures ---------------

_MEMORY_PROBE = """
import resource, sys, time
import ffibench
EventStream = ffibench.backend(sys.argv[1]).events.EventStream
status = [line for line in open("/proc/self/status") if line.startswith("VmSize")]
vm_mb = int(status[0].split()[1]) // 1024
resource.setrlimit(resource.RLIMIT_AS, ((vm_mb + 160) << 20, resource.RLIM_INFINITY))
stream = EventStream(capacity=1 << 24, payload=True)  # legal, more than the limit allows
stream.start()
last, started = -1, time.monotonic()
while time.monotonic() - started < 20:
    time.sleep(0.3)
    if len(stream) == last:
        break
    last = len(stream)
produced, delivered, dropped = stream.stats()
assert produced == delivered + dropped + len(stream), (stream.stats(), len(stream))
assert stream.running, "the producer died"
resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
assert len(stream.poll_tuples(1000)) == 1000
stream.poll()
assert stream.recv(10.0) is not None  # the producer goes on once there is room
stream.stop()
produced, delivered, dropped = stream.stats()
assert produced == delivered + dropped + len(stream) and dropped == 0, stream.stats()
print("ok")
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_producer_out_of_memory_waits_instead_of_aborting(name: str) -> None:
    # Review: a capacity of 2**24 under an address-space limit aborted the process in
    # VecDeque::grow (Rust) or killed the spec's producer silently, its counters broken.
    done = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, name],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout
    assert done.stdout.strip() == "ok"


_FORK_PROBE = """
import os, signal, sys, time, warnings
import ffibench
warnings.simplefilter("ignore")  # fork with threads
EventStream = ffibench.backend(sys.argv[1]).events.EventStream
stream = EventStream(capacity=1 << 12, policy="drop")  # a busy producer, often in the lock
stream.start()
time.sleep(0.05)
for index in range(20):
    stream.poll()
    pid = os.fork()
    if pid == 0:
        signal.alarm(5)
        code = 0
        for call in (stream.poll, stream.stats, stream.recv, stream.stop, stream.start,
                     lambda: stream.running, len):
            try:
                call() if call is not len else len(stream)
                code = 4
            except RuntimeError as error:
                if "parent process" not in str(error):
                    code = 5
        repr(stream)
        if index % 2:
            os._exit(code)
        sys.exit(code)  # a normal exit: the finalisers run
    _, status = os.waitpid(pid, 0)
    assert status == 0, (index, status)
assert stream.running and stream.stats()[0] > 0
stream.stop()
print("ok")
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_fork_child_cannot_use_nor_break_the_parents_stream(name: str) -> None:
    # Review: a child's exit aborted in JoinHandle::join (in a C-ABI free, which had no panic
    # guard), and a child could hang on the queue's lock held at the fork.
    done = subprocess.run([sys.executable, "-c", _FORK_PROBE, name],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout
    assert done.stdout.strip() == "ok"


_SIGNAL_STOP_PROBE = """
import signal, sys, time
import ffibench
stream = ffibench.backend(sys.argv[1]).events.EventStream(capacity=4096)
def handler(*_):
    try:
        stream.stop()
    except RuntimeError:  # the C-ABI wrappers refuse re-entry
        pass
signal.signal(signal.SIGALRM, handler)
stream.start()
signal.setitimer(signal.ITIMER_REAL, 0.2)
end = time.monotonic() + 1.0
while time.monotonic() < end:
    stream.poll_tuples(4096)
    stream.recv(0.001)
stream.stop()
produced, delivered, dropped = stream.stats()
assert produced == delivered + dropped + len(stream)
print("ok")
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_stop_from_a_signal_handler_does_not_hang(name: str) -> None:
    # Review: the spec's stop, from a handler that interrupted a poll holding the re-entrant
    # lock, joined a producer that waited for that lock: a hang.
    done = subprocess.run([sys.executable, "-c", _SIGNAL_STOP_PROBE, name],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_reading_the_eventfd_by_hand_loses_no_event(name: str) -> None:
    # Review: the spec's next poll raised BlockingIOError after taking the events.
    stream = stream_class(name)(capacity=16)
    with stream:
        assert len(take(stream, 1)) == 1
        deadline = time.monotonic() + 10
        while len(stream) < 16 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.read(stream.fileno(), 8)  # what the documentation forbids, done anyway
        got = stream.poll()
        assert len(got) == 16
    produced, delivered, dropped = stream.stats()
    assert produced == delivered + dropped + len(stream)


class _InterruptedDeque(collections.deque):  # type: ignore[type-arg]
    """A queue whose fifth pop is interrupted by Ctrl-C."""

    pops = 0

    def popleft(self) -> Any:
        self.pops += 1
        if self.pops == 5:
            raise KeyboardInterrupt
        return super().popleft()


def test_ctrl_c_inside_a_take_loses_no_event() -> None:
    # Review: KeyboardInterrupt inside take's comprehension lost the events it had popped.
    stream = spec.EventStream(capacity=64, policy="drop")
    with stream:
        deadline = time.monotonic() + 10
        while len(stream) < 64 and time.monotonic() < deadline:
            time.sleep(0.01)
    shared = stream._shared
    shared.events = _InterruptedDeque(shared.events)
    with pytest.raises(KeyboardInterrupt):
        stream.poll_tuples()
    events = stream.poll_tuples()
    assert [event[2] for event in events] == sorted(event[2] for event in events)
    produced, delivered, dropped = stream.stats()
    assert produced == delivered + dropped and delivered == len(events) == 64


@pytest.mark.parametrize("timeout", [1e10, 1e300, 2**70])
@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_huge_timeout_waits_until_the_stream_stops(name: str, timeout: float) -> None:
    # Review: OverflowError above threading.TIMEOUT_MAX (spec) or from int(1e300 * 1e9)
    # (ctypes, cffi); PyO3 waited in slices.
    stream = stream_class(name)(rate=1e-300)
    with stream:
        assert stream.recv(5.0) is not None  # the first comes at once, no other
        stopper = threading.Timer(0.3, stream.stop)
        stopper.start()
        assert stream.recv(timeout) is None
        stopper.join()


@pytest.mark.parametrize("name", C_ABI)
def test_a_waiting_recv_does_not_hold_the_objects_lock(name: str) -> None:
    # Review: stats() and stopped (what an event loop calls) waited for a recv's slice.
    stream = stream_class(name)(rate=1e-300)
    stream.start()
    assert stream.recv(5.0) is not None
    waiters = [threading.Thread(target=stream.recv) for _ in range(2)]
    for waiter in waiters:
        waiter.start()
    time.sleep(0.1)
    lock = stream._lock._lock
    free = 0
    for _ in range(20):
        if lock.acquire(blocking=False):
            lock.release()
            free += 1
        time.sleep(0.005)
    stream.stop()
    for waiter in waiters:
        waiter.join(10)
        assert not waiter.is_alive()
    assert free >= 15, free
    stream.__del__()  # by hand, after the waiters: frees once
    with pytest.raises(ReferenceError):
        stream.stats()


_SPAWN_FAIL_PROBE = """
import resource, sys
import ffibench
stream = ffibench.backend(sys.argv[1]).events.EventStream(rate=10.0)
status = [line for line in open("/proc/self/status") if line.startswith("VmSize")]
vm_mb = int(status[0].split()[1]) // 1024
resource.setrlimit(resource.RLIMIT_AS, ((vm_mb + 1) << 20, resource.RLIM_INFINITY))
try:
    stream.start()
    print("started")
except RuntimeError:
    print("RuntimeError")
resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
print(stream.running, stream.stopped, stream.recv(0.2))
try:
    stream.start()
except RuntimeError:
    print("no restart")
"""


@pytest.mark.parametrize("name", ffibench.BACKENDS)
def test_a_thread_that_cannot_start_leaves_the_stream_stopped(name: str) -> None:
    # Review: the spec stayed running; PyO3 raised BlockingIOError, the C ABI OSError.
    done = subprocess.run([sys.executable, "-c", _SPAWN_FAIL_PROBE, name],
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:3] == ["RuntimeError", "False True None", "no restart"]
