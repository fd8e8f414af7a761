"""The default connection pool under a web server's thread pool (40 threads, one client)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import openapiopenai
from openapiopenai.testing import ImagesServer

THREADS = 40  # Starlette / FastAPI's thread pool for sync endpoints
CALLS_PER_THREAD = 5


def test_forty_threads_sharing_the_default_pool_keep_their_connections(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="urllib3")
    start = threading.Barrier(THREADS)
    with ImagesServer() as server:
        config = openapiopenai.Configuration(host=server.url, access_token="sk-test-pool")
        with openapiopenai.ApiClient(config) as client:
            api = openapiopenai.ImagesApi(client)

            def work(_: int) -> int:
                start.wait()  # all 40 threads call at once, as under load
                urls = 0
                for _ in range(CALLS_PER_THREAD):
                    response = api.create_image(
                        openapiopenai.CreateImageRequest(prompt="an otter", response_format="url")
                    )
                    urls += len(response.data)
                return urls

            with ThreadPoolExecutor(THREADS) as pool:
                answered = sum(pool.map(work, range(THREADS)))
            http_pool = client.rest_client.pool_manager.connection_from_url(server.url)
            opened = http_pool.num_connections
    assert answered == THREADS * CALLS_PER_THREAD
    full = [r.getMessage() for r in caplog.records if "pool is full" in r.getMessage()]
    assert full == []
    # Each thread holds one connection at a time, and the pool keeps every one it opened.
    assert 1 <= opened <= THREADS


def test_default_pool_size_covers_a_web_servers_threads() -> None:
    assert openapiopenai.Configuration().connection_pool_maxsize >= THREADS
    assert openapiopenai.Configuration(connection_pool_maxsize=3).connection_pool_maxsize == 3
