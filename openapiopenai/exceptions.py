"""The exceptions this package raises, as one tree.

``OpenApiException`` is the root.  Bad input raises ``ApiTypeError`` / ``ApiValueError``
before anything is sent.  Everything that happens on the wire raises an ``ApiException``:
an HTTP status error (one class per status, as in the generated client), a transport
failure (``ApiConnectionError`` / ``ApiTimeoutError``) or a response that is not what the
API documents (``ApiResponseValidationError``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NoReturn, Optional, Protocol, Union

__all__ = [
    "ApiAttributeError",
    "ApiConnectionError",
    "ApiException",
    "ApiKeyError",
    "ApiResponseTooLargeError",
    "ApiResponseValidationError",
    "ApiTimeoutError",
    "ApiTransportError",
    "ApiTypeError",
    "ApiValueError",
    "BadRequestException",
    "ConflictException",
    "ContentPolicyViolationException",
    "ForbiddenException",
    "ImageDownloadError",
    "ImageUrlExpiredError",
    "NotFoundException",
    "OpenApiException",
    "RateLimitException",
    "ServiceException",
    "UnauthorizedException",
    "UnprocessableEntityException",
    "exception_class_for",
    "render_path",
]

PathToItem = Sequence[Union[str, int]]


def render_path(path_to_item: PathToItem) -> str:
    """Render a path such as ``["data", 0, "url"]`` as ``['data'][0]['url']``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f"['{p}']" for p in path_to_item)


class OpenApiException(Exception):
    """The base class of every exception raised by this package.

    Every subclass pickles and copies with its attributes, whatever its constructor
    takes: the instance is rebuilt from its ``args`` and ``__dict__`` without calling
    ``__init__`` (so a ``ProcessPoolExecutor`` worker can raise any of them).
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args), dict(self.__dict__))


def _restore(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """An exception of ``cls`` with ``args``; its attributes are set from the pickled state."""
    return cls.__new__(cls, *args)


class ErrorDetails(Protocol):
    """What :attr:`ApiException.error` gives: the fields of the API's ``error`` object.

    The model is ``openapiopenai.models.Error``; this module, below the models, names only
    the fields it reads.
    """

    @property
    def code(self) -> Optional[str]: ...
    @property
    def message(self) -> str: ...
    @property
    def param(self) -> Optional[str]: ...
    @property
    def type(self) -> str: ...


class _AtPath(OpenApiException):
    """An input error that may say where in a nested argument it was found."""

    def __init__(self, msg: str, path_to_item: Optional[PathToItem] = None) -> None:
        self.path_to_item = path_to_item
        if path_to_item:
            msg = f"{msg} at {render_path(path_to_item)}"
        super().__init__(msg)


class ApiTypeError(_AtPath, TypeError):
    """An argument has the wrong type; raised before the request is sent."""

    def __init__(
        self,
        msg: str,
        path_to_item: Optional[PathToItem] = None,
        valid_classes: Optional[tuple[type, ...]] = None,
        key_type: Optional[bool] = None,
    ) -> None:
        self.valid_classes = valid_classes
        self.key_type = key_type
        super().__init__(msg, path_to_item)


class ApiValueError(_AtPath, ValueError):
    """An argument has a value the API would reject; raised before the request is sent."""


class ApiAttributeError(_AtPath, AttributeError):
    """An attribute that the model does not have."""


class ApiKeyError(_AtPath, KeyError):
    """A key that the mapping does not have."""


class ApiException(OpenApiException):
    """A call failed: an error status, a transport failure or an unexpected body.

    The constructor is the generated client's: ``ApiException(status, reason, http_resp,
    *, body, data)``, where ``http_resp`` fills in what is not given.  ``body`` is the
    response body as text (str), ``raw_body`` the same as bytes; ``headers`` the response
    headers (``None`` without a response); ``data`` the parsed body.  On top of that:
    ``error`` (the parsed OpenAI error, when the body has that shape), ``request_id`` and
    ``retries`` (how many retries were taken before giving up).
    """

    def __init__(
        self,
        status: Optional[int] = None,
        reason: Optional[str] = None,
        http_resp: Any = None,
        *,
        body: Union[str, bytes, None] = None,
        data: Any = None,
        headers: Optional[Mapping[str, str]] = None,
        message: Optional[str] = None,
        retries: int = 0,
    ) -> None:
        if http_resp is not None:
            status = http_resp.status if status is None else status
            reason = http_resp.reason if reason is None else reason
            if headers is None:
                headers = getattr(http_resp, "headers", None)
            if body is None:
                body = getattr(http_resp, "data", None)
        raw_body: Optional[bytes] = None
        if isinstance(body, (bytes, bytearray, memoryview)):
            raw_body = bytes(body)
            body = raw_body.decode("utf-8", "replace")
        elif isinstance(body, str):
            raw_body = body.encode("utf-8", "surrogatepass")
        self.status = status
        self.reason = reason
        self.headers: Optional[Mapping[str, str]] = headers
        #: The response body as text, as in the generated client (``None``: no body).
        self.body: Optional[str] = body
        #: The response body as bytes, as received (secrets echoed back redacted).
        self.raw_body = raw_body
        self.data = data
        self.retries = retries
        self._message = message
        super().__init__(str(self))

    @classmethod
    def from_response(
        cls,
        *,
        http_resp: Any,
        body: Union[str, bytes, None],
        data: Any,
        retries: int = 0,
    ) -> NoReturn:
        """Raise the exception class that matches ``http_resp.status``, as generated."""
        err_cls = exception_class_for(http_resp.status, data)
        raise err_cls(http_resp=http_resp, body=body, data=data, retries=retries)

    @property
    def error(self) -> Optional[ErrorDetails]:
        """The OpenAI ``error`` object from the body, when the body had that shape."""
        data = self.data
        # An ``ErrorResponse`` (or a subclass): the model says so, this module names none.
        return data.error if getattr(type(data), "_is_error_body", False) else None

    @property
    def request_id(self) -> Optional[str]:
        """The server's ``x-request-id``, to quote when reporting a problem."""
        if self.headers is None:
            return None
        for name in ("x-request-id", "X-Request-Id"):
            value = self.headers.get(name)
            if value:
                return value
        return None

    @property
    def code(self) -> Optional[str]:
        """The OpenAI error code (e.g. ``invalid_size``), when there is one."""
        err = self.error
        return err.code if err is not None else None

    @property
    def param(self) -> Optional[str]:
        """The parameter the server blamed, when it named one."""
        err = self.error
        return err.param if err is not None else None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.status is not None:
            parts.append(f"{self.status} {self.reason or ''}".rstrip())
        err = self.error
        if err is not None:
            kind = err.type or "error"
            if err.code:
                kind = f"{kind}/{err.code}"
            if err.param:
                kind = f"{kind} (param: {err.param})"
            parts.append(kind)
            parts.append(_one_line(err.message))
        elif self._message:
            parts.append(_one_line(self._message))
        elif self.body:
            parts.append(_body_excerpt(str(self.body)))
        text = ": ".join(p for p in parts if p) or type(self).__name__
        if self.retries:
            text += f" (after {self.retries} {'retry' if self.retries == 1 else 'retries'})"
        if self.request_id:
            text += f" [request id: {self.request_id}]"
        return text


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _body_excerpt(body: str, limit: int = 200) -> str:
    text = _one_line(body[: limit * 4])
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BadRequestException(ApiException):
    """HTTP 400: the API rejected the request as invalid."""


