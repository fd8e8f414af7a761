"""From a response's images to bytes and files: decode or download, name by format, write.

``Image.to_bytes`` / ``Image.save`` / ``ImagesResponse.save`` delegate here.  Bytes come
from ``b64_json`` or, for ``url`` images, from a download through the client the response
came from (bound by the client after parsing).  A saved file's extension is the one of the
format the bytes really are (PNG, JPEG, WebP, GIF), whatever was asked for.

This module serves the models, below the client layer: it names an image and its client
by what it reads of them (:class:`HeldImage`, ``ImageClient``), and hands a download to
``openapiopenai._download``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Protocol, Union

from openapiopenai import _base64
from openapiopenai._file_types import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    PathArg,
    check_path_text,
    sniff_image_type,
)
from openapiopenai._lazy_text import LazyText
from openapiopenai.exceptions import ApiResponseValidationError, ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from openapiopenai._image_client import ImageClient
    from openapiopenai.configuration import TimeoutValue

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "HeldImage",
    "PathArg",
    "decode_b64",
    "extension_for",
    "image_bytes",
    "save_image",
    "save_images",
]

# File suffixes of the image formats -> the one this package writes for that format.
_SUFFIXES = {".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg", ".webp": ".webp", ".gif": ".gif"}
_UNKNOWN = ".bin"
_O_BINARY = getattr(os, "O_BINARY", 0)


class HeldImage(Protocol):
    """An image as read here (``models.Image``): its URL, its base64 as held, its client."""

    @property
    def url(self) -> Optional[str]: ...
    @property
    def _bound_client(self) -> Optional[ImageClient]: ...
    def _b64_data(self) -> Optional[Union[str, LazyText]]: ...


def decode_b64(b64_json: Union[str, LazyText]) -> bytes:
    """The bytes of a ``b64_json`` value; a malformed one is a response validation error.

    A :class:`LazyText` is decoded straight from the response body; only if that fails
    is it looked at for JSON escapes (``\\/``), which its string form then resolves.
    """
    try:
        if not isinstance(b64_json, LazyText):
            return _base64.decode(b64_json)
        try:
            return _base64.decode(b64_json.view())
        except ValueError:
            if not b64_json.escaped:
                raise
        return _base64.decode(b64_json.text())
    except ValueError as e:  # binascii.Error is one
        raise _invalid_base64(e) from None


def _invalid_base64(e: ValueError) -> ApiResponseValidationError:
    return ApiResponseValidationError(message=f"b64_json: not valid base64 ({e})")


class _Rewrite(Exception):
    """From a chunk iterator: what was written is void; the file is ``data``."""

    def __init__(self, data: bytes) -> None:
        super().__init__("rewrite")
        self.data = data


def _decoded_pieces(image: HeldImage) -> Optional[Iterator[bytes]]:
    """The image's bytes in pieces decoded straight from the body, if it has a span.

    Should the raw text not decode and hold JSON escapes, the iterator raises
    :class:`_Rewrite` with the bytes of the unescaped string.
    """
    b64_data = image._b64_data()
    if not isinstance(b64_data, LazyText):
        return None
    body, start, end = b64_data.span()

    def pieces() -> Iterator[bytes]:
        try:
            yield from _base64.iter_decoded(body, start, end)
        except ValueError as e:
            if b64_data.escaped:
                raise _Rewrite(decode_b64(b64_data)) from None
            raise _invalid_base64(e) from None

    return pieces()


def image_bytes(
    image: HeldImage,
    *,
    client: Optional[ImageClient] = None,
    timeout: TimeoutValue = None,
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
) -> bytes:
    """The image's bytes: ``b64_json`` decoded, or ``url`` downloaded."""
    b64_data = image._b64_data()
    if b64_data is not None:
        return decode_b64(b64_data)
    if image.url is not None:
        from openapiopenai._download import fetch_image

        client = client if client is not None else image._bound_client
        return fetch_image(image.url, client, timeout=timeout, max_bytes=max_bytes)
    raise ApiValueError("image: has neither b64_json nor url, so there is nothing to read")


def extension_for(data: bytes, output_format: Optional[str] = None) -> str:
    """The file extension of the format ``data`` is in (``.png``, ``.jpg``, ``.webp``, ``.gif``).

    Bytes of an unknown format take ``output_format`` (``jpeg`` gives ``.jpg``), or ``.bin``.
    """
    sniffed = sniff_image_type(bytes(data[:16]))
    if sniffed is not None:
        return sniffed[1]
    if output_format:
        return _SUFFIXES.get("." + output_format.lower(), _UNKNOWN)
    return _UNKNOWN


def _path(name: str, value: PathArg) -> Path:
    """``value`` as a ``Path``, or an error naming ``name`` for what cannot be one."""
    if not isinstance(value, (str, os.PathLike)):
        raise ApiTypeError(
            f"{name}: expected a path (str or os.PathLike), got {type(value).__name__}"
        )
    path = Path(value)
    check_path_text(name, str(path))
    return path


