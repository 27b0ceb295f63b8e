"""Scenario 6, ``events``: a Rust event source streaming to Python against multiprocessing,
threads and asyncio, in throughput, latency and the consumer's CPU time, with no event lost.

Every participant makes the same events (the spec's generator, :func:`synthetic`, from
:data:`SEED`) under the blocking policy, so a consumer that sees a gap in the sequence
numbers has lost an event: each run reports ``items_lost`` (expected 0) and the consuming
thread's CPU time per event, ``cpu_ns_per_item`` (``time.thread_time_ns``: the Rust and
Python producer threads and processes are not counted; the asyncio producer task, which runs
on the consuming thread, is). ``size`` is the paced rate in events per second, none when
flat out. Before anything is measured each participant's first :data:`CHECK_EVENTS` events
``(source, seq, value)`` are compared with the spec's.

Operations:

- ``throughput:batched`` and ``throughput:single``: flat out, the events delivered into
  Python per second, taken in batches (``poll``: a NumPy array from the Rust backends, a list
  from the others) or one at a time (``recv``);
- ``latency``: paced at 1k, 10k and 100k events per second, from the event's timestamp to the
  consumer's ``time.monotonic_ns()`` after ``recv`` returned it;
- ``async:latency``: the same, consumed by ``async for batch in stream`` on an asyncio loop;
- ``async:ticks``: while the loop consumes 100k events per second, the lateness of a
  concurrent task that sleeps 1 ms at a time (its "latencies" are how late each tick woke);
- ``udp:latency``: datagrams sent at 10k per second by a sender process (this module's
  ``main``) to a UDP source on 127.0.0.1, consumed with ``async for``.

Anchors, the pure-Python ways of doing the same job: a producer process putting each event
into a ``multiprocessing.Queue`` (``multiprocessing``) or sending it through a
``multiprocessing.Pipe`` (``multiprocessing:pipe``), a producer thread with a bounded
``queue.Queue`` (``queue``), an ``asyncio.Queue`` fed by a producer task (``asyncio``), and an
asyncio datagram protocol (``asyncio:udp``). Their producers pace themselves with sleeps, as
the spec's do. Every run is bounded in time and its lifecycle always stops the stream, the
thread, the process or the sender.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import queue
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from ffibench.harness import processes
from ffibench.pure.events import CHUNK, datagram, parse_datagram, synthetic
from ffibench.scenarios import Anchor, Bounded, Measured, Operation, Scenario

#: The seed of every participant's events.
SEED = 20_261_202
#: The queue of every participant (events).
CAPACITY = 65_536
#: Events compared with the spec's before a participant is measured.
CHECK_EVENTS = 500
#: The largest batch a batched consumer takes at once.
BATCH = 65_536
#: Paced rates (events per second) of the latency runs.
RATES = (1_000, 100_000)
QUICK_RATES = (100_000,)
#: The rate at which the asyncio loop must stay responsive.
ASYNC_RATES = (100_000,)
#: The rate of the UDP sender.
UDP_RATES = (10_000,)
#: The period of the ticking task of ``async:ticks``.
TICK_S = 0.001
#: How long a consumer waits for one event before it looks at its deadline again.
WAIT_S = 0.05
#: The longest a sender runs if nothing stops it.
SENDER_LIMIT_S = 300.0

Event = tuple[Any, ...]


def _rate(size: int | None) -> float | None:
    return None if size is None else float(size)


def _first_last(batch: Any) -> tuple[int, int]:
    """The first and last sequence numbers of a non-empty batch (array or list)."""
    if hasattr(batch, "dtype"):
        seqs = batch["seq"]
        return int(seqs[0]), int(seqs[-1])
    return batch[0][2], batch[-1][2]


class _Sequence:
    """Counts the events a consumer got and those missing from their sequence numbers."""

    __slots__ = ("count", "expected", "lost")

    def __init__(self) -> None:
        self.count = self.expected = self.lost = 0

    def one(self, seq: int) -> None:
        self.lost += seq - self.expected
        self.expected = seq + 1
        self.count += 1

    def batch(self, batch: Any) -> None:
        first, last = _first_last(batch)
        size = len(batch)
        # increasing sequence numbers: the gaps before and inside the batch
        self.lost += (first - self.expected) + (last - first + 1 - size)
        self.expected = last + 1
        self.count += size

    def extra(self, cpu_ns: int) -> dict[str, float]:
        return {"cpu_ns_per_item": cpu_ns / max(self.count, 1), "items_lost": float(self.lost)}


# -- checks -----------------------------------------------------------------------------------


def first_events(factory: Callable[..., Any], size: int | None) -> list[Event]:
    """The first :data:`CHECK_EVENTS` ``(source, seq, value)`` of a started stream, one at a
    time with ``recv``."""
    stream = factory(rate=_rate(size), capacity=CAPACITY, policy="block", seed=SEED)
    stream.start()
    try:
        out: list[Event] = []
        while len(out) < CHECK_EVENTS:
            event = stream.recv(10.0)
            if event is None:
                raise RuntimeError(f"no event in 10 s after {len(out)}")
            out.append(tuple(event[1:4]))
        return out
    finally:
        stream.stop()


def _rows(batch: Any) -> list[Event]:
    if hasattr(batch, "dtype"):
        return [tuple(row) for row in batch[["source", "seq", "value"]].tolist()]
    return [tuple(event[1:4]) for event in batch]


async def _collect(stream: Any, count: int) -> list[Event]:
    out: list[Event] = []
    async for batch in stream:
        out.extend(_rows(batch))
        if len(out) >= count:
            break
    return out[:count]


def first_events_async(factory: Callable[..., Any], size: int | None) -> list[Event]:
    """The same, consumed with ``async for`` on a fresh event loop."""
    stream = factory(rate=_rate(size), capacity=CAPACITY, policy="block", seed=SEED)
    stream.start()
    try:
        return asyncio.run(asyncio.wait_for(_collect(stream, CHECK_EVENTS), 30.0))
    finally:
        stream.stop()


def _send(port: int, count: int, rate: float, stop: threading.Event) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        start = time.monotonic()
        for seq in range(count):
            if stop.is_set():
                return
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            source, _, value = synthetic(SEED, seq, False)
            sender.sendto(datagram(time.monotonic_ns(), source, seq, value), ("127.0.0.1", port))


def first_events_udp(factory: Any, size: int | None) -> list[Event]:
    """The first :data:`CHECK_EVENTS` events that a sender thread sends (the spec's events,
    paced at 5,000 per second) to a UDP stream bound to 127.0.0.1, with ``async for``."""
    stream = factory.udp("127.0.0.1", 0, capacity=CAPACITY, policy="block")
    stream.start()
    stop = threading.Event()
    sender = threading.Thread(target=_send, args=(stream.port, CHECK_EVENTS, 5000.0, stop))
    sender.start()
    try:
        return asyncio.run(asyncio.wait_for(_collect(stream, CHECK_EVENTS), 30.0))
    finally:
        stop.set()
        sender.join()
        stream.stop()


# -- lifecycles and drives --------------------------------------------------------------------


@contextlib.contextmanager
def streaming(function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[Any]:
    """A started stream of the participant (``function`` is its class or factory) at the
    rate ``args[1]``; stopped on exit, whatever happens."""
    stream = function(rate=_rate(args[1]), capacity=CAPACITY, policy="block", seed=SEED)
    stream.start()
    try:
        yield stream
    finally:
        stream.stop()


@contextlib.contextmanager
def udp_streaming(function: Any, args: tuple[Any, ...]) -> Iterator[Any]:
    """A started UDP stream of the participant on 127.0.0.1 and a sender process sending it
    ``args[1]`` datagrams per second; both stopped on exit."""
    stream = function.udp("127.0.0.1", 0, capacity=CAPACITY, policy="block")
    stream.start()
    try:
        command = [sys.executable, "-m", "ffibench.scenarios.events",
                   "--port", str(stream.port), "--rate", str(args[1])]  # fmt: skip
        with processes.spawn(command):
            yield stream
    finally:
        stream.stop()


def _wait_first(stream: Any) -> Event:
    """The first event (the producer may take a moment to start: a process, a socket)."""
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        event = stream.recv(WAIT_S)
        if event is not None:
            return event  # type: ignore[no-any-return]
    raise RuntimeError("no event in 30 s")


def drive_batched(stream: Any, duration_s: float) -> Measured:
    """Events per second taken in batches (``poll``), flat out; blocks in ``recv`` when the
    queue is empty instead of spinning."""
    sequence = _Sequence()
    sequence.one(_wait_first(stream)[2])
    cpu = time.thread_time_ns()
    deadline = time.monotonic() + duration_s
    while time.monotonic() < deadline:
        batch = stream.poll(BATCH)
        if len(batch):
            sequence.batch(batch)
            continue
        event = stream.recv(WAIT_S)
        if event is not None:
            sequence.one(event[2])
    return Measured(sequence.count, sequence.extra(time.thread_time_ns() - cpu))


def drive_single(stream: Any, duration_s: float) -> Measured:
    """Events per second taken one at a time (``recv``), flat out."""
    sequence = _Sequence()
    sequence.one(_wait_first(stream)[2])
    cpu = time.thread_time_ns()
    deadline = time.monotonic() + duration_s
    recv = stream.recv
    while time.monotonic() < deadline:
        event = recv(WAIT_S)
        if event is not None:
            sequence.one(event[2])
    return Measured(sequence.count, sequence.extra(time.thread_time_ns() - cpu))


def drive_latency(stream: Any, duration_s: float) -> Measured:
    """The age of each event when ``recv`` handed it over (``time.monotonic_ns()`` minus its
    timestamp), paced."""
    sequence = _Sequence()
    sequence.one(_wait_first(stream)[2])
    latencies: list[float] = []
    clock, recv = time.monotonic_ns, stream.recv
    cpu = time.thread_time_ns()
    deadline = time.monotonic() + duration_s
    while time.monotonic() < deadline:
        event = recv(WAIT_S)
        if event is not None:
            latencies.append(float(clock() - event[0]))
            sequence.one(event[2])
    return Measured(latencies, sequence.extra(time.thread_time_ns() - cpu))


async def _consume(
    stream: Any,
    latencies: list[float] | None,
    sequence: _Sequence,
    first: asyncio.Event | None = None,
) -> None:
    clock = time.monotonic_ns
    async for batch in stream:
        if first is not None:
            first.set()
        now = clock()
        if latencies is not None:
            if hasattr(batch, "dtype"):
                latencies.extend((now - batch["timestamp_ns"]).astype(float).tolist())
            else:
                latencies.extend(float(now - event[0]) for event in batch)
        sequence.batch(batch)


async def _bounded(
    stream: Any,
    duration_s: float,
    latencies: list[float] | None,
    first: asyncio.Event | None = None,
) -> Measured:
    sequence = _Sequence()
    cpu = time.thread_time_ns()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(_consume(stream, latencies, sequence, first), duration_s)
    return Measured(latencies or [], sequence.extra(time.thread_time_ns() - cpu))


def drive_async(stream: Any, duration_s: float) -> Measured:
    """The age of each event when ``async for`` handed over its batch, on a fresh loop."""
    return asyncio.run(_bounded(stream, duration_s, []))


async def _ticking(stream: Any, duration_s: float) -> Measured:
    late: list[float] = []

    first = asyncio.Event()

    async def tick() -> None:
        clock = time.monotonic_ns
        await first.wait()  # from the first batch on: the loop is consuming
        while True:
            start = clock()
            await asyncio.sleep(TICK_S)
            late.append(float(clock() - start) - TICK_S * 1e9)

    ticker = asyncio.create_task(tick())
    try:
        consumed = await _bounded(stream, duration_s, None, first)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    return Measured(late, consumed.extra)


def drive_ticks(stream: Any, duration_s: float) -> Measured:
    """How late a task sleeping 1 ms at a time wakes while the loop consumes the stream."""
    return asyncio.run(_ticking(stream, duration_s))


# -- anchors ----------------------------------------------------------------------------------


def _due(start: float, rate: float | None, made: int) -> tuple[int, float]:
    """``(events due now, seconds until the next one)`` of a producer paced like the spec's."""
    if rate is None:
        return CHUNK, 0.0
    elapsed = time.monotonic() - start
    by_now = int(elapsed * rate) + 1
    if by_now <= made:
        return 0, made / rate - elapsed
    return min(by_now - made, CHUNK), 0.0


