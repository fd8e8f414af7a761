"""``BatchRequestInput``: one line of a batch's input file."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal, Optional, Union

from pydantic import Field, StrictStr

from openapiopenai.exceptions import ApiTypeError, ApiValueError
from openapiopenai.models._base import RequestModel

if TYPE_CHECKING:
    from openapiopenai.models.create_image_request import CreateImageRequest
    from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

__all__ = ["BatchRequestInput"]

#: Where each request type goes.
GENERATIONS_URL = "/v1/images/generations"
EDITS_URL = "/v1/images/edits"


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
        from openapiopenai import _validation
        from openapiopenai.models.create_image_request import CreateImageRequest
        from openapiopenai.models.edit_image_body_json_param import EditImageBodyJsonParam

        if not isinstance(custom_id, str) or not custom_id:
            raise ApiValueError("custom_id: must be a non-empty string")
        if isinstance(request, CreateImageRequest):
            url = GENERATIONS_URL
            if check:
                _validation.check_generation(request)
        elif isinstance(request, EditImageBodyJsonParam):
            url = EDITS_URL
            if check:
                _validation.check_json_edit(request)
        else:
            raise ApiTypeError(
                "request: expected a CreateImageRequest or an EditImageBodyJsonParam, got "
                f"{type(request).__name__}"
            )
        if getattr(request, "stream", None):
            raise ApiValueError("stream: a batch request cannot stream")
        body = json.loads(request.to_json_bytes())
        return cls.model_validate(
            {"custom_id": custom_id, "method": "POST", "url": url, "body": body}
        )

    def to_jsonl(self) -> bytes:
        """The line as it goes into the input file: compact JSON and a newline."""
        return self.to_json_bytes() + b"\n"
