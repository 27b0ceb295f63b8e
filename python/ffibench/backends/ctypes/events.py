"""Scenario 6 through the C ABI with ctypes: an event stream held by the library behind an
opaque handle, its producer a Rust thread.

The class (lock, ownership, argument checks) is the one every C-ABI backend shares
(:mod:`ffibench.backends._capi.events`); this module is the calls, declared with
``argtypes``. ``poll`` passes the address of a NumPy array that C fills with
``ffibench_event`` records.
"""

from __future__ import annotations

from ctypes import (
    POINTER,
    Structure,
    byref,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_size_t,
    c_uint8,
    c_uint16,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any

from ffibench.backends._capi.events import EVENT, EventStreamMethods, Library, io_checked
from ffibench.backends.ctypes._library import check, declare, last_error

__all__ = ["EventStream"]


class Event(Structure):
    """``ffibench_event``."""

    _fields_ = (
        ("timestamp_ns", c_int64),
        ("source", c_uint32),
        ("payload_len", c_uint32),
        ("seq", c_uint64),
        ("value", c_double),
        ("payload", c_uint8 * 24),
    )


class Stats(Structure):
    """``ffibench_event_stats``."""

    _fields_ = (("produced", c_uint64), ("delivered", c_uint64), ("dropped", c_uint64))


_HANDLE = c_void_p
_OUT = POINTER(_HANDLE)
_EVENTS = c_void_p  # an array of ffibench_event, passed by its buffer's address

_errno = declare("ffibench_last_error_errno", c_int)
_new = declare(
    "ffibench_event_stream_new", c_int, c_bool, c_double, c_size_t, c_int, c_uint64, c_bool, _OUT
)
_udp = declare(
    "ffibench_event_stream_udp", c_int, c_char_p, c_size_t, c_uint16, c_size_t, c_int, c_bool, _OUT
)
_free = declare("ffibench_event_stream_free", None, _HANDLE)
_start = declare("ffibench_event_stream_start", c_int, _HANDLE)
_stop = declare("ffibench_event_stream_stop", c_int, _HANDLE)
_poll = declare("ffibench_event_stream_poll", c_int, _HANDLE, _EVENTS, c_size_t, POINTER(c_size_t))
_recv = declare(
    "ffibench_event_stream_recv", c_int, _HANDLE, c_int64, POINTER(Event), POINTER(c_int)
)
_stats = declare("ffibench_event_stream_stats", c_int, _HANDLE, POINTER(Stats))
_pending = declare("ffibench_event_stream_pending", c_int, _HANDLE, POINTER(c_size_t))
_state = declare("ffibench_event_stream_state", c_int, _HANDLE, POINTER(c_bool), POINTER(c_bool))
_fd = declare("ffibench_event_stream_fd", c_int, _HANDLE, POINTER(c_int))
_port = declare("ffibench_event_stream_port", c_int, _HANDLE, POINTER(c_uint16))


def _made(status: int, handle: c_void_p) -> Any:
    check(status)
    return handle.value


class _Ctypes(Library):
    """The calls, through ctypes."""

    def new(
        self, paced: bool, rate: float, capacity: int, policy: int, seed: int, payload: bool
    ) -> Any:
        handle = _HANDLE()
        return _made(_new(paced, rate, capacity, policy, seed, payload, byref(handle)), handle)

    def udp(self, host: bytes, port: int, capacity: int, policy: int, payload: bool) -> Any:
        handle = _HANDLE()
        status = _udp(host, len(host), port, capacity, policy, payload, byref(handle))
        io_checked(status, _errno(), last_error() or b"")
        return _made(status, handle)

    def free(self, handle: Any) -> None:
        _free(handle)

    def start(self, handle: Any) -> None:
        check(_start(handle))

    def stop(self, handle: Any) -> None:
        check(_stop(handle))

    def pending(self, handle: Any) -> int:
        out = c_size_t()
        check(_pending(handle, byref(out)))
        return out.value

    def poll(self, handle: Any, out: Any, max_events: int) -> int:
        count = c_size_t()
        check(_poll(handle, out.ctypes.data, max_events, byref(count)))
        return count.value

    def recv(self, handle: Any, timeout_ns: int, payload: bool) -> tuple[int, Any]:
        event, outcome = Event(), c_int()
        check(_recv(handle, timeout_ns, byref(event), byref(outcome)))
        if outcome.value != EVENT:
            return outcome.value, None
        fields = (event.timestamp_ns, event.source, event.seq, event.value)
        if payload:
            text = bytes(event.payload)[: event.payload_len].decode()
            return EVENT, (*fields, text)
        return EVENT, fields

    def stats(self, handle: Any) -> tuple[int, int, int]:
        out = Stats()
        check(_stats(handle, byref(out)))
        return out.produced, out.delivered, out.dropped

    def state(self, handle: Any) -> tuple[bool, bool]:
        running, stopped = c_bool(), c_bool()
        check(_state(handle, byref(running), byref(stopped)))
        return running.value, stopped.value

    def fd(self, handle: Any) -> int:
        out = c_int()
        check(_fd(handle, byref(out)))
        return out.value

    def port(self, handle: Any) -> int:
        out = c_uint16()
        check(_port(handle, byref(out)))
        return out.value


class EventStream(EventStreamMethods):
    """An event stream held by the library, called through ctypes (see the spec's
    :class:`ffibench.pure.events.EventStream` and :class:`EventStreamMethods`)."""

    __slots__ = (
        "__weakref__", "_busy", "_capacity", "_dtype", "_handle", "_lock", "_payload", "_policy",
        "_udp",
    )  # fmt: skip
    lib = _Ctypes()
