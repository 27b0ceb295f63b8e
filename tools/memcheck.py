"""Memory checks of every object that owns Rust memory, in every backend: RSS over many calls,
and 8 threads sharing one object.

``rss``: for each object and backend, in a fresh process, ``--calls`` calls (10^6 by default)
cycling through the object's operations — create/free cycles, method calls, copies, pickles,
refused arguments — with the RSS sampled every tenth of the run. The drift is the RSS at the
end minus the RSS after the first tenth (the warm-up: allocator arenas, caches, interned
strings). ``--bound-kib`` (1024 by default) is what "flat" means: an operation that leaked even
one 32-byte malloc chunk per call, in a rotation of at most 16 operations, would leak
32 B x 0.9 x 10^6 / 16 = 1.7 MiB over the measured part of a 10^6-call run, so the bound
catches any per-call leak at that size, while the allocator's own noise, measured on the four
backends, stays well under it.

``threads``: for each object and backend, in a fresh process, 8 Python threads use one shared
object at once (reads and writes mixed, copies made and dropped, for 0.5 s by default), then the
results are compared with the pure-Python spec run over the same operations; a C-ABI object then
has its finaliser called by hand while the threads still call it (each call must succeed or
raise ``ReferenceError``). A crash is a failed run (its exit status is printed).

Usage::

    python tools/memcheck.py rss [--calls N] [--object NAME ...] [--backend NAME ...]
    python tools/memcheck.py threads [--seconds S] [--object NAME ...] [--backend NAME ...]

Each prints a table and exits non-zero if any object failed.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUST_BACKENDS = ("pyo3", "ctypes", "cffi_abi", "cffi_api")
ALL_BACKENDS = ("python", *RUST_BACKENDS)
THREADS = 8

Op = Callable[[Any], None]


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _refused(call: Callable[[], Any], *errors: type[BaseException]) -> None:
    """``call()`` must raise one of ``errors`` (a bad argument), never return."""
    try:
        call()
    except errors:
        return
    raise AssertionError(f"{call} did not raise {errors}")


# --- the operations of each object ----------------------------------------------------------
#
# An object's ``ops(backend_module)`` returns its operations, each a callable of the call's
# index; one call of the run is one operation. The state they share (a long-lived object, a
# small payroll that is replaced when it has grown) lives in the closure and is bounded, so a
# growing RSS can only be a leak.


def person_ops(m: Any) -> list[Op]:
    names = ("Ada", "Zoë Straße", "𝔘𝔫𝔦 " * 20)
    person = m.Person("Ada", 36, 5200.0)

    def made(i: int) -> None:
        m.Person(names[i % 3], i % 151, float(i))

    def read(i: int) -> None:
        assert person.name in names and 0 <= person.age <= 150 and person.salary >= 0

    def write(i: int) -> None:
        person.name = names[i % 3]
        person.age = i % 151
        person.salary = float(i % 10_000)

    def refused(i: int) -> None:
        _refused(lambda: setattr(person, "age", 151), ValueError)
        _refused(lambda: m.Person("", 1, 1.0), ValueError)

    return [
        made,
        read,
        write,
        lambda i: copy.copy(person),
        lambda i: pickle.loads(pickle.dumps(person)),
        lambda i: m.PersonRecord(names[i % 3], 3, 1.5) == m.PersonRecord("Ada", 3, 1.5),
        lambda i: repr(person),
        refused,
    ]


def payroll_ops(m: Any) -> list[Op]:
    shared = m.Payroll.generate(200, 1)
    small = m.Payroll.generate(10, 2)  # copies go row by row through the C ABI: kept small
    state = {"growing": m.Payroll()}
    ada = m.Person("Ada", 36, 5200.0)

    def append(i: int) -> None:
        growing = state["growing"]
        if len(growing) >= 100:  # bounded: replace it (the old one is freed)
            state["growing"] = growing = m.Payroll()
        growing.append(ada)

    def columns(i: int) -> None:
        ages, salaries = shared.ages(), shared.salaries()
        assert len(ages) == len(salaries) == 200

    def refused(i: int) -> None:
        _refused(lambda: shared[200], IndexError)
        _refused(lambda: shared.mean_salary_by_age_band(0), ValueError)

    return [
        lambda i: m.Payroll.generate(50, i),
        append,
        lambda i: shared.total_salary(),
        lambda i: shared.mean_salary_by_age_band(10),
        lambda i: shared.give_raise(0.0, 30),
        lambda i: shared.top_earners(3),
        lambda i: shared[i % 200],
        columns,
        lambda i: copy.copy(small),
        lambda i: pickle.loads(pickle.dumps(small)),
        refused,
    ]


_TEXT = "The cat, the hat; ΟΔΟΣ don't the dog's 𝔘𝔫𝔦 " * 10


def word_counts_ops(m: Any) -> list[Op]:
    shared = m.WordCounts.from_text(_TEXT)
    handle, path = tempfile.mkstemp(suffix=".txt")
    os.write(handle, _TEXT.encode())
    os.close(handle)

    def merged(i: int) -> None:
        fresh = m.WordCounts.from_text("a b the")
        fresh.merge(shared)

    def refused(i: int) -> None:
        _refused(lambda: m.WordCounts.from_file("/nonexistent/words.txt"), FileNotFoundError)
        _refused(lambda: shared.most_common(-1), ValueError)

    return [
        lambda i: m.WordCounts.from_text(_TEXT),
        lambda i: m.WordCounts.from_file(path),
        lambda i: shared["the"],
        lambda i: shared.get_many(["the", "cat", "nothing"]),
        lambda i: shared.most_common(3),
        lambda i: shared.items(),
        lambda i: shared.to_dict(),
        merged,
        lambda i: copy.copy(shared),
        lambda i: pickle.loads(pickle.dumps(shared)),
        lambda i: shared == copy.copy(shared),
        refused,
    ]


def store_ops(m: Any) -> list[Op]:
    shared = m.KeyValueStore(max_items=100)
    value = b"v" * 64

    def refused(i: int) -> None:
        _refused(lambda: shared.set("k", "not bytes"), TypeError)
        _refused(lambda: m.KeyValueStore(max_items=-1), ValueError)

    return [
        lambda i: m.KeyValueStore(10).set("a", value),
        lambda i: shared.set(f"key{i % 300}", value),
        lambda i: shared.get(f"key{i % 300}"),
        lambda i: shared.delete(f"key{(i + 7) % 300}"),
        lambda i: f"key{i % 300}" in shared,
        lambda i: shared.set_many([(f"key{i % 300}", value), ("other", b"")]),
        lambda i: shared.get_many([f"key{i % 300}", "missing"]),
        lambda i: shared.keys(),
        lambda i: shared.stats(),
        lambda i: copy.copy(shared),
        lambda i: pickle.loads(pickle.dumps(shared)),
        refused,
    ]


def document_ops(m: Any) -> list[Op]:
    from ffibench.pure import documents as spec

    record = spec.generate(2_000, 1)
    text = spec.Document.from_dict(record).to_json()
    binary = spec.Document.from_dict(record).to_bincode()
    shared = m.Document.from_json(text)
    ops: list[Op] = [
        lambda i: m.Document.from_json(text),
        lambda i: m.Document.from_bincode(binary),
        lambda i: m.Document(),
        lambda i: shared.to_json(),
        lambda i: shared.to_bincode(),
        lambda i: shared.to_archive(),
        lambda i: copy.copy(shared),
        lambda i: pickle.loads(pickle.dumps(shared)),
        lambda i: _refused(lambda: m.Document.from_json(text[:-3]), ValueError),
        lambda i: _refused(lambda: m.Document.from_bincode(binary[:-3]), ValueError),
    ]
    if "from_dict" not in getattr(m, "NOT_APPLICABLE", {}):
        ops += [lambda i: m.Document.from_dict(record), lambda i: shared.to_dict()]
    return ops


def document_view_ops(m: Any) -> list[Op]:
    from ffibench.pure import documents as spec

    archive = m.Document.from_dict(spec.generate(2_000, 1)).to_archive()
    shared = m.DocumentView(archive)
    return [
        lambda i: m.DocumentView(archive),
        lambda i: shared["layers"][1]["shape"],
        lambda i: shared["metrics"],
        lambda i: shared.to_dict(),
        lambda i: shared.keys(),
        lambda i: pickle.loads(pickle.dumps(shared)),
        lambda i: _refused(lambda: m.DocumentView(archive[:-5]), ValueError),
    ]


def buffer_ops(m: Any) -> list[Op]:
    import numpy

    dtypes = ("float64", "float32", "int64", "uint8")
    shared = m.Buffer(1_000, "float64", 3)

    def lent(i: int) -> None:
        array = numpy.asarray(shared)
        assert array.shape == (1_000,)

    def dlpack(i: int) -> None:
        assert numpy.from_dlpack(shared).shape == (1_000,)

    return [
        lambda i: m.Buffer(1_000, dtypes[i % 4], i),
        lent,
        dlpack,
        lambda i: memoryview(numpy.asarray(shared)).nbytes,
        lambda i: copy.copy(shared),
        lambda i: pickle.loads(pickle.dumps(shared)),
        lambda i: m.generate(1_000, dtypes[i % 4], i),
        lambda i: m.generate_list(10, "int64", i),
        lambda i: m.generate_bytes(100, "uint8", i),
        lambda i: _refused(lambda: m.Buffer(-1), ValueError),
    ]


def arrays_ops(m: Any) -> list[Op]:
    import numpy

    values = [float(i % 17) for i in range(100)]
    array = numpy.array(values)
    return [
        lambda i: m.generate(100, i, "uniform"),
        lambda i: m.generate(101, i, "normal"),
        lambda i: m.generate_list(20, i),
        lambda i: m.filter_greater(values, 8.0),
        lambda i: m.filter_greater(array, 8.0),
        lambda i: m.normalize(array),
        lambda i: m.normalize(values),
        lambda i: m.sum(array),
        lambda i: _refused(lambda: m.mean([]), ValueError),
    ]


def matmul_ops(m: Any) -> list[Op]:
    import numpy

    rng = numpy.random.default_rng(1)
    a, b = rng.standard_normal((8, 8)), rng.standard_normal((8, 8))
    return [
        lambda i: m.matmul(a, b),
        lambda i: m.matmul(a.T, b),
        lambda i: m.matmul(a.astype(numpy.float32), b.astype(numpy.float32)),
        lambda i: m.matmul(a.tolist(), b[:, :3]),
        lambda i: _refused(lambda: m.matmul(a, b[:3]), ValueError),
    ]


def stream_ops(m: Any) -> list[Op]:
    shared = m.EventStream(capacity=1024, policy="block", seed=5, payload=True)
    shared.start()

    def cycle(i: int) -> None:
        with m.EventStream(capacity=64, seed=i, payload=bool(i % 2)) as stream:
            assert stream.recv(timeout=5.0) is not None

    return [
        lambda i: shared.recv(timeout=5.0),
        lambda i: shared.poll(64),
        lambda i: shared.poll_tuples(16),
        lambda i: shared.stats(),
        lambda i: len(shared),
        lambda i: shared.fileno(),
        cycle,
        lambda i: m.EventStream(capacity=8),  # made, never started, freed
        lambda i: _refused(lambda: m.EventStream(capacity=0), ValueError),
    ]


@dataclass(frozen=True)
class Subject:
    """An object (or a scenario's functions) that owns Rust memory in the Rust backends."""

    name: str
    scenario: str
    ops: Callable[[Any], list[Op]]
    #: Whether a backend has it (the C ABI has no DocumentView).
    applies: Callable[[Any], bool] = lambda m: True


SUBJECTS = {
    subject.name: subject
    for subject in (
        Subject("Person", "person", person_ops),
        Subject("Payroll", "person", payroll_ops),
        Subject("WordCounts", "words", word_counts_ops),
        Subject("KeyValueStore", "words", store_ops),
        Subject("Document", "documents", document_ops),
        Subject(
            "DocumentView",
            "documents",
            document_view_ops,
            lambda m: "DocumentView" not in getattr(m, "NOT_APPLICABLE", {}),
        ),
        Subject("Buffer", "buffers", buffer_ops),
        Subject("arrays", "arrays", arrays_ops),
        Subject("matmul", "matmul", matmul_ops),
        Subject("EventStream", "events", stream_ops),
    )
}


def _module(backend: str, scenario: str) -> Any:
    import ffibench

    return getattr(ffibench.backend(backend), scenario)


# --- RSS over many calls --------------------------------------------------------------------


def rss_child(subject_name: str, backend: str, calls: int, samples: int) -> dict[str, Any]:
    """In this (fresh) process: run ``calls`` calls, sampling the RSS ``samples`` times."""
    subject = SUBJECTS[subject_name]
    m = _module(backend, subject.scenario)
    if not subject.applies(m):
        return {"applies": False}
    ops = subject.ops(m)
    step = calls // samples
    rss = [_rss_kib()]
    started = time.perf_counter()
    count = len(ops)
    for block in range(samples):
        for i in range(block * step, (block + 1) * step):
            ops[i % count](i)
        rss.append(_rss_kib())
    return {
        "applies": True,
        "calls": step * samples,
        "ops": count,
        "seconds": time.perf_counter() - started,
        "rss_kib": rss,
    }


def _fresh_run(mode: str, name: str, backend: str, argument: str) -> dict[str, Any] | None:
    """One check of ``name`` in ``backend`` in a fresh interpreter (this file in ``mode``): its
    JSON answer, or ``None`` after printing why the process failed."""
    done = subprocess.run(
        [sys.executable, __file__, mode, name, backend, argument],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        print(f"{name:<14} {backend:<9} FAILED (exit {done.returncode}): {lines[-1:]}")
        return None
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def run_rss(subjects: list[str], backends: list[str], calls: int, bound_kib: int) -> int:
    print(f"{calls:,} calls per object; drift = RSS at the end - RSS after the first tenth")
    print(
        f"{'object':<14} {'backend':<9} {'calls':>9} {'ops':>3} {'s':>6} {'RSS start':>10} "
        f"{'warm':>8} {'end':>8} {'drift':>8} {'max-min':>8}  verdict"
    )
    failed = 0
    for name in subjects:
        for backend in backends:
            result = _fresh_run("_rss", name, backend, str(calls))
            if result is None:
                failed += 1
                continue
            if not result["applies"]:
                print(f"{name:<14} {backend:<9} {'not applicable':>9}")
                continue
            rss = result["rss_kib"]
            warm, tail = rss[1], rss[1:]
            drift = rss[-1] - warm
            verdict = "flat" if drift < bound_kib else f"GREW (bound {bound_kib} KiB)"
            failed += drift >= bound_kib
            print(
                f"{name:<14} {backend:<9} {result['calls']:>9,} {result['ops']:>3} "
                f"{result['seconds']:>6.1f} {rss[0]:>7,} KiB {warm:>8,} {rss[-1]:>8,} "
                f"{drift:>+8,} {max(tail) - min(tail):>8,}  {verdict}",
                flush=True,
            )
    return 1 if failed else 0


# --- 8 threads sharing one object -----------------------------------------------------------
#
# Each check runs ``work(shared, index)`` in 8 threads at once until the deadline, every thread
# writing only its own part of the object (its keys, its words, its persons), so the final
# state is fixed: the spec run over the same operations, one thread after another, must give it.


def _names(index: int, count: int) -> list[str]:
    return [f"t{index}-{j}" for j in range(count)]


def payroll_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    shared = m.Payroll.generate(100, 1)
    original = [(p.name, p.age, p.salary) for p in spec.Payroll.generate(100, 1)]
    appended: list[list[tuple[str, int, float]]] = [[] for _ in range(THREADS)]

    def work(index: int, deadline: float) -> None:
        j = 0
        while time.monotonic() < deadline:
            row = (f"t{index}-{j}", (index * 7 + j) % 151, float(j * 8 + index))
            while True:
                try:
                    shared.append(m.Person(*row))
                    break
                except BufferError:  # another thread holds a column view: try again
                    time.sleep(0)
            appended[index].append(row)
            j += 1
            best = shared.top_earners(3)
            assert [p.salary for p in best] == sorted((p.salary for p in best), reverse=True)
            k = j % 100
            assert (shared[k].name, shared[k].age, shared[k].salary) == original[k]
            ages = shared.ages()
            assert len(ages) >= 100 + j and list(ages[:3]) == [r[1] for r in original[:3]]
            del ages
            duplicate = copy.copy(shared)
            assert len(duplicate) >= 100 + j
            del duplicate
            shared.total_salary()

    def check() -> Any:
        rows = sorted((p.name, p.age, p.salary) for p in shared)
        expected = spec.Payroll.generate(100, 1)
        for part in appended:
            for row in part:
                expected.append(spec.Person(*row))
        assert rows == sorted((p.name, p.age, p.salary) for p in expected), "rows differ"
        assert abs(shared.total_salary() - expected.total_salary()) <= 1e-9 * abs(
            expected.total_salary()
        )
        return shared

    return _run_threads(work, check, seconds, shared)


def person_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    shared = m.Person("Ada", 36, 5200.0)
    names = {f"name {index}" for index in range(THREADS)} | {"Ada"}

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            shared.name = f"name {index}"
            shared.age = index
            shared.salary = float(index)
            assert shared.name in names and 0 <= shared.age < 40
            twin = copy.copy(shared)
            assert twin.name in names and twin is not shared
            assert pickle.loads(pickle.dumps(shared)).name in names

    def check() -> Any:
        shared.name, shared.age, shared.salary = "Zoë", 41, 12.5
        assert repr(shared) == repr(spec.Person("Zoë", 41, 12.5)), repr(shared)
        return shared

    return _run_threads(work, check, seconds, shared)


def word_counts_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    shared = m.WordCounts.from_text(_TEXT)
    base = spec.WordCounts.from_text(_TEXT)
    merges = [0] * THREADS

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            shared.merge(m.WordCounts.from_text(f"w{index} w{index} x{index}"))
            merges[index] += 1
            assert shared["the"] == base["the"] and shared.get_many(["cat"]) == [base["cat"]]
            assert shared[f"w{index}"] == 2 * merges[index]
            assert len(shared.most_common(3)) == 3
            twin = copy.copy(shared)
            assert twin[f"x{index}"] >= merges[index]
            del twin

    def check() -> Any:
        expected = spec.WordCounts.from_text(_TEXT)
        for index, count in enumerate(merges):
            for _ in range(count):
                expected.merge(spec.WordCounts.from_text(f"w{index} w{index} x{index}"))
        assert shared.to_dict() == expected.to_dict()
        assert shared.most_common(5) == expected.most_common(5)
        return shared

    return _run_threads(work, check, seconds, shared)


def store_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    shared = m.KeyValueStore()
    logs: list[list[tuple[str, Any]]] = [[] for _ in range(THREADS)]

    def work(index: int, deadline: float) -> None:
        log = logs[index]
        j = 0
        while time.monotonic() < deadline:
            key = f"t{index}:{j % 50}"
            value = f"{index}-{j}".encode()
            shared.set(key, value)
            log.append(("set", (key, value)))
            assert shared.get(key) == value
            log.append(("get", key))
            pairs = [(f"{key}:a", b"a" * (j % 7)), (f"{key}:b", value)]
            shared.set_many(pairs)
            log.append(("set_many", pairs))
            assert shared.get_many([f"{key}:b", f"t{index}:none"]) == [value, None]
            log.append(("get_many", [f"{key}:b", f"t{index}:none"]))
            if j % 3 == 0:
                assert shared.delete(f"{key}:a") is True
                log.append(("delete", f"{key}:a"))
            assert key in shared
            twin = copy.copy(shared)
            assert twin.get(key) == value  # a copy's reads are its own counters
            del twin
            j += 1

    def check() -> Any:
        expected = spec.KeyValueStore()
        for log in logs:
            for operation, argument in log:
                if operation == "set":
                    expected.set(*argument)
                else:
                    getattr(expected, operation)(argument)
        assert sorted(shared.keys()) == sorted(expected.keys())
        assert all(shared.get(k) == expected.get(k) for k in expected.keys())  # noqa: SIM118 (a store has no __iter__)
        ours, theirs = shared.stats(), expected.stats()
        assert (ours["hits"], ours["misses"]) == (theirs["hits"], theirs["misses"]), (ours, theirs)
        return shared

    return _run_threads(work, check, seconds, shared)


def document_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    record = spec.generate(5_000, 2)
    text = spec.Document.from_dict(record).to_json()
    expected = spec.Document.from_json(text).to_bincode()
    shared = m.Document.from_json(text)

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert shared.to_bincode() == expected
            assert m.Document.from_json(shared.to_json()).to_bincode() == expected
            assert len(shared.to_archive()) > 1_000
            assert copy.copy(shared).to_bincode() == expected
            assert pickle.loads(pickle.dumps(shared)).to_bincode() == expected

    def check() -> Any:
        assert shared.to_bincode() == expected
        return shared

    return _run_threads(work, check, seconds, shared)


def document_view_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    record = spec.generate(5_000, 2)
    shared = m.DocumentView(m.Document.from_dict(record).to_archive())
    expected = spec.DocumentView(spec.Document.from_dict(record).to_archive()).to_dict()

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            layers = shared["layers"]  # a lazy sequence of lazy maps
            assert len(layers) == len(expected["layers"])
            assert layers[1]["shape"] == expected["layers"][1]["shape"]
            assert shared["name"] == expected["name"]
            assert shared.to_dict() == expected
            assert pickle.loads(pickle.dumps(shared)).to_dict() == expected

    def check() -> Any:
        assert shared.to_dict() == expected
        return shared

    return _run_threads(work, check, seconds, shared)


def buffer_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    import numpy

    shared = m.Buffer(10_000, "float64", 3)
    expected = spec.generate(10_000, "float64", 3)

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            view = numpy.asarray(shared)
            assert spec.same_values(view, expected)  # float64: within 4 ulp of NumPy's log
            del view
            assert spec.same_values(numpy.from_dlpack(shared), expected)
            assert spec.same_values(numpy.asarray(copy.copy(shared)), expected)
            fresh = m.Buffer(100, "int64", index)
            assert numpy.array_equal(numpy.asarray(fresh), spec.generate(100, "int64", index))

    def check() -> Any:
        assert spec.same_values(numpy.asarray(shared), expected)
        return shared

    return _run_threads(work, check, seconds, shared)


def arrays_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    import numpy

    def work(index: int, deadline: float) -> None:
        values = spec.generate_list(1_000, index, "normal")
        while time.monotonic() < deadline:
            assert list(m.generate(1_000, index, "normal")) == values
            assert list(m.filter_greater(values, 0.5)) == list(spec.filter_greater(values, 0.5))
            assert numpy.allclose(m.normalize(values), spec.normalize(values), rtol=1e-12)

    return _run_threads(work, lambda: None, seconds, None)


def matmul_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    import numpy

    rng = numpy.random.default_rng(1)
    a, b = rng.standard_normal((70, 50)), rng.standard_normal((50, 60))
    expected, tolerance = spec.matmul(a, b), spec.tolerance(a, b, numpy.float64)

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert numpy.all(numpy.abs(m.matmul(a, b) - expected) <= tolerance)

    return _run_threads(work, lambda: None, seconds, None)


def stream_threads(m: Any, spec: Any, seconds: float) -> Callable[[], Any]:
    shared = m.EventStream(capacity=256, policy="block", seed=9, payload=True)
    received: list[list[Any]] = [[] for _ in range(THREADS)]
    shared.start()

    def work(index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            if index % 2:
                event = shared.recv(timeout=1.0)
                if event is not None:
                    received[index].append(tuple(event))
            else:
                received[index].extend(tuple(e) for e in shared.poll_tuples(32))
            shared.stats()
            len(shared)

    def check() -> Any:
        shared.stop()
        rest = [tuple(e) for e in shared.poll_tuples()]
        events = [e for part in received for e in part] + rest
        seqs = sorted(e[2] for e in events)
        produced, delivered, dropped = shared.stats()
        assert seqs == list(range(len(seqs))), "an event lost or delivered twice"
        assert (dropped, delivered, produced) == (0, len(seqs), len(seqs))
        for event in events[:: max(1, len(events) // 2_000)]:
            assert event[1:] == tuple(spec.synthetic(9, event[2], True)), event
        return shared

    return _run_threads(work, check, seconds, shared)


THREAD_CHECKS: dict[str, Callable[[Any, Any, float], Callable[[], Any]]] = {
    "Person": person_threads,
    "Payroll": payroll_threads,
    "WordCounts": word_counts_threads,
    "KeyValueStore": store_threads,
    "Document": document_threads,
    "DocumentView": document_view_threads,
    "Buffer": buffer_threads,
    "arrays": arrays_threads,
    "matmul": matmul_threads,
    "EventStream": stream_threads,
}


def _run_threads(
    work: Callable[[int, float], None], check: Callable[[], Any], seconds: float, shared: Any
) -> Callable[[], Any]:
    """Run ``work`` in 8 threads until the deadline; return the final check to run after."""
    errors: list[str] = []

    def guarded(index: int) -> None:
        try:
            work(index, time.monotonic() + seconds)
        except BaseException as error:
            errors.append(f"thread {index}: {error!r}")

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError("; ".join(errors[:3]))

    return check


#: What the threads call while a finaliser runs by hand: one method of each object.
RACED = {
    "Person": ("name", lambda shared: shared.name),
    "Payroll": ("total_salary", lambda shared: shared.total_salary()),
    "WordCounts": ("most_common", lambda shared: shared.most_common(3)),
    "KeyValueStore": ("stats", lambda shared: shared.stats()),
    "Document": ("to_bincode", lambda shared: shared.to_bincode()),
    "Buffer": ("len", len),
    "EventStream": ("stats", lambda shared: shared.stats()),
}


def finaliser_race(name: str, shared: Any, seconds: float) -> str:
    """Call a C-ABI object's finaliser by hand while 8 threads call it: each call must succeed,
    raise ``ReferenceError``, or (the person scenario's documented alternative) the
    library's NULL-pointer ``ValueError``. Returns what the threads saw."""
    if shared is None or not hasattr(type(shared), "__del__") or name not in RACED:
        return "-"
    errors: list[str] = []
    seen = {"ok": 0, "ReferenceError": 0, "ValueError(NULL)": 0}
    method, function = RACED[name]
    finalised = threading.Event()
    give_up = time.monotonic() + seconds + 60  # only if the finaliser never ran

    def call() -> None:
        # Until each thread has made 200 calls after the finaliser ran: every run sees both
        # sides of it, however slowly the threads start on a loaded machine.
        after = 0
        while after < 200 and time.monotonic() < give_up:
            after += finalised.is_set()
            try:
                function(shared)
                seen["ok"] += 1
            except ReferenceError:
                seen["ReferenceError"] += 1
            except ValueError as error:
                if "NULL pointer" not in str(error):
                    errors.append(repr(error))
                    return
                seen["ValueError(NULL)"] += 1
            except BaseException as error:
                errors.append(repr(error))
                return

    threads = [threading.Thread(target=call) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    shared.__del__()
    shared.__del__()
    finalised.set()
    for thread in threads:
        thread.join()
    if errors:
        raise AssertionError(f"after the finaliser: {errors[0]}")
    return f"{method}: " + ", ".join(f"{n} {kind}" for kind, n in seen.items() if n)


def threads_child(subject_name: str, backend: str, seconds: float) -> dict[str, Any]:
    subject = SUBJECTS[subject_name]
    m = _module(backend, subject.scenario)
    if not subject.applies(m):
        return {"applies": False}
    spec = importlib.import_module(f"ffibench.pure.{subject.scenario}")
    started = time.perf_counter()
    shared = THREAD_CHECKS[subject_name](m, spec, seconds)()
    race = finaliser_race(subject_name, shared, seconds / 2)
    return {"applies": True, "seconds": time.perf_counter() - started, "finaliser": race}


def run_threads(subjects: list[str], backends: list[str], seconds: float) -> int:
    print(f"{THREADS} threads share one object for {seconds} s; then compared with the spec")
    print(f"{'object':<14} {'backend':<9} {'s':>5}  {'verdict':<8} finaliser called by hand")
    failed = 0
    for name in subjects:
        for backend in backends:
            result = _fresh_run("_threads", name, backend, str(seconds))
            if result is None:
                failed += 1
                continue
            if not result["applies"]:
                print(f"{name:<14} {backend:<9} not applicable")
                continue
            print(
                f"{name:<14} {backend:<9} {result['seconds']:>5.1f}  {'spec':<8} "
                f"{result['finaliser']}",
                flush=True,
            )
    return 1 if failed else 0


# --- valgrind and LeakSanitizer ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "tests" / "c" / "smoke.c"
SUPPRESSIONS = ROOT / "tools" / "valgrind-python.supp"
PROBE = ROOT / "tools" / "capi_probe.py"
LEAK_KINDS = {
    "Leak_DefinitelyLost": "definitely",
    "Leak_IndirectlyLost": "indirectly",
    "Leak_PossiblyLost": "possibly",
}


def compile_smoke(directory: Path, *flags: str) -> Path:
    """tests/c/smoke.c built against the installed library, with ``flags``."""
    from ffibench.backends._capi import header

    library = header.library_path()
    binary = directory / ("smoke-sanitized" if flags else "smoke")
    subprocess.run(
        ["gcc", "-std=c11", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-pedantic", *flags,
         "-I", str(header.header_path().parent), str(SMOKE),
         "-L", str(library.parent), "-lffibench_capi", f"-Wl,-rpath,{library.parent}",
         "-o", str(binary)],
        check=True,
    )  # fmt: skip
    return binary


def _ours(stack: list[tuple[str, str]]) -> bool:
    """Whether a stack passes through the C-ABI library."""
    return any("libffibench_capi" in obj or fn.startswith("ffibench") for fn, obj in stack)


def read_valgrind_xml(path: Path) -> dict[str, Any]:
    """Counts from valgrind's XML: errors (not leaks), and each leak kind's bytes and
    blocks, all and in our library's stacks; the suppressions used."""
    from xml.etree import ElementTree

    root = ElementTree.parse(path).getroot()
    counts: dict[str, Any] = {"errors": 0, "our_errors": 0, "first": []}
    for kind in LEAK_KINDS.values():
        counts[kind] = counts[f"our_{kind}"] = 0
    for error in root.iter("error"):
        kind = error.findtext("kind", "")
        stack = [
            (frame.findtext("fn", ""), frame.findtext("obj", ""))
            for frame in error.iterfind("stack/frame")
        ]
        ours = _ours(stack)
        if kind in LEAK_KINDS:
            leaked = int(error.findtext("xwhat/leakedbytes", "0"))
            counts[LEAK_KINDS[kind]] += leaked
            counts[f"our_{LEAK_KINDS[kind]}"] += leaked if ours else 0
            if not ours or kind == "Leak_PossiblyLost":
                continue
        else:
            counts["errors"] += 1
            counts["our_errors"] += ours
        what = error.findtext("xwhat/text") or error.findtext("what", "")
        counts["first"].append(f"{kind}: {what} at " + " < ".join(fn for fn, _ in stack[:8]))
    counts["suppressed"] = {
        pair.findtext("name", ""): int(pair.findtext("count", "0"))
        for pair in root.iterfind("suppcounts/pair")
    }
    return counts


def valgrind(command: list[str], xml: Path, *options: str, env: dict[str, str] | None = None):
    """``command`` under memcheck, its XML report at ``xml``; the process and the counts."""
    done = subprocess.run(
        ["valgrind", "--tool=memcheck", "--leak-check=full",
         "--show-leak-kinds=definite,indirect,possible", "--num-callers=40",
         "--xml=yes", f"--xml-file={xml}", *options, *command],
        capture_output=True, text=True, env=env, check=False, timeout=1_800,
    )  # fmt: skip
    return done, read_valgrind_xml(xml)


def _line(name: str, counts: dict[str, Any]) -> str:
    return (
        f"{name:<7} errors {counts['errors']} (in our frames {counts['our_errors']}); "
        f"definitely lost {counts['definitely']} B (ours {counts['our_definitely']}), "
        f"indirectly {counts['indirectly']} B (ours {counts['our_indirectly']}), "
        f"possibly {counts['possibly']} B (ours {counts['our_possibly']}); suppressed "
        + (", ".join(f"{k} x{v}" for k, v in counts["suppressed"].items()) or "none")
    )


def run_valgrind(full: bool) -> int:
    """Memcheck over the C smoke program (no suppressions) and over the probe through ctypes
    (CPython's false positives suppressed); ``full`` adds origins and three probe rounds."""
    if shutil.which("valgrind") is None:
        print("valgrind is missing: apt-get install valgrind (make system-deps does)")
        return 2
    extra = ("--track-origins=yes",) if full else ()
    failed = False
    with tempfile.TemporaryDirectory(prefix="ffibench-valgrind-") as name:
        directory = Path(name)
        smoke = compile_smoke(directory)
        done, counts = valgrind(
            [str(smoke)],
            directory / "smoke.xml",
            *extra,
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=99",
        )
        print(_line("smoke", counts))
        bad = done.returncode != 0 or done.stdout.strip() != "smoke: ok"
        bad = bad or counts["errors"] or counts["definitely"] or counts["indirectly"]
        env = dict(os.environ, PYTHONMALLOC="malloc")
        done, probe = valgrind(
            [sys.executable, str(PROBE), "--rounds", "3" if full else "1"],
            directory / "probe.xml",
            *extra,
            f"--suppressions={SUPPRESSIONS}",
            env=env,
        )
        print(_line("probe", probe))
        called = [line for line in done.stdout.splitlines() if line.startswith("called: ")]
        if called:
            print(f"probe   called {len(called[0].split(','))} C-ABI functions")
        probe_bad = done.returncode != 0 or probe["errors"]
        probe_bad = probe_bad or probe["our_definitely"] or probe["our_indirectly"]
        for line in (counts["first"] if bad else []) + (probe["first"] if probe_bad else []):
            print(f"  {line}")
        if done.returncode != 0:
            print(done.stderr[-2_000:])
        failed = bool(bad or probe_bad)
    print(f"verdict: {'FAIL' if failed else 'PASS'}")
    return 1 if failed else 0


def run_lsan() -> int:
    """The C smoke program built with AddressSanitizer, UBSan and LeakSanitizer (which sees
    Rust's allocations: the library uses the system allocator)."""
    with tempfile.TemporaryDirectory(prefix="ffibench-lsan-") as name:
        binary = compile_smoke(
            Path(name), "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=all",
        )  # fmt: skip
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=23")
        done = subprocess.run([str(binary)], capture_output=True, text=True, env=env, check=False)
    ok = done.returncode == 0 and done.stdout.strip() == "smoke: ok" and not done.stderr.strip()
    report = "no report" if not done.stderr.strip() else "REPORT:"
    flags = "-fsanitize=address,undefined, LeakSanitizer on"
    print(f"lsan    smoke ({flags}): exit {done.returncode}, {report}")
    if done.stderr.strip():
        print(done.stderr[-3_000:])
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main(argv: list[str]) -> int:
    if argv and argv[0] == "_rss":
        name, backend, calls = argv[1], argv[2], int(argv[3])
        print(json.dumps(rss_child(name, backend, calls, 10)))
        return 0
    if argv and argv[0] == "_threads":
        print(json.dumps(threads_child(argv[1], argv[2], float(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rss = commands.add_parser("rss", help="RSS over many calls, per object and backend")
    rss.add_argument("--calls", type=int, default=1_000_000)
    rss.add_argument("--bound-kib", type=int, default=1024)
    threads = commands.add_parser("threads", help="8 threads sharing each object")
    threads.add_argument("--seconds", type=float, default=0.5)
    memcheck = commands.add_parser("valgrind", help="memcheck over the smoke program and probe")
    memcheck.add_argument("--full", action="store_true", help="origins, three probe rounds")
    commands.add_parser("lsan", help="the smoke program under LeakSanitizer")
    for command in (rss, threads):
        command.add_argument("--object", action="append", choices=sorted(SUBJECTS))
        command.add_argument("--backend", action="append", choices=ALL_BACKENDS)
    args = parser.parse_args(argv)
    if args.command == "valgrind":
        return run_valgrind(args.full)
    if args.command == "lsan":
        return run_lsan()
    subjects = args.object or list(SUBJECTS)
    if args.command == "rss":
        return run_rss(subjects, args.backend or list(RUST_BACKENDS), args.calls, args.bound_kib)
    return run_threads(subjects, args.backend or list(ALL_BACKENDS), args.seconds)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
