"""Deterministic stand-in images: generations, edits and variations as real PNGs.

Everything is built from whole rows with bytes joins, multiplication and strided slice
assignment (C-speed) instead of per-pixel Python loops, so a 1792x1024 image takes
milliseconds. Pixels are row-major RGB or RGBA, 8 bits per channel.
"""

from __future__ import annotations

import hashlib
from operator import itemgetter

from openapiopenai._png import encode_png

__all__ = [
    "Pixels",
    "blend",
    "edit_pixels",
    "edit_png",
    "encode_output",
    "generate_png",
    "pixelate",
    "scale_nearest",
    "synthesize",
    "variation_png",
]

#: A decoded image: (width, height, RGBA bytes).
Pixels = tuple[int, int, bytes]

_GRID = 8  # cells per side of the colour grid
_SHADES = 16  # brightness steps within one grid band
# Alpha byte -> 0 where fully transparent (the area to edit), 1 elsewhere.
_EDIT_FLAGS = bytes([0] + [1] * 255)
_HALF = bytes(value >> 1 for value in range(256))


def synthesize(prompt: str, width: int, height: int, index: int, *, alpha: bool = False) -> bytes:
    """The pixels of image ``index`` for ``prompt`` at ``width`` x ``height``.

    A grid of 8x8 colour cells picked by hashing the inputs, each band shaded from light
    to dark; RGB, or opaque RGBA with ``alpha=True``. Same inputs, same pixels.
    """
    seed = f"{width}x{height}|{index}|{prompt}".encode()
    colours = hashlib.shake_256(seed).digest(_GRID * _GRID * 3)
    xs = [width * i // _GRID for i in range(_GRID + 1)]
    ys = [height * j // _GRID for j in range(_GRID + 1)]
    opaque = b"\xff" if alpha else b""
    rows: list[bytes] = []
    for band in range(_GRID):
        band_height = ys[band + 1] - ys[band]
        for step in range(_SHADES):
            count = band_height * (step + 1) // _SHADES - band_height * step // _SHADES
            if count == 0:
                continue
            factor = 256 - step * 6
            cells = []
            for column in range(_GRID):
                base = (band * _GRID + column) * 3
                pixel = bytes(c * factor >> 8 for c in colours[base : base + 3]) + opaque
                cells.append(pixel * (xs[column + 1] - xs[column]))
            rows.append(b"".join(cells) * count)
    return b"".join(rows)


def generate_png(prompt: str, width: int, height: int, index: int) -> bytes:
    """:func:`synthesize` encoded as an RGB PNG."""
    return encode_png(width, height, synthesize(prompt, width, height, index), color_type=2)


def scale_nearest(
    pixels: bytes, width: int, height: int, new_width: int, new_height: int, channels: int = 4
) -> bytes:
    """Resize row-major pixels with nearest-neighbour sampling."""
    if (width, height) == (new_width, new_height):
        return pixels
    row_bytes = width * channels
    pick = itemgetter(*[x * width // new_width for x in range(new_width)])
    rows: list[bytes] = []
    source_row, row = -1, b""
    for y in range(new_height):
        sy = y * height // new_height
        if sy != source_row:  # rows sampled from the same source row are equal
            start = sy * row_bytes
            line = pixels[start : start + row_bytes]
            cells = [line[i : i + channels] for i in range(0, row_bytes, channels)]
            picked = pick(cells)
            row = b"".join(picked) if new_width > 1 else picked
            source_row = sy
        rows.append(row)
    return b"".join(rows)


def edit_pixels(
    image: Pixels, mask: Pixels | None, prompt: str, width: int, height: int, index: int
) -> bytearray:
    """Edit ``image`` where ``mask`` (or, without one, the image) is fully transparent.

    Both are scaled to ``width`` x ``height`` first; pixels whose mask alpha is 0 become the
    generated pixels for ``prompt``, every other pixel is kept as it was. Returns RGBA.
    """
    result = bytearray(scale_nearest(image[2], image[0], image[1], width, height))
    if mask is None:
        edit_alpha = bytes(result[3::4])
    else:
        edit_alpha = scale_nearest(mask[2], mask[0], mask[1], width, height)[3::4]
    generated = synthesize(prompt, width, height, index, alpha=True)
    flags = edit_alpha.translate(_EDIT_FLAGS)
    start = flags.find(0)
    while start != -1:  # copy each run of pixels to edit in one slice
        end = flags.find(1, start)
        end = len(flags) if end == -1 else end
        result[start * 4 : end * 4] = generated[start * 4 : end * 4]
        start = flags.find(0, end)
    return result


def edit_png(
    image: Pixels, mask: Pixels | None, prompt: str, width: int, height: int, index: int
) -> bytes:
    """:func:`edit_pixels` encoded as an RGBA PNG."""
    return encode_png(width, height, edit_pixels(image, mask, prompt, width, height, index))


def blend(first: bytes, second: bytes) -> bytearray:
    """The byte-wise average (rounded down) of two equally long pixel buffers."""
    # Halved bytes are at most 127, so adding them as big integers never carries.
    total = int.from_bytes(first.translate(_HALF), "big") + int.from_bytes(
        second.translate(_HALF), "big"
    )
    return bytearray(total.to_bytes(len(first), "big"))


def pixelate(pixels: bytes, width: int, height: int, factor: int, channels: int) -> bytes:
    """``pixels`` in blocks of ``factor`` x ``factor`` (a coarse preview, same size)."""
    small_width, small_height = max(1, width // factor), max(1, height // factor)
    small = scale_nearest(pixels, width, height, small_width, small_height, channels)
    return scale_nearest(small, small_width, small_height, width, height, channels)


def encode_output(
    rgba: bytes | bytearray, width: int, height: int, *, transparent: bool
) -> tuple[bytes, int]:
    """Final pixels for a GPT image model and their PNG colour type (6 RGBA, 2 RGB).

    Opaque output drops the alpha channel; transparent output is fully transparent in a
    frame along the edges (the "background"), opaque elsewhere.
    """
    if not transparent:
        rgb = bytearray(width * height * 3)
        for channel in range(3):
            rgb[channel::3] = rgba[channel::4]
        return bytes(rgb), 2
    result = bytearray(rgba)
    result[3::4] = b"\xff" * (width * height)
    border = max(1, min(width, height) // 16)
    row = width * 4
    result[3 : border * row : 4] = bytes(border * width)
    result[(height - border) * row + 3 :: 4] = bytes(border * width)
    for y in range(border, height - border):
        start = y * row
        result[start + 3 : start + border * 4 : 4] = bytes(border)
        result[start + (width - border) * 4 + 3 : start + row : 4] = bytes(border)
    return bytes(result), 6


def variation_png(image: Pixels, width: int, height: int, index: int) -> bytes:
    """A variation of ``image``: scaled, channels rotated and shifted by a hash of its pixels.

    Alpha is kept; the shift differs per ``index``. Returns an RGBA PNG.
    """
    scaled = scale_nearest(image[2], image[0], image[1], width, height)
    digest = hashlib.sha256(image[2]).digest() + index.to_bytes(4, "big")
    shifts = hashlib.shake_256(digest).digest(3)
    tables = [bytes((value + (shift | 1)) & 255 for value in range(256)) for shift in shifts]
    channels = [scaled[c::4].translate(tables[c]) for c in range(3)]
    rotation = index % 3
    result = bytearray(scaled)
    for c in range(3):
        result[c::4] = channels[(c + rotation) % 3]
    return encode_png(width, height, result)
