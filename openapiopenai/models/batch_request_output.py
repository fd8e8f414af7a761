"""``BatchRequestOutput``: one line of a batch's output or error file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models.batch_request_output_error import BatchRequestOutputError
from openapiopenai.models.batch_request_output_response import BatchRequestOutputResponse

if TYPE_CHECKING:
    from openapiopenai.models.images_response import ImagesResponse

__all__ = ["BatchRequestOutput"]


class BatchRequestOutput(ResponseModel):
    """The per-line object of the batch output and error files.

    :meth:`parse_images_line` reads an image batch's line straight into an
    ``ImagesResponse`` (or raises the line's ``BatchLineError``).
    """

    id: Optional[str] = Field(default=None, description="The ID of this batch request.")
    custom_id: Optional[str] = Field(default=None, description="Your per-request id.")
    response: Optional[BatchRequestOutputResponse] = Field(
        default=None, description="The HTTP response the request got."
    )
    error: Optional[BatchRequestOutputError] = Field(
        default=None, description="For requests that failed with a non-HTTP error."
    )

    @classmethod
    def parse_images_line(cls, line: bytes) -> tuple[str, ImagesResponse]:
        """``(custom_id, ImagesResponse)`` of one output line of an image batch.

        Large lines keep their ``b64_json`` strings as spans of the line, as the client's
        own response parsing does.  A line whose request failed raises
        :class:`~openapiopenai.BatchLineError` (with its status, code and message).
        """
        from openapiopenai._batch_lines import parse_images_line

        return parse_images_line(cls, line)
