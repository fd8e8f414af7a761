"""Rich display in Jupyter: images as PNG/JPEG, responses and batches as captioned HTML grids.

IPython calls the models' ``_repr_png_`` / ``_repr_jpeg_`` / ``_repr_html_``, which land
here.  Nothing is downloaded to display: ``b64_json`` images are shown inline, ``url``
images as ``<img src>`` for the browser to load.  Every string the server sent (URL,
revised prompt, size) is HTML-escaped before it is put in the page.

What goes into the notebook is bounded: an image of up to :data:`INLINE_LIMIT` bytes is
shown as it is; a larger one as a thumbnail of at most :data:`THUMBNAIL_SIDE` pixels a side
when Pillow is installed (the ``notebook`` extra), else as its dimensions and size with
how to see it (``save()`` or ``display(image.full())``).  A notebook of four full-size
images would otherwise carry megabytes of base64 per cell.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator, Sequence, Sized
from typing import Any, NamedTuple, Optional, Protocol, Union
from urllib.parse import urlsplit

from openapiopenai import _base64
from openapiopenai._file_types import sniff_image_type
from openapiopenai._lazy_text import LazyText
from openapiopenai._results import decode_b64
from openapiopenai.exceptions import ApiResponseValidationError

__all__ = [
    "INLINE_LIMIT",
    "THUMBNAIL_SIDE",
    "FullImage",
    "batch_html",
    "event_html",
    "event_inline",
    "files_grid_html",
    "image_html",
    "image_inline",
    "response_html",
    "sniffed_type",
]

#: The largest image (decoded bytes) put in a notebook as it is.
INLINE_LIMIT = 200_000
# An image file bigger than this is not read to be shown (no image of the API is).
_MAX_FILE_SHOWN = 64 * 1024 * 1024
#: The longest side of a thumbnail, in pixels.
THUMBNAIL_SIDE = 320
# Whether to make thumbnails with Pillow: None when it is installed; tests set False.
_USE_PILLOW: Optional[bool] = None

_GRID_STYLE = (
    "display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));"
    "gap:12px;align-items:start"
)
_FIGURE_STYLE = "margin:0"
_IMG_STYLE = "width:100%;height:auto;display:block;border-radius:4px"
_CAPTION_STYLE = "font-size:0.85em;line-height:1.3;margin-top:4px;color:#555"
_ERROR_STYLE = "padding:8px;border:1px solid #d33;border-radius:4px;color:#a00"
# IPython shows these two from _repr_png_/_repr_jpeg_; other formats go through HTML.
_IPYTHON_IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})
_B64 = Union[str, LazyText]


# What is shown, as this module reads it: the models and the batch results call in here,
# so it names only the attributes it reads, not their classes.


class _Image(Protocol):
    """An image (``models.Image``): its URL, revised prompt and base64 as held."""

    @property
    def url(self) -> Optional[str]: ...
    @property
    def revised_prompt(self) -> Optional[str]: ...
    def _b64_data(self) -> Optional[_B64]: ...


class _Response(Protocol):
    """An operation's images (``models.ImagesResponse``) and the facts of its header."""

    @property
    def data(self) -> Sequence[_Image]: ...
    @property
    def size(self) -> Optional[str]: ...
    @property
    def quality(self) -> Optional[str]: ...
    @property
    def output_format(self) -> Optional[str]: ...


class _Event(Protocol):
    """A streamed event (``models.ImageStreamEvent``): its type and image."""

    @property
    def type(self) -> str: ...
    @property
    def b64_json(self) -> Optional[str]: ...


class _Result(Protocol):
    """One item of a batch (``batch.BatchResult``): its value or its error."""

    @property
    def index(self) -> int: ...
    @property
    def value(self) -> Any: ...
    @property
    def error(self) -> Optional[Exception]: ...


class _Results(Protocol):
    """A batch's results in input order (``batch.BatchResults``) and its failures."""

    @property
    def errors(self) -> Sized: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[_Result]: ...


class Shown(NamedTuple):
    """What the notebook gets for one image: its bytes, their type, and whether reduced."""

    content_type: str
    data: bytes
    thumbnail: bool


