"""pytest fixtures for code that calls the OpenAI Images API: a local server and a client.

Registered under the ``pytest11`` entry point, so it is imported in every pytest run of
every user: it imports nothing but pytest at import time; the server and the client
load inside the fixtures.

* ``images_server``: a started :class:`~openapiopenai.testing.ImagesServer` on a free port.
* ``images_api``: an ``ImagesApi`` whose client talks to ``images_server`` with
  :data:`TEST_API_KEY`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.testing._server import ImagesServer

__all__ = ["TEST_API_KEY", "images_api", "images_server"]

#: The bearer key the ``images_api`` fixture sends.
TEST_API_KEY = "sk-test-openapiopenai-0000"


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
