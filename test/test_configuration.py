"""Configuration defaults and secrecy."""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai import Configuration

KEY = "sk-configuration-secret-123456"


def test_defaults() -> None:
    c = Configuration()
    assert c.host == "https://api.openai.com/v1"
    assert c.verify_ssl is True
    assert c.client_side_validation is True
    assert c.timeout == (5.0, 600.0)
    assert c.connection_pool_maxsize >= 1


def test_repr_and_copies_never_show_the_token() -> None:
    c = Configuration(access_token=KEY, proxy="http://proxy.local:3128")
    assert KEY not in repr(c)
    assert KEY not in str(c)
    assert "<set>" in repr(c)
    assert KEY not in repr(copy.deepcopy(c))
    assert KEY not in c.to_debug_report()


def test_auth_settings_use_bearer() -> None:
    assert Configuration(access_token=KEY).auth_settings()["ApiKeyAuth"]["value"] == (
        f"Bearer {KEY}"
    )
    assert Configuration().auth_settings() == {}


def test_host_trailing_slash_is_dropped() -> None:
    assert Configuration(host="http://127.0.0.1:1234/v1/").host == "http://127.0.0.1:1234/v1"


def test_debug_turns_on_package_logging_only() -> None:
    root_level = logging.getLogger().level
    logger = logging.getLogger("openapiopenai")
    handlers = list(logger.handlers)
    c = Configuration(debug=True)
    try:
        assert logger.level == logging.DEBUG
        assert len(logger.handlers) == len(handlers) + 1
        assert logging.getLogger().level == root_level
    finally:
        c.debug = False
    assert logger.level == logging.NOTSET
    assert logger.handlers == handlers


def test_host_index_out_of_range_is_rejected() -> None:
    with pytest.raises(openapiopenai.ApiValueError, match="_host_index"):
        Configuration().get_host_from_settings(1)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("api.openai.com/v1", "host: must be an absolute URL"),  # urllib3 would use http
        ("ftp://files.example/v1", "host: must be an absolute URL"),
        ("http://", "host: must be an absolute URL"),
        (" https://api.openai.com/v1", "host: must not contain spaces or control characters"),
        ("https://api.openai.com/v1\n", "host: must not contain spaces or control characters"),
        (
            "http://127.0.0.1:99999/v1",
            "host: 'http://127.0.0.1:99999/v1' is not a valid URL (Port out of range",
        ),
        ("http://[::1/v1", "host: 'http://[::1/v1' is not a valid URL (Invalid IPv6 URL)"),
        (5, "host: must be an absolute URL such as https://api.openai.com/v1, got int"),
    ],
)
def test_a_host_that_is_not_an_http_url_is_refused_up_front(host: object, message: str) -> None:
    # Before: no scheme meant plain http with the key and no warning; a malformed URL
    # failed as a connection error after two retries.
    with pytest.raises(openapiopenai.ApiValueError, match=re.escape(message)):
        Configuration(host=host)  # type: ignore[arg-type]
    config = Configuration()
    with pytest.raises(openapiopenai.ApiValueError, match=re.escape(message)):
        config.host = host  # type: ignore[assignment]
    assert config.host == "https://api.openai.com/v1"


def test_a_bad_base_url_in_the_environment_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "api.openai.com/v1")
    with pytest.raises(openapiopenai.ApiValueError, match=r"^OPENAI_BASE_URL: must be an absolute"):
        Configuration()


def test_the_scheme_is_normalised_so_plain_http_is_recognised() -> None:
    assert Configuration(host="HTTP://10.0.0.7:8080/v1/").host == "http://10.0.0.7:8080/v1"


def test_a_proxy_password_is_masked_and_redacted() -> None:
    c = Configuration(proxy="http://user:pr0xy-pass@proxy.local:3128")
    assert "pr0xy-pass" not in repr(c)
    assert "http://user:***@proxy.local:3128" in repr(c)
    assert "pr0xy-pass" in c.secrets()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"proxy": "localhost:3128"}, "proxy: must be an http:// or https:// URL, got 'localhost"),
        ({"proxy": "socks5://u:pw-secret@h:1"}, "proxy: must be an http:// or https:// URL"),
        ({"proxy": "http://u:pw-secret@h:port"}, "proxy: 'http://u:***@h:port' is not a valid"),
        ({"connection_pool_maxsize": "10"}, "connection_pool_maxsize: must be an int from 1"),
        ({"connection_pool_maxsize": 10**9}, "connection_pool_maxsize: must be an int from 1"),
    ],
)
def test_a_proxy_or_pool_size_that_cannot_work_is_refused_up_front(
    kwargs: dict[str, object], message: str
) -> None:
    # urllib3 raised its own exceptions at ApiClient(); 10**9 connections hung, eating memory.
    with pytest.raises(openapiopenai.ApiValueError, match=re.escape(message)) as caught:
        Configuration(**kwargs)  # type: ignore[arg-type]
    assert "pw-secret" not in str(caught.value)


def test_the_wrong_object_for_a_client_or_configuration_is_a_type_error() -> None:
    with pytest.raises(openapiopenai.ApiTypeError, match=r"wrap it: ApiClient\(configuration\)"):
        openapiopenai.ImagesApi(Configuration())  # type: ignore[arg-type]
    with pytest.raises(openapiopenai.ApiTypeError, match="configuration: expected a Configuration"):
        openapiopenai.ApiClient({"host": "https://api.openai.com/v1"})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["ssl_ca_cert", "cert_file", "key_file"])
def test_a_missing_tls_file_is_named_when_the_client_is_built(name: str, tmp_path: Path) -> None:
    # It used to surface on every call as a "TLS error" (or "connection lost").
    missing = tmp_path / "corp-ca.pem"
    config = Configuration(host="https://api.openai.com/v1", **{name: str(missing)})
    with pytest.raises(openapiopenai.ApiValueError, match=f"^{name}: no such file: "):
        openapiopenai.ApiClient(config)


def test_an_access_token_that_is_not_text_is_refused_without_showing_it() -> None:
    with pytest.raises(
        openapiopenai.ApiTypeError, match="access_token: expected a string, got int"
    ):
        Configuration(access_token=12345678)  # type: ignore[arg-type]  # sent "Bearer 12345678"


def test_a_cookie_that_is_not_text_is_refused_when_the_client_is_built() -> None:
    with pytest.raises(
        openapiopenai.ApiValueError, match="header 'Cookie': the value must be a string"
    ):
        openapiopenai.ApiClient(Configuration(), cookie=5)  # type: ignore[arg-type]
