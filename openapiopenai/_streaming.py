"""Streamed responses: server-sent events parsed as bytes arrive, yielded as typed events.

:class:`ImageStream` is what ``create_image_stream`` and ``create_image_edit_stream``
return.  Iterate it for events; leaving a ``with`` block, closing it, or reaching the end
releases the connection.  An ``error`` event raises the exception its error maps to.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional

from openapiopenai.exceptions import (
    ApiException,
    ApiResponseValidationError,
    exception_class_for,
)

if TYPE_CHECKING:
    from openapiopenai.models.image_stream_event import ImageStreamEvent
    from openapiopenai.rest import RESTResponse

__all__ = ["ImageStream", "ServerSentEvent", "event_class_for", "iter_sse"]


@dataclass(frozen=True)
class ServerSentEvent:
    """One event of a ``text/event-stream``: its ``event`` name and joined ``data``."""

    event: Optional[str]
    data: str
    id: Optional[str] = None


def iter_sse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Parse server-sent events from ``chunks`` as they come (per the WHATWG rules)."""
    buffer = b""
    event: Optional[str] = None
    data: list[str] = []
    last_id: Optional[str] = None
    for chunk in chunks:
        buffer += chunk
        while True:
            cut = _line_end(buffer)
            if cut is None:
                break
            end, after = cut
            line = buffer[:end].decode("utf-8", "replace")
            buffer = buffer[after:]
            if not line:
                if data or event is not None:
                    yield ServerSentEvent(event, "\n".join(data), last_id)
                event, data = None, []
                continue
            if line.startswith(":"):
                continue  # a comment (keep-alive)
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
            elif name == "id":
                last_id = value
    if data:
        yield ServerSentEvent(event, "\n".join(data), last_id)


def _line_end(buffer: bytes) -> Optional[tuple[int, int]]:
    """Where the first line of ``buffer`` ends and the next starts (CRLF, LF or CR)."""
    lf = buffer.find(b"\n")
    cr = buffer.find(b"\r")
    if cr == -1 and lf == -1:
        return None
    if cr == -1 or (lf != -1 and lf < cr):
        return lf, lf + 1
    if cr + 1 < len(buffer):
        return cr, cr + 2 if buffer[cr + 1 : cr + 2] == b"\n" else cr + 1
    # A CR at the very end may be the first half of CRLF: wait for more bytes.
    return None if lf == -1 else (lf, lf + 1)


class ImageStream:
    """An iterator of image stream events over one HTTP response.

    Use it in a ``with`` block (or call :meth:`close`) when you may stop early.
    """

    def __init__(self, response: RESTResponse, retries: int = 0) -> None:
        self.response = response
        self.retries = retries
        self._events = self._iter_events()
        self._closed = False

    @property
    def status_code(self) -> int:
        return self.response.status

    @property
    def headers(self) -> Any:
        return self.response.getheaders()

    @property
    def request_id(self) -> Optional[str]:
        return self.response.getheader("x-request-id")

    def __iter__(self) -> Iterator[ImageStreamEvent]:
        return self

    def __next__(self) -> ImageStreamEvent:
        return next(self._events)

    def __enter__(self) -> ImageStream:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and release the connection."""
        if not self._closed:
            self._closed = True
            self._events.close()
            self.response.close()

    def _iter_events(self) -> Generator[ImageStreamEvent, None, None]:
        try:
            for sse in iter_sse(self.response.stream()):
                if sse.data == "[DONE]":
                    break
                payload = self._payload(sse)
                kind = sse.event or str(payload.get("type", ""))
                if kind == "error" or ("error" in payload and "type" not in payload):
                    raise self._error(payload)
                try:
                    yield event_class_for(kind).model_validate({"type": kind, **payload})
                except ValueError as e:
                    raise self._invalid(f"a {kind!r} event did not match the spec: {e}") from None
        finally:
            self._closed = True
            self.response.close()

    def _payload(self, sse: ServerSentEvent) -> dict[str, Any]:
        try:
            payload = json.loads(sse.data)
        except ValueError:
            raise self._invalid(f"an event's data is not JSON: {sse.data[:80]!r}") from None
        if not isinstance(payload, dict):
            raise self._invalid(f"an event's data is not a JSON object: {sse.data[:80]!r}")
        return payload

    def _error(self, payload: dict[str, Any]) -> ApiException:
        from openapiopenai.models.error_response import ErrorResponse

        body = json.dumps(payload).encode()
        try:
            parsed: Any = ErrorResponse.model_validate(
                payload if "error" in payload else {"error": payload}
            )
        except ValueError:
            parsed = None
        kind = getattr(getattr(parsed, "error", None), "type", "") or ""
        status = _STATUS_BY_ERROR_TYPE.get(kind, 500)
        cls = exception_class_for(status, parsed)
        return cls(
            None,
            "error event in the stream",
            body=body,
            data=parsed,
            headers=self.response.getheaders(),
            retries=self.retries,
        )

    def _invalid(self, message: str) -> ApiResponseValidationError:
        return ApiResponseValidationError(
            self.response.status,
            self.response.reason,
            headers=self.response.getheaders(),
            message=message,
            retries=self.retries,
        )


def event_class_for(event_type: str) -> type[ImageStreamEvent]:
    """The model for an event ``type`` (the generic one for types not known here)."""
    from openapiopenai.models.image_edit_completed_event import ImageEditCompletedEvent
    from openapiopenai.models.image_edit_partial_image_event import ImageEditPartialImageEvent
    from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
    from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent
    from openapiopenai.models.image_stream_event import ImageStreamEvent

    known: dict[str, type[ImageStreamEvent]] = {
        "image_generation.partial_image": ImageGenPartialImageEvent,
        "image_generation.completed": ImageGenCompletedEvent,
        "image_edit.partial_image": ImageEditPartialImageEvent,
        "image_edit.completed": ImageEditCompletedEvent,
    }
    return known.get(event_type, ImageStreamEvent)


# A stream has already answered 200, so an error event carries no status of its own:
# its error type says which exception class fits.
_STATUS_BY_ERROR_TYPE = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "rate_limit_error": 429,
    "rate_limit_exceeded": 429,
    "server_error": 500,
}
