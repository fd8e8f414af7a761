"""Client settings: where to send requests, how to authenticate, TLS, pool and retries."""

from __future__ import annotations

import copy
import logging
import math
import os
import re
import ssl
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, Union
from urllib.parse import SplitResult, urlsplit

from typing_extensions import Literal, NotRequired, TypedDict

from openapiopenai.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from openapiopenai._auth_settings import (
        APIKeyAuthSetting,
        BasicAuthSetting,
        BearerFormatAuthSetting,
        GenericAuthSetting,
        HTTPSignatureAuthSetting,
        OAuth2AuthSetting,
    )

__all__ = [
    "DEFAULT_AZURE_API_VERSION",
    "DEFAULT_HOST",
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "JSON_SCHEMA_VALIDATION_KEYWORDS",
    "APIKeyAuthSetting",
    "AuthSettings",
    "BasicAuthSetting",
    "BearerAuthSetting",
    "BearerFormatAuthSetting",
    "Configuration",
    "GenericAuthSetting",
    "HTTPSignatureAuthSetting",
    "HostSetting",
    "HostSettingVariable",
    "OAuth2AuthSetting",
    "ServerVariablesT",
    "TimeoutValue",
]

DEFAULT_HOST = "https://api.openai.com/v1"
#: The Azure OpenAI data-plane API version used when none is given.
DEFAULT_AZURE_API_VERSION = "2025-04-01-preview"

#: A timeout as accepted everywhere in this package: seconds for both phases, a
#: ``(connect, read)`` pair, or ``None`` for no limit.
TimeoutValue = Union[None, float, tuple[Optional[float], Optional[float]]]

# Image calls take tens of seconds to minutes: connecting should be quick, reading slow.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 600.0)

_LOGGER_NAME = "openapiopenai"

#: The most decoded bytes a response body may have (``max_response_bytes``).  The largest
#: response the API gives, ten 4 MB images in base64, is about 55 MB of JSON: 256 MiB
#: leaves room for larger images while bounding what a hostile server (a 520 KB gzip
#: body inflates to 512 MiB) can make the client hold.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
#: The most bytes one streamed event may have (``max_event_bytes``).  An event carries one
#: image: a 4096x4096 PNG in base64 is some 30-45 MB, so 64 MiB leaves room for it.
DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024

# -- the generated module's type aliases ------------------------------------------

JSON_SCHEMA_VALIDATION_KEYWORDS = {
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
}

ServerVariablesT = dict[str, str]

BearerAuthSetting = TypedDict(
    "BearerAuthSetting",
    {
        "type": Literal["bearer"],
        "in": Literal["header"],
        "key": Literal["Authorization"],
        "value": str,
    },
)


class AuthSettings(TypedDict, total=False):
    ApiKeyAuth: BearerAuthSetting


class HostSettingVariable(TypedDict):
    description: str
    default_value: str
    enum_values: list[str]


class HostSetting(TypedDict):
    url: str
    description: str
    variables: NotRequired[dict[str, HostSettingVariable]]


