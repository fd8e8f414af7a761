"""Retries, timeouts and transport failures against the local server's fault injection.

For every fault: how many attempts the server saw, the exception, the time taken, and
that no connection is left checked out of the pool.
"""

from __future__ import annotations

import copy
import pickle
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any, Optional

import pytest

import openapiopenai
from openapiopenai import CreateImageRequest, ImagesApi, Retry
from openapiopenai import exceptions as exc
from openapiopenai.retry import parse_retry_after
from openapiopenai.testing import ImagesServer

from conftest import API_KEY

FAST = Retry(total=2, backoff_base=0.01, backoff_max=0.05)
REQUEST = CreateImageRequest(prompt="an otter", size="256x256")


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as s:
        yield s


def make_api(server: ImagesServer, retries: Any = FAST, **config: Any) -> ImagesApi:
    configuration = openapiopenai.Configuration(
        host=server.url, access_token=API_KEY, retries=retries, **config
    )
    return ImagesApi(openapiopenai.ApiClient(configuration))


def attempts(server: ImagesServer) -> int:
    return len(server.requests)


def in_use(api: ImagesApi) -> int:
    return api.api_client.rest_client.connections_in_use()


def timed(fn: Any) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        result = fn()
    except Exception as e:
        result = e
    return result, time.monotonic() - started


# -- the fault matrix ---------------------------------------------------------------


def test_429_with_retry_after_waits_then_succeeds(server: ImagesServer) -> None:
    server.respond_with(
        429,
        {"error": {"message": "Rate limit", "type": "requests", "param": None, "code": None}},
        headers={"Retry-After": "1"},
    )
    api = make_api(server)
    resp, elapsed = timed(lambda: api.create_image_with_http_info(REQUEST))
    assert isinstance(resp, openapiopenai.ApiResponse), resp
    assert resp.retries == 1
    assert attempts(server) == 2
    assert 0.95 <= elapsed < 3.0
    assert in_use(api) == 0


def test_429_retry_after_ms_wins_over_retry_after(server: ImagesServer) -> None:
    server.respond_with(429, "slow down", headers={"retry-after-ms": "150", "Retry-After": "30"})
    api = make_api(server)
    resp, elapsed = timed(lambda: api.create_image(REQUEST))
    assert isinstance(resp, openapiopenai.ImagesResponse), resp
    assert 0.14 <= elapsed < 2.0
    assert attempts(server) == 2


def test_429_asking_for_more_than_the_cap_fails_at_once(server: ImagesServer) -> None:
    server.respond_with(429, "later", headers={"Retry-After": "3600"})
    api = make_api(server)
    err, elapsed = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.RateLimitException)
    assert err.retries == 0
    assert attempts(server) == 1
    assert elapsed < 1.0
    assert in_use(api) == 0


def test_a_run_of_5xx_shorter_than_the_budget_succeeds(server: ImagesServer) -> None:
    server.respond_with(
        500, {"error": {"message": "boom", "type": "server_error", "param": None, "code": None}}
    )
    server.respond_with(503, "unavailable")
    api = make_api(server)
    resp, elapsed = timed(lambda: api.create_image_with_http_info(REQUEST))
    assert isinstance(resp, openapiopenai.ApiResponse), resp
    assert resp.retries == 2
    assert attempts(server) == 3
    assert elapsed < 2.0
    assert in_use(api) == 0


def test_a_run_of_5xx_longer_than_the_budget_raises_with_the_count(server: ImagesServer) -> None:
    server.respond_with(500, "boom", times=3)
    api = make_api(server)
    err, elapsed = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ServiceException)
    assert err.status == 500
    assert err.retries == 2
    assert "after 2 retries" in str(err)
    assert attempts(server) == 3
    assert elapsed < 2.0
    assert in_use(api) == 0


def test_html_502_is_retried_then_reported(server: ImagesServer) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    server.respond_with(502, page, headers={"Content-Type": "text/html"}, times=3)
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ServiceException)
    assert "502 Bad Gateway" in str(err)
    assert attempts(server) == 3
    assert in_use(api) == 0


