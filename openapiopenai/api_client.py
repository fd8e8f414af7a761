"""``ApiClient``: sends the requests operations describe and parses what comes back.

``call()`` reads top to bottom: prepare the headers and URL once, then ``_send()`` runs
attempts under the retry policy, then ``_deserialize()`` turns the body into the model
or the status into its exception.  One client (one connection pool) is safe to share
across threads.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, ClassVar, Optional, TypeVar, Union
from urllib.parse import quote, urlsplit

from openapiopenai import _redact, _validation, rest
from openapiopenai._multipart import MultipartBody
from openapiopenai._request import ApiRequest, RequestOptions, check_header_name
from openapiopenai._streaming import ImageStream
from openapiopenai._version import __version__
from openapiopenai.api_response import ApiResponse
from openapiopenai.configuration import Configuration, TimeoutValue
from openapiopenai.exceptions import (
    ApiException,
    ApiResponseTooLargeError,
    ApiResponseValidationError,
    ApiTransportError,
    ApiTypeError,
    ApiValueError,
)
from openapiopenai.retry import Retry

__all__ = ["ApiClient"]

T = TypeVar("T")

logger = logging.getLogger("openapiopenai")

_SECRET_HEADERS = frozenset({"authorization", "api-key", "proxy-authorization"})


class ApiClient:
    """Owns one connection pool and the headers every request carries.

    Use it as a context manager (or call :meth:`close`) so its connections are closed.
    ``header_name``/``header_value`` add one default header, as in the generated client.
    """

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
        self.configuration = (
            configuration if configuration is not None else Configuration.get_default()
        )
        self.rest_client = rest.RESTClientObject(self.configuration)
        self._cleartext_checked: set[str] = set()
        # What parsed responses hold to find this client again (see ResponseModel).
        self._model_binding: Optional[dict[str, Any]] = None
        self.default_headers: dict[str, str] = {}
        if header_name is not None:
            self.set_default_header(header_name, header_value or "")
        self.cookie = cookie
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
        """Close the pooled connections (the client can still be used afterwards)."""
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
        return self._deserialize(response, request.response_type, retries, request.options)

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

        With ``read_body`` the body is read within the attempt, so a connection lost
        mid-body is a failed attempt like any other transport error.
        """
        options = request.options
        url = self._url(request)
        headers = self._headers(request, url)
        body = request.body
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
                response = self.rest_client.request(
                    request.method,
                    url,
                    headers=headers,
                    body=body,
                    _request_timeout=timeout,
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
                self._log(request, None, attempt_started, retries, wait, error=error)
                if wait is None:
                    raise
            else:
                self._log(request, response, attempt_started, retries, wait)
                if wait is None:
                    return response, retries
                response.release()
            time.sleep(wait)
            retries += 1

    def _retry_policy(self, options: RequestOptions) -> Retry:
        value = options.get("_retries")
        return Retry.from_value(self.configuration.retries if value is None else value)

    def _url(self, request: ApiRequest[Any]) -> str:
        host_index = request.options.get("_host_index", 0)
        if host_index != 0 or type(host_index) is not int:
            if isinstance(host_index, bool) or not isinstance(host_index, int):
                raise ApiValueError(f"_host_index: must be an int, got {host_index!r}")
            self.configuration.get_host_from_settings(host_index)  # raises when out of range
        # The configured host wins: index 0 is the spec's only server.
        config = self.configuration
        if config.azure_deployment:
            url = f"{config.host}/deployments/{quote(config.azure_deployment, safe='')}"
            url += f"{request.path}?api-version={quote(config.api_version or '', safe='')}"
        else:
            url = config.host + request.path
        auth = request.options.get("_request_auth")
        if auth and auth.get("in") == "query":
            sep = "&" if "?" in url else "?"
            url += f"{sep}{quote(str(auth['key']))}={quote(str(auth['value']))}"
        return url

    def _headers(self, request: ApiRequest[Any], url: str) -> dict[str, str]:
        headers = dict(self.default_headers)
        headers["Accept"] = "text/event-stream" if request.wants_stream else "application/json"
        content_type = self._content_type(request)
        if content_type is not None:
            headers["Content-Type"] = content_type
        if request.form is not None:
            headers["Content-Length"] = str(request.form.content_length)
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.configuration.organization:
            headers["OpenAI-Organization"] = self.configuration.organization
        if self.configuration.project:
            headers["OpenAI-Project"] = self.configuration.project
        if self.configuration.azure_api_key:
            headers["api-key"] = self.configuration.azure_api_key
        auth = request.options.get("_request_auth")
        if auth is None:
            token = self.configuration.access_token
            if token:
                headers["Authorization"] = f"Bearer {token}"
                self._warn_if_cleartext(url)
        elif auth.get("in", "header") == "header":
            headers[str(auth["key"])] = str(auth["value"])
        for name, value in (request.options.get("_headers") or {}).items():
            headers[name] = str(value)
        for name, value in headers.items():
            # Printable ASCII needs no check (isascii() is a flag, isprintable() is false
            # for CR, LF and NUL); the exact check runs only otherwise.
            if not (
                name.isascii() and value.isascii() and name.isprintable() and value.isprintable()
            ):
                _check_header(name, value)
        return headers

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

    def _log(
        self,
        request: ApiRequest[Any],
        response: Optional[rest.RESTResponse],
        started: float,
        retries: int,
        wait: Optional[float],
        error: Optional[BaseException] = None,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        elapsed_ms = (time.monotonic() - started) * 1000
        outcome = (
            f"{response.status} request_id={response.getheader('x-request-id') or '-'}"
            if response is not None
            else f"failed ({type(error).__name__}: {error})"
        )
        decision = "" if wait is None else f"; retrying in {wait:.2f}s"
        logger.debug(
            "%s %s -> %s in %.0f ms (attempt %d)%s",
            request.method,
            request.path,
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
        headers = response.getheaders()
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
        return ApiResponse(
            status_code=response.status,
            headers=headers,
            data=data,
            raw_data=body,
            retries=retries,
        )

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
        return [*self.configuration.secrets(), *_per_call_secrets(options or {})]

    def _redact(self, body: bytes) -> bytes:
        """``body`` with any configured secret replaced (for text shown to people)."""
        return _redact.redact_bytes(body, self.configuration.secrets())

    # -- generated-client compatibility ----------------------------------------------

    def call_api(
        self,
        method: str,
        url: str,
        header_params: Optional[Mapping[str, str]] = None,
        body: Optional[Union[bytes, MultipartBody]] = None,
        post_params: Optional[Any] = None,
        _request_timeout: TimeoutValue = None,
    ) -> rest.RESTResponse:
        """Send one prepared request as is (no retries); the response is unread."""
        headers = dict(header_params or {})
        for name, value in headers.items():
            _check_header(name, value)
        return self.rest_client.request(
            method,
            url,
            headers=headers,
            body=body,
            post_params=post_params,
            _request_timeout=_request_timeout,
        )

    def response_deserialize(
        self,
        response_data: rest.RESTResponse,
        response_types_map: Optional[Mapping[str, Optional[type[Any]]]] = None,
    ) -> ApiResponse[Any]:
        """Parse a response from :meth:`call_api` into the model its status maps to."""
        types = response_types_map or {}
        status = str(response_data.status)
        response_type = types.get(status) or types.get(f"{status[0]}XX")
        if response_type is None:
            body = response_data.read()
            if not 200 <= response_data.status <= 299:
                raise self._status_error(response_data, body, 0)
            return ApiResponse(
                status_code=response_data.status,
                headers=response_data.getheaders(),
                data=body,
                raw_data=body,
            )
        return self._deserialize(response_data, response_type, 0)


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
    values = [str((options.get("_request_auth") or {}).get("value", ""))]
    values += [
        str(v) for k, v in (options.get("_headers") or {}).items() if k.lower() in _SECRET_HEADERS
    ]
    # "Bearer sk-..." is echoed back as "sk-...": redact the credential itself too.
    return [part for v in values for part in (v, v.partition(" ")[2]) if part]


def _redact_secrets(body: bytes, secrets: list[str]) -> bytes:
    """``body`` with any of ``secrets`` the server echoed replaced."""
    return _redact.redact_bytes(body, secrets)


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
