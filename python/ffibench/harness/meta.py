"""What a result was measured on: machine, versions, commit. Stored in every results file."""

from __future__ import annotations

import datetime as _dt
import importlib
import os
import platform
import subprocess
import sys
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ffibench.scenarios import Scenario

_ROOT = Path(__file__).resolve().parents[3]


def _command(*args: str) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def simd() -> list[str]:
    """The vector instruction sets the CPU reports (x86: AVX-512F, AVX2, FMA; Arm: NEON/ASIMD,
    SVE), widest first; empty where /proc/cpuinfo says nothing."""
    known = ("avx512f", "avx2", "fma", "sse4_2", "sve", "asimd", "neon")
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = set()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            flags.update(line.split(":", 1)[1].split())
    return [name for name in known if name in flags]


def git_commit() -> str | None:
    """The commit of the source tree, with ``-dirty`` when it has uncommitted changes."""
    commit = _command("git", "-C", str(_ROOT), "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _command("git", "-C", str(_ROOT), "status", "--porcelain", "--untracked-files=no")
    return f"{commit}-dirty" if status else commit


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _blas() -> dict[str, Any]:
    try:
        import numpy

        config = numpy.show_config(mode="dicts")
    except Exception:  # numpy absent or too old for mode="dicts": the field stays empty
        return {}
    blas = config.get("Build Dependencies", {}).get("blas", {})
    return {
        key: blas.get(key) for key in ("name", "version", "openblas configuration") if key in blas
    }


def collect(quick: bool) -> dict[str, Any]:
    """The ``meta`` object of a results file."""
    build: dict[str, Any] = {}
    try:
        from ffibench._native import build_info

        build = dict(build_info())
    except ImportError:
        pass
    return {
        "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "git": git_commit(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "simd": simd(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "ffibench": _package_version("ffibench"),
        "numpy": _package_version("numpy"),
        "cffi": _package_version("cffi"),
        "pyperf": _package_version("pyperf"),
        "rustc": build.get("rustc") or _command("rustc", "--version"),
        "pyo3": build.get("pyo3"),
        "rust_profile": build.get("profile"),
        "unicode": build.get("unicode"),
        "blas": _blas(),
        "environment": {
            key: os.environ[key]
            for key in ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "RAYON_NUM_THREADS")
            if key in os.environ
        },
        **_corpus(),
    }


def _corpus() -> dict[str, Any]:
    """The user's corpus of the words scenario (``ffibench run --corpus``): name, size, SHA-256."""
    from ffibench.scenarios import CORPUS_ENV

    path = os.environ.get(CORPUS_ENV)
    if not path:
        return {}
    from ffibench.scenarios.words import corpus_meta  # the words scenario only when it is used

    return {"corpus": corpus_meta(Path(path))}


def measured(selected: Iterable[Scenario]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """What the selected scenarios measure of the machine itself, once per run: the merged
    ``measure_machine()`` of each scenario's module that has one (matmul: the FMA peak), as
    ``{name: {"value": float, "unit": str, "label": str}}``, and ``{scenario: message}`` for
    each hook that failed (left out, so the benchmarks still run)."""
    found: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for scenario in selected:
        try:
            module = importlib.import_module(
                scenario.module or f"ffibench.scenarios.{scenario.name}"
            )
        except ImportError:  # a scenario built in place (a test's) has no module to ask
            continue
        hook = getattr(module, "measure_machine", None)
        if hook is None:
            continue
        try:
            found.update(hook())
        except Exception as error:  # a broken measurement must not stop the benchmarks
            errors[scenario.name] = f"{type(error).__name__}: {error}"
    return found, errors