def test_400_is_not_retried(server: ImagesServer) -> None:
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(CreateImageRequest(prompt="p", model="dall-e-3", n=2)))
    assert isinstance(err, exc.ApiValueError)  # caught before sending
    api = make_api(server, client_side_validation=False)
    err, _ = timed(lambda: api.create_image(CreateImageRequest(prompt="p", model="dall-e-3", n=2)))
    assert isinstance(err, exc.BadRequestException)
    assert err.param == "n"
    assert attempts(server) == 1


def test_x_should_retry_false_overrides_the_status(server: ImagesServer) -> None:
    server.respond_with(503, "no", headers={"x-should-retry": "false"})
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ServiceException)
    assert attempts(server) == 1


def test_x_should_retry_true_retries_any_status(server: ImagesServer) -> None:
    server.respond_with(400, "try again", headers={"x-should-retry": "true"})
    api = make_api(server)
    assert api.create_image(REQUEST).data
    assert attempts(server) == 2


def test_connection_dropped_after_the_request_is_not_retried(server: ImagesServer) -> None:
    server.drop_connection()
    api = make_api(server)
    err, elapsed = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ApiConnectionError)
    assert err.request_sent is True
    assert err.__cause__ is not None
    assert attempts(server) == 1, "a request the server may have billed must not be resent"
    assert elapsed < 1.0
    assert in_use(api) == 0


def test_connection_reset_before_the_response_is_not_retried(server: ImagesServer) -> None:
    server.drop_connection(reset=True)
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ApiConnectionError)
    assert attempts(server) == 1
    assert in_use(api) == 0


def test_connection_reset_mid_body_is_not_retried(server: ImagesServer) -> None:
    server.drop_mid_body()
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ApiConnectionError)
    assert err.request_sent is True
    assert attempts(server) == 1
    assert in_use(api) == 0


def test_truncated_json_is_a_connection_error_not_a_parse_error(server: ImagesServer) -> None:
    server.truncate_body()
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ApiConnectionError)
    assert attempts(server) == 1
    assert in_use(api) == 0


def test_slow_server_past_the_read_timeout(server: ImagesServer) -> None:
    server.delay(2.0)
    api = make_api(server)
    err, elapsed = timed(lambda: api.create_image(REQUEST, _request_timeout=(1.0, 0.3)))
    assert isinstance(err, exc.ApiTimeoutError)
    assert err.phase == "read"
    assert err.request_sent is True
    assert "timed out" in str(err)
    assert 0.3 <= elapsed < 1.5
    assert attempts(server) == 1, "a read timeout must not resend a billed request"
    assert in_use(api) == 0


def test_retry_on_timeout_opts_in_to_resending(server: ImagesServer) -> None:
    server.delay(2.0)
    api = make_api(server, retries=Retry(total=2, backoff_base=0.01, retry_on_timeout=True))
    resp, _ = timed(lambda: api.create_image_with_http_info(REQUEST, _request_timeout=(1.0, 0.3)))
    assert isinstance(resp, openapiopenai.ApiResponse), resp
    assert resp.retries == 1
    assert attempts(server) == 2


def test_retry_on_timeout_also_resends_after_a_dropped_connection(server: ImagesServer) -> None:
    server.drop_connection()
    api = make_api(server, retries=Retry(total=1, backoff_base=0.01, retry_on_timeout=True))
    assert api.create_image(REQUEST).data
    assert attempts(server) == 2


def test_connection_refused_is_retried_with_backoff() -> None:
    from conftest import free_port

    configuration = openapiopenai.Configuration(
        host=f"http://127.0.0.1:{free_port()}/v1",
        access_token=API_KEY,
        retries=Retry(total=2, backoff_base=0.1, jitter=0.0),
    )
    api = ImagesApi(openapiopenai.ApiClient(configuration))
    err, elapsed = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ApiConnectionError)
    assert err.request_sent is False
    assert err.retries == 2
    assert 0.3 <= elapsed < 2.0  # 0.1 + 0.2 of backoff


