"""Scripted misbehaviour: what the next requests get instead of normal service.

A :class:`Fault` is a value; the server keeps a FIFO :class:`FaultQueue` of them and
takes one per request (any path) until the queue is empty, then serves normally again.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, Union

__all__ = ["Body", "Fault", "FaultKind", "FaultQueue"]

FaultKind = Literal["respond", "delay", "drop_connection", "drop_mid_body", "truncate_body"]

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
    * ``"drop_mid_body"``: send the real response's headers and the first half of its
      body, then reset the connection (the client sees a connection reset mid-body);
    * ``"truncate_body"``: send headers whose ``Content-Length`` claims the whole body,
      only ``keep`` bytes of it (default half), then close cleanly (an incomplete read).

    Any kind can also wait ``delay`` seconds before acting (see ``ImagesServer.delay``).
    """

    kind: FaultKind
    delay: float = 0.0
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    reset: bool = False
    keep: int | None = None

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

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> tuple[Fault, ...]:
        """The faults still queued, next first."""
        with self._lock:
            return tuple(self._faults)
