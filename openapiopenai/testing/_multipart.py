"""A strict ``multipart/form-data`` parser (RFC 7578) for the test server.

The standard library's ``cgi`` module is gone in Python 3.13, and ``email`` parses whole
messages as text; this parser works on the request body bytes with ``find`` and slicing.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

__all__ = ["MultipartError", "Part", "parse_content_type", "parse_multipart"]

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PARAM = re.compile(
    rf';\s*({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))\s*',
    re.DOTALL,
)
_HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*")


class MultipartError(ValueError):
    """The body is not well-formed ``multipart/form-data``; the message says why."""


@dataclass(frozen=True)
class Part:
    """One part of a form: a text field (``filename is None``) or an uploaded file."""

    name: str
    data: bytes = field(repr=False)
    filename: str | None = None
    content_type: str | None = None

    @property
    def size(self) -> int:
        """Length of the part's data in bytes."""
        return len(self.data)

    @property
    def is_file(self) -> bool:
        """Whether the part was sent as a file upload (it carries a ``filename``)."""
        return self.filename is not None

    def text(self) -> str:
        """The part's data decoded as UTF-8; raises :class:`MultipartError` if it is not."""
        try:
            return self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise MultipartError(f"form field {self.name!r} is not valid UTF-8") from None


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a ``Content-Type``-style header into a lower-cased type and its parameters."""
    media_type, _, rest = value.partition(";")
    params: dict[str, str] = {}
    position = 0
    rest = ";" + rest if rest else ""
    while position < len(rest):
        match = _PARAM.match(rest, position)
        if match is None:
            break  # tolerate trailing junk the way most servers do
        key, quoted, token = match.groups()
        params[key.lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token
        position = match.end()
    return media_type.strip().lower(), params


def parse_multipart(body: bytes, boundary: str) -> list[Part]:
    """Split ``body`` into its parts, in order.

    Raises:
        MultipartError: bad boundary, missing delimiters or malformed part headers.
    """
    if not 1 <= len(boundary) <= 70:
        raise MultipartError("multipart boundary must be 1 to 70 characters long")
    try:
        delimiter = b"--" + boundary.encode("ascii")
    except UnicodeEncodeError:
        raise MultipartError("multipart boundary must be ASCII") from None
    if body.startswith(delimiter):
        position = len(delimiter)
    else:  # a preamble before the first delimiter is allowed and ignored
        start = body.find(b"\r\n" + delimiter)
        if start == -1:
            raise MultipartError("multipart body does not contain the boundary")
        position = start + 2 + len(delimiter)
    separator = b"\r\n" + delimiter
    parts: list[Part] = []
    while True:
        if body.startswith(b"--", position):
            return parts  # closing delimiter; anything after it is an epilogue
        line_end = body.find(b"\r\n", position)
        if line_end == -1 or body[position:line_end].strip(b" \t"):
            raise MultipartError("malformed multipart delimiter line")
        header_end = body.find(b"\r\n\r\n", line_end)
        if header_end == -1:
            raise MultipartError("multipart part headers are not terminated by a blank line")
        data_start = header_end + 4
        end = body.find(separator, data_start)
        if end == -1:
            raise MultipartError("multipart body is truncated: no closing boundary")
        headers = _parse_headers(body[line_end + 2 : header_end + 2])
        parts.append(_make_part(headers, body[data_start:end]))
        position = end + len(separator)


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split(b"\r\n"):
        if not line:
            continue
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            raise MultipartError(f"malformed multipart part header: {line[:60]!r}")
        try:
            value = match.group(2).decode("utf-8")
        except UnicodeDecodeError:
            value = match.group(2).decode("latin-1")
        headers[match.group(1).decode("ascii").lower()] = value
    return headers


def _make_part(headers: dict[str, str], data: bytes) -> Part:
    disposition = headers.get("content-disposition")
    if disposition is None:
        raise MultipartError("multipart part has no Content-Disposition header")
    kind, params = parse_content_type(disposition)
    if kind != "form-data":
        raise MultipartError(f"multipart part disposition is {kind!r}, expected 'form-data'")
    name = params.get("name")
    if name is None:
        raise MultipartError("multipart part has no name in its Content-Disposition")
    filename = params.get("filename")
    extended = params.get("filename*")  # RFC 5987: charset'language'percent-encoded
    if extended is not None and extended.count("'") >= 2:
        charset, _, encoded = extended.split("'", 2)
        try:
            filename = urllib.parse.unquote(encoded, encoding=charset or "utf-8", errors="strict")
        except (LookupError, UnicodeDecodeError):
            raise MultipartError("multipart part has an undecodable filename*") from None
    return Part(name=name, data=data, filename=filename, content_type=headers.get("content-type"))
