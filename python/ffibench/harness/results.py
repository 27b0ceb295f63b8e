"""The results file, ``ffibench.results/2``: read (version 1 too), check, write, append.

A run saves the whole file after every result (to a temporary file beside it, then renamed
over the old one), so an interrupted run keeps everything measured so far.

Version 2 over version 1: each result says its ``kind`` and its ``primary`` metric; every
metric is a summary (:func:`ffibench.harness.metrics.summary`) with its ``unit``, the
direction that is ``better`` and its per-process values in round order (``processes``); the
meta records when the run ``finished`` and its ``duration_s``. A version-1 file is upgraded
as it is read: its backend ``cffi`` (cffi's ABI mode) becomes ``cffi_abi`` and its
``items_per_s`` (a number) a summary.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from ffibench.harness.metrics import METRICS, scaled, summary
from ffibench.scenarios import KINDS, primary_metric

SCHEMA = "ffibench.results/2"
SCHEMA_V1 = "ffibench.results/1"
STATUSES = ("ok", "mismatch", "error", "not-applicable")
#: Backends renamed since version 1: cffi then meant cffi's ABI mode.
RENAMED_V1 = {"cffi": "cffi_abi"}


def time_stats(values_ns: list[float], processes: list[float] | None = None) -> dict[str, Any]:
    """The ``time_ns`` metric of per-call times in nanoseconds (and per-process values)."""
    return summary("time_ns", values_ns, processes)


def entry(
    scenario: str,
    operation: str,
    backend: str,
    size: int | None,
    status: str,
    message: str | None = None,
    metrics: dict[str, Any] | None = None,
    kind: str = "time",
    primary: str | None = None,
) -> dict[str, Any]:
    """One result, as the schema spells it."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return {
        "scenario": scenario,
        "operation": operation,
        "backend": backend,
        "size": size,
        "status": status,
        "message": message,
        "kind": kind,
        "primary": primary or primary_metric(kind),
        "metrics": metrics or {},
    }


