"""The OpenAI error shape: ``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "openai_error"]


def openai_error(
    message: str,
    *,
    type: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """An error body in the API's shape, e.g. for ``ImagesServer.respond_with(500, ...)``."""
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


class ApiError(Exception):
    """A request the server rejects: an HTTP status plus the API's error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type
        self.headers = headers

    def body(self) -> dict[str, Any]:
        """The JSON body sent for this error."""
        return openai_error(self.message, type=self.type, param=self.param, code=self.code)


def bad_request(message: str, param: str | None, code: str | None = None) -> ApiError:
    """A 400 ``invalid_request_error`` naming the offending parameter."""
    return ApiError(400, message, param=param, code=code)
