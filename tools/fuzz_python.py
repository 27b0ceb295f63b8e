"""Differential fuzzing for a bounded time: every property of tests/test_differential.py, fed
bytes through hypothesis's ``fuzz_one_input``, coverage-guided by atheris when it is installed
(``pip install atheris``), else random bytes.

    .venv/bin/python tools/fuzz_python.py --seconds 600 [--engine atheris|random] [--only words]

Each input goes to one property (its first two bytes choose which, so atheris learns which
inputs reach what); a property that fails is reported (its input as hypothesis prints it; the
failure is also saved to hypothesis's example database, so ``pytest tests/test_differential.py``
replays it) and is not run again in this session. At the end: examples run and failures per
property, on stdout and as JSON with ``--json PATH``. The exit status is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def properties(only: str | None, instrument: bool) -> dict[str, Callable[[bytes], Any]]:
    """``{name: fuzz_one_input}`` of every differential property (``only``: names containing);
    with ``instrument``, ffibench and the tests' modules are instrumented for atheris."""
    sys.path.insert(0, str(ROOT / "tests"))
    if instrument:
        import atheris

        with atheris.instrument_imports(include=["ffibench", "test_differential", "fuzzing"]):
            import test_differential
    else:
        import test_differential

    found = {}
    for name in sorted(vars(test_differential)):
        test = getattr(test_differential, name)
        wanted = only is None or only in name
        if name.startswith("test_") and hasattr(test, "hypothesis") and wanted:
            found[name] = test.hypothesis.fuzz_one_input
    return found


class Session:
    """Runs inputs, counts them, records failures."""

    def __init__(
        self, tests: dict[str, Callable[[bytes], Any]], seconds: float, finish: Callable[[], None]
    ) -> None:
        self.tests = tests
        self.names = list(tests)
        self.started = time.monotonic()
        self.deadline = self.started + seconds
        self.runs = dict.fromkeys(self.names, 0)
        self.failures: dict[str, str] = {}
        self.seconds: dict[str, float] = {}
        self.finish = finish

    def one(self, data: bytes) -> None:
        live = [name for name in self.names if name not in self.failures]
        if not live or time.monotonic() > self.deadline:
            self.finish()
        name = live[int.from_bytes(data[:2], "little") % len(live)]
        self.runs[name] += 1
        began = time.monotonic()
        try:
            self.tests[name](data[2:])
        except Exception:
            self.failures[name] = traceback.format_exc(limit=-3)[-4000:]
            print(f"FAILED {name}:\n{self.failures[name]}", flush=True)
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.monotonic() - began

    def report(self) -> dict[str, Any]:
        return {
            "seconds": round(time.monotonic() - self.started, 1),
            "examples": sum(self.runs.values()),
            "runs": self.runs,
            "seconds_per_property": {k: round(v, 1) for k, v in self.seconds.items()},
            "failures": self.failures,
        }


def run_machines(session: Session, seconds: float) -> None:
    """The state machines of tests/test_differential_state.py, each in turn for rounds of
    50 random programs, until ``seconds`` have passed; counted and reported as the properties
    are (``machine:<name>``)."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    import test_differential_state

    machines = [test_differential_state.PersonMachine, test_differential_state.PayrollMachine,
                test_differential_state.WordCountsMachine,
                test_differential_state.KeyValueStoreMachine,
                test_differential_state.EventStreamMachine]  # fmt: skip
    rounds = settings(max_examples=50, stateful_step_count=60, deadline=None,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for machine in machines:
            name = f"machine:{machine.__name__}"
            session.runs.setdefault(name, 0)
            if name in session.failures or time.monotonic() > deadline:
                continue
            began = time.monotonic()
            try:
                run_state_machine_as_test(machine, settings=rounds)
            except Exception:
                session.failures[name] = traceback.format_exc(limit=-3)[-4000:]
                print(f"FAILED {name}:\n{session.failures[name]}", flush=True)
            session.runs[name] += 50
            session.seconds[name] = session.seconds.get(name, 0.0) + time.monotonic() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--engine", choices=["auto", "atheris", "random"], default="auto")
    parser.add_argument("--only", help="run only the properties whose name contains this")
    parser.add_argument("--json", type=Path, help="write the summary here")
    parser.add_argument(
        "--machines",
        type=float,
        default=0.2,
        help="the share of the time for the state machines (not with --only)",
    )
    args = parser.parse_args()

    os.environ.setdefault("HYPOTHESIS_PROFILE", "fuzz")
    engine = args.engine
    if engine == "auto":
        try:
            import atheris

            engine = "atheris"
        except ImportError:
            engine = "random"
    tests = properties(args.only, instrument=engine == "atheris")
    warnings.simplefilter("error")  # as pytest's configuration makes every warning an error

    def finish() -> None:
        summary = session.report()
        for name in session.runs:
            mark = "FAILED" if name in session.failures else "ok"
            print(f"{session.runs[name]:>9} {mark:<6} {name}")
        print(f"{summary['examples']} examples in {summary['seconds']} s, engine {engine}, "
              f"{len(session.failures)} failing properties", flush=True)  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps({"engine": engine, **summary}, indent=2) + "\n")
        sys.stdout.flush()
        os._exit(1 if session.failures else 0)  # libFuzzer's loop has no clean way out

    machine_seconds = 0.0 if args.only else args.seconds * args.machines
    session = Session(tests, args.seconds - machine_seconds, finish)
    print(f"{len(tests)} properties, {args.seconds:g} s, engine {engine}", flush=True)
    if machine_seconds:
        run_machines(session, machine_seconds)
        session.started = time.monotonic()
        session.deadline = session.started + args.seconds - machine_seconds
    if engine == "atheris":
        import atheris

        # libFuzzer's own limit is a backstop: the session ends itself at its deadline
        artifacts = Path(tempfile.gettempdir()) / "ffibench-fuzz"
        artifacts.mkdir(exist_ok=True)
        flags = [
            f"-max_total_time={int(args.seconds) + 60}",
            "-rss_limit_mb=8192",
            f"-artifact_prefix={artifacts}/",  # libFuzzer's slow-unit files, not the tree
        ]
        atheris.Setup([sys.argv[0], *flags], session.one)
        atheris.Fuzz()
    generator = random.Random(0)
    while True:
        session.one(generator.randbytes(generator.randrange(2, 4096)))


if __name__ == "__main__":
    sys.exit(main())
