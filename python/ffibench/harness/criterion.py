"""Read criterion's results (``cargo bench -p ffibench-core``) as ``rust`` results.

The core's benches use the registry's ids (``scenario/operation[/size]``) and check their
answers with asserts before timing, so each becomes an ``ok`` result of the backend ``rust``:
the same work with no boundary at all. The report sets it beside each backend to show what
share of a call the boundary takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ffibench.harness.results import entry

BACKEND = "rust"


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load(directory: Path, scenarios: set[str]) -> list[dict[str, Any]]:
    """One result per criterion benchmark of the given scenarios found under ``directory``."""
    found = []
    for info_path in sorted(Path(directory).glob("**/new/benchmark.json")):
        info = _read(info_path)
        if info.get("group_id") not in scenarios:
            continue
        estimates = _read(info_path.with_name("estimates.json"))
        sample = _read(info_path.with_name("sample.json"))
        per_iteration = [t / n for t, n in zip(sample["times"], sample["iters"], strict=True)]
        value = info.get("value_str")
        metrics = {
            "time_ns": {
                "median": estimates["median"]["point_estimate"],
                "mean": estimates["mean"]["point_estimate"],
                "stdev": estimates["std_dev"]["point_estimate"],
                "min": min(per_iteration),
                "max": max(per_iteration),
                "samples": len(per_iteration),
            }
        }
        found.append(
            entry(
                info["group_id"],
                info["function_id"],
                BACKEND,
                int(value) if value else None,
                "ok",
                "criterion: the core called from Rust, no boundary; checked by the bench",
                metrics,
            )
        )
    return found
