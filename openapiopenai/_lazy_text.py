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
a JSON string would be (escapes included).
"""

from __future__ import annotations

import json
import secrets
from typing import Optional

from openapiopenai.exceptions import ApiResponseValidationError

__all__ = ["LazyText", "split_long_strings"]

#: Bodies shorter than this are parsed as they are: below it, cutting gains nothing.
MIN_BODY = 256 * 1024
#: Strings shorter than this stay in the parsed document.
MIN_STRING = 16 * 1024
#: A document with more strings than this is not an images response worth cutting.
MAX_STRINGS = 4096
#: What a cut-out string is replaced by in the document pydantic parses: NUL characters
#: (escaped, as JSON requires) around a token drawn at start-up, so that no server can
#: put the same text in a response.
_TOKEN = secrets.token_hex(8)
PLACEHOLDER = f"\x00openapiopenai:{_TOKEN}\x00"
_PLACEHOLDER_JSON = f'"\\u0000openapiopenai:{_TOKEN}\\u0000"'.encode("ascii")

_QUOTE = b'"'
_BACKSLASH = 0x5C


class LazyText:
    """The text of one JSON string in ``body``: the bytes between two quotes, unparsed.

    Immutable; copies share it; equal to the ``str`` it stands for; pickles as that
    ``str``.  :meth:`text` builds (once) the string, :meth:`view` gives the raw bytes.
    """

    __slots__ = ("_body", "_end", "_start", "_text")

    def __init__(self, body: bytes, start: int, end: int) -> None:
        self._body = body
        self._start = start
        self._end = end
        self._text: Optional[str] = None

    @property
    def escaped(self) -> bool:
        """Whether the raw text holds JSON escapes (then :meth:`view` is not the text)."""
        return self._body.find(b"\\", self._start, self._end) >= 0

    def view(self) -> memoryview:
        """The raw bytes of the string, without its quotes: no copy."""
        return memoryview(self._body)[self._start : self._end]

    def __len__(self) -> int:
        """The length of the string, counted without building it when the text is ASCII."""
        if self._text is None and not self.escaped:
            raw = self._body[self._start : self._end]
            if raw.isascii():
                return len(raw)
        return len(self.text())

    def head(self, size: int) -> str:
        """The first ``size`` characters (those of the raw text when it has no escapes)."""
        if self._text is None and not self.escaped:
            end = min(self._end, self._start + size)
            return self._body[self._start : end].decode("utf-8", "replace")
        return self.text()[:size]

    def text(self) -> str:
        """The string, decoded as JSON decodes it; built on first use, then kept."""
        text = self._text
        if text is None:
            text = self._text = self._decode()
        return text

    def _decode(self) -> str:
        try:
            if not self.escaped:
                return str(self.view(), "utf-8")
            value = json.loads(self._body[self._start - 1 : self._end + 1])
        except ValueError as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
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

    __hash__ = None  # type: ignore[assignment]  # equal to str, so no hash of its own

    def __copy__(self) -> LazyText:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> LazyText:
        return self

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (self.text(),)

    def __repr__(self) -> str:
        return f"LazyText({self.head(32)!r}…, {self._end - self._start} bytes)"


def split_long_strings(
    body: bytes, key: bytes, min_length: Optional[int] = None
) -> Optional[tuple[bytes, list[LazyText]]]:
    """``body`` with the long string values of ``"key"`` members cut out, and those values.

    Returns the document with each such value replaced by :data:`PLACEHOLDER` and the
    values in document order (strings of at least ``min_length`` bytes, default
    :data:`MIN_STRING`), or ``None`` when there is nothing to cut (or the body is not
    shaped like JSON).  The scan relies on JSON's one rule that matters here: outside a
    string a quote always opens one, and inside it the first quote not escaped by an odd
    run of backslashes closes it.  Anything the scan gets wrong on malformed input shows up
    when the caller parses the result, which then parses the whole body instead.
    """
    if min_length is None:
        min_length = MIN_STRING
    quoted_key = _QUOTE + key + _QUOTE
    parts: list[bytes] = []
    values: list[LazyText] = []
    find = body.find
    kept = 0  # body[kept:] is not yet in parts
    pos = 0
    previous_start = previous_end = -1  # the string before this one (a key, perhaps)
    for _ in range(MAX_STRINGS):
        start = find(_QUOTE, pos)
        if start < 0:
            break
        end = _closing_quote(body, start + 1)
        if end < 0:
            return None
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
        pos = end + 1
    else:
        return None  # too many strings to be worth it
    if not values:
        return None
    parts.append(body[kept:])
    return b"".join(parts), values


def _closing_quote(body: bytes, pos: int) -> int:
    """The index of the quote closing the string whose text starts at ``pos``, or -1."""
    find = body.find
    while True:
        quote = find(_QUOTE, pos)
        if quote < 0:
            return -1
        backslash = quote - 1
        while body[backslash] == _BACKSLASH:
            backslash -= 1
        if (quote - 1 - backslash) % 2 == 0:
            return quote
        pos = quote + 1
