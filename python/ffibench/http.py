"""The http scenario's Rust server (axum over the Rust core), started in this process.

The API is the one of ``python/ffibench/web/openapi.json``, the same as the ``ffibench-server``
binary's and the Flask twin's (``ffibench.web``). The server runs on threads of its own, a
tokio runtime that never touches Python: requests are served while the interpreter does
anything else, GIL held or not.

>>> import json, urllib.request
>>> from ffibench.http import serve
>>> with serve() as server:
...     with urllib.request.urlopen(server.url + "/health") as answer:
...         json.load(answer)
{'status': 'ok'}
"""

from __future__ import annotations

from ffibench._native.http import Server

__all__ = ["Server", "serve"]


def serve(host: str = "127.0.0.1", port: int = 0, workers: int | None = None) -> Server:
    """Start the API on ``host:port`` and return its handle once it is listening.

    Parameters
    ----------
    host
        The address to bind: any the caller chooses (it is their server); the default is the
        loopback address. A name is resolved, and the first address that binds is used.
    port
        The port, from 0 to 65535; 0 lets the system pick a free one (``Server.port`` then
        tells which).
    workers
        The runtime's worker threads, from 1 to 1024; ``None`` for one per core.

    Returns
    -------
    Server
        ``url`` (``http://127.0.0.1:PORT``), ``host``, ``port``, ``running``, and ``stop()``:
        stop accepting, let requests in flight finish (10 s at most), end the runtime and
        join its threads, with the GIL released while it waits. ``stop()`` may be called
        again, or from another thread; a ``with`` block calls it on exit, and a server that
        is garbage-collected is stopped too.

    Raises
    ------
    TypeError
        ``host`` is not a str, ``port`` not an int, ``workers`` neither None nor an int.
    OverflowError
        ``port`` is outside 0 to 65535 (as for ``socket.bind``).
    ValueError
        ``workers`` is outside 1 to 1024, or ``host`` holds a NUL character.
    OSError
        The socket cannot be bound (the port is in use, the host does not resolve or is not
        this machine's), with the reason and, where there is one, the errno.

    Examples
    --------
    >>> server = serve(port=0, workers=2)
    >>> server.url == f"http://127.0.0.1:{server.port}"
    True
    >>> server.stop()
    >>> server.running
    False
    """
    return Server(host, port, workers)
