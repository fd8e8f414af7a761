"""pytest fixtures for code that calls the OpenAI Images API: a local server and a client.

Registered under the ``pytest11`` entry point, so it is imported in every pytest run of
every user: it imports nothing but pytest at import time; the server and the client
load inside the fixtures.

* ``images_server``: a started :class:`~openapiopenai.testing.ImagesServer` on a free port.
* ``images_api``: an ``ImagesApi`` whose client talks to ``images_server`` with
  :data:`TEST_API_KEY`.
* ``images_env``: for code that builds its own client from the environment
  (``ImagesApi()``, ``Configuration()``): ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point
  at ``images_server`` for this test, and the shared defaults start empty, so the default
  client is built from them.

Every test also runs with the shared defaults (``ApiClient.get_default()``,
``Configuration.get_default()``) as they were before it: a default client one test built
(from that test's environment, pointing at that test's server) is closed and dropped
when the test ends instead of leaking into the next test.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional

import pytest

if TYPE_CHECKING:
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.testing._server import ImagesServer

__all__ = ["TEST_API_KEY", "images_api", "images_env", "images_server"]

#: The bearer key the ``images_api`` and ``images_env`` fixtures use.
TEST_API_KEY = "sk-test-openapiopenai-0000"

#: Where the shared defaults live: (module, class) pairs with a ``_default`` attribute.
_DEFAULT_HOLDERS = (
    ("openapiopenai.api_client", "ApiClient"),
    ("openapiopenai.configuration", "Configuration"),
)

#: The variables ``Configuration()`` reads; ``images_env`` sets or clears each of them.
_ENVIRONMENT = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


def _holders() -> list[Any]:
    """The classes holding a default, among the modules already imported (none: cheap)."""
    found = []
    for module_name, class_name in _DEFAULT_HOLDERS:
        module = sys.modules.get(module_name)
        if module is not None:
            found.append(getattr(module, class_name))
    return found


def _saved_defaults() -> dict[str, Any]:
    return {cls.__name__: cls._default for cls in _holders()}


def _restore_defaults(saved: dict[str, Any]) -> None:
    """Put back the defaults in ``saved``; close a default client the test left behind."""
    for cls in _holders():
        before: Optional[Any] = saved.get(cls.__name__)
        current = cls._default
        if current is before:
            continue
        cls._default = before
        close = getattr(current, "close", None)
        if close is not None and cls.__name__ == "ApiClient":
            close()


@pytest.fixture(autouse=True)
def _openapiopenai_isolated_defaults() -> Iterator[None]:
    """Each test leaves the shared default client and configuration as it found them."""
    saved = _saved_defaults()
    try:
        yield
    finally:
        _restore_defaults(saved)


@pytest.fixture
def images_server() -> Iterator[ImagesServer]:
    """A started local Images API server (any free port); stopped after the test."""
    from openapiopenai.testing._server import ImagesServer

    with ImagesServer() as server:
        yield server


@pytest.fixture
def images_api(images_server: ImagesServer) -> Iterator[ImagesApi]:
    """An ``ImagesApi`` pointed at ``images_server``; its client is closed after the test."""
    from openapiopenai import ApiClient, Configuration, ImagesApi

    # trust_env=False: a machine's HTTP(S)_PROXY could not reach the loopback server.
    configuration = Configuration(
        host=images_server.url, access_token=TEST_API_KEY, trust_env=False
    )
    with ApiClient(configuration) as api_client:
        yield ImagesApi(api_client)


@pytest.fixture
def images_env(images_server: ImagesServer, monkeypatch: pytest.MonkeyPatch) -> ImagesServer:
    """``images_server``, with the environment pointing the default client at it.

    Sets ``OPENAI_BASE_URL`` to the server and ``OPENAI_API_KEY`` to :data:`TEST_API_KEY`,
    clears ``OPENAI_ORG_ID`` and ``OPENAI_PROJECT_ID``, adds the server's address to
    ``NO_PROXY`` (a machine's ``HTTP(S)_PROXY`` could not reach it) and empties the shared
    defaults, so ``ImagesApi()`` in the code under test talks to this server.  All of it is
    undone after the test.
    """
    from openapiopenai.api_client import ApiClient
    from openapiopenai.configuration import Configuration

    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", images_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_API_KEY)
    bypass = [os.environ.get(name, "") for name in ("no_proxy", "NO_PROXY")]
    entries = [e for value in bypass for e in value.split(",") if e.strip()]
    no_proxy = ",".join(dict.fromkeys([*entries, "127.0.0.1"]))
    monkeypatch.setenv("no_proxy", no_proxy)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    # The autouse fixture above puts the previous defaults back after the test.
    ApiClient.set_default(None)
    Configuration.set_default(None)
    return images_server
