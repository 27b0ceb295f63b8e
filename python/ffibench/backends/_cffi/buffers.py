"""Scenario 5 through the C ABI with cffi (both modes): values the library makes, wrapped as
NumPy arrays with no copy (the ownership is shared with ctypes:
:mod:`ffibench.backends._capi.buffers`)."""

from __future__ import annotations

from typing import Any

from ffibench.backends._capi.buffers import BufferMethods, Library, functions

from ._calls import check
from ._library import ffi, lib

__all__ = ["Buffer", "generate", "generate_bytes", "generate_list"]

_HANDLE_OUT = ffi.typeof("ffibench_buffer **")
_VIEW_OUT = ffi.typeof("ffibench_buffer_view *")


class _Cffi(Library):
    def new(self, n: int, code: int, seed: int) -> tuple[Any, int]:
        handle, view = ffi.new(_HANDLE_OUT), ffi.new(_VIEW_OUT)
        check(lib.ffibench_buffer_new(n, code, seed, handle, view))
        return handle[0], int(ffi.cast("uintptr_t", view.data))

    def free(self, handle: Any) -> None:
        lib.ffibench_buffer_free(handle)


_LIBRARY = _Cffi()
generate, generate_list, generate_bytes = functions(_LIBRARY)


class Buffer(BufferMethods):
    """``n`` values of ``dtype`` in read-only library memory, lent with no copy."""

    __slots__ = ()
    _library = _LIBRARY