def sniffed_type(b64_json: _B64) -> Optional[str]:
    """The content type of base64 image data, from its first bytes (``None``: not an image)."""
    text = b64_json.head(24) if isinstance(b64_json, LazyText) else b64_json[:24]
    try:
        head = _base64.decode(text)
    except ValueError:  # binascii.Error is one
        return None
    sniffed = sniff_image_type(head)
    return sniffed[0] if sniffed is not None else None


# --- what to show of base64 data ------------------------------------------------------

# IPython asks once per format: the last answer, for (data, whether Pillow may be used).
_last: Optional[tuple[object, Optional[bool], Optional[Shown]]] = None


def shown(b64_json: Optional[_B64]) -> Optional[Shown]:
    """The image to put in the notebook for ``b64_json``: as is, a thumbnail, or ``None``."""
    global _last
    if b64_json is None:
        return None
    last = _last  # one read: another thread may replace it
    if last is not None and last[0] is b64_json and last[1] is _USE_PILLOW:
        return last[2]
    result = _shown(b64_json)
    _last = (b64_json, _USE_PILLOW, result)
    return result


def _shown(b64_json: _B64) -> Optional[Shown]:
    content_type = sniffed_type(b64_json)
    if content_type is None:
        return None
    if _decoded_size(b64_json) <= INLINE_LIMIT:
        try:
            return Shown(content_type, decode_b64(b64_json), thumbnail=False)
        except ApiResponseValidationError:
            return None
    return _thumbnail(b64_json)


def _decoded_size(b64_json: _B64) -> int:
    return len(b64_json) * 3 // 4


def _pillow() -> Any:
    if _USE_PILLOW is False:
        return None
    try:
        from PIL import Image as PILImage
    except ImportError:
        return None
    return PILImage


def _thumbnail(b64_json: _B64) -> Optional[Shown]:
    """A thumbnail of at most THUMBNAIL_SIDE pixels a side and INLINE_LIMIT bytes."""
    pil = _pillow()
    if pil is None:
        return None
    try:
        with pil.open(io.BytesIO(decode_b64(b64_json))) as picture:
            picture.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # JPEG: decode smaller
            picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
            small = picture.convert("RGBA" if has_alpha else "RGB")
    except Exception:  # Pillow raises many kinds for data it cannot read: show none
        return None
    if has_alpha:
        png = io.BytesIO()
        small.save(png, "PNG", optimize=True)
        if png.tell() <= INLINE_LIMIT:
            return Shown("image/png", png.getvalue(), thumbnail=True)
        white = pil.new("RGB", small.size, (255, 255, 255))
        white.paste(small, mask=small.getchannel("A"))
        small = white
    for quality in (85, 60):
        jpeg = io.BytesIO()
        small.save(jpeg, "JPEG", quality=quality)
        if jpeg.tell() <= INLINE_LIMIT:
            return Shown("image/jpeg", jpeg.getvalue(), thumbnail=True)
    return None


def _dimensions(b64_json: _B64) -> Optional[tuple[int, int]]:
    """Width and height from a PNG header (other formats: ``None``)."""
    text = b64_json.head(32) if isinstance(b64_json, LazyText) else b64_json[:32]
    try:
        head = _base64.decode(text)
    except ValueError:  # binascii.Error is one
        return None
    if not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, size // 1000)} KB"


def _not_inlined(b64_json: _B64, name: str) -> str:
    """Says what the image is and how to see it, for one that is not put in the page."""
    content_type = sniffed_type(b64_json) or "image"
    kind = content_type.split("/")[-1].upper()
    dims = _dimensions(b64_json)
    facts = f"{dims[0]}×{dims[1]} {kind}" if dims else kind
    return (
        f"{facts}, {_size_text(_decoded_size(b64_json))}: not inlined (over "
        f"{_size_text(INLINE_LIMIT)}; install Pillow for thumbnails). "
        f"<code>{name}.save(&quot;image.png&quot;)</code> writes it; "
        f"<code>display({name}.full())</code> shows it full size."
    )


# --- images and responses -------------------------------------------------------------


def image_inline(image: _Image, content_type: str) -> Optional[bytes]:
    """What a PNG/JPEG display of ``image`` shows if it is in ``content_type``, else ``None``."""
    picture = shown(image._b64_data())
    return picture.data if picture is not None and picture.content_type == content_type else None


