"""What the ctypes and cffi ``Document`` share: everything but the C calls.

The C ABI sees no Python objects: a document crosses it as bytes, in a format named by the
call. So the C-ABI backends have no direct ``from_dict``/``to_dict`` (they raise
``NotImplementedError``, reported "not applicable": the same data would only cross as JSON,
which ``from_json``/``to_json`` already measure), and no ``DocumentView`` (a lazy view hands
out str, int, float, bool, lists and maps one field at a time; through C each read would be a
typed call per kind of field, or JSON of the field, and its archive must first be copied to an
aligned buffer: PyO3 shows the view). ``generate`` makes the document in Rust and hands it
over as JSON, parsed by ``json.loads`` — through JSON, not direct.

The class follows the rules of every object that owns library memory (docs: DESIGN.md): the
handle is made in ``__new__``; calls take the object's :class:`Exclusive` lock (ctypes and cffi
release the GIL, and a finaliser called by hand must not free the handle under a call on
another thread); ``__del__`` swaps the handle out and frees it once; copies and pickles are
rebuilt from the JSON, never share a handle.
"""

from __future__ import annotations

import json
from typing import Any

from ffibench.backends._capi.words import _Owner
from ffibench.pure.documents import check_generate

__all__ = ["NOT_APPLICABLE", "DocumentMethods", "Library", "generate_with"]

_DIRECT = (
    "the C ABI sees no Python objects: a dict crosses it only as bytes (JSON, measured by "
    "from_json/to_json), never directly"
)
#: The operations a C-ABI backend cannot offer, and why.
NOT_APPLICABLE = {
    "from_dict": _DIRECT,
    "to_dict": _DIRECT,
    "DocumentView": (
        "a lazy view returns Python objects field by field; through a C ABI each read would "
        "be a typed call per kind of field (or JSON of the field) after copying the archive "
        "to an aligned buffer, so the view is PyO3's alone (to_archive works here)"
    ),
}


class Library:
    """The C calls of one backend on raw handles; each raises the spec's exception for a failed
    status. ``None`` is never passed as a handle."""

    def new(self) -> Any:
        raise NotImplementedError

    def generate(self, size: int, seed: int) -> Any:
        raise NotImplementedError

    def from_json(self, data: bytes) -> Any:
        raise NotImplementedError

    def from_bincode(self, data: bytes) -> Any:
        raise NotImplementedError

    def free(self, handle: Any) -> None:
        raise NotImplementedError

    def to_json(self, handle: Any) -> bytes:
        raise NotImplementedError

    def to_bincode(self, handle: Any) -> bytes:
        raise NotImplementedError

    def to_archive(self, handle: Any) -> bytes:
        raise NotImplementedError


def _json_input(data: object) -> bytes:
    """JSON as the spec takes it: ``bytes``, or a ``str`` UTF-8 can encode."""
    if isinstance(data, bytes):
        return bytes(memoryview(data))  # its bytes, not a subclass's __bytes__
    if isinstance(data, str):
        try:
            return str.encode(data, "utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"str is not valid UTF-8 (a lone surrogate at {error.start})"
            ) from None
    raise TypeError(f"data must be bytes or str, not {type(data).__name__}")


class DocumentMethods(_Owner):
    """A C-ABI ``Document`` (see :class:`ffibench.pure.documents.Document`); a subclass names
    its backend's :class:`Library` as ``lib``."""

    __slots__ = ()
    kind = "Document"
    lib: Library  # type: ignore[assignment]  # this scenario's calls, not the words'

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Only the backend's own class (which names its library) may derive from this one,
        # and nothing from that: a Document is final in every Rust backend.
        if "lib" not in cls.__dict__ or any(
            isinstance(base, type) and "lib" in base.__dict__ for base in cls.__mro__[1:]
        ):
            raise TypeError(f"type '{cls.__mro__[1].__name__}' is not an acceptable base type")
        super().__init_subclass__(**kwargs)

    def _free(self, handle: Any) -> None:
        self.lib.free(handle)

    def __new__(cls) -> Any:
        return cls._adopt(cls.lib.new())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Any:
        """Not applicable through a C ABI (see the module docstring)."""
        raise NotImplementedError(_DIRECT)

    def to_dict(self) -> dict[str, Any]:
        """Not applicable through a C ABI (see the module docstring)."""
        raise NotImplementedError(_DIRECT)

    @classmethod
    def from_json(cls, data: bytes | str) -> Any:
        """The document of a JSON text (UTF-8 ``bytes``, or ``str``), read by the library."""
        return cls._adopt(cls.lib.from_json(_json_input(data)))

    @classmethod
    def from_bincode(cls, data: bytes) -> Any:
        """The document of its bincode bytes (``bytes`` only)."""
        if not isinstance(data, bytes):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        return cls._adopt(cls.lib.from_bincode(data))

    def to_json(self) -> bytes:
        """Compact UTF-8 JSON, written by the library."""
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.to_json(self._live())

    def to_bincode(self) -> bytes:
        """bincode 2's ``standard()`` encoding."""
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.to_bincode(self._live())

    def to_archive(self) -> bytes:
        """The rkyv archive (readable by PyO3's ``DocumentView``)."""
        with self._lock:  # type: ignore[attr-defined]
            return self.lib.to_archive(self._live())

    def __repr__(self) -> str:
        record = json.loads(self.to_json())
        return (
            f"Document({record['name']!r}, version={record['version']}, "
            f"{len(record['layers'])} layers)"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self).from_json, (self.to_json(),))


def generate_with(lib: Library, size: int, seed: int) -> dict[str, Any]:
    """The spec's ``generate``, made by the library and handed over as JSON (``json.loads``):
    through JSON, since the C ABI has no Python objects to build."""
    count, stream = check_generate(size, seed)
    handle = lib.generate(count, stream)
    try:
        data = lib.to_json(handle)
    finally:
        lib.free(handle)
    return json.loads(data)  # type: ignore[no-any-return]
