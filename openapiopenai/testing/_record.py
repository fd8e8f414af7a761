"""What the server received: one :class:`RecordedRequest` per request, keys masked."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from openapiopenai.testing._faults import Fault
from openapiopenai.testing._multipart import Part

__all__ = ["Headers", "RecordedRequest", "RequestLog", "mask_api_key", "mask_headers"]

# Headers that carry credentials; their values never reach the record.
_SECRET_HEADERS = frozenset(("authorization", "proxy-authorization", "api-key", "x-api-key"))


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive header mapping; repeated headers are joined with ", "."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items = tuple(items)
        merged: dict[str, tuple[str, str]] = {}
        for name, value in self._items:
            key = name.lower()
            if key in merged:
                merged[key] = (merged[key][0], f"{merged[key][1]}, {value}")
            else:
                merged[key] = (name, value)
        self._merged = merged

    def __getitem__(self, name: str) -> str:
        return self._merged[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._merged

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._merged.values())

    def __len__(self) -> int:
        return len(self._merged)

    def raw(self) -> tuple[tuple[str, str], ...]:
        """Every header line as received, in order."""
        return self._items

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


def mask_api_key(key: str) -> str:
    """A key as it may appear in logs: ``sk-...wxyz`` for long keys, ``***`` otherwise."""
    return f"{key[:3]}...{key[-4:]}" if len(key) >= 12 else "***"


def _mask_value(name: str, value: str) -> str:
    if name.lower() in ("authorization", "proxy-authorization"):
        scheme, _, credentials = value.partition(" ")
        if credentials:
            return f"{scheme} {mask_api_key(credentials.strip())}"
    return mask_api_key(value)


def mask_headers(headers: Headers) -> Headers:
    """``headers`` with credential values masked by :func:`mask_api_key`."""
    return Headers(
        (name, _mask_value(name, value) if name.lower() in _SECRET_HEADERS else value)
        for name, value in headers.raw()
    )


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it, and what it did about it.

    Recorded before the response (or fault) is sent, so a client that has seen the
    response, or has given up on it, always finds its attempt in ``ImagesServer.requests``.
    """

    #: Position in the log, from 0.
    index: int
    method: str
    #: The path without the query string, e.g. ``/v1/images/generations``.
    path: str
    #: The raw query string, "" when there is none.
    query: str
    #: Request headers, credentials masked (see :func:`mask_api_key`).
    headers: Headers
    body: bytes = field(repr=False)
    #: The parsed JSON body, or ``None`` when the body was not (valid) JSON.
    json: Any
    #: The multipart/form-data parts in order; empty when the body was not a form.
    form: tuple[Part, ...]
    #: The status of the response chosen: sent (in part, for a cut body) unless the client
    #: left or ``stop()`` came first during a delay; ``None`` when no response was due.
    status: int | None
    #: The error object of an API error response (``{"message", "type", "param", "code"}``),
    #: or of the ``error`` event a ``stream_error`` fault put into a streamed response.
    error: Mapping[str, Any] | None
    #: The scripted fault applied to this request, ``None`` when it was served normally.
    fault: Fault | None
    #: The ``x-request-id`` sent, ``None`` when no response was sent.
    request_id: str | None
    #: Server clock (``clock()``) when the request had been read.
    received_at: float

    @property
    def fields(self) -> dict[str, str]:
        """The form's text fields (undecodable bytes replaced)."""
        return {
            part.name: part.data.decode("utf-8", "replace")
            for part in self.form
            if part.filename is None
        }

    @property
    def files(self) -> dict[str, Part]:
        """The form's file parts by field name (the first one of a repeated name).

        Several images of an edit arrive as repeated ``image[]`` parts: see
        :meth:`file_parts` for all of them.
        """
        files: dict[str, Part] = {}
        for part in self.form:
            if part.filename is not None:
                files.setdefault(part.name, part)
        return files

    def file_parts(self, name: str | None = None) -> list[Part]:
        """The form's file parts in order, all of them or those named ``name``.

        ``record.file_parts("image[]")`` lists the images of a multi-image edit.
        """
        return [
            part
            for part in self.form
            if part.filename is not None and (name is None or part.name == name)
        ]

    @property
    def faulted(self) -> bool:
        """Whether a scripted fault was applied."""
        return self.fault is not None


class RequestLog:
    """Thread-safe, append-only list of :class:`RecordedRequest`."""

    def __init__(self) -> None:
        self._entries: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def append(self, entry: RecordedRequest) -> RecordedRequest:
        """Add ``entry`` with its ``index`` set to its position; return what was stored."""
        with self._lock:
            entry = replace(entry, index=len(self._entries))
            self._entries.append(entry)
            return entry

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
