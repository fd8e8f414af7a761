"""openapiopenai._png: header inspection, encoding and decoding of PNG images."""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openapiopenai._png import (
    PNG_SIGNATURE,
    PngError,
    PngInfo,
    decode_png,
    encode_png,
    read_png_info,
)

# --- building PNGs by hand, independently of the module under test -------------------


def chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def ihdr(
    width: int, height: int, bit_depth: int = 8, color_type: int = 6, interlace: int = 0
) -> bytes:
    return chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    )


def build_png(
    width: int,
    height: int,
    scanlines: bytes,
    *,
    bit_depth: int = 8,
    color_type: int = 6,
    before_idat: Sequence[bytes] = (),
    after_idat: Sequence[bytes] = (),
    interlace: int = 0,
) -> bytes:
    """A PNG from already-filtered scanlines (each starting with its filter byte)."""
    return (
        PNG_SIGNATURE
        + ihdr(width, height, bit_depth, color_type, interlace)
        + b"".join(before_idat)
        + chunk(b"IDAT", zlib.compress(scanlines))
        + b"".join(after_idat)
        + chunk(b"IEND", b"")
    )


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind: int, row: bytes, prior: bytes, bpp: int) -> bytes:
    """Apply PNG filter ``kind`` byte by byte, straight from the specification."""
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
        out.append((x - predictor) % 256)
    return bytes([kind]) + bytes(out)


def filtered(pixels: bytes, width: int, height: int, bpp: int, kinds: Sequence[int]) -> bytes:
    row_bytes = width * bpp
    prior = bytes(row_bytes)
    lines = []
    for y in range(height):
        row = pixels[y * row_bytes : (y + 1) * row_bytes]
        lines.append(filter_row(kinds[y % len(kinds)], row, prior, bpp))
        prior = row
    return b"".join(lines)


def gradient_rgba(width: int, height: int) -> bytes:
    return bytes(
        v
        for y in range(height)
        for x in range(width)
        for v in ((x * 37) % 256, (y * 59) % 256, (x * y) % 256, (x + 3 * y) % 256)
    )


# --- encode / decode -------------------------------------------------------------------


def test_rgba_round_trip() -> None:
    pixels = os.urandom(13 * 7 * 4)
    assert decode_png(encode_png(13, 7, pixels)) == (13, 7, pixels)


def test_rgb_round_trip_decodes_to_opaque_rgba() -> None:
    rgb = os.urandom(9 * 5 * 3)
    width, height, rgba = decode_png(encode_png(9, 5, rgb, color_type=2))
    assert (width, height) == (9, 5)
    assert (rgba[0::4], rgba[1::4], rgba[2::4]) == (rgb[0::3], rgb[1::3], rgb[2::3])
    assert rgba[3::4] == b"\xff" * 45


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 24),
    height=st.integers(1, 24),
    rgb=st.booleans(),
    data=st.data(),
)
def test_round_trip_property(width: int, height: int, rgb: bool, data: st.DataObject) -> None:
    channels = 3 if rgb else 4
    pixels = data.draw(
        st.binary(min_size=width * height * channels, max_size=width * height * channels)
    )
    png = encode_png(width, height, pixels, color_type=2 if rgb else 6)
    info = read_png_info(png)
    assert (info.width, info.height, info.size) == (width, height, len(png))
    decoded = decode_png(png)[2]
    if rgb:
        assert (
            decoded[0::4] + decoded[1::4] + decoded[2::4]
            == pixels[0::3] + pixels[1::3] + pixels[2::3]
        )
    else:
        assert decoded == pixels


def test_encoding_is_deterministic_and_compresses_repeated_rows() -> None:
    pixels = bytes(range(64)) * 16 * 256  # 256 identical rows of 256 RGBA pixels
    png = encode_png(256, 256, pixels)
    assert png == encode_png(256, 256, pixels)
    assert len(png) < len(pixels) // 50


def test_encode_rejects_wrong_pixel_count_and_colour_type() -> None:
    with pytest.raises(ValueError, match="expected 16 bytes"):
        encode_png(2, 2, b"\x00" * 15)
    with pytest.raises(ValueError, match="colour type"):
        encode_png(2, 2, b"\x00" * 4, color_type=0)


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4], ids=["none", "sub", "up", "average", "paeth"])
@pytest.mark.parametrize("channels", [3, 4])
def test_each_filter_type_decodes(kind: int, channels: int) -> None:
    width, height = 17, 9
    rgba = gradient_rgba(width, height)
    pixels = rgba if channels == 4 else b"".join(rgba[i : i + 3] for i in range(0, len(rgba), 4))
    png = build_png(
        width,
        height,
        filtered(pixels, width, height, channels, [kind]),
        color_type=6 if channels == 4 else 2,
    )
    decoded = decode_png(png)[2]
    if channels == 4:
        assert decoded == rgba
    else:
        assert decoded[0::4] == rgba[0::4] and decoded[2::4] == rgba[2::4]


def test_mixed_filters_row_by_row() -> None:
    width, height = 31, 20
    rgba = gradient_rgba(width, height)
    png = build_png(width, height, filtered(rgba, width, height, 4, [4, 3, 2, 1, 0]))
    assert decode_png(png) == (width, height, rgba)


