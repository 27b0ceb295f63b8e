"""The C-ABI library loaded with cffi in ABI mode (``ffi.dlopen``).

The declarations are the generated header itself (``ffibench.h`` less its preprocessor
lines), so cffi cannot drift from the library. ABI mode needs no C compiler: each call goes
through libffi, which builds the C call from the declaration at run time. cffi checks argument
types and integer ranges itself.
"""

from __future__ import annotations

from typing import Any

import cffi

from ffibench.backends._capi.header import cdef_source, library_path

ffi = cffi.FFI()
ffi.cdef(cdef_source())
lib: Any = ffi.dlopen(str(library_path()))
