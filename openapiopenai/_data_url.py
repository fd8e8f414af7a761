"""``data:`` URLs of images, for JSON edits that carry their images inline."""

from __future__ import annotations

from typing import Any

from openapiopenai import _base64
from openapiopenai._file_types import sniff_image_type
from openapiopenai._multipart import file_part
from openapiopenai.exceptions import ApiValueError

__all__ = ["MAX_DATA_URL_LENGTH", "image_data_url"]

#: The longest ``image_url`` the API takes (``ImageRefParam.image_url`` maxLength).
MAX_DATA_URL_LENGTH = 20971520
#: What the GPT image models take as input.
_TYPES = ("image/png", "image/jpeg", "image/webp")


def image_data_url(image: Any, field: str = "image") -> str:
    """``data:<type>;base64,...`` for an image given as bytes, a path or a binary file.

    The type is sniffed from the bytes (PNG, JPEG or WebP); a URL longer than the API's
    20 MB limit is refused before the file is read whole.
    """
    part = file_part(field, image)
    sniffed = sniff_image_type(part.head(16))
    if sniffed is None or sniffed[0] not in _TYPES:
        found = sniffed[0] if sniffed else "not a recognised image"
        raise ApiValueError(f"{field}: must be a PNG, JPEG or WebP image ({found})")
    prefix = f"data:{sniffed[0]};base64,"
    length = len(prefix) + 4 * ((part.size + 2) // 3)
    if length > MAX_DATA_URL_LENGTH:
        raise ApiValueError(
            f"{field}: a data URL of {part.size} bytes would be {length} characters; "
            f"image_url takes at most {MAX_DATA_URL_LENGTH} (upload it and use file_id)"
        )
    with part.open() as stream:
        data = stream.read(part.size + 1)
    if len(data) != part.size:
        raise ApiValueError(f"{field}: the file changed size while it was read")
    return prefix + _base64.encode(data).decode("ascii")
