"""Configuration from the environment, and Azure OpenAI on the wire."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

import openapiopenai
from openapiopenai import Configuration, CreateImageRequest, ImagesApi

OK = {"created": 1, "data": [{"url": "https://example.test/x.png"}]}


def test_configuration_reads_the_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    c = Configuration()
    assert c.access_token == "sk-from-env"
    assert c.host == "http://127.0.0.1:9/v1"
    assert (c.organization, c.project) == ("org-env", "proj-env")
    assert "sk-from-env" not in repr(c)


def test_explicit_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    c = Configuration(host="http://127.0.0.1:10/v1", access_token="sk-arg", organization="org-arg")
    assert (c.host, c.access_token, c.organization) == (
        "http://127.0.0.1:10/v1",
        "sk-arg",
        "org-arg",
    )


def test_empty_environment_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    c = Configuration()
    assert c.access_token is None
    assert c.host == "https://api.openai.com/v1"


def test_environment_configuration_on_the_wire(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/v1/images/generations").respond_with_json(OK)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-wire")
    monkeypatch.setenv("OPENAI_BASE_URL", httpserver.url_for("/v1"))
    monkeypatch.setenv("OPENAI_ORG_ID", "org-1")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-1")
    with openapiopenai.ApiClient() as client:
        ImagesApi(client).create_image(CreateImageRequest(prompt="p"))
    req = httpserver.log[-1][0]
    assert req.headers["Authorization"] == "Bearer sk-env-wire"
    assert req.headers["OpenAI-Organization"] == "org-1"
    assert req.headers["OpenAI-Project"] == "proj-1"


def azure_api(httpserver: HTTPServer, **kwargs: object) -> ImagesApi:
    config = Configuration.for_azure(
        httpserver.url_for("/"),
        deployment="my-dalle",
        retries=0,
        **kwargs,  # type: ignore[arg-type]
    )
    return ImagesApi(openapiopenai.ApiClient(config))


def test_azure_with_an_api_key(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-must-not-go-to-azure")
    httpserver.expect_request(
        "/openai/deployments/my-dalle/images/generations",
        query_string={"api-version": "2024-10-21"},
    ).respond_with_json(OK)
    api = azure_api(httpserver, api_key="azure-key-123456", api_version="2024-10-21")
    api.create_image(CreateImageRequest(prompt="otter"))
    req = httpserver.log[-1][0]
    assert req.headers["api-key"] == "azure-key-123456"
    assert "Authorization" not in req.headers
    assert json.loads(req.get_data()) == {"prompt": "otter"}
    assert "azure-key-123456" not in repr(api.api_client.configuration)


def test_azure_with_an_entra_token_and_edits(
    httpserver: HTTPServer, png: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    httpserver.expect_request(
        "/openai/deployments/my-dalle/images/edits",
        query_string={"api-version": "2025-04-01-preview"},
    ).respond_with_json(OK)
    api = azure_api(httpserver, azure_ad_token="entra-token")
    api.create_image_edit(png, "a hat", model="dall-e-2")
    req = httpserver.log[-1][0]
    assert req.headers["Authorization"] == "Bearer entra-token"
    assert "api-key" not in req.headers
    assert req.files["image"].filename == "image.png"


def test_azure_reads_its_environment(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", httpserver.url_for("/"))
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-env-key-999")
    httpserver.expect_request("/openai/deployments/d1/images/variations").respond_with_json(OK)
    config = Configuration.for_azure(deployment="d1", retries=0)
    with openapiopenai.ApiClient(config) as client:
        client_api = ImagesApi(client)
        client_api.create_image_variation(make_square_png())
    req = httpserver.log[-1][0]
    assert req.headers["api-key"] == "azure-env-key-999"
    assert req.args["api-version"] == openapiopenai.configuration.DEFAULT_AZURE_API_VERSION


def test_azure_key_echoed_in_an_error_is_redacted(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/openai/deployments/my-dalle/images/generations").respond_with_json(
        {
            "error": {
                "message": "bad key azure-key-123456",
                "type": "invalid_request_error",
                "param": None,
                "code": "401",
            }
        },
        status=401,
    )
    api = azure_api(httpserver, api_key="azure-key-123456")
    with pytest.raises(openapiopenai.UnauthorizedException) as info:
        api.create_image(CreateImageRequest(prompt="p"))
    assert "azure-key-123456" not in str(info.value)
    assert "azure-key-123456" not in (info.value.body or "")
    assert b"azure-key-123456" not in (info.value.raw_body or b"")


def test_azure_needs_an_endpoint_and_deployment() -> None:
    with pytest.raises(openapiopenai.ApiValueError, match="endpoint"):
        Configuration.for_azure(deployment="d")
    with pytest.raises(openapiopenai.ApiValueError, match="deployment"):
        Configuration.for_azure("https://x.openai.azure.com", deployment="")


def make_square_png() -> bytes:
    from conftest import make_png

    return make_png(16, 16)
