"""``ApiResponse[T]``: a parsed body together with the HTTP facts around it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Generic, Optional, TypeVar

__all__ = ["ApiResponse"]

T = TypeVar("T")


@dataclass
class ApiResponse(Generic[T]):
    """What a ``*_with_http_info`` call returns.

    ``data`` is the parsed model, ``raw_data`` the body bytes as received, ``headers`` the
    response headers (never the request's, so no secret can be in them) and ``retries``
    how many retries the call took before this response.
    """

    status_code: int
    headers: Optional[Mapping[str, str]]
    data: T
    raw_data: bytes = field(repr=False)
    retries: int = 0

    @property
    def request_id(self) -> Optional[str]:
        """The server's ``x-request-id``, to quote when reporting a problem."""
        return self.headers.get("x-request-id") if self.headers is not None else None
