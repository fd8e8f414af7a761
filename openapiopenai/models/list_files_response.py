"""``ListFilesResponse``: one page of ``GET /files``."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models._fields import empty_list
from openapiopenai.models.open_ai_file import OpenAIFile

__all__ = ["ListFilesResponse"]


class ListFilesResponse(ResponseModel):
    """A page of files; pass ``last_id`` as ``after`` for the next page while ``has_more``."""

    object: str = Field(default="list", description="Always `list`.")
    data: list[OpenAIFile] = Field(
        default_factory=empty_list, description="The files of this page."
    )
    first_id: Optional[str] = Field(default=None, description="The ID of the first file.")
    last_id: Optional[str] = Field(default=None, description="The ID of the last file.")
    has_more: bool = Field(default=False, description="Whether more files follow.")
