"""A request as the API layer describes it, before the client sends it.

Operations build an :class:`ApiRequest`; :class:`~openapiopenai.ApiClient` adds the
host, authentication and default headers, sends it and parses the response into
``response_type``.  Requests are values, not tuples, so nothing is looked up by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar, Union

from typing_extensions import TypedDict

from openapiopenai.configuration import TimeoutValue
from openapiopenai.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from openapiopenai._multipart import MultipartBody
    from openapiopenai.models._base import RequestModel
    from openapiopenai.retry import Retry

__all__ = ["ApiRequest", "RequestOptions"]

T = TypeVar("T")  # a model, or what a response class such as FilesApi._FileText parses to

_JSON = "application/json"


class RequestOptions(TypedDict, total=False):
    """The per-call keywords every operation takes (the generated client's, plus ``_retries``).

    ``_request_timeout``: seconds, a ``(connect, read)`` pair, or ``None`` for the
    configuration's default.  ``_request_auth``: an auth setting that replaces the
    configured one for this call.  ``_content_type``: the request body's media type.
    ``_headers``: extra request headers (your dict is not modified).  ``_host_index``:
    the server to use (the spec has one, index 0).  ``_retries``: a retry policy or a
    retry count for this call only.
    """

    _request_timeout: TimeoutValue
    _request_auth: Optional[Mapping[str, Any]]
    _content_type: Optional[str]
    _headers: Optional[Mapping[str, Any]]
    _host_index: int
    _retries: Union[int, Retry, None]


@dataclass  # not frozen: a frozen dataclass costs a small call ~1 µs more to build
class ApiRequest(Generic[T]):
    """One operation call: where it goes, what it carries and what it returns.

    The body is either ``json`` (a request model, sent as JSON with only the fields set)
    or ``form`` (a multipart body).  ``path_params`` fill ``{name}`` placeholders in
    ``path`` (percent-encoded); ``query`` is a list of ``(name, value)`` pairs for the URL.
    """

    name: str
    method: str
    path: str
    response_type: type[T]
    json: Optional[RequestModel] = None
    form: Optional[MultipartBody] = None
    options: RequestOptions = field(default_factory=lambda: RequestOptions())
    path_params: Optional[dict[str, Any]] = None
    query: Optional[list[tuple[str, Any]]] = None

    def __post_init__(self) -> None:
        if self.options:
            check_options(self.name, self.options)

    @property
    def body(self) -> Union[bytes, MultipartBody, None]:
        """What goes on the wire."""
        if self.form is not None:
            return self.form
        if self.json is not None:
            return self.json.to_json_bytes()
        return None

    @property
    def response_types_map(self) -> dict[str, Optional[str]]:
        """The status -> type name map ``ApiClient.response_deserialize`` takes."""
        return {"200": self.response_type.__name__}

    @property
    def content_type(self) -> Optional[str]:
        if self.form is not None:
            return self.form.content_type
        return _JSON if self.json is not None else None

    @property
    def allowed_content_types(self) -> tuple[str, ...]:
        """What ``_content_type`` may name for this request."""
        if self.form is not None:
            return ("multipart/form-data",)
        return (_JSON,)

    @property
    def model_name(self) -> Optional[str]:
        """The ``model`` the request names, if any."""
        if self.json is not None:
            value = getattr(self.json, "model", None)
            return value if isinstance(value, str) else None
        if self.form is not None:
            return next((v for k, v in self.form.fields if k == "model"), None)
        return None

    @property
    def wants_stream(self) -> bool:
        """Whether the caller set ``stream=True``."""
        if self.json is not None:
            return getattr(self.json, "stream", None) is True
        return self.form is not None and ("stream", "true") in self.form.fields

    def streamed(self) -> ApiRequest[T]:
        """The same request with ``stream`` on."""
        if self.form is not None:
            return replace(self, form=self.form.with_field("stream", "true"))
        assert self.json is not None, "a request without a body cannot stream"
        return replace(self, json=self.json.model_copy(update={"stream": True}))


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)


def check_options(operation: str, options: Mapping[str, Any]) -> None:
    """Refuse keywords an operation does not take, and options of the wrong shape.

    Every operation takes ``**options``, so a misspelt keyword (``maks=``,
    ``_request_timout=``) would otherwise be dropped silently and the call sent without it.
    """
    for name, value in options.items():
        if name not in _OPTION_NAMES:
            import difflib  # only for the error message

            close = difflib.get_close_matches(name, _OPTION_NAMES, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ApiTypeError(f"{name}: is not a parameter of {operation}{hint}")
        if value is None:
            continue
        if name == "_headers":
            _check_header_names(value)
        if name == "_content_type" and not isinstance(value, str):
            raise ApiTypeError(
                f"_content_type: expected a media type string, got {type(value).__name__}"
            )
        if name == "_request_auth":
            _check_auth(value)


#: What RFC 9110 allows in a header name.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Headers that frame the body: the client sets them from the body it sends.
_FRAMING = frozenset({"content-length", "transfer-encoding"})


def _check_header_names(headers: Any) -> None:
    if not isinstance(headers, Mapping):
        kind = type(headers).__name__
        raise ApiTypeError(f"_headers: expected a mapping of names to values, got {kind}")
    for name, value in headers.items():
        check_header_name(name)
        if name.lower() in _FRAMING:
            raise ApiValueError(f"_headers: {name} is set by the client from the body it sends")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            kind = type(value).__name__  # never the value: it may be a credential
            raise ApiTypeError(f"header {name}: the value must be a string or a number, got {kind}")


def check_header_name(name: Any) -> None:
    """A header name must be a token (no spaces, colons or non-ASCII characters)."""
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        raise ApiValueError(
            f"header {name!r}: not a valid header name (letters, digits, -_.!#$%&'*+^`|~)"
        )


def _check_auth(auth: Any) -> None:
    if not isinstance(auth, Mapping):
        raise ApiTypeError(f"_request_auth: expected a mapping, got {type(auth).__name__}")
    where = auth.get("in", "header")
    if where not in ("header", "query"):
        raise ApiValueError(f"_request_auth: 'in' must be 'header' or 'query', got {where!r}")
    for key in ("key", "value"):
        if not isinstance(auth.get(key), str):
            raise ApiTypeError(f"_request_auth: needs a string {key!r}")  # never the value
    if where == "header":
        check_header_name(auth["key"])
    else:
        try:
            auth["value"].encode("utf-8")
        except UnicodeEncodeError:
            unencodable = True  # raised outside: the error holds the value, a secret
        else:
            unencodable = False
        if unencodable:
            raise ApiValueError("_request_auth: the value has characters UTF-8 cannot encode")
