"""The C-ABI library loaded with cffi in ABI mode, and the helpers every cffi scenario uses.

The declarations are the generated header itself (``ffibench.h`` less its preprocessor
lines), so cffi cannot drift from the library. ABI mode (``ffi.dlopen``) needs no C compiler
at install time; cffi checks argument types and integer ranges itself.
"""

from __future__ import annotations

from typing import Any

import cffi

from ffibench.capi import cdef_source, error, library_path, utf8

ffi = cffi.FFI()
ffi.cdef(cdef_source())
lib: Any = ffi.dlopen(str(library_path()))


def fail(status: int) -> Exception:
    """The exception for ``status``, with the library's message for this thread."""
    return error(status, ffi.string(lib.ffibench_last_error_message()))


def check(status: int) -> None:
    """Raise the exception for ``status`` unless it is OK (0)."""
    if status:
        raise fail(status)


def call(function: Any, out_type: str, *args: object) -> Any:
    """Call ``function(*args, out)`` with a fresh ``out_type *`` and return what it points to."""
    out = ffi.new(out_type)
    status = function(*args, out)
    if status:
        raise fail(status)
    return out[0]


def text(function: Any, s: object) -> str:
    """Call a str -> str function: UTF-8 in, a library string out, copied to ``str`` and freed."""
    data = utf8(s)
    out = ffi.new("ffibench_string *")
    status = function(data, len(data), out)
    if status:
        raise fail(status)
    try:
        return ffi.unpack(out.ptr, out.len).decode("utf-8")
    finally:
        lib.ffibench_string_free(out[0])
