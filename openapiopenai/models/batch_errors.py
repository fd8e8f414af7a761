"""``BatchErrors``: the ``errors`` list of a failed batch."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from openapiopenai.models._base import ResponseModel
from openapiopenai.models._fields import empty_list
from openapiopenai.models.batch_error import BatchError

__all__ = ["BatchErrors"]


class BatchErrors(ResponseModel):
    """The errors that failed a batch."""

    object: Optional[str] = Field(default=None, description="Always `list`.")
    data: list[BatchError] = Field(default_factory=empty_list, description="The errors.")
