"""Rich display in Jupyter: an image as PNG/JPEG, a response as a captioned HTML grid.

IPython calls the models' ``_repr_png_`` / ``_repr_jpeg_`` / ``_repr_html_``, which land
here.  Nothing is downloaded to display: ``b64_json`` images are shown inline, ``url``
images as ``<img src>`` for the browser to load.  Every string the server sent (URL,
revised prompt, size) is HTML-escaped before it is put in the page.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Optional, Union
from urllib.parse import urlsplit

from openapiopenai import _base64
from openapiopenai._lazy_text import LazyText
from openapiopenai._multipart import sniff_image_type
from openapiopenai._results import decode_b64
from openapiopenai.exceptions import ApiResponseValidationError

if TYPE_CHECKING:
    from openapiopenai.models.image import Image
    from openapiopenai.models.images_response import ImagesResponse

__all__ = ["image_html", "image_inline", "response_html", "sniffed_type"]

_GRID_STYLE = (
    "display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));"
    "gap:12px;align-items:start"
)
_FIGURE_STYLE = "margin:0"
_IMG_STYLE = "width:100%;height:auto;display:block;border-radius:4px"
_CAPTION_STYLE = "font-size:0.85em;line-height:1.3;margin-top:4px;color:#555"
# IPython shows these two from _repr_png_/_repr_jpeg_; other formats go through HTML.
_IPYTHON_IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})


def sniffed_type(b64_json: Union[str, LazyText]) -> Optional[str]:
    """The content type of base64 image data, from its first bytes (``None``: not an image)."""
    text = b64_json.head(24) if isinstance(b64_json, LazyText) else b64_json[:24]
    try:
        head = _base64.decode(text)
    except ValueError:  # binascii.Error is one
        return None
    sniffed = sniff_image_type(head)
    return sniffed[0] if sniffed is not None else None


def image_inline(image: Image, content_type: str) -> Optional[bytes]:
    """The decoded ``b64_json`` bytes if they are in ``content_type``, else ``None``."""
    data = image._b64_data()
    if data is None or sniffed_type(data) != content_type:
        return None
    try:
        return decode_b64(data)
    except ApiResponseValidationError:
        return None


def image_html(image: Image) -> Optional[str]:
    """One image as a captioned ``<figure>``; ``None`` where PNG/JPEG display covers it."""
    data = image._b64_data()
    if data is not None and sniffed_type(data) in _IPYTHON_IMAGE_TYPES:
        return None
    return _figure(image, 0)


def response_html(response: ImagesResponse) -> str:
    """The images of ``response`` in a grid, each captioned with its revised prompt."""
    count = len(response.data)
    facts = [f"{count} image" + ("" if count == 1 else "s")]
    facts += [str(v) for v in (response.size, response.quality, response.output_format) if v]
    header = f"<div><b>ImagesResponse</b> · {html.escape(' · '.join(facts))}</div>"
    figures = "".join(_figure(image, i) for i, image in enumerate(response.data))
    return f'{header}<div class="openapiopenai-images" style="{_GRID_STYLE}">{figures}</div>'


def _figure(image: Image, index: int) -> str:
    caption = image.revised_prompt
    alt = html.escape(caption if caption else f"image {index}", quote=True)
    src = _source(image)
    if src is not None:
        body = (
            f'<img src="{html.escape(src, quote=True)}" alt="{alt}" '
            f'style="{_IMG_STYLE}" loading="lazy">'
        )
    else:
        body = f"<div><i>{_placeholder(image)}</i></div>"
    figcaption = (
        f'<figcaption style="{_CAPTION_STYLE}">{html.escape(caption)}</figcaption>'
        if caption
        else ""
    )
    return f'<figure style="{_FIGURE_STYLE}">{body}{figcaption}</figure>'


def _source(image: Image) -> Optional[str]:
    """What ``<img src>`` gets: a data: URI for base64 data, an http(s) URL as is."""
    if image.b64_json is not None:
        content_type = sniffed_type(image.b64_json)
        if content_type is None:
            return None
        return f"data:{content_type};base64,{image.b64_json}"
    if image.url is not None and urlsplit(image.url).scheme.lower() in ("http", "https"):
        return image.url
    return None


def _placeholder(image: Image) -> str:
    if image.b64_json is not None:
        return "b64_json that is not a PNG, JPEG, WebP or GIF image"
    if image.url is not None:
        return html.escape(f"not an http(s) URL: {image.url[:80]}")
    return "no image data"
