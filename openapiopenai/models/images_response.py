"""``ImagesResponse``: what all three image operations return."""

# No ``from __future__ import annotations``: pydantic reads these field annotations when
# the class is made, and as objects they need no evaluating (a start-up cost).

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Optional, Union

from pydantic import Field

from openapiopenai import _lazy_text as lazy_text
from openapiopenai._file_types import DEFAULT_MAX_DOWNLOAD_BYTES, PathArg
from openapiopenai.models._base import ResponseModel
from openapiopenai.models._fields import empty_list
from openapiopenai.models.image import Image
from openapiopenai.models.image_gen_usage import ImageGenUsage

if TYPE_CHECKING:
    from openapiopenai._image_client import ImageClient
    from openapiopenai.configuration import TimeoutValue

__all__ = ["ImagesResponse"]


class ImagesResponse(ResponseModel):
    """The images an operation produced, with their creation time.

    Enumerated fields list the values the spec knows but accept any string: the API adds
    values faster than SDKs ship, and a new value must not break parsing.  ``save()``
    writes the images to a directory; in Jupyter the response shows them in a grid.
    """

    created: int = Field(description="The Unix timestamp (in seconds) of the creation.")
    data: list[Image] = Field(default_factory=empty_list, description="The generated images.")
    background: Optional[Union[Literal["transparent", "opaque"], str]] = Field(
        default=None, description="The background used (GPT image models)."
    )
    output_format: Optional[Union[Literal["png", "webp", "jpeg"], str]] = Field(
        default=None, description="The output format of the images (GPT image models)."
    )
    size: Optional[Union[Literal["1024x1024", "1024x1536", "1536x1024"], str]] = Field(
        default=None, description="The size of the images (GPT image models)."
    )
    quality: Optional[Union[Literal["low", "medium", "high"], str]] = Field(
        default=None, description="The quality of the images (GPT image models)."
    )
    usage: Optional[ImageGenUsage] = Field(
        default=None, description="Token usage (GPT image models)."
    )

    @classmethod
    def _from_response_body(cls, body: bytes) -> "ImagesResponse":
        """Parse a body; a large one keeps its long ``b64_json`` strings as body spans."""
        if len(body) >= lazy_text.MIN_BODY and isinstance(body, bytes):
            response = cls._parse_cut(body)
            if response is not None:
                return response
        return cls.model_validate_json(body)

    @classmethod
    def _parse_cut(cls, body: bytes) -> Optional["ImagesResponse"]:
        """The long strings cut out, the rest parsed, each image given its span back.

        ``None`` wherever the result could differ from parsing the whole body: nothing to
        cut, an invalid document (the whole body then gives the error), or a placeholder
        that was not put in an image's place (a long value outside ``data``, or the
        placeholder's text sent by the server).
        """
        split = lazy_text.split_long_strings(body, b"b64_json")
        if split is None:
            return None
        skeleton, values = split
        try:
            response = cls.model_validate_json(skeleton)
        except ValueError:
            return None
        images = [
            image
            for image in response.data
            if image.__dict__.get("b64_json") == lazy_text.PLACEHOLDER
        ]
        if len(images) != len(values):
            return None
        for image, value in zip(images, values):
            image.__dict__["b64_json"] = value
        return response

    def save(
        self,
        directory: PathArg,
        prefix: str = "image",
        *,
        overwrite: bool = False,
        client: Optional["ImageClient"] = None,
        timeout: "TimeoutValue" = None,
        max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES,
    ) -> list[Path]:
        """Write every image to ``directory`` as ``{prefix}-{i}.{ext}``; return the paths.

        The extension follows each image's real format.  ``url`` images are downloaded as
        by :meth:`Image.to_bytes`, all of them before any file is written.  Existing files
        are never replaced unless ``overwrite``: the numbering moves past them.
        """
        from openapiopenai._results import save_images

        return save_images(
            self.data,
            directory,
            prefix,
            overwrite=overwrite,
            output_format=self.output_format,
            client=client if client is not None else self._bound_client,
            timeout=timeout,
            max_bytes=max_bytes,
        )

    def _bind_client(self, client: "ImageClient") -> None:
        super()._bind_client(client)
        for image in self.data:
            image._bind_client(client)

    def _repr_html_(self) -> str:
        from openapiopenai._display import response_html

        return response_html(self)
