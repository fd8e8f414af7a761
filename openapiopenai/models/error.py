"""``Error``: the ``error`` object of an API error body."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["Error"]


class Error(ResponseModel):
    """What went wrong, as the API describes it."""

    code: Optional[str] = Field(default=None, description="A machine-readable error code.")
    message: str = Field(description="A human-readable description of the error.")
    param: Optional[str] = Field(default=None, description="The parameter at fault, if any.")
    type: str = Field(description="The error's category, e.g. `invalid_request_error`.")