def test_per_call_retries_override_the_configuration(server: ImagesServer) -> None:
    server.respond_with(500, "boom", times=5)
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST, _retries=0))
    assert isinstance(err, exc.ServiceException)
    assert attempts(server) == 1
    server.clear_requests()
    err, _ = timed(lambda: api.create_image(REQUEST, _retries=Retry(total=3, backoff_base=0.01)))
    assert isinstance(err, exc.ServiceException)
    assert attempts(server) == 4


def test_deadline_stops_retrying(server: ImagesServer) -> None:
    server.respond_with(500, "boom", times=10)
    api = make_api(server, retries=Retry(total=10, backoff_base=0.2, jitter=0.0, deadline=0.5))
    err, elapsed = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ServiceException)
    assert elapsed < 1.0
    assert attempts(server) <= 3


def test_uploads_are_resent_intact_on_retry(
    server: ImagesServer, png: bytes, tmp_path: Any
) -> None:
    path = tmp_path / "in.png"
    path.write_bytes(png)
    server.respond_with(503, "busy", times=2)
    api = make_api(server)
    with path.open("rb") as f:
        api.create_image_variation(f, size="256x256")
    bodies = [r.files["image"].data for r in server.requests]
    assert bodies == [png, png, png]


def test_default_retry_policy_is_two_retries() -> None:
    policy = Retry.from_value(openapiopenai.Configuration().retries)
    assert policy.total == 2
    assert (policy.backoff_base, policy.backoff_max, policy.max_retry_after) == (0.5, 8.0, 60.0)
    assert policy.statuses == frozenset({408, 409, 429, 500, 502, 503, 504})
    assert policy.retry_on_timeout is False


# -- backoff ---------------------------------------------------------------------------


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    policy = Retry(total=10, backoff_base=0.5, backoff_max=8.0, jitter=0.25)
    for n, full in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (6, 8.0), (9, 8.0)]:
        samples = [policy.backoff(n) for _ in range(200)]
        assert all(0.75 * full <= s <= full for s in samples)
        assert max(samples) - min(samples) > 0.0  # jitter spreads the waits


def test_a_policy_is_a_frozen_value() -> None:
    policy = Retry(3, backoff_base=0.01, statuses=[429])
    assert policy == Retry(total=3, backoff_base=0.01, statuses={429})
    assert hash(policy) == hash(Retry(total=3, backoff_base=0.01, statuses={429}))
    assert policy != Retry(total=3, backoff_base=0.01) and policy != (3, 0.01)
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert copy.copy(policy) == policy == copy.deepcopy(policy)
    assert repr(policy) == (
        "Retry(total=3, backoff_base=0.01, backoff_max=8.0, jitter=0.25, max_retry_after=60.0,"
        " deadline=None, statuses=frozenset({429}), retry_on_timeout=False)"
    )
    with pytest.raises(AttributeError, match="frozen"):
        policy.total = 5  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del policy.jitter
    changed = policy.replace(total=5, statuses=[503])
    assert (changed.total, changed.statuses, changed.backoff_base) == (5, frozenset({503}), 0.01)
    assert policy.total == 3  # unchanged
    with pytest.raises(exc.ApiValueError, match="jitter"):
        policy.replace(jitter=2.0)
    with pytest.raises(exc.ApiTypeError, match="'tota'"):
        policy.replace(tota=1)


def test_bad_policies_are_rejected() -> None:
    for bad in [dict(total=-1), dict(jitter=2.0), dict(deadline=0), dict(backoff_base=-1)]:
        with pytest.raises(exc.ApiValueError, match="retries"):
            Retry(**bad)  # type: ignore[arg-type]


# -- the Retry-After table ----------------------------------------------------------------

NOW = 1_800_000_000.0


def http_date(offset: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + offset, tz=timezone.utc), usegmt=True)


