"""Configuration and module names as the generated client has them, as user programs.

Expectations are what the client openapi-generator 7.26 makes does.  Requests go to a
local :class:`ImagesServer`; the proxy is a closed port on loopback.
"""

from __future__ import annotations

import inspect
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapiopenai import ApiClient, Configuration, ImagesApi
from openapiopenai.exceptions import ApiConnectionError, ApiValueError
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.testing import ImagesServer

from conftest import API_KEY, free_port

GENERATED_POSITIONAL = [
    "host",
    "api_key",
    "api_key_prefix",
    "username",
    "password",
    "access_token",
    "server_index",
    "server_variables",
    "server_operation_index",
    "server_operation_variables",
    "ignore_operation_servers",
    "ssl_ca_cert",
    "retries",
    "ca_cert_data",
    "cert_file",
    "key_file",
    "verify_ssl",
    "assert_hostname",
    "tls_server_name",
    "connection_pool_maxsize",
    "proxy",
    "no_proxy",
    "proxy_headers",
    "proxy_ssl_context",
    "safe_chars_for_path_param",
    "client_side_validation",
    "socket_options",
    "datetime_format",
    "date_format",
]


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as images_server:
        yield images_server


def test_constructor_positional_parameters_in_the_generated_order() -> None:
    parameters = inspect.signature(Configuration).parameters.values()
    positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == GENERATED_POSITIONAL
    keyword_only = {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
    assert {"debug", "timeout", "organization", "azure_deployment"} <= keyword_only
    config = Configuration("http://127.0.0.1:1/v1", None, None, None, None, "sk-positional")
    assert config.host == "http://127.0.0.1:1/v1" and config.access_token == "sk-positional"


def test_generated_attributes_and_their_defaults() -> None:
    config = Configuration()
    assert config.server_index == 0
    assert Configuration(host="http://127.0.0.1:1").server_index is None
    assert config.temp_folder_path is None
    assert config.refresh_api_key_hook is None
    assert config.safe_chars_for_path_param == ""
    assert config.datetime_format == "%Y-%m-%dT%H:%M:%S.%f%z"
    assert config.date_format == "%Y-%m-%d"
    assert config.no_proxy is None and config.proxy_ssl_context is None
    assert config.logger_stream_handler is None and config.logger_file_handler is None
    assert isinstance(config.logger_formatter, logging.Formatter)
    assert config.logger["package_logger"] is logging.getLogger("openapiopenai")
    assert config.logger["urllib3_logger"] is logging.getLogger("urllib3")


def test_get_api_key_with_prefix_and_basic_auth_token() -> None:
    calls: list[Configuration] = []
    config = Configuration(api_key={"ApiKeyAuth": "k1"}, api_key_prefix={"ApiKeyAuth": "Token"})
    config.refresh_api_key_hook = calls.append
    assert config.get_api_key_with_prefix("ApiKeyAuth") == "Token k1"
    assert config.get_api_key_with_prefix("other", alias="ApiKeyAuth") == "Token k1"
    assert config.get_api_key_with_prefix("missing") is None
    assert calls == [config, config, config]
    basic = Configuration(username="user", password="pass")
    assert basic.get_basic_auth_token() == "Basic dXNlcjpwYXNz"


def test_refresh_api_key_hook_runs_before_each_request(server: ImagesServer) -> None:
    tokens = iter(["sk-first-012345671111", "sk-second-01234562222"])

    def refresh(config: Configuration) -> None:
        config.access_token = next(tokens)

    config = Configuration(host=server.url, access_token="sk-stale-0123456789")
    config.refresh_api_key_hook = refresh
    with ApiClient(config) as client:
        api = ImagesApi(client)
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
        api.create_image(CreateImageRequest(prompt="p", size="256x256"))
    sent = [r.headers["Authorization"] for r in server.requests]
    # The server masks keys in its log, keeping the last four characters.
    assert sent[0].endswith("1111") and sent[1].endswith("2222")


def test_get_host_from_settings_fills_server_variables() -> None:
    servers = [
        {
            "url": "https://{region}.example.com/{version}",
            "description": "regional",
            "variables": {
                "region": {"description": "", "default_value": "eu", "enum_values": ["eu", "us"]},
                "version": {"description": "", "default_value": "v1", "enum_values": []},
            },
        }
    ]
    config = Configuration()
    assert config.get_host_from_settings(0, servers=servers) == "https://eu.example.com/v1"
    filled = config.get_host_from_settings(0, {"region": "us", "version": "v2"}, servers)
    assert filled == "https://us.example.com/v2"
    with pytest.raises(ValueError, match="region"):
        config.get_host_from_settings(0, {"region": "mars"}, servers)
    with pytest.raises(ValueError):
        config.get_host_from_settings(3)
    assert config.get_host_from_settings(0) == "https://api.openai.com/v1"
    assert config.get_host_from_settings(None) == config.host


def test_get_default_copy_returns_the_default_as_7_26_does() -> None:
    default = Configuration(host="http://127.0.0.1:1/v1")
    Configuration.set_default(default)
    try:
        assert Configuration.get_default_copy() is default
    finally:
        Configuration.set_default(None)


def test_logger_file_adds_a_file_handler_to_each_logger(tmp_path: Path) -> None:
    config = Configuration()
    path = tmp_path / "client.log"
    config.logger_file = str(path)
    handler = config.logger_file_handler
    try:
        assert handler is not None and config.logger_file == str(path)
        for logger in config.logger.values():
            assert handler in logger.handlers
        logging.getLogger("openapiopenai").warning("hello from the test")
        handler.flush()
        assert "hello from the test" in path.read_text()
    finally:
        for logger in config.logger.values():
            logger.removeHandler(handler)  # type: ignore[arg-type]
        if handler is not None:
            handler.close()


def test_no_proxy_is_honoured(server: ImagesServer) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    request = CreateImageRequest(prompt="p", size="256x256")
    bypass = Configuration(
        host=server.url, access_token=API_KEY, proxy=dead_proxy, no_proxy="localhost,127.0.0.1"
    )
    with ApiClient(bypass) as client:
        assert ImagesApi(client).create_image(request).data
    through = Configuration(host=server.url, access_token=API_KEY, proxy=dead_proxy, retries=0)
    with ApiClient(through) as client, pytest.raises(ApiConnectionError):
        ImagesApi(client).create_image(request)
    network = Configuration(
        host=server.url, access_token=API_KEY, proxy=dead_proxy, no_proxy="10.0.0.0/8,127.0.0.0/8"
    )
    with ApiClient(network) as client:
        assert ImagesApi(client).create_image(request).data


def test_host_index_out_of_range_is_refused_before_sending(server: ImagesServer) -> None:
    client = ApiClient(Configuration(host=server.url, access_token=API_KEY))
    with client, pytest.raises(ApiValueError, match="_host_index"):
        ImagesApi(client).create_image(CreateImageRequest(prompt="p"), _host_index=1)
    assert not server.requests


def test_submodules_are_reachable_after_a_plain_import_and_load_lazily() -> None:
    code = (
        "import sys, openapiopenai\n"
        "heavy = [m for m in sys.modules if m.startswith(('pydantic', 'urllib3'))]\n"
        "assert not heavy, heavy\n"
        "names = ['rest', 'models', 'exceptions', 'api_client', 'configuration', 'api',"
        " 'api_response']\n"
        "for name in names:\n"
        "    assert getattr(openapiopenai, name).__name__ == 'openapiopenai.' + name\n"
        "from openapiopenai.api_client import RequestSerialized, ApiException,"
        " BadRequestException, UnauthorizedException, ForbiddenException, NotFoundException,"
        " ServiceException, ApiValueError\n"
        "from openapiopenai.rest import RESTResponseType\n"
        "from openapiopenai.configuration import HostSetting, HostSettingVariable,"
        " ServerVariablesT, AuthSettings, BearerAuthSetting, GenericAuthSetting,"
        " APIKeyAuthSetting, BasicAuthSetting, OAuth2AuthSetting, BearerFormatAuthSetting,"
        " HTTPSignatureAuthSetting, JSON_SCHEMA_VALIDATION_KEYWORDS\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
