"""The C ABI itself: a C program against the header, and no leaks through the wrappers."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from ffibench import capi
from probes import rss_growth_kib

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is installed by `make test`")
def test_c_program_compiles_against_the_header_and_runs(tmp_path: Path) -> None:
    library = capi.library_path()
    binary = tmp_path / "smoke"
    compile_command = [
        "gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
        "-I", str(ROOT / "crates" / "capi" / "include"),
        str(ROOT / "tests" / "c" / "smoke.c"),
        "-L", str(library.parent), "-lffibench_capi",
        f"-Wl,-rpath,{library.parent}",
        "-o", str(binary),
    ]  # fmt: skip
    subprocess.run(compile_command, check=True, capture_output=True, text=True)
    done = subprocess.run([str(binary)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "smoke: ok"


def test_installed_header_is_the_checked_in_header() -> None:
    checked_in = (ROOT / "crates" / "capi" / "include" / "ffibench.h").read_text()
    assert capi.header_path().read_text() == checked_in, "reinstall: the package has an old header"


def test_status_codes_match_the_header() -> None:
    header = capi.header_path().read_text()
    for status, name in [
        (1, "INVALID_VALUE"),
        (2, "OVERFLOW"),
        (3, "OUT_OF_MEMORY"),
        (4, "INVALID_UTF8"),
        (5, "NULL_POINTER"),
        (6, "PANIC"),
    ]:
        assert f"FFIBENCH_STATUS_{name} = {status}," in header
    assert isinstance(capi.error(3, b"out of memory"), MemoryError)
    assert isinstance(capi.error(6, b""), RuntimeError)


_LEAK_PROBE = textwrap.dedent(
    """
    import sys
    import ffibench

    backend = ffibench.backend(sys.argv[1])
    basic, arrays = backend.basic, backend.arrays
    text = "Straße 𝔘𝔫𝔦 " * 8
    values = [float(i % 17) for i in range(100)]

    def calls(n):
        for _ in range(n):
            basic.reverse(text)
            basic.to_upper(text)
        for _ in range(n // 10):
            try:
                basic.fib(-1)
            except ValueError:
                pass
            arrays.filter_greater(values, 8.0)
            arrays.normalize(values)

    """
)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")
@pytest.mark.parametrize("backend_name", ["pyo3", "ctypes", "cffi"])
def test_a_million_calls_leave_rss_flat(backend_name: str) -> None:
    growth_kib = rss_growth_kib(_LEAK_PROBE, backend_name, 100_000, 1_000_000)
    # 2 x 10^6 leaked strings of ~150 bytes would be ~300 MiB, 10^5 leaked arrays of 50
    # doubles ~40 MiB; allow allocator noise only.
    assert growth_kib < 4096, f"RSS grew by {growth_kib} KiB over 2 x 10^6 string calls"