class ContentPolicyViolationException(BadRequestException):
    """HTTP 400 whose code says the prompt or image was refused by the safety system."""


class UnauthorizedException(ApiException):
    """HTTP 401: the API key is missing or not valid."""


class ForbiddenException(ApiException):
    """HTTP 403: the key may not use this resource (an expired image URL: ImageUrlExpiredError)."""


class NotFoundException(ApiException):
    """HTTP 404: no such resource (an expired image URL: ImageUrlExpiredError)."""


class ConflictException(ApiException):
    """HTTP 409: the request conflicts with the state of a resource."""


class UnprocessableEntityException(ApiException):
    """HTTP 422: the request was well-formed but could not be processed."""


class RateLimitException(ApiException):
    """HTTP 429: a rate limit or quota was hit."""


class ServiceException(ApiException):
    """HTTP 5xx: the service failed."""


class ApiResponseValidationError(ApiException):
    """A successful status whose body is not what the API documents."""


class ApiResponseTooLargeError(ApiResponseValidationError):
    """A response body or a streamed event is larger than the configured cap.

    ``Configuration.max_response_bytes`` caps a body, ``max_event_bytes`` one event of a
    stream; the body is not kept.
    """


class ImageDownloadError(ApiException):
    """A generated image could not be fetched from its URL: a bad status, not an image, too big."""


class ImageUrlExpiredError(ImageDownloadError):
    """The image URL answered 403/404/410: it expired (they last 60 minutes) or never existed."""


class ApiTransportError(ApiException):
    """No HTTP response was received: the connection failed or timed out.

    ``request_sent`` tells whether the whole request had been handed to the network when
    it failed: if so the server may have acted on it (and billed it).  ``transient`` is
    false for failures a retry cannot mend, such as a certificate that does not verify.
    """

    def __init__(
        self, message: str, *, request_sent: bool, retries: int = 0, transient: bool = True
    ) -> None:
        self.request_sent = request_sent
        self.transient = transient
        super().__init__(message=message, retries=retries)


class ApiConnectionError(ApiTransportError):
    """The connection could not be made, or was lost before a response arrived."""


class ApiTimeoutError(ApiTransportError):
    """A timeout expired; ``phase`` says whether connecting or reading took too long."""

    def __init__(
        self,
        message: str,
        *,
        phase: Literal["connect", "read"],
        request_sent: bool,
        retries: int = 0,
    ) -> None:
        self.phase = phase
        super().__init__(message, request_sent=request_sent, retries=retries)


_BY_STATUS: dict[int, type[ApiException]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: NotFoundException,
    409: ConflictException,
    422: UnprocessableEntityException,
    429: RateLimitException,
}

# Codes the API uses when its safety system refuses a prompt or an image.
CONTENT_POLICY_CODES = frozenset({"content_policy_violation", "moderation_blocked"})


def exception_class_for(status: int, data: Any = None) -> type[ApiException]:
    """The exception class for an error ``status`` (and its parsed error body)."""
    if 500 <= status <= 599:
        return ServiceException
    cls = _BY_STATUS.get(status, ApiException)
    if cls is BadRequestException:
        error = getattr(data, "error", None)
        if getattr(error, "code", None) in CONTENT_POLICY_CODES:
            return ContentPolicyViolationException
    return cls
