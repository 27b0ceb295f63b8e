"""Where the C-ABI library and its header are, and the header as ``cffi.FFI.cdef`` reads it.

This module imports nothing from ffibench: the build backend loads it by path to compile
cffi's API-mode extension before the package is installed.

``pip install`` builds ``libffibench_capi`` and places it with ``ffibench.h`` in
``ffibench/_lib/``; ``FFIBENCH_CAPI_LIBRARY`` and ``FFIBENCH_CAPI_HEADER`` point the ctypes and
cffi ABI-mode backends elsewhere (a debug build, a library built by hand). The cffi API-mode
extension is linked at install time against ``_lib``'s library and always uses that one.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["LIBRARY_NAMES", "cdef_source", "header_path", "library_name", "library_path"]

#: The package's ``_lib`` folder, where the install puts the library and the header.
LIB_DIR = Path(__file__).resolve().parents[2] / "_lib"
#: The file name of the C-ABI library on each platform.
LIBRARY_NAMES = {"linux": "libffibench_capi.so", "darwin": "libffibench_capi.dylib"}


def library_name(platform: str = sys.platform) -> str:
    """The C-ABI library's file name on ``platform``."""
    return LIBRARY_NAMES.get(platform, "ffibench_capi.dll")


def library_path() -> Path:
    """The shared library that ctypes and cffi's ABI mode load."""
    override = os.environ.get("FFIBENCH_CAPI_LIBRARY")
    path = Path(override) if override else LIB_DIR / library_name()
    if not path.is_file():
        raise ImportError(
            f"the ffibench C-ABI library is missing at {path}: reinstall with "
            "`pip install -e '.[dev]'` (or `make install`), which builds it"
        )
    return path


def header_path() -> Path:
    """The C header ``ffibench.h`` that describes the library."""
    override = os.environ.get("FFIBENCH_CAPI_HEADER")
    path = Path(override) if override else LIB_DIR / "ffibench.h"
    if not path.is_file():
        raise ImportError(f"the ffibench C header is missing at {path}: reinstall ffibench")
    return path


def cdef_source(header: Path | None = None) -> str:
    """The header's declarations with the preprocessor lines removed, as ``cffi.FFI.cdef`` wants.

    Blocks under ``#ifdef __cplusplus`` (the ``extern "C"`` braces) are dropped whole.
    """
    lines: list[str] = []
    in_cplusplus = False
    text = (header or header_path()).read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#ifdef __cplusplus"):
            in_cplusplus = True
        elif in_cplusplus:
            in_cplusplus = not stripped.startswith("#endif")
        elif not stripped.startswith("#"):
            lines.append(line)
    return "\n".join(lines)
