"""The cffi wrappers, shared by both of cffi's modes; never imported as this package.

``cffi_abi`` (``ffi.dlopen``: calls through libffi, no compiler needed) and ``cffi_api`` (a C
extension compiled against ``ffibench.h`` at install, calling the library directly) differ
only in how ``ffi`` and ``lib`` are made: each has its own ``_library`` module and puts this
folder on its ``__path__``, so ``from ._library import lib`` in these files finds that
backend's ``lib``, and each backend gets its own copy of every module and class.
"""
