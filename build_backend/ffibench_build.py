"""PEP 517 build backend: maturin, plus the C-ABI library that ctypes and cffi load.

maturin builds one Rust crate per package, the PyO3 module. The C ABI (crates/capi) is a
second shared library; this wrapper builds it in release mode with the same cargo target
directory and copies it, with its header, into ``python/ffibench/_lib/`` before handing over
to maturin. An editable install then finds it in the source tree, and a wheel carries it
(``[tool.maturin] include``). One ``pip install`` builds both; there is no second step.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import maturin
from maturin import (  # noqa: F401  (re-exported PEP 517 hooks)
    build_sdist,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

ROOT = Path(__file__).resolve().parent.parent
LIB_DIR = ROOT / "python" / "ffibench" / "_lib"
LIBRARY_NAMES = {"linux": "libffibench_capi.so", "darwin": "libffibench_capi.dylib"}


def _build_capi() -> None:
    cargo = os.environ.get("CARGO", "cargo")
    metadata = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    target = Path(json.loads(metadata.stdout)["target_directory"])
    print(
        "ffibench: building the C-ABI library (cargo build --release -p ffibench-capi)",
        file=sys.stderr,
    )
    subprocess.run([cargo, "build", "--release", "-p", "ffibench-capi"], cwd=ROOT, check=True)
    name = LIBRARY_NAMES.get(sys.platform, "ffibench_capi.dll")
    LIB_DIR.mkdir(exist_ok=True)
    shutil.copy2(target / "release" / name, LIB_DIR / name)
    shutil.copy2(ROOT / "crates" / "capi" / "include" / "ffibench.h", LIB_DIR / "ffibench.h")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _build_capi()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _build_capi()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)
