"""What a file may be given as, and what format image bytes are in.

The small facts the upload, download, save and display layers share (and the models'
``save`` signatures name), kept apart from the multipart encoder and the save code so that
a process that never uploads or saves never loads them.
"""

from __future__ import annotations

import os
from typing import IO, Optional, Union

from openapiopenai.exceptions import ApiValueError

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "FileContent",
    "FileInput",
    "PathArg",
    "check_path_text",
    "sniff_image_type",
]

#: A file or directory path.
PathArg = Union[str, "os.PathLike[str]"]
#: The default size cap of one downloaded image (50 MB).
DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024

#: What may be uploaded: bytes, a path, or a binary file object.
FileContent = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", IO[bytes]]
#: A file, optionally as ``(filename, content)`` or ``(filename, content, content_type)``.
FileInput = Union[FileContent, tuple[str, FileContent], tuple[str, FileContent, str]]

# Image formats the API takes, by signature: (content type, file extension).
_PNG = ("image/png", ".png")
_JPEG = ("image/jpeg", ".jpg")
_WEBP = ("image/webp", ".webp")
_GIF = ("image/gif", ".gif")


def sniff_image_type(head: bytes) -> Optional[tuple[str, str]]:
    """``(content_type, extension)`` for PNG, JPEG, WebP or GIF bytes, else ``None``."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _GIF
    return None


def check_path_text(param: str, path: str) -> None:
    """A NUL in a path is the caller's error (the OS calls would raise a bare ValueError)."""
    if "\x00" in path:
        raise ApiValueError(f"{param}: a path cannot contain NUL characters, got {path!r}")
