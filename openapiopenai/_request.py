"""A request as the API layer describes it, before the client sends it.

Operations build an :class:`ApiRequest`; :class:`~openapiopenai.ApiClient` adds the
host, authentication and default headers, sends it and parses the response into
``response_type``.  Requests are values, not tuples, so nothing is looked up by name.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, Optional, TypeVar, Union

from typing_extensions import TypedDict

from openapiopenai._wire_text import utf8
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

    ``_extra_body`` and ``_extra_query`` are the escape hatch for parameters this SDK does
    not know yet (openai-python's ``extra_body`` / ``extra_query``): ``_extra_body``'s
    keys are merged into the JSON body (any JSON value) or added as multipart form fields
    (strings, numbers or booleans), overriding a field of the same name, unchecked;
    ``_extra_query``'s are appended to the URL's query, percent-encoded (strings, numbers,
    booleans or lists of them, a list giving the key once per item).
    """

    _request_timeout: TimeoutValue
    _request_auth: Optional[Mapping[str, Any]]
    _content_type: Optional[str]
    _headers: Optional[Mapping[str, Any]]
    _host_index: int
    _retries: Union[int, Retry, None]
    _extra_body: Optional[Mapping[str, Any]]
    _extra_query: Optional[Mapping[str, Any]]


class ApiRequest(Generic[T]):
    """One operation call: where it goes, what it carries and what it returns.

    The body is either ``json`` (a request model, sent as JSON with only the fields set)
    or ``form`` (a multipart body).  ``path_params`` fill ``{name}`` placeholders in
    ``path`` (percent-encoded); ``query`` is a list of ``(name, value)`` pairs for the URL.

    A plain class (not a dataclass, whose generated methods cost every process about half a
    millisecond to make, and a frozen one ~1 µs more a call to build).
    """

    __slots__ = (
        "form",
        "json",
        "method",
        "name",
        "options",
        "path",
        "path_params",
        "query",
        "response_type",
    )
    name: str
    method: str
    path: str
    response_type: type[T]
    json: Optional[RequestModel]
    form: Optional[MultipartBody]
    options: RequestOptions
    path_params: Optional[dict[str, Any]]
    query: Optional[list[tuple[str, Any]]]

    def __init__(
        self,
        name: str,
        method: str,
        path: str,
        response_type: type[T],
        json: Optional[RequestModel] = None,
        form: Optional[MultipartBody] = None,
        options: Optional[RequestOptions] = None,
        path_params: Optional[dict[str, Any]] = None,
        query: Optional[list[tuple[str, Any]]] = None,
    ) -> None:
        self.name = name
        self.method = method
        self.path = path
        self.response_type = response_type
        self.json = json
        self.form = form
        self.options = RequestOptions() if options is None else options
        self.path_params = path_params
        self.query = query
        if self.options:
            check_options(self.name, self.options)
            extra = self.options.get("_extra_body")
            if extra:
                self._check_extra_body(extra)
                if self.form is not None:  # merged now: the Content-Length is the form's
                    self.form = self._form_with(extra)

    def __repr__(self) -> str:
        return f"ApiRequest({self.name!r}, {self.method!r}, {self.path!r})"

    def _replaced(
        self, json: Optional[RequestModel] = None, form: Optional[MultipartBody] = None
    ) -> ApiRequest[T]:
        """A copy with another body, checked (and ``_extra_body`` merged) as a new request."""
        return ApiRequest(
            self.name,
            self.method,
            self.path,
            self.response_type,
            json=json,
            form=form,
            options=self.options,
            path_params=self.path_params,
            query=self.query,
        )

    @property
    def body(self) -> Union[bytes, MultipartBody, None]:
        """What goes on the wire (with ``_extra_body`` merged in)."""
        if self.form is not None:
            return self.form
        if self.json is not None:
            data = self.json.to_json_bytes()
            extra = self.options.get("_extra_body") if self.options else None
            if extra:
                merged = {**json.loads(data), **extra}
                data = json.dumps(
                    merged, ensure_ascii=False, allow_nan=False, separators=(",", ":")
                ).encode()
            return data
        return None

    @property
    def response_types_map(self) -> dict[str, Optional[str]]:
        """The status -> type name map ``ApiClient.response_deserialize`` takes."""
        return {"200": self.response_type.__name__}

    @property
    def extra_query(self) -> list[tuple[str, str]]:
        """``_extra_query`` as query parameters, a list value giving one pair per item."""
        extra = self.options.get("_extra_query") if self.options else None
        if not extra:
            return []
        return [
            (key, _scalar_text(item))
            for key, value in extra.items()
            for item in (value if isinstance(value, (list, tuple)) else (value,))
        ]

    def _check_extra_body(self, extra: Mapping[str, Any]) -> None:
        if self.form is None and self.json is None:
            raise ApiValueError(f"_extra_body: {self.name} sends no body")
        if "stream" in extra:
            raise ApiValueError(
                "_extra_body: stream is chosen by the method (use the *_stream call style)"
            )
        if self.form is not None:
            # "image[]" parts are the parameter "image".
            fields = [part.field for part in self.form.files]
            files = {*fields, *(name.removesuffix("[]") for name in fields)}
            for key, value in extra.items():
                if key in files:
                    raise ApiValueError(f"_extra_body: {key} is a file; pass it as its parameter")
                _check_scalar("_extra_body", key, value)
            return
        for key, value in extra.items():
            _check_json(f"_extra_body: {key}", value, 0)

    def _form_with(self, extra: Mapping[str, Any]) -> MultipartBody:
        from openapiopenai._multipart import MultipartBody

        assert self.form is not None
        fields = [(k, v) for k, v in self.form.fields if k not in extra]
        fields += [(k, _scalar_text(v)) for k, v in extra.items()]
        return MultipartBody(fields, self.form.files, self.form.boundary)

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
            return self._replaced(form=self.form.with_field("stream", "true"))
        assert self.json is not None, "a request without a body cannot stream"
        return self._replaced(json=self.json.model_copy(update={"stream": True}))


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
        if name in ("_extra_body", "_extra_query"):
            _check_extra(name, value)