def _produce(put: Callable[[Event], None], stop: Any, rate: float | None, seed: int) -> None:
    """A producer paced with sleeps: ``put`` each event (a tuple) until ``stop`` is set."""
    start, made = time.monotonic(), 0
    while not stop.is_set():
        due, wait = _due(start, rate, made)
        if not due:
            time.sleep(min(wait, 0.1))  # looks at stop at least every 0.1 s
            continue
        now = time.monotonic_ns()
        for seq in range(made, made + due):
            put((now, *synthetic(seed, seq, False)))
        made += due


def _queue_producer(channel: Any, started: Any, stop: Any, rate: float | None, seed: int) -> None:
    started.set()
    _produce(channel.put, stop, rate, seed)


def _pipe_producer(sender: Any, started: Any, stop: Any, rate: float | None, seed: int) -> None:
    started.set()
    with contextlib.suppress(BrokenPipeError, OSError):
        _produce(sender.send, stop, rate, seed)


class _ProcessProducer:
    """A producer process (spawned, so no thread of this one is forked) and its stop event."""

    def __init__(self, rate: float | None, capacity: int, policy: str, seed: int) -> None:
        if policy != "block":
            raise ValueError("the multiprocessing anchors block when the queue is full")
        self._rate, self._capacity, self._seed = rate, capacity, seed
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._process: Any = None

    def _start(self, target: Callable[..., None], channel: Any) -> None:
        started = self._context.Event()
        self._process = self._context.Process(
            target=target, args=(channel, started, self._stop, self._rate, self._seed),
            daemon=True,
        )  # fmt: skip
        self._process.start()
        if not started.wait(60.0):
            raise RuntimeError("the producer process did not start")

    def _end(self) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.join(0.5)  # a producer blocked on a full queue never looks: kill it
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5.0)
            self._process = None


