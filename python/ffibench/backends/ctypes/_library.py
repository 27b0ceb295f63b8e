"""The C-ABI library loaded with ctypes, and the helpers every ctypes scenario uses."""

from __future__ import annotations

import ctypes
from ctypes import byref, c_char_p, c_size_t
from typing import Any

from ffibench.backends._capi import error, utf8
from ffibench.backends._capi.header import library_path


class String(ctypes.Structure):
    """``ffibench_string``: UTF-8 bytes owned by the library until ``free_string``."""

    _fields_ = (("ptr", ctypes.c_void_p), ("len", c_size_t))


lib = ctypes.CDLL(str(library_path()))


def declare(name: str, restype: type | None, *argtypes: type) -> Any:
    """The library's function ``name`` with its C signature declared (never call C undeclared)."""
    function = getattr(lib, name)
    function.argtypes = argtypes
    function.restype = restype
    return function


last_error = declare("ffibench_last_error_message", c_char_p)
free_string = declare("ffibench_string_free", None, String)


def fail(status: int) -> Exception:
    """The exception for ``status``, with the library's message for this thread."""
    return error(status, last_error() or b"")


def check(status: int) -> None:
    """Raise the exception for ``status`` unless it is OK (0)."""
    if status:
        raise fail(status)


def call(function: Any, out_type: type, *args: object) -> Any:
    """Call ``function(*args, &out)`` and return ``out``'s value, or raise for its status."""
    out = out_type()
    status = function(*args, byref(out))
    if status:
        raise fail(status)
    return out.value


def text(function: Any, s: object) -> str:
    """Call a str -> str function: UTF-8 in, a library string out, copied to ``str`` and freed."""
    data = utf8(s)
    out = String()
    status = function(data, len(data), byref(out))
    if status:
        raise fail(status)
    try:
        return ctypes.string_at(out.ptr, out.len).decode("utf-8")
    finally:
        free_string(out)
