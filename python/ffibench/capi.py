"""Find the C-ABI library and its header, and turn its status codes into Python exceptions.

``pip install`` builds ``libffibench_capi`` and places it with ``ffibench.h`` in
``ffibench/_lib/``; ``FFIBENCH_CAPI_LIBRARY`` and ``FFIBENCH_CAPI_HEADER`` point elsewhere
(a debug build, a library built by hand). The ctypes and cffi backends share everything here
except the call itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_LIB_DIR = Path(__file__).resolve().parent / "_lib"
_LIBRARY_NAMES = {"linux": "libffibench_capi.so", "darwin": "libffibench_capi.dylib"}

#: ``ffibench_status`` values, as in ``ffibench.h``.
STATUS_OK = 0
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
