"""PEP 517 build backend: maturin, plus the C-ABI library that ctypes and cffi load, and the
http scenario's server binary.

maturin builds one Rust crate per package, the PyO3 module. The C ABI (crates/capi) is a
second shared library; this wrapper builds it in release mode with the same cargo target
directory and copies it, with its header, into ``python/ffibench/_lib/`` before handing over
to maturin. The same cargo call builds the ``ffibench-server`` binary (crates/server), which
is copied there too (mode 755) for the launchers of ``ffibench.web.servers``. An editable
install then finds them in the source tree, and a wheel carries them (``[tool.maturin]
include``). One ``pip install`` builds everything; there is no second step.

It then compiles cffi's API-mode extension, ``ffibench._cffi_api``: a small C module made by
cffi from the header's declarations and linked to that library (found at run time through an
rpath of ``$ORIGIN/_lib``), so the ``cffi_api`` backend calls C directly instead of through
libffi. That step needs cffi, setuptools and a C compiler, all at build time only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
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
PACKAGE_DIR = ROOT / "python" / "ffibench"
LIB_DIR = PACKAGE_DIR / "_lib"
HEADER = ROOT / "crates" / "capi" / "include" / "ffibench.h"
#: The http scenario's server binary (crates/server), shipped beside the library.
SERVER = "ffibench-server"


def _header_module():  # the package's own header helpers, loaded by path: nothing installed yet
    path = PACKAGE_DIR / "backends" / "_capi" / "header.py"
    spec = importlib.util.spec_from_file_location("_ffibench_header", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    command = [cargo, "build", "--release", "-p", "ffibench-capi", "-p", "ffibench-server"]
    print(
        f"ffibench: building the C-ABI library and the http server ({' '.join(command[1:])})",
        file=sys.stderr,
    )
    # One cargo call for both: their shared dependencies (the core) are compiled once.
    subprocess.run(command, cwd=ROOT, check=True)
    name = _header_module().library_name()
    LIB_DIR.mkdir(exist_ok=True)
    shutil.copy2(target / "release" / name, LIB_DIR / name)
    shutil.copy2(HEADER, LIB_DIR / "ffibench.h")
    server = LIB_DIR / SERVER
    shutil.copy2(target / "release" / SERVER, server)
    server.chmod(0o755)


def _build_cffi_api() -> None:
    import cffi

    print("ffibench: compiling cffi's API-mode extension (ffibench._cffi_api)", file=sys.stderr)
    builder = cffi.FFI()
    builder.cdef(_header_module().cdef_source(HEADER))
    builder.set_source(
        "ffibench._cffi_api",
        '#include "ffibench.h"',
        include_dirs=[str(LIB_DIR)],
        library_dirs=[str(LIB_DIR)],
        libraries=["ffibench_capi"],
        extra_link_args=["-Wl,-rpath,$ORIGIN/_lib"],
    )
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    for stale in PACKAGE_DIR.glob("_cffi_api.*"):
        stale.unlink()
    with tempfile.TemporaryDirectory(prefix="ffibench-cffi-") as directory:
        built = Path(builder.compile(tmpdir=directory))
        shutil.copy2(built, PACKAGE_DIR / f"_cffi_api{suffix}")


def _build_native_libraries() -> None:
    _build_capi()
    _build_cffi_api()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _build_native_libraries()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _build_native_libraries()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)
