"""What an uploaded image is: its format (sniffed from the bytes) and, from its header, its size.

The server decodes PNG pixels only. JPEG and WebP uploads (accepted by the GPT image
models) are recognised by their signature and their dimensions are read from the
header (a JPEG ``SOFn`` segment, a WebP ``VP8``/``VP8L``/``VP8X`` chunk); their pixels are
never decoded, so edits of them are synthesized from the prompt and the input bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal, Optional

from openapiopenai._png import PngError, read_png_info

__all__ = ["ImageFormat", "UploadError", "UploadInfo", "inspect_upload", "sniff_format"]

ImageFormat = Literal["png", "jpeg", "webp", "gif"]

# JPEG start-of-frame markers (they carry the dimensions): C0-CF except DHT, JPG and DAC.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM, RSTn (and SOI/EOI).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})


class UploadError(ValueError):
    """The bytes are not an image of the sniffed format; the message says what is wrong."""


@dataclass(frozen=True)
class UploadInfo:
    """An upload's format, dimensions and whether it can carry transparency."""

    format: ImageFormat
    width: int
    height: int
    #: PNG only: an alpha channel or a ``tRNS`` chunk. ``False`` for other formats.
    has_alpha: bool = False


def sniff_format(data: bytes) -> Optional[ImageFormat]:
    """The image format the first bytes of ``data`` announce, or ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def inspect_upload(data: bytes) -> UploadInfo:
    """Format and dimensions of an uploaded image, read from its header only.

    Raises:
        UploadError: unknown format, or a header that cannot be read.
    """
    kind = sniff_format(data)
    if kind == "png":
        try:
            info = read_png_info(data)
        except PngError as exc:
            raise UploadError(str(exc)) from None
        return UploadInfo("png", info.width, info.height, info.has_alpha)
    if kind == "jpeg":
        width, height = _jpeg_size(data)
        return UploadInfo("jpeg", width, height)
    if kind == "webp":
        width, height = _webp_size(data)
        return UploadInfo("webp", width, height)
    if kind == "gif":
        width, height = struct.unpack_from("<HH", data.ljust(10, b"\0"), 6)
        return UploadInfo("gif", width, height)
    raise UploadError("not a PNG, JPEG or WebP image")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise UploadError(f"JPEG marker expected at byte {position}")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        (length,) = struct.unpack_from(">H", data, position + 2)
        if length < 2:
            raise UploadError("JPEG segment with an invalid length")
        if marker in _SOF_MARKERS:
            if position + 9 > len(data):
                break
            height, width = struct.unpack_from(">HH", data, position + 5)
            if width == 0 or height == 0:
                raise UploadError("JPEG frame with a zero dimension")
            return width, height
        if marker == 0xDA:  # start of scan before any frame header
            break
        position += 2 + length
    raise UploadError("JPEG without a frame header (SOFn segment)")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk, body = data[12:16], data[20:]
    if chunk == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", body, 6)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(body) >= 10:
        width = int.from_bytes(body[4:7], "little") + 1
        height = int.from_bytes(body[7:10], "little") + 1
        return width, height
    raise UploadError("WebP without a readable VP8, VP8L or VP8X header")