def __getattr__(name: str) -> Any:
    # The generated module's other auth setting shapes, which this client never builds,
    # are made on first use (each costs a process's start a tenth of a millisecond).
    if not name.startswith("__"):
        from openapiopenai import _auth_settings

        if name in _auth_settings.__all__:
            return getattr(_auth_settings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    from openapiopenai import _auth_settings

    return sorted(set(globals()) | set(_auth_settings.__all__))


def _env(name: str) -> Optional[str]:
    return os.environ.get(name) or None


class Configuration:
    """Settings shared by every call made through one :class:`ApiClient`.

    The positional parameters are those of the generated client, in its order, so code
    written against its docs runs unchanged; the rest are keyword-only.  ``access_token`` is the
    API key, sent as ``Authorization: Bearer``; it never appears in ``repr``.

    Unset, ``host`` comes from ``OPENAI_BASE_URL``, ``access_token`` from
    ``OPENAI_API_KEY``, ``organization`` from ``OPENAI_ORG_ID`` and ``project`` from
    ``OPENAI_PROJECT_ID``; explicit arguments always win.
    """

    _default: ClassVar[Optional[Configuration]] = None

    def __init__(
        self,
        host: Optional[str] = None,
        api_key: Optional[dict[str, str]] = None,
        api_key_prefix: Optional[dict[str, str]] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        access_token: Optional[str] = None,
        server_index: Optional[int] = None,
        server_variables: Optional[dict[str, str]] = None,
        server_operation_index: Optional[dict[str, int]] = None,
        server_operation_variables: Optional[dict[str, dict[str, str]]] = None,
        ignore_operation_servers: bool = False,
        ssl_ca_cert: Optional[str] = None,
        retries: Any = None,
        ca_cert_data: Optional[Union[str, bytes]] = None,
        cert_file: Optional[str] = None,
        key_file: Optional[str] = None,
        verify_ssl: bool = True,
        assert_hostname: Optional[Union[str, bool]] = None,
        tls_server_name: Optional[str] = None,
        connection_pool_maxsize: Optional[int] = None,
        proxy: Optional[str] = None,
        no_proxy: Optional[str] = None,
        proxy_headers: Optional[Mapping[str, str]] = None,
        proxy_ssl_context: Optional[ssl.SSLContext] = None,
        safe_chars_for_path_param: str = "",
        client_side_validation: bool = True,
        socket_options: Optional[list[tuple[int, int, Union[int, bytes]]]] = None,
        datetime_format: str = "%Y-%m-%dT%H:%M:%S.%f%z",
        date_format: str = "%Y-%m-%d",
        *,
        debug: Optional[bool] = None,
        trust_env: bool = True,
        timeout: TimeoutValue = DEFAULT_TIMEOUT,
        organization: Optional[str] = None,
        project: Optional[str] = None,
        azure_deployment: Optional[str] = None,
        azure_api_key: Optional[str] = None,
        api_version: Optional[str] = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        # Explicit arguments win; then the environment variables the OpenAI SDKs use.
        if host:
            self.host = host
        else:
            env_host = _env("OPENAI_BASE_URL")
            self._host = _checked_host(env_host, "OPENAI_BASE_URL") if env_host else DEFAULT_HOST
        self.api_key: dict[str, str] = dict(api_key or {})
        self.api_key_prefix: dict[str, str] = dict(api_key_prefix or {})
        self.username = username
        self.password = password
        if access_token is not None and not isinstance(access_token, str):
            kind = type(access_token).__name__  # never the value: it may be a key
            raise ApiTypeError(f"access_token: expected a string, got {kind}")
        self.access_token: Optional[str] = (
            access_token if access_token is not None else _env("OPENAI_API_KEY")
        )
        #: Sent as ``OpenAI-Organization`` / ``OpenAI-Project`` when set.
        self.organization: Optional[str] = (
            organization if organization is not None else _env("OPENAI_ORG_ID")
        )
        self.project: Optional[str] = project if project is not None else _env("OPENAI_PROJECT_ID")
        #: Azure OpenAI: operations go to ``/deployments/{azure_deployment}/images/...``
        #: with ``?api-version=``, authenticated by the ``api-key`` header (see for_azure).
        self.azure_deployment = azure_deployment
        self.azure_api_key = azure_api_key
        self.api_version = api_version
        # As generated; this API has one server, and the configured host is always used.
        self.server_index: Optional[int] = (
            0 if server_index is None and host is None else server_index
        )
        self.server_variables: dict[str, str] = dict(server_variables or {})
        self.server_operation_index: dict[str, int] = dict(server_operation_index or {})
        self.server_operation_variables: dict[str, dict[str, str]] = dict(
            server_operation_variables or {}
        )
        self.ignore_operation_servers = ignore_operation_servers
        #: Where ``response_types_map`` type "file" saves a body (None: the system's).
        self.temp_folder_path: Optional[str] = None
        #: Called with this configuration before each request, e.g. to renew the token.
        self.refresh_api_key_hook: Optional[Callable[[Configuration], None]] = None

        self.verify_ssl = verify_ssl
        self.ssl_ca_cert = ssl_ca_cert
        self.ca_cert_data = ca_cert_data
        self.cert_file = cert_file
        self.key_file = key_file
        self.assert_hostname = assert_hostname
        self.tls_server_name = tls_server_name
        self.proxy: Optional[str] = _checked_proxy(proxy)
        #: Comma-separated hosts (``example.com``, ``.example.com``, ``10.0.0.0/8``,
        #: ``*``) reached without the proxy.
        self.no_proxy = no_proxy
        self.proxy_headers: Optional[dict[str, str]] = (
            check_proxy_headers(proxy_headers) if proxy_headers is not None else None
        )
        #: Read ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` (with no ``proxy``) and
        #: ``NO_PROXY`` when an ``ApiClient`` is built.
        self.trust_env: bool = bool(trust_env)
        #: The TLS context for the connection to an https:// proxy itself.
        self.proxy_ssl_context = proxy_ssl_context
        #: Characters left unencoded in path parameters.
        self.safe_chars_for_path_param = safe_chars_for_path_param
        self.datetime_format = datetime_format
        self.date_format = date_format
        self.connection_pool_maxsize: int = _checked_pool_size(connection_pool_maxsize)
        self.socket_options = socket_options
        self.retries = retries
        self.client_side_validation = client_side_validation
        self.timeout = timeout
        #: Caps on what a server can make the client hold: a response body's decoded
        #: bytes, and one streamed event's (over them: ApiResponseTooLargeError).
        self.max_response_bytes: int = _checked_cap("max_response_bytes", max_response_bytes)
        self.max_event_bytes: int = _checked_cap("max_event_bytes", max_event_bytes)

        #: The loggers ``debug`` and ``logger_file`` act on, as generated.
        self.logger: dict[str, logging.Logger] = {
            "package_logger": logging.getLogger(_LOGGER_NAME),
            "urllib3_logger": logging.getLogger("urllib3"),
        }
        self.logger_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
        self.logger_stream_handler: Optional[logging.StreamHandler[Any]] = None
        self.logger_file_handler: Optional[logging.FileHandler] = None
        self._logger_file: Optional[str] = None
        self._debug = False
        if debug is not None:
            self.debug = debug

    # -- timeout ------------------------------------------------------------

    @property
    def timeout(self) -> TimeoutValue:
        """Seconds for both phases, a ``(connect, read)`` pair, or ``None`` for no limit."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: TimeoutValue) -> None:
        self._timeout = _checked_timeout(value)

    # -- host ---------------------------------------------------------------

    @property
    def host(self) -> str:
        """Base URL every operation path is appended to (no trailing slash)."""
        return self._host

    @host.setter
    def host(self, value: str) -> None:
        self._host = _checked_host(value, "host")

    def get_host_settings(self) -> list[dict[str, Any]]:
        """The servers the spec declares (one)."""
        return [{"url": DEFAULT_HOST, "description": "OpenAI API", "variables": {}}]

    def get_host_from_settings(
        self,
        index: Optional[int],
        variables: Optional[ServerVariablesT] = None,
        servers: Optional[list[Any]] = None,
    ) -> str:
        """The URL of server ``index`` with its variables filled in (from ``variables``,
        else their defaults), or :attr:`host` when ``index`` is ``None``."""
        if index is None:
            return self._host
        servers = servers if servers is not None else self.get_host_settings()
        if not 0 <= index < len(servers):
            raise ApiValueError(
                f"_host_index: must be in range 0..{len(servers) - 1}, got {index}"
                f" (invalid index {index} when selecting the host settings)"
            )
        server = servers[index]
        url = str(server["url"])
        given = variables or {}
        for name, variable in (server.get("variables") or {}).items():
            value = given.get(name, variable["default_value"])
            allowed = variable.get("enum_values")
            if allowed and value not in allowed:
                raise ApiValueError(
                    f"The variable `{name}` in the host URL has invalid value {value!r}."
                    f" Must be {allowed}."
                )
            url = url.replace("{" + name + "}", value)
        return url

    @classmethod
    def for_azure(
        cls,
        endpoint: Optional[str] = None,
        *,
        deployment: str,
        api_version: Optional[str] = None,
        api_key: Optional[str] = None,
        azure_ad_token: Optional[str] = None,
        **kwargs: Any,
    ) -> Configuration:
        """A configuration for an Azure OpenAI resource.

        ``endpoint`` is the resource URL (``https://NAME.openai.azure.com``; default from
        ``AZURE_OPENAI_ENDPOINT``), ``deployment`` the image model deployment's name.
        Authenticate with ``api_key`` (sent as ``api-key``; default from
        ``AZURE_OPENAI_API_KEY``) or an Entra ID ``azure_ad_token`` (sent as Bearer).
        ``api_version`` defaults to ``OPENAI_API_VERSION`` or
        :data:`DEFAULT_AZURE_API_VERSION`.  Other keywords go to the constructor.
        """
        endpoint = endpoint or _env("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ApiValueError(
                "endpoint: pass the Azure resource URL or set AZURE_OPENAI_ENDPOINT"
            )
        if not deployment:
            raise ApiValueError("deployment: the name of the image model deployment is required")
        if azure_ad_token is None and api_key is None:
            api_key = _env("AZURE_OPENAI_API_KEY")
        return cls(
            host=endpoint.rstrip("/") + "/openai",
            # An empty token: never fall back to OPENAI_API_KEY for an Azure resource.
            access_token=azure_ad_token or "",
            azure_deployment=deployment,
            azure_api_key=api_key,
            api_version=api_version or _env("OPENAI_API_VERSION") or DEFAULT_AZURE_API_VERSION,
            **kwargs,
        )

    def secrets(self) -> list[str]:
        """The credentials this configuration holds (to keep them out of text we show).

        The proxy's too: its password (see ``_proxies.proxy_credentials``) and the values
        of ``proxy_headers``.
        """
        found = [s for s in (self.access_token, self.azure_api_key, self.password) if s]
        if self.proxy or self.proxy_headers:
            from openapiopenai._proxies import proxy_credentials

            found += proxy_credentials(self.proxy, self.proxy_headers)
        return found

    # -- authentication -------------------------------------------------------

    def get_api_key_with_prefix(
        self, identifier: str, alias: Optional[str] = None
    ) -> Optional[str]:
        """The API key ``identifier`` (or ``alias``) from ``api_key``, with its prefix.

        Calls ``refresh_api_key_hook`` first, as generated.
        """
        if self.refresh_api_key_hook is not None:
            self.refresh_api_key_hook(self)
        key = self.api_key.get(identifier, self.api_key.get(alias) if alias is not None else None)
        if not key:
            return None
        prefix = self.api_key_prefix.get(
            identifier, self.api_key_prefix.get(alias) if alias is not None else None
        )
        return f"{prefix} {key}" if prefix else key

    def get_basic_auth_token(self) -> Optional[str]:
        """The ``Authorization`` value for HTTP basic auth from ``username``/``password``."""
        import urllib3

        credentials = f"{self.username or ''}:{self.password or ''}"
        return urllib3.util.make_headers(basic_auth=credentials).get("authorization")

    def auth_settings(self) -> dict[str, dict[str, str]]:
        """The authentication the spec declares, filled in from this configuration."""
        if self.access_token is None:
            return {}
        return {
            "ApiKeyAuth": {
                "type": "bearer",
                "in": "header",
                "key": "Authorization",
                "value": "Bearer " + self.access_token,
            }
        }

    # -- logging --------------------------------------------------------------

    @property
    def debug(self) -> bool:
        """``True`` turns on DEBUG logging for this package (not for the whole process)."""
        return self._debug

    @debug.setter
    def debug(self, value: bool) -> None:
        # Only this package's logger changes; turning debug off hands the level back to
        # the application's logging configuration.
        self._debug = bool(value)
        logger = logging.getLogger(_LOGGER_NAME)  # only ours: never urllib3's wire details
        logger.setLevel(logging.DEBUG if self._debug else logging.NOTSET)
        ours = [h for h in logger.handlers if getattr(h, "_openapiopenai_debug", False)]
        if self._debug and not ours:
            stderr = logging.StreamHandler(sys.stderr)
            stderr.setFormatter(logging.Formatter(self.logger_format))
            stderr._openapiopenai_debug = True  # type: ignore[attr-defined]
            logger.addHandler(stderr)
            self.logger_stream_handler = stderr
        elif not self._debug:
            for handler in ours:
                logger.removeHandler(handler)
            self.logger_stream_handler = None

    @property
    def logger_format(self) -> str:
        """The log line format; setting it updates ``logger_formatter``."""
        return self._logger_format

    @logger_format.setter
    def logger_format(self, value: str) -> None:
        self._logger_format = value
        self.logger_formatter: logging.Formatter = logging.Formatter(value)

    @property
    def logger_file(self) -> Optional[str]:
        """A file the loggers in :attr:`logger` also write to (``logger_file_handler``)."""
        return self._logger_file

    @logger_file.setter
    def logger_file(self, value: Optional[str]) -> None:
        self._logger_file = value
        if value:
            handler = logging.FileHandler(value)
            handler.setFormatter(self.logger_formatter)
            self.logger_file_handler = handler
            for logger in self.logger.values():
                logger.addHandler(handler)

    # -- defaults -------------------------------------------------------------

    @classmethod
    def set_default(cls, default: Optional[Configuration]) -> None:
        """Make ``default`` the configuration used when none is given."""
        cls._default = default

    @classmethod
    def get_default(cls) -> Configuration:
        """The default configuration (created on first use)."""
        if cls._default is None:
            cls._default = cls()
        return cls._default

    @classmethod
    def get_default_copy(cls) -> Configuration:
        """Deprecated (use :meth:`get_default`): the default configuration itself, as 7.26
        returns it (not a copy)."""
        return cls.get_default()

    def to_debug_report(self) -> str:
        """Versions and platform, for bug reports (no secrets)."""
        from openapiopenai._version import __version__

        return (
            "Python SDK Debug Report:\n"
            f"OS: {sys.platform}\n"
            f"Python Version: {sys.version.split()[0]}\n"
            "Version of the API: 2.0.0\n"
            f"SDK Package Version: {__version__}"
        )

    def __repr__(self) -> str:
        token = "<set>" if self.access_token else None
        return (
            f"Configuration(host={self._host!r}, access_token={token!r}, "
            f"verify_ssl={self.verify_ssl!r}, proxy={_without_password(self.proxy)!r}, "
            f"retries={self.retries!r}, timeout={self.timeout!r}, "
            f"client_side_validation={self.client_side_validation!r}"
            + (f", azure_deployment={self.azure_deployment!r}" if self.azure_deployment else "")
            + ")"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> Configuration:
        new = copy.copy(self)
        for name in ("api_key", "api_key_prefix", "server_variables"):
            setattr(new, name, copy.deepcopy(getattr(self, name), memo))
        new.logger = copy.copy(self.logger)
        return new


def _checked_host(value: Any, name: str) -> str:
    """``value`` as a base URL (no trailing slash), or an ``ApiValueError`` naming ``name``.

    A host without a scheme would be sent over plain http by urllib3 (with the API key and
    no warning); a malformed one would fail as a connection error, after retries.
    """
    example = "an absolute URL such as https://api.openai.com/v1"
    if not isinstance(value, str) or not value:
        raise ApiValueError(f"{name}: must be {example}, got {type(value).__name__}")
    if not value.isprintable() or value != value.strip() or " " in value:
        raise ApiValueError(f"{name}: must not contain spaces or control characters")
    parts = _split_http_url(name, value)
    if parts is None:
        raise ApiValueError(f"{name}: must be {example}")
    if "@" in parts.netloc or "\\" in value:
        # urllib3 reads "http://a\\@b" as host a, urllib.parse as b; credentials in the
        # URL are not sent (the key is access_token) and would show up wherever it does.
        raise ApiValueError(f"{name}: must not contain user:password@ or a backslash")
    scheme = parts.scheme.lower()
    return scheme + value[len(scheme) :].rstrip("/")  # "HTTP://" too is plain http


def _proxy_password(proxy: Optional[str]) -> Optional[str]:
    """The password in a proxy URL's ``user:password@``, if any."""
    if not proxy or "@" not in proxy:
        return None
    userinfo = proxy.rpartition("@")[0].partition("://")[2]
    return userinfo.partition(":")[2] or None


def _without_password(proxy: Optional[str]) -> Optional[str]:
    """``proxy`` for display: its password, if any, masked."""
    password = _proxy_password(proxy)
    return proxy.replace(":" + password + "@", ":***@", 1) if proxy and password else proxy


#: The longest finite timeout the socket layer takes (``math.inf`` means no limit).
MAX_TIMEOUT = 1e9


def _checked_timeout(value: Any) -> TimeoutValue:
    """``value`` if it is a timeout this package takes, else an error naming ``timeout``."""
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ApiValueError(
                f"timeout: expected seconds or a (connect, read) pair, got {len(value)} values"
            )
        for phase, seconds in zip(("connect", "read"), value):
            _check_seconds(f"timeout ({phase})", seconds)
        return value
    _check_seconds("timeout", value)
    return value  # type: ignore[no-any-return]


def _check_seconds(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiTypeError(
            f"{name}: expected seconds as a number, a (connect, read) pair or None, got {value!r}"
        )
    if not value > 0:
        raise ApiValueError(f"{name}: seconds must be greater than 0, got {value!r}")
    if MAX_TIMEOUT < value < math.inf:
        raise ApiValueError(
            f"{name}: at most {MAX_TIMEOUT:.0f} seconds (or None for no limit), got {value!r}"
        )


#: More connections per host than this is a mistake (urllib3 allocates the pool up front).
MAX_POOL_SIZE = 10_000
#: The least default pool: enough for the thread pools that share one client in a web
#: server (Starlette/FastAPI run sync endpoints on 40 threads), so none of them finds the
#: pool full and has its connection discarded.  An idle slot costs nothing.
MIN_DEFAULT_POOL_SIZE = 64


def _checked_pool_size(value: Any) -> int:
    if value is None or value == 0:
        return max(MIN_DEFAULT_POOL_SIZE, (os.cpu_count() or 1) * 5)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_POOL_SIZE:
        raise ApiValueError(
            f"connection_pool_maxsize: must be an int from 1 to {MAX_POOL_SIZE}, got {value!r}"
        )
    return int(value)  # an int already: int() spells it out for mypy 1.x (Python 3.9)


def check_proxy_headers(headers: Optional[Mapping[str, str]]) -> dict[str, str]:
    """``headers`` as a dict if each is a header HTTP can carry; ``ApiValueError`` if not.

    The error names the header, never its value (it is usually a credential).
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ApiTypeError(f"proxy_headers: expected a mapping, got {type(headers).__name__}")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not re.fullmatch(_TOKEN, name):
            shown = name if isinstance(name, str) and name.isprintable() else type(name).__name__
            raise ApiValueError(f"proxy_headers: {shown!r} is not a header name")
        if not isinstance(value, str):
            raise ApiTypeError(
                f"proxy_headers[{name!r}]: expected a string, got {type(value).__name__}"
            )
        if not re.fullmatch(_FIELD_VALUE, value):
            raise ApiValueError(
                f"proxy_headers[{name!r}]: the value has a line break, a control character"
                " or a character outside Latin-1"
            )
        checked[name] = value
    return checked


# Compiled (by ``re``) when proxy headers are first checked, not by every process at import.
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_FIELD_VALUE = r"[\t\x20-\x7e\x80-\xff]*"


def _checked_cap(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ApiValueError(f"{name}: must be a positive int (bytes), got {value!r}")
    return int(value)  # an int already: int() spells it out for mypy 1.x (Python 3.9)


def _checked_proxy(proxy: Any) -> Optional[str]:
    """``proxy`` if it is an http(s) proxy URL (shown without its password when not)."""
    if proxy is None or proxy == "":
        return None
    if not isinstance(proxy, str):
        raise ApiTypeError(f"proxy: expected a URL string, got {type(proxy).__name__}")
    if _split_http_url("proxy", proxy) is None:
        shown = _without_password(proxy)
        raise ApiValueError(f"proxy: must be an http:// or https:// URL, got {shown!r}")
    return proxy


def _split_http_url(name: str, value: str) -> Optional[SplitResult]:
    """``value`` split if it is an http(s) URL with a host, else ``None``.

    One that does not even parse (a bad port, a broken IPv6 literal) is an
    ``ApiValueError`` naming ``name``, showing the URL without its password.
    """
    try:
        parts = urlsplit(value)
        port = parts.port  # parsing it is the check
    except ValueError as e:
        shown = _without_password(value)
        raise ApiValueError(f"{name}: {shown!r} is not a valid URL ({e})") from None
    if port == 0:  # nothing listens there: every call would fail as a connection error
        raise ApiValueError(f"{name}: the port must be 1 to 65535, got 0")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts
