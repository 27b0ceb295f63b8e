"""The C ABI itself: a C program against the header, the ctypes declarations against the
header, and no leaks through the wrappers."""

from __future__ import annotations

import ctypes
import importlib
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pycparser
import pytest
from pycparser import c_ast

from conftest import RUST_BACKENDS
from ffibench.backends import _capi as capi
from ffibench.backends._capi import header
from probes import rss_growth_kib

ROOT = Path(__file__).resolve().parent.parent
CHECKED_IN_HEADER = ROOT / "crates" / "capi" / "include" / "ffibench.h"


def test_c_program_compiles_against_the_header_and_runs(tmp_path: Path) -> None:
    # No skip: `make test` installs gcc, so a missing compiler is a broken setup, not a pass.
    gcc = shutil.which("gcc")
    assert gcc is not None, "gcc is missing: `make test` installs it (apt-get install gcc)"
    library = header.library_path()
    binary = tmp_path / "smoke"
    compile_command = [
        gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic",
        "-I", str(CHECKED_IN_HEADER.parent),
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
    installed = header.header_path().read_text()
    assert installed == CHECKED_IN_HEADER.read_text(), "reinstall: the package has an old header"


def test_status_codes_match_the_header() -> None:
    text = header.header_path().read_text()
    found = {int(code): name for name, code in re.findall(r"FFIBENCH_STATUS_(\w+) = (\d+),", text)}
    assert found[0] == "OK"
    assert set(found) - {0} == set(capi.STATUS_EXCEPTIONS), "a status without an exception"
    assert isinstance(capi.error(3, b"out of memory"), MemoryError)
    assert isinstance(capi.error(6, b""), RuntimeError)


# -- the ctypes declarations against the header -----------------------------------------------

# pycparser needs the fixed-width types declared; their sizes come from ctypes below.
_PRELUDE = """
typedef int int64_t; typedef int uint64_t; typedef int uint32_t; typedef int uint16_t;
typedef int uint8_t;
typedef int size_t; typedef int bool; typedef int uintptr_t;
"""
_SCALARS: dict[str, Any] = {
    "int64_t": ctypes.c_int64,
    "uint64_t": ctypes.c_uint64,
    "uint32_t": ctypes.c_uint32,
    "uint16_t": ctypes.c_uint16,
    "uint8_t": ctypes.c_uint8,
    "size_t": ctypes.c_size_t,
    "bool": ctypes.c_bool,
    "double": ctypes.c_double,
    "char": ctypes.c_char,
    "int": ctypes.c_int,
}


def _declarations() -> tuple[dict[str, c_ast.FuncDecl], dict[str, c_ast.Struct]]:
    source = re.sub(r"//[^\n]*|/\*.*?\*/", "", header.cdef_source(), flags=re.DOTALL)
    tree = pycparser.CParser().parse(_PRELUDE + source)
    functions, structs = {}, {}
    for node in tree.ext:
        if isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl):
            functions[node.name] = node.type
        if isinstance(node, c_ast.Typedef) and isinstance(node.type.type, c_ast.Struct):
            struct = node.type.type
            if struct.decls is not None:
                structs[struct.name] = struct
    return functions, structs


def _same_type(declared: Any, c_type: c_ast.Node, structs: dict[str, c_ast.Struct]) -> bool:
    """Whether the ctypes type ``declared`` passes and returns what ``c_type`` is."""
    if isinstance(c_type, c_ast.TypeDecl):
        inner = c_type.type
        if isinstance(inner, c_ast.Enum):  # ffibench_status: a C enum is an int
            return declared is ctypes.c_int
        if isinstance(inner, c_ast.Struct):
            return _same_struct(declared, structs[inner.name], structs)
        [name] = inner.names
        if name == "void":
            return declared is None
        return declared is _SCALARS[name]
    if isinstance(c_type, c_ast.ArrayDecl):  # a struct's fixed array (an event's payload)
        return (
            isinstance(declared, type)
            and issubclass(declared, ctypes.Array)
            and declared._length_ == int(c_type.dim.value)
            and _same_type(declared._type_, c_type.type, structs)
        )
    if isinstance(c_type, c_ast.PtrDecl):
        if declared is ctypes.c_void_p:  # any pointer may be passed as an address
            return True
        pointee = c_type.type
        if isinstance(pointee, c_ast.TypeDecl) and getattr(pointee.type, "names", None) == ["char"]:
            return declared is ctypes.c_char_p
        target = getattr(declared, "_type_", None)
        if not (isinstance(declared, type) and issubclass(declared, ctypes._Pointer)):
            return False
        opaque = isinstance(pointee, c_ast.TypeDecl) and isinstance(pointee.type, c_ast.Struct)
        if opaque and pointee.type.name not in structs:  # a handle: only its address is used
            return target is ctypes.c_void_p
        return _same_type(target, pointee, structs)
    return False


