"""Code written against the generated client's ``ImagesApi`` runs unchanged: user programs.

Each operation style is a plain function with the generated signature, so mocks built with
``create_autospec``, ``mock.patch.object`` on the class and calls through the class work as
they do on the client openapi-generator 7.26 makes (the expectations below are what that
client does).  Calls go to a local :class:`ImagesServer` over real sockets.
"""

from __future__ import annotations

import inspect
import pydoc
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

import openapiopenai
from openapiopenai import ApiClient, Configuration, ImagesApi, ImagesResponse
from openapiopenai.api_response import ApiResponse
from openapiopenai.models.create_image_request import CreateImageRequest
from openapiopenai.rest import RESTResponse
from openapiopenai.testing import ImagesServer

from conftest import API_KEY

STYLES = ("", "_with_http_info", "_without_preload_content")
OPERATIONS = ("create_image", "create_image_edit", "create_image_variation")
#: The generated per-call options and their defaults, then ours.
OPTIONS = [
    ("_request_timeout", None),
    ("_request_auth", None),
    ("_content_type", None),
    ("_headers", None),
    ("_host_index", 0),
    ("_retries", None),
    ("_extra_body", None),
    ("_extra_query", None),
]


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as images_server:
        yield images_server


@pytest.fixture
def api(server: ImagesServer) -> Iterator[ImagesApi]:
    with ApiClient(Configuration(host=server.url, access_token=API_KEY, retries=0)) as client:
        yield ImagesApi(client)


def _request() -> CreateImageRequest:
    return CreateImageRequest(prompt="A cute baby sea otter", size="256x256")


ALL_STYLES = [
    *((name, style) for name in OPERATIONS for style in STYLES),
    ("create_image", "_stream"),
    ("create_image_edit", "_stream"),
]


@pytest.mark.parametrize(("name", "style"), ALL_STYLES)
def test_every_call_style_is_a_function_with_the_generated_options(name: str, style: str) -> None:
    function = getattr(ImagesApi, name + style)
    assert inspect.isfunction(function)
    assert function.__name__ == name + style
    assert function.__qualname__ == f"ImagesApi.{name}{style}"
    parameters = list(inspect.signature(function).parameters.values())
    assert parameters[0].name == "self"
    assert [(p.name, p.default) for p in parameters[-len(OPTIONS) :]] == OPTIONS
    generated, ours = parameters[:-2], parameters[-2:]  # _extra_body, _extra_query: keyword-only
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in generated)
    assert all(p.kind is p.KEYWORD_ONLY for p in ours)
    bound = inspect.signature(getattr(ImagesApi(ApiClient()), name + style))
    assert "self" not in bound.parameters


def test_return_annotations_name_the_model() -> None:
    assert inspect.signature(ImagesApi.create_image).return_annotation is ImagesResponse
    info = inspect.signature(ImagesApi.create_image_with_http_info).return_annotation
    assert typing.get_origin(info) is ApiResponse or info == ApiResponse[ImagesResponse]
    unread = inspect.signature(ImagesApi.create_image_without_preload_content)
    assert unread.return_annotation is RESTResponse
    hints = typing.get_type_hints(ImagesApi.create_image_with_http_info)
    assert hints["return"] == ApiResponse[ImagesResponse]
    assert hints["_host_index"] is int
    edit = inspect.signature(ImagesApi.create_image_edit)
    assert edit.return_annotation is ImagesResponse


def test_help_shows_an_indented_docstring_with_the_options() -> None:
    text = pydoc.render_doc(ImagesApi.create_image, renderer=pydoc.plaintext)
    # Python 3.13's pydoc puts a long signature one parameter a line.
    flat = re.sub(r"\(\s+", "(", " ".join(text.split()))
    assert "create_image(self, create_image_request" in flat
    assert "_request_auth: Optional[" in flat and "_host_index: int = 0" in flat
    doc = inspect.getdoc(ImagesApi.create_image)
    assert doc is not None
    lines = doc.splitlines()
    assert lines[0] == "Creates an image given a prompt."
    assert ":param _request_timeout:" in doc and ":return:" in doc
    # Cleaned: no line starts with the builder's source indentation.
    assert not any(line.startswith("        ") for line in lines)


def test_autospec_mock_is_callable_and_checks_the_signature() -> None:
    api = mock.create_autospec(ImagesApi, instance=True)
    api.create_image.return_value = ImagesResponse(created=1, data=[])
    assert api.create_image(_request(), _request_timeout=5).created == 1
    api.create_image.assert_called_once_with(_request(), _request_timeout=5)
    api.create_image_edit_with_http_info(b"png", "prompt", _headers={"X-A": "1"})
    with pytest.raises(TypeError):
        api.create_image(_request(), _no_such_option=1)
    with pytest.raises(TypeError):
        api.create_image_variation()  # image is required