def _with_extension(path: Path, extension: str) -> Path:
    """``path`` with the suffix of the real format: kept, replaced or appended."""
    suffix = path.suffix.lower()
    if _SUFFIXES.get(suffix) == extension or (extension == _UNKNOWN and suffix):
        return path  # "photo.jpeg" stays as named
    if suffix in _SUFFIXES:
        return path.with_suffix(extension)  # "cat.png" holding JPEG bytes -> "cat.jpg"
    return path.with_name(path.name + extension)


def save_image(
    image: HeldImage,
    path: PathArg,
    *,
    client: Optional[ImageClient] = None,
    timeout: TimeoutValue = None,
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
) -> Path:
    """Write the image to ``path`` (its suffix fixed to the real format); returns the path."""
    target = _path("path", path)
    if target.is_dir():
        raise ApiValueError(
            f"path: {str(target)!r} is a directory; name a file, or use ImagesResponse.save()"
        )
    pieces = _decoded_pieces(image)
    chunks: Iterable[bytes]
    if pieces is None:
        data = image_bytes(image, client=client, timeout=timeout, max_bytes=max_bytes)
        chunks = (data,)
    else:  # decoded and written piece by piece: never the whole image in memory
        try:
            data = next(pieces)
            chunks = itertools.chain((data,), pieces)
        except _Rewrite as whole:
            data = whole.data
            chunks = (data,)
    target = _with_extension(target, extension_for(data))
    created = _make_parents(target.parent)
    try:
        _replace(target, chunks)
    except ApiResponseValidationError:  # a piece past the first did not decode
        for folder in created:  # leave no trace, as when nothing decodes
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return target


def _make_parents(folder: Path) -> list[Path]:
    """``folder.mkdir(parents=True, exist_ok=True)``; the folders it created, innermost first."""
    missing: list[Path] = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def save_images(
    images: Sequence[HeldImage],
    directory: PathArg,
    prefix: str = "image",
    *,
    overwrite: bool = False,
    output_format: Optional[str] = None,
    client: Optional[ImageClient] = None,
    timeout: TimeoutValue = None,
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
) -> list[Path]:
    """Write ``images`` into ``directory`` as ``{prefix}-{i}{ext}``; returns the paths.

    Every image is read (downloaded) before any file is written, so a failed download
    leaves no partial set behind.  Existing files are kept: the numbering skips past them,
    unless ``overwrite`` is true.
    """
    if not isinstance(overwrite, bool):
        raise ApiTypeError(f"overwrite: expected True or False, got {overwrite!r}")
    if not isinstance(prefix, str) or not prefix or prefix in (".", ".."):
        raise ApiValueError(f"prefix: must be a non-empty file name prefix, got {prefix!r}")
    if "/" in prefix or "\\" in prefix or os.sep in prefix or "\0" in prefix:
        raise ApiValueError(f"prefix: must not contain a path separator, got {prefix!r}")
    folder = _path("directory", directory)
    if folder.exists() and not folder.is_dir():
        raise ApiValueError(f"directory: {str(folder)!r} is a file, not a directory")
    blobs = [
        image_bytes(image, client=client, timeout=timeout, max_bytes=max_bytes) for image in images
    ]
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    number = 0
    for index, data in enumerate(blobs):
        extension = extension_for(data, output_format)
        if overwrite:
            path = folder / f"{prefix}-{index}{extension}"
            _replace(path, (data,))
        else:
            while True:
                path = folder / f"{prefix}-{number}{extension}"
                number += 1
                if _create(path, data):
                    break
        paths.append(path)
    return paths


def _replace(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to a temporary file beside ``path``, then move it into place."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_new(temporary, chunks)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _create(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it exists (atomically checked); ``False`` if it did."""
    try:
        _write_new(path, (data,))
    except FileExistsError:
        return False
    return True


def _write_new(path: Path, chunks: Iterable[bytes]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
    try:
        try:
            try:
                batch: list[bytes] = []
                for chunk in chunks:
                    batch.append(chunk)
                    if len(batch) == _BATCH:
                        _write_all(fd, batch)
                        batch = []
                _write_all(fd, batch)
            except _Rewrite as whole:  # the pieces were not the image: write it whole
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                _write_all(fd, [whole.data])
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


#: Pieces written by one ``writev`` (a decoded image comes in pieces of 48 KiB).
_BATCH = 64


def _write_all(fd: int, buffers: list[bytes]) -> None:
    """Write every buffer, in order: one ``writev`` where there is one, then what is left."""
    if len(buffers) > 1 and hasattr(os, "writev"):
        written = os.writev(fd, buffers)
        for index, buffer in enumerate(buffers):
            if written < len(buffer):
                buffers = [buffer[written:], *buffers[index + 1 :]]
                break
            written -= len(buffer)
        else:
            return
    for buffer in buffers:
        view = memoryview(buffer)
        while view:
            view = view[os.write(fd, view) :]
