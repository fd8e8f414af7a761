"""Secrets stay secret; transport safety; one client across threads and forks."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from pytest_httpserver import HTTPServer

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi, Retry
from openapiopenai import exceptions as exc
from openapiopenai.testing import ImagesServer

from conftest import API_KEY


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as s:
        yield s


def test_the_key_appears_in_no_log_record_repr_or_exception(
    server: ImagesServer, caplog: pytest.LogCaptureFixture, png: bytes
) -> None:
    caplog.set_level(logging.DEBUG, logger="openapiopenai")
    configuration = openapiopenai.Configuration(
        host=server.url,
        access_token=API_KEY,
        debug=True,
        retries=Retry(total=1, backoff_base=0.01),
    )
    seen: list[str] = [repr(configuration), str(configuration)]
    try:
        with openapiopenai.ApiClient(configuration) as client:
            api = ImagesApi(client)
            seen.append(repr(client.__dict__))
            ok = api.create_image_with_http_info(CreateImageRequest(prompt="p", size="256x256"))
            seen += [repr(ok), str(ok.headers), repr(ok.data)]
            server.respond_with(500, f"key was {API_KEY}", times=2)
            server.respond_with(
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {API_KEY}",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
            )
            server.drop_connection()
            for _ in range(3):
                with pytest.raises(exc.ApiException) as info:
                    api.create_image(CreateImageRequest(prompt="p", size="256x256"))
                err = info.value
                seen += [str(err), repr(err), repr(err.body), repr(err.error), repr(err.args)]
            with pytest.raises(exc.ApiValueError) as bad:
                api.create_image_edit(png, "p", mask=b"nope", model="dall-e-2")
            seen.append(str(bad.value))
    finally:
        configuration.debug = False
    records = [r.getMessage() for r in caplog.records] + [caplog.text]
    assert any("POST http" in r and "/images/generations" in r for r in records), "logging was on"
    for text in seen + records:
        assert API_KEY not in text
    # The server saw the key, but recorded it masked.
    assert all(API_KEY not in str(r.headers) for r in server.requests)


def test_debug_log_is_one_line_per_attempt_with_status_and_request_id(
    server: ImagesServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="openapiopenai")
    server.respond_with(503, "busy", headers={"x-request-id": "req_first"})
    configuration = openapiopenai.Configuration(
        host=server.url, access_token=API_KEY, retries=Retry(total=1, backoff_base=0.01)
    )
    with openapiopenai.ApiClient(configuration) as client:
        ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
    lines = [r.getMessage() for r in caplog.records if r.name == "openapiopenai"]
    assert len(lines) == 2
    assert "503" in lines[0] and "req_first" in lines[0] and "retrying in" in lines[0]
    assert "200" in lines[1] and "attempt 2" in lines[1]
    # No body field is logged ("b64_json", not "b64": a random request id may hold that).
    assert all("b64_json" not in line and "prompt" not in line for line in lines)


def test_cleartext_bearer_to_a_remote_host_warns_once(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The "remote" host is reached through a loopback proxy: no traffic leaves the machine.
    httpserver.expect_request("/v1/images/generations").respond_with_json(
        {"created": 1, "data": []}
    )
    configuration = openapiopenai.Configuration(
        host="http://images.example.test/v1",
        access_token=API_KEY,
        proxy=httpserver.url_for("/").rstrip("/"),
        retries=0,
    )
    caplog.set_level(logging.WARNING, logger="openapiopenai")
    with openapiopenai.ApiClient(configuration) as client:
        api = ImagesApi(client)
        api.create_image(CreateImageRequest(prompt="p"))
        api.create_image(CreateImageRequest(prompt="p"))
    warnings = [r for r in caplog.records if "plain http://" in r.getMessage()]
    assert len(warnings) == 1
    assert "images.example.test" in warnings[0].getMessage()
    assert API_KEY not in caplog.text


def test_no_warning_for_loopback(server: ImagesServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="openapiopenai")
    with openapiopenai.ApiClient(
        openapiopenai.Configuration(host=server.url, access_token=API_KEY)
    ) as client:
        ImagesApi(client).create_image(CreateImageRequest(prompt="p", size="256x256"))
    assert "plain http://" not in caplog.text


def test_tls_verification_is_on_by_default() -> None:
    import ssl

    client = openapiopenai.ApiClient(openapiopenai.Configuration())
    assert client.rest_client.pool_manager.connection_pool_kw["cert_reqs"] == ssl.CERT_REQUIRED
    off = openapiopenai.ApiClient(openapiopenai.Configuration(verify_ssl=False))
    assert off.rest_client.pool_manager.connection_pool_kw["cert_reqs"] == ssl.CERT_NONE


def test_header_injection_is_rejected_everywhere(server: ImagesServer) -> None:
    client = openapiopenai.ApiClient(
        openapiopenai.Configuration(host=server.url, access_token=API_KEY)
    )
    with pytest.raises(exc.ApiValueError):
        client.set_default_header("X-A", "1\r\nX-B: 2")
    with pytest.raises(exc.ApiValueError):
        client.set_default_header("X-A\n", "1")
    bad_key = openapiopenai.ApiClient(
        openapiopenai.Configuration(host=server.url, access_token="sk-1\r\nX-Evil: 1")
    )
    with pytest.raises(exc.ApiValueError, match="Authorization") as info:
        ImagesApi(bad_key).create_image(CreateImageRequest(prompt="p"))
    assert "X-Evil" not in str(info.value)
    assert server.requests == []


def test_one_client_across_threads(server: ImagesServer) -> None:
    configuration = openapiopenai.Configuration(
        host=server.url, access_token=API_KEY, connection_pool_maxsize=8
    )
    errors: list[BaseException] = []
    with openapiopenai.ApiClient(configuration) as client:
        api = ImagesApi(client)
        request = CreateImageRequest(prompt="p", size="256x256")

        def worker(_: int) -> None:
            for _ in range(250):
                try:
                    assert api.create_image_without_preload_content(request).read()
                except BaseException as e:
                    errors.append(e)

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(worker, range(8)))
        assert errors == []
        assert len(server.requests) == 2000
        assert client.rest_client.connections_opened() <= 8
        assert client.rest_client.connections_in_use() == 0


#: Runs in a subprocess of its own: one thread, so os.fork() is safe there (forking the
#: test process, whose local servers run threads, is deprecated from Python 3.12 on).
FORK_SCRIPT = """
import os, sys
import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi

client = openapiopenai.ApiClient(
    openapiopenai.Configuration(host=sys.argv[1], access_token="sk-fork-test-0000")
)
api = ImagesApi(client)
api.create_image(CreateImageRequest(prompt="parent", size="256x256"))
parent_pool = client.rest_client.pool_manager
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    code = 1
    try:
        api.create_image(CreateImageRequest(prompt="child", size="256x256"))
        code = 0 if client.rest_client.pool_manager is not parent_pool else 2
    finally:
        os.write(write, bytes([code]))
        os._exit(code)
os.close(write)
result = os.read(read, 1)
os.waitpid(pid, 0)
assert result == b"\\x00", result
# The parent's pool is unchanged and still works.
assert client.rest_client.pool_manager is parent_pool
api.create_image(CreateImageRequest(prompt="parent again", size="256x256"))
print("ok")
"""


def test_a_forked_child_gets_a_fresh_pool(server: ImagesServer) -> None:
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", FORK_SCRIPT, server.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr
    assert done.stderr == ""  # no "multi-threaded, use of fork()" DeprecationWarning
    prompts = [r.json["prompt"] for r in server.requests]
    assert prompts == ["parent", "child", "parent again"]