class MultiprocessingQueue(_ProcessProducer):
    """Events from a producer process through a bounded ``multiprocessing.Queue``, one event
    per ``put``; batches are ``get_nowait`` until the queue is empty."""

    def start(self) -> None:
        self._queue = self._context.Queue(self._capacity)
        self._start(_queue_producer, self._queue)

    def stop(self) -> None:
        self._end()
        self._queue.close()
        self._queue.cancel_join_thread()

    def recv(self, timeout: float | None = None) -> Event | None:
        try:
            return self._queue.get(timeout=timeout)  # type: ignore[no-any-return]
        except queue.Empty:
            return None

    def poll(self, max_events: int) -> list[Event]:
        out: list[Event] = []
        get = self._queue.get_nowait
        with contextlib.suppress(queue.Empty):
            while len(out) < max_events:
                out.append(get())
        return out


class MultiprocessingPipe(_ProcessProducer):
    """Events from a producer process through a ``multiprocessing.Pipe`` (one ``send`` per
    event; a full pipe blocks the sender); batches are ``recv`` while ``poll(0)`` says more."""

    def start(self) -> None:
        self._receiver, sender = self._context.Pipe(duplex=False)
        self._start(_pipe_producer, sender)
        sender.close()

    def stop(self) -> None:
        self._end()
        self._receiver.close()

    def recv(self, timeout: float | None = None) -> Event | None:
        if self._receiver.poll(timeout):
            return self._receiver.recv()  # type: ignore[no-any-return]
        return None

    def poll(self, max_events: int) -> list[Event]:
        out: list[Event] = []
        receiver = self._receiver
        while len(out) < max_events and receiver.poll(0):
            out.append(receiver.recv())
        return out


