"""Find a backend's implementation of a scenario by name: ``backend("pyo3").basic``."""

from __future__ import annotations

import importlib
from types import ModuleType

#: The implementations of every scenario, in the order reports show them.
#: ``cffi_abi`` and ``cffi_api`` are cffi in its two modes: ``ffi.dlopen`` (libffi) and a compiled
#: extension; they share their wrapper code (``backends/_cffi``).
BACKENDS: tuple[str, ...] = ("python", "pyo3", "ctypes", "cffi_abi", "cffi_api")
#: The scenarios implemented so far, in DESIGN.md's order.
SCENARIOS: tuple[str, ...] = (
    "basic",
    "person",
    "arrays",
    "words",
    "buffers",
    "events",
    "documents",
    "matmul",
    "http",
)
#: Scenarios whose participants are not the backends (the http scenario's are servers): no
#: backend has a module for them.
WITHOUT_BACKENDS: frozenset[str] = frozenset({"http"})


class Backend:
    """One implementation of every scenario; each scenario is a module, imported on first use.

    Examples
    --------
    >>> Backend("python").basic.reverse("abc")
    'cba'
    """

    def __init__(self, name: str) -> None:
        if name not in BACKENDS:
            raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
        self.name = name

    def __getattr__(self, scenario: str) -> ModuleType:
        if scenario not in SCENARIOS:
            raise AttributeError(f"backend {self.name!r} has no scenario {scenario!r}")
        if scenario in WITHOUT_BACKENDS:
            raise AttributeError(
                f"the {scenario} scenario has no backend modules: its participants are servers"
            )
        module = importlib.import_module(f"ffibench.backends.{self.name}.{scenario}")
        setattr(self, scenario, module)  # later lookups skip __getattr__
        return module

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


_CACHE: dict[str, Backend] = {}


def backend(name: str) -> Backend:
    """Return the backend called ``name`` (one of :data:`BACKENDS`).

    Examples
    --------
    >>> backend("python").basic.add(2, 3)
    5
    """
    if name not in _CACHE:
        _CACHE[name] = Backend(name)
    return _CACHE[name]
