"""Run ``ffibench.http.serve()`` (axum in this Python process) until SIGTERM or SIGINT.

``python -m ffibench.web.inprocess [--port 0] [--workers N]`` prints the line the Rust binary
prints, ``listening on http://127.0.0.1:PORT``, so that one launcher reads both
(:mod:`ffibench.web.servers`, server ``axum:inprocess``), then waits for a signal and stops the
server gracefully (in-flight requests finish) before it exits 0.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ffibench.web.inprocess", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="0: any free port (default)")
    parser.add_argument("--workers", type=int, default=None, help="the runtime's threads")
    arguments = parser.parse_args(argv)

    import ffibench.http

    # Blocked before the server starts, so that its runtime's threads inherit the mask and
    # the signal waits for sigwait in this thread instead of killing the process.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    with ffibench.http.serve("127.0.0.1", arguments.port, workers=arguments.workers) as server:
        print(f"listening on {server.url}", flush=True)
        signal.sigwait(_STOP_SIGNALS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