class QueueThread:
    """Events from a producer thread through a bounded ``queue.Queue``."""

    def __init__(self, rate: float | None, capacity: int, policy: str, seed: int) -> None:
        self._queue: queue.Queue[Event] = queue.Queue(capacity)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=_produce, args=(self._put, self._stop, rate, seed), daemon=True
        )

    def _put(self, event: Event) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(queue.Full):
                self._queue.put(event, timeout=0.1)
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def recv(self, timeout: float | None = None) -> Event | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def poll(self, max_events: int) -> list[Event]:
        out: list[Event] = []
        get = self._queue.get_nowait
        with contextlib.suppress(queue.Empty):
            while len(out) < max_events:
                out.append(get())
        return out


async def _produce_async(channel: asyncio.Queue[Event], rate: float | None, seed: int) -> None:
    start, made = time.monotonic(), 0
    while True:
        due, wait = _due(start, rate, made)
        if not due:
            await asyncio.sleep(wait)
            continue
        now = time.monotonic_ns()
        for seq in range(made, made + due):
            await channel.put((now, *synthetic(seed, seq, False)))
        made += due


class AsyncioQueue:
    """Events from a producer task through a bounded ``asyncio.Queue``, on the consumer's
    loop: ``async for batch in stream`` starts the task and takes what is queued."""

    def __init__(self, rate: float | None, capacity: int, policy: str, seed: int) -> None:
        self._rate, self._capacity, self._seed = rate, capacity, seed

    def start(self) -> None:
        pass  # the producer task starts on the consumer's loop

    def stop(self) -> None:
        pass  # the producer task ends with its loop

    async def __aiter__(self) -> AsyncIterator[list[Event]]:
        channel: asyncio.Queue[Event] = asyncio.Queue(self._capacity)
        producer = asyncio.create_task(_produce_async(channel, self._rate, self._seed))
        try:
            while True:
                batch = [await channel.get()]
                while not channel.empty() and len(batch) < BATCH:
                    batch.append(channel.get_nowait())
                yield batch
        finally:
            producer.cancel()


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, pending: list[Event], ready: asyncio.Event, capacity: int) -> None:
        self.pending, self.ready, self.capacity = pending, ready, capacity
        self.dropped = 0

    def datagram_received(self, data: bytes, addr: Any) -> None:
        event = parse_datagram(data, False)
        if event is None or len(self.pending) >= self.capacity:
            self.dropped += 1
            return
        self.pending.append(event)
        self.ready.set()


