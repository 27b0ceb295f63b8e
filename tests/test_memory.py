"""Memory checks: valgrind and LeakSanitizer over the C ABI, RSS over many calls and 8 threads
per object that owns Rust memory, in every backend (the short versions of ``make memcheck``;
``tools/memcheck.py`` and ``tools/capi_probe.py`` are the programs)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import ffibench
from conftest import RUST_BACKENDS
from ffibench.backends._capi import header

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "tools"


def _memcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("memcheck", TOOLS / "memcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["memcheck"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def _tool(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _exported() -> set[str]:
    """The library's exported functions, from its dynamic symbol table."""
    nm = shutil.which("nm")
    assert nm is not None, "nm is missing (binutils, which gcc depends on)"
    done = subprocess.run(
        [nm, "-D", "--defined-only", str(header.library_path())],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        fields[2]
        for fields in (line.split() for line in done.stdout.splitlines())
        if len(fields) == 3 and fields[1] == "T" and fields[2].startswith("ffibench_")
    }


def test_the_probe_calls_every_exported_function() -> None:
    done = _tool(str(TOOLS / "capi_probe.py"))
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [line for line in done.stdout.splitlines() if line.startswith("called: ")]
    called = set(line.removeprefix("called: ").split(","))
    exported = _exported()
    assert len(exported) >= 90, sorted(exported)  # the symbol table was read
    assert exported - called == set(), "the probe does not call these"
    assert called - exported == set()
    declared = set(re.findall(r"\b(ffibench_\w+)\(", header.cdef_source()))
    assert declared == exported, "exported and declared functions differ"


def _has_valgrind() -> bool:
    return shutil.which("valgrind") is not None


# `make test` installs valgrind (system-deps), so this skips only outside it.
needs_valgrind = pytest.mark.skipif(not _has_valgrind(), reason="valgrind is not installed")


@pytest.mark.slow
@needs_valgrind
def test_valgrind_finds_no_error_and_no_leak_in_the_library() -> None:
    done = _tool(str(TOOLS / "memcheck.py"), "valgrind")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    lines = done.stdout.splitlines()
    smoke = next(line for line in lines if line.startswith("smoke "))
    probe = next(line for line in lines if line.startswith("probe   errors"))
    assert "errors 0 " in smoke and "definitely lost 0 B" in smoke, smoke
    assert "indirectly 0 B" in smoke and "suppressed none" in smoke, smoke
    assert "errors 0 " in probe and "(ours 0), indirectly" in probe, probe
    assert f"called {len(_exported())} C-ABI functions" in done.stdout


@needs_valgrind
def test_the_valgrind_check_sees_a_leak_in_the_library(tmp_path: Path) -> None:
    # The check must be able to fail: a program that drops two library allocations.
    source = tmp_path / "leak.c"
    source.write_text(
        '#include <string.h>\n#include "ffibench.h"\n'
        "static void drop(void) {\n"
        '    ffibench_string s; ffibench_basic_reverse("abcdef", 6, &s); memset(&s, 0, sizeof s);\n'
        "}\n"
        "int main(void) { drop(); return 0; }\n"
    )
    library = header.library_path()
    binary = tmp_path / "leak"
    subprocess.run(
        ["gcc", "-g", "-I", str(header.header_path().parent), str(source),
         "-L", str(library.parent), "-lffibench_capi", f"-Wl,-rpath,{library.parent}",
         "-o", str(binary)],
        check=True,
    )  # fmt: skip
    memcheck = _memcheck()
    _, counts = memcheck.valgrind([str(binary)], tmp_path / "leak.xml")
    assert counts["our_definitely"] == 6 and counts["errors"] == 0, counts


def test_leak_sanitizer_finds_nothing_in_the_smoke_program() -> None:
    done = _tool(str(TOOLS / "memcheck.py"), "lsan")
    assert done.returncode == 0, done.stdout[-4000:]
    assert "exit 0, no report" in done.stdout


