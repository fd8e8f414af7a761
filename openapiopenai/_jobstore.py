"""The job file: one SQLite database per output directory, recording every request's state.

Each state change is one transaction, committed before the work it announces: a request
is recorded ``in_flight`` before it is sent, ``saving`` (with the names of its files and
the server's request id) once its images are in temporary files beside their final names,
and ``done`` once they have been moved into place.  A process killed at any point leaves a
file that says what may have been billed:

- ``in_flight`` found when a job is opened again means the request may have reached the
  server: it becomes ``unknown`` and is not sent again unless the caller asks;
- ``saving`` means it was answered and paid for: its files are finished from the
  temporary ones (or downloaded again from their URLs) and it becomes ``done``.

The database runs in WAL mode, so ``jobs status`` can read it while a job runs.  Only one
process may run a job at a time (:class:`JobLock`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Optional

from openapiopenai.exceptions import ApiValueError, OpenApiException

__all__ = [
    "JOB_FILE",
    "STATES",
    "JobLock",
    "JobLockedError",
    "JobStore",
    "StoredRequest",
    "canonical",
]

#: The job file's name inside the output directory.
JOB_FILE = "openapiopenai-job.sqlite3"
_LOCK_FILE = "openapiopenai-job.lock"
_SCHEMA_VERSION = 1

#: Every state a request can be in.
STATES = ("pending", "in_flight", "saving", "done", "failed", "unknown")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    operation TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('pending', 'in_flight', 'saving', 'done', 'failed', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    retriable INTEGER,
    error TEXT,
    request_id TEXT,
    files TEXT,
    urls TEXT,
    usage TEXT,
    batch_id TEXT,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS requests_by_state ON requests (state, seq);
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    input_file_id TEXT NOT NULL,
    status TEXT NOT NULL,
    output_file_id TEXT,
    error_file_id TEXT,
    output_done INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
"""


class JobLockedError(OpenApiException):
    """Another process is running the job in this directory."""


@dataclass(frozen=True)
class StoredRequest:
    """One request as the job file holds it."""

    id: str
    seq: int
    operation: str
    body: dict[str, Any]
    state: str
    attempts: int
    retriable: Optional[bool]
    error: Optional[str]
    request_id: Optional[str]
    files: tuple[str, ...]
    urls: tuple[Optional[str], ...]
    usage: Optional[dict[str, Any]]
    batch_id: Optional[str]

    @classmethod
    def _from_row(cls, row: sqlite3.Row) -> StoredRequest:
        return cls(
            id=row["id"],
            seq=row["seq"],
            operation=row["operation"],
            body=json.loads(row["body"]),
            state=row["state"],
            attempts=row["attempts"],
            retriable=None if row["retriable"] is None else bool(row["retriable"]),
            error=row["error"],
            request_id=row["request_id"],
            files=tuple(json.loads(row["files"])) if row["files"] else (),
            urls=tuple(json.loads(row["urls"])) if row["urls"] else (),
            usage=json.loads(row["usage"]) if row["usage"] else None,
            batch_id=row["batch_id"],
        )


