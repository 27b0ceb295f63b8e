"""The C-ABI library through cffi's API mode: ``ffibench._cffi_api``, built at install.

The install compiles a small C extension from the header's declarations (cffi's out-of-line
API mode, ``ffibuilder.set_source``) and links it to ``_lib/libffibench_capi``: each call is a
direct C call from compiled code, with no libffi in between, which is the mode cffi's
documentation recommends for speed. It needs a C compiler at install time, and it always
calls the library it was linked to (``FFIBENCH_CAPI_LIBRARY`` does not apply).
"""

from __future__ import annotations

from typing import Any

try:
    from ffibench._cffi_api import ffi
    from ffibench._cffi_api import lib as _lib
except ImportError as error:
    raise ImportError(
        f"the cffi API-mode extension ffibench._cffi_api is missing or broken ({error}): "
        "reinstall with `pip install -e '.[dev]'` (or `make install`), which compiles it"
    ) from error

lib: Any = _lib

__all__ = ["ffi", "lib"]
