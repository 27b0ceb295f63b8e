"""Scenario 7 through the C ABI with ctypes: a document behind an opaque handle, crossing as
JSON, bincode or an rkyv archive.

The class (lock, ownership, copies) is the one every C-ABI backend shares
(:mod:`ffibench.backends._capi.documents`, which also says why ``from_dict``, ``to_dict`` and
``DocumentView`` are not applicable here); this module is the calls, declared with
``argtypes``. Bytes go in by address, without a copy, and come back copied into ``bytes``
before the library's are freed.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, byref, c_int, c_size_t, c_uint64, c_void_p
from typing import Any

from ffibench.backends._capi.documents import (
    NOT_APPLICABLE,
    DocumentMethods,
    Library,
    generate_with,
)
from ffibench.backends.ctypes._library import check, declare
from ffibench.backends.ctypes.words import Bytes

__all__ = ["NOT_APPLICABLE", "Document", "generate"]

_HANDLE = c_void_p
_OUT = POINTER(_HANDLE)

_bytes_free = declare("ffibench_bytes_free", None, Bytes)
_new = declare("ffibench_document_new", c_int, _OUT)
_generate = declare("ffibench_document_generate", c_int, c_uint64, c_uint64, _OUT)
# const uint8_t *: bytes passed as an address (c_void_p takes a bytes object as its buffer)
_from_json = declare("ffibench_document_from_json", c_int, c_void_p, c_size_t, _OUT)
_from_bincode = declare("ffibench_document_from_bincode", c_int, c_void_p, c_size_t, _OUT)
_free = declare("ffibench_document_free", None, _HANDLE)
_to_json = declare("ffibench_document_to_json", c_int, _HANDLE, POINTER(Bytes))
_to_bincode = declare("ffibench_document_to_bincode", c_int, _HANDLE, POINTER(Bytes))
_to_archive = declare("ffibench_document_to_archive", c_int, _HANDLE, POINTER(Bytes))


def _made(status: int, handle: c_void_p) -> Any:
    check(status)
    return handle.value


def _bytes(function: Any, handle: Any) -> bytes:
    out = Bytes()
    check(function(handle, byref(out)))
    try:
        return ctypes.string_at(out.ptr, out.len)
    finally:
        _bytes_free(out)


class _Ctypes(Library):
    """The calls, through ctypes."""

    def new(self) -> Any:
        handle = _HANDLE()
        return _made(_new(byref(handle)), handle)

    def generate(self, size: int, seed: int) -> Any:
        handle = _HANDLE()
        return _made(_generate(size, seed, byref(handle)), handle)

    def from_json(self, data: bytes) -> Any:
        handle = _HANDLE()
        return _made(_from_json(data, len(data), byref(handle)), handle)

    def from_bincode(self, data: bytes) -> Any:
        handle = _HANDLE()
        return _made(_from_bincode(data, len(data), byref(handle)), handle)

    def free(self, handle: Any) -> None:
        _free(handle)

    def to_json(self, handle: Any) -> bytes:
        return _bytes(_to_json, handle)

    def to_bincode(self, handle: Any) -> bytes:
        return _bytes(_to_bincode, handle)

    def to_archive(self, handle: Any) -> bytes:
        return _bytes(_to_archive, handle)


_LIBRARY = _Ctypes()


class Document(DocumentMethods):
    """A document held by the library, called through ctypes."""

    __slots__ = ("__weakref__", "_handle", "_lock")
    lib = _LIBRARY


def generate(size: int, seed: int) -> dict[str, Any]:
    """The spec's ``generate``, made in Rust and handed over as JSON."""
    return generate_with(_LIBRARY, size, seed)
