"""ffibench: how much faster a Python hot path gets in Rust, and through which boundary.

Every workload exists in five backends with the same module and function names:

>>> import ffibench
>>> ffibench.backend("python").basic.add(2, 3)
5
>>> ffibench.backend("pyo3").basic.add(2, 3)
5

``python`` is the pure-Python specification, ``pyo3`` the Rust core through the PyO3 module,
``ctypes``, ``cffi_abi`` and ``cffi_api`` the same core through its C ABI (cffi in its ABI mode,
``ffi.dlopen``, and in its API mode, an extension compiled at install). ``ffibench run``
checks each against the specification and times them; ``ffibench report`` compares.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ffibench._backends import BACKENDS, SCENARIOS, Backend, backend

try:
    __version__ = version("ffibench")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["BACKENDS", "SCENARIOS", "Backend", "__version__", "backend"]
