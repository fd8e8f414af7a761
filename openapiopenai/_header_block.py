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
from typing import Optional, Protocol

__all__ = ["read_header_block", "skip_header_block"]

#: As http.client bounds a header block.
MAX_LINE = 65536
MAX_HEADERS = 100

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
        field = _field(line.decode("iso-8859-1"))
        if field is None:
            break
        fields.append(field)
    else:
        if not any(k.lower() == "content-type" and _nested(v) for k, v in fields):
            message = http.client.HTTPMessage()
            message._headers = fields  # type: ignore[attr-defined]
            message.set_payload("")
            return message
    text = b"".join(lines).decode("iso-8859-1")
    return email.parser.Parser(_class=http.client.HTTPMessage).parsestr(text)


def _field(line: str) -> Optional[tuple[str, str]]:
    """``(name, value)`` of a line the email parser reads as one whole field, else ``None``.

    Such a line is a name of printable ASCII without space or colon, a colon, and a value
    holding no CR or LF before the line's own end (CRLF or LF); the value loses its leading
    blanks.  (String methods, not a pattern: nothing to compile at start-up.)
    """
    if line.endswith("\r\n"):
        line = line[:-2]
    elif line.endswith("\n"):
        line = line[:-1]
    else:
        return None
    name, colon, value = line.partition(":")
    if not (colon and name.isascii() and name.isprintable()) or " " in name or not name:
        return None
    if "\r" in value or "\n" in value:
        return None
    return name, value.lstrip(" \t")


def _nested(content_type: str) -> bool:
    """Whether the email parser would go on to read a (here empty) body of this type as parts."""
    lowered = content_type.lower()
    return "multipart" in lowered or "message" in lowered


def skip_header_block(fp: _Lines) -> None:
    """Read past a header block (an informational response's), with the same limits."""
    _read_lines(fp)
