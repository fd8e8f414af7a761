"""The local server's Batch API: phases on its clock, input-file rules, cancel and expiry
with partial output, request counts, and the round trip from upload to saved images."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openapiopenai
from openapiopenai import (
    BatchApi,
    BatchLineError,
    BatchRequestInput,
    BatchRequestOutput,
    CreateBatchRequest,
    CreateImageRequest,
    EditImageBodyJsonParam,
    FilesApi,
    ImageRefParam,
    ImagesResponse,
)
from openapiopenai.testing import BatchTiming, ImagesServer

from conftest import API_KEY, make_png

START = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[ImagesServer]:
    with ImagesServer(clock=clock) as images_server:
        images_server.batch_timing = BatchTiming(
            validating=10, in_progress=100, finalizing=10, cancelling=5
        )
        yield images_server


@pytest.fixture
def client(server: ImagesServer) -> Iterator[openapiopenai.ApiClient]:
    configuration = openapiopenai.Configuration(host=server.url, access_token=API_KEY)
    with openapiopenai.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def files(client: openapiopenai.ApiClient) -> FilesApi:
    return FilesApi(client)


@pytest.fixture
def batches(client: openapiopenai.ApiClient) -> BatchApi:
    return BatchApi(client)


def gen(i: int) -> bytes:
    request = CreateImageRequest(prompt=f"otter {i}", size="256x256", response_format="b64_json")
    return BatchRequestInput.for_request(f"gen-{i}", request).to_jsonl()


def start(
    files: FilesApi,
    batches: BatchApi,
    content: bytes,
    endpoint: str = "/v1/images/generations",
    purpose: str = "batch",
) -> str:
    name = "input.jsonl" if purpose == "batch" else "input.txt"
    file_id = files.create_file((name, content), purpose).id
    request = CreateBatchRequest(
        input_file_id=file_id,
        endpoint=endpoint,
        completion_window="24h",  # type: ignore[arg-type]
    )
    return batches.create_batch(request).id


def lines(files: FilesApi, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    return [json.loads(line) for line in files.download_file(file_id).splitlines()]


def test_phases_follow_the_clock(files: FilesApi, batches: BatchApi, clock: Clock) -> None:
    batch_id = start(files, batches, b"".join(gen(i) for i in range(4)))
    seen = [batches.retrieve_batch(batch_id)]
    for step in (10, 50, 50, 10):
        clock.now += step
        seen.append(batches.retrieve_batch(batch_id))
    assert [b.status for b in seen] == [
        "validating", "in_progress", "in_progress", "finalizing", "completed",
    ]  # fmt: skip
    assert [b.request_counts.completed for b in seen if b.request_counts] == [0, 0, 2, 4, 4]
    done = seen[-1]
    assert done.request_counts is not None and done.request_counts.total == 4
    assert (done.created_at, done.in_progress_at) == (START, START + 10)
    assert (done.finalizing_at, done.completed_at) == (START + 110, START + 120)
    assert done.expires_at == START + 24 * 3600
    assert done.error_file_id is None and done.usage is not None
    output = files.retrieve_file(done.output_file_id or "")
    assert output.purpose == "batch_output"
    out = lines(files, done.output_file_id)
    assert [o["custom_id"] for o in out] == ["gen-0", "gen-1", "gen-2", "gen-3"]
    assert all(o["response"]["status_code"] == 200 and o["error"] is None for o in out)
    assert all(o["id"].startswith("batch_req_") for o in out)


def test_round_trip_generations_and_edits_to_saved_images(
    files: FilesApi, batches: BatchApi, clock: Clock, tmp_path: Path
) -> None:
    png = make_png(64, 64)
    uploaded = files.create_file(("otter.png", png), "vision").id
    edits = [
        EditImageBodyJsonParam(
            images=[ImageRefParam(file_id=uploaded)], prompt="a hat", quality="low"
        ),
        EditImageBodyJsonParam(
            images=[ImageRefParam.from_file(png)],
            mask=ImageRefParam.from_file(png),
            prompt="a scarf",
            size="1024x1024",
        ),
    ]
    edit_input = b"".join(
        BatchRequestInput.for_request(f"edit-{i}", e).to_jsonl() for i, e in enumerate(edits)
    )
    gen_id = start(files, batches, gen(0) + gen(1))
    edit_id = start(files, batches, edit_input, "/v1/images/edits")
    clock.now += 200
    saved: dict[str, list[Path]] = {}
    for batch_id in (gen_id, edit_id):
        batch = batches.retrieve_batch(batch_id)
        assert batch.status == "completed", batch.errors
        target = files.download_file_to(batch.output_file_id or "", tmp_path / f"{batch_id}.jsonl")
        with open(target, "rb") as f:
            for raw in f:
                custom_id, response = BatchRequestOutput.parse_images_line(raw)
                assert isinstance(response, ImagesResponse)
                saved[custom_id] = response.save(tmp_path / "images", prefix=custom_id)
    assert sorted(saved) == ["edit-0", "edit-1", "gen-0", "gen-1"]
    for paths in saved.values():
        assert len(paths) == 1 and paths[0].read_bytes().startswith(b"\x89PNG")
    edit_batch = batches.retrieve_batch(edit_id)
    assert edit_batch.request_counts is not None
    assert (edit_batch.request_counts.completed, edit_batch.request_counts.failed) == (2, 0)


def test_failed_lines_go_to_the_error_file(
    files: FilesApi, batches: BatchApi, clock: Clock
) -> None:
    bad = BatchRequestInput(
        custom_id="bad",
        method="POST",
        url="/v1/images/generations",
        body={"prompt": "x", "size": "999x999"},
    )
    batch_id = start(files, batches, gen(0) + bad.to_jsonl())
    clock.now += 200
    batch = batches.retrieve_batch(batch_id)
    assert batch.status == "completed"
    assert batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
    (error_line,) = lines(files, batch.error_file_id)
    assert error_line["response"]["status_code"] == 400
    raw = json.dumps(error_line).encode()
    with pytest.raises(BatchLineError) as info:
        BatchRequestOutput.parse_images_line(raw)
    error = info.value
    assert (error.custom_id, error.status, error.param) == ("bad", 400, "size")
    assert "bad" in str(error) and "HTTP 400" in str(error)
    import pickle

    again = pickle.loads(pickle.dumps(error))
    assert (again.custom_id, again.status, str(again)) == ("bad", 400, str(error))


def _input_with(*raw_lines: bytes) -> bytes:
    return b"\n".join(raw_lines) + b"\n"


@pytest.mark.parametrize(
    ("content", "code", "line"),
    [
        (_input_with(gen(0).strip(), b"{not json"), "invalid_json_line", 2),
        (gen(0) + gen(0), "duplicate_custom_id", 2),
        (
            _input_with(
                json.dumps(
                    {"custom_id": "e", "method": "POST", "url": "/v1/images/edits", "body": {}}
                ).encode()
            ),
            "url_mismatch",
            1,
        ),
        (b"\n", "empty_file", None),
    ],
)
def test_an_invalid_input_file_fails_the_batch(
    files: FilesApi,
    batches: BatchApi,
    clock: Clock,
    content: bytes,
    code: str,
    line: int | None,
) -> None:
    batch_id = start(files, batches, content)
    clock.now += 10
    batch = batches.retrieve_batch(batch_id)
    assert batch.status == "failed" and batch.failed_at == START + 10
    assert batch.errors is not None
    assert [(e.code, e.line) for e in batch.errors.data] == [(code, line)]
    assert batch.output_file_id is None and batch.error_file_id is None
    clock.now += 1000
    assert batches.retrieve_batch(batch_id).status == "failed"


def test_input_file_limits_fail_the_batch(
    files: FilesApi, batches: BatchApi, clock: Clock, server: ImagesServer
) -> None:
    # The limits apply when the batch is validated (when its validating phase ends).
    codes = []
    for limits, content, purpose in (
        ({"max_lines": 2}, gen(0) + gen(1) + gen(2), "batch"),
        ({"max_bytes": 100}, gen(0) + gen(1), "batch"),
        ({}, gen(0), "user_data"),
    ):
        server.set_batch_limits(max_lines=50000, max_bytes=200 * 1024 * 1024)
        server.set_batch_limits(**limits)
        batch_id = start(files, batches, content, purpose=purpose)
        clock.now += 10
        batch = batches.retrieve_batch(batch_id)
        assert batch.status == "failed" and batch.errors is not None
        codes.append(batch.errors.data[0].code)
    assert codes == ["too_many_tasks", "file_too_large", "invalid_file_purpose"]


def test_cancel_keeps_the_partial_output(files: FilesApi, batches: BatchApi, clock: Clock) -> None:
    batch_id = start(files, batches, b"".join(gen(i) for i in range(4)))
    clock.now += 10 + 50  # half of in_progress: two lines ran
    cancelling = batches.cancel_batch(batch_id)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at == START + 60
    clock.now += 5
    cancelled = batches.retrieve_batch(batch_id)
    assert cancelled.status == "cancelled" and cancelled.cancelled_at == START + 65
    assert cancelled.request_counts is not None
    assert cancelled.request_counts.model_dump() == {"total": 4, "completed": 2, "failed": 2}
    assert [o["custom_id"] for o in lines(files, cancelled.output_file_id)] == ["gen-0", "gen-1"]
    errors = lines(files, cancelled.error_file_id)
    assert [(e["custom_id"], e["error"]["code"]) for e in errors] == [
        ("gen-2", "batch_cancelled"),
        ("gen-3", "batch_cancelled"),
    ]
    with pytest.raises(BatchLineError) as info:
        BatchRequestOutput.parse_images_line(json.dumps(errors[0]).encode())
    assert info.value.status is None and info.value.code == "batch_cancelled"


def test_a_passed_deadline_expires_the_batch(
    files: FilesApi, batches: BatchApi, clock: Clock, server: ImagesServer
) -> None:
    server.batch_timing = BatchTiming(validating=0, in_progress=48 * 3600, finalizing=0)
    batch_id = start(files, batches, b"".join(gen(i) for i in range(4)))
    clock.now += 30 * 3600
    batch = batches.retrieve_batch(batch_id)
    assert batch.status == "expired" and batch.expired_at == START + 24 * 3600
    assert batch.request_counts is not None
    assert batch.request_counts.model_dump() == {"total": 4, "completed": 2, "failed": 2}
    assert len(lines(files, batch.output_file_id)) == 2
    assert {e["error"]["code"] for e in lines(files, batch.error_file_id)} == {"batch_expired"}


def test_json_edit_lines_name_missing_files_and_foreign_urls(
    files: FilesApi, batches: BatchApi, clock: Clock
) -> None:
    body = [
        {"images": [{"file_id": "file-nope"}], "prompt": "p"},
        {"images": [{"image_url": "https://example.com/a.png"}], "prompt": "p"},
        {"images": [{"image_url": "data:image/png;base64,@@@"}], "prompt": "p"},
        {"images": [{"file_id": "a", "image_url": "b"}], "prompt": "p"},
        {"images": [{"image_url": "data:,x"}], "prompt": "p", "model": "dall-e-2"},
    ]
    content = b"".join(
        json.dumps(
            {"custom_id": f"e{i}", "method": "POST", "url": "/v1/images/edits", "body": b}
        ).encode()
        + b"\n"
        for i, b in enumerate(body)
    )
    batch_id = start(files, batches, content, "/v1/images/edits")
    clock.now += 200
    batch = batches.retrieve_batch(batch_id)
    errors = {
        e["custom_id"]: e["response"]["body"]["error"]["param"]
        for e in lines(files, batch.error_file_id)
    }
    assert errors == {
        "e0": "images[0].file_id",
        "e1": "images[0].image_url",
        "e2": "images[0].image_url",
        "e3": "images[0]",
        "e4": "images[0].image_url",
    }
