"""``ApiClient``: sends the requests operations describe and parses what comes back.

``call()`` reads top to bottom: prepare the headers and URL once, then ``_send()`` runs
attempts under the retry policy, then ``_deserialize()`` turns the body into the model
or the status into its exception.  One client (one connection pool) is safe to share
across threads.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import json
import logging
import mimetypes
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping
from enum import Enum
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Optional, TypeVar, Union
from urllib.parse import quote, urlsplit

from openapiopenai import _logs, _redact, _validation, rest
from openapiopenai._request import ApiRequest, RequestOptions, check_header_name
from openapiopenai._version import __version__
from openapiopenai.api_response import ApiResponse
from openapiopenai.configuration import Configuration, TimeoutValue
from openapiopenai.exceptions import (  # the generated module re-exports these
    ApiException,
    ApiResponseTooLargeError,
    ApiResponseValidationError,
    ApiTransportError,
    ApiTypeError,
    ApiValueError,
    BadRequestException,
    ForbiddenException,
    NotFoundException,
    ServiceException,
    UnauthorizedException,
)
from openapiopenai.retry import Retry

if TYPE_CHECKING:  # loaded when first used: a process that never streams never loads it
    from openapiopenai._streaming import ImageStream

__all__ = [
    "ApiClient",
    "ApiException",
    "ApiValueError",
    "BadRequestException",
    "ForbiddenException",
    "NotFoundException",
    "RequestSerialized",
    "ServiceException",
    "UnauthorizedException",
]

T = TypeVar("T")

#: What ``param_serialize`` returns: ``(method, url, header_params, body, post_params)``.
RequestSerialized = tuple[str, str, dict[str, str], Any, Optional[list[Any]]]

#: The authentication every operation of the spec declares.
_AUTH_SETTINGS = ["ApiKeyAuth"]

#: Response classes by name, as ``response_types_map`` names them (see _model_class).
_RESPONSE_TYPES: dict[str, type[Any]] = {}

logger: logging.Logger = logging.getLogger("openapiopenai")
#: Each request's headers (credentials redacted), at DEBUG.
http_logger: logging.Logger = logging.getLogger("openapiopenai.http")

_SECRET_HEADERS = frozenset({"authorization", "api-key", "proxy-authorization"})
#: Headers whose values the DEBUG log shows.
_SHOWN_HEADERS = frozenset(
    {
        "accept",
        "content-type",
        "content-length",
        "user-agent",
        "openai-organization",
        "openai-project",
    }
)


class ApiClient:
    """Owns one connection pool and the headers every request carries.

    Use it as a context manager (or call :meth:`close`) so its connections are closed.
    ``header_name``/``header_value`` add one default header, as in the generated client.
    """

    PRIMITIVE_TYPES: ClassVar[tuple[type, ...]] = (float, bool, bytes, str, int)
    NATIVE_TYPES_MAPPING: ClassVar[dict[str, type]] = {
        "int": int,
        "long": int,
        "float": float,
        "str": str,
        "bool": bool,
        "date": datetime.date,
        "datetime": datetime.datetime,
        "decimal": decimal.Decimal,
        "UUID": uuid.UUID,
        "object": object,
    }

    _default: ClassVar[Optional[ApiClient]] = None
    _insecure_warned: ClassVar[set[str]] = set()
    _warn_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        header_name: Optional[str] = None,
        header_value: Optional[str] = None,
        cookie: Optional[str] = None,
    ) -> None:
        if cookie is not None:
            _check_header("Cookie", cookie)
        if configuration is not None and not isinstance(configuration, Configuration):
            raise ApiTypeError(
                f"configuration: expected a Configuration, got {type(configuration).__name__}"
            )
        self.configuration: Configuration = (
            configuration if configuration is not None else Configuration.get_default()
        )
        self.rest_client: rest.RESTClientObject = rest.RESTClientObject(self.configuration)
        _logs.setup_from_environment()
        self._cleartext_checked: set[str] = set()
        # What parsed responses hold to find this client again (see ResponseModel).
        self._model_binding: Optional[dict[str, Any]] = None
        self.default_headers: dict[str, str] = {}
        if header_name is not None:
            self.set_default_header(header_name, header_value or "")
        self.cookie = cookie
        #: The configuration's switch, as the generated client copies it.
        self.client_side_validation: bool = self.configuration.client_side_validation
        self.user_agent = (
            f"openapiopenai/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]}"
        )

    # -- lifecycle --------------------------------------------------------------

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections, and those of responses still being read (an open
        stream: reading it then raises ``ApiConnectionError``); the client can still be
        used afterwards."""
        self.rest_client.clear()

    @classmethod
    def get_default(cls) -> ApiClient:
        """The shared default client (created on first use)."""
        if cls._default is None:
            cls._default = ApiClient()
        return cls._default

    @classmethod
    def set_default(cls, default: Optional[ApiClient]) -> None:
        """Make ``default`` the client used by APIs created without one."""
        cls._default = default

    # -- headers ----------------------------------------------------------------

    @property
    def user_agent(self) -> str:
        """The ``User-Agent`` header sent with every request."""
        return self.default_headers["User-Agent"]

    @user_agent.setter
    def user_agent(self, value: str) -> None:
        self.set_default_header("User-Agent", value)

    def set_default_header(self, header_name: str, header_value: str) -> None:
        """Send ``header_name: header_value`` with every request."""
        _check_header(header_name, header_value)
        self.default_headers[header_name] = header_value

    # -- the call path ----------------------------------------------------------

    def call(self, request: ApiRequest[Any]) -> ApiResponse[Any]:
        """Send ``request``, retrying as the policy allows, and parse the response."""
        if request.wants_stream:
            raise ApiValueError(
                f"stream: {request.name}() returns one response; call "
                f"{request.name}_stream() to iterate the streamed events"
            )
        response, retries = self._send(request, read_body=True)
        if not 200 <= response.status <= 299:
            raise self._status_error(response, response.data, retries, request.options)
        response_type = request.response_type
        _RESPONSE_TYPES[response_type.__name__] = response_type
        result = self.response_deserialize(
            response_data=response, response_types_map=request.response_types_map
        )
        if retries:
            result.retries = retries
        return result

    def open(self, request: ApiRequest[Any]) -> rest.RESTResponse:
        """Send ``request`` and return the response unread, whatever its status."""
        response, _ = self._send(request)
        return response

    def stream(self, request: ApiRequest[Any]) -> ImageStream:
        """Send ``request`` with ``stream`` on and iterate the events as they arrive."""
        request = request.streamed()
        if self.configuration.client_side_validation:
            _validation.check_stream(request.model_name)
        response, retries = self._send(request)
        if not 200 <= response.status <= 299:
            raise self._status_error(response, response.read(), retries, request.options)
        ctype = (response.getheader("content-type") or "").split(";")[0].strip().lower()
        secrets = self._secrets(request.options)
        if ctype != "text/event-stream":
            _redact.scrub_response(response, secrets)
            body = _redact.redact_bytes(self._read(response, request.options), secrets)
            raise ApiResponseValidationError(
                response.status,
                response.reason,
                body=body,
                headers=response.getheaders(),
                message=f"expected a text/event-stream response, got {ctype or 'none'}",
                retries=retries,
            )
        from openapiopenai._streaming import ImageStream

        return ImageStream(
            response,
            retries,
            max_event_bytes=self.configuration.max_event_bytes,
            secrets=secrets,
        )

    def _send(
        self, request: ApiRequest[Any], *, read_body: bool = False
    ) -> tuple[rest.RESTResponse, int]:
        """Run attempts until one gives a response to keep; return it and the retry count.

        The request is serialized once (:meth:`param_serialize`); each attempt is one
        :meth:`call_api`.  With ``read_body`` the body is read within the attempt, so a
        connection lost mid-body is a failed attempt like any other transport error.
        """
        options = request.options
        method, url, headers, body, post_params = self._serialize(request)
        if http_logger.isEnabledFor(logging.DEBUG):
            self._log_request(request, headers)
        policy = self._retry_policy(options)
        per_call_secrets = _per_call_secrets(options)
        timeout = options.get("_request_timeout")
        if timeout is not None:
            rest.to_urllib3_timeout(timeout)  # bad values fail here, before anything is sent
        started = time.monotonic()
        retries = 0
        while True:
            attempt_started = time.monotonic()
            try:
                response = self.call_api(
                    method, url, headers, body, post_params, _request_timeout=timeout
                )
                if per_call_secrets:
                    _redact.scrub_response(response, per_call_secrets)
                wait = policy.wait_after_response(
                    response.status, response.getheaders(), retries + 1, time.monotonic() - started
                )
                if wait is None and read_body:
                    self._read(response, options)
            except ApiTransportError as error:
                error.retries = retries
                wait = policy.wait_after_error(error, retries + 1, time.monotonic() - started)
                self._log(request, url, None, attempt_started, retries, wait, error=error)
                if wait is None:
                    raise
            else:
                self._log(request, url, response, attempt_started, retries, wait)
                if wait is None:
                    return response, retries
                response.release()
            time.sleep(wait)
            retries += 1

    def _retry_policy(self, options: RequestOptions) -> Retry:
        value = options.get("_retries")
        return Retry.from_value(self.configuration.retries if value is None else value)

    def _serialize(self, request: ApiRequest[Any]) -> RequestSerialized:
        """What the operation's own part of the generated ``_serialize`` step builds."""
        options = request.options
        host_index = options.get("_host_index", 0)
        if host_index != 0 or type(host_index) is not int:
            if isinstance(host_index, bool) or not isinstance(host_index, int):
                raise ApiValueError(f"_host_index: must be an int, got {host_index!r}")
            self.configuration.get_host_from_settings(host_index)  # raises when out of range
        headers: dict[str, Any] = {
            "Accept": "text/event-stream" if request.wants_stream else "application/json"
        }
        content_type = self._content_type(request)
        if content_type is not None:
            headers["Content-Type"] = content_type
        if request.form is not None:
            headers["Content-Length"] = str(request.form.content_length)
        extra = options.get("_headers")
        if extra:
            headers.update(extra)
        return self.param_serialize(
            method=request.method,
            resource_path=request.path,
            path_params=request.path_params,
            query_params=[*(request.query or ()), *request.extra_query] or None,
            header_params=headers,
            body=request.body,
            post_params=[],
            files=None,
            auth_settings=_AUTH_SETTINGS,
            collection_formats=None,
            _host=None,
            _request_auth=options.get("_request_auth"),
        )

    def _headers(self, request: ApiRequest[Any], url: str) -> dict[str, str]:
        """The headers ``request`` goes out with (auth included); ``url`` is unused."""
        return self._serialize(request)[2]

    def _content_type(self, request: ApiRequest[Any]) -> Optional[str]:
        wanted = request.options.get("_content_type")
        if wanted is None:
            return request.content_type
        base = wanted.split(";", 1)[0].strip().lower()
        if base not in request.allowed_content_types:
            allowed = ", ".join(request.allowed_content_types)
            raise ApiValueError(f"_content_type: must be one of {allowed}, got {wanted!r}")
        if request.form is not None:
            return request.content_type  # the boundary is ours to choose
        return wanted

    def _warn_if_cleartext(self, url: str) -> None:
        if not url.startswith("http://") or self.configuration.host in self._cleartext_checked:
            return
        self._cleartext_checked.add(self.configuration.host)
        parts = urlsplit(url)
        if parts.scheme != "http" or _is_loopback(parts.hostname or ""):
            return
        with self._warn_lock:
            if parts.netloc in self._insecure_warned:
                return
            self._insecure_warned.add(parts.netloc)
        logger.warning(
            "sending the API key over plain http:// to %s; use https:// outside loopback",
            parts.hostname,
        )

    def _log_request(self, request: ApiRequest[Any], headers: Mapping[str, str]) -> None:
        # Values only for headers that never carry a credential: any other (a custom
        # "X-Api-Token" in _headers too) shows as [redacted].
        secrets = [*self._configured_secrets(), *_per_call_secrets(request.options)]
        shown = {
            name: value
            if name.lower() in _SHOWN_HEADERS and not any(s and s in value for s in secrets)
            else "[redacted]"
            for name, value in headers.items()
        }
        body = request.body
        size = len(body) if isinstance(body, bytes) else getattr(body, "content_length", 0)
        http_logger.debug(
            "%s %s: %d-byte body, headers %s", request.method, request.path, size, shown
        )

    def _log(
        self,
        request: ApiRequest[Any],
        url: str,
        response: Optional[rest.RESTResponse],
        started: float,
        retries: int,
        wait: Optional[float],
        error: Optional[BaseException] = None,
    ) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        elapsed_ms = (time.monotonic() - started) * 1000
        outcome = (
            f"{response.status} request_id={response.getheader('x-request-id') or '-'}"
            if response is not None
            else f"failed ({type(error).__name__}: {error})"
        )
        decision = "" if wait is None else f"; retrying in {wait:.2f}s"
        logger.info(
            "HTTP Request: %s %s -> %s in %.0f ms (attempt %d)%s",
            request.method,
            url.split("?", 1)[0],  # the query may carry a credential
            outcome,
            elapsed_ms,
            retries + 1,
            decision,
        )

    def _deserialize(
        self,
        response: rest.RESTResponse,
        response_type: type[Any],
        retries: int,
        options: Optional[RequestOptions] = None,
    ) -> ApiResponse[Any]:
        body = self._read(response, options)
        if type(body) is not bytes:  # a test's stand-in response: it sets .data, as generated
            body = response.data
        headers = response.headers
        if not 200 <= response.status <= 299:
            raise self._status_error(response, body, retries, options)
        try:
            parse = getattr(response_type, "_from_response_body", response_type.model_validate_json)
            data = parse(body)
        except ValueError as e:  # pydantic's ValidationError is a ValueError
            # pydantic quotes the input it rejected: the body may hold an echoed key.
            secrets = self._secrets(options)
            _redact.scrub_response(response, secrets)
            raise ApiResponseValidationError(
                response.status,
                response.reason,
                body=_redact.redact_bytes(body, secrets),
                headers=headers,
                message=_redact.redact_text(
                    _invalid_body_message(response_type, response, e), secrets
                ),
                retries=retries,
            ) from None
        if hasattr(data, "_bind_client"):
            data._bind_client(self)  # so image downloads reuse this client's pool and TLS
        return ApiResponse._of(response.status, headers, data, body, retries)

    def _status_error(
        self,
        response: rest.RESTResponse,
        body: bytes,
        retries: int,
        options: Optional[RequestOptions] = None,
    ) -> ApiException:
        from openapiopenai.models.error_response import ErrorResponse

        try:
            data: Any = ErrorResponse.model_validate_json(body) if body else None
        except ValueError:
            data = None
        secrets = self._secrets(options)
        body = _redact.redact_bytes(body, secrets)
        data = _redact.redact_error(data, secrets)  # message, code, param, type
        return ApiException.from_response(http_resp=response, body=body, data=data, retries=retries)

    def _read(self, response: rest.RESTResponse, options: Optional[RequestOptions]) -> bytes:
        """``response.read()``; a too-large error comes with its headers cleaned of secrets."""
        try:
            return response.read()
        except ApiResponseTooLargeError:
            _redact.scrub_response(response, self._secrets(options))  # e.headers is theirs
            raise

    def _secrets(self, options: Optional[RequestOptions] = None) -> list[str]:
        """The configured credentials and those given for this call."""
        return [*self._configured_secrets(), *_per_call_secrets(options or {})]

    def _configured_secrets(self) -> list[str]:
        """The configuration's credentials and those of the environment's proxies."""
        current = getattr(self.rest_client, "_current_secrets", None)  # a stand-in may lack it
        return current() if current is not None else self.configuration.secrets()

    def _redact(self, body: bytes) -> bytes:
        """``body`` with any configured secret replaced (for text shown to people)."""
        return _redact.redact_bytes(body, self._configured_secrets())

    # -- the generated call path: param_serialize -> call_api -> response_deserialize -----

    def param_serialize(
        self,
        method: str,
        resource_path: str,
        path_params: Optional[Mapping[str, Any]] = None,
        query_params: Optional[list[tuple[str, Any]]] = None,
        header_params: Optional[Mapping[str, Any]] = None,
        body: Any = None,
        post_params: Optional[list[tuple[str, Any]]] = None,
        files: Optional[Mapping[str, Any]] = None,
        auth_settings: Optional[list[str]] = None,
        collection_formats: Optional[Mapping[str, str]] = None,
        _host: Optional[str] = None,
        _request_auth: Optional[Mapping[str, Any]] = None,
    ) -> RequestSerialized:
        """Build ``(method, url, header_params, body, post_params)`` for :meth:`call_api`.

        As in the generated client: the default headers, the cookie and the
        authentication of ``auth_settings`` (or ``_request_auth``) are added, path
        parameters are filled in, the query is appended, a model or dict ``body`` is made
        JSON-ready and ``files`` are read into ``post_params``.  Given headers win over the
        defaults.
        """
        config = self.configuration
        headers: dict[str, str] = dict(self.default_headers)
        if self.cookie:
            headers["Cookie"] = self.cookie
        if config.organization:
            headers["OpenAI-Organization"] = config.organization
        if config.project:
            headers["OpenAI-Project"] = config.project
        if config.azure_api_key:
            headers["api-key"] = config.azure_api_key

        if path_params:
            for name, value in self.parameters_to_tuples(
                self.sanitize_for_serialization(dict(path_params)), collection_formats
            ):
                quoted = quote(str(value), safe=config.safe_chars_for_path_param)
                resource_path = resource_path.replace("{" + name + "}", quoted)

        if post_params or files:
            post_params = self.parameters_to_tuples(
                self.sanitize_for_serialization(post_params or []), collection_formats
            )
            if files:
                post_params.extend(self.files_parameters(dict(files)))

        queries: list[tuple[str, Any]] = list(query_params or ())
        if config.azure_deployment:
            resource_path = f"/deployments/{quote(config.azure_deployment, safe='')}{resource_path}"
            queries.insert(0, ("api-version", config.api_version or ""))
        token_sent = self._apply_auth(headers, queries, auth_settings, _request_auth)
        if header_params:
            for name, value in header_params.items():
                if value is not None:
                    headers[name] = value if type(value) is str else str(value)

        if body is not None and not isinstance(body, bytes) and not _is_multipart(body):
            body = self.sanitize_for_serialization(body)

        if _host is None or config.ignore_operation_servers:
            url = config.host + resource_path
        else:
            url = _host + resource_path
        if queries:
            url += "?" + self.parameters_to_url_query(
                self.sanitize_for_serialization(queries), collection_formats
            )
        if token_sent:
            self._warn_if_cleartext(url)
        return method, url, headers, body, post_params

    def _apply_auth(
        self,
        headers: dict[str, str],
        queries: list[tuple[str, Any]],
        auth_settings: Optional[list[str]],
        request_auth: Optional[Mapping[str, Any]],
    ) -> bool:
        """Add the authentication; whether the configured token was added."""
        if not auth_settings:
            return False
        if request_auth:
            self._apply_auth_params(headers, queries, request_auth)
            return False
        config = self.configuration
        if config.refresh_api_key_hook is not None:
            config.refresh_api_key_hook(config)
        token = config.access_token
        if not token:
            return False
        if auth_settings is _AUTH_SETTINGS:  # the operations' own: one bearer token
            headers["Authorization"] = "Bearer " + token
            return True
        settings = config.auth_settings()
        for name in auth_settings:
            setting = settings.get(name)
            if setting:
                self._apply_auth_params(headers, queries, setting)
        return "Authorization" in headers

    def call_api(
        self,
        method: str,
        url: str,
        header_params: Optional[Mapping[str, str]] = None,
        body: Any = None,
        post_params: Optional[list[tuple[str, Any]]] = None,
        _request_timeout: TimeoutValue = None,
    ) -> rest.RESTResponse:
        """Send one prepared request as is (one attempt); the response is unread.

        Operations make each attempt through this method, so patching it (or
        ``rest_client.request``) intercepts every call, as in the generated client.
        Header names and values are checked first: nothing is sent with a CR or LF in one.
        """
        if header_params:
            _check_headers(header_params)
        return self.rest_client.request(
            method,
            url,
            headers=header_params,
            body=body,
            post_params=post_params,
            _request_timeout=_request_timeout,
        )

    def response_deserialize(
        self,
        response_data: rest.RESTResponse,
        response_types_map: Optional[Mapping[str, Any]] = None,
    ) -> ApiResponse[Any]:
        """Parse a response from :meth:`call_api` into the type its status maps to.

        ``response_types_map`` maps a status (``"200"``, ``"2XX"`` or ``"default"``) to a
        type name (``"ImagesResponse"``, ``"str"``, ``"List[int]"``, ``"bytearray"``,
        ``"file"``) or a class.  An error status raises the exception it maps to.
        """
        types = response_types_map or {}
        status = response_data.status
        key = str(status)
        response_type = types.get(key)
        if response_type is None and key not in types:
            ranged = f"{key[0]}XX" if 100 <= status <= 599 else None
            if ranged is not None and ranged in types:
                response_type = types[ranged]
            else:
                response_type = types.get("default")
        model = _model_class(response_type) if isinstance(response_type, str) else response_type
        if model is not None and not isinstance(model, str):
            return self._deserialize(response_data, model, 0)  # reads, and raises on errors
        response_data.read()
        body = response_data.data
        if not 200 <= status <= 299:
            raise self._status_error(response_data, body, 0)
        if isinstance(response_type, str):
            if response_type in ("bytearray", "bytes"):
                data: Any = body
            elif response_type == "file":
                data = self._deserialize_file(response_data)
            else:
                content_type = response_data.headers.get("content-type")
                match = re.search(r"charset=([a-zA-Z\-\d]+)[\s;]?", content_type or "")
                text = body.decode(match.group(1) if match else "utf-8")
                data = self.deserialize(text, response_type, content_type)
        else:
            data = None
        return ApiResponse(
            status_code=status, headers=response_data.headers, data=data, raw_data=body
        )

    def deserialize(
        self, response_text: str, response_type: Any, content_type: Optional[str]
    ) -> Any:
        """Turn a response text into ``response_type`` (a type name or a class)."""
        if content_type is None:
            try:
                data: Any = json.loads(response_text)
            except ValueError:
                data = response_text
        elif re.match(_JSON_TYPE, content_type, re.IGNORECASE):
            data = "" if response_text == "" else json.loads(response_text)
        elif re.match(_TEXT_TYPE, content_type, re.IGNORECASE):
            data = response_text
        else:
            raise ApiException(status=0, reason=f"Unsupported content type: {content_type}")
        return self._deserialize_data(data, response_type)

    def _deserialize_data(self, data: Any, klass: Any) -> Any:
        if data is None:
            return None
        if isinstance(klass, str):
            for prefix, pattern in _GENERIC_TYPES:
                if klass.startswith(prefix):
                    match = re.fullmatch(pattern, klass)
                    if match is None:
                        raise ApiValueError(f"response_type: malformed {klass!r}")
                    if prefix == "List[":
                        return [self._deserialize_data(item, match.group(1)) for item in data]
                    if prefix == "Dict[":
                        inner = match.group(2)
                        return {k: self._deserialize_data(v, inner) for k, v in data.items()}
                    return self._deserialize_data(data, match.group(1))
            resolved = self.NATIVE_TYPES_MAPPING.get(klass) or _model_class(klass)
            if resolved is None:
                raise ApiValueError(f"response_type: unknown type {klass!r}")
            klass = resolved
        if klass in self.PRIMITIVE_TYPES:
            try:
                return klass(data)
            except UnicodeEncodeError:
                return str(data)
            except TypeError:
                return data
        if klass is object:
            return data
        if klass is datetime.date or klass is datetime.datetime:
            return _parse_date(data, klass)
        if klass is decimal.Decimal:
            return decimal.Decimal(data)
        if klass is uuid.UUID:
            return uuid.UUID(data)
        if isinstance(klass, type) and issubclass(klass, Enum):
            try:
                return klass(data)
            except ValueError:
                raise ApiException(
                    status=0, reason=f"Failed to parse `{data}` as `{klass}`"
                ) from None
        return klass.from_dict(data)

    # Code written for the generated client reaches this as ``_ApiClient__deserialize``
    # (to turn a dict into a model by name); the name mangling gives it that name.
    __deserialize = _deserialize_data

    def _deserialize_file(self, response: rest.RESTResponse) -> str:
        """Save the body to a file in ``temp_folder_path``; its path."""
        fd, path = tempfile.mkstemp(dir=self.configuration.temp_folder_path)
        os.close(fd)
        disposition = response.headers.get("Content-Disposition")
        if disposition:
            match = re.search(r"filename=['\"]?([^'\"\s]+)['\"]?", disposition)
            name = os.path.basename(match.group(1)) if match else ""
            if name not in ("", ".", ".."):
                os.remove(path)
                path = os.path.join(os.path.dirname(path), name)
        with open(path, "wb") as f:
            f.write(response.data)
        return path

    def sanitize_for_serialization(self, obj: Any) -> Any:
        """``obj`` as JSON-ready data: models as their ``to_dict()``, dates as ISO 8601."""
        if obj is None:
            return None
        if isinstance(obj, Enum):
            return obj.value
        if isinstance(obj, self.PRIMITIVE_TYPES):
            return obj
        if isinstance(obj, list):
            return [self.sanitize_for_serialization(item) for item in obj]
        if isinstance(obj, tuple):
            return tuple(self.sanitize_for_serialization(item) for item in obj)
        if isinstance(obj, dict):
            return {key: self.sanitize_for_serialization(val) for key, val in obj.items()}
        if isinstance(obj, (datetime.datetime, datetime.date)):
            return obj.isoformat()
        if isinstance(obj, (uuid.UUID, decimal.Decimal)):
            return str(obj)
        secret = getattr(obj, "get_secret_value", None)  # pydantic's SecretStr
        if callable(secret):
            return secret()
        to_dict = getattr(obj, "to_dict", None)
        return self.sanitize_for_serialization(to_dict() if callable(to_dict) else vars(obj))

    def parameters_to_tuples(
        self,
        params: Union[Mapping[str, Any], list[tuple[str, Any]]],
        collection_formats: Optional[Mapping[str, str]],
    ) -> list[tuple[str, Any]]:
        """Parameters as ``(name, value)`` pairs, lists joined by their collection format."""
        formats = collection_formats or {}
        pairs: list[tuple[str, Any]] = []
        for name, value in params.items() if isinstance(params, Mapping) else params:
            if isinstance(value, bool):
                value = str(value).lower()
            fmt = formats.get(name)
            if fmt is None:
                pairs.append((name, value))
            elif fmt == "multi":
                pairs.extend((name, _text(item)) for item in value)
            else:
                pairs.append((name, _DELIMITERS.get(fmt, ",").join(_text(v) for v in value)))
        return pairs

    def parameters_to_url_query(
        self,
        params: Union[Mapping[str, Any], list[tuple[str, Any]]],
        collection_formats: Optional[Mapping[str, str]],
    ) -> str:
        """Parameters as a URL query string (``a=Hello%20World&b=123``)."""
        formats = collection_formats or {}
        pairs: list[str] = []
        for name, value in params.items() if isinstance(params, Mapping) else params:
            key = quote(str(name))
            if isinstance(value, bool):
                value = str(value).lower()
            elif isinstance(value, dict):
                value = json.dumps(value)
            fmt = formats.get(name) if isinstance(value, (list, tuple)) else None
            if fmt is None:
                pairs.append(f"{key}={quote(str(value))}")
            elif fmt == "multi":
                pairs.extend(f"{key}={quote(_text(item))}" for item in value)
            else:
                joined = _DELIMITERS.get(fmt, ",").join(quote(_text(v)) for v in value)
                pairs.append(f"{key}={joined}")
        return "&".join(pairs)

    def files_parameters(self, files: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """``files`` (a path, bytes, a ``(filename, data)`` pair or a list of them) as
        ``(name, (filename, data, mimetype))`` form parameters."""
        params: list[tuple[str, Any]] = []
        for name, value in files.items():
            if isinstance(value, list):
                for item in value:
                    params.extend(self.files_parameters({name: item}))
                continue
            if isinstance(value, str):
                with open(value, "rb") as f:
                    filename, data = os.path.basename(value), f.read()
            elif isinstance(value, bytes):
                filename, data = name, value
            elif isinstance(value, tuple):
                filename, data = value
            else:
                raise ApiValueError(f"{name}: unsupported file value {type(value).__name__}")
            mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            params.append((name, (filename, data, mimetype)))
        return params

    def select_header_accept(self, accepts: list[str]) -> Optional[str]:
        """The ``Accept`` value for ``accepts``: a JSON type if there is one."""
        return _prefer_json(accepts)

    def select_header_content_type(self, content_types: list[str]) -> Optional[str]:
        """The ``Content-Type`` for ``content_types``: a JSON type if there is one."""
        return _prefer_json(content_types)

    def update_params_for_auth(
        self,
        headers: dict[str, Any],
        queries: list[tuple[str, Any]],
        auth_settings: Optional[list[str]],
        resource_path: str,
        method: str,
        body: Any,
        request_auth: Optional[Mapping[str, Any]] = None,
    ) -> None:
        """Add the authentication named by ``auth_settings`` (or ``request_auth``)."""
        if not auth_settings:
            return
        if request_auth:
            self._apply_auth_params(headers, queries, request_auth)
            return
        config = self.configuration
        if config.refresh_api_key_hook is not None:
            config.refresh_api_key_hook(config)
        settings = config.auth_settings()
        for name in auth_settings:
            setting = settings.get(name)
            if setting:
                self._apply_auth_params(headers, queries, setting)

    def _apply_auth_params(
        self, headers: dict[str, Any], queries: list[tuple[str, Any]], setting: Mapping[str, Any]
    ) -> None:
        where = setting.get("in", "header")
        if where == "header":
            if setting.get("type") != "http-signature":
                headers[str(setting["key"])] = str(setting["value"])
        elif where == "query":
            queries.append((str(setting["key"]), setting["value"]))
        elif where == "cookie":
            value = quote(str(setting["value"]), safe="!#$%&'()*+-./:<=>?@[]^_`{|}~%+/=")
            cookie = headers.get("Cookie")
            pair = f"{setting['key']}={value}"
            headers["Cookie"] = f"{cookie}; {pair}" if cookie else pair
        else:
            raise ApiValueError("Authentication token must be in `query` or `header`")


def _invalid_body_message(
    response_type: type[Any], response: rest.RESTResponse, e: ValueError
) -> str:
    ctype = response.getheader("content-type") or "no content type"
    lines = [
        line.strip()
        for line in str(e).splitlines()
        if line.strip() and not line.strip().startswith("For further information")
    ]
    detail = " ".join(lines[1:3]) if len(lines) > 1 else " ".join(lines)
    return (
        f"the server answered {response.status} with a body that is not a valid "
        f"{response_type.__name__} ({ctype}): {detail}"
    )


def _per_call_secrets(options: RequestOptions) -> list[str]:
    """Credentials passed for one call (``_request_auth``, or an auth header in ``_headers``)."""
    if not options:
        return []
    values = [str((options.get("_request_auth") or {}).get("value", ""))]
    values += [
        str(v) for k, v in (options.get("_headers") or {}).items() if k.lower() in _SECRET_HEADERS
    ]
    # "Bearer sk-..." is echoed back as "sk-...": redact the credential itself too.
    return [part for v in values for part in (v, v.partition(" ")[2]) if part]


def _redact_secrets(body: bytes, secrets: list[str]) -> bytes:
    """``body`` with any of ``secrets`` the server echoed replaced."""
    return _redact.redact_bytes(body, secrets)


def _check_headers(headers: Mapping[str, Any]) -> None:
    """Refuse a header name or value HTTP cannot carry (CR, LF, NUL, non-Latin-1)."""
    try:
        text = "".join(headers) + "".join(headers.values())
    except TypeError:  # a value that is not text: look at each
        text = None
    # Printable ASCII needs no closer look (isascii() is a flag, isprintable() is false
    # for CR, LF and NUL): two C calls for all the headers of a request.
    if text is not None and text.isascii() and text.isprintable():
        return
    for name, value in headers.items():
        if not (
            type(name) is str
            and name.isascii()
            and name.isprintable()
            and (type(value) is not str or (value.isascii() and value.isprintable()))
        ):
            _check_header(name, value)


def _check_header(name: str, value: str) -> None:
    check_header_name(name)
    for part, what in ((name, "name"), (value, "value")):
        if not isinstance(part, str):
            raise ApiValueError(f"header {name!r}: the {what} must be a string")
        shown = name if what == "value" else repr(name)
        if "\r" in part or "\n" in part or "\0" in part:
            raise ApiValueError(f"header {shown}: the {what} must not contain CR, LF or NUL")
        try:
            part.encode("latin-1")  # what http.client sends
        except UnicodeEncodeError as e:
            position = e.start  # raised below, outside: e holds the value, maybe a secret
        else:
            continue
        raise ApiValueError(
            f"header {shown}: the {what} has a character outside Latin-1 (at position"
            f" {position}), which an HTTP header cannot carry"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Patterns of the generated ``deserialize`` path, compiled (by ``re``) on its first use:
# a client that never takes that path does not pay for them at start-up.
_JSON_TYPE = r"^application/(json|[\w!#$&.+\-^_]+\+json)\s*(;|$)"
_TEXT_TYPE = r"^text/[a-z.+-]+\s*(;|$)"
_GENERIC_TYPES = (
    ("Optional[", r"Optional\[(.*)]"),
    ("List[", r"List\[(.*)]"),
    ("Dict[", r"Dict\[([^,]*), (.*)]"),
)
_DELIMITERS = {"ssv": " ", "tsv": "\t", "pipes": "|", "csv": ","}


def _model_class(name: str) -> Optional[type[Any]]:
    """The response model called ``name`` (``None`` for native and generic type names)."""
    known = _RESPONSE_TYPES.get(name)
    if known is not None:
        return known
    if not name.isidentifier() or name in ApiClient.NATIVE_TYPES_MAPPING:
        return None
    import openapiopenai.models

    value = getattr(openapiopenai.models, name, None)
    if not isinstance(value, type) or not hasattr(value, "model_validate_json"):
        return None
    _RESPONSE_TYPES[name] = value
    return value


def _parse_date(value: Any, klass: type[Any]) -> Any:
    from dateutil.parser import parse

    try:
        parsed = parse(value)
    except (ValueError, OverflowError):
        what = "date" if klass is datetime.date else "datetime"
        raise ApiException(status=0, reason=f"Failed to parse `{value}` as {what} object") from None
    return parsed.date() if klass is datetime.date else parsed


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _prefer_json(types: list[str]) -> Optional[str]:
    if not types:
        return None
    return next((t for t in types if re.search("json", t, re.IGNORECASE)), types[0])


def _is_multipart(body: object) -> bool:
    """Whether ``body`` is a multipart body (its module is loaded only by uploads)."""
    multipart = sys.modules.get("openapiopenai._multipart")
    return multipart is not None and isinstance(body, multipart.MultipartBody)
