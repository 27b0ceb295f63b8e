"""A participant's lifecycle is always cleaned up: a start hook that raises, a measurement
that hangs past its timeout, and Ctrl-C during a load run each leave no process and no
listening port behind.

Every test runs ``ffibench run`` as a real subprocess with a unique marker in its environment;
everything it starts inherits the marker, so "nothing left" is "no process whose environment
holds the marker" (read from /proc), and "no port" is "the port the lifecycle bound is not
listening" (read from /proc/net/tcp).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ffibench.harness import processes
from ffibench.scenarios import Anchor, Bounded, Load, Operation, Scenario

HERE = Path(__file__).resolve().parent


def _port_file(port: int) -> None:
    directory = os.environ.get("FFIBENCH_TEST_PORTS")
    if directory:
        (Path(directory) / f"{os.getpid()}-{port}").write_text(str(port))


@contextlib.contextmanager
def _everything_started() -> Iterator[None]:
    """What a careless start hook leaves running: a listening socket, a subprocess started
    with the harness's helper, one started by hand, and a thread that never ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    _port_file(listener.getsockname()[1])
    subprocess.Popen(["sleep", "300"])
    threading.Thread(target=threading.Event().wait, name="forgotten").start()
    with processes.spawn(["sleep", "300"]):
        yield


@contextlib.contextmanager
def failing_start(function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[None]:
    with _everything_started():
        raise RuntimeError("the server could not start")
    yield  # pragma: no cover


@contextlib.contextmanager
def hanging(function: Callable[..., Any], args: tuple[Any, ...]) -> Iterator[None]:
    with _everything_started():
        yield


def sleep_forever(subject: object, duration_s: float) -> list[float]:
    time.sleep(3600)
    return []  # pragma: no cover


@contextlib.contextmanager
def serving(function: Callable[[str], bytes], args: tuple[Any, ...]) -> Iterator[str]:
    from test_kinds import serving as serve

    with _everything_started(), serve(function, args) as url:
        _port_file(int(url.rsplit(":", 1)[1]))
        yield url


def answer(path: str) -> bytes:
    return b"{}"


SCENARIO = Scenario(
    name="lifecycle",
    title="Lifecycles that go wrong",
    question="Is everything stopped whatever happens?",
    module="test_lifecycle",
    backends=(),
    operations=(
        Operation(
            "start_fails",
            "a start hook that raises after starting things",
            make_args=lambda size: ("/",),
            function="answer",
            kind="latency",
            bounded=Bounded(drive=sleep_forever, quick_repetitions=1),
            lifecycle=failing_start,
            timeout_s=30,
        ),
        Operation(
            "hangs",
            "a run that never ends",
            make_args=lambda size: ("/",),
            function="answer",
            kind="latency",
            bounded=Bounded(drive=sleep_forever, quick_repetitions=1),
            lifecycle=hanging,
            timeout_s=4,
        ),
        Operation(
            "serves",
            "a server under wrk for a minute: long enough to be interrupted",
            make_args=lambda size: ("/",),
            function="answer",
            kind="load",
            load=Load(path="/hello", connections=2, quick_duration_s=60, quick_repetitions=1),
            lifecycle=serving,
        ),
    ),
    anchors=(
        Anchor(
            "python", "the reference", {"start_fails": answer, "hangs": answer, "serves": answer}
        ),
    ),
)


def _marked(marker: str) -> list[int]:
    """Processes whose environment holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
    return found


def _listening(port: int) -> bool:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    return True
    return False


def _nothing_left(marker: str, ports: Path) -> list[int]:
    bound = [int(path.read_text()) for path in ports.iterdir()]
    assert bound, "the lifecycle never started"
    deadline = time.monotonic() + 10
    while (_marked(marker) or any(map(_listening, bound))) and time.monotonic() < deadline:
        time.sleep(0.1)  # a killed process takes a moment to go
    assert _marked(marker) == [], "processes left behind"
    assert not any(map(_listening, bound)), "a port left listening"
    return bound


def _start(tmp_path: Path, operation: str) -> tuple[subprocess.Popen[str], str, Path, Path]:
    marker = f"FFIBENCH_TEST_MARKER={uuid.uuid4()}"
    ports = tmp_path / "ports"
    ports.mkdir()
    output = tmp_path / "results.json"
    env = dict(os.environ, PYTHONPATH=str(HERE), FFIBENCH_TEST_PORTS=str(ports))
    env["FFIBENCH_TEST_MARKER"] = marker.split("=", 1)[1]
    command = [sys.executable, "-m", "ffibench", "run", "--quick", "--scenario",
               "test_lifecycle:SCENARIO", "--operation", operation, "-o", str(output)]  # fmt: skip
    # Ctrl-C as a terminal delivers it: a suite started in the background by a non-interactive
    # shell inherits SIGINT ignored, and Python then keeps ignoring it in the child.
    child = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )  # fmt: skip
    return child, marker, ports, output


def _only_result(output: Path) -> dict[str, Any]:
    [result] = json.loads(output.read_text())["results"]
    return result


@pytest.mark.slow
def test_a_start_hook_that_raises_leaves_nothing(tmp_path: Path) -> None:
    child, marker, ports, output = _start(tmp_path, "start_fails")
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr
    result = _only_result(output)
    assert result["status"] == "error"
    assert "RuntimeError: the server could not start" in result["message"]
    _nothing_left(marker, ports)


@pytest.mark.slow
def test_a_measurement_past_its_timeout_is_killed_and_leaves_nothing(tmp_path: Path) -> None:
    child, marker, ports, output = _start(tmp_path, "hangs")
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr
    result = _only_result(output)
    assert result["status"] == "error" and "killed after 4 s" in result["message"], result
    _nothing_left(marker, ports)


@pytest.mark.slow
@pytest.mark.skipif(
    __import__("shutil").which("wrk") is None, reason="wrk is not installed (make system-deps)"
)
def test_ctrl_c_during_a_load_run_leaves_nothing_and_keeps_the_results(tmp_path: Path) -> None:
    child, marker, ports, output = _start(tmp_path, "serves")
    deadline = time.monotonic() + 60
    while len(list(ports.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(ports.iterdir())) == 2, "the server did not start"
    time.sleep(1.0)  # wrk is loading the server now
    assert len(_marked(marker)) >= 4  # ffibench, its worker, the helper's sleep, wrk at least
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    document = json.loads(output.read_text())
    assert document["meta"]["interrupted"] is True and document["meta"]["duration_s"] > 0
    _nothing_left(marker, ports)