def image_html(image: _Image) -> Optional[str]:
    """One image as a captioned ``<figure>``; ``None`` where PNG/JPEG display covers it."""
    picture = shown(image._b64_data())
    if picture is not None and picture.content_type in _IPYTHON_IMAGE_TYPES:
        return None
    return _figure(image, 0, "image")


def response_html(response: _Response) -> str:
    """The images of ``response`` in a grid, each captioned with its revised prompt."""
    count = len(response.data)
    facts = [f"{count} image" + ("" if count == 1 else "s")]
    facts += [str(v) for v in (response.size, response.quality, response.output_format) if v]
    header = f"<div><b>ImagesResponse</b> · {html.escape(' · '.join(facts))}</div>"
    figures = "".join(
        _figure(image, i, f"response.data[{i}]") for i, image in enumerate(response.data)
    )
    return f'{header}<div class="openapiopenai-images" style="{_GRID_STYLE}">{figures}</div>'


def _figure(image: _Image, index: int, name: str, caption: Optional[str] = None) -> str:
    caption = caption if caption is not None else image.revised_prompt
    alt = html.escape(caption if caption else f"image {index}", quote=True)
    body = _picture_html(image._b64_data(), image.url, alt, name)
    figcaption = (
        f'<figcaption style="{_CAPTION_STYLE}">{html.escape(caption)}</figcaption>'
        if caption
        else ""
    )
    return f'<figure style="{_FIGURE_STYLE}">{body}{figcaption}</figure>'


def _picture_html(b64_json: Optional[_B64], url: Optional[str], alt: str, name: str) -> str:
    """An ``<img>`` of base64 data (bounded) or of an http(s) URL, else why there is none."""
    if b64_json is not None:
        picture = shown(b64_json)
        if picture is not None:
            data = _base64.encode(picture.data).decode("ascii")
            return _img(f"data:{picture.content_type};base64,{data}", alt)
        if sniffed_type(b64_json) is None:
            return "<div><i>b64_json that is not a PNG, JPEG, WebP or GIF image</i></div>"
        return f"<div><i>{_not_inlined(b64_json, name)}</i></div>"
    if url is not None:
        if urlsplit(url).scheme.lower() in ("http", "https"):
            return _img(url, alt)
        return f"<div><i>{html.escape(f'not an http(s) URL: {url[:80]}')}</i></div>"
    return "<div><i>no image data</i></div>"


def _img(src: str, alt: str) -> str:
    return (
        f'<img src="{html.escape(src, quote=True)}" alt="{alt}" '
        f'style="{_IMG_STYLE}" loading="lazy">'
    )


class FullImage:
    """Displays an image at full size in Jupyter (``display(image.full())``): unbounded."""

    __slots__ = ("_b64", "_url")

    def __init__(self, b64_json: Optional[_B64], url: Optional[str] = None) -> None:
        self._b64 = b64_json
        self._url = url

    def _bytes(self, content_type: str) -> Optional[bytes]:
        if self._b64 is None or sniffed_type(self._b64) != content_type:
            return None
        try:
            return decode_b64(self._b64)
        except ApiResponseValidationError:
            return None

    def _repr_png_(self) -> Optional[bytes]:
        return self._bytes("image/png")

    def _repr_jpeg_(self) -> Optional[bytes]:
        return self._bytes("image/jpeg")

    def _repr_html_(self) -> Optional[str]:
        if self._b64 is not None:
            content_type = sniffed_type(self._b64)
            if content_type in _IPYTHON_IMAGE_TYPES:
                return None
            if content_type is not None:
                data = self._b64.text() if isinstance(self._b64, LazyText) else self._b64
                return _img(f"data:{content_type};base64,{data}", "image")
        return _picture_html(None, self._url, "image", "image")

    def __repr__(self) -> str:
        return "<FullImage>"


# --- stream events ----------------------------------------------------------------------


def event_inline(event: _Event, content_type: str) -> Optional[bytes]:
    """What a PNG/JPEG display of ``event``'s image shows if in ``content_type``."""
    picture = shown(event.b64_json)
    return picture.data if picture is not None and picture.content_type == content_type else None


