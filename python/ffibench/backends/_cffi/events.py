"""Scenario 6 through the C ABI with cffi (both modes): an event stream held by the library
behind an opaque handle, its producer a Rust thread.

The class (lock, ownership, argument checks) is the one every C-ABI backend shares
(:mod:`ffibench.backends._capi.events`); this module is the calls, on the header's
declarations. ``poll`` lends C a NumPy array with ``ffi.from_buffer`` to fill with
``ffibench_event`` records.
"""

from __future__ import annotations

from typing import Any

from ffibench.backends._capi.events import EVENT, EventStreamMethods, Library, io_checked

from ._calls import SIZE_OUT, check
from ._library import ffi, lib

__all__ = ["EventStream"]

_STREAM_OUT = ffi.typeof("ffibench_event_stream **")
_EVENT = ffi.typeof("ffibench_event *")
_EVENTS = ffi.typeof("ffibench_event[]")
_INT_OUT = ffi.typeof("int *")
_STATS_OUT = ffi.typeof("ffibench_event_stats *")
_FLAGS_OUT = ffi.typeof("bool[2]")
_PORT_OUT = ffi.typeof("uint16_t *")


class _Cffi(Library):
    """The calls, through cffi."""

    def new(
        self, paced: bool, rate: float, capacity: int, policy: int, seed: int, payload: bool
    ) -> Any:
        out = ffi.new(_STREAM_OUT)
        check(lib.ffibench_event_stream_new(paced, rate, capacity, policy, seed, payload, out))
        return out[0]

    def udp(self, host: bytes, port: int, capacity: int, policy: int, payload: bool) -> Any:
        out = ffi.new(_STREAM_OUT)
        status = lib.ffibench_event_stream_udp(
            host, len(host), port, capacity, policy, payload, out
        )
        message = ffi.string(lib.ffibench_last_error_message()) if status else b""
        io_checked(status, lib.ffibench_last_error_errno(), message)
        check(status)
        return out[0]

    def free(self, handle: Any) -> None:
        lib.ffibench_event_stream_free(handle)

    def start(self, handle: Any) -> None:
        check(lib.ffibench_event_stream_start(handle))

    def stop(self, handle: Any) -> None:
        check(lib.ffibench_event_stream_stop(handle))

    def pending(self, handle: Any) -> int:
        out = ffi.new(SIZE_OUT)
        check(lib.ffibench_event_stream_pending(handle, out))
        return int(out[0])

    def poll(self, handle: Any, out: Any, max_events: int) -> int:
        count = ffi.new(SIZE_OUT)
        events = ffi.from_buffer(_EVENTS, out, require_writable=True)
        check(lib.ffibench_event_stream_poll(handle, events, max_events, count))
        return int(count[0])

    def recv(self, handle: Any, timeout_ns: int, payload: bool) -> tuple[int, Any]:
        event, outcome = ffi.new(_EVENT), ffi.new(_INT_OUT)
        check(lib.ffibench_event_stream_recv(handle, timeout_ns, event, outcome))
        if outcome[0] != EVENT:
            return outcome[0], None
        fields = (event.timestamp_ns, event.source, event.seq, event.value)
        if payload:
            text = ffi.buffer(event.payload)[0 : event.payload_len].decode()
            return EVENT, (*fields, text)
        return EVENT, fields

    def stats(self, handle: Any) -> tuple[int, int, int]:
        out = ffi.new(_STATS_OUT)
        check(lib.ffibench_event_stream_stats(handle, out))
        return out.produced, out.delivered, out.dropped

    def state(self, handle: Any) -> tuple[bool, bool]:
        flags = ffi.new(_FLAGS_OUT)
        check(lib.ffibench_event_stream_state(handle, flags, flags + 1))
        return bool(flags[0]), bool(flags[1])

    def fd(self, handle: Any) -> int:
        out = ffi.new(_INT_OUT)
        check(lib.ffibench_event_stream_fd(handle, out))
        return int(out[0])

    def port(self, handle: Any) -> int:
        out = ffi.new(_PORT_OUT)
        check(lib.ffibench_event_stream_port(handle, out))
        return int(out[0])


class EventStream(EventStreamMethods):
    """An event stream held by the library, called through cffi (see the spec's
    :class:`ffibench.pure.events.EventStream` and :class:`EventStreamMethods`)."""

    __slots__ = (
        "__weakref__", "_busy", "_capacity", "_dtype", "_handle", "_lock", "_payload", "_policy",
        "_udp",
    )  # fmt: skip
    lib = _Cffi()
