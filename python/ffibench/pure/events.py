"""Scenario 6, ``events``: the specification of an event source that feeds Python without
blocking it, with a Python producer thread where the other backends have a Rust one.

Events
    An event is ``(timestamp_ns, source, seq, value)``, or with a payload
    ``(timestamp_ns, source, seq, value, payload)``: when it was made, in ns of
    ``CLOCK_MONOTONIC`` (``time.monotonic_ns()``'s clock); the id of its source (an int from
    0 to ``2**32 - 1``); its sequence number (0, 1, 2... in the order the source made the
    events: a gap is an event that was dropped, and counted); a float reading; and an
    optional text of at most :data:`PAYLOAD_MAX` bytes of UTF-8 without NUL. ``poll`` gives
    them as a NumPy structured array of :func:`dtype` (fields ``timestamp_ns`` int64,
    ``source`` uint32, ``seq`` uint64, ``value`` float64 and, with a payload, ``payload``
    bytes of ``S24``; the layout is the C ABI's 56-byte ``ffibench_event``), the other
    methods as tuples.
The synthetic source
    ``EventStream(rate=None, capacity=65536, policy="block", seed=0, payload=False)``. Event
    ``seq`` of ``seed`` has ``source = draw(seed, 2 seq) % 16`` and ``value = 20.0 + 10.0 *
    uniform(seed, 2 seq + 1)`` (``draw`` and ``uniform`` are the counter-based SplitMix64 of
    the arrays scenario, :func:`ffibench.pure.arrays.draw`), and with ``payload`` the text
    ``f"{source}:{seq}"``: every backend makes the same sequence of ``(source, seq, value,
    payload)`` for a seed; only the timestamps differ. ``rate`` (events per second, a real
    number in ``(0, 1e9]``; ``None``: flat out) paces the source against its start time:
    the events due by now are made at once (sharing one timestamp) and then the producer
    sleeps until the next is due; it never spins.
The UDP source
    ``EventStream.udp(host, port, capacity=65536, policy="block", payload=False)`` binds a UDP
    socket to ``host`` (an IPv4 address as text; ``ValueError`` otherwise) and ``port`` (0 to
    65535, 0: the kernel picks; ``stream.port`` says which) at once: a port in use raises
    ``OSError`` (``EADDRINUSE``) there. Once started it receives datagrams of :func:`datagram`'s
    format, each one event whose fields are the datagram's (its timestamp is the sender's).
    A malformed datagram (shorter than :data:`DATAGRAM_HEADER` bytes, a payload too long,
    not UTF-8 or with a NUL) counts as produced and dropped. UDP cannot make a sender wait:
    under ``policy="block"`` the producer waits for room, and the datagrams the kernel drops
    meanwhile (its socket buffer full) never reach the stream and are not counted.
The queue
    At most ``capacity`` events (an int from 1 to :data:`CAPACITY_MAX`) wait for the
    consumer. When it is full, ``policy="block"`` makes the producer wait (no event is ever
    lost) and ``policy="drop"`` drops the new events, counting them. ``stats()`` is
    ``(produced, delivered, dropped)``; at every moment ``produced == delivered + dropped +``
    the number queued.
Consuming
    ``poll(max_events=None)`` takes at once up to ``max_events`` queued events (``None``:
    all), possibly none; ``poll_tuples(max_events=None)`` the same as a list of tuples.
    ``recv(timeout=None)`` waits up to ``timeout`` seconds (``None``: as long as it takes)
    for one event with the GIL released, so other threads run; it returns ``None`` when the
    time passes or when the stream is stopped and empty, and ``Ctrl-C`` interrupts it with
    ``KeyboardInterrupt``. Iterating a stream gives its events one at a time until it is
    stopped and empty. ``async for batch in stream`` gives non-empty arrays (as ``poll``)
    without ever blocking the event loop: it waits on ``fileno()``, an eventfd readable while
    an event is queued or the stream is stopped, with ``loop.add_reader``. The eventfd
    belongs to the stream: wait on it only (``select``, ``poll``, ``add_reader``); never read
    or close it (a read takes the readiness of events still queued; a closed number reused by
    the next ``open`` would hand another file to the stream).
Lifecycle
    ``start()`` starts the producer thread (``RuntimeError`` the second time, or after
    ``stop``; ``RuntimeError`` too when the thread cannot be made, and the stream is then
    stopped); ``stop()`` stops it and joins its thread (what is queued stays to be taken;
    a second ``stop`` does nothing; called from a signal handler or finaliser that
    interrupted a call on the same stream in the same thread, it stops without joining);
    ``with stream:`` starts and stops. A stream that is
    dropped is stopped. ``running`` and ``stopped`` tell the state. A stream cannot be copied
    or pickled (``TypeError``), as a socket cannot. In a child made by ``os.fork`` the
    stream's producer does not exist: every method but the constant attributes
    (``capacity``, ``policy``, ``payload``, ``port``) raises ``RuntimeError`` there ("the
    stream belongs to the parent process").
Memory
    The queue grows as events come. A producer that cannot allocate (an address-space
    limit) treats the queue as full: under ``"block"`` it waits for the consumer, under
    ``"drop"`` it drops and counts; it never dies silently nor takes the process down.
Arguments
    ``rate`` and ``timeout``: ``None`` or an ``int`` or ``float`` (not ``bool``:
    ``TypeError``); a bad value ``ValueError``. ``capacity``, ``max_events``: ints
    (``operator.index``), ``ValueError`` below their least, ``OverflowError`` from ``2**63``;
    ``capacity`` past :data:`CAPACITY_MAX` ``ValueError``. ``seed``: an int from 0 to
    ``2**64 - 1`` (``OverflowError`` outside). ``policy``: ``"block"`` or ``"drop"``
    (``TypeError`` for a non-str). ``payload``: a ``bool`` (NumPy's ``bool_`` too).
    ``port``: an int, ``OverflowError`` outside 0 to 65535 (as ``socket.bind`` says).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import math
import operator
import os
import socket
import struct
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from ffibench.pure.arrays import draw, uniform
from ffibench.pure.basic import shown_int

__all__ = [
    "CAPACITY_MAX",
    "DATAGRAM_HEADER",
    "PAYLOAD_MAX",
    "POLICIES",
    "RATE_MAX",
    "SOURCES",
    "Batches",
    "EventStream",
    "as_array",
    "datagram",
    "dtype",
    "parse_datagram",
    "readable",
    "synthetic",
]

#: The longest payload, in bytes of UTF-8.
PAYLOAD_MAX = 24
#: The synthetic generator's number of sources.
SOURCES = 16
#: The largest queue.
CAPACITY_MAX = 1 << 24
#: The fastest paced rate, in events per second.
RATE_MAX = 1e9
#: What a full queue does.
POLICIES = ("block", "drop")
#: The wire format of a datagram before its payload: timestamp_ns, source, seq, value.
HEADER = struct.Struct("<qIQd")
#: Its size in bytes.
DATAGRAM_HEADER = HEADER.size
#: The most events a producer makes under one lock of the queue.
CHUNK = 256
#: How long a blocked receive waits before it looks at the stop flag again.
RECEIVE_SLICE_S = 0.1
#: How long a blocked producer that found no memory waits before it tries again.
MEMORY_RETRY_S = 0.01
#: The longest single wait of ``recv`` (``threading``'s waits refuse more than TIMEOUT_MAX).
WAIT_SLICE_S = 3600.0
_U64 = (1 << 64) - 1

Event = tuple[Any, ...]


def dtype(payload: bool = False) -> Any:
    """The NumPy dtype of ``poll``'s arrays: the C ABI's 56-byte ``ffibench_event``, with the
    ``payload`` field only when the stream carries payloads."""
    import numpy

    names = ["timestamp_ns", "source", "seq", "value"]
    formats: list[Any] = ["<i8", "<u4", "<u8", "<f8"]
    offsets = [0, 8, 16, 24]
    if payload:
        names.append("payload")
        formats.append(f"S{PAYLOAD_MAX}")
        offsets.append(32)
    return numpy.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": 56})


def as_array(events: list[Event], payload: bool) -> Any:
    """Events (tuples) as an array of :func:`dtype`."""
    import numpy

    if payload:
        rows = [(t, s, q, v, p.encode()) for t, s, q, v, p in events]
        return numpy.array(rows, dtype=dtype(True))
    return numpy.array(events, dtype=dtype(False))


def synthetic(seed: int, seq: int, payload: bool) -> Event:
    """``(source, seq, value)``, or with the payload ``(source, seq, value, payload)``, of
    event ``seq`` of the generator of ``seed`` (its timestamp is when it is made).

    Examples
    --------
    >>> synthetic(42, 0, True)
    (5, 0, 21.5991039287692, '5:0')
    """
    source = draw(seed, (2 * seq) & _U64) % SOURCES
    value = 20.0 + 10.0 * uniform(seed, (2 * seq + 1) & _U64)
    if payload:
        return source, seq, value, f"{source}:{seq}"
    return source, seq, value


def datagram(
    timestamp_ns: int, source: int, seq: int, value: float, payload: str | None = None
) -> bytes:
    """The datagram of one event for the UDP source (little-endian ``<qIQd``, then the
    payload's UTF-8).

    Examples
    --------
    >>> len(datagram(1, 2, 3, 4.0, "hi"))
    30
    """
    data = HEADER.pack(timestamp_ns, source, seq, value)
    return data if payload is None else data + payload.encode()


def parse_datagram(data: bytes, payload: bool) -> Event | None:
    """The event a datagram carries (with its payload when ``payload``), ``None`` when it is
    malformed."""
    if not DATAGRAM_HEADER <= len(data) <= DATAGRAM_HEADER + PAYLOAD_MAX:
        return None
    text = data[DATAGRAM_HEADER:]
    if b"\0" in text:
        return None
    try:
        decoded = text.decode()
    except UnicodeDecodeError:
        return None
    fields = HEADER.unpack_from(data)
    return (*fields, decoded) if payload else fields


# -- argument checks (shared with the ctypes and cffi wrappers) -------------------------------


def _real(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be None or a real number, not {type(value).__name__}")
    if isinstance(value, float):  # the value it holds, as PyFloat_AsDouble reads it: a
        return float.__float__(value)  # subclass's own __float__ takes no part
    return float(value)


def check_rate(rate: object) -> float | None:
    """``None`` (flat out) or a rate in events per second in ``(0, RATE_MAX]``."""
    if rate is None:
        return None
    value = _real(rate, "rate")
    if not (math.isfinite(value) and 0.0 < value <= RATE_MAX):
        raise ValueError(
            f"rate must be a number of events per second in (0, {RATE_MAX:e}], not {value}"
        )
    return value


def check_count(value: object, name: str, least: int) -> int:
    """An int of at least ``least``: ``ValueError`` below, ``OverflowError`` from ``2**63``."""
    number = operator.index(value)  # type: ignore[arg-type]
    if number < least:
        raise ValueError(f"{name} must be >= {least}, not {shown_int(number)}")
    if number >= 2**63:
        raise OverflowError(f"{name} = {shown_int(number)} does not fit a signed 64-bit integer")
    return number


def check_capacity(capacity: object) -> int:
    """A queue's capacity, 1 to :data:`CAPACITY_MAX`."""
    number = check_count(capacity, "capacity", 1)
    if number > CAPACITY_MAX:
        raise ValueError(f"capacity must be in 1 ..= {CAPACITY_MAX}, not {number}")
    return number


def check_policy(policy: object) -> str:
    """``"block"`` or ``"drop"``."""
    if not isinstance(policy, str):
        raise TypeError(f"policy must be str, not {type(policy).__name__}")
    policy = str.__str__(policy)  # a subclass's text, whatever its __eq__ and __str__ say
    if policy not in POLICIES:
        raise ValueError(f"policy must be 'block' or 'drop', not {policy!r}")
    return policy


def check_seed(seed: object) -> int:
    """A seed, 0 to ``2**64 - 1``."""
    number = operator.index(seed)  # type: ignore[arg-type]
    if not 0 <= number <= _U64:
        raise OverflowError(f"seed = {shown_int(number)} is not in 0 .. 2**64 - 1")
    return number


def check_flag(value: object, name: str) -> bool:
    """A ``bool`` (or NumPy's ``bool_``, as PyO3 reads a ``bool``)."""
    if isinstance(value, bool):
        return value
    kind = type(value)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool_", "bool"):
        return bool(value)
    raise TypeError(f"{name} must be bool, not {kind.__name__}")


def check_host(host: object) -> str:
    """An IPv4 address as text."""
    if not isinstance(host, str):
        raise TypeError(f"host must be str, not {type(host).__name__}")
    try:
        return str(ipaddress.IPv4Address(str(host)))
    except ValueError:
        raise ValueError(f"host must be an IPv4 address, not {host!r}") from None


def check_port(port: object) -> int:
    """A port, 0 to 65535 (``OverflowError`` outside, as ``socket.bind`` says)."""
    number = operator.index(port)  # type: ignore[arg-type]
    if not 0 <= number <= 65535:
        raise OverflowError(f"port must be 0-65535, not {shown_int(number)}")
    return number


def check_udp(
    host: object, port: object, capacity: object, policy: object, payload: object
) -> tuple[str, int, int, str, bool]:
    """``EventStream.udp``'s arguments checked in order (shared with the C-ABI wrappers):
    the address, port, capacity, policy and payload flag."""
    address, number = check_host(host), check_port(port)
    size, kind = check_capacity(capacity), check_policy(policy)
    return address, number, size, kind, check_flag(payload, "payload")


def check_max_events(max_events: object, capacity: int) -> int:
    """``poll``'s bound: ``None`` is the capacity (everything queued)."""
    if max_events is None:
        return capacity
    return check_count(max_events, "max_events", 0)


def check_timeout(timeout: object) -> float | None:
    """``recv``'s timeout in seconds: ``None`` (or infinity) waits as long as it takes."""
    if timeout is None:
        return None
    value = _real(timeout, "timeout")
    if math.isnan(value) or value < 0.0:
        raise ValueError(f"timeout must be >= 0, not {value}")
    return None if math.isinf(value) else value


# -- the stream -------------------------------------------------------------------------------


class _Shared:
    """What the producer thread and the consumers share, under one lock."""

    def __init__(self, capacity: int, policy: str) -> None:
        # Re-entrant: the garbage collector may finalise (stop) a stream from its own producer
        # thread while that thread holds the lock (it allocates under it).
        self.lock = threading.RLock()
        self.readable = threading.Condition(self.lock)
        self.writable = threading.Condition(self.lock)
        self.events: collections.deque[Event] = collections.deque()
        self.capacity = capacity
        self.block = policy == "block"
        self.produced = self.delivered = self.dropped = 0
        self.stopping = self.stopped = self.signalled = False
        self.ready = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        # the process that made it: a fork child has a copy without the producer thread, and
        # a copy of the lock as it was at the fork (perhaps held by that thread, forever)
        self.pid = os.getpid()

    def owned(self) -> _Shared:
        """This, or ``RuntimeError`` in a fork child of the process that made it."""
        if self.pid != os.getpid():
            raise RuntimeError(
                "the stream belongs to the parent process (this process is a fork child of the "
                "one that made it); make a new stream here"
            )
        return self

    def announce(self) -> None:
        """Events went in (or the stream stopped): the eventfd becomes readable."""
        if not self.signalled:
            self.signalled = True
            # as Rust ignores it: a user who read or closed the fd must not kill the producer
            with contextlib.suppress(OSError):
                os.eventfd_write(self.ready, 1)
        self.readable.notify_all()

    def taken(self) -> None:
        """Events went out: reset the eventfd once the queue is empty; wake the producer."""
        if not self.events and self.signalled and not self.stopped:
            # a user who read the fd by hand left it empty: the events are taken all the same
            with contextlib.suppress(OSError):
                os.eventfd_read(self.ready)
            self.signalled = False
        self.writable.notify()

    def wait_for_room(self) -> bool:
        """Under the lock: wait while the queue is full; ``False`` when stopping."""
        while len(self.events) >= self.capacity and not self.stopping:
            self.writable.wait()
        return not self.stopping

    def push(self, event: Event | None) -> bool:
        """One received event (``None``: malformed) in; ``False`` when stopping."""
        with self.lock:
            if self.stopping or (event is not None and self.block and not self.wait_for_room()):
                return False
            self.produced += 1
            if event is not None and len(self.events) < self.capacity:
                try:
                    self.events.append(event)
                except MemoryError:  # no memory for it: dropped and counted, as a full queue
                    self.dropped += 1
                    return True
                self.announce()
            else:
                self.dropped += 1
            return True

    def take(self, count: int) -> list[Event]:
        with self.lock:
            events = self.events
            taken: list[Event] = []
            try:
                for _ in range(min(count, len(events))):
                    taken.append(events.popleft())
            except BaseException:
                # a KeyboardInterrupt (or a finaliser's error) between two pops: nothing is
                # lost, the events go back in their order
                events.extendleft(reversed(taken))
                raise
            self.delivered += len(taken)
            self.taken()
            return taken


def _generate(shared: _Shared, rate: float | None, seed: int, payload: bool) -> None:
    start = time.monotonic()
    next_seq = 0
    while True:
        try:
            next_seq = _generate_some(shared, rate, seed, payload, start, next_seq)
        except MemoryError:
            # Memory ran out outside the queue's extend (a wait's lock, an int): the counters
            # are whole (they are counted before anything is made); wait a little and go on.
            time.sleep(MEMORY_RETRY_S)
            continue
        if next_seq < 0:
            return


def _generate_some(
    shared: _Shared, rate: float | None, seed: int, payload: bool, start: float, next_seq: int
) -> int:
    """One turn of the generator: the next ``seq``, or ``-1`` when the stream is stopping."""
    if rate is None:
        due = CHUNK
    else:
        elapsed = time.monotonic() - start
        by_now = int(elapsed * rate) + 1
        if by_now <= next_seq:
            with shared.lock:
                if shared.stopping:
                    return -1
                # stop wakes it; at most an hour at a time (a tiny rate's wait is huge)
                shared.writable.wait(min(max(0.0, next_seq / rate - elapsed), 3600.0))
                return -1 if shared.stopping else next_seq
        due = min(by_now - next_seq, CHUNK)
    with shared.lock:
        if shared.stopping or (shared.block and not shared.wait_for_room()):
            return -1
        made = min(due, shared.capacity - len(shared.events))
        if shared.block:
            due = made
        now = time.monotonic_ns()
        events, before = shared.events, len(shared.events)
        # counted first: an extend that runs out of memory is then taken back by what went in
        shared.produced += due
        shared.dropped += due - made
        try:
            events.extend(
                (now, *synthetic(seed, seq, payload)) for seq in range(next_seq, next_seq + made)
            )
        except MemoryError:
            # no memory for the rest: a full queue (blocking makes them later, after a take
            # or a while; dropping drops them, counted)
            went = len(events) - before
            if shared.block:
                shared.produced -= made - went
                due = went
            else:
                shared.dropped += made - went
            made = went
            if went:
                shared.announce()
            elif shared.block:
                shared.writable.wait(MEMORY_RETRY_S)
            return next_seq + due
        if made:
            shared.announce()
    if made < due and rate is None:
        time.sleep(0)  # flat out into a full dropping queue: let the consumer run
    return next_seq + due


def _produce(target: Any, shared: _Shared, *args: Any) -> None:
    """Run a producer; if it fails (a bug, or memory where none was expected) the stream is
    stopped and its waiters woken, never left saying it runs while nothing comes."""
    try:
        target(shared, *args)
    except BaseException:
        with shared.lock:
            shared.stopping = True
            if not shared.stopped:
                shared.stopped = True
                shared.announce()
        raise


def _receive(shared: _Shared, sock: socket.socket, payload: bool) -> None:
    while True:
        try:
            data = sock.recv(2048)
        except TimeoutError:
            with shared.lock:
                if shared.stopping:
                    return
            continue
        except OSError:
            with shared.lock:
                if shared.stopping:
                    return
            continue
        if not data:
            with shared.lock:
                if shared.stopping:
                    return  # the stop's wake-up
        if not shared.push(parse_datagram(data, payload)):
            return


class EventStream:
    """An event source on a producer thread, feeding a bounded queue (see the module's
    documentation for the exact contract).

    Examples
    --------
    >>> with EventStream(rate=1000.0, seed=7) as stream:
    ...     first = stream.recv(timeout=5.0)
    >>> first[1:] == synthetic(7, 0, False)
    True
    >>> stream.stopped
    True
    """

    __slots__ = ("__weakref__", "_payload", "_phase", "_port", "_shared", "_source", "_thread")

    _payload: bool
    _phase: str
    _port: int | None
    _shared: _Shared
    _source: tuple[Any, ...]
    _thread: threading.Thread | None

    def __new__(
        cls,
        rate: float | None = None,
        capacity: int = 65536,
        policy: str = "block",
        seed: int = 0,
        payload: bool = False,
    ) -> EventStream:
        checked = check_rate(rate)
        size, kind = check_capacity(capacity), check_policy(policy)
        stream_seed, carries = check_seed(seed), check_flag(payload, "payload")
        return cls._make(("synthetic", checked, stream_seed), size, kind, carries, None)

    @classmethod
    def _make(
        cls, source: tuple[Any, ...], capacity: int, policy: str, payload: bool, port: int | None
    ) -> EventStream:
        stream = object.__new__(cls)
        stream._shared = _Shared(capacity, policy)
        stream._source = source
        stream._payload = payload
        stream._port = port
        stream._thread = None
        stream._phase = "ready"
        return stream

    @classmethod
    def udp(
        cls,
        host: str,
        port: int,
        capacity: int = 65536,
        policy: str = "block",
        payload: bool = False,
    ) -> EventStream:
        """A stream of the UDP datagrams sent to ``host:port``, bound now."""
        address, number, size, kind, carries = check_udp(host, port, capacity, policy, payload)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((address, number))
            sock.settimeout(RECEIVE_SLICE_S)
        except BaseException:
            sock.close()
            raise
        bound = sock.getsockname()[1]
        wake = ("127.0.0.1" if address == "0.0.0.0" else address, bound)
        return cls._make(("udp", sock, wake), size, kind, carries, bound)

    def start(self) -> None:
        """Start the producer thread; ``RuntimeError`` if it was started before."""
        shared = self._shared.owned()
        with shared.lock:
            if self._phase == "running":
                raise RuntimeError("the stream is already running")
            if self._phase == "stopped":
                raise RuntimeError("the stream is stopped; a stream cannot be restarted")
            self._phase = "running"
        if self._source[0] == "synthetic":
            _, rate, seed = self._source
            args: tuple[Any, ...] = (_generate, shared, rate, seed, self._payload)
        else:
            args = (_receive, shared, self._source[1], self._payload)
        # daemon: an interpreter that exits with a running stream does not wait for it
        thread = threading.Thread(target=_produce, args=args, name="ffibench-events", daemon=True)
        try:
            thread.start()
        except RuntimeError as error:  # "can't start new thread": the stream is stopped
            self.stop()
            raise RuntimeError(f"cannot start the producer thread: {error}") from error
        self._thread = thread

    def stop(self) -> None:
        """Stop the producer and join its thread; does nothing the second time."""
        shared = self._shared.owned()
        with shared.lock:
            shared.stopping = True
            self._phase = "stopped"
            shared.writable.notify_all()
        thread, self._thread = self._thread, None
        if self._source[0] == "udp":
            sock, wake = self._source[1], self._source[2]
            if thread is not None:
                with contextlib.suppress(OSError):  # if it fails, the receive's timeout wakes it
                    sock.sendto(b"", wake)
        # Not from the producer itself, nor from a signal handler (or finaliser) that interrupted
        # this thread while it held the lock: the producer would wait for that lock forever.
        # The producer leaves at its next look at the stop flag.
        if (
            thread is not None
            and thread is not threading.current_thread()
            and not shared.lock._is_owned()  # type: ignore[attr-defined]
        ):
            thread.join()
        if self._source[0] == "udp":
            self._source[1].close()
        with shared.lock:
            if not shared.stopped:
                shared.stopped = True
                shared.announce()

    def __del__(self) -> None:
        shared = getattr(self, "_shared", None)
        if shared is not None and shared.pid != os.getpid():
            # a fork child: the producer and the lock are the parent's; only the child's own
            # copy of the eventfd is closed (the parent's stays open)
            fd, shared.ready = shared.ready, -1
            if fd >= 0:
                os.close(fd)
            return
        if shared is not None:
            self.stop()
            with shared.lock:
                fd, shared.ready = shared.ready, -1
            if fd >= 0:
                os.close(fd)

    def __enter__(self) -> EventStream:
        self.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self.stop()

    def poll(self, max_events: int | None = None) -> Any:
        """Up to ``max_events`` queued events at once (``None``: all), as an array."""
        count = check_max_events(max_events, self._shared.capacity)
        return as_array(self._shared.owned().take(count), self._payload)

    def poll_tuples(self, max_events: int | None = None) -> list[Event]:
        """Up to ``max_events`` queued events at once (``None``: all), as tuples."""
        count = check_max_events(max_events, self._shared.capacity)
        return self._shared.owned().take(count)

    def recv(self, timeout: float | None = None) -> Event | None:
        """The next event, waiting up to ``timeout`` seconds (``None``: as long as it takes);
        ``None`` when the time passes or the stream is stopped and empty."""
        wait = check_timeout(timeout)
        deadline = None if wait is None else time.monotonic() + wait
        shared = self._shared.owned()
        with shared.lock:
            while True:
                if shared.events:
                    event = shared.events.popleft()
                    shared.delivered += 1
                    shared.taken()
                    return event
                if shared.stopped:
                    return None
                if deadline is None:
                    shared.readable.wait()
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    # in slices: a huge timeout overflows threading's TIMEOUT_MAX
                    shared.readable.wait(min(left, WAIT_SLICE_S))

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        event = self.recv()
        if event is None:
            raise StopIteration
        return event

    def __aiter__(self) -> Batches:
        return Batches(self)

    def stats(self) -> tuple[int, int, int]:
        """``(produced, delivered, dropped)``."""
        shared = self._shared.owned()
        with shared.lock:
            return shared.produced, shared.delivered, shared.dropped

    def fileno(self) -> int:
        """The eventfd that is readable while an event is queued or the stream is stopped."""
        return self._shared.owned().ready

    @property
    def port(self) -> int | None:
        """The UDP port the stream is bound to (``None`` for a synthetic stream)."""
        return self._port

    @property
    def payload(self) -> bool:
        """Whether events carry their payload."""
        return self._payload

    @property
    def capacity(self) -> int:
        """The queue's capacity."""
        return self._shared.capacity

    @property
    def policy(self) -> str:
        """``"block"`` or ``"drop"``."""
        return "block" if self._shared.block else "drop"

    @property
    def running(self) -> bool:
        """Whether the producer runs (started and not stopped)."""
        return self._phase == "running" and not self._shared.owned().stopped

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` was called: no event will come but those queued."""
        return self._phase == "stopped" or self._shared.owned().stopped

    def __len__(self) -> int:
        shared = self._shared.owned()
        with shared.lock:
            return len(shared.events)

    def __reduce__(self) -> Any:
        raise TypeError(f"cannot pickle {type(self).__name__} object")

    def __repr__(self) -> str:
        if self._shared.pid != os.getpid():
            return "EventStream(of the parent process)"
        produced, delivered, dropped = self.stats()
        return (
            f"EventStream({'running' if self.running else self._phase}, produced={produced}, "
            f"delivered={delivered}, dropped={dropped})"
        )


# -- asyncio ----------------------------------------------------------------------------------


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Reader:
    """One ``add_reader`` on a loop for a file descriptor, shared by every task waiting on
    it: a second ``add_reader`` on the same descriptor would replace the first, and the first
    task would never wake (two tasks consuming one stream)."""

    __slots__ = ("future", "waiting")

    def __init__(self, future: asyncio.Future[None]) -> None:
        self.future = future
        self.waiting = 0


_READERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, _Reader]] = (
    weakref.WeakKeyDictionary()
)


async def readable(fd: int) -> None:
    """Wait until ``fd`` is readable, with the running loop's ``add_reader`` (no thread);
    several tasks may wait on one descriptor at once."""
    loop = asyncio.get_running_loop()
    readers = _READERS.setdefault(loop, {})
    reader = readers.get(fd)
    if reader is None or reader.future.done():
        if reader is not None:
            loop.remove_reader(fd)  # it fired; its waiters are on their way out
        reader = _Reader(loop.create_future())
        readers[fd] = reader
        loop.add_reader(fd, _wake, reader.future)
    reader.waiting += 1
    try:
        # shielded: a cancelled waiter leaves the others' future alone
        await asyncio.shield(reader.future)
    finally:
        reader.waiting -= 1
        if reader.waiting == 0 and readers.get(fd) is reader:
            del readers[fd]
            loop.remove_reader(fd)


class Batches:
    """``async for batch in stream``: non-empty arrays of what is queued (as ``poll``), until
    the stream is stopped and empty; between batches it waits on the stream's eventfd, so the
    event loop runs other tasks. Every backend's stream uses this class (the asyncio side is
    Python in all of them; the polls are each backend's own)."""

    __slots__ = ("_max", "_stream")

    def __init__(self, stream: Any, max_events: int | None = None) -> None:
        self._stream = stream
        self._max = max_events

    def __aiter__(self) -> Batches:
        return self

    async def __anext__(self) -> Any:
        stream = self._stream
        while True:
            stopped = stream.stopped
            batch = stream.poll(self._max)
            if len(batch):
                return batch
            if stopped:
                raise StopAsyncIteration
            await readable(stream.fileno())
