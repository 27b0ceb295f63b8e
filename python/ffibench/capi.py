"""Find the C-ABI library and its header, and turn its status codes into Python exceptions.

``pip install`` builds ``libffibench_capi`` and places it with ``ffibench.h`` in
``ffibench/_lib/``; ``FFIBENCH_CAPI_LIBRARY`` and ``FFIBENCH_CAPI_HEADER`` point elsewhere
(a debug build, a library built by hand). The ctypes and cffi backends share everything here
except the call itself.
"""

from __future__ import annotations

import array
import os
import sys
from pathlib import Path
from typing import Any

_LIB_DIR = Path(__file__).resolve().parent / "_lib"
_LIBRARY_NAMES = {"linux": "libffibench_capi.so", "darwin": "libffibench_capi.dylib"}

#: The exception of each failing ``ffibench_status``, as in ``ffibench.h`` (0 is OK).
_STATUS_EXCEPTIONS: dict[int, type[Exception]] = {
    1: ValueError,  # FFIBENCH_STATUS_INVALID_VALUE
    2: OverflowError,  # FFIBENCH_STATUS_OVERFLOW
    3: MemoryError,  # FFIBENCH_STATUS_OUT_OF_MEMORY
    4: ValueError,  # FFIBENCH_STATUS_INVALID_UTF8
    5: ValueError,  # FFIBENCH_STATUS_NULL_POINTER
    6: RuntimeError,  # FFIBENCH_STATUS_PANIC: a bug in ffibench, reported, never a crash
}


def library_path() -> Path:
    """The shared library that ctypes and cffi load."""
    override = os.environ.get("FFIBENCH_CAPI_LIBRARY")
    path = (
        Path(override)
        if override
        else _LIB_DIR / _LIBRARY_NAMES.get(sys.platform, "ffibench_capi.dll")
    )
    if not path.is_file():
        raise ImportError(
            f"the ffibench C-ABI library is missing at {path}: reinstall with "
            "`pip install -e '.[dev]'` (or `make install`), which builds it"
        )
    return path


def header_path() -> Path:
    """The C header ``ffibench.h`` that describes the library."""
    override = os.environ.get("FFIBENCH_CAPI_HEADER")
    path = Path(override) if override else _LIB_DIR / "ffibench.h"
    if not path.is_file():
        raise ImportError(f"the ffibench C header is missing at {path}: reinstall ffibench")
    return path


def cdef_source() -> str:
    """The header's declarations with the preprocessor lines removed, as ``cffi.FFI.cdef`` wants.

    Blocks under ``#ifdef __cplusplus`` (the ``extern "C"`` braces) are dropped whole.
    """
    lines: list[str] = []
    in_cplusplus = False
    for line in header_path().read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#ifdef __cplusplus"):
            in_cplusplus = True
        elif in_cplusplus:
            in_cplusplus = not stripped.startswith("#endif")
        elif not stripped.startswith("#"):
            lines.append(line)
    return "\n".join(lines)


def error(status: int, message: bytes) -> Exception:
    """The exception for a failed call: its class from ``status``, its text from the library."""
    kind = _STATUS_EXCEPTIONS.get(status, RuntimeError)
    text = message.decode("utf-8", "replace") or f"ffibench C ABI: status {status}"
    return kind(text)


def utf8(s: object) -> bytes:
    """``s`` as UTF-8; ``TypeError`` for a non-str, ``UnicodeEncodeError`` for a lone surrogate."""
    if not isinstance(s, str):
        raise TypeError(f"s must be str, not {type(s).__name__}")
    return s.encode("utf-8")


def float64_input(xs: object) -> tuple[Any, int, int, bool]:
    """``xs`` as contiguous doubles for a C call: ``(owner, address, length, is_buffer)``.

    A list or tuple becomes an ``array.array("d")`` (one C loop, the spec's ``TypeError`` for a
    non-number); a float64 buffer is passed in place when contiguous and copied once by NumPy
    when strided. ``owner`` must stay alive until the call returns.
    """
    if isinstance(xs, list | tuple):
        values = array.array("d", xs)
        address, length = values.buffer_info()
        return values, address, length, False
    import numpy

    from ffibench.pure.arrays import float64_view

    float64_view(xs).release()  # the spec's checks: type, format, dimensions
    contiguous = numpy.ascontiguousarray(xs, dtype=numpy.float64)
    return contiguous, contiguous.ctypes.data, len(contiguous), True


def float64_output(length: int, as_array: bool) -> tuple[Any, int]:
    """A zeroed block of ``length`` doubles for C to fill: ``(owner, address)``; a NumPy array
    when ``as_array``, else an ``array.array("d")`` (turn it into a list with ``.tolist()``)."""
    if as_array:
        import numpy

        block = numpy.zeros(length, dtype=numpy.float64)
        return block, block.ctypes.data
    values = array.array("d", bytes(8 * length))
    return values, values.buffer_info()[0]


#: ``FFIBENCH_DISTRIBUTION_*`` of ``ffibench.h``, by the spec's names.
DISTRIBUTION_CODES = {"uniform": 0, "normal": 1}


def random_output(n: object, seed: object, dist: object) -> tuple[Any, int, int, int]:
    """Checks ``generate``'s arguments as the spec does and allocates the output:
    ``(numpy array of n doubles, n, seed, distribution code)``; ``MemoryError`` when the
    array cannot be allocated."""
    import numpy

    from ffibench.pure.arrays import check_generate

    count, stream, kind = check_generate(n, seed, dist)
    if count > sys.maxsize // 8:  # NumPy would say ValueError ("too big")
        raise MemoryError(f"generate: cannot allocate {count} values")
    return numpy.empty(count, dtype=numpy.float64), count, stream, DISTRIBUTION_CODES[kind]


class LentColumn:
    """The base object of a NumPy array over a column the library lends (no copy).

    NumPy reads ``__array_interface__`` (read-only data) and keeps this object as the array's
    ``base``. Unlike a memoryview it cannot be released from Python, so the column stays lent
    for exactly as long as some array over it lives; ``release`` runs once, when the last one
    goes. ``owner`` (the Payroll) is kept alive until then. The description is rebuilt on each
    read from private fields, so editing the returned dict changes nothing.

    Examples
    --------
    >>> import numpy
    >>> values = numpy.arange(3.0)
    >>> view = numpy.asarray(LentColumn(values.ctypes.data, 3, "<f8", values, lambda: None))
    >>> view.tolist(), view.flags.writeable
    ([0.0, 1.0, 2.0], False)
    """

    __slots__ = ("_address", "_length", "_owner", "_release", "_typestr")

    def __init__(
        self, address: int, length: int, typestr: str, owner: object, release: Any
    ) -> None:
        self._address, self._length, self._typestr = address, length, typestr
        self._owner = owner
        self._release = release

    @property
    def __array_interface__(self) -> dict[str, Any]:
        return {
            "data": (self._address, True),  # True: read-only, and NumPy will not let it change
            "shape": (self._length,),
            "typestr": self._typestr,
            "version": 3,
        }

    def __del__(self) -> None:
        # Once only, even if called again by hand: a second release would let the payroll
        # grow under a view that still exists.
        release, self._release = getattr(self, "_release", None), None
        if release is not None:
            release()
