# What every cffi backend's `_library` module provides (cffi_abi/_library.py and
# cffi_api/_library.py); the modules in this folder import it relatively.
from typing import Any

ffi: Any
lib: Any
