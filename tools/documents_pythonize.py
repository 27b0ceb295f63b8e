"""The measurement behind the documents scenario's choice of a hand-written conversion between
Python objects and the Rust record over pythonize 0.30 (serde over Python objects).

Times ``Document.from_dict`` and ``doc.to_dict()`` both ways on the registry's documents and
prints the medians and the ratios. Run it with the package installed::

    .venv/bin/python tools/documents_pythonize.py

The pythonize pair (``_pythonize_from_dict``, ``_pythonize_to_dict`` in
``ffibench._native.documents``) runs the same serde impls as JSON and bincode; it is kept only
for this measurement, and does not check what the spec checks (an int is taken for a float).
"""

from __future__ import annotations

import statistics
import timeit

from ffibench._native import documents as native
from ffibench.scenarios.documents import SEED, SIZES, document


def _median_us(statement: object, repeat: int = 7) -> float:
    once = min(timeit.repeat(statement, number=1, repeat=3))  # type: ignore[arg-type]
    number = max(1, int(0.05 / max(once, 1e-7)))
    times = timeit.repeat(statement, number=number, repeat=repeat)  # type: ignore[arg-type]
    return statistics.median(times) / number * 1e6


def main() -> None:
    print(f"seed {SEED}; microseconds per call, median of 7 runs")
    print(f"{'size':>10} {'from_dict':>10} {'pythonize':>10} {'ratio':>6}"
          f" {'to_dict':>10} {'pythonize':>10} {'ratio':>6}")  # fmt: skip
    for size in SIZES:
        d = document(size)
        doc = native.Document.from_dict(d)
        assert native._pythonize_from_dict(d).to_bincode() == doc.to_bincode()
        assert native._pythonize_to_dict(doc) == doc.to_dict()
        into = _median_us(lambda d=d: native.Document.from_dict(d))
        into_p = _median_us(lambda d=d: native._pythonize_from_dict(d))
        out = _median_us(doc.to_dict)
        out_p = _median_us(lambda doc=doc: native._pythonize_to_dict(doc))
        print(f"{size:>10} {into:>10.1f} {into_p:>10.1f} {into_p / into:>5.2f}x"
              f" {out:>10.1f} {out_p:>10.1f} {out_p / out:>5.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