class JobLock:
    """An exclusive lock on a job directory, held while a job runs there.

    The operating system drops it when the process ends, however it ends, so a job
    killed by SIGKILL leaves no stale lock behind.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / _LOCK_FILE
        self._fd: Optional[int] = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _try_lock(fd):
            os.close(fd)
            raise JobLockedError(
                f"another process is running the job in {str(self.path.parent)!r}"
                " (wait for it to finish, or stop it with 'openapiopenai jobs cancel')"
            )
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class JobStore:
    """The job file of one directory; safe to share between the threads of a job."""

    def __init__(self, directory: Path, *, create: bool = True) -> None:
        self.directory = directory
        self.path = directory / JOB_FILE
        if not create and not self.path.exists():
            raise FileNotFoundError(f"no job in {str(directory)!r} (no {JOB_FILE})")
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=30.0, isolation_level=None, check_same_thread=False
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed state survives a power cut too, not only a killed process.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", str(_SCHEMA_VERSION))
        elif version != str(_SCHEMA_VERSION):
            raise OpenApiException(
                f"{self.path}: job file of schema version {version}; this version of "
                f"openapiopenai reads version {_SCHEMA_VERSION}"
            )

    # -- plumbing ---------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self._lock)

    def get_meta(self, key: str) -> Optional[str]:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))

    # -- requests ---------------------------------------------------------------

    def add_requests(self, requests: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
        """Record ``(id, operation, body)`` requests not yet in the job; returns how many.

        A request whose id is already recorded must be the same request: a changed body
        under an old id is refused (its images would be saved under the old request's
        name).
        """
        added = 0
        with self._transaction() as db:
            row = db.execute("SELECT COALESCE(MAX(seq), -1) AS seq FROM requests").fetchone()
            seq = int(row["seq"]) + 1
            now = time.time()
            for request_id, operation, body in requests:
                text = canonical(body)
                found = db.execute(
                    "SELECT operation, body FROM requests WHERE id = ?", (request_id,)
                ).fetchone()
                if found is not None:
                    if found["operation"] != operation or found["body"] != text:
                        raise ApiValueError(
                            f"custom_id {request_id!r}: the job already has a different "
                            "request under this id; give the new request another custom_id"
                        )
                    continue
                db.execute(
                    "INSERT INTO requests (id, seq, operation, body, state, updated)"
                    " VALUES (?, ?, ?, ?, 'pending', ?)",
                    (request_id, seq, operation, text, now),
                )
                seq += 1
                added += 1
        return added

    def get(self, request_id: str) -> StoredRequest:
        with self._lock:
            row = self._db.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
        if row is None:
            raise KeyError(request_id)
        return StoredRequest._from_row(row)

    def ids_in(self, states: Sequence[str], *, retriable_only: bool = False) -> list[str]:
        """The ids of the requests in ``states``, in input order."""
        marks = ",".join("?" for _ in states)
        query = f"SELECT id, state, retriable FROM requests WHERE state IN ({marks}) ORDER BY seq"
        with self._lock:
            rows = self._db.execute(query, tuple(states)).fetchall()
        return [
            row["id"]
            for row in rows
            if not (retriable_only and row["state"] == "failed" and not row["retriable"])
        ]

    def iter_requests(
        self, states: Optional[Sequence[str]] = None, *, chunk: int = 500
    ) -> Iterator[StoredRequest]:
        """Every request (or those in ``states``), in input order, read ``chunk`` at a time."""
        last = -1
        where = ""
        params: tuple[Any, ...] = ()
        if states is not None:
            where = f" AND state IN ({','.join('?' for _ in states)})"
            params = tuple(states)
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT * FROM requests WHERE seq > ?{where} ORDER BY seq LIMIT ?",
                    (last, *params, chunk),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield StoredRequest._from_row(row)
            last = rows[-1]["seq"]

    def counts(self) -> dict[str, int]:
        """How many requests are in each state (every state listed)."""
        counts = dict.fromkeys(STATES, 0)
        with self._lock:
            for row in self._db.execute("SELECT state, COUNT(*) AS n FROM requests GROUP BY state"):
                counts[row["state"]] = int(row["n"])
        return counts

    def failed_counts(self) -> tuple[int, int]:
        """``(retriable, not retriable)`` among the failed requests."""
        with self._lock:
            row = self._db.execute(
                "SELECT COALESCE(SUM(retriable), 0) AS r, COUNT(*) AS n FROM requests"
                " WHERE state = 'failed'"
            ).fetchone()
        return int(row["r"]), int(row["n"]) - int(row["r"])

    def usage_totals(self) -> dict[str, int]:
        """The ``usage`` token counts of every done request, added up."""
        totals: dict[str, int] = {}
        with self._lock:
            rows = self._db.execute(
                "SELECT usage FROM requests WHERE state = 'done' AND usage IS NOT NULL"
            ).fetchall()
        for row in rows:
            for key, value in json.loads(row["usage"]).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    totals[key] = totals.get(key, 0) + value
        return totals

    def images_done(self) -> int:
        with self._lock:
            rows = self._db.execute(
                "SELECT files FROM requests WHERE state = 'done' AND files IS NOT NULL"
            ).fetchall()
        return sum(len(json.loads(row["files"])) for row in rows)

    # -- state changes (one transaction each) ----------------------------------

    def mark_in_flight(self, request_id: str, *, batch_id: Optional[str] = None) -> None:
        """Recorded before the request is sent."""
        with self._transaction() as db:
            db.execute(
                "UPDATE requests SET state = 'in_flight', attempts = attempts + 1,"
                " batch_id = COALESCE(?, batch_id), updated = ? WHERE id = ?",
                (batch_id, time.time(), request_id),
            )

    def mark_many_in_flight(self, request_ids: Sequence[str], batch_id: str) -> None:
        """A batch's requests, recorded with the batch's id in one transaction."""
        with self._transaction() as db:
            now = time.time()
            db.executemany(
                "UPDATE requests SET state = 'in_flight', attempts = attempts + 1,"
                " batch_id = ?, updated = ? WHERE id = ?",
                [(batch_id, now, request_id) for request_id in request_ids],
            )

    def mark_saving(
        self,
        request_id: str,
        *,
        files: Sequence[str],
        urls: Sequence[Optional[str]],
        response_id: Optional[str],
        usage: Optional[dict[str, Any]],
    ) -> None:
        """Recorded once the response is in: its images are paid for."""
        with self._transaction() as db:
            db.execute(
                "UPDATE requests SET state = 'saving', files = ?, urls = ?, request_id = ?,"
                " usage = ?, error = NULL, retriable = NULL, updated = ? WHERE id = ?",
                (
                    json.dumps(list(files)),
                    json.dumps(list(urls)),
                    response_id,
                    None if usage is None else json.dumps(usage),
                    time.time(),
                    request_id,
                ),
            )

    def mark_done(self, request_id: str) -> None:
        """Recorded once every image is in place."""
        self._set_state(request_id, "done")

    def mark_pending(self, request_id: str, error: Optional[str] = None) -> None:
        """Back in the queue: the attempt was refused before the server did any work."""
        with self._transaction() as db:
            db.execute(
                "UPDATE requests SET state = 'pending', error = ?, updated = ? WHERE id = ?",
                (error, time.time(), request_id),
            )

    def mark_failed(self, request_id: str, error: str, *, retriable: bool) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE requests SET state = 'failed', error = ?, retriable = ?, updated = ?"
                " WHERE id = ?",
                (error, int(retriable), time.time(), request_id),
            )

    def mark_unknown(self, request_id: str, error: str) -> None:
        """The request may have been billed, and its outcome is not known."""
        with self._transaction() as db:
            db.execute(
                "UPDATE requests SET state = 'unknown', error = ?, updated = ? WHERE id = ?",
                (error, time.time(), request_id),
            )

    def _set_state(self, request_id: str, state: str) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE requests SET state = ?, updated = ? WHERE id = ?",
                (state, time.time(), request_id),
            )

    def in_flight_to_unknown(self, reason: str, *, batched: Optional[bool] = None) -> int:
        """Requests a dead process left in flight: they may have been billed."""
        condition = ""
        if batched is True:
            condition = " AND batch_id IS NOT NULL"
        elif batched is False:
            condition = " AND batch_id IS NULL"
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE requests SET state = 'unknown', error = ?, updated = ?"
                f" WHERE state = 'in_flight'{condition}",
                (reason, time.time()),
            )
            return int(cursor.rowcount)

    # -- batches ------------------------------------------------------------------

    def add_batch(
        self, batch_id: str, input_file_id: str, status: str, *, mark: Optional[str] = None
    ) -> list[str]:
        """Record a batch (again is a no-op), and move the requests in flight under
        ``mark`` to it, in the same transaction; returns the ids moved."""
        now = time.time()
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO batches (id, input_file_id, status, created, updated)"
                " VALUES (?, ?, ?, ?, ?)",
                (batch_id, input_file_id, status, now, now),
            )
            if mark is None:
                return []
            rows = db.execute(
                "SELECT id FROM requests WHERE batch_id = ? AND state = 'in_flight' ORDER BY seq",
                (mark,),
            ).fetchall()
            db.execute(
                "UPDATE requests SET batch_id = ?, updated = ? WHERE batch_id = ?"
                " AND state = 'in_flight'",
                (batch_id, now, mark),
            )
        return [row["id"] for row in rows]

    def update_batch(
        self,
        batch_id: str,
        *,
        status: str,
        output_file_id: Optional[str] = None,
        error_file_id: Optional[str] = None,
        output_done: bool = False,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE batches SET status = ?, output_file_id = COALESCE(?, output_file_id),"
                " error_file_id = COALESCE(?, error_file_id),"
                " output_done = MAX(output_done, ?), updated = ? WHERE id = ?",
                (status, output_file_id, error_file_id, int(output_done), time.time(), batch_id),
            )

    def batches(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM batches ORDER BY created").fetchall()
        return [dict(row) for row in rows]

    def ids_of_batch(self, batch_id: str, states: Sequence[str]) -> list[str]:
        marks = ",".join("?" for _ in states)
        with self._lock:
            rows = self._db.execute(
                f"SELECT id FROM requests WHERE batch_id = ? AND state IN ({marks}) ORDER BY seq",
                (batch_id, *states),
            ).fetchall()
        return [row["id"] for row in rows]


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK``), under the store's thread lock."""

    def __init__(self, db: sqlite3.Connection, lock: threading.Lock) -> None:
        self._db = db
        self._lock = lock

    def __enter__(self) -> sqlite3.Connection:
        self._lock.acquire()
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._db

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        try:
            self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
        finally:
            self._lock.release()


def canonical(body: dict[str, Any]) -> str:
    """The text a request body is stored (and its id derived) as."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
