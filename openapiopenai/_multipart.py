"""Uploads: turn what callers pass as a file into parts, and stream a multipart body.

Nothing here joins the whole body in memory: each part knows its size up front (so the
request carries a ``Content-Length``), bytes are sent as views of the caller's buffer and
files are read in blocks as the socket takes them.  Iterating a body again starts it
over, which is how a retry re-sends an upload intact.
"""

from __future__ import annotations

import io
import mimetypes
import os
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, Optional, Union

from openapiopenai._file_types import check_path_text, sniff_image_type
from openapiopenai._wire_text import utf8
from openapiopenai.exceptions import ApiTypeError, ApiValueError

__all__ = ["FilePart", "MultipartBody", "file_part"]

_BLOCK = 256 * 1024


@dataclass(frozen=True)
class FilePart:
    """One file of a multipart body: its form field, filename, type, size and source.

    The source is a buffer, a path (opened when sent) or a seekable binary file object
    together with the position its content starts at.
    """

    field: str
    filename: str
    content_type: str
    size: int
    source: Union[memoryview, str, tuple[IO[bytes], int]]

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """A binary stream positioned at the start of the content (a copy, for buffers)."""
        src = self.source
        if isinstance(src, memoryview):
            yield io.BytesIO(src)
        elif isinstance(src, str):
            with open(src, "rb") as f:
                yield f
        else:
            fobj, start = src
            fobj.seek(start)
            yield fobj  # type: ignore[misc]

    def chunks(self) -> Iterator[Union[bytes, memoryview]]:
        """The content, from the start, in blocks the socket can take."""
        src = self.source
        if isinstance(src, memoryview):
            yield src
            return
        with self.open() as f:
            remaining = self.size
            while remaining > 0:
                block = f.read(min(_BLOCK, remaining))
                if not block:
                    raise ApiValueError(
                        f"{self.field}: the file ended after {self.size - remaining} of "
                        f"{self.size} bytes while it was being sent"
                    )
                remaining -= len(block)
                yield block

    def renamed(self, field: str) -> FilePart:
        """The same file under another form field name."""
        return FilePart(field, self.filename, self.content_type, self.size, self.source)

    def head(self, size: int = 64) -> bytes:
        """The first ``size`` bytes (for sniffing the format)."""
        if isinstance(self.source, memoryview):
            return bytes(self.source[:size])
        with self.open() as f:
            return f.read(size)


def file_part(field: str, value: Any) -> FilePart:
    """Describe ``value`` (any :data:`FileInput`) as the form field ``field``.

    Raises ``ApiTypeError`` for a kind of value that cannot be uploaded and
    ``ApiValueError`` for a path that does not exist; nothing is read beyond what is
    needed to learn the size and sniff the type.
    """
    filename: Optional[str] = None
    content_type: Optional[str] = None
    if isinstance(value, tuple):
        if (
            len(value) not in (2, 3)
            or not isinstance(value[0], str)
            or (len(value) == 3 and not isinstance(value[2], str))
        ):
            raise ApiTypeError(
                f"{field}: a tuple must be (filename, content) or "
                f"(filename, content, content_type), got {_describe(value)}"
            )
        filename = value[0]
        utf8(field, filename, "the file name")
        content_type = value[2] if len(value) == 3 else None
        if content_type is not None:
            utf8(field, content_type, "the content type")
            if "\r" in content_type or "\n" in content_type or "\0" in content_type:
                raise ApiValueError(f"{field}: the content type must not contain CR, LF or NUL")
        value = value[1]
        if isinstance(value, tuple):
            raise ApiTypeError(f"{field}: the content in a tuple cannot itself be a tuple")
    try:
        return _build(field, value, filename, content_type)
    except OSError as e:  # a file object that fails, a path we may not read, ...
        raise ApiValueError(f"{field}: could not be read: {e}") from e