def test_unknown_filter_type_is_an_error() -> None:
    png = build_png(1, 1, b"\x05\x00\x00\x00\x00")
    with pytest.raises(PngError, match="filter type 5"):
        decode_png(png)


def test_palette_with_trns() -> None:
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255])
    trns = bytes([0, 128])  # third entry has no alpha value: opaque
    indices = bytes([0, 1, 2, 2, 1, 0])
    png = build_png(
        3,
        2,
        b"\x00" + indices[:3] + b"\x00" + indices[3:],
        color_type=3,
        before_idat=[chunk(b"PLTE", palette), chunk(b"tRNS", trns)],
    )
    assert read_png_info(png).has_alpha
    expected = [(255, 0, 0, 0), (0, 255, 0, 128), (0, 0, 255, 255)]
    assert decode_png(png)[2] == b"".join(bytes(expected[i]) for i in indices)


def test_two_bit_palette_rows_are_unpacked() -> None:
    palette = bytes([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40])
    # 5 pixels at 2 bits: indices 0,1,2,3 | 3 (+ padding bits) per row
    row = bytes([0b00011011, 0b11000000])
    png = build_png(
        5, 1, b"\x00" + row, bit_depth=2, color_type=3, before_idat=[chunk(b"PLTE", palette)]
    )
    rgba = decode_png(png)[2]
    assert rgba[0::4] == bytes([10, 20, 30, 40, 40])


def test_greyscale_with_trns_and_grey_alpha() -> None:
    grey = build_png(
        3, 1, b"\x00" + bytes([0, 7, 255]), color_type=0, before_idat=[chunk(b"tRNS", b"\x00\x07")]
    )
    assert decode_png(grey)[2] == bytes([0, 0, 0, 255, 7, 7, 7, 0, 255, 255, 255, 255])
    grey_alpha = build_png(2, 1, b"\x00" + bytes([9, 100, 200, 0]), color_type=4)
    assert decode_png(grey_alpha)[2] == bytes([9, 9, 9, 100, 200, 200, 200, 0])


def test_rgb_trns_makes_the_key_colour_transparent() -> None:
    pixels = bytes([1, 2, 3, 4, 5, 6, 1, 2, 3])
    png = build_png(
        3,
        1,
        b"\x00" + pixels,
        color_type=2,
        before_idat=[chunk(b"tRNS", struct.pack(">3H", 1, 2, 3))],
    )
    assert decode_png(png)[2][3::4] == bytes([0, 255, 0])


def test_sixteen_bit_keeps_the_high_byte() -> None:
    samples = [0x1234, 0xFF00, 0x00FF, 0xABCD, 0x8001, 0x0102]  # two RGB pixels
    png = build_png(2, 1, b"\x00" + struct.pack(">6H", *samples), bit_depth=16, color_type=2)
    assert decode_png(png)[2] == bytes([0x12, 0xFF, 0x00, 255, 0xAB, 0x80, 0x01, 255])


def test_interlaced_images_are_rejected_by_the_decoder() -> None:
    png = build_png(1, 1, b"\x00\x00\x00\x00\x00", interlace=1)
    assert read_png_info(png).width == 1  # a valid PNG...
    with pytest.raises(PngError, match="interlaced"):
        decode_png(png)  # ...that this decoder does not handle


def test_decoder_verifies_chunk_crcs_and_image_data_length() -> None:
    png = bytearray(encode_png(4, 4, bytes(64)))
    idat = png.index(b"IDAT")
    png[idat + 6] ^= 0xFF
    with pytest.raises(PngError, match="CRC mismatch in chunk IDAT"):
        decode_png(bytes(png))
    short = build_png(4, 4, zlib.decompress(zlib.compress(b"\x00" * 17))[:10])
    with pytest.raises(PngError, match="inflates to 10 bytes, expected 68"):
        decode_png(short)


# --- read_png_info -------------------------------------------------------------------


def test_info_fields() -> None:
    png = encode_png(20, 10, bytes(20 * 10 * 3), color_type=2)
    assert read_png_info(png) == PngInfo(
        width=20, height=10, bit_depth=8, color_type=2, has_alpha=False, size=len(png)
    )


@pytest.mark.parametrize(
    ("color_type", "extra", "has_alpha"),
    [
        (2, [], False),
        (6, [], True),
        (4, [], True),
        (0, [], False),
        (2, [chunk(b"tRNS", b"\x00\x01\x00\x02\x00\x03")], True),
        (0, [chunk(b"tRNS", b"\x00\x01")], True),
    ],
    ids=["rgb", "rgba", "grey-alpha", "grey", "rgb-trns", "grey-trns"],
)
def test_has_alpha(color_type: int, extra: list[bytes], has_alpha: bool) -> None:
    png = build_png(1, 1, b"\x00" + bytes(4), color_type=color_type, before_idat=extra)
    assert read_png_info(png).has_alpha is has_alpha


