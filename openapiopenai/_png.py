"""Read and write PNG images in pure Python (``zlib`` + ``struct``).

Three entry points, each for one use:

* :func:`read_png_info` inspects the header of an upload cheaply (signature, IHDR, chunk
  layout, transparency) without inflating any image data; it runs on every upload.
* :func:`encode_png` writes 8-bit RGB/RGBA pixels as a PNG (deterministic output).
* :func:`decode_png` turns a non-interlaced PNG into 8-bit RGBA pixels.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from dataclasses import dataclass
from itertools import accumulate
from typing import BinaryIO, Union

__all__ = [
    "PNG_SIGNATURE",
    "PngError",
    "PngInfo",
    "PngSource",
    "decode_png",
    "encode_png",
    "read_png_info",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

PngSource = Union[bytes, bytearray, memoryview, BinaryIO]

# Colour type -> (channels, allowed bit depths), from the PNG specification, table 11.1.
_COLOR_TYPES: dict[int, tuple[int, tuple[int, ...]]] = {
    0: (1, (1, 2, 4, 8, 16)),  # greyscale
    2: (3, (8, 16)),  # truecolour (RGB)
    3: (1, (1, 2, 4, 8)),  # indexed (palette)
    4: (2, (8, 16)),  # greyscale + alpha
    6: (4, (8, 16)),  # truecolour + alpha (RGBA)
}
_MAX_DIMENSION = 2**31 - 1
_MAX_CHUNK_LENGTH = 2**31 - 1
_CHUNK_HEADER = struct.Struct(">I4s")
_IHDR = struct.Struct(">IIBBBBB")
_SKIP_BLOCK = 1 << 20


class PngError(ValueError):
    """The data is not a PNG this module can handle; the message names what is wrong."""


@dataclass(frozen=True)
class PngInfo:
    """What :func:`read_png_info` learns from a PNG's header and chunk layout."""

    width: int
    height: int
    bit_depth: int
    color_type: int
    #: Colour type 4 or 6, or a ``tRNS`` chunk before the image data.
    has_alpha: bool
    #: Bytes from the signature to the end of the ``IEND`` chunk (trailing bytes excluded).
    size: int


# --- reading the chunk layout -------------------------------------------------------------


class _Reader:
    """Sequential access to a datastream: ``read`` returns bytes, ``skip`` moves ahead.

    Both return short results at the end of the data; ``offset`` counts from the start.
    """

    offset: int = 0

    def read(self, n: int) -> bytes:
        raise NotImplementedError

    def skip(self, n: int) -> int:
        raise NotImplementedError