def _same_struct(declared: Any, struct: c_ast.Struct, structs: dict[str, c_ast.Struct]) -> bool:
    if not (isinstance(declared, type) and issubclass(declared, ctypes.Structure)):
        return False
    fields = [(name, kind) for name, kind, *_ in declared._fields_]
    return len(fields) == len(struct.decls) and all(
        name == member.name and _same_type(kind, member.type, structs)
        for (name, kind), member in zip(fields, struct.decls, strict=True)
    )


def test_every_ctypes_declaration_matches_the_header() -> None:
    functions, structs = _declarations()
    from ffibench.backends.ctypes import _library

    for scenario in ffibench_scenarios():
        importlib.import_module(f"ffibench.backends.ctypes.{scenario}")
    # CDLL caches each function it hands out: after the imports, these are every declared one.
    declared = {
        name: function
        for name, function in vars(_library.lib).items()
        if isinstance(function, ctypes._CFuncPtr)
    }
    assert declared, "no ctypes declaration found"
    for name, function in declared.items():
        assert name in functions, f"ctypes declares {name}, which the header does not have"
        c_function = functions[name]
        parameters = [
            parameter.type
            for parameter in (c_function.args.params if c_function.args else [])
            if not (isinstance(parameter.type, c_ast.TypeDecl) and parameter.name is None)
        ]
        assert len(function.argtypes) == len(parameters), f"{name}: number of arguments"
        for position, (kind, c_type) in enumerate(zip(function.argtypes, parameters, strict=True)):
            assert _same_type(kind, c_type, structs), f"{name}: argument {position} is {kind}"
        assert _same_type(function.restype, c_function.type, structs), f"{name}: return type"
    # The other direction: what the ctypes backend does not call must be known and said.
    unused = set(functions) - set(declared)
    assert unused == {"ffibench_version"}, f"the ctypes backend does not declare {unused}"


def test_the_signature_check_catches_a_wrong_declaration() -> None:
    functions, structs = _declarations()
    add = functions["ffibench_basic_add"]
    first = add.args.params[0].type
    assert _same_type(ctypes.c_int64, first, structs)
    assert not _same_type(ctypes.c_int32, first, structs)
    assert not _same_type(ctypes.c_double, first, structs)
    out = add.args.params[2].type
    assert _same_type(ctypes.POINTER(ctypes.c_int64), out, structs)
    assert not _same_type(ctypes.POINTER(ctypes.c_double), out, structs)


def ffibench_scenarios() -> tuple[str, ...]:
    from ffibench._backends import SCENARIOS, WITHOUT_BACKENDS

    return tuple(name for name in SCENARIOS if name not in WITHOUT_BACKENDS)


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
@pytest.mark.parametrize("backend_name", RUST_BACKENDS)
def test_a_million_calls_leave_rss_flat(backend_name: str) -> None:
    growth_kib = rss_growth_kib(_LEAK_PROBE, backend_name, 100_000, 1_000_000)
    # 2 x 10^6 leaked strings of ~150 bytes would be ~300 MiB, 10^5 leaked arrays of 50
    # doubles ~40 MiB; allow allocator noise only.
    assert growth_kib < 4096, f"RSS grew by {growth_kib} KiB over 2 x 10^6 string calls"
