"""The results file, ``ffibench.results/1``: read, write, append without losing anything.

A run saves the whole file after every result (to a temporary file, then renamed over the old
one), so an interrupted run keeps everything measured so far.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

SCHEMA = "ffibench.results/1"
STATUSES = ("ok", "mismatch", "error", "not-applicable")


def time_stats(values_ns: list[float]) -> dict[str, float | int]:
    """The ``time_ns`` metric of a list of per-call times in nanoseconds."""
    return {
        "median": statistics.median(values_ns),
        "mean": statistics.fmean(values_ns),
        "stdev": statistics.stdev(values_ns) if len(values_ns) > 1 else 0.0,
        "min": min(values_ns),
        "max": max(values_ns),
        "samples": len(values_ns),
    }


def entry(
    scenario: str,
    operation: str,
    backend: str,
    size: int | None,
    status: str,
    message: str | None = None,
    metrics: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One result, as the schema spells it."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    return {
        "scenario": scenario,
        "operation": operation,
        "backend": backend,
        "size": size,
        "status": status,
        "message": message,
        "metrics": metrics or {},
    }


class ResultsFile:
    """A results document bound to a path, saved whole after each change."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self.path = path
        self.document: dict[str, Any] = {"schema": SCHEMA, "meta": meta, "results": []}

    @property
    def results(self) -> list[dict[str, Any]]:
        return self.document["results"]

    def add(self, result: dict[str, Any]) -> None:
        self.results.append(result)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(json.dumps(self.document, indent=1, allow_nan=False) + "\n")
        os.replace(temporary, self.path)


def load(path: Path) -> dict[str, Any]:
    """Read and check a results file; ``ValueError`` says what is wrong with it."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not an ffibench results file (schema {SCHEMA})")
    if not isinstance(document.get("results"), list) or not isinstance(document.get("meta"), dict):
        raise ValueError(f"{path} lacks 'meta' or 'results'")
    return document
