"""``ImageRefParam``: an input image of a JSON edit, by URL (or data URL) or by file ID."""

# No ``from __future__ import annotations``: pydantic reads these field annotations when
# the class is made, and as objects they need no evaluating (a start-up cost).

from typing import TYPE_CHECKING, Annotated, Optional

from pydantic import Field, StrictStr, model_validator

from openapiopenai.models._base import RequestModel

if TYPE_CHECKING:
    from openapiopenai._file_types import FileInput

__all__ = ["ImageRefParam"]

#: The longest ``image_url`` the API takes (a data URL of about 15 MB of image).
MAX_IMAGE_URL_LENGTH = 20971520


class ImageRefParam(RequestModel):
    """Reference an input image by either URL or uploaded file ID: exactly one of them.

    ``image_url`` is a fully qualified URL or a base64 ``data:`` URL
    (:meth:`from_file` makes one from bytes or a path); ``file_id`` names a file uploaded
    with the Files API.
    """

    image_url: Optional[Annotated[StrictStr, Field(max_length=MAX_IMAGE_URL_LENGTH)]] = Field(
        default=None, description="A fully qualified URL or base64-encoded data URL."
    )
    file_id: Optional[StrictStr] = Field(
        default=None, description="The File API ID of an uploaded image to use as input."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> "ImageRefParam":
        if (self.image_url is None) == (self.file_id is None):
            raise ValueError("provide exactly one of image_url or file_id")
        return self

    @classmethod
    def from_file(cls, image: "FileInput") -> "ImageRefParam":
        """A reference carrying ``image`` (bytes, a path or a binary file) as a data URL.

        The type is read from the bytes (PNG, JPEG or WebP); the URL must stay within the
        API's 20 MB ``image_url`` limit.
        """
        from openapiopenai._data_url import image_data_url

        return cls(image_url=image_data_url(image))
