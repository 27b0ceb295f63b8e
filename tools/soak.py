"""Soak runs: the events stream and the axum server held under load for minutes, on 127.0.0.1.

Not part of ``make test``: each runs for the time asked (``make soak MINUTES=10`` runs both for
10 minutes) and prints a table per window (a minute, or a fifth of a shorter run) and a verdict.

``events``: an ``EventStream(rate=100_000, capacity=65536, policy="block")`` of the chosen
backend, consumed by this process in batches (``poll``, ``recv`` when the queue is empty).
Every event's sequence number must follow the one before (no loss, no duplicate: the blocking
policy never drops), and ``stats()`` must add up at the end. Each event's latency is the
consumer's clock at hand-over minus its timestamp (both CLOCK_MONOTONIC); per window: events,
rate, p50/p99/p99.9/max latency. The RSS of this process (the stream lives in it) is sampled
every 10 s.

``http``: the ``ffibench-server`` binary, driven by wrk at 64 connections over a mix of its
endpoints (GET /health, POST /stats, POST /words/top, GET and PUT /people/{id}, POST /matmul),
one wrk run per window. Every response is counted by status in wrk's Lua ``response`` hook;
every PUT writes a new version of one of 40,000 ids (each id written by one wrk thread, at
most one write of an id in flight), and the versions acknowledged (200 or 201, read from the
answer's body) are recorded; at the end every id is read back and must hold at least the
last version acknowledged for it (a lost write would leave an older one). The server's RSS is
sampled every 10 s.

Usage::

    python tools/soak.py events --minutes 10 [--backend pyo3] [--rate 100000]
    python tools/soak.py http --minutes 10 [--connections 64]

The exit status is 0 when the verdict holds: no event lost, no lost write, no 4xx or 5xx and
no socket error, RSS within ``--rss-bound-mib`` (8 MiB: the events queue alone may grow by
65,536 x 56 bytes = 3.5 MiB the first time a consumer falls behind) of its first sample after
the first window. The spread of p99 latency across windows is printed, not judged: on a shared
machine it measures the neighbours as much as the stream.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RSS_EVERY_S = 10.0


def rss_mib(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def windows(minutes: float) -> tuple[float, int]:
    """The window length in seconds and their number: minutes, or fifths of a short run."""
    total = minutes * 60
    if total >= 300:
        return 60.0, max(1, round(total / 60))
    return total / 5, 5


def rss_verdict(
    samples: list[tuple[float, float]], after_s: float, bound_mib: float
) -> tuple[str, bool]:
    """The RSS drift from the first sample at or after ``after_s`` to the last."""
    later = [rss for at, rss in samples if at >= after_s] or [samples[-1][1]]
    drift = later[-1] - later[0]
    ok = drift <= bound_mib
    return (
        f"RSS {later[0]:.1f} -> {later[-1]:.1f} MiB after the first window "
        f"(drift {drift:+.1f} MiB, min {min(later):.1f}, max {max(later):.1f}; "
        f"bound {bound_mib} MiB): {'flat' if ok else 'GREW'}"
    ), ok


# --- events ---------------------------------------------------------------------------------


def percentiles_us(latencies_ns: Any) -> tuple[float, float, float, float]:
    """p50, p99, p99.9 and the max of ``latencies_ns``, in µs, partitioning it in place."""
    count = len(latencies_ns)
    ranks = [min(count - 1, int(q * (count - 1) + 0.5)) for q in (0.5, 0.99, 0.999)]
    most = float(latencies_ns.max())
    latencies_ns.partition(ranks)
    return (*(float(latencies_ns[rank]) / 1e3 for rank in ranks), most / 1e3)  # type: ignore[return-value]


def soak_events(args: argparse.Namespace) -> int:  # noqa: PLR0915 (one run, read in order)
    import numpy

    import ffibench

    module = ffibench.backend(args.backend).events
    window_s, count = windows(args.minutes)
    stream = module.EventStream(rate=args.rate, capacity=65536, policy="block", seed=args.seed)
    print(
        f"events: {args.backend} EventStream(rate={args.rate:,.0f}, capacity=65536, "
        f"policy='block'), {count} windows of {window_s:.0f} s"
    )
    print(f"{'window':>6} {'events':>10} {'per s':>9} {'p50 us':>8} {'p99 us':>8} "
          f"{'p999 us':>8} {'max us':>9} {'RSS MiB':>8}")  # fmt: skip
    expected_seq = 0
    gaps = 0
    rows: list[tuple[float, float, float]] = []
    samples: list[tuple[float, float]] = []
    clock = time.monotonic_ns
    # One buffer for every window's latencies, in place: the tool's own memory stays flat, so
    # the RSS is the stream's (a list of arrays concatenated per window grew the heap).
    latencies = numpy.zeros(int(args.rate * window_s * 1.25) + 8192, dtype=numpy.int64)
    with stream:
        started = time.monotonic()
        next_rss = started
        for window in range(count):
            end = started + (window + 1) * window_s
            kept = 0
            events = 0
            while (now := time.monotonic()) < end:
                if now >= next_rss:
                    samples.append((now - started, rss_mib()))
                    next_rss += RSS_EVERY_S
                batch = stream.poll(4096)
                if len(batch) == 0:
                    event = stream.recv(0.05)
                    if event is None:
                        continue
                    taken = clock()
                    seqs = numpy.array([event[2]], dtype=numpy.uint64)
                    ages = numpy.array([taken - event[0]], dtype=numpy.int64)
                else:
                    taken = clock()
                    seqs = batch["seq"]
                    ages = taken - batch["timestamp_ns"]
                first, last = int(seqs[0]), int(seqs[-1])
                if first != expected_seq or last - first != len(seqs) - 1:
                    gaps += 1
                    if gaps <= 3:
                        print(f"  sequence broken: expected {expected_seq}, got {first}..{last}")
                expected_seq = last + 1
                events += len(seqs)
                if kept + len(ages) > len(latencies):  # more than the rate allows: grow once
                    latencies = numpy.resize(latencies, 2 * (kept + len(ages)))
                latencies[kept : kept + len(ages)] = ages
                kept += len(ages)
            p50, p99, p999, most = percentiles_us(latencies[: max(kept, 1)])
            rows.append((p50, p99, p999))
            current = samples[-1][1] if samples else rss_mib()
            print(
                f"{window + 1:>6} {events:>10,} {events / window_s:>9,.0f} {p50:>8.1f} "
                f"{p99:>8.1f} {p999:>8.1f} {most:>9.1f} {current:>8.1f}",
                flush=True,
            )
        samples.append((time.monotonic() - started, rss_mib()))
        stream.stop()
        rest = stream.poll()
        if len(rest):
            if int(rest["seq"][0]) != expected_seq:
                gaps += 1
            expected_seq = int(rest["seq"][-1]) + 1
        produced, delivered, dropped = stream.stats()
    lost = produced - delivered
    print(f"produced {produced:,}, delivered {delivered:,}, dropped {dropped:,}, "
          f"sequence breaks {gaps}, last seq {expected_seq - 1:,}")  # fmt: skip
    rss_line, rss_ok = rss_verdict(samples, window_s, args.rss_bound_mib)
    p99s = [row[1] for row in rows[1:]] or [rows[0][1]]
    spread = max(p99s) / min(p99s) if min(p99s) > 0 else float("inf")
    ok = gaps == 0 and dropped == 0 and lost == 0 and delivered == expected_seq and rss_ok
    print(f"loss: {dropped + lost} events; {rss_line}")
    print(f"p99 per window after the first: {min(p99s):.1f} to {max(p99s):.1f} us "
          f"(max/min {spread:.2f})")  # fmt: skip
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


# --- http -----------------------------------------------------------------------------------

IDS_PER_THREAD = 20_000
WRK_THREADS = 2
FIRST_ID = 1_000

# One wrk thread's Lua state: its requests in a fixed rotation; PUTs write the next version
# of one of its own ids (id i of thread t is FIRST_ID + t * IDS_PER_THREAD + i, each written
# again only after the thread has made IDS_PER_THREAD more writes, so never twice at once);
# the ``response`` hook counts statuses per endpoint kind and records the acknowledged
# versions, which ``done`` prints as JSON lines with every thread's tables.
LUA = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  window = tonumber(args[1])
  first_id = tonumber(args[2])
  per_thread = tonumber(args[3])
  bodies = {}
  for _, name in ipairs({"stats", "words", "matmul"}) do
    local file = io.open(args[4] .. "/" .. name .. ".json", "rb")
    bodies[name] = file:read("*a")
    file:close()
  end
  statuses = {}
  acked = {}
  writes = 0
end

local json = {["Content-Type"] = "application/json"}

function request()
  counter = counter + 1
  local k = counter % 10
  if k == 0 or k == 5 then
    local slot = writes % per_thread
    local id = first_id + index * per_thread + slot
    local version = window * 100000000 + writes
    writes = writes + 1
    local body = string.format('{"name":"v%d","age":%d,"salary":%d.5}', version, id % 151,
                               version % 1000000)
    return wrk.format("PUT", "/people/" .. id, json, body)
  elseif k == 1 or k == 6 then
    return wrk.format("GET", "/people/1")
  elseif k == 2 then
    return wrk.format("GET", "/health")
  elseif k == 3 or k == 8 then
    return wrk.format("POST", "/stats", json, bodies["stats"])
  elseif k == 4 then
    return wrk.format("POST", "/words/top?k=10", json, bodies["words"])
  else
    return wrk.format("POST", "/matmul", json, bodies["matmul"])
  end
end

function response(status, headers, body)
  local class = tostring(status)
  statuses[class] = (statuses[class] or 0) + 1
  if status == 200 or status == 201 then
    local id, version = string.match(body, '"id":(%d+),"name":"v(%d+)"')
    if id == nil then
      id = string.match(body, '"id":(%d+)')
      version = string.match(body, '"name":"v(%d+)"')
    end
    if id ~= nil and version ~= nil and tonumber(id) ~= 1 then
      local v = tonumber(version)
      local known = acked[id]
      if known == nil or v > known then
        acked[id] = v
      end
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "SOAK-SUMMARY {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, "
    .. "\"write\": %d, \"status\": %d, \"timeout\": %d, \"p50\": %.1f, \"p99\": %.1f, "
    .. "\"p999\": %.1f, \"max\": %.1f}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
  for _, thread in ipairs(threads) do
    local parts = {}
    for class, n in pairs(thread:get("statuses")) do
      table.insert(parts, string.format('"%s": %d', class, n))
    end
    io.write("SOAK-STATUS {" .. table.concat(parts, ", ") .. "}\n")
    local writes = {}
    for id, version in pairs(thread:get("acked")) do
      table.insert(writes, string.format('"%s": %d', id, version))
    end
    io.write("SOAK-ACKED {" .. table.concat(writes, ", ") .. "}\n")
  end
end
"""


