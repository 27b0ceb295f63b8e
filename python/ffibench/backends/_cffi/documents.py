"""Scenario 7 through the C ABI with cffi (both modes): a document behind an opaque handle,
crossing as JSON, bincode or an rkyv archive.

The class (lock, ownership, copies) is the one every C-ABI backend shares
(:mod:`ffibench.backends._capi.documents`, which also says why ``from_dict``, ``to_dict`` and
``DocumentView`` are not applicable here); this module is the calls, on the header's
declarations. Bytes are lent to C with ``ffi.from_buffer`` (no copy) and come back copied
into ``bytes`` before the library's are freed.
"""

from __future__ import annotations

from typing import Any

from ffibench.backends._capi.documents import (
    NOT_APPLICABLE,
    DocumentMethods,
    Library,
    generate_with,
)

from ._calls import check
from ._library import ffi, lib

__all__ = ["NOT_APPLICABLE", "Document", "generate"]

_DOCUMENT_OUT = ffi.typeof("ffibench_document **")
_BYTES_OUT = ffi.typeof("ffibench_bytes *")
_BYTES = ffi.typeof("uint8_t[]")


def _made(status: int, out: Any) -> Any:
    check(status)
    return out[0]


def _input(data: bytes) -> Any:
    return ffi.from_buffer(_BYTES, data) if data else ffi.NULL


def _bytes(function: Any, handle: Any) -> bytes:
    out = ffi.new(_BYTES_OUT)
    check(function(handle, out))
    try:
        return ffi.buffer(out.ptr, out.len)[:] if out.len else b""
    finally:
        lib.ffibench_bytes_free(out[0])


class _Cffi(Library):
    """The calls, through cffi."""

    def new(self) -> Any:
        out = ffi.new(_DOCUMENT_OUT)
        return _made(lib.ffibench_document_new(out), out)

    def generate(self, size: int, seed: int) -> Any:
        out = ffi.new(_DOCUMENT_OUT)
        return _made(lib.ffibench_document_generate(size, seed, out), out)

    def from_json(self, data: bytes) -> Any:
        out = ffi.new(_DOCUMENT_OUT)
        return _made(lib.ffibench_document_from_json(_input(data), len(data), out), out)

    def from_bincode(self, data: bytes) -> Any:
        out = ffi.new(_DOCUMENT_OUT)
        return _made(lib.ffibench_document_from_bincode(_input(data), len(data), out), out)

    def free(self, handle: Any) -> None:
        lib.ffibench_document_free(handle)

    def to_json(self, handle: Any) -> bytes:
        return _bytes(lib.ffibench_document_to_json, handle)

    def to_bincode(self, handle: Any) -> bytes:
        return _bytes(lib.ffibench_document_to_bincode, handle)

    def to_archive(self, handle: Any) -> bytes:
        return _bytes(lib.ffibench_document_to_archive, handle)


_LIBRARY = _Cffi()


class Document(DocumentMethods):
    """A document held by the library, called through cffi."""

    __slots__ = ("__weakref__", "_handle", "_lock")
    lib = _LIBRARY


def generate(size: int, seed: int) -> dict[str, Any]:
    """The spec's ``generate``, made in Rust and handed over as JSON."""
    return generate_with(_LIBRARY, size, seed)