def test_trns_after_image_data_does_not_count() -> None:
    png = build_png(1, 1, b"\x00" + bytes(3), color_type=2, after_idat=[chunk(b"tRNS", bytes(6))])
    assert read_png_info(png).has_alpha is False


def test_accepts_bytearray_memoryview_and_ignores_trailing_bytes() -> None:
    png = encode_png(3, 3, bytes(27), color_type=2)
    for source in (bytearray(png), memoryview(png), png + b"trailing junk"):
        info = read_png_info(source)
        assert (info.width, info.size) == (3, len(png))


def _error(data: bytes) -> str:
    with pytest.raises(PngError) as caught:
        read_png_info(data)
    message = str(caught.value)
    assert "\n" not in message
    return message


GOOD = encode_png(8, 8, bytes(8 * 8 * 4))


def test_not_a_png() -> None:
    assert "empty" in _error(b"")
    assert "signature" in _error(b"GIF89a" + GOOD[6:])
    assert "inside the signature" in _error(GOOD[:5])
    assert isinstance(PngError("x"), ValueError)


def test_ihdr_problems() -> None:
    bad_crc = bytearray(GOOD)
    bad_crc[29] ^= 0x01  # last byte of the IHDR CRC
    assert "IHDR CRC mismatch" in _error(bytes(bad_crc))
    assert "first chunk is IDAT" in _error(PNG_SIGNATURE + chunk(b"IDAT", b"") + GOOD[33:])
    assert "length is 12" in _error(PNG_SIGNATURE + chunk(b"IHDR", bytes(12)) + GOOD[33:])
    assert "0x8 are out of range" in _error(PNG_SIGNATURE + ihdr(0, 8) + GOOD[33:])
    assert "bit depth 4 is not allowed for colour type 2" in _error(
        PNG_SIGNATURE + ihdr(8, 8, bit_depth=4, color_type=2) + GOOD[33:]
    )
    assert "unknown colour type 5" in _error(PNG_SIGNATURE + ihdr(8, 8, color_type=5) + GOOD[33:])
    assert "ends inside the IHDR" in _error(GOOD[:20])


def test_truncation_is_detected() -> None:
    iend = len(GOOD) - 12
    assert "without an IEND" in _error(GOOD[:iend])  # missing IEND
    assert "chunk IDAT at byte 33 declares" in _error(GOOD[: iend - 5])  # cut inside IDAT
    assert "header at byte" in _error(GOOD[: iend + 3])  # cut inside the IEND header


def test_structure_problems() -> None:
    assert "no IDAT" in _error(PNG_SIGNATURE + ihdr(1, 1) + chunk(b"IEND", b""))
    palette_without_plte = build_png(1, 1, b"\x00\x00", color_type=3)
    assert "without a PLTE" in _error(palette_without_plte)
    assert "malformed chunk type" in _error(GOOD[:33] + struct.pack(">I", 0) + b"ID@T" + GOOD[41:])


# --- streams ---------------------------------------------------------------------------


class CountingStream(io.BytesIO):
    """A BytesIO that counts the bytes handed out by read()."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


class NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(min(len(buffer), 1000))  # short reads, like a pipe
        buffer[: len(chunk)] = chunk
        return len(chunk)


def big_png(idat_bytes: int) -> bytes:
    """A structurally valid PNG with a large IDAT (its content is never inflated here)."""
    return (
        PNG_SIGNATURE + ihdr(1024, 1024) + chunk(b"IDAT", bytes(idat_bytes)) + chunk(b"IEND", b"")
    )


def test_stream_position_is_restored_after_success_and_failure() -> None:
    stream = io.BytesIO(b"prefix" + GOOD)
    stream.seek(6)
    assert read_png_info(stream).size == len(GOOD)
    assert stream.tell() == 6
    broken = io.BytesIO(b"xx" + GOOD[:-12])
    broken.seek(2)
    with pytest.raises(PngError, match="without an IEND"):
        read_png_info(broken)
    assert broken.tell() == 2


def test_stream_chunk_data_is_skipped_not_read() -> None:
    data = big_png(4 * 1024 * 1024)
    stream = CountingStream(data)
    info = read_png_info(stream)
    assert info.size == len(data)
    assert stream.bytes_read < 100  # signature, IHDR and chunk headers only


def test_truncated_stream_is_detected_without_reading_it() -> None:
    stream = CountingStream(big_png(4 * 1024 * 1024)[:-1000])
    with pytest.raises(PngError, match="declares 4194304 data bytes but only"):
        read_png_info(stream)
    assert stream.bytes_read < 100


def test_non_seekable_stream() -> None:
    data = big_png(50_000)
    info = read_png_info(NonSeekable(data))  # type: ignore[arg-type]
    assert (info.width, info.size) == (1024, len(data))
    with pytest.raises(PngError, match="truncated"):
        read_png_info(NonSeekable(data[:-20]))  # type: ignore[arg-type]


def test_info_on_a_4mb_buffer_does_not_copy_it() -> None:
    data = big_png(4 * 1024 * 1024)
    # Walking 1000 times would take seconds if each call copied or scanned the 4 MB.
    for _ in range(1000):
        assert read_png_info(data).size == len(data)