def test_patch_object_on_the_class_intercepts_an_instance_that_already_called(
    api: ImagesApi, server: ImagesServer
) -> None:
    assert api.create_image(_request()).data
    canned = ImagesResponse(created=7, data=[])
    with mock.patch.object(ImagesApi, "create_image", return_value=canned) as patched:
        assert api.create_image(_request()) is canned
    patched.assert_called_once()
    assert len(server.requests) == 1  # the patched call sent nothing
    assert api.create_image(_request()).created != 7


def test_patch_object_with_autospec_receives_self(api: ImagesApi) -> None:
    with mock.patch.object(ImagesApi, "create_image", autospec=True) as patched:
        patched.return_value = ImagesResponse(created=3, data=[])
        assert api.create_image(_request()).created == 3
    patched.assert_called_once_with(api, _request())


def test_calling_through_the_class(api: ImagesApi, server: ImagesServer) -> None:
    response = ImagesApi.create_image(api, _request())
    assert isinstance(response, ImagesResponse) and response.data
    info = ImagesApi.create_image_with_http_info(api, _request(), _request_timeout=30)
    assert info.status_code == 200
    assert len(server.requests) == 2


def test_options_are_taken_positionally_as_generated(api: ImagesApi, server: ImagesServer) -> None:
    # create_image(create_image_request, _request_timeout, _request_auth, _content_type, _headers)
    api.create_image(_request(), 30.0, None, None, {"X-Trace": "abc"})
    assert server.requests[-1].headers["X-Trace"] == "abc"
    with pytest.raises(TypeError, match="multiple values"):
        api.create_image(_request(), 30.0, _request_timeout=30.0)
    with pytest.raises(TypeError, match="positional arguments"):
        api.create_image(_request(), 1, None, None, None, 0, None, "one too many")


def test_styles_return_what_the_generated_ones_return(api: ImagesApi) -> None:
    assert isinstance(api.create_image(_request()), ImagesResponse)
    info = api.create_image_with_http_info(_request())
    assert isinstance(info, ApiResponse)
    assert isinstance(info.data, ImagesResponse)
    assert info.status_code == 200 and info.raw_data.startswith(b"{")
    unread = api.create_image_without_preload_content(_request())
    assert isinstance(unread, openapiopenai.rest.RESTResponseType)
    assert unread.status == 200
    assert unread.json()["data"]  # .json() as on urllib3's response
    assert unread.data == unread.read()
    unread.release_conn()


def test_a_subclass_can_override_an_operation(server: ImagesServer) -> None:
    seen: list[str] = []

    class Traced(ImagesApi):
        def create_image(self, *args: object, **kwargs: object) -> ImagesResponse:  # type: ignore[override]
            seen.append("create_image")
            return super().create_image(*args, **kwargs)  # type: ignore[arg-type]

    with ApiClient(Configuration(host=server.url, access_token=API_KEY)) as client:
        assert Traced(client).create_image(_request()).data
    assert seen == ["create_image"]


def test_a_builder_with_keyword_only_parameters_gets_keyword_only_options(
    server: ImagesServer,
) -> None:
    from openapiopenai._request import ApiRequest
    from openapiopenai.api._operation import operation, with_http_info

    class FilesLikeApi(ImagesApi):
        @operation
        def generate(
            self, prompt: str, *, size: str = "256x256", **options: typing.Any
        ) -> ApiRequest[ImagesResponse]:
            """Generate, with a keyword-only size."""
            request = CreateImageRequest(prompt=prompt, size=size)
            return ApiRequest(
                "generate",
                "POST",
                "/images/generations",
                ImagesResponse,
                json=request,
                options=options,  # type: ignore[arg-type]
            )

        generate_with_http_info = with_http_info(generate)

    parameters = inspect.signature(FilesLikeApi.generate).parameters
    assert parameters["size"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["_request_timeout"].kind is inspect.Parameter.KEYWORD_ONLY
    with ApiClient(Configuration(host=server.url, access_token=API_KEY)) as client:
        info = FilesLikeApi(client).generate_with_http_info("p", size="512x512", _retries=0)
    assert info.status_code == 200
    assert server.requests[0].json == {"prompt": "p", "size": "512x512"}


def test_completion_infers_the_returned_model() -> None:
    import jedi

    source = (
        "from openapiopenai import ApiClient, ImagesApi\n"
        "from openapiopenai.models.create_image_request import CreateImageRequest\n"
        "api = ImagesApi(ApiClient())\n"
        "request = CreateImageRequest(prompt='otter')\n"
    )
    repo = Path(__file__).resolve().parent.parent
    for call, member in [
        ("api.create_image(request).", "created"),
        ("api.create_image_with_http_info(request).", "status_code"),
        ("api.create_image_with_http_info(request).data.", "created"),
        ("api.create_image_edit(b'', 'p').", "created"),
    ]:
        script = jedi.Script(source + call, path=repo / "completion_probe.py")
        names = {c.name for c in script.complete(5, len(call))}
        assert member in names, (call, sorted(names)[:10])
    api = ImagesApi(ApiClient())
    request = _request()
    runtime = jedi.Interpreter("api.create_image(request).", [{"api": api, "request": request}])
    assert "created" in {c.name for c in runtime.complete()}
