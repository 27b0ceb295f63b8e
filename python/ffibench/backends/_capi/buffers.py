"""What the ctypes and cffi buffers share: everything but the two C calls.

The library allocates and fills the values and returns a handle with the address of its
memory (``ffibench_buffer_new``). A :class:`~ffibench.backends._capi.LentColumn` describes that
memory to NumPy (``__array_interface__``), so ``numpy.asarray`` wraps it with no copy and keeps
the column as the array's base; every view of the array keeps it too. When the last of them is
gone, a weak reference's callback hands the handle to ``ffibench_buffer_free``: exactly once,
and never by hand (a ``__del__`` could be called while a view lives).

``generate`` lends the memory writable (the array alone uses it); a :class:`BufferMethods`
lends it read-only, and its DLPack and Arrow exports are NumPy's and pyarrow's over that
read-only array: still no copy, and every consumer holds the array, so the memory lives while
any of them does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import numpy

from ffibench.backends._capi import LentColumn
from ffibench.pure.buffers import Buffer, check

__all__ = ["DTYPE_CODES", "BufferMethods", "Library", "functions"]

#: The C ABI's ``FFIBENCH_DTYPE_*`` of each dtype.
DTYPE_CODES = {"float64": 0, "float32": 1, "int64": 2, "uint8": 3}


class Library:
    """The C calls, written by each backend with its own FFI library."""

    def new(self, n: int, code: int, seed: int) -> tuple[Any, int]:
        """``ffibench_buffer_new``: a handle, and the address of its first value."""
        raise NotImplementedError

    def free(self, handle: Any) -> None:
        """``ffibench_buffer_free``."""
        raise NotImplementedError


def lend(library: Library, count: int, kind: str, stream: int, writable: bool) -> Any:
    """A NumPy array over ``count`` new values of ``kind`` (arguments the spec's ``check``
    passed) in library memory, freed with the array and its last view."""
    handle, address = library.new(count, DTYPE_CODES[kind], stream)
    try:
        column = LentColumn(
            address,
            count,
            numpy.dtype(kind).str,
            None,
            functools.partial(library.free, handle),
            writable=writable,
        )
    except BaseException:
        library.free(handle)
        raise
    return numpy.asarray(column)


def functions(library: Library) -> tuple[Callable[..., Any], ...]:
    """The backend's ``generate``, ``generate_list`` and ``generate_bytes`` over ``library``."""

    def generate(n: int, dtype: str | None = "float64", seed: int | None = 0) -> Any:
        """``n`` values of ``dtype`` as a writable NumPy array over library memory, no copy."""
        return lend(library, *check(n, dtype, seed), writable=True)

    def generate_list(n: int, dtype: str | None = "float64", seed: int | None = 0) -> list[Any]:
        """The values as a list of Python numbers: a copy, for contrast."""
        return generate(n, dtype, seed).tolist()  # type: ignore[no-any-return]

    def generate_bytes(n: int, dtype: str | None = "float64", seed: int | None = 0) -> bytes:
        """The values' bytes in native byte order: a copy, for contrast."""
        return generate(n, dtype, seed).tobytes()  # type: ignore[no-any-return]

    return generate, generate_list, generate_bytes


class BufferMethods(Buffer):
    """The spec's ``Buffer`` over library memory: read-only, lent with no copy."""

    __slots__ = ()
    _library: ClassVar[Library]

    def __new__(cls, n: int, dtype: str | None = "float64", seed: int | None = 0) -> BufferMethods:
        key = check(n, dtype, seed)
        array = lend(cls._library, *key, writable=False)
        return cls._lending(array, key)  # type: ignore[return-value]
