"""Processes that are always cleaned up: measuring workers, servers, load generators.

Every process the harness starts runs in its own process group (a new session), and every
wait on it is bounded. When the wait ends in a timeout, an exception or Ctrl-C, the whole
group is sent ``SIGTERM``, then ``SIGKILL`` after a grace period; after a normal exit the
group is swept with ``SIGKILL`` too, so that a grandchild a participant forgot to stop does not
outlive it. On Linux each child also asks the kernel for ``SIGTERM`` when its parent dies
(``PR_SET_PDEATHSIG``), so that even a ``SIGKILL`` of the harness leaves nothing behind.

Inside a worker, :func:`spawn` starts a participant's own subprocess (a server, a producer,
wrk) the same way, as a context manager whose exit stops the group; :func:`install_sigterm`
turns the harness's ``SIGTERM`` into an exception so that the worker's ``with`` blocks (the
participants' stop hooks) run.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from typing import Any

#: How long a group gets between SIGTERM and SIGKILL.
GRACE_S = 3.0
_PR_SET_PDEATHSIG = 1


class ProcessTimeout(RuntimeError):
    """A process ran past its time limit and was killed (its whole group)."""


def _find_prctl() -> Any:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once here: loading a library between fork and exec could deadlock on the loader's
# lock that another thread of the parent held at the fork.
_PRCTL = _find_prctl()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    os.setsid()
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)


def _signal_group(pgid: int, signum: int) -> bool:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member changed its credentials; nothing more we may do
        return False
    return True


def stop_group(process: subprocess.Popen[Any], grace_s: float = GRACE_S) -> None:
    """Stop ``process`` and everything in its process group: SIGTERM, wait, SIGKILL."""
    pgid = process.pid  # the child called setsid(): its group id is its pid
    if process.poll() is None and _signal_group(pgid, signal.SIGTERM):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    _signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)


def _start(command: Sequence[str], **popen: Any) -> subprocess.Popen[Any]:
    """``Popen(command)`` in a group of its own, dying with its parent; if the start is
    interrupted after the fork (Ctrl-C while ``Popen`` waits for the exec), the child is
    stopped before the exception goes on: ``Popen`` would raise without handing back the
    process, and the child would run on until this process dies."""
    process: subprocess.Popen[Any] = subprocess.Popen.__new__(subprocess.Popen)
    try:
        subprocess.Popen.__init__(
            process,
            list(command),
            preexec_fn=_die_with_parent,  # setsid and prctl only, before exec
            **popen,
        )
    except BaseException:
        if getattr(process, "pid", None) is not None:  # forked: stop what was started
            process.kill()  # the child itself: it may not have made its group yet
            stop_group(process)
        raise
    return process


def run(
    command: Sequence[str],
    timeout_s: float,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` to its end in its own process group, capturing its output.

    ``ProcessTimeout`` past ``timeout_s``; on any exception (Ctrl-C included) the group is
    stopped before the exception goes on. The group is swept after a normal exit too. The
    output goes to temporary files, not pipes, so that a grandchild that keeps them open
    cannot make the wait outlast the process.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = _start(
            command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, env=env, cwd=cwd
        )
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            stop_group(process)
            raise ProcessTimeout(f"killed after {timeout_s:.0f} s") from None
        except BaseException:
            stop_group(process)
            raise
        _signal_group(process.pid, signal.SIGKILL)
        stdout.seek(0)
        stderr.seek(0)
        return subprocess.CompletedProcess(
            process.args,
            process.returncode,
            stdout.read().decode(errors="replace"),
            stderr.read().decode(errors="replace"),
        )


@contextlib.contextmanager
def spawn(command: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """A participant's subprocess (a server, a producer, a load generator) for a ``with``
    block: in its own process group, dying with its parent, its group stopped on exit. Its
    standard output goes to ``/dev/null`` unless ``stdout`` says otherwise. Start it from the
    thread that lives as long as it should: the kernel's "parent died" signal follows the
    thread that started a child, not its process.

    Examples
    --------
    >>> with spawn(["sleep", "60"]) as child:
    ...     child.poll() is None
    True
    >>> child.poll() is not None
    True
    """
    popen.setdefault("stdin", subprocess.DEVNULL)
    popen.setdefault("stdout", subprocess.DEVNULL)
    process = _start(command, **popen)
    try:
        yield process
    finally:
        stop_group(process)


def wait_for_port(host: str, port: int, timeout_s: float = 10.0) -> None:
    """Wait until something accepts connections on ``host:port``; ``TimeoutError`` after
    ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"nothing listens on {host}:{port} after {timeout_s} s"
                ) from None
            time.sleep(0.05)


def install_sigterm() -> None:
    """Make SIGTERM raise ``SystemExit`` in the main thread, so ``with`` blocks exit cleanly."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
