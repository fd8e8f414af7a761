"""The test server's Files API store: file bytes on disk, their metadata in memory."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Callable, Union

__all__ = ["FileStore", "StoredFile"]

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """One uploaded (or generated) file: its metadata and where its bytes are."""

    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    path: str
    expires_at: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``OpenAIFile`` object the API answers with."""
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }


class FileStore:
    """Thread-safe files, kept in a temporary directory until :meth:`close`."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._dir: str | None = None
        self._files: dict[str, StoredFile] = {}
        self._order: list[str] = []
        self._lock = threading.Lock()

    def _directory(self) -> str:
        with self._lock:
            if self._dir is None:
                self._dir = tempfile.mkdtemp(prefix="openapiopenai-files-")
            return self._dir

    def put(
        self,
        content: Union[bytes, Iterable[bytes]],
        filename: str,
        purpose: str,
        expires_after: int | None = None,
    ) -> StoredFile:
        """Store ``content`` (bytes or chunks) as a new file; returns its record."""
        file_id = f"file-{secrets.token_hex(12)}"
        path = os.path.join(self._directory(), file_id)
        size = 0
        with open(path, "wb") as out:
            for chunk in [content] if isinstance(content, (bytes, bytearray)) else content:
                out.write(chunk)
                size += len(chunk)
        now = int(self._clock())
        expires_at = now + expires_after if expires_after is not None else None
        stored = StoredFile(file_id, filename, purpose, size, now, path, expires_at)
        with self._lock:
            self._files[file_id] = stored
            self._order.append(file_id)
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def read(self, file_id: str) -> bytes | None:
        """The whole content (for the server's own use on small files)."""
        stored = self.get(file_id)
        if stored is None:
            return None
        with open(stored.path, "rb") as f:
            return f.read()

    def chunks(self, stored: StoredFile) -> Iterator[bytes]:
        """The content of ``stored`` in blocks, read as they are sent."""
        with open(stored.path, "rb") as f:
            while True:
                block = f.read(_CHUNK)
                if not block:
                    return
                yield block

    def delete(self, file_id: str) -> bool:
        with self._lock:
            stored = self._files.pop(file_id, None)
            if stored is None:
                return False
            self._order.remove(file_id)
        with contextlib.suppress(OSError):
            os.unlink(stored.path)
        return True

    def rename(self, file_id: str, filename: str) -> None:
        with self._lock:
            self._files[file_id] = replace(self._files[file_id], filename=filename)

    def listing(self, purpose: str | None, ascending: bool) -> list[StoredFile]:
        """Every file (with ``purpose``, if given), oldest first when ``ascending``."""
        with self._lock:
            files = [self._files[i] for i in self._order]
        if purpose is not None:
            files = [f for f in files if f.purpose == purpose]
        return files if ascending else files[::-1]

    def close(self) -> None:
        """Remove every file from disk."""
        with self._lock:
            directory, self._dir = self._dir, None
            self._files.clear()
            self._order.clear()
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
