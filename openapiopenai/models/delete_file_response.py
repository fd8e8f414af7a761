"""``DeleteFileResponse``: the answer to ``DELETE /files/{file_id}``."""

from __future__ import annotations

from typing import Literal, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["DeleteFileResponse"]


class DeleteFileResponse(ResponseModel):
    """Which file was deleted, and whether it was."""

    id: str = Field(description="The ID of the file.")
    object: Union[Literal["file"], str] = Field(default="file", description="Always `file`.")
    deleted: bool = Field(description="Whether the file was deleted.")
