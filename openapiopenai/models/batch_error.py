"""``BatchError``: one reason a batch's input file was rejected."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["BatchError"]


class BatchError(ResponseModel):
    """An error of a batch (its input file), with the line it is about, if any."""

    code: Optional[str] = Field(default=None, description="An error code identifying the error.")
    message: Optional[str] = Field(default=None, description="A human-readable message.")
    param: Optional[str] = Field(
        default=None, description="The name of the parameter that caused the error."
    )
    line: Optional[int] = Field(
        default=None, description="The line number of the input file where the error occurred."
    )
