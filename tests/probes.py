"""Probe scripts run in a fresh interpreter, so that a leak or a crash is measured, not suffered.

A probe's source is a program that receives its arguments in ``sys.argv``. A leak probe
defines ``calls(n)``; :func:`rss_growth_kib` warms it up, then reports how much the RSS of that
process grew over ``n`` more calls.
"""

from __future__ import annotations

import subprocess
import sys

_MEASURE = """
def _rss_kib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4

calls({warm})
_before = _rss_kib()
calls({count})
print(_rss_kib() - _before)
"""


def run_probe(source: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``source`` with ``args`` in a new interpreter; the caller reads its exit status."""
    return subprocess.run(
        [sys.executable, "-c", source, *args], capture_output=True, text=True, check=False
    )


def rss_growth_kib(source: str, backend_name: str, warm: int, count: int) -> int:
    """KiB the RSS grew over ``calls(count)`` after ``calls(warm)``, in a fresh process."""
    done = run_probe(source + _MEASURE.format(warm=warm, count=count), backend_name)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout)