def _build(
    field: str, value: Any, filename: Optional[str], content_type: Optional[str]
) -> FilePart:
    source: Union[memoryview, str, tuple[IO[bytes], int]]
    if isinstance(value, (bytes, bytearray, memoryview)):
        view = memoryview(value).cast("B")
        source, size = view, view.nbytes
    elif isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not isinstance(path, str):
            raise ApiTypeError(f"{field}: a path must be text, got bytes")
        check_path_text(field, path)
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            raise ApiValueError(f"{field}: no such file: {path!r}") from None
        except OSError as e:
            raise ApiValueError(f"{field}: cannot read {path!r}: {e.strerror}") from None
        if not os.path.isfile(path):
            raise ApiValueError(f"{field}: not a regular file: {path!r}")
        source = path
        filename = filename or _displayable(os.path.basename(path))
    elif hasattr(value, "read"):
        source, size = _file_object_source(field, value)
        name = getattr(value, "name", None)
        if filename is None and isinstance(name, str) and name:
            filename = _displayable(os.path.basename(name))
    else:
        raise ApiTypeError(
            f"{field}: expected bytes, a path or a binary file object, got {_describe(value)}",
            valid_classes=(bytes, bytearray, str, os.PathLike, io.IOBase),
        )
    default_name = field.replace("[", "-").replace("]", "")
    part = FilePart(field, filename or default_name, "application/octet-stream", size, source)
    return _with_type(part, content_type)


def _file_object_source(
    field: str, fobj: Any
) -> tuple[Union[memoryview, tuple[IO[bytes], int]], int]:
    if isinstance(fobj, io.TextIOBase):
        raise ApiTypeError(f"{field}: the file was opened in text mode; open it with 'rb'")
    if getattr(fobj, "closed", False) is True:
        raise ApiValueError(f"{field}: the file object is closed")
    seekable = False
    try:
        seekable = bool(fobj.seekable())
    except (AttributeError, OSError, ValueError):
        seekable = False
    if seekable:
        start = fobj.tell()
        end = fobj.seek(0, os.SEEK_END)
        fobj.seek(start)
        return (fobj, start), end - start
    # A pipe or socket can be read only once: keep its content so a retry can resend it.
    data = fobj.read()
    if not isinstance(data, (bytes, bytearray)):
        raise ApiTypeError(f"{field}: the file object returned text; open it in binary mode")
    view = memoryview(bytes(data))
    return view, view.nbytes


def _with_type(part: FilePart, content_type: Optional[str]) -> FilePart:
    sniffed = sniff_image_type(part.head(16))
    filename = part.filename
    if sniffed is not None:
        ctype, ext = sniffed
        # The API decides the format by the filename's extension, so it must match.
        root, current = os.path.splitext(filename)
        if mimetypes.types_map.get(current.lower()) != ctype:
            filename = (root if current.lower() in _IMAGE_EXTS else filename) + ext
    else:
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FilePart(part.field, filename, content_type or ctype, part.size, part.source)


_IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif"})


def _describe(value: object) -> str:
    return type(value).__name__


def _displayable(name: str) -> str:
    """A file name from the file system as UTF-8 can carry it.

    Undecodable bytes in a POSIX file name come back from ``os`` as lone surrogates, which
    UTF-8 cannot encode: they become U+FFFD, as the name is only a label for the server.
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _quote(value: str) -> str:
    # As browsers do (WHATWG): quotes and line breaks are percent-escaped.
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


class MultipartBody:
    """A ``multipart/form-data`` body streamed from its parts.

    ``content_length`` is exact; iterating yields the encoded body and can be repeated.
    """

    def __init__(
        self,
        fields: Sequence[tuple[str, str]],
        files: Sequence[FilePart],
        boundary: Optional[str] = None,
    ) -> None:
        self.boundary: str = boundary or secrets.token_hex(16)
        self.fields: list[tuple[str, str]] = list(fields)
        self.files: list[FilePart] = list(files)
        b = self.boundary.encode("ascii")
        self._field_blobs = [
            b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (b, _quote(name).encode(), utf8(name, value))
            for name, value in self.fields
        ]
        self._file_heads = [
            b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
            b"Content-Type: %s\r\n\r\n"
            % (b, _quote(f.field).encode(), _quote(f.filename).encode(), f.content_type.encode())
            for f in self.files
        ]
        self._tail = b"--%s--\r\n" % b
        self.content_length: int = (
            sum(map(len, self._field_blobs))
            + sum(len(h) + f.size + 2 for h, f in zip(self._file_heads, self.files))
            + len(self._tail)
        )

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def with_field(self, name: str, value: str) -> MultipartBody:
        """A body with form field ``name`` set to ``value`` (replacing it if present)."""
        fields = [(k, v) for k, v in self.fields if k != name]
        return MultipartBody([*fields, (name, value)], self.files, self.boundary)

    def __iter__(self) -> Iterator[Union[bytes, memoryview]]:
        # Small framing pieces are joined to spare send() calls; file content never is.
        pending = b"".join(self._field_blobs)
        for head, part in zip(self._file_heads, self.files):
            yield pending + head
            yield from part.chunks()
            pending = b"\r\n"
        yield pending + self._tail