class _BufferReader(_Reader):
    """Index arithmetic over a buffer: skipping copies nothing."""

    def __init__(self, buffer: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(buffer).cast("B") if isinstance(buffer, memoryview) else buffer
        self._length = len(self._view)

    def read(self, n: int) -> bytes:
        data = bytes(self._view[self.offset : self.offset + n])
        self.offset += len(data)
        return data

    def skip(self, n: int) -> int:
        skipped = min(n, self._length - self.offset)
        self.offset += skipped
        return skipped


class _StreamReader(_Reader):
    """A binary stream; seekable streams skip by seeking, others by reading in blocks."""

    def __init__(self, stream: BinaryIO, end: int | None) -> None:
        self._stream = stream
        self._end = end  # absolute end position of a seekable stream
        self._position = stream.tell() if end is not None else 0

    def read(self, n: int) -> bytes:
        parts: list[bytes] = []
        remaining = n
        while remaining > 0:
            data = self._stream.read(remaining)
            if not data:
                break
            parts.append(data)
            remaining -= len(data)
        result = b"".join(parts)
        self.offset += len(result)
        self._position += len(result)
        return result

    def skip(self, n: int) -> int:
        if self._end is not None:
            skipped = max(0, min(n, self._end - self._position))
            self._position += skipped
            self._stream.seek(self._position)
        else:
            skipped = 0
            while skipped < n:
                data = self._stream.read(min(_SKIP_BLOCK, n - skipped))
                if not data:
                    break
                skipped += len(data)
        self.offset += skipped
        return skipped


def read_png_info(source: PngSource) -> PngInfo:
    """Check that ``source`` is a well-formed PNG and return its header facts.

    Verifies the signature, the IHDR chunk (first, 13 bytes, CRC, sane values) and walks
    every chunk header up to IEND without reading chunk data, so truncation anywhere is
    found. Only the IHDR CRC is verified. A seekable stream is returned to its original
    position, whatever the outcome; a non-seekable stream is left where reading stopped.

    Raises:
        PngError: the data is not a well-formed PNG; the message says what is wrong.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _read_info(_BufferReader(source))
    start = _tell(source)
    if start is None:
        return _read_info(_StreamReader(source, None))
    try:
        end = source.seek(0, io.SEEK_END)
        source.seek(start)
        return _read_info(_StreamReader(source, end))
    finally:
        source.seek(start)


def _tell(stream: BinaryIO) -> int | None:
    try:
        if not stream.seekable():
            return None
        return stream.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _read_info(reader: _Reader) -> PngInfo:
    width, height, bit_depth, color_type = _read_ihdr(reader)
    has_trns = seen_idat = seen_plte = False
    while True:
        offset = reader.offset
        header = reader.read(8)
        if not header:
            raise PngError(f"truncated PNG: data ends at byte {offset} without an IEND chunk")
        if len(header) < 8:
            raise PngError(f"truncated PNG: chunk header at byte {offset} is cut off")
        length, ctype = _CHUNK_HEADER.unpack(header)
        name = _chunk_name(ctype, offset)
        if length > _MAX_CHUNK_LENGTH:
            raise PngError(f"invalid PNG: chunk {name} at byte {offset} has length {length}")
        wanted = length + 4  # data + CRC
        available = reader.skip(wanted)
        if available < wanted:
            raise PngError(
                f"truncated PNG: chunk {name} at byte {offset} declares {length} data bytes"
                f" but only {max(0, available - 4)} remain"
            )
        if ctype == b"IEND":
            break
        if ctype == b"IDAT":
            seen_idat = True
        elif ctype == b"tRNS" and not seen_idat:
            has_trns = True
        elif ctype == b"PLTE":
            seen_plte = True
        elif ctype == b"IHDR":
            raise PngError(f"invalid PNG: second IHDR chunk at byte {offset}")
    if not seen_idat:
        raise PngError("invalid PNG: no IDAT chunk (the file has no image data)")
    if color_type == 3 and not seen_plte:
        raise PngError("invalid PNG: palette image (colour type 3) without a PLTE chunk")
    return PngInfo(
        width=width,
        height=height,
        bit_depth=bit_depth,
        color_type=color_type,
        has_alpha=color_type in (4, 6) or has_trns,
        size=reader.offset,
    )


def _read_ihdr(reader: _Reader) -> tuple[int, int, int, int]:
    """Read the signature and IHDR; return (width, height, bit depth, colour type)."""
    signature = reader.read(8)
    if not signature:
        raise PngError("not a PNG: the data is empty")
    if signature != PNG_SIGNATURE:
        if PNG_SIGNATURE.startswith(signature):
            raise PngError("truncated PNG: data ends inside the signature")
        raise PngError("not a PNG: the data does not start with the PNG signature")
    header = reader.read(8)
    if len(header) < 8:
        raise PngError("truncated PNG: data ends before the IHDR chunk")
    length, ctype = _CHUNK_HEADER.unpack(header)
    if ctype != b"IHDR":
        raise PngError(f"invalid PNG: the first chunk is {_chunk_name(ctype, 8)}, not IHDR")
    if length != 13:
        raise PngError(f"invalid PNG: IHDR chunk length is {length}, expected 13")
    body = reader.read(17)
    if len(body) < 17:
        raise PngError("truncated PNG: data ends inside the IHDR chunk")
    data, (crc,) = body[:13], struct.unpack(">I", body[13:])
    if zlib.crc32(b"IHDR" + data) != crc:
        raise PngError("corrupt PNG: IHDR CRC mismatch")
    width, height, bit_depth, color_type, compression, filter_method, interlace = _IHDR.unpack(data)
    if not (0 < width <= _MAX_DIMENSION and 0 < height <= _MAX_DIMENSION):
        raise PngError(f"invalid PNG: image dimensions {width}x{height} are out of range")
    if color_type not in _COLOR_TYPES:
        raise PngError(f"invalid PNG: unknown colour type {color_type}")
    if bit_depth not in _COLOR_TYPES[color_type][1]:
        raise PngError(
            f"invalid PNG: bit depth {bit_depth} is not allowed for colour type {color_type}"
        )
    if compression != 0 or filter_method != 0:
        raise PngError("invalid PNG: unknown compression or filter method in IHDR")
    if interlace not in (0, 1):
        raise PngError(f"invalid PNG: unknown interlace method {interlace}")
    return width, height, bit_depth, color_type


def _chunk_name(ctype: bytes, offset: int) -> str:
    if not ctype.isalpha():
        raise PngError(f"invalid PNG: malformed chunk type {ctype!r} at byte {offset}")
    return ctype.decode("ascii")


# --- byte-parallel filter arithmetic ----------------------------------------------------
#
# The Up filter adds/subtracts whole rows byte-wise modulo 256. Doing that on one big
# integer per row ("SIMD within a register") keeps it in C: the low seven bits of every
# byte are combined without carries crossing bytes, and bit 7 is fixed up with XOR.


@functools.lru_cache(maxsize=64)
def _masks(n: int) -> tuple[int, int]:
    return int.from_bytes(b"\x7f" * n, "big"), int.from_bytes(b"\x80" * n, "big")


def _add_rows(a: bytes, b: bytes) -> bytes:
    """``(a[i] + b[i]) % 256`` for every byte."""
    low, high = _masks(len(a))
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(len(a), "big")


def _subtract_rows(a: bytes, b: bytes) -> bytes:
    """``(a[i] - b[i]) % 256`` for every byte."""
    low, high = _masks(len(a))
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    return (((x | high) - (y & low)) ^ ((x ^ ~y) & high)).to_bytes(len(a), "big")


# --- encoding ---------------------------------------------------------------------------


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def encode_png(
    width: int,
    height: int,
    pixels: bytes | bytearray | memoryview,
    *,
    color_type: int = 6,
) -> bytes:
    """Encode 8-bit pixels (row-major, no padding) as a PNG.

    ``color_type`` is 6 for RGBA (4 bytes a pixel) or 2 for RGB (3 bytes a pixel). Rows
    after the first use the Up filter, which turns repeated rows into zeros; the output
    is deterministic (zlib level 6, one IDAT chunk).
    """
    if color_type not in (2, 6):
        raise ValueError(f"encode_png supports colour types 2 (RGB) and 6 (RGBA), not {color_type}")
    if not (0 < width <= _MAX_DIMENSION and 0 < height <= _MAX_DIMENSION):
        raise ValueError(f"image dimensions {width}x{height} are out of range")
    channels = 4 if color_type == 6 else 3
    row_bytes = width * channels
    view = memoryview(pixels).cast("B") if isinstance(pixels, memoryview) else pixels
    if len(view) != row_bytes * height:
        raise ValueError(
            f"expected {row_bytes * height} bytes of pixels for {width}x{height}"
            f" with colour type {color_type}, got {len(view)}"
        )
    zero_row = bytes(row_bytes)
    parts: list[bytes] = []
    previous = b""
    for y in range(height):
        row = bytes(view[y * row_bytes : (y + 1) * row_bytes])
        if y == 0:
            parts += (b"\x00", row)
        elif row == previous:
            parts += (b"\x02", zero_row)
        else:
            parts += (b"\x02", _subtract_rows(row, previous))
        previous = row
    header = _IHDR.pack(width, height, 8, color_type, 0, 0, 0)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(parts), 6)),
            _chunk(b"IEND", b""),
        )
    )


# --- decoding ---------------------------------------------------------------------------

_AND_255 = (255).__and__


def _unfilter_sub(line: bytes, bpp: int) -> bytes:
    # Sub is a running sum per byte position within a pixel: accumulate() does it in C.
    out = bytearray(len(line))
    for channel in range(bpp):
        out[channel::bpp] = bytes(map(_AND_255, accumulate(line[channel::bpp])))
    return bytes(out)


def _unfilter_average(line: bytes, prior: bytes, bpp: int) -> bytes:
    out = bytearray(line)
    for i in range(min(bpp, len(out))):
        out[i] = (line[i] + (prior[i] >> 1)) & 255
    for i in range(bpp, len(out)):
        out[i] = (line[i] + ((out[i - bpp] + prior[i]) >> 1)) & 255
    return bytes(out)


def _unfilter_paeth(line: bytes, prior: bytes, bpp: int) -> bytes:
    out = bytearray(line)
    for i in range(min(bpp, len(out))):
        out[i] = (line[i] + prior[i]) & 255  # a = c = 0, so the predictor is b
    for i in range(bpp, len(out)):
        a, b, c = out[i - bpp], prior[i], prior[i - bpp]
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        if pa <= pb and pa <= pc:
            out[i] = (line[i] + a) & 255
        elif pb <= pc:
            out[i] = (line[i] + b) & 255
        else:
            out[i] = (line[i] + c) & 255
    return bytes(out)


def _unfilter(raw: bytes, height: int, row_bytes: int, bpp: int) -> bytes:
    out = bytearray(height * row_bytes)
    zero_row = bytes(row_bytes)
    prior = zero_row
    position = 0
    for y in range(height):
        filter_type = raw[position]
        line = raw[position + 1 : position + 1 + row_bytes]
        position += row_bytes + 1
        if filter_type == 0:
            row = line
        elif filter_type == 1 or (filter_type == 4 and prior == zero_row):
            row = _unfilter_sub(line, bpp)  # Paeth on a zero prior row is Sub
        elif filter_type == 2:
            row = _add_rows(line, prior)
        elif filter_type == 3:
            row = _unfilter_average(line, prior, bpp)
        elif filter_type == 4:
            row = _unfilter_paeth(line, prior, bpp)
        else:
            raise PngError(f"corrupt PNG: unknown filter type {filter_type} on row {y}")
        out[y * row_bytes : (y + 1) * row_bytes] = row
        prior = row
    return bytes(out)


@functools.lru_cache(maxsize=8)
def _unpack_table(bit_depth: int, scale: int) -> tuple[bytes, ...]:
    """Byte value -> its packed samples (most significant first), each times ``scale``."""
    per_byte = 8 // bit_depth
    sample_mask = (1 << bit_depth) - 1
    return tuple(
        bytes(((value >> (8 - bit_depth * (k + 1))) & sample_mask) * scale for k in range(per_byte))
        for value in range(256)
    )


def _expand_samples(
    flat: bytes, width: int, height: int, row_bytes: int, bit_depth: int, scale: int
) -> bytes:
    """Unpack 1/2/4-bit samples into one byte each (rows are padded to whole bytes)."""
    table = _unpack_table(bit_depth, scale)
    rows = []
    for y in range(height):
        packed = flat[y * row_bytes : (y + 1) * row_bytes]
        rows.append(b"".join(map(table.__getitem__, packed))[:width])
    return b"".join(rows)


def _key_matches(flat: bytes, key: bytes) -> list[int]:
    """Indices of the pixels (``len(key)`` bytes each) equal to ``key``."""
    size = len(key)
    found: list[int] = []
    position = flat.find(key)
    while position != -1:
        if position % size == 0:
            found.append(position // size)
            position = flat.find(key, position + size)
        else:
            position = flat.find(key, position + 1)
    return found


def decode_png(data: bytes | bytearray | memoryview) -> tuple[int, int, bytes]:
    """Decode a non-interlaced PNG to ``(width, height, rgba)`` with 8 bits per channel.

    Handles colour types 0, 2, 3 (with ``tRNS``), 4 and 6 at every bit depth the format
    allows (16-bit samples keep their high byte), all five filter types, and verifies every
    chunk's CRC. Rows filtered with Average or Paeth are decoded in Python and are slower
    than None/Sub/Up rows.

    Raises:
        PngError: malformed, truncated or unsupported (interlaced) data.
    """
    view = memoryview(data).cast("B") if isinstance(data, memoryview) else memoryview(data)
    info = read_png_info(view)
    if view[28] != 0:  # IHDR interlace byte
        raise PngError("unsupported PNG: interlaced (Adam7) images are not supported")
    palette = b""
    transparency = b""
    idat: list[memoryview] = []
    offset = 8
    while offset < info.size:
        length, ctype = _CHUNK_HEADER.unpack(view[offset : offset + 8])
        body = view[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", view[offset + 8 + length : offset + 12 + length])
        if zlib.crc32(body, zlib.crc32(ctype)) != crc:
            raise PngError(f"corrupt PNG: CRC mismatch in chunk {ctype.decode()} at byte {offset}")
        if ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"PLTE":
            palette = bytes(body)
        elif ctype == b"tRNS" and not idat:
            transparency = bytes(body)
        offset += length + 12

    channels = _COLOR_TYPES[info.color_type][0]
    depth = info.bit_depth
    width, height = info.width, info.height
    row_bytes = (width * channels * depth + 7) // 8
    bpp = max(1, channels * depth // 8)
    expected = height * (row_bytes + 1)
    try:
        raw = zlib.decompressobj().decompress(b"".join(idat), expected)
    except zlib.error as exc:
        raise PngError(f"corrupt PNG: image data does not inflate ({exc})") from None
    if len(raw) < expected:
        raise PngError(
            f"truncated PNG: image data inflates to {len(raw)} bytes, expected {expected}"
        )
    flat = _unfilter(raw, height, row_bytes, bpp)
    return width, height, _to_rgba(flat, info, row_bytes, palette, transparency)


def _to_rgba(
    flat: bytes, info: PngInfo, row_bytes: int, palette: bytes, transparency: bytes
) -> bytes:
    width, height, depth, color_type = info.width, info.height, info.bit_depth, info.color_type
    count = width * height
    alpha = bytearray(b"\xff" * count)
    # For greyscale and RGB, tRNS holds one colour (16-bit samples) that is fully transparent.
    key: tuple[int, ...] = ()
    if transparency and color_type in (0, 2):
        samples = 1 if color_type == 0 else 3
        key = struct.unpack(f">{samples}H", transparency[: 2 * samples])
    if depth == 16:
        if key:
            for index in _key_matches(flat, struct.pack(f">{len(key)}H", *key)):
                alpha[index] = 0
        flat = flat[0::2]  # keep the high byte of every sample
    else:
        if depth < 8:
            scale = 1 if color_type == 3 else 255 // ((1 << depth) - 1)
            flat = _expand_samples(flat, width, height, row_bytes, depth, scale)
            key = tuple((value & ((1 << depth) - 1)) * scale for value in key)
        if key:
            for index in _key_matches(flat, bytes(value & 255 for value in key)):
                alpha[index] = 0

    if color_type == 3:
        return b"".join(map(_palette_table(palette, transparency).__getitem__, flat))
    if color_type == 6:
        return flat
    out = bytearray(4 * count)
    if color_type == 2:
        out[0::4], out[1::4], out[2::4] = flat[0::3], flat[1::3], flat[2::3]
        out[3::4] = alpha
    elif color_type == 0:
        out[0::4] = out[1::4] = out[2::4] = flat
        out[3::4] = alpha
    else:  # 4: grey + alpha
        out[0::4] = out[1::4] = out[2::4] = flat[0::2]
        out[3::4] = flat[1::2]
    return bytes(out)


def _palette_table(palette: bytes, transparency: bytes) -> list[bytes]:
    """Palette index -> RGBA; indices past the palette decode as opaque black."""
    table = [b"\x00\x00\x00\xff"] * 256
    for index in range(min(256, len(palette) // 3)):
        opacity = transparency[index] if index < len(transparency) else 255
        table[index] = palette[3 * index : 3 * index + 3] + bytes((opacity,))
    return table
