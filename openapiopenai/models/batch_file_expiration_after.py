"""``BatchFileExpirationAfter``: when an uploaded or generated file expires."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from openapiopenai.models._base import RequestModel

__all__ = ["BatchFileExpirationAfter"]


class BatchFileExpirationAfter(RequestModel):
    """An expiration policy: ``seconds`` (1 hour to 30 days) after ``anchor``.

    The spec's ``FileExpirationAfter`` (of uploads) has the same shape and this name.
    """

    anchor: Literal["created_at"] = Field(
        description="Anchor timestamp after which the expiration policy applies: `created_at`."
    )
    seconds: Annotated[int, Field(strict=True, ge=3600, le=2592000)] = Field(
        description="Seconds after the anchor time that the file expires (3600 to 2592000)."
    )
