"""Bad settings and arguments are refused when given, naming the parameter; nothing is sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import openapiopenai
from openapiopenai import ApiTypeError, ApiValueError, Configuration, Retry
from openapiopenai.testing import ImagesServer

from conftest import API_KEY, make_png


@pytest.fixture(scope="module")
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(server: ImagesServer) -> None:
    server.clear_requests()
    server.reset_faults()


def api_for(server: ImagesServer, **config: Any) -> openapiopenai.ImagesApi:
    config.setdefault("access_token", API_KEY)
    return openapiopenai.ImagesApi(
        openapiopenai.ApiClient(Configuration(host=server.url, **config))
    )


# -- Retry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"statuses": None}, "statuses"),
        ({"statuses": "429"}, "statuses"),
        ({"statuses": [429, "503"]}, "statuses"),
        ({"jitter": "0.1"}, "jitter"),
        ({"deadline": "5"}, "deadline"),
        ({"backoff_base": "1"}, "backoff_base"),
        ({"retry_on_timeout": "false"}, "retry_on_timeout"),
        ({"retry_on_timeout": 1}, "retry_on_timeout"),
        ({"total": 2.0}, "total"),
    ],
)
def test_retry_of_the_wrong_type_is_refused_when_built(kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(ApiTypeError, match=rf"^retries: {name} "):
        Retry(**kwargs)


def test_retry_values_out_of_range_are_refused() -> None:
    for kwargs, name in (
        ({"statuses": [42]}, "statuses"),
        ({"backoff_max": float("inf")}, "backoff_max"),
        ({"jitter": float("nan")}, "jitter"),
    ):
        with pytest.raises(ApiValueError, match=rf"^retries: {name} "):
            Retry(**kwargs)


def test_retry_statuses_take_any_collection_and_drive_the_retries(server: ImagesServer) -> None:
    policy = Retry(total=2, backoff_base=0.01, statuses=[418])
    assert policy.statuses == frozenset({418}) and hash(policy)
    server.respond_with(418, {"error": {"message": "teapot"}}, times=2)
    response = api_for(server, retries=policy).create_image_with_http_info({"prompt": "p"})
    assert response.status_code == 200 and response.retries == 2
    server.clear_requests()
    server.respond_with(503, {"error": {"message": "busy"}})
    with pytest.raises(openapiopenai.ServiceException):
        api_for(server, retries=policy).create_image({"prompt": "p"})
    assert len(server.requests) == 1  # 503 is not in this policy's statuses


# -- a stalled TLS handshake ---------------------------------------------------------------


@pytest.fixture
def silent_tls_port() -> Iterator[tuple[int, list[socket.socket]]]:
    """A loopback server that accepts connections and never answers the ClientHello."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1]), accepted
    listener.close()
    for conn in accepted:
        conn.close()


def test_a_stalled_tls_handshake_is_the_connect_phase(
    silent_tls_port: tuple[int, list[socket.socket]],
) -> None:
    port, accepted = silent_tls_port
    config = Configuration(
        host=f"https://127.0.0.1:{port}/v1",
        access_token=API_KEY,
        timeout=(0.2, 60),
        retries=Retry(total=1, backoff_base=0.01),
    )
    with (
        openapiopenai.ApiClient(config) as client,
        pytest.raises(openapiopenai.ApiTimeoutError) as info,
    ):
        openapiopenai.ImagesApi(client).create_image({"prompt": "p"})
    error = info.value
    assert (error.phase, error.request_sent, error.retries) == ("connect", False, 1)
    assert "connecting" in str(error)
    assert len(accepted) == 2  # nothing was sent, so it was retried once


# -- host and timeout ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "http://[::1/x",
        "http://[::1",
        "http://127.0.0.1:0/v1",
        "https://localhost:0",
        "http://h:70000",
    ],
)
def test_a_host_that_cannot_be_connected_to_names_host(host: str) -> None:
    with pytest.raises(ApiValueError, match=r"^host: "):
        Configuration(host=host)
    config = Configuration()
    with pytest.raises(ApiValueError, match=r"^host: "):
        config.host = host


