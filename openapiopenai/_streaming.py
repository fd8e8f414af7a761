"""Streamed responses: server-sent events parsed as bytes arrive, yielded as typed events.

:class:`ImageStream` is what ``create_image_stream`` and ``create_image_edit_stream``
return.  Iterate it for events; leaving a ``with`` block, closing it, or reaching the end
releases the connection.  An ``error`` event raises the exception its error maps to.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, Union, cast

from openapiopenai._redact import redact_bytes, redact_error, redact_text, scrub_response
from openapiopenai.configuration import DEFAULT_MAX_EVENT_BYTES
from openapiopenai.exceptions import (
    ApiException,
    ApiResponseTooLargeError,
    ApiResponseValidationError,
    exception_class_for,
)

if TYPE_CHECKING:
    from openapiopenai.models.image_stream_event import ImageStreamEvent
    from openapiopenai.models.image_stream_event_union import ImageStreamEventUnion
    from openapiopenai.rest import RESTResponse

__all__ = ["ImageStream", "ServerSentEvent", "event_class_for", "iter_sse"]


class ServerSentEvent:
    """One event of a ``text/event-stream``: its ``event`` name, joined ``data`` and ``id``.

    (A plain class: a named tuple costs every process's start to make.)
    """

    __slots__ = ("data", "event", "id")

    def __init__(self, event: Optional[str], data: str, id: Optional[str] = None) -> None:
        self.event = event
        self.data = data
        self.id = id

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.event, self.data, self.id) == (other.event, other.data, other.id)

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable


_LF = 0x0A
_CR = 0x0D
_COLON = 0x3A
#: A data line this long is handed over as the buffer it was read into, not copied.
_ADOPT = 1024 * 1024
#: What one read of a stream may return (it returns what has arrived, never waiting).
_READ_SIZE = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def _text(buf: bytearray, start: int, end: int) -> str:
    """``buf[start:end]`` decoded as UTF-8 (with replacement), without copying the bytes."""
    with memoryview(buf) as view, view[start:end] as part:
        return str(part, "utf-8", "replace")


class EventTooLargeError(ValueError):
    """An event (its data and the line being read) grew past the cap given to iter_sse."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(limit)

    def __str__(self) -> str:
        return f"an event is larger than the {self.limit} bytes cap"


def iter_sse(
    chunks: Iterable[bytes], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[ServerSentEvent]:
    """Parse server-sent events from ``chunks`` as they come (per the WHATWG rules).

    Lines end with LF, CRLF or a lone CR; a blank line dispatches the event, which is
    skipped when it has no ``data`` field; the last event is delivered when the chunks
    end even without its blank line.  The time taken is linear in the bytes.  An event
    whose size (its data so far plus the unfinished line) passes ``max_event_bytes``
    raises :class:`EventTooLargeError`.
    """
    for event, data, last_id in _raw_events(chunks, max_event_bytes):
        yield ServerSentEvent(event, data.decode("utf-8", "replace"), last_id)


if TYPE_CHECKING:  # annotations only: the alias costs a process's start to make
    #: One dispatched event: its name, its data (still UTF-8 bytes) and the last event id.
    _RawEvent = tuple[Optional[str], Union[bytes, bytearray], Optional[str]]


def _raw_events(chunks: Iterable[bytes], max_event_bytes: int) -> Iterator[_RawEvent]:
    """:func:`iter_sse` with each event's data left as bytes (for a JSON parser to read).

    The buffer is a ``bytearray`` appended to, and each byte is searched for each kind
    of line end once; what was read is dropped from its front (which moves no bytes).
    """
    buf = bytearray()
    scan = 0  # the start of the line being read
    # The next LF / CR at or after ``scan``, or -1 when there is none before *_seen.
    next_lf = next_cr = -1
    lf_seen = cr_seen = 0
    skip_lf = False  # the last line ended with a CR at the end of the data seen so far
    first = True
    event: Optional[str] = None
    data: list[Union[bytes, bytearray]] = []
    size = 0  # bytes of ``data`` so far
    last_id: Optional[str] = None
    # A final LF completes a last line the stream left unterminated; a blank line is
    # not needed, so the event under way is delivered too (after the loop).
    for chunk in itertools.chain(chunks, (b"\n",)):
        if not chunk:
            continue
        buf += chunk
        if first:
            if len(buf) < len(_BOM) and _BOM.startswith(buf):
                continue
            first = False
            if buf.startswith(_BOM):
                scan = len(_BOM)
        end = len(buf)
        while scan < end:
            if skip_lf:
                skip_lf = False
                if buf[scan] == _LF:
                    scan += 1
                    continue
            if next_lf < scan:
                next_lf = buf.find(b"\n", max(scan, lf_seen))
                lf_seen = end if next_lf == -1 else 0
            if next_cr < scan:
                next_cr = buf.find(b"\r", max(scan, cr_seen))
                cr_seen = end if next_cr == -1 else 0
            if next_cr != -1 and (next_lf == -1 or next_cr < next_lf):
                line_end = next_cr
                after = next_cr + 1
                if after == end:
                    skip_lf = True  # a CRLF cut between two chunks
                elif buf[after] == _LF:
                    after += 1
            elif next_lf != -1:
                line_end, after = next_lf, next_lf + 1
            else:
                break  # the line goes on in the next chunk
            if line_end == scan:  # a blank line: dispatch
                if data:
                    yield event, data[0] if len(data) == 1 else b"\n".join(data), last_id
                event, data, size = None, [], 0
            elif buf[scan] != _COLON:  # not a comment
                colon = buf.find(b":", scan, line_end)
                if colon == -1:
                    colon = start = line_end
                else:
                    start = colon + 2 if buf[colon + 1 : colon + 2] == b" " else colon + 1
                    start = min(start, line_end)
                name = buf[scan:colon] if colon - scan <= 5 else b""  # only short names count
                if name == b"data":
                    size += line_end - start + 1
                    if size > max_event_bytes:
                        raise EventTooLargeError(max_event_bytes)
                    if line_end - start >= _ADOPT:
                        # A long line (an image): the buffer itself becomes the data, saving
                        # a copy of it; what follows the line starts a new buffer.
                        tail = buf[after:]
                        del buf[line_end:]
                        del buf[:start]
                        data.append(buf)
                        buf, end, scan = tail, len(tail), 0
                        next_lf = next_cr = -1
                        lf_seen = cr_seen = 0
                        continue
                    with memoryview(buf) as view, view[start:line_end] as value:
                        data.append(bytes(value))
                elif name == b"event":
                    event = _text(buf, start, line_end)
                elif name == b"id":
                    new_id = _text(buf, start, line_end)
                    if "\0" not in new_id:
                        last_id = new_id
            scan = after
        if size + (end - scan) > max_event_bytes:
            raise EventTooLargeError(max_event_bytes)
        if scan:
            # Drop what was read (cheap: a bytearray moves its start), keeping positions.
            del buf[:scan]
            next_lf = next_lf - scan if next_lf >= scan else -1
            next_cr = next_cr - scan if next_cr >= scan else -1
            lf_seen = max(lf_seen - scan, 0)
            cr_seen = max(cr_seen - scan, 0)
            scan = 0
    if data:
        yield event, data[0] if len(data) == 1 else b"\n".join(data), last_id


class ImageStream:
    """An iterator of image stream events over one HTTP response.

    Use it in a ``with`` block (or call :meth:`close`) when you may stop early.
    """

    def __init__(
        self,
        response: RESTResponse,
        retries: int = 0,
        *,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        secrets: Sequence[str] = (),
    ) -> None:
        self.response: RESTResponse = response
        self.retries: int = retries
        self.max_event_bytes: int = max_event_bytes
        self._secrets = tuple(secrets)  # kept out of the exceptions raised for events
        self._events = self._iter_events()
        self._closed = False

    @property
    def status_code(self) -> int:
        return self.response.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.getheaders()

    @property
    def request_id(self) -> Optional[str]:
        return self.response.getheader("x-request-id")

    def __iter__(self) -> Iterator[ImageStreamEventUnion]:
        return self

    def __next__(self) -> ImageStreamEventUnion:
        """The next event: ``event.type`` narrows it to its class for a type checker.

        An event of a type this version does not know arrives as a plain
        ``ImageStreamEvent``, outside the union: it falls in the ``else`` of a ``type``
        comparison, so new kinds of events never break a stream.
        """
        return cast("ImageStreamEventUnion", next(self._events))

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
            for name, raw, last_id in self._raw_events():
                if raw == b"[DONE]":
                    break
                if not raw:
                    continue  # nothing to parse: "data:" alone, as a keep-alive
                fast = self._parse_typed(name, raw)
                if fast is not None:
                    yield fast
                    continue
                sse = ServerSentEvent(name, raw.decode("utf-8", "replace"), last_id)
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

    @staticmethod
    def _parse_typed(
        name: Optional[str], raw: Union[bytes, bytearray]
    ) -> Optional[ImageStreamEvent]:
        """The event straight from its JSON bytes, when its name is a known event type.

        pydantic reads the bytes and builds each string once (for an image event, the
        base64 is most of the bytes); ``None`` for anything else, or anything that does
        not validate, which the general path then parses (and reports) as before.
        """
        cls = _typed_events().get(name) if name else None
        if cls is None:
            return None
        try:
            event = cls.model_validate_json(raw)
        except ValueError:
            return None
        extra = event.model_extra or {}
        if "error" in extra and "type" not in event.model_fields_set:
            return None  # an error object under an event's name: the general path raises it
        return event

    def _raw_events(self) -> Iterator[_RawEvent]:
        try:
            yield from _raw_events(self.response.stream(_READ_SIZE), self.max_event_bytes)
        except EventTooLargeError as e:
            scrub_response(self.response, self._secrets)
            raise ApiResponseTooLargeError(
                self.response.status,
                self.response.reason,
                headers=self.response.getheaders(),
                message=(
                    f"a streamed event is larger than the {e.limit} bytes cap; raise"
                    " Configuration.max_event_bytes if it is expected"
                ),
                retries=self.retries,
            ) from None

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

        scrub_response(self.response, self._secrets)
        body = redact_bytes(json.dumps(payload).encode(), self._secrets)
        try:
            parsed: Any = ErrorResponse.model_validate(
                payload if "error" in payload else {"error": payload}
            )
        except ValueError:
            parsed = None
        parsed = redact_error(parsed, self._secrets)  # message, code, param, type
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
        scrub_response(self.response, self._secrets)
        return ApiResponseValidationError(
            self.response.status,
            self.response.reason,
            headers=self.response.getheaders(),
            message=redact_text(message, self._secrets),
            retries=self.retries,
        )


def event_class_for(event_type: str) -> type[ImageStreamEvent]:
    """The model for an event ``type`` (the generic one for types not known here)."""
    from openapiopenai.models.image_stream_event import ImageStreamEvent

    return _typed_events().get(event_type, ImageStreamEvent)


_TYPED_EVENTS: dict[str, type[ImageStreamEvent]] = {}


def _typed_events() -> dict[str, type[ImageStreamEvent]]:
    """The event types this version knows, by name (models imported on first use)."""
    if _TYPED_EVENTS:
        return _TYPED_EVENTS
    from openapiopenai.models.image_edit_completed_event import ImageEditCompletedEvent
    from openapiopenai.models.image_edit_partial_image_event import ImageEditPartialImageEvent
    from openapiopenai.models.image_gen_completed_event import ImageGenCompletedEvent
    from openapiopenai.models.image_gen_partial_image_event import ImageGenPartialImageEvent

    known: dict[str, type[ImageStreamEvent]] = {
        "image_generation.partial_image": ImageGenPartialImageEvent,
        "image_generation.completed": ImageGenCompletedEvent,
        "image_edit.partial_image": ImageEditPartialImageEvent,
        "image_edit.completed": ImageEditCompletedEvent,
    }
    _TYPED_EVENTS.update(known)
    return _TYPED_EVENTS


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
