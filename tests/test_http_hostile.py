"""Hostile requests found by review: each one once hung, crashed or split the servers.

The Flask app is reached through its test client and the Rust server in-process
(``ffibench.http.serve``): what is tested here is how each reads a body, not the HTTP servers
around them (``test_http_contract.py`` runs every real server).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

MALFORMED = {"error": "malformed_json", "message": "the body is not valid JSON"}


def test_an_unterminated_string_of_escaped_quotes_is_read_in_linear_time() -> None:
    """Over 100 brackets, then a string of ``\\"`` escapes that never ends: the depth count
    once skipped strings with a regex that, failing at every quote, rescanned to the end (an
    hour of CPU for a 1 MB body, a worker held). Run in a child with a bound far above the
    second it now takes, so that a regression fails instead of hanging the suite."""
    script = textwrap.dedent(
        """
        from ffibench.web.body import read_json
        from ffibench.web.errors import ApiError
        for tail in (b"", b"\\\\"):
            body = b"[" * 101 + b'"' + b'\\\\"' * 500_000 + tail
            try:
                read_json(body)
            except ApiError as error:
                print(error.status, error.body())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == [f"400 {MALFORMED}"] * 2
