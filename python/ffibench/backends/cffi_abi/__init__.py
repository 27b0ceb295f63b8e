"""The cffi backend in ABI mode: ``ffi.dlopen`` of the library, calls through libffi.

The scenario modules are the shared ones in ``backends/_cffi``; only ``_library`` is this
backend's own.
"""

from pathlib import Path

__path__.append(str(Path(__file__).resolve().parent.parent / "_cffi"))