RETRY_AFTER_TABLE: list[tuple[dict[str, str], Optional[float]]] = [
    ({}, None),
    ({"retry-after": "3"}, 3.0),
    ({"retry-after": "0"}, 0.0),
    ({"retry-after": "1.5"}, 1.5),
    ({"retry-after": " 7 "}, 7.0),
    ({"retry-after": "-1"}, None),
    ({"retry-after": "nan"}, None),
    ({"retry-after": "inf"}, None),
    ({"retry-after": "soon"}, None),
    ({"retry-after": ""}, None),
    ({"retry-after": "99999999"}, 99999999.0),
    ({"retry-after": http_date(30)}, 30.0),
    ({"retry-after": http_date(-30)}, 0.0),
    ({"retry-after": "Wed, 99 Foo 2026 00:00:00 GMT"}, None),
    ({"retry-after-ms": "250"}, 0.25),
    ({"retry-after-ms": "0"}, 0.0),
    ({"retry-after-ms": "-5"}, None),
    ({"retry-after-ms": "NaN"}, None),
    ({"retry-after-ms": "abc", "retry-after": "2"}, 2.0),
    ({"retry-after-ms": "1500", "retry-after": "30"}, 1.5),
    ({"retry-after-ms": "1e3"}, 1.0),
    ({"Retry-After": "4"}, None),  # a plain dict is case-sensitive; the client's is not
]


@pytest.mark.parametrize(("headers", "expected"), RETRY_AFTER_TABLE)
def test_retry_after_parsing(headers: dict[str, str], expected: Optional[float]) -> None:
    got = parse_retry_after(headers, now=lambda: NOW)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1.0 if "GMT" in str(headers) else 1e-9)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "60"}, 60.0),
        ({"retry-after": "61"}, None),  # above the cap: give up rather than sleep
        ({"retry-after-ms": "60001"}, None),
        ({"retry-after": "garbage"}, "backoff"),
        ({}, "backoff"),
    ],
)
def test_wait_before_honours_the_server_up_to_the_cap(
    headers: dict[str, str], expected: Any
) -> None:
    from urllib3 import HTTPHeaderDict

    policy = Retry(backoff_base=0.5, jitter=0.0)
    got = policy.wait_before(1, elapsed=0.0, headers=HTTPHeaderDict(headers))
    assert got == (0.5 if expected == "backoff" else expected)


def test_wait_before_gives_up_when_the_count_is_spent() -> None:
    assert Retry(total=2).wait_before(3, elapsed=0.0) is None
    assert Retry(total=0).wait_before(1, elapsed=0.0) is None


def test_a_body_cut_after_a_retry_reports_the_retry_count(server: ImagesServer) -> None:
    server.respond_with(503, "busy")
    server.truncate_body()
    api = make_api(server)
    err, _ = timed(lambda: api.create_image(REQUEST))
    assert isinstance(err, exc.ApiConnectionError)
    assert err.retries == 1
    assert attempts(server) == 2
    assert in_use(api) == 0


def test_retry_on_timeout_also_resends_after_a_cut_body(server: ImagesServer) -> None:
    server.drop_mid_body()
    api = make_api(server, retries=Retry(total=1, backoff_base=0.01, retry_on_timeout=True))
    resp, _ = timed(lambda: api.create_image_with_http_info(REQUEST))
    assert isinstance(resp, openapiopenai.ApiResponse), resp
    assert resp.retries == 1
    assert attempts(server) == 2


def test_tls_failures_are_not_retried() -> None:
    """A TLS handshake with a server that does not speak TLS fails the same way every time."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    connections = 0

    def serve() -> None:
        nonlocal connections
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections += 1
            conn.recv(1024)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    configuration = openapiopenai.Configuration(
        host=f"https://127.0.0.1:{port}/v1", access_token=API_KEY, retries=FAST
    )
    api = ImagesApi(openapiopenai.ApiClient(configuration))
    try:
        err, _ = timed(lambda: api.create_image(REQUEST))
    finally:
        listener.close()
    assert isinstance(err, exc.ApiConnectionError)
    assert err.transient is False
    assert "TLS" in str(err)
    assert err.retries == 0
    assert connections == 1