def _check_extra(option: str, extra: Any) -> None:
    """A mapping of names the wire can carry; query values are strings, numbers or booleans."""
    if not isinstance(extra, Mapping):
        kind = type(extra).__name__
        raise ApiTypeError(f"{option}: expected a mapping of names to values, got {kind}")
    for key, value in extra.items():
        if not isinstance(key, str):
            raise ApiTypeError(f"{option}: the names must be strings, got {type(key).__name__}")
        if not key or "\r" in key or "\n" in key or "\0" in key:
            raise ApiValueError(f"{option}: {key!r} is not a name (empty, or CR, LF or NUL in it)")
        utf8(option, key, "a name")
        if option == "_extra_query":
            items = value if isinstance(value, (list, tuple)) else (value,)
            for item in items:
                _check_scalar(option, key, item)


def _check_scalar(option: str, key: str, value: Any) -> None:
    if value is None or not isinstance(value, (str, int, float)):
        raise ApiTypeError(
            f"{option}: {key} must be a string, number or boolean, got {type(value).__name__}"
        )
    if isinstance(value, str):
        utf8(f"{option}: {key}", value)
    elif isinstance(value, float) and not math.isfinite(value):
        raise ApiValueError(f"{option}: {key} must be a finite number")


def _scalar_text(value: Any) -> str:
    """How a form field or query parameter carries a scalar (booleans as ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: How deep a value in ``_extra_body`` may nest (JSON from callers, not from the network).
_MAX_JSON_DEPTH = 64


def _check_json(where: str, value: Any, depth: int) -> None:
    """``value`` is JSON: objects with string keys, arrays, strings, finite numbers, ..."""
    if depth > _MAX_JSON_DEPTH:
        raise ApiValueError(f"{where}: nested more than {_MAX_JSON_DEPTH} levels deep")
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, str):
        utf8(where, value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ApiValueError(f"{where}: JSON cannot carry {value!r}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ApiTypeError(f"{where}: JSON object keys must be strings, got {key!r}")
            _check_json(f"{where}.{key}", item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_json(f"{where}[{i}]", item, depth + 1)
    else:
        # The type only, never the value: it may hold anything, a credential included.
        raise ApiTypeError(f"{where}: JSON cannot carry a {type(value).__name__}")


#: What RFC 9110 allows in a header name.
_HEADER_NAME = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # compiled by its first use
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
    if isinstance(name, str) and name.isascii() and name.replace("-", "").isalnum():
        return  # the usual shape ("User-Agent"): no pattern to compile
    if not isinstance(name, str) or not re.fullmatch(_HEADER_NAME, name):
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
