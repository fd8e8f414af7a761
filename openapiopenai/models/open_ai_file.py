"""``OpenAIFile``: a file uploaded to the Files API."""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field

from openapiopenai.models._base import ResponseModel

__all__ = ["OpenAIFile"]

FilePurpose = Union[
    Literal[
        "assistants",
        "assistants_output",
        "batch",
        "batch_output",
        "fine-tune",
        "fine-tune-results",
        "vision",
        "user_data",
    ],
    str,
]


class OpenAIFile(ResponseModel):
    """The ``File`` object represents a document that has been uploaded to OpenAI.

    Enumerated fields accept any string: the API adds values faster than SDKs ship.
    """

    id: str = Field(description="The file identifier, which can be referenced in the API.")
    object: Union[Literal["file"], str] = Field(
        default="file", description="The object type, which is always `file`."
    )
    bytes: int = Field(description="The size of the file, in bytes.")
    created_at: int = Field(description="The Unix timestamp (in seconds) of the upload.")
    expires_at: Optional[int] = Field(
        default=None, description="The Unix timestamp (in seconds) for when the file expires."
    )
    filename: str = Field(description="The name of the file.")
    purpose: FilePurpose = Field(description="The intended purpose of the file.")
    status: Optional[Union[Literal["uploaded", "processed", "error"], str]] = Field(
        default=None, description="Deprecated. `uploaded`, `processed` or `error`."
    )
    status_details: Optional[str] = Field(default=None, description="Deprecated.")
