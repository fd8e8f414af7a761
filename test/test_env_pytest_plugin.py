"""The pytest plugin as a user project meets it: tests stay isolated from each other."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

# Code under test that builds its client from the environment, as applications do.
APP = """
import openapiopenai

def make_picture(prompt):
    api = openapiopenai.ImagesApi()  # the shared default client
    request = openapiopenai.CreateImageRequest(prompt=prompt, size="256x256")
    return api.create_image(request).data[0].url
"""


def _run(pytester: pytest.Pytester, tests: str) -> pytest.RunResult:
    pytester.makepyfile(app=APP, test_app=tests)
    # A subprocess: the plugin is found through its entry point, as in a user's project.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")


def test_the_default_client_follows_each_tests_server(pytester: pytest.Pytester) -> None:
    result = _run(
        pytester,
        """
import app

def test_first(images_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", images_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert app.make_picture("an otter").startswith(images_server.url)

def test_second(images_server, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", images_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert app.make_picture("a beaver").startswith(images_server.url)
    assert [r.path for r in images_server.requests] == ["/v1/images/generations"]
""",
    )
    result.assert_outcomes(passed=2)


def test_images_env_gives_code_reading_the_environment_its_own_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "corp.example")  # the user's own, kept
    monkeypatch.delenv("no_proxy", raising=False)
    result = _run(
        pytester,
        """
import os

import openapiopenai
import app
from openapiopenai.testing._record import mask_api_key
from openapiopenai.testing.pytest_plugin import TEST_API_KEY

def test_first(images_env):
    assert app.make_picture("an otter").startswith(images_env.url)
    assert images_env.requests[0].headers["Authorization"] == f"Bearer {mask_api_key(TEST_API_KEY)}"

def test_second(images_env):
    assert app.make_picture("a beaver").startswith(images_env.url)
    assert len(images_env.requests) == 1

def test_a_proxy_from_the_environment_is_bypassed_for_the_server(images_env, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert os.environ["NO_PROXY"] == "corp.example,127.0.0.1"
    assert app.make_picture("an otter").startswith(images_env.url)

def test_after_them_nothing_is_left(monkeypatch):
    assert "OPENAI_BASE_URL" not in os.environ
    assert os.environ["NO_PROXY"] == "corp.example"
    assert openapiopenai.ApiClient._default is None
    assert openapiopenai.Configuration._default is None
""",
    )
    result.assert_outcomes(passed=4)


def test_a_default_set_for_the_whole_session_is_kept(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import openapiopenai

SESSION_CLIENT = openapiopenai.ApiClient(
    openapiopenai.Configuration(host="http://127.0.0.1:9", access_token="sk-session")
)
openapiopenai.ApiClient.set_default(SESSION_CLIENT)
"""
    )
    result = _run(
        pytester,
        """
import openapiopenai
from conftest import SESSION_CLIENT

def test_one_replaces_it_for_itself():
    openapiopenai.ApiClient.set_default(openapiopenai.ApiClient())

def test_two_sees_the_sessions_default():
    assert openapiopenai.ApiClient.get_default() is SESSION_CLIENT
""",
    )
    result.assert_outcomes(passed=2)
