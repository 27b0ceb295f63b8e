"""What the ctypes and cffi EventStreams share: everything but the C calls.

Each backend supplies a :class:`Library` (the calls, written with its own FFI library); the
class here holds the ``ffibench_event_stream`` handle under the rules of every object that
owns library memory (docs: DESIGN.md): an
:class:`~ffibench.backends._capi.person.Exclusive` lock per object, since ctypes and cffi
release the GIL in each call; the handle made in ``__new__``; ``__del__`` swapping it out and
freeing it once (which stops and joins the producer). The arguments are checked by the spec's
own functions before any call.

``poll`` asks how many events are queued, allocates a NumPy array of the spec's dtype (the
C ABI's ``ffibench_event`` layout) for them and lets C fill it in place: no copy after C's.
``recv`` waits in slices of :data:`SLICE_NS` with the GIL released, so that a Ctrl-C (handled
between two calls) interrupts it. It does not hold the lock during a slice (the library's
stream may be used by several threads at once; only ``_free`` may not): it puts its thread's id
in ``_busy`` under the lock, and the finaliser waits until no ``recv`` is inside the library
before it frees the handle. So ``stats``, ``stopped`` and ``stop`` from other threads never
wait for a ``recv``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ffibench.backends._capi import os_error
from ffibench.backends._capi.words import _Owner
from ffibench.pure.events import (
    Batches,
    check_capacity,
    check_flag,
    check_max_events,
    check_policy,
    check_rate,
    check_seed,
    check_timeout,
    check_udp,
    dtype,
)

__all__ = ["ENDED", "EVENT", "POLICY_CODES", "SLICE_NS", "EventStreamMethods", "Library"]

#: ``FFIBENCH_POLICY_*`` by the spec's names.
POLICY_CODES = {"block": 0, "drop": 1}
#: ``FFIBENCH_RECEIVED_*``.
EVENT, TIMED_OUT, ENDED = 0, 1, 2
#: The longest wait of one ``recv`` call.
SLICE_NS = 50_000_000


class Library:
    """The C calls of one backend on raw stream handles; every method raises the spec's
    exception for a failed status."""

    def new(
        self, paced: bool, rate: float, capacity: int, policy: int, seed: int, payload: bool
    ) -> Any:
        raise NotImplementedError

    def udp(self, host: bytes, port: int, capacity: int, policy: int, payload: bool) -> Any:
        """Raises ``OSError(errno, message)`` for the library's IO status."""
        raise NotImplementedError

    def free(self, handle: Any) -> None:
        raise NotImplementedError

    def start(self, handle: Any) -> None:
        raise NotImplementedError

    def stop(self, handle: Any) -> None:
        raise NotImplementedError

    def pending(self, handle: Any) -> int:
        raise NotImplementedError

    def poll(self, handle: Any, out: Any, max_events: int) -> int:
        """Fill the NumPy array ``out`` (of at least ``max_events`` events); how many."""
        raise NotImplementedError

    def recv(self, handle: Any, timeout_ns: int, payload: bool) -> tuple[int, Any]:
        """``(outcome, event tuple or None)``."""
        raise NotImplementedError

    def stats(self, handle: Any) -> tuple[int, int, int]:
        raise NotImplementedError

    def state(self, handle: Any) -> tuple[bool, bool]:
        """``(running, stopped)``."""
        raise NotImplementedError

    def fd(self, handle: Any) -> int:
        raise NotImplementedError

    def port(self, handle: Any) -> int:
        raise NotImplementedError


def io_checked(status: int, errno: int, message: bytes) -> None:
    """The ``OSError`` of a failed bind (the library's IO status), as ``socket.bind`` raises
    it: ``OSError(errno, strerror)``."""
    if status == 7:
        raise os_error(errno, message, None)


def _slice_ns(seconds: float | None) -> int:
    """The next wait of ``recv`` in ns: at most :data:`SLICE_NS` (compared as seconds first:
    a huge timeout such as ``1e300`` has no int of ns that C takes)."""
    if seconds is None or seconds * 1e9 >= SLICE_NS:
        return SLICE_NS
    return int(seconds * 1e9)


