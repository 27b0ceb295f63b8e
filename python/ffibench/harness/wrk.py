"""Load from wrk: run it against a URL for a fixed time and connection count, read its figures.

wrk's human output rounds and changes units; its Lua ``done`` hook sees the exact summary,
latency histogram and error counts, so the script below prints them as one JSON line that the
harness parses. wrk counts a response with a status of 400 or more as an ``errors_status``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ffibench.harness import processes

#: Prefix of the line the ``done`` hook writes.
MARKER = "FFIBENCH-WRK "
SCRIPT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "FFIBENCH-WRK {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, "
    .. "\"connect\": %d, \"read\": %d, \"write\": %d, \"status\": %d, \"timeout\": %d, "
    .. "\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, \"max\": %.3f}\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
"""


class LoadError(RuntimeError):
    """wrk is missing, failed, or printed no figures."""


def executable() -> str:
    """The path of wrk; ``LoadError`` says how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise LoadError("wrk is not installed: apt-get install wrk (make system-deps does)")
    return found


def parse(output: str) -> dict[str, float]:
    """The metrics of one wrk run from its output (the ``done`` hook's line)."""
    for line in output.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER) :])
            break
    else:
        raise LoadError(f"wrk printed no figures: {output.strip()[-300:]!r}")
    seconds = raw["duration_us"] / 1e6
    if seconds <= 0:
        raise LoadError("wrk ran for no time")
    metrics: dict[str, float] = {
        "requests_per_s": raw["requests"] / seconds,
        "requests": float(raw["requests"]),
    }
    for point in ("p50", "p90", "p99", "p999", "max"):
        metrics[f"latency_{point}_ns"] = raw[point] * 1e3
    for kind in ("connect", "read", "write", "timeout", "status"):
        metrics[f"errors_{kind}"] = float(raw[kind])
    return metrics


def _lua_string(text: str) -> str:
    """``text`` as a Lua string literal: letters, digits and ``/._-`` as they are, every
    other byte escaped as ``\\ddd`` (nothing to get wrong, whatever the text holds)."""
    plain = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-")
    escaped = (chr(byte) if byte in plain else f"\\{byte:03d}" for byte in text.encode())
    return '"' + "".join(escaped) + '"'


def request_script(
    directory: Path, method: str, body: bytes | None, headers: tuple[tuple[str, str], ...]
) -> str:
    """The Lua lines that make every request of a run ``method`` with ``body`` and
    ``headers`` (the body read from a file in ``directory``: any bytes, any length)."""
    if not method.isascii() or not method.isalpha():
        raise LoadError(f"not an HTTP method: {method!r}")
    lines = [f"wrk.method = {_lua_string(method.upper())}"]
    if body is not None:
        path = directory / "body"
        path.write_bytes(body)
        lines.append(
            f'local body = io.open({_lua_string(str(path))}, "rb")\n'
            'wrk.body = body:read("*a")\nbody:close()'
        )
    for name, value in headers:
        lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
    return "\n".join(lines) + "\n"


def run(
    url: str,
    duration_s: int,
    connections: int,
    threads: int,
    request_timeout_s: int,
    method: str = "GET",
    body: bytes | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """wrk against ``url``, every request ``method`` with ``body`` and ``headers``; its
    process group is stopped whatever happens."""
    if not url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise LoadError(f"refusing to load {url}: servers bind to the loopback only")
    with tempfile.TemporaryDirectory(prefix="ffibench-wrk-") as directory:
        script = Path(directory) / "done.lua"
        script.write_text(request_script(Path(directory), method, body, headers) + SCRIPT)
        command = [
            executable(),
            f"-t{max(1, min(threads, connections))}",
            f"-c{connections}",
            f"-d{max(1, int(duration_s))}s",
            f"--timeout={request_timeout_s}s",
            "-s",
            str(script),
            url,
        ]
        with processes.spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as wrk:
            try:
                stdout, stderr = wrk.communicate(timeout=duration_s + request_timeout_s + 30)
            except subprocess.TimeoutExpired:
                raise LoadError("wrk did not finish in time") from None
        if wrk.returncode != 0:
            raise LoadError(f"wrk exited with {wrk.returncode}: {stderr.decode().strip()[-300:]}")
        return parse(stdout.decode())
