"""Scripted misbehaviour: what the next requests get instead of normal service.

A :class:`Fault` is a value; the server keeps a FIFO :class:`FaultQueue` of them and
takes one per request (any path) until the queue is empty, then serves normally again.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Literal, Union

__all__ = ["Body", "Fault", "FaultKind", "FaultQueue"]

FaultKind = Literal[
    "respond",
    "delay",
    "drop_connection",
    "drop_during_upload",
    "drop_mid_body",
    "truncate_body",
    "hold_stream",
    "stream_error",
]

#: A response body: bytes as they are, text as UTF-8, a mapping as JSON.
Body = Union[bytes, str, Mapping[str, Any]]


def encode_body(body: Body) -> tuple[bytes, str]:
    """Body bytes and their default ``Content-Type``."""
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode("utf-8"), "text/plain; charset=utf-8"
    return json.dumps(body).encode("utf-8"), "application/json"


@dataclass(frozen=True)
class Fault:
    """One scripted response; build them with the class methods.

    ``kind`` says what happens:

    * ``"respond"``: send ``status`` with ``body`` and ``headers`` instead of the real answer;
    * ``"delay"``: wait ``delay`` seconds, then serve normally;
    * ``"drop_connection"``: read the request, then close without sending a byte
      (a TCP reset instead of a clean close with ``reset``);
    * ``"drop_during_upload"``: read the request line and headers only, then reset the
      connection while the client is still sending the body (it acts before the body is
      read, so even a body too large for a 413 is cut);
    * ``"drop_mid_body"``: send the real response's headers and the first half of its
      body, then reset the connection (the client sees a connection reset mid-body); a
      streamed response is cut after half its events;
    * ``"truncate_body"``: send headers whose ``Content-Length`` claims the whole body,
      only ``keep`` bytes of it (default half), then close cleanly (an incomplete read);
      a streamed response ends after half its events without the final chunk;
    * ``"hold_stream"``: serve normally, but pause a streamed response after
      ``after_events`` events until ``release`` is set (or the server stops);
    * ``"stream_error"``: serve normally, but end a streamed response after
      ``after_events`` events with an ``error`` event carrying ``error``.

    The stream kinds leave a response that is not streamed as it is. Any kind can also
    wait ``delay`` seconds before acting (see ``ImagesServer.delay``).
    """

    kind: FaultKind
    delay: float = 0.0
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    reset: bool = False
    keep: int | None = None
    #: Stream kinds: how many events are sent before the pause or the error.
    after_events: int = 0
    #: ``hold_stream``: the event that lets the rest of the stream through.
    release: threading.Event | None = field(default=None, compare=False, repr=False)
    #: ``stream_error``: the error object's members (``type``, ``code``, ``message``, ``param``).
    error: tuple[tuple[str, str | None], ...] = ()

    @classmethod
    def respond(
        cls, status: int, body: Body = b"", headers: Mapping[str, str] | None = None
    ) -> Fault:
        """Answer with ``status``, ``body`` and extra ``headers`` (they override defaults)."""
        data, content_type = encode_body(body)
        return cls(
            "respond",
            status=status,
            body=data,
            content_type=content_type,
            headers=tuple((headers or {}).items()),
        )

    @classmethod
    def normal(cls, delay: float = 0.0) -> Fault:
        """Serve normally after ``delay`` seconds."""
        return cls("delay", delay=delay)

    @classmethod
    def drop_connection(cls, *, reset: bool = False) -> Fault:
        """Close the connection after reading the request, before any response byte."""
        return cls("drop_connection", reset=reset)

    @classmethod
    def drop_mid_body(cls) -> Fault:
        """Send the headers and part of the body, then reset the connection."""
        return cls("drop_mid_body")

    @classmethod
    def truncate_body(
        cls,
        body: Body | None = None,
        *,
        status: int = 200,
        keep: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Claim the full length but send only ``keep`` bytes of the body, then close.

        Without ``body`` the real response is cut; otherwise ``status`` with ``body``.
        """
        if body is None:
            return cls("truncate_body", keep=keep)
        data, content_type = encode_body(body)
        if len(data) < 1:
            raise ValueError("truncate_body needs a non-empty body to cut")
        return cls(
            "truncate_body",
            status=status,
            body=data,
            content_type=content_type,
            headers=tuple((headers or {}).items()),
            keep=keep,
        )

    @classmethod
    def drop_during_upload(cls) -> Fault:
        """Reset the connection after the request headers, before reading the body."""
        return cls("drop_during_upload", reset=True)

    @classmethod
    def hold_stream(cls, release: threading.Event, *, after_events: int = 1) -> Fault:
        """Pause a streamed response after ``after_events`` events until ``release`` is set."""
        if after_events < 0:
            raise ValueError("after_events cannot be negative")
        return cls("hold_stream", after_events=after_events, release=release)

    @classmethod
    def stream_error(
        cls,
        code: str | None = "server_error",
        message: str = "The server had an error while processing your request.",
        *,
        after_events: int = 1,
        type: str = "invalid_request_error",
        param: str | None = None,
    ) -> Fault:
        """End a streamed response after ``after_events`` events with an ``error`` event."""
        if after_events < 0:
            raise ValueError("after_events cannot be negative")
        error = (("type", type), ("code", code), ("message", message), ("param", param))
        return cls("stream_error", after_events=after_events, error=error)

    @property
    def error_object(self) -> dict[str, str | None] | None:
        """``stream_error``: the ``error`` member of the error event's data."""
        return dict(self.error) if self.error else None

    def after(self, seconds: float) -> Fault:
        """This fault, acting only after ``seconds`` more."""
        if seconds < 0:
            raise ValueError("a delay cannot be negative")
        return replace(self, delay=self.delay + seconds)


class FaultQueue:
    """A thread-safe FIFO of faults, one taken per request."""

    def __init__(self) -> None:
        self._faults: collections.deque[Fault] = collections.deque()
        self._lock = threading.Lock()

    def push(self, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` requests (after those already queued)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.extend([fault] * times)

    def pop(self) -> Fault | None:
        """The fault for the request being handled, or ``None`` for normal service."""
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def pop_if(self, wanted: Callable[[Fault], bool]) -> Fault | None:
        """The next fault if it is ``wanted`` (then taken off the queue), else ``None``."""
        with self._lock:
            if self._faults and wanted(self._faults[0]):
                return self._faults.popleft()
            return None

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> tuple[Fault, ...]:
        """The faults still queued, next first."""
        with self._lock:
            return tuple(self._faults)
