"""The people store of the Flask app: shared by every worker of a server, as the contract says.

One process (the werkzeug development server, threaded) shares a dict behind a lock. Worker
processes (gunicorn, granian) share nothing, so the launchers point ``FFIBENCH_WEB_STORE`` at a
file and every worker opens the same SQLite database there: write-ahead logging, so readers
never wait for the writer; one connection per thread and process (a connection may not cross
a fork, nor, in Python's ``sqlite3``, a thread); each write in one ``BEGIN IMMEDIATE``
transaction, acknowledged only after its commit. ``synchronous = NORMAL``: a commit survives
the crash of any process, not a power cut, which is what a benchmark's store needs.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import threading
from collections.abc import Iterator
from typing import Protocol

from ffibench.web.errors import STORE_CAPACITY

__all__ = ["STORE_ENVIRON", "MemoryStore", "SqliteStore", "Store", "StoreFull", "open_store"]

#: The environment variable that names the SQLite file of a multi-process server.
STORE_ENVIRON = "FFIBENCH_WEB_STORE"

#: A stored person: name, age, salary.
Record = tuple[str, int, float]


class StoreFull(Exception):
    """A new id while the store holds its capacity."""


class Store(Protocol):
    """What the routes need of a store."""

    def get(self, person_id: int) -> Record | None:
        """The person under ``person_id``, or ``None``."""

    def put(self, person_id: int, record: Record) -> bool:
        """Store ``record`` under ``person_id``; ``True`` when the id was new. ``StoreFull``
        for a new id when the store is full."""

    def delete(self, person_id: int) -> bool:
        """Remove the person under ``person_id``; ``True`` when there was one."""


class MemoryStore:
    """A dict behind a lock: the store of a server that is one process.

    Examples
    --------
    >>> store = MemoryStore(capacity=1)
    >>> store.put(7, ("Ada", 36, 5200.0)), store.put(7, ("Ada", 37, 5200.0)), store.get(7)
    (True, False, ('Ada', 37, 5200.0))
    >>> store.put(8, ("Alan", 41, 1.0))
    Traceback (most recent call last):
    ...
    ffibench.web.store.StoreFull: the store holds 1 people
    """

    def __init__(self, capacity: int = STORE_CAPACITY) -> None:
        self.capacity = capacity
        self._people: dict[int, Record] = {}
        self._lock = threading.Lock()

    def get(self, person_id: int) -> Record | None:
        with self._lock:
            return self._people.get(person_id)

    def put(self, person_id: int, record: Record) -> bool:
        with self._lock:
            new = person_id not in self._people
            if new and len(self._people) >= self.capacity:
                raise StoreFull(f"the store holds {self.capacity} people")
            self._people[person_id] = record
            return new

    def delete(self, person_id: int) -> bool:
        with self._lock:
            return self._people.pop(person_id, None) is not None


# The count is kept by triggers, so that a write of a new id does not count 100000 rows.
# The salary is its float64's 8 bytes: SQLite stores a REAL that is a whole number as an
# integer, and -0.0 came back as 0.0 (axum's store and the dict keep the sign).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER NOT NULL, salary BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS people_count (n INTEGER NOT NULL);
INSERT INTO people_count (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM people_count);
CREATE TRIGGER IF NOT EXISTS people_added AFTER INSERT ON people
    BEGIN UPDATE people_count SET n = n + 1; END;
CREATE TRIGGER IF NOT EXISTS people_removed AFTER DELETE ON people
    BEGIN UPDATE people_count SET n = n - 1; END;
"""
#: How a salary is stored: a float64's bytes, exactly (the sign of -0.0 included).
_SALARY = struct.Struct("<d")


def _row(record: Record) -> tuple[str, int, bytes]:
    name, age, salary = record
    return name, age, _SALARY.pack(salary)


#: How long a connection waits for another process's write lock before it gives up.
_BUSY_TIMEOUT_S = 30.0


class SqliteStore:
    """An SQLite database in WAL mode: the store that worker processes share.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = SqliteStore(str(pathlib.Path(folder) / "people.db"), capacity=1)
    ...     created = store.put(7, ("Ada", 36, 5200.0))
    ...     print(created, store.get(7), store.delete(7), store.get(7))
    ...     store.close()
    True ('Ada', 36, 5200.0) True None
    """

    def __init__(self, path: str, capacity: int = STORE_CAPACITY) -> None:
        self.path = path
        self.capacity = capacity
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():  # first use in this thread, or a fork
            connection = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            try:  # one transaction, so that workers starting together create it once
                connection.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            local.connection, local.pid = connection, os.getpid()
        connection = local.connection
        assert isinstance(connection, sqlite3.Connection)
        return connection

    def get(self, person_id: int) -> Record | None:
        row = (
            self._connection()
            .execute("SELECT name, age, salary FROM people WHERE id = ?", (person_id,))
            .fetchone()
        )
        return None if row is None else (row[0], row[1], _SALARY.unpack(row[2])[0])

    def put(self, person_id: int, record: Record) -> bool:
        connection = self._connection()
        with _transaction(connection):
            found = connection.execute("SELECT 1 FROM people WHERE id = ?", (person_id,))
            if found.fetchone() is not None:
                connection.execute(
                    "UPDATE people SET name = ?, age = ?, salary = ? WHERE id = ?",
                    (*_row(record), person_id),
                )
                return False
            (count,) = connection.execute("SELECT n FROM people_count").fetchone()
            if count >= self.capacity:
                raise StoreFull(f"the store holds {self.capacity} people")
            connection.execute(
                "INSERT INTO people (id, name, age, salary) VALUES (?, ?, ?, ?)",
                (person_id, *_row(record)),
            )
            return True

    def delete(self, person_id: int) -> bool:
        connection = self._connection()
        with _transaction(connection):
            removed = connection.execute("DELETE FROM people WHERE id = ?", (person_id,))
            return removed.rowcount > 0

    def close(self) -> None:
        """Close this thread's connection (the others close when their threads end)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            connection.close()
        self._local = threading.local()


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` (the write lock at once, so that two writers never deadlock each
    upgrading a read lock), then ``COMMIT``, or ``ROLLBACK`` when the block raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def open_store(environ: dict[str, str] | None = None) -> Store:
    """The store a server's app uses: SQLite at ``$FFIBENCH_WEB_STORE`` when it is set (a
    server of several processes), else a dict in this process."""
    path = (os.environ if environ is None else environ).get(STORE_ENVIRON)
    return SqliteStore(path) if path else MemoryStore()
