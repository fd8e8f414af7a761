"""The generated call path, as user programs: param_serialize -> call_api -> response_deserialize.

Operations go through it, so patching ``ApiClient.call_api`` or ``rest_client.request``
(on the class or the instance) intercepts every call, as on the generated client; the
low-level path sends custom requests; ``rest`` takes the generated bodies.  Expectations
are what the client openapi-generator 7.26 makes does.  Real sockets: a local
:class:`ImagesServer` and pytest-httpserver.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import urllib3
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from openapiopenai import ApiClient, Configuration, ImagesApi, ImagesResponse
from openapiopenai.api_client import RequestSerialized
from openapiopenai.exceptions import ApiException, BadRequestException
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.rest import RESTClientObject, RESTResponse, RESTResponseType
from openapiopenai.testing import ImagesServer

from conftest import API_KEY

CANNED = b'{"created": 1700000000, "data": [{"url": "https://example.com/a.png"}]}'


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as images_server:
        yield images_server


@pytest.fixture
def client(server: ImagesServer) -> Iterator[ApiClient]:
    with ApiClient(Configuration(host=server.url, access_token=API_KEY, retries=0)) as api_client:
        yield api_client


def _canned_response(status: int = 200, body: bytes = CANNED) -> RESTResponse:
    # How tests written for the generated client build responses.
    return RESTResponse(
        urllib3.HTTPResponse(body=body, status=status, headers={"content-type": "application/json"})
    )


def _request() -> CreateImageRequest:
    return CreateImageRequest(prompt="A cute baby sea otter", size="256x256")


# -- patching intercepts every operation ------------------------------------------------


def test_patching_call_api_on_the_class(
    client: ApiClient, server: ImagesServer, png: bytes
) -> None:
    api = ImagesApi(client)
    with mock.patch.object(ApiClient, "call_api", return_value=_canned_response()) as call_api:
        response = api.create_image(_request())
        info = api.create_image_variation_with_http_info(png, n=1)  # not sent either
    assert response.created == 1700000000
    assert str(response.data[0].url) == "https://example.com/a.png"
    assert info.status_code == 200
    assert not server.requests
    method, url, headers, body = call_api.call_args_list[0].args[:4]
    assert method == "POST" and url == server.url + "/images/generations"
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"prompt": "A cute baby sea otter", "size": "256x256"}
    assert "_request_timeout" in call_api.call_args_list[0].kwargs


def test_patching_call_api_on_the_instance_with_an_error_status(client: ApiClient) -> None:
    error = b'{"error": {"message": "bad size", "type": "invalid_request_error"}}'
    patched = mock.patch.object(client, "call_api", return_value=_canned_response(400, error))
    with patched, pytest.raises(BadRequestException) as caught:
        ImagesApi(client).create_image(_request())
    assert caught.value.status == 400


def test_patching_rest_client_request_on_the_instance(client: ApiClient) -> None:
    with mock.patch.object(
        client.rest_client, "request", return_value=_canned_response()
    ) as request:
        assert ImagesApi(client).create_image(_request()).created == 1700000000
    assert request.call_args.args[:2] == ("POST", client.configuration.host + "/images/generations")
    assert set(request.call_args.kwargs) >= {"headers", "body", "post_params", "_request_timeout"}


def test_patching_rest_client_request_on_the_class(client: ApiClient, png: bytes) -> None:
    with mock.patch.object(RESTClientObject, "request", return_value=_canned_response()):
        assert ImagesApi(client).create_image_edit(png, "p").created == 1700000000


def test_patching_response_deserialize_and_param_serialize(
    client: ApiClient, server: ImagesServer
) -> None:
    api = ImagesApi(client)
    serializing = mock.patch.object(client, "param_serialize", wraps=client.param_serialize)
    deserializing = mock.patch.object(
        client, "response_deserialize", wraps=client.response_deserialize
    )
    with serializing as serialize, deserializing as deserialize:
        api.create_image(_request(), _headers={"X-Trace": "t-1"})
    assert serialize.call_args.kwargs["resource_path"] == "/images/generations"
    assert serialize.call_args.kwargs["auth_settings"] == ["ApiKeyAuth"]
    assert deserialize.call_args.kwargs["response_types_map"] == {"200": "ImagesResponse"}
    assert server.requests[0].headers["X-Trace"] == "t-1"


# -- the low-level path for a custom request ---------------------------------------------


def test_the_low_level_path_for_a_custom_request(client: ApiClient, server: ImagesServer) -> None:
    params: RequestSerialized = client.param_serialize(
        method="POST",
        resource_path="/images/generations",
        header_params={"Content-Type": "application/json", "Accept": "application/json"},
        body=CreateImageRequest(prompt="A lighthouse", size="256x256"),
        auth_settings=["ApiKeyAuth"],
    )
    method, url, headers, body, post_params = params
    assert (method, url) == ("POST", server.url + "/images/generations")
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert headers["User-Agent"] == client.user_agent
    assert body == {"prompt": "A lighthouse", "size": "256x256"}  # JSON-ready, as generated
    assert post_params is None  # as generated when there are none
    response = client.call_api(*params, _request_timeout=30)
    assert isinstance(response, RESTResponse)
    response.read()
    result = client.response_deserialize(
        response_data=response, response_types_map={"200": "ImagesResponse"}
    )
    assert isinstance(result.data, ImagesResponse)
    assert result.status_code == 200 and result.raw_data == response.data
    assert server.requests[0].json == {"prompt": "A lighthouse", "size": "256x256"}


def test_param_serialize_fills_path_and_query_parameters(client: ApiClient) -> None:
    client.configuration.safe_chars_for_path_param = ""
    _, url, headers, _, _ = client.param_serialize(
        "GET",
        "/files/{file_id}/content",
        path_params={"file_id": "file a/b"},
        query_params=[("limit", 10), ("after", "x y"), ("ok", True)],
        _request_auth={"in": "query", "key": "key", "value": "v", "type": "api_key"},
        auth_settings=["ApiKeyAuth"],
    )
    assert url == client.configuration.host + (
        "/files/file%20a%2Fb/content?limit=10&after=x%20y&ok=true&key=v"
    )
    assert "Authorization" not in headers  # _request_auth replaces the configured auth


def test_a_multipart_request_through_post_params_and_files(
    client: ApiClient, server: ImagesServer, png: bytes
) -> None:
    params = client.param_serialize(
        method="POST",
        resource_path="/images/variations",
        header_params={"Content-Type": "multipart/form-data"},
        post_params=[("n", 1), ("size", "256x256")],
        files={"image": ("otter.png", png)},
        auth_settings=["ApiKeyAuth"],
    )
    assert params[4][-1] == ("image", ("otter.png", png, "image/png"))
    response = client.call_api(*params)
    response.read()
    data = client.response_deserialize(response, {"200": "ImagesResponse"}).data
    assert len(data.data) == 1
    form = {part.name: part for part in server.requests[0].form}
    assert form["size"].data == b"256x256" and form["image"].filename == "otter.png"


def test_response_deserialize_maps_by_name_range_and_default(client: ApiClient) -> None:
    assert client.response_deserialize(_canned_response(), {"2XX": "ImagesResponse"}).data.created
    raw = client.response_deserialize(_canned_response(), {"default": "bytearray"})
    assert raw.data == CANNED
    assert client.response_deserialize(_canned_response(), {"200": "object"}).data["created"]
    assert client.response_deserialize(_canned_response(), {"201": "str"}).data is None
    with pytest.raises(ApiException) as caught:
        client.response_deserialize(_canned_response(404, b"{}"), {"200": "ImagesResponse"})
    assert caught.value.status == 404


def test_deserialize_as_generated(client: ApiClient) -> None:
    when = client.deserialize('"2024-05-01T10:20:30Z"', "datetime", "application/json")
    assert when == datetime.datetime(2024, 5, 1, 10, 20, 30, tzinfo=datetime.timezone.utc)
    assert client.deserialize('"2024-05-01"', "date", None) == datetime.date(2024, 5, 1)
    assert client.deserialize("[1, 2]", "List[int]", "application/json") == [1, 2]
    assert client.deserialize('{"a": "1"}', "Dict[str, int]", "application/json") == {"a": 1}
    assert client.deserialize("plain", "str", "text/plain") == "plain"
    model = client.deserialize(CANNED.decode(), "ImagesResponse", "application/json")
    assert isinstance(model, ImagesResponse)
    with pytest.raises(ApiException, match="Unsupported content type"):
        client.deserialize("x", "str", "application/xml")
    # The private name code written for the generated client uses to build a model by name.
    built = client._ApiClient__deserialize(json.loads(CANNED), "ImagesResponse")  # type: ignore[attr-defined]
    assert isinstance(built, ImagesResponse) and built.created == 1700000000


def test_the_generated_helpers(client: ApiClient) -> None:
    assert client.select_header_accept(["text/plain", "application/json"]) == "application/json"
    assert client.select_header_accept([]) is None
    assert client.select_header_content_type(["multipart/form-data"]) == "multipart/form-data"
    assert client.parameters_to_tuples({"ids": [1, 2]}, {"ids": "csv"}) == [("ids", "1,2")]
    assert client.parameters_to_tuples([("a", True)], None) == [("a", "true")]
    assert client.parameters_to_url_query([("q", "a b"), ("ids", [1, 2])], {"ids": "multi"}) == (
        "q=a%20b&ids=1&ids=2"
    )
    assert client.sanitize_for_serialization(
        {"when": datetime.date(2024, 1, 2), "req": CreateImageRequest(prompt="p")}
    ) == {"when": "2024-01-02", "req": {"prompt": "p"}}
    assert client.files_parameters({"f": b"data"}) == [
        ("f", ("f", b"data", "application/octet-stream"))
    ]
    headers: dict[str, Any] = {}
    queries: list[tuple[str, Any]] = []
    client.update_params_for_auth(headers, queries, ["ApiKeyAuth"], "/x", "GET", None)
    assert headers == {"Authorization": f"Bearer {API_KEY}"} and queries == []
    assert (float, bool, bytes, str, int) == ApiClient.PRIMITIVE_TYPES
    assert ApiClient.NATIVE_TYPES_MAPPING["date"] is datetime.date
    assert client.client_side_validation is True


def test_retries_and_redaction_still_apply_through_call_api(server: ImagesServer) -> None:
    server.respond_with(503, {"error": {"message": "busy"}}, headers={"Retry-After": "0"})
    server.respond_with(400, {"error": {"message": f"bad key {API_KEY}", "type": "x"}})
    config = Configuration(host=server.url, access_token=API_KEY, retries=1)
    with ApiClient(config) as api_client:
        wrapped = mock.patch.object(api_client, "call_api", wraps=api_client.call_api)
        with wrapped as call_api, pytest.raises(BadRequestException) as caught:
            ImagesApi(api_client).create_image(_request())
    assert call_api.call_count == 2  # one attempt each, the 503 retried
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value.body)


# -- rest ------------------------------------------------------------------------------


def _echo(request: Request) -> Response:
    return Response(
        json.dumps(
            {
                "method": request.method,
                "content_type": request.headers.get("Content-Type"),
                "body": request.get_data().decode("latin-1"),
                "form": request.form.to_dict(),
                "files": {k: f.filename for k, f in request.files.items()},
            }
        ),
        content_type="application/json",
    )


@pytest.fixture
def rest_client() -> RESTClientObject:
    return RESTClientObject(Configuration(access_token=API_KEY))


@pytest.mark.parametrize(
    ("body", "headers", "sent", "content_type"),
    [
        ({"a": 1}, {}, '{"a": 1}', None),
        ([1, 2], {"Content-Type": "application/json"}, "[1, 2]", "application/json"),
        ("text", {"Content-Type": "text/plain"}, "text", "text/plain"),
        ("text", {"Content-Type": "application/json"}, '"text"', "application/json"),
        (b"\x00raw", {"Content-Type": "application/octet-stream"}, "\x00raw", None),
        (True, {"Content-Type": "text/plain"}, "true", "text/plain"),
    ],
)
def test_rest_request_bodies_as_generated(
    httpserver: HTTPServer,
    rest_client: RESTClientObject,
    body: Any,
    headers: dict[str, str],
    sent: str,
    content_type: str | None,
) -> None:
    httpserver.expect_request("/echo").respond_with_handler(_echo)
    response = rest_client.request("post", httpserver.url_for("/echo"), headers, body)
    echoed = json.loads(response.read())
    assert echoed["method"] == "POST"  # upper-cased
    assert echoed["body"] == sent
    if content_type is not None:
        assert echoed["content_type"] == content_type


def test_rest_post_params_multipart_and_urlencoded(
    httpserver: HTTPServer, rest_client: RESTClientObject
) -> None:
    httpserver.expect_request("/echo").respond_with_handler(_echo)
    url = httpserver.url_for("/echo")
    multipart = rest_client.request(
        "POST",
        url,
        headers={"Content-Type": "multipart/form-data"},
        post_params=[("n", "2"), ("image", ("otter.png", b"png", "image/png"))],
    ).json()
    assert multipart["content_type"].startswith("multipart/form-data; boundary=")
    assert multipart["form"] == {"n": "2"} and multipart["files"] == {"image": "otter.png"}
    urlencoded = rest_client.request(
        "POST",
        url,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        post_params={"a": "1", "b": "x y"},
    ).json()
    assert urlencoded["body"] == "a=1&b=x+y"
    with pytest.raises(ValueError, match="post_params"):
        rest_client.request("POST", url, body={"a": 1}, post_params=[("a", "1")])


def test_rest_response_wraps_a_urllib3_response_built_from_bytes() -> None:
    response = RESTResponse(
        urllib3.HTTPResponse(body=b'{"ok": true}', status=201, headers={"X-A": "1"}, reason="OK")
    )
    assert isinstance(response, io.IOBase)
    assert response.status == 201 and response.reason == "OK"
    assert response.read() == b'{"ok": true}' and response.data == b'{"ok": true}'
    assert response.getheader("x-a") == "1" and response.getheaders()["X-A"] == "1"
    assert response.headers["x-a"] == "1"
    assert response.getheader("missing", "d") == "d"
    assert response.json() == {"ok": True}
    bare = RESTResponse(urllib3.HTTPResponse(body=b"abc"))
    assert bare.read() == b"abc"
    assert RESTResponseType is RESTResponse


def test_without_preload_content_reads_like_the_urllib3_response(
    client: ApiClient, server: ImagesServer
) -> None:
    api = ImagesApi(client)
    response = api.create_image_without_preload_content(_request())
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    first = response.read(10)
    rest = b"".join(iter(lambda: response.read(4096), b""))
    assert json.loads(first + rest)["data"]
    response.release_conn()
    streamed = api.create_image_without_preload_content(_request())
    assert json.loads(b"".join(streamed.stream(1024)))["data"]
    assert client.rest_client.connections_in_use() == 0
    unread = api.create_image_without_preload_content(_request())
    assert unread.data == unread.read() and unread.json()["created"]


def test_call_api_refuses_a_header_with_a_line_break_before_sending(
    client: ApiClient, server: ImagesServer
) -> None:
    method, url, headers, body, post_params = client.param_serialize(
        "POST", "/images/generations", body={"prompt": "p"}, auth_settings=["ApiKeyAuth"]
    )
    headers["X-Injected"] = "a\r\nX-Evil: 1"
    with pytest.raises(ValueError, match="X-Injected"):
        client.call_api(method, url, headers, body, post_params)
    assert not server.requests


def test_a_stand_in_response_as_generated_client_tests_build_it(client: ApiClient) -> None:
    # Tests written for the generated client often return a MagicMock from call_api with
    # .status, .data and .headers set (its read() returns another mock).
    stand_in = mock.MagicMock()
    stand_in.status = 200
    stand_in.data = CANNED
    stand_in.headers = {"content-type": "application/json"}
    with mock.patch.object(ApiClient, "call_api", return_value=stand_in):
        response = ImagesApi(client).create_image(_request())
        info = ImagesApi(client).create_image_with_http_info(_request())
    assert response.created == 1700000000
    assert info.status_code == 200 and info.raw_data == CANNED
    assert info.headers == {"content-type": "application/json"}
    stand_in.status = 404
    stand_in.data = b'{"error": {"message": "no such thing", "type": "invalid_request_error"}}'
    patched = mock.patch.object(ApiClient, "call_api", return_value=stand_in)
    with patched, pytest.raises(ApiException) as caught:
        ImagesApi(client).create_image(_request(), _retries=0)
    assert caught.value.status == 404


def test_call_api_takes_a_number_as_a_header_value_and_refuses_non_latin1(
    client: ApiClient, server: ImagesServer
) -> None:
    method, url, headers, body, post_params = client.param_serialize(
        "POST", "/images/generations", body={"prompt": "p"}, auth_settings=["ApiKeyAuth"]
    )
    client.call_api(method, url, {**headers, "X-Attempt": 2}, body, post_params).read()
    assert server.requests[0].headers["X-Attempt"] == "2"
    with pytest.raises(ValueError, match="Latin-1"):
        client.call_api(method, url, {**headers, "X-Name": "caf\u00e9 \u2615"}, body, post_params)
    assert len(server.requests) == 1
