"""Calling the library through cffi: status codes to exceptions, out-parameters, strings."""

from __future__ import annotations

from typing import Any

from ffibench.backends._capi import error, utf8

from ._library import ffi, lib

# The types of out-parameters, resolved once. In ABI mode ``ffi.new("int64_t *")`` looks the
# declaration up in Python code on every call (a few hundred instructions); a type object
# skips that. In API mode both are C and cost the same.
INT64_OUT = ffi.typeof("int64_t *")
DOUBLE_OUT = ffi.typeof("double *")
BOOL_OUT = ffi.typeof("bool *")
SIZE_OUT = ffi.typeof("size_t *")
STRING_OUT = ffi.typeof("ffibench_string *")
DOUBLES_OUT = ffi.typeof("ffibench_doubles *")
PERSON = ffi.typeof("ffibench_person *")
PAYROLL_OUT = ffi.typeof("ffibench_payroll **")


def fail(status: int) -> Exception:
    """The exception for ``status``, with the library's message for this thread."""
    return error(status, ffi.string(lib.ffibench_last_error_message()))


def check(status: int) -> None:
    """Raise the exception for ``status`` unless it is OK (0)."""
    if status:
        raise fail(status)


def call(function: Any, out_type: Any, *args: object) -> Any:
    """Call ``function(*args, out)`` with a fresh ``out_type`` (a pointer type, such as
    :data:`INT64_OUT`) and return what it points to."""
    out = ffi.new(out_type)
    status = function(*args, out)
    if status:
        raise fail(status)
    return out[0]


def text(function: Any, s: object) -> str:
    """Call a str -> str function: UTF-8 in, a library string out, copied to ``str`` and freed."""
    data = utf8(s)
    out = ffi.new(STRING_OUT)
    status = function(data, len(data), out)
    if status:
        raise fail(status)
    try:
        return ffi.unpack(out.ptr, out.len).decode("utf-8")
    finally:
        lib.ffibench_string_free(out[0])
