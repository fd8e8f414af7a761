"""A response's header block read into an ``http.client.HTTPMessage`` without the email parser.

http.client hands every header block to the email package's feed parser: some 30 µs for the
half-dozen headers of an API answer, an eighth of a small call.  Almost every block is
nothing but ``Name: value`` lines, and for those the parser's result is easy to state: one
``(name, value)`` pair a line, in order, the value without its leading blanks and line end.
Such a block is split here directly; any other block (a folded line, a line that is not a
field, a stray CR, a ``multipart``/``message`` content type, whose empty body the parser
would read as parts) goes to the email parser, as http.client would send it.  Either way the
message is the one ``http.client.parse_headers`` returns for the same bytes.
"""

from __future__ import annotations

import email.parser
import http.client
import re
from typing import Protocol

__all__ = ["read_header_block", "skip_header_block"]

#: As http.client bounds a header block.
MAX_LINE = 65536
MAX_HEADERS = 100

#: A line the email parser reads as one whole field: a name of printable ASCII without a
#: colon, a colon, then a value holding no CR or LF before the line's own end.
_FIELD = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)\r?\n\Z")
_BLANK = (b"\r\n", b"\n", b"")


class _Lines(Protocol):
    def readline(self, size: int = ..., /) -> bytes: ...


def _read_lines(fp: _Lines) -> list[bytes]:
    """The block's lines up to and including its blank line, with http.client's limits."""
    lines: list[bytes] = []
    while True:
        line = fp.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
        if line in _BLANK:
            return lines


def read_header_block(fp: _Lines) -> http.client.HTTPMessage:
    """Read one header block from ``fp``: what ``http.client.parse_headers(fp)`` returns."""
    lines = _read_lines(fp)
    fields: list[tuple[str, str]] = []
    for line in lines[:-1]:
        field = _FIELD.match(line.decode("iso-8859-1"))
        if field is None:
            break
        fields.append(field.groups())  # type: ignore[arg-type]
    else:
        if not any(k.lower() == "content-type" and _nested(v) for k, v in fields):
            message = http.client.HTTPMessage()
            message._headers = fields  # type: ignore[attr-defined]
            message.set_payload("")
            return message
    text = b"".join(lines).decode("iso-8859-1")
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)


def _nested(content_type: str) -> bool:
    """Whether the email parser would go on to read a (here empty) body of this type as parts."""
    lowered = content_type.lower()
    return "multipart" in lowered or "message" in lowered


def skip_header_block(fp: _Lines) -> None:
    """Read past a header block (an informational response's), with the same limits."""
    _read_lines(fp)