def test_leak_sanitizer_sees_rust_allocations(tmp_path: Path) -> None:
    # The library uses the system allocator, so LeakSanitizer sees what Rust leaks.
    source = tmp_path / "leak.c"
    source.write_text(
        '#include "ffibench.h"\n'
        "int main(void) {\n"
        "    ffibench_doubles kept; double v[3] = {1, 2, 3};\n"
        "    ffibench_arrays_filter_greater(v, 3, 0.0, &kept); kept.ptr = 0; return 0;\n"
        "}\n"
    )
    library = header.library_path()
    binary = tmp_path / "leak"
    subprocess.run(
        ["gcc", "-g", "-fsanitize=address", "-I", str(header.header_path().parent), str(source),
         "-L", str(library.parent), "-lffibench_capi", f"-Wl,-rpath,{library.parent}",
         "-o", str(binary)],
        check=True,
    )  # fmt: skip
    done = subprocess.run([str(binary)], capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "Direct leak of 24 byte(s)" in done.stderr and "ffibench_arrays_filter_greater" in (
        done.stderr
    )


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")
@pytest.mark.parametrize("backend_name", RUST_BACKENDS)
def test_every_object_keeps_rss_flat_over_ten_thousand_calls(backend_name: str) -> None:
    # The short version of `make memcheck`'s 10^6 calls: every object that owns Rust memory,
    # its operations in rotation (create/free cycles, methods, copies, pickles, refusals).
    # 2 MiB over the 9,000 measured calls: what a few kB leaked per call of any one of the
    # (at most 12) operations would pass; the full run's bound is 1 MiB over 900,000.
    done = _tool(
        str(TOOLS / "memcheck.py"), "rss", "--calls", "10000", "--bound-kib", "2048",
        "--backend", backend_name,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert done.stdout.count(" flat") >= 9, done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("backend_name", ffibench.BACKENDS)
def test_eight_threads_share_each_object_and_get_the_specs_answers(backend_name: str) -> None:
    done = _tool(
        str(TOOLS / "memcheck.py"), "threads", "--seconds", "0.3", "--backend", backend_name
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert done.stdout.count(" spec ") >= 9, done.stdout
    if backend_name in ("ctypes", "cffi_abi", "cffi_api"):
        assert done.stdout.count("ReferenceError") >= 5, done.stdout  # finalisers raced


def test_the_memcheck_tool_reads_valgrind_xml(tmp_path: Path) -> None:
    memcheck = _memcheck()
    xml = tmp_path / "report.xml"
    xml.write_text(
        """<?xml version="1.0"?><valgrindoutput>
        <error><kind>InvalidRead</kind><what>Invalid read of size 4</what>
          <stack><frame><fn>ffibench_basic_add</fn><obj>/x/libffibench_capi.so</obj></frame></stack>
        </error>
        <error><kind>Leak_DefinitelyLost</kind><xwhat><text>32 bytes lost</text>
          <leakedbytes>32</leakedbytes></xwhat>
          <stack><frame><fn>malloc</fn></frame><frame><fn>PyFloat_FromDouble</fn>
          <obj>/x/libpython3.11.so.1.0</obj></frame></stack></error>
        <error><kind>Leak_IndirectlyLost</kind><xwhat><text>8 bytes lost</text>
          <leakedbytes>8</leakedbytes></xwhat>
          <stack><frame><fn>malloc</fn></frame><frame><fn>x</fn>
          <obj>/x/libffibench_capi.so</obj></frame></stack></error>
        <suppcounts><pair><count>3</count><name>some-entry</name></pair></suppcounts>
        </valgrindoutput>"""
    )
    counts = memcheck.read_valgrind_xml(xml)
    assert (counts["errors"], counts["our_errors"]) == (1, 1)
    assert (counts["definitely"], counts["our_definitely"]) == (32, 0)
    assert (counts["indirectly"], counts["our_indirectly"]) == (8, 8)
    assert counts["suppressed"] == {"some-entry": 3}