def event_html(event: _Event) -> Optional[str]:
    """An event's image in HTML where PNG/JPEG display does not cover it (``None`` else)."""
    if event.b64_json is None:
        return None
    picture = shown(event.b64_json)
    if picture is not None and picture.content_type in _IPYTHON_IMAGE_TYPES:
        return None
    body = _picture_html(event.b64_json, None, html.escape(event.type, quote=True), "event")
    caption = f'<figcaption style="{_CAPTION_STYLE}">{html.escape(event.type)}</figcaption>'
    return f'<figure style="{_FIGURE_STYLE}">{body}{caption}</figure>'


# --- batches ---------------------------------------------------------------------------


def batch_html(results: _Results) -> str:
    """Every item of a batch in input order: its images, or its error, in one grid."""
    failed = len(results.errors)
    header = f"<div><b>BatchResults</b> · {len(results) - failed} ok · {failed} failed</div>"
    cells: list[str] = []
    for result in results:
        label = f"#{result.index}"
        if result.error is not None:
            message = html.escape(f"{type(result.error).__name__}: {result.error}"[:500])
            cells.append(
                f'<figure style="{_FIGURE_STYLE}"><div style="{_ERROR_STYLE}">{message}</div>'
                f'<figcaption style="{_CAPTION_STYLE}">{label} failed</figcaption></figure>'
            )
            continue
        images = getattr(result.value, "data", None)
        if not isinstance(images, list):
            text = html.escape(repr(result.value)[:500])
            cells.append(
                f'<figure style="{_FIGURE_STYLE}"><div><code>{text}</code></div>'
                f'<figcaption style="{_CAPTION_STYLE}">{label}</figcaption></figure>'
            )
            continue
        for i, image in enumerate(images):
            prompt = image.revised_prompt
            caption = f"{label}.{i}" + (f" · {prompt}" if prompt else "")
            name = f"results[{result.index}].value.data[{i}]"
            cells.append(_figure(image, i, name, caption))
    return f'{header}<div class="openapiopenai-images" style="{_GRID_STYLE}">{"".join(cells)}</div>'


def files_grid_html(
    header: str,
    figures: Sequence[tuple[str, Optional[str], Optional[str]]],
) -> str:
    """A grid of images read from disk, or errors: ``(caption, path, error)`` per cell.

    Each image is shown bounded as a response's are (as it is, as a thumbnail, or said
    why not); a cell with an ``error`` shows it instead.
    """
    cells: list[str] = []
    for caption, path, error in figures:
        label = f'<figcaption style="{_CAPTION_STYLE}">{html.escape(caption)}</figcaption>'
        if error is not None or path is None:
            message = html.escape((error or "no image")[:500])
            cells.append(
                f'<figure style="{_FIGURE_STYLE}"><div style="{_ERROR_STYLE}">{message}</div>'
                f"{label}</figure>"
            )
            continue
        try:
            with open(path, "rb") as f:
                data = f.read(_MAX_FILE_SHOWN + 1)
        except OSError as e:
            body = f"<div><i>{html.escape(f'cannot read {path}: {e.strerror}')}</i></div>"
        else:
            if len(data) > _MAX_FILE_SHOWN:
                too_big = f"{path}: over {_size_text(_MAX_FILE_SHOWN)}"
                body = f"<div><i>{html.escape(too_big)}</i></div>"
            else:
                body = _file_picture_html(data, caption, path)
        cells.append(f'<figure style="{_FIGURE_STYLE}">{body}{label}</figure>')
    grid = f'<div class="openapiopenai-images" style="{_GRID_STYLE}">{"".join(cells)}</div>'
    return f"<div>{header}</div>{grid}"


def _file_picture_html(data: bytes, caption: str, path: str) -> str:
    b64 = _base64.encode(data).decode("ascii")
    picture = shown(b64)
    if picture is not None:
        encoded = _base64.encode(picture.data).decode("ascii")
        return _img(
            f"data:{picture.content_type};base64,{encoded}", html.escape(caption, quote=True)
        )
    kind = (sniffed_type(b64) or "file").split("/")[-1].upper()
    dims = _dimensions(b64)
    facts = f"{dims[0]}×{dims[1]} {kind}" if dims else kind
    return (
        f"<div><i>{html.escape(facts)}, {_size_text(len(data))}: not inlined (install "
        f"Pillow for thumbnails); the file is <code>{html.escape(path)}</code></i></div>"
    )
