"""The cffi backend in API mode: a C extension compiled against ``ffibench.h`` at install.

The scenario modules are the shared ones in ``backends/_cffi``; only ``_library`` is this
backend's own.
"""

from pathlib import Path

__path__.append(str(Path(__file__).resolve().parent.parent / "_cffi"))