class ResultsFile:
    """A results document bound to a path, saved whole after each change."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.path = Path(path)
        self.document: dict[str, Any] = {"schema": SCHEMA, "meta": meta, "results": []}

    @property
    def results(self) -> list[dict[str, Any]]:
        return self.document["results"]

    def add(self, result: dict[str, Any]) -> None:
        self.results.append(result)
        self.save()

    def save(self) -> None:
        """Write the document; ``OSError`` (``IsADirectoryError`` for a directory) if it
        cannot be written."""
        if self.path.is_dir():
            raise IsADirectoryError(21, "is a directory", str(self.path))
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.document, indent=1, allow_nan=False) + "\n"
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        try:
            # mkstemp makes the file private (0600); a results file is as readable as any
            # other file its owner writes (the umask decides).
            os.fchmod(handle, 0o666 & ~_umask())
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _upgrade_v1(document: dict[str, Any]) -> None:
    """Turn a version-1 document into version 2 in place (entries checked afterwards)."""
    for result in document["results"]:
        if not isinstance(result, dict):
            continue
        backend = result.get("backend")
        if isinstance(backend, str) and backend in RENAMED_V1:
            result["backend"] = RENAMED_V1[backend]
        result.setdefault("kind", "time")
        result.setdefault("primary", "time_ns")
        metrics = result.get("metrics")
        if not isinstance(metrics, dict):
            continue
        time = metrics.get("time_ns")
        if isinstance(time, dict):
            time.setdefault("unit", "ns")
            time.setdefault("better", "lower")
        rate = metrics.get("items_per_s")
        if _is_number(rate) and isinstance(time, dict) and _is_number(time.get("median")):
            # version 1 stored the rate at the median time only: a summary with the time's
            # relative spread
            factor = rate * time["median"]
            stats = {"median": time["median"], "mean": time.get("mean", time["median"])}
            stats |= {
                "stdev": time.get("stdev", 0.0),
                "min": time.get("min", time["median"]),
                "max": time.get("max", time["median"]),
                "samples": time.get("samples", 1),
            }
            if all(_is_number(v) and v > 0 for k, v in stats.items() if k != "stdev"):
                metrics["items_per_s"] = scaled(stats, "items_per_s", factor)
    document["schema"] = SCHEMA
    document["meta"]["read_from"] = SCHEMA_V1


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))  # type: ignore[arg-type]
    )


def _name(result: dict[str, Any]) -> str:
    parts = [str(result.get(key)) for key in ("scenario", "operation") if key in result]
    size = result.get("size")
    label = "/".join(parts + ([str(size)] if size is not None else []))
    backend = result.get("backend")
    return f" ({label}@{backend})" if label and backend else (f" ({label})" if label else "")


def check_result(result: object, index: int) -> None:
    """``ValueError`` naming entry ``index`` and the field that is wrong, if one is."""
    if not isinstance(result, dict):
        raise ValueError(f"result {index}: not an object")
    where = f"result {index}{_name(result)}"
    for key in ("scenario", "operation", "backend"):
        if key not in result:
            raise ValueError(f"{where}: '{key}' is missing")
        if not isinstance(result[key], str) or not result[key]:
            raise ValueError(f"{where}: '{key}' is not a name")
    size = result.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
        raise ValueError(f"{where}: 'size' is not an integer or null")
    if result.get("status") not in STATUSES:
        raise ValueError(f"{where}: 'status' is not one of {', '.join(STATUSES)}")
    message = result.get("message")
    if message is not None and not isinstance(message, str):
        raise ValueError(f"{where}: 'message' is not a string or null")
    if result.get("kind") not in KINDS:
        raise ValueError(f"{where}: 'kind' is not one of {', '.join(KINDS)}")
    metrics = result.get("metrics")
    if not isinstance(metrics, dict):
        raise ValueError(f"{where}: 'metrics' is missing or not an object")
    if result["status"] == "ok":
        if not metrics:
            raise ValueError(f"{where}: 'metrics' is empty for an ok result")
        if result.get("primary") not in metrics:
            raise ValueError(f"{where}: the primary metric {result.get('primary')!r} is absent")
    for name, stats in metrics.items():
        _check_metric(where, name, stats)


def _check_metric(where: str, name: str, stats: object) -> None:
    if not isinstance(stats, dict):
        raise ValueError(f"{where}: metric '{name}' is not an object")
    if "median" not in stats:
        raise ValueError(f"{where}: metric '{name}' has no median")
    for key in ("median", "mean", "stdev", "min", "max"):
        if key in stats and stats[key] is not None and not _is_number(stats[key]):
            raise ValueError(f"{where}: metric '{name}' {key} is not a number: {stats[key]!r}")
    samples = stats.get("samples", 1)
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise ValueError(f"{where}: metric '{name}' samples is not a positive integer")
    processes = stats.get("processes", [])
    if not isinstance(processes, list) or not all(_is_number(v) for v in processes):
        raise ValueError(f"{where}: metric '{name}' processes is not a list of numbers")
    if stats.get("better", "none") not in ("lower", "higher", "none"):
        raise ValueError(f"{where}: metric '{name}' better is not lower, higher or none")
    if "unit" not in stats and name not in METRICS:
        raise ValueError(f"{where}: metric '{name}' has no unit and is not a known metric")


def load(path: Path) -> dict[str, Any]:
    """Read and check a results file (either version); ``ValueError`` says what is wrong with
    it, naming the entry and field."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except IsADirectoryError:
        raise ValueError(f"cannot read {path}: it is a directory") from None
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not text") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    schema = document.get("schema") if isinstance(document, dict) else None
    if schema not in (SCHEMA, SCHEMA_V1):
        raise ValueError(f"{path} is not an ffibench results file (schema {SCHEMA})")
    if not isinstance(document.get("results"), list) or not isinstance(document.get("meta"), dict):
        raise ValueError(f"{path} lacks 'meta' or 'results'")
    if schema == SCHEMA_V1:
        _upgrade_v1(document)
    for index, result in enumerate(document["results"]):
        try:
            check_result(result, index)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
    return document
