"""Scenario 5 through the C ABI with ctypes: values the library makes, wrapped as NumPy arrays
with no copy (the ownership is shared with cffi: :mod:`ffibench.backends._capi.buffers`)."""

from __future__ import annotations

from ctypes import POINTER, Structure, byref, c_int, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Any

from ffibench.backends._capi.buffers import BufferMethods, Library, functions
from ffibench.backends.ctypes._library import check, declare

__all__ = ["Buffer", "generate", "generate_bytes", "generate_list"]


class _View(Structure):
    """``ffibench_buffer_view``."""

    _fields_ = (("data", c_void_p), ("len", c_size_t), ("nbytes", c_size_t))


_new = declare(
    "ffibench_buffer_new",
    c_int, c_size_t, c_uint32, c_uint64, POINTER(c_void_p), POINTER(_View),
)  # fmt: skip
_free = declare("ffibench_buffer_free", None, c_void_p)


class _Ctypes(Library):
    def new(self, n: int, code: int, seed: int) -> tuple[Any, int]:
        handle, view = c_void_p(), _View()
        check(_new(n, code, seed, byref(handle), byref(view)))
        return handle, view.data or 0

    def free(self, handle: Any) -> None:
        _free(handle)


_LIBRARY = _Ctypes()
generate, generate_list, generate_bytes = functions(_LIBRARY)


class Buffer(BufferMethods):
    """``n`` values of ``dtype`` in read-only library memory, lent with no copy."""

    __slots__ = ()
    _library = _LIBRARY