def test_port_zero_names_the_setting_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:0/v1")
    with pytest.raises(ApiValueError, match=r"^OPENAI_BASE_URL: the port must be"):
        Configuration()
    with pytest.raises(ApiValueError, match=r"^proxy: the port must be"):
        Configuration(host="http://127.0.0.1:8080/v1", proxy="http://127.0.0.1:0")


@pytest.mark.parametrize(
    "timeout, error",
    [
        ("30", ApiTypeError),
        (b"30", ApiTypeError),
        (True, ApiTypeError),
        ([5, 30], ApiTypeError),
        ((5, "30"), ApiTypeError),
        ((5, 30, 1), ApiValueError),
        (0, ApiValueError),
        ((5, -1), ApiValueError),
        (1e12, ApiValueError),
    ],
)
def test_a_bad_configured_timeout_names_timeout(
    server: ImagesServer, timeout: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match=r"^timeout"):
        Configuration(host=server.url, timeout=timeout)
    config = Configuration(host=server.url, access_token=API_KEY)
    with pytest.raises(error, match=r"^timeout"):
        config.timeout = timeout
    assert config.timeout == (5.0, 600.0)  # unchanged
    openapiopenai.ImagesApi(openapiopenai.ApiClient(config)).create_image({"prompt": "p"})
    assert len(server.requests) == 1


def test_good_configured_timeouts_are_used(server: ImagesServer) -> None:
    for timeout in (30, 2.5, None, float("inf"), (None, 30), (1, None)):
        api = api_for(server, timeout=timeout)
        assert api.api_client.configuration.timeout == timeout
        api.create_image({"prompt": "p"})
    server.delay(2)
    with pytest.raises(openapiopenai.ApiTimeoutError) as info:
        api_for(server, timeout=(5, 0.2), retries=0).create_image({"prompt": "p"})
    assert info.value.phase == "read"


# -- arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["abc", "256X256", "256x256\n", "0x0", "100x100"])
def test_an_edit_without_a_model_refuses_a_size_no_model_takes(
    server: ImagesServer, size: str
) -> None:
    api = api_for(server)
    with pytest.raises(ApiValueError, match=r"^size: no model takes"):
        api.create_image_edit(make_png(), "add a hat", size=size)
    with pytest.raises(ApiValueError, match=r"^size: "):
        api.create_image({"prompt": "p", "size": size, "output_format": "webp"})
    assert server.requests == []


@pytest.mark.parametrize("size", ["256x256", "1024x1024", "1536x1024", "auto", "2048x1152"])
def test_an_edit_without_a_model_sends_a_size_some_model_takes(
    server: ImagesServer, size: str
) -> None:
    api = api_for(server, retries=0)
    try:
        api.create_image_edit(make_png(), "add a hat", size=size)
    except openapiopenai.BadRequestException as e:
        assert e.param == "size"  # the local server's default model (dall-e-2) refused it
    assert server.requests[-1].fields["size"] == size


TEXT_FIELDS = {
    "create_image": ["prompt", "model", "size", "quality", "style", "user", "output_format"],
    "create_image_edit": ["prompt", "model", "size", "user", "quality", "background"],
    "create_image_variation": ["model", "size", "user", "response_format"],
}


@pytest.mark.parametrize(
    "operation, field", [(op, f) for op, fields in TEXT_FIELDS.items() for f in fields]
)
@pytest.mark.parametrize("validation", [True, False])
def test_bytes_for_a_text_field_are_refused(
    server: ImagesServer, operation: str, field: str, validation: bool
) -> None:
    api = api_for(server, client_side_validation=validation)
    value = b"256x256" if field == "size" else b"dall-e-2" if field == "model" else b"text"
    with pytest.raises(ApiTypeError, match=rf"^{field}: expected a string, got bytes"):
        if operation == "create_image":
            api.create_image({"prompt": "p", field: value})
        elif operation == "create_image_edit":
            api.create_image_edit(make_png(), **{"prompt": "p", field: value})
        else:
            api.create_image_variation(make_png(), **{field: value})
    assert server.requests == []
