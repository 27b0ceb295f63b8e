"""The headline rows of a results file, as the Markdown table of README.md and docs/RESULTS.md.

    .venv/bin/python tools/headline.py docs/results/reference.json

One row per (scenario, operation, size) listed in ``ROWS``: the spec's figure, the best
alternative a Python programmer would write (an idiom or a library, with its speed-up over the
spec), and each Rust boundary's figure with its speed-up, as the report computes them (the
geometric mean of paired processes; "n.s." when its 95 % interval includes 1). A row the file
does not have is left out and named on stderr, so a run of fewer scenarios still prints. Then
the http scenario's table: each server on each endpoint.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ffibench.harness.results import load
from ffibench.report.format import format_figure, format_speedup
from ffibench.report.model import Group, Row, build

BOUNDARIES = ("pyo3", "ctypes", "cffi_abi", "cffi_api")

#: (scenario, operation, size): a cheap call, a compute-bound call, strings, objects, lists
#: against arrays, counting, handoff, events, documents, matmul and a whole service.
ROWS: tuple[tuple[str, str, int | None], ...] = (
    ("basic", "identity", None),
    ("basic", "add", None),
    ("basic", "fib", None),
    ("basic", "count_primes", 10_000_000),
    ("basic", "reverse", 100_000),
    ("basic", "count_vowels", 100_000),
    ("person", "read:salary", None),
    ("person", "record:read:salary", None),
    ("person", "write:salary", None),
    ("person", "total_salary", 1_000_000),
    ("person", "give_raise", 1_000_000),
    ("person", "top_earners", 1_000_000),
    ("arrays", "sum:list", 100_000),
    ("arrays", "sum:array", 10_000_000),
    ("arrays", "std:array", 100_000),
    ("arrays", "filter_greater:list", 1_000_000),
    ("arrays", "normalize:array", 100_000),
    ("arrays", "generate:normal", 1_000_000),
    ("words", "build:text", 10_000_000),
    ("words", "lookup:hit", None),
    ("words", "get_many", 100_000),
    ("words", "store:get", None),
    ("buffers", "handoff:numpy", 268_435_456),
    ("buffers", "generate", 268_435_456),
    ("events", "throughput:batched", None),
    ("events", "throughput:single", None),
    ("documents", "from_json", 1_000_000),
    ("documents", "to_json", 1_000_000),
    ("documents", "view:read", 1_000_000),
    ("matmul", "matmul:float64", 1_024),
)

#: The servers of the http scenario, in the order of its table.
SERVERS = ("flask:werkzeug", "flask:gunicorn", "flask:granian", "flask:pyo3-handlers", "axum",
           "axum:inprocess")  # fmt: skip


def cell(row: Row | None, label: str | None = None) -> str:
    """A participant's figure and, in brackets, its speed-up over the spec."""
    if row is None or row.figure is None:
        return "—"
    inside = format_speedup(row.speedup, interval=False) if row.speedup else ""
    if label:
        inside = f"{inside}, `{label}`" if inside else f"`{label}`"
    return f"{format_figure(row.figure)} ({inside})" if inside else format_figure(row.figure)


def best_alternative(group: Group) -> Row | None:
    """The fastest participant that is neither the spec nor a Rust boundary (nor Rust alone)."""
    others = [
        row
        for row in group.rows
        if row.participant not in ("python", "rust", *BOUNDARIES)
        and row.figure is not None
        and row.speedup is not None
    ]
    return max(others, key=lambda row: row.speedup.value, default=None)  # type: ignore[union-attr]


def table(path: Path) -> list[str]:
    report = build(load(path))
    groups = {(g.scenario, g.operation, g.size): g for g in report.groups}
    lines = [
        "| scenario | operation | size | python (spec) | best alternative | "
        + " | ".join(BOUNDARIES)
        + " |",
        "|---|---|---:|---:|---:|" + "---:|" * len(BOUNDARIES),
    ]
    for key in ROWS:
        group = groups.get(key)
        if group is None:
            sys.stderr.write(f"headline: {path} has no {'/'.join(map(str, key))}\n")
            continue
        rows = {row.participant: row for row in group.rows}
        best = best_alternative(group)
        size = "" if key[2] is None else f"{key[2]:,}"
        cells = [cell(rows.get("python"))]
        cells.append(cell(best, best.participant) if best else "—")
        cells += [cell(rows.get(name)) for name in BOUNDARIES]
        lines.append(f"| {key[0]} | {key[1]} | {size} | " + " | ".join(cells) + " |")
    return lines


def http_table(path: Path) -> list[str]:
    """Every endpoint of the http scenario: each server's figure and its ratio to the
    reference server's (Flask under gunicorn)."""
    report = build(load(path))
    lines = [
        "| endpoint | " + " | ".join(f"`{name}`" for name in SERVERS) + " |",
        "|---|" + "---:|" * len(SERVERS),
    ]
    for group in report.groups:
        if group.scenario != "http":
            continue
        rows = {row.participant: row for row in group.rows}
        cells = [cell(rows.get(name)) for name in SERVERS]
        lines.append(f"| {group.operation} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path)
    args = parser.parse_args(argv)
    print("\n".join(table(args.results)))
    print()
    print("\n".join(http_table(args.results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
