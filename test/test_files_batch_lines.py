"""JSON edits by image reference (client and local server), the data URL helper, and the
batch line helpers (building input lines, parsing output lines lazily or as errors)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai import (
    BatchLineError,
    BatchRequestInput,
    BatchRequestOutput,
    CreateImageRequest,
    EditImageBodyJsonParam,
    ImageRefParam,
    ImagesApi,
)
from openapiopenai._lazy_text import LazyText
from openapiopenai.testing import ImagesServer

from conftest import API_KEY, make_png

PNG = make_png(64, 64)


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as images_server:
        yield images_server


@pytest.fixture
def api(server: ImagesServer) -> Iterator[ImagesApi]:
    configuration = openapiopenai.Configuration(host=server.url, access_token=API_KEY)
    with openapiopenai.ApiClient(configuration) as client:
        yield ImagesApi(client)


# --- JSON edits ----------------------------------------------------------------------------


def test_a_reference_sends_the_json_body(api: ImagesApi, server: ImagesServer) -> None:
    file_id = server.add_file(PNG, "otter.png", "vision")
    response = api.create_image_edit(
        ImageRefParam(file_id=file_id), "a hat", mask=ImageRefParam(file_id=file_id), n=2
    )
    assert len(response.data) == 2 and response.usage is not None
    record = server.requests[-1]
    assert record.headers["Content-Type"] == "application/json"
    assert record.json == {
        "images": [{"file_id": file_id}],
        "mask": {"file_id": file_id},
        "prompt": "a hat",
        "n": 2,
    }


def test_references_by_data_url_and_by_a_url_the_server_served(
    api: ImagesApi, server: ImagesServer
) -> None:
    generated = api.create_image(CreateImageRequest(prompt="otter", size="256x256"))
    url = generated.data[0].url
    assert url is not None
    refs = [ImageRefParam(image_url=url), ImageRefParam.from_file(PNG)]
    response = api.create_image_edit(refs, "a scarf", quality="low")
    assert response.data[0].b64_json
    assert [i["image_url"][:22] for i in server.requests[-1].json["images"]] == [
        url[:22],
        "data:image/png;base64,",
    ]


def test_a_streamed_json_edit(api: ImagesApi, server: ImagesServer) -> None:
    file_id = server.add_file(PNG, "otter.png", "vision")
    with api.create_image_edit_stream(ImageRefParam(file_id=file_id), "p", partial_images=1) as s:
        kinds = [event.type for event in s]
    assert kinds == ["image_edit.partial_image", "image_edit.completed"]
    assert server.requests[-1].json["stream"] is True


@pytest.mark.parametrize(
    ("image", "mask", "kwargs", "error", "match"),
    [
        ([ImageRefParam(file_id="f"), PNG], None, {}, "ApiTypeError", r"image\[1\]: cannot mix"),
        (PNG, ImageRefParam(file_id="f"), {}, "ApiTypeError", "image: cannot mix"),
        (ImageRefParam(file_id="f"), PNG, {}, "ApiTypeError", "mask: cannot mix"),
        ([ImageRefParam(file_id="f")] * 17, None, {}, "ApiValueError", "at most 16"),
        (ImageRefParam(file_id="f"), None, {"model": "dall-e-2"}, "ApiValueError", "GPT image"),
        (
            ImageRefParam(file_id="f"),
            None,
            {"response_format": "url"},
            "ApiValueError",
            "response_format",
        ),
        (ImageRefParam(file_id="f"), None, {"size": "256x256"}, "ApiValueError", "size"),
        (
            ImageRefParam(file_id="f"),
            None,
            {"model": "gpt-image-1-mini", "input_fidelity": "high"},
            "ApiValueError",
            "input_fidelity",
        ),
    ],
)
def test_json_edit_checks_before_sending(
    api: ImagesApi,
    server: ImagesServer,
    image: object,
    mask: object,
    kwargs: dict[str, object],
    error: str,
    match: str,
) -> None:
    with pytest.raises(getattr(openapiopenai, error), match=match):
        api.create_image_edit(image, "p", mask=mask, **kwargs)  # type: ignore[arg-type]
    assert server.requests == []


def test_the_server_refuses_dalle2_json_edits(api: ImagesApi, server: ImagesServer) -> None:
    api.api_client.configuration.client_side_validation = False
    file_id = server.add_file(PNG, "otter.png", "vision")
    with pytest.raises(openapiopenai.BadRequestException, match="GPT image models only"):
        api.create_image_edit(ImageRefParam(file_id=file_id), "p", model="dall-e-2")


def test_the_multipart_path_is_unchanged(api: ImagesApi, server: ImagesServer) -> None:
    api.create_image_edit(PNG, "p", mask=PNG)
    assert server.requests[-1].headers["Content-Type"].startswith("multipart/form-data")


def test_image_ref_param_takes_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        ImageRefParam()
    with pytest.raises(ValueError, match="exactly one"):
        ImageRefParam(image_url="https://x", file_id="f")
    assert ImageRefParam(file_id="f").to_dict() == {"file_id": "f"}


def test_data_urls_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "otter.png"
    path.write_bytes(PNG)
    url = ImageRefParam.from_file(path).image_url
    assert url == "data:image/png;base64," + base64.b64encode(PNG).decode()
    jpeg = b"\xff\xd8\xff\xe0" + bytes(20)
    assert (ImageRefParam.from_file(jpeg).image_url or "").startswith("data:image/jpeg;base64,")
    with pytest.raises(openapiopenai.ApiValueError, match="PNG, JPEG or WebP"):
        ImageRefParam.from_file(b"GIF89a" + bytes(20))
    with pytest.raises(openapiopenai.ApiValueError, match="PNG, JPEG or WebP"):
        ImageRefParam.from_file(b"plain text")
    big = tmp_path / "big.png"
    with open(big, "wb") as f:
        f.write(PNG)
        f.truncate(16 * 1024 * 1024)  # sparse: base64 of 16 MB is over 20 MB
    with pytest.raises(openapiopenai.ApiValueError, match="20971520"):
        ImageRefParam.from_file(big)
    with pytest.raises(openapiopenai.ApiValueError, match="no such file"):
        ImageRefParam.from_file(tmp_path / "missing.png")


# --- batch lines ---------------------------------------------------------------------------


def test_input_lines_carry_only_the_fields_set() -> None:
    request = CreateImageRequest(prompt="otter", size="256x256")
    line = BatchRequestInput.for_request("r1", request)
    assert json.loads(line.to_jsonl()) == {
        "custom_id": "r1",
        "method": "POST",
        "url": "/v1/images/generations",
        "body": {"prompt": "otter", "size": "256x256"},
    }
    edit = EditImageBodyJsonParam(images=[ImageRefParam(file_id="f")], prompt="hat", n=2)
    assert json.loads(BatchRequestInput.for_request("e1", edit).to_jsonl()) == {
        "custom_id": "e1",
        "method": "POST",
        "url": "/v1/images/edits",
        "body": {"images": [{"file_id": "f"}], "prompt": "hat", "n": 2},
    }
    assert line.to_jsonl().endswith(b"}\n") and line.to_jsonl().count(b"\n") == 1


def test_input_lines_are_checked() -> None:
    with pytest.raises(openapiopenai.ApiValueError, match="n"):
        BatchRequestInput.for_request("r", CreateImageRequest(prompt="p", model="dall-e-3", n=2))
    with pytest.raises(openapiopenai.ApiValueError, match="stream"):
        BatchRequestInput.for_request(
            "r", CreateImageRequest(prompt="p", model="gpt-image-1", stream=True)
        )
    with pytest.raises(openapiopenai.ApiValueError, match="custom_id"):
        BatchRequestInput.for_request("", CreateImageRequest(prompt="p"))
    with pytest.raises(openapiopenai.ApiTypeError, match="request"):
        BatchRequestInput.for_request("r", {"prompt": "p"})  # type: ignore[arg-type]
    edit = EditImageBodyJsonParam(images=[ImageRefParam(file_id="f")], prompt="p", model="dall-e-2")
    with pytest.raises(openapiopenai.ApiValueError, match="GPT image"):
        BatchRequestInput.for_request("r", edit)
    assert BatchRequestInput.for_request("r", edit, check=False).body == {
        "images": [{"file_id": "f"}],
        "prompt": "p",
        "model": "dall-e-2",
    }


def _output_line(b64: str, status: int = 200) -> bytes:
    body = {"created": 1, "data": [{"b64_json": b64}, {"b64_json": b64}], "usage": None}
    return json.dumps(
        {
            "id": "batch_req_1",
            "custom_id": "r1",
            "response": {"status_code": status, "request_id": "req_1", "body": body},
            "error": None,
        }
    ).encode()


def test_a_large_output_line_keeps_its_base64_as_spans() -> None:
    b64 = base64.b64encode(PNG * 3000).decode()  # well over the lazy-parse threshold
    custom_id, response = BatchRequestOutput.parse_images_line(_output_line(b64))
    assert custom_id == "r1"
    assert [type(image.__dict__["b64_json"]) for image in response.data] == [LazyText] * 2
    assert response.data[0].to_bytes() == PNG * 3000
    assert response.data[1].b64_json == b64


def test_a_small_output_line_parses_whole() -> None:
    b64 = base64.b64encode(PNG).decode()
    _, response = BatchRequestOutput.parse_images_line(_output_line(b64))
    assert response.data[0].b64_json == b64


def test_bad_output_lines() -> None:
    with pytest.raises(openapiopenai.ApiValueError, match="not a batch output line"):
        BatchRequestOutput.parse_images_line(b"{not json")
    with pytest.raises(openapiopenai.ApiTypeError):
        BatchRequestOutput.parse_images_line("text")  # type: ignore[arg-type]
    error_body = json.dumps(
        {
            "custom_id": "r9",
            "response": {
                "status_code": 429,
                "request_id": "req_9",
                "body": {"error": {"message": "slow", "code": "rate_limit_exceeded"}},
            },
        }
    ).encode()
    with pytest.raises(BatchLineError) as info:
        BatchRequestOutput.parse_images_line(error_body)
    assert (info.value.status, info.value.code, info.value.request_id) == (
        429,
        "rate_limit_exceeded",
        "req_9",
    )
    assert isinstance(info.value, openapiopenai.OpenApiException)