class AsyncioUdp:
    """Datagrams received by an asyncio ``DatagramProtocol`` on the consumer's loop: ``async
    for batch in stream`` gives what arrived since the last batch."""

    def __init__(self, sock: socket.socket, capacity: int) -> None:
        self._socket, self._capacity = sock, capacity
        self.port = sock.getsockname()[1]

    @classmethod
    def udp(cls, host: str, port: int, capacity: int = 65536, policy: str = "block") -> AsyncioUdp:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((host, port))
        return cls(sock, capacity)

    def start(self) -> None:
        pass  # the endpoint opens on the consumer's loop

    def stop(self) -> None:
        self._socket.close()

    async def __aiter__(self) -> AsyncIterator[list[Event]]:
        loop = asyncio.get_running_loop()
        pending: list[Event] = []
        ready = asyncio.Event()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Receiver(pending, ready, self._capacity), sock=self._socket
        )
        try:
            while True:
                await ready.wait()
                ready.clear()
                batch = pending[:]
                del pending[:]
                if batch:
                    yield batch
        finally:
            transport.abort()


# -- the sender -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """The UDP sender of ``udp:latency``: the spec's events, stamped when sent, to
    ``127.0.0.1:PORT`` at ``RATE`` per second (paced with sleeps), until it is stopped."""
    parser = argparse.ArgumentParser(prog="python -m ffibench.scenarios.events")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True)
    options = parser.parse_args(argv)
    processes.install_sigterm()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        target = ("127.0.0.1", options.port)
        start, made = time.monotonic(), 0
        while time.monotonic() - start < SENDER_LIMIT_S:
            due, wait = _due(start, options.rate, made)
            if not due:
                time.sleep(wait)
                continue
            for seq in range(made, made + due):
                source, _, value = synthetic(SEED, seq, False)
                with contextlib.suppress(ConnectionRefusedError):
                    sender.sendto(datagram(time.monotonic_ns(), source, seq, value), target)
            made += due
    return 0


# -- the scenario -----------------------------------------------------------------------------


def _take(size: int | None) -> tuple[Any, ...]:
    return (size,)


def _checked(check: Callable[..., list[Event]]) -> Callable[..., tuple[Any, ...]]:
    """``setup``: the check helper goes first in the arguments, so that the checked statement
    is ``a0(function, a1)`` (the participant's first events) and a lifecycle finds the rate
    in ``args[1]``."""

    def setup(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
        return (check, *args)

    return setup


_THROUGHPUT = {"duration_s": 1.0, "quick_duration_s": 0.5, "repetitions": 3,
               "quick_repetitions": 2}  # fmt: skip
_LATENCY = {"duration_s": 1.5, "quick_duration_s": 0.5, "repetitions": 3,
            "quick_repetitions": 2}  # fmt: skip


def _operation(
    name: str,
    description: str,
    kind: str,
    drive: Callable[[Any, float], Measured],
    check: Callable[..., list[Event]],
    sizes: tuple[int | None, ...] = (None,),
    quick_sizes: tuple[int | None, ...] | None = None,
    lifecycle: Any = streaming,
) -> Operation:
    timing = _THROUGHPUT if kind == "throughput" else _LATENCY
    return Operation(
        name,
        description,
        make_args=_take,
        sizes=sizes,
        quick_sizes=quick_sizes,
        size_unit=None if sizes == (None,) else "events/s",
        function="EventStream",
        setup=_checked(check),
        statement="a0(function, a1)",
        kind=kind,
        bounded=Bounded(drive=drive, **timing),  # type: ignore[arg-type]
        lifecycle=lifecycle,
        timeout_s=120.0,
    )


OPERATIONS = (
    _operation("throughput:batched", "events/s delivered flat out, taken in batches (poll)",
               "throughput", drive_batched, first_events),
    _operation("throughput:single", "events/s delivered flat out, taken one at a time (recv)",
               "throughput", drive_single, first_events),
    _operation("latency", "age of each event when recv hands it over, paced",
               "latency", drive_latency, first_events, RATES, QUICK_RATES),
    _operation("async:latency", "age of each event when async for hands over its batch, paced",
               "latency", drive_async, first_events_async, ASYNC_RATES),
    _operation("async:ticks", "lateness of a 1 ms ticking task while the loop consumes",
               "latency", drive_ticks, first_events_async, ASYNC_RATES),
    _operation("udp:latency", "age of each datagram's event from a sender process, async for",
               "latency", drive_async, first_events_udp, UDP_RATES,
               lifecycle=udp_streaming),
)  # fmt: skip

_SYNC = ("throughput:batched", "throughput:single", "latency")

SCENARIO = Scenario(
    name="events",
    title="A Rust event source streaming to Python",
    question=(
        "How fast and how late do events reach Python from a Rust thread, against "
        "multiprocessing, a thread with queue.Queue and asyncio?"
    ),
    operations=OPERATIONS,
    anchors=(
        Anchor("multiprocessing", "a producer process, one event per multiprocessing.Queue put",
               dict.fromkeys(_SYNC, MultiprocessingQueue)),
        Anchor("multiprocessing:pipe", "a producer process, one event per Pipe send",
               dict.fromkeys(_SYNC, MultiprocessingPipe)),
        Anchor("queue", "a producer thread and a bounded queue.Queue",
               dict.fromkeys(_SYNC, QueueThread)),
        Anchor("asyncio", "a producer task and an asyncio.Queue on the consumer's loop",
               dict.fromkeys(("async:latency", "async:ticks"), AsyncioQueue)),
        Anchor("asyncio:udp", "an asyncio DatagramProtocol on the consumer's loop",
               {"udp:latency": AsyncioUdp}),
    ),
)  # fmt: skip

__all__ = [
    "SCENARIO",
    "AsyncioQueue",
    "AsyncioUdp",
    "MultiprocessingPipe",
    "MultiprocessingQueue",
    "QueueThread",
    "first_events",
    "first_events_async",
    "first_events_udp",
]


if __name__ == "__main__":
    sys.exit(main())
