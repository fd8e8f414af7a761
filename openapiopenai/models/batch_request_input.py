"""``BatchRequestInput``: one line of a batch's input file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from pydantic import Field, StrictStr

from openapiopenai.models._base import RequestModel

if TYPE_CHECKING:
    from openapiopenai.models.create_image_request import CreateImageRequest
    from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

__all__ = ["BatchRequestInput"]


class BatchRequestInput(RequestModel):
    """The per-line object of the batch input file.

    Build image lines with :meth:`for_request`; :meth:`to_jsonl` gives the line as written.
    """

    custom_id: Optional[StrictStr] = Field(
        default=None, description="Your per-request id, unique within the batch."
    )
    method: Optional[Literal["POST"]] = Field(default=None, description="Always `POST`.")
    url: Optional[StrictStr] = Field(
        default=None, description="The relative URL, the same as the batch's `endpoint`."
    )
    body: Optional[dict[str, Any]] = Field(
        default=None, description="The JSON body of the request, as the endpoint takes it."
    )

    @classmethod
    def for_request(
        cls,
        custom_id: str,
        request: Union[CreateImageRequest, EditImageBodyJsonParam],
        *,
        check: bool = True,
    ) -> BatchRequestInput:
        """The line for a generation (``CreateImageRequest``) or a JSON edit.

        The body holds only the fields set, as the endpoint takes them; with ``check``
        the request gets the same pre-flight checks as a direct call.
        """
        from openapiopenai._batch_lines import request_line

        return request_line(cls, custom_id, request, check=check)

    def to_jsonl(self) -> bytes:
        """The line as it goes into the input file: compact JSON and a newline."""
        return self.to_json_bytes() + b"\n"