class EventStreamMethods(_Owner):
    """A C-ABI ``EventStream`` (see :class:`ffibench.pure.events.EventStream`); a subclass
    names its backend's :class:`Library` as ``lib`` and has the slots ``_handle``, ``_lock``,
    ``_busy``, ``_payload``, ``_capacity``, ``_policy``, ``_dtype`` and ``_udp``."""

    __slots__ = ()
    kind = "EventStream"
    lib: Any  # the backend's Library

    def _free(self, handle: Any) -> None:
        self.lib.free(handle)

    def __del__(self) -> None:
        owner: Any = self
        lock = getattr(owner, "_lock", None)
        # As every owner's (see ``_Owner``), and after the ``recv`` calls inside the library
        # (without the lock) have come out: they use the handle.
        busy = getattr(owner, "_busy", [])
        if lock is None or lock.held_here() or threading.get_ident() in busy:
            return
        while True:
            with lock:
                if not busy:
                    handle, owner._handle = owner._handle, None
                    break
            time.sleep(0.001)
        if handle is not None:
            self._free(handle)

    def __new__(
        cls,
        rate: float | None = None,
        capacity: int = 65536,
        policy: str = "block",
        seed: int = 0,
        payload: bool = False,
    ) -> Any:
        checked = check_rate(rate)
        size, kind = check_capacity(capacity), check_policy(policy)
        stream_seed, carries = check_seed(seed), check_flag(payload, "payload")
        handle = cls.lib.new(
            checked is not None, checked or 0.0, size, POLICY_CODES[kind], stream_seed, carries
        )
        return cls._made(handle, size, kind, carries, False)

    @classmethod
    def _made(cls, handle: Any, capacity: int, policy: str, payload: bool, udp: bool) -> Any:
        stream = cls._adopt(handle)
        stream._busy = []  # the threads inside a recv call
        stream._capacity, stream._policy = capacity, policy
        stream._payload, stream._udp = payload, udp
        stream._dtype = dtype(payload)
        return stream

    @classmethod
    def udp(
        cls,
        host: str,
        port: int,
        capacity: int = 65536,
        policy: str = "block",
        payload: bool = False,
    ) -> Any:
        """A stream of the UDP datagrams sent to ``host:port``, bound now."""
        address, number, size, kind, carries = check_udp(host, port, capacity, policy, payload)
        handle = cls.lib.udp(address.encode(), number, size, POLICY_CODES[kind], carries)
        return cls._made(handle, size, kind, carries, True)

    def start(self) -> None:
        """Start the producer thread; ``RuntimeError`` if it was started before."""
        with self._lock:  # type: ignore[attr-defined]
            self.lib.start(self._live())

    def stop(self) -> None:
        """Stop the producer and join its thread; does nothing the second time."""
        with self._lock:  # type: ignore[attr-defined]
            self.lib.stop(self._live())

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exception: object) -> None:
        self.stop()

    def poll(self, max_events: int | None = None) -> Any:
        """Up to ``max_events`` queued events at once (``None``: all), as a NumPy array."""
        import numpy

        capacity = self._capacity  # type: ignore[attr-defined]
        count = min(check_max_events(max_events, capacity), capacity)
        with self._lock:  # type: ignore[attr-defined]
            handle = self._live()
            wanted = min(count, self.lib.pending(handle))
            out = numpy.empty(wanted, dtype=self._dtype)  # type: ignore[attr-defined]
            got = self.lib.poll(handle, out, wanted) if wanted else 0
        return out if got == wanted else out[:got]

    def poll_tuples(self, max_events: int | None = None) -> list[Any]:
        """Up to ``max_events`` queued events at once (``None``: all), as tuples."""
        rows = self.poll(max_events).tolist()
        if self._payload:  # type: ignore[attr-defined]
            return [(t, s, q, v, p.decode()) for t, s, q, v, p in rows]
        return rows  # type: ignore[no-any-return]

    def recv(self, timeout: float | None = None) -> Any:
        """The next event, waiting up to ``timeout`` seconds (``None``: as long as it takes);
        ``None`` when the time passes or the stream is stopped and empty."""
        wait = check_timeout(timeout)
        deadline = None if wait is None else time.monotonic() + wait
        slice_ns = _slice_ns(wait)
        lib, payload = self.lib, self._payload  # type: ignore[attr-defined]
        owner: Any = self
        lock, me = owner._lock, threading.get_ident()
        while True:
            with lock:
                handle = self._live()
                owner._busy.append(me)
            try:
                outcome, event = lib.recv(handle, slice_ns, payload)
            finally:
                with lock:
                    owner._busy.remove(me)
            if outcome == EVENT:
                return event
            if outcome == ENDED:
                return None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                slice_ns = max(1, _slice_ns(left))

    def __iter__(self) -> Any:
        return self

    def __next__(self) -> Any:
        event = self.recv()
        if event is None:
            raise StopIteration
        return event

    def __aiter__(self) -> Batches:
        return Batches(self)

    def stats(self) -> tuple[int, int, int]:
        """``(produced, delivered, dropped)``."""
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.stats(self._live())

    def fileno(self) -> int:
        """The eventfd that is readable while an event is queued or the stream is stopped."""
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.fd(self._live())

    def _state(self) -> tuple[bool, bool]:
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.state(self._live())

    @property
    def port(self) -> int | None:
        """The UDP port the stream is bound to (``None`` for a synthetic stream)."""
        if not self._udp:  # type: ignore[attr-defined]
            return None
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.port(self._live())

    @property
    def payload(self) -> bool:
        """Whether events carry their payload."""
        return self._payload  # type: ignore[attr-defined,no-any-return]

    @property
    def capacity(self) -> int:
        """The queue's capacity."""
        return self._capacity  # type: ignore[attr-defined,no-any-return]

    @property
    def policy(self) -> str:
        """``"block"`` or ``"drop"``."""
        return self._policy  # type: ignore[attr-defined,no-any-return]

    @property
    def running(self) -> bool:
        """Whether the producer runs (started and not stopped)."""
        return self._state()[0]

    @property
    def stopped(self) -> bool:
        """Whether ``stop`` was called: no event will come but those queued."""
        return self._state()[1]

    def __len__(self) -> int:
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.pending(self._live())

    def __reduce__(self) -> Any:
        raise TypeError(f"cannot pickle {type(self).__name__} object")

    def __repr__(self) -> str:
        try:
            running, stopped = self._state()
        except RuntimeError:  # a fork child's copy
            return "EventStream(of the parent process)"
        produced, delivered, dropped = self.stats()
        state = "running" if running else "stopped" if stopped else "ready"
        return (
            f"EventStream({state}, produced={produced}, delivered={delivered}, dropped={dropped})"
        )
