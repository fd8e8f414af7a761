"""Long JSON strings of a response body, kept as spans of the body until someone reads them.

A ten-image ``b64_json`` response is about 20 MB of JSON, nearly all of it base64 text.
Turning that text into ``str`` objects costs a copy of every byte into freshly mapped
memory, and most callers only ever decode the images to bytes.  So for a large body the
client first cuts the long ``"b64_json"`` strings out (:func:`split_long_strings`, which
only looks for quotes, with ``bytes.find``), lets pydantic parse what is left (a few
hundred bytes) and puts a :class:`LazyText` in each image's place: a view of the span in
the body that becomes a real ``str`` the first time ``Image.b64_json`` is read, and that
``Image.to_bytes()`` / ``save()`` decode straight from the body, never building the string.

The rest of the document is parsed and validated as usual.  A span's own text is checked
when it is used: decoding it as base64 is strict, and reading it as a string decodes it as
a JSON string would be (escapes included; invalid UTF-8 or escapes raise
``ApiResponseValidationError`` then).  Raw control characters, which JSON forbids inside
strings, are not looked for: that would cost more than building the string.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import ClassVar, Optional

from openapiopenai.exceptions import ApiResponseValidationError

__all__ = ["LazyText", "split_long_strings"]

#: Bodies shorter than this are parsed as they are: below it, cutting gains nothing.
MIN_BODY = 256 * 1024
#: Strings shorter than this stay in the parsed document.
MIN_STRING = 16 * 1024
#: Quotes the scan may look at (two a string, more when escaped): an images response has a
#: few dozen strings; a document needing more is not worth cutting.
MAX_QUOTES = 8192
#: Backslashes before a quote the scan will count; a longer run makes it give up.
_LONGEST_RUN = 64
#: What a cut-out string is replaced by in the document pydantic parses: NUL characters
#: (escaped, as JSON requires) around a token drawn at start-up, so that no server can
#: put the same text in a response.
_TOKEN = secrets.token_hex(8)
PLACEHOLDER = f"\x00openapiopenai:{_TOKEN}\x00"
_PLACEHOLDER_JSON = f'"\\u0000openapiopenai:{_TOKEN}\\u0000"'.encode("ascii")

_QUOTE = b'"'


class LazyText:
    """The text of one JSON string in ``body``: the bytes between two quotes, unparsed.

    Immutable; copies share it; equal to the ``str`` it stands for; pickles as that
    ``str``.  :meth:`text` builds the string, :meth:`view` gives the raw bytes.  Whoever
    holds one keeps the whole body alive: ``Image`` swaps it for the ``str`` when read.
    """

    __slots__ = ("_body", "_end", "_start")

    def __init__(self, body: bytes, start: int, end: int) -> None:
        self._body = body
        self._start = start
        self._end = end

    @property
    def escaped(self) -> bool:
        """Whether the raw text holds JSON escapes (then :meth:`view` is not the text)."""
        return self._body.find(b"\\", self._start, self._end) >= 0

    def span(self) -> tuple[bytes, int, int]:
        """The body and where the raw text lies in it: ``body[start:end]``."""
        return self._body, self._start, self._end

    def view(self) -> memoryview:
        """The raw bytes of the string, without its quotes: no copy."""
        return memoryview(self._body)[self._start : self._end]

    def __len__(self) -> int:
        """The length of the string, counted without building it when the text is ASCII."""
        if not self.escaped:
            raw = self._body[self._start : self._end]
            if raw.isascii():
                return len(raw)
        return len(self.text())

    def head(self, size: int) -> str:
        """The first ``size`` characters, for display: never raises.

        They are those of the raw text when it has no escapes or is not a valid string.
        """
        if self.escaped:
            try:
                return self.text()[:size]
            except ApiResponseValidationError:
                pass
        end = min(self._end, self._start + size)
        return self._body[self._start : end].decode("utf-8", "replace")

    def text(self) -> str:
        """The string, decoded as JSON decodes it (built anew each time: not kept here)."""
        try:
            if not self.escaped:
                return str(self.view(), "utf-8")
            value = json.loads(self._body[self._start - 1 : self._end + 1])
            value.encode("utf-8")  # json accepts escaped lone surrogates; JSON parsers don't
        except ValueError as e:  # Unicode*Error and JSONDecodeError are ValueErrors
            raise ApiResponseValidationError(
                message=f"b64_json: not a valid JSON string ({e})"
            ) from None
        if not isinstance(value, str):  # pragma: no cover - the span is quote to quote
            raise ApiResponseValidationError(message="b64_json: not a JSON string")
        return value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyText):
            return self.text() == other.text()
        if isinstance(other, str):
            return self.text() == other
        return NotImplemented

    __hash__: ClassVar[None] = None  # type: ignore[assignment]  # equal to str: no hash of its own

    def __copy__(self) -> LazyText:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> LazyText:
        return self

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (self.text(),)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"LazyText({self.head(32)!r}…, {self._end - self._start} bytes)"


def split_long_strings(
    body: bytes, key: bytes, min_length: Optional[int] = None
) -> Optional[tuple[bytes, list[LazyText]]]:
    """``body`` with the long string values of ``"key"`` members cut out, and those values.

    Returns the document with each such value replaced by :data:`PLACEHOLDER` and the
    values in document order (strings of at least ``min_length`` bytes, default
    :data:`MIN_STRING`), or ``None`` when there is nothing to cut, when the body is not
    shaped like JSON, or when it would take more than :data:`MAX_QUOTES` quotes to find
    out.  Anything the scan gets wrong on malformed input shows up when the caller parses
    the result, which then parses the whole body instead.
    """
    if min_length is None:
        min_length = MIN_STRING
    quoted_key = _QUOTE + key + _QUOTE
    parts: list[bytes] = []
    values: list[LazyText] = []
    kept = 0  # body[kept:] is not yet in parts
    previous_start = previous_end = -1  # the string before this one (a key, perhaps)
    try:
        for start, end in _strings(body):
            if (
                end - start - 1 >= min_length
                and start - previous_end <= 64
                and body[previous_start : previous_end + 1] == quoted_key
                and body[previous_end + 1 : start].strip() == b":"
            ):
                parts.append(body[kept:start])
                parts.append(_PLACEHOLDER_JSON)
                values.append(LazyText(body, start + 1, end))
                kept = end + 1
            previous_start, previous_end = start, end
    except _NotWorthIt:
        return None
    if not values:
        return None
    parts.append(body[kept:])
    return b"".join(parts), values


class _NotWorthIt(Exception):
    """The body is malformed, or too costly to scan: parse it whole."""


def _strings(body: bytes) -> Iterator[tuple[int, int]]:
    """The indexes of each string's opening and closing quotes, in order.

    JSON's one rule that matters here: outside a string a quote always opens one, and
    inside it the first quote not escaped by an odd run of backslashes closes it.  Every
    quote found counts against :data:`MAX_QUOTES`, so that a body of escaped quotes (which
    real base64 never has) costs no more than a few thousand ``find`` calls.
    """
    find = body.find
    budget = MAX_QUOTES
    pos = 0
    while True:
        start = find(_QUOTE, pos)
        if start < 0:
            return
        end = start
        while True:
            budget -= 1
            end = find(_QUOTE, end + 1)
            if end < 0 or budget < 0:
                raise _NotWorthIt
            if not _escaped(body, end):
                break
        yield start, end
        pos = end + 1


def _escaped(body: bytes, quote: int) -> bool:
    """Whether the quote at ``quote`` follows an odd run of backslashes."""
    before = body[max(0, quote - _LONGEST_RUN) : quote]
    run = len(before) - len(before.rstrip(b"\\"))
    if run == _LONGEST_RUN:
        raise _NotWorthIt
    return run % 2 == 1