def _json_bodies(directory: Path) -> None:
    from ffibench.scenarios.http import REQUESTS

    for name, key in (("stats", "stats"), ("words", "words_top"), ("matmul", "matmul")):
        body = REQUESTS[key][2]
        assert body is not None
        (directory / f"{name}.json").write_bytes(body)


@contextlib.contextmanager
def axum_server() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """The ffibench-server binary on 127.0.0.1 (the port its one line names); stopped after."""
    binary = ROOT / "python" / "ffibench" / "_lib" / "ffibench-server"
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if found is None:
            raise RuntimeError(f"ffibench-server said {line!r}")
        yield process, int(found.group(1))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, Any]:
    """One request on a connection of its own, as the http scenario checks its servers."""
    from ffibench.scenarios.http import request

    return request(f"http://127.0.0.1:{port}", method, path, body)


def _wrk(port: int, seconds: float, connections: int, window: int, directory: Path) -> str:
    script = directory / "soak.lua"
    script.write_text(LUA)
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout=10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
        "--",
        str(window),
        str(FIRST_ID),
        str(IDS_PER_THREAD),
        str(directory),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited with {done.returncode}: {done.stderr[-500:]}")
    return done.stdout


def soak_http(args: argparse.Namespace) -> int:  # noqa: PLR0915 (one run, read in order)
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk (make system-deps does)", file=sys.stderr)
        return 2
    window_s, count = windows(args.minutes)
    print(f"http: ffibench-server under wrk, {args.connections} connections, {count} windows "
          f"of {window_s:.0f} s")  # fmt: skip
    print(f"{'window':>6} {'requests':>10} {'per s':>8} {'2xx':>9} {'4xx':>5} {'5xx':>5} "
          f"{'sock err':>8} {'p50 ms':>7} {'p99 ms':>7} {'p999 ms':>8} {'RSS MiB':>8}")  # fmt: skip
    acked: dict[int, int] = {}
    totals = {"5xx": 0, "4xx": 0, "socket": 0, "2xx": 0}
    samples: list[tuple[float, float]] = []
    with (
        tempfile.TemporaryDirectory(prefix="ffibench-soak-") as name,
        axum_server() as (
            server,
            port,
        ),
    ):
        directory = Path(name)
        _json_bodies(directory)
        status, _ = _request(port, "PUT", "/people/1", b'{"name":"Ada","age":36,"salary":1.0}')
        assert status in (200, 201), status
        started = time.monotonic()
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append((time.monotonic() - started, rss_mib(server.pid)))
                stop.wait(RSS_EVERY_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            for window in range(count):
                output = _wrk(port, window_s, args.connections, window, directory)
                summary: dict[str, Any] = {}
                classes = {"2xx": 0, "4xx": 0, "5xx": 0}
                for line in output.splitlines():
                    if line.startswith("SOAK-SUMMARY "):
                        summary = json.loads(line.split(" ", 1)[1])
                    elif line.startswith("SOAK-STATUS "):
                        for code, n in json.loads(line.split(" ", 1)[1]).items():
                            classes[f"{code[0]}xx"] = classes.get(f"{code[0]}xx", 0) + n
                    elif line.startswith("SOAK-ACKED "):
                        for key, version in json.loads(line.split(" ", 1)[1]).items():
                            acked[int(key)] = max(acked.get(int(key), -1), version)
                if not summary:
                    raise RuntimeError(f"wrk printed no summary: {output[-500:]}")
                socket_errors = sum(summary[k] for k in ("connect", "read", "write", "timeout"))
                for key in ("2xx", "4xx", "5xx"):
                    totals[key] += classes.get(key, 0)
                totals["socket"] += socket_errors
                seconds = summary["duration_us"] / 1e6
                current = samples[-1][1] if samples else rss_mib(server.pid)
                print(
                    f"{window + 1:>6} {summary['requests']:>10,} "
                    f"{summary['requests'] / seconds:>8,.0f} {classes.get('2xx', 0):>9,} "
                    f"{classes.get('4xx', 0):>5,} {classes.get('5xx', 0):>5,} "
                    f"{socket_errors:>8,} {summary['p50'] / 1e3:>7.2f} "
                    f"{summary['p99'] / 1e3:>7.2f} {summary['p999'] / 1e3:>8.2f} {current:>8.1f}",
                    flush=True,
                )
        finally:
            stop.set()
            sampler.join()
        samples.append((time.monotonic() - started, rss_mib(server.pid)))
        lost = []
        for person_id, version in sorted(acked.items()):
            status, body = _request(port, "GET", f"/people/{person_id}")
            stored = int(body["name"][1:]) if status == 200 else -1
            if status == 200 and (body["id"], body["age"]) != (person_id, person_id % 151):
                stored = -1  # another person's fields: as good as lost
            if stored < version:
                lost.append((person_id, version, stored))
    first = f" (first: id {lost[0][0]} acked v{lost[0][1]}, holds v{lost[0][2]})" if lost else ""
    print(f"writes: {len(acked):,} ids acknowledged and read back; lost writes: {len(lost)}{first}")
    rss_line, rss_ok = rss_verdict(samples, window_s, args.rss_bound_mib)
    print(f"responses: {totals['2xx']:,} 2xx, {totals['4xx']:,} 4xx, {totals['5xx']:,} 5xx, "
          f"{totals['socket']:,} socket errors; {rss_line}")  # fmt: skip
    ok = (
        not lost
        and totals["5xx"] == 0
        and totals["4xx"] == 0
        and totals["socket"] == 0
        and rss_ok
        and len(acked) > 0
    )
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    events = commands.add_parser("events", help="the events stream at a fixed rate")
    events.add_argument("--backend", default="pyo3")
    events.add_argument("--rate", type=float, default=100_000.0)
    events.add_argument("--seed", type=int, default=1)
    web = commands.add_parser("http", help="the axum server under wrk")
    web.add_argument("--connections", type=int, default=64)
    for command in (events, web):
        command.add_argument("--minutes", type=float, default=10.0)
        command.add_argument("--rss-bound-mib", type=float, default=8.0)
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    return soak_events(args) if args.command == "events" else soak_http(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
