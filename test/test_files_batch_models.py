"""The Files/Batch models: unknown fields and new enum values kept, requests send only what
was set, and everything pickles."""

from __future__ import annotations

import pickle

import pytest

import openapiopenai
from openapiopenai import (
    Batch,
    BatchFileExpirationAfter,
    CreateBatchRequest,
    ListBatchesResponse,
    OpenAIFile,
)


def test_responses_keep_new_values_and_unknown_fields() -> None:
    batch = Batch.from_dict(
        {
            "id": "batch_1",
            "object": "batch",
            "endpoint": "/v1/images/edits",
            "input_file_id": "file-1",
            "completion_window": "24h",
            "status": "paused",  # not in the spec's enum (yet)
            "created_at": 1,
            "priority": "high",
        }
    )
    assert batch is not None
    assert batch.status == "paused" and not batch.is_done
    assert batch.to_dict()["priority"] == "high"
    file = OpenAIFile.from_json(
        '{"id": "f", "object": "file", "bytes": 1, "created_at": 1, "filename": "a",'
        ' "purpose": "images_output", "status": "processed"}'
    )
    assert file is not None and file.purpose == "images_output"
    page = ListBatchesResponse.from_dict({"object": "list", "data": [], "has_more": False})
    assert page is not None and page.last_id is None
    assert pickle.loads(pickle.dumps(batch)) == batch


def test_requests_send_only_what_was_set_and_refuse_unknown_fields() -> None:
    request = CreateBatchRequest(
        input_file_id="file-1", endpoint="/v1/images/generations", completion_window="24h"
    )
    assert request.to_dict() == {
        "input_file_id": "file-1",
        "endpoint": "/v1/images/generations",
        "completion_window": "24h",
    }
    with pytest.raises(ValueError):
        CreateBatchRequest(
            input_file_id="f",
            endpoint="/v1/images/generations",
            completion_window="24h",
            priority="high",  # type: ignore[call-arg]
        )
    with pytest.raises(ValueError):
        BatchFileExpirationAfter(anchor="created_at", seconds=60)
    with openapiopenai.ApiClient() as client, pytest.raises(openapiopenai.ApiValueError):
        openapiopenai.FilesApi(client).create_file(
            ("a.txt", b"x"), "user_data", {"anchor": "created_at", "seconds": 60}
        )
