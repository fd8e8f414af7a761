"""Configuration defaults and secrecy."""

from __future__ import annotations

import copy
import logging

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
