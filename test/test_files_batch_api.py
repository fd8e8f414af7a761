"""FilesApi and BatchApi against the local server (real sockets): every operation, every
call style, the per-call keywords, paging, downloads, pre-flight checks and failures."""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openapiopenai
from openapiopenai import (
    ApiResponse,
    Batch,
    BatchApi,
    BatchRequestInput,
    CreateBatchRequest,
    CreateImageRequest,
    DeleteFileResponse,
    FilesApi,
    ListBatchesResponse,
    ListFilesResponse,
    OpenAIFile,
)
from openapiopenai.rest import RESTResponse
from openapiopenai.testing import BatchTiming, ImagesServer, openai_error

from conftest import API_KEY


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> Iterator[ImagesServer]:
    with ImagesServer(clock=clock, api_keys=[API_KEY]) as images_server:
        yield images_server


@pytest.fixture
def client(server: ImagesServer) -> Iterator[openapiopenai.ApiClient]:
    configuration = openapiopenai.Configuration(host=server.url, access_token=API_KEY)
    configuration.retries = 0
    with openapiopenai.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def files(client: openapiopenai.ApiClient) -> FilesApi:
    return FilesApi(client)


@pytest.fixture
def batches(client: openapiopenai.ApiClient) -> BatchApi:
    return BatchApi(client)


def jsonl(*requests: CreateImageRequest) -> bytes:
    return b"".join(
        BatchRequestInput.for_request(f"req-{i}", r).to_jsonl() for i, r in enumerate(requests)
    )


GEN = CreateImageRequest(prompt="an otter", size="256x256", response_format="b64_json")


# --- files ---------------------------------------------------------------------------------


def test_create_file_from_bytes_path_and_file_object(
    files: FilesApi, server: ImagesServer, tmp_path: Path
) -> None:
    data = jsonl(GEN, GEN)
    path = tmp_path / "input.jsonl"
    path.write_bytes(data)
    from_tuple = files.create_file(("input.jsonl", data), "batch")
    from_path = files.create_file(path, "batch")
    with open(path, "rb") as f:
        from_object = files.create_file(f, "batch")
    for made in (from_tuple, from_path, from_object):
        assert isinstance(made, OpenAIFile)
        assert (made.filename, made.purpose, made.bytes) == ("input.jsonl", "batch", len(data))
        assert server.file_content(made.id) == data
    form = {part.name: part for part in server.requests[0].form}
    assert form["purpose"].data == b"batch"
    assert form["file"].filename == "input.jsonl"


def test_create_file_sends_expires_after(files: FilesApi, clock: Clock) -> None:
    made = files.create_file(
        ("notes.txt", b"hello"), "user_data", {"anchor": "created_at", "seconds": 3600}
    )
    assert made.expires_at == int(clock.now) + 3600


def test_every_file_operation_in_all_three_styles(files: FilesApi) -> None:
    info = files.create_file_with_http_info(("a.txt", b"alpha"), "user_data")
    assert isinstance(info, ApiResponse) and info.status_code == 200
    file_id = info.data.id
    raw = files.create_file_without_preload_content(("b.txt", b"beta"), "user_data")
    assert isinstance(raw, RESTResponse) and json.loads(raw.read())["filename"] == "b.txt"

    assert files.retrieve_file(file_id).filename == "a.txt"
    assert files.retrieve_file_with_http_info(file_id).data.id == file_id
    raw = files.retrieve_file_without_preload_content(file_id)
    assert json.loads(raw.read())["id"] == file_id

    assert files.download_file(file_id) == "alpha"
    assert files.download_file_with_http_info(file_id).raw_data == b"alpha"
    raw = files.download_file_without_preload_content(file_id)
    assert b"".join(raw.stream(2)) == b"alpha"

    listing = files.list_files()
    assert isinstance(listing, ListFilesResponse) and len(listing.data) == 2
    assert files.list_files_with_http_info(limit=1).data.has_more is True
    raw = files.list_files_without_preload_content(order="asc")
    assert json.loads(raw.read())["data"][0]["id"] == file_id

    deleted = files.delete_file(file_id)
    assert isinstance(deleted, DeleteFileResponse) and deleted.deleted is True
    other = listing.data[0].id
    assert files.delete_file_with_http_info(other).data.id == other
    with pytest.raises(openapiopenai.NotFoundException) as info_404:
        files.retrieve_file(file_id)
    assert "No such File object" in str(info_404.value)
    raw = files.delete_file_without_preload_content(file_id)
    assert raw.status == 404
    raw.close()


def test_list_files_query_and_paging(files: FilesApi, server: ImagesServer, clock: Clock) -> None:
    ids = []
    for i in range(5):
        clock.now += 1
        ids.append(files.create_file((f"f{i}.txt", b"x"), "user_data" if i % 2 else "vision").id)
    page = files.list_files(purpose="user_data", limit=1, order="asc")
    assert [f.id for f in page.data] == [ids[1]] and page.has_more
    assert server.requests[-1].query == "purpose=user_data&limit=1&order=asc"
    page2 = files.list_files(purpose="user_data", limit=1, order="asc", after=page.last_id)
    assert [f.id for f in page2.data] == [ids[3]] and not page2.has_more
    assert [f.id for f in files.iter_files(limit=2)] == ids[::-1]
    assert [f.id for f in files.iter_files(purpose="vision", order="asc", limit=1)] == ids[::2]
    # iter_files asked for pages of 1: one request per page, and one to learn the end
    assert sum(r.path == "/v1/files" for r in server.requests) >= 5


def test_download_file_to_writes_atomically(files: FilesApi, tmp_path: Path) -> None:
    content = bytes(range(256)) * 4096  # 1 MB, not UTF-8
    file_id = files.create_file(("blob.bin", content), "user_data").id
    target = tmp_path / "out.bin"
    assert files.download_file_to(file_id, target) == target
    assert target.read_bytes() == content
    with pytest.raises(openapiopenai.ApiValueError, match="exists"):
        files.download_file_to(file_id, target)
    files.download_file_to(file_id, target, overwrite=True)
    assert b"".join(files.iter_file_content(file_id, chunk_size=1000)) == content
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_download_cut_short_leaves_no_file(
    files: FilesApi, server: ImagesServer, tmp_path: Path
) -> None:
    file_id = files.create_file(("blob.bin", b"z" * 200_000), "user_data").id
    server.drop_mid_body()
    with pytest.raises(openapiopenai.ApiConnectionError):
        files.download_file_to(file_id, tmp_path / "out.bin")
    assert list(tmp_path.iterdir()) == []


def test_download_of_a_missing_file_raises_before_writing(files: FilesApi, tmp_path: Path) -> None:
    with pytest.raises(openapiopenai.NotFoundException):
        files.download_file_to("file-missing", tmp_path / "out.bin")
    with pytest.raises(openapiopenai.NotFoundException):
        files.iter_file_content("file-missing")
    assert list(tmp_path.iterdir()) == []


def test_path_ids_are_percent_encoded(files: FilesApi, server: ImagesServer) -> None:
    with pytest.raises(openapiopenai.NotFoundException):
        files.retrieve_file("file-a/../b?c")
    assert server.requests[-1].path == "/v1/files/file-a%2F..%2Fb%3Fc"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda f: f.create_file(("a.jsonl", b"{}"), "batches"), "ApiValueError", "purpose"),
        (lambda f: f.create_file(("a.txt", b"{}"), "batch"), "ApiValueError", ".jsonl"),
        (lambda f: f.create_file(b"{}", "batch"), "ApiValueError", ".jsonl"),
        (lambda f: f.create_file(None, "batch"), "ApiTypeError", "file"),
        (lambda f: f.create_file(("a.txt", b"x"), 3), "ApiTypeError", "purpose"),
        (
            lambda f: f.create_file(("a.txt", b"x"), "user_data", {"anchor": "x", "seconds": 1}),
            "ApiValueError",
            "anchor",
        ),
        (lambda f: f.list_files(limit=0), "ApiValueError", "limit"),
        (lambda f: f.list_files(limit=10001), "ApiValueError", "limit"),
        (lambda f: f.list_files(order="up"), "ApiValueError", "order"),
        (lambda f: f.retrieve_file(""), "ApiValueError", "file_id"),
        (lambda f: f.delete_file(7), "ApiTypeError", "file_id"),
        (lambda f: f.list_files(limti=3), "ApiTypeError", "limti"),
    ],
)
def test_bad_file_arguments_fail_before_sending(
    files: FilesApi, server: ImagesServer, call: Any, error: str, match: str
) -> None:
    with pytest.raises(getattr(openapiopenai, error), match=match):
        call(files)
    assert server.requests == []


class _Sized(io.RawIOBase):
    """A seekable file that claims a size it never reads."""

    def __init__(self, size: int) -> None:
        self._size = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._size if whence == io.SEEK_END else 0


def test_size_limits_are_checked_before_sending(files: FilesApi, server: ImagesServer) -> None:
    big_batch = ("big.jsonl", _Sized(200 * 1024 * 1024 + 1))
    with pytest.raises(openapiopenai.ApiValueError, match="200 MB"):
        files.create_file(big_batch, "batch")
    with pytest.raises(openapiopenai.ApiValueError, match="512 MB"):
        files.create_file(("big.bin", _Sized(512 * 1024 * 1024 + 1)), "user_data")
    assert server.requests == []


def test_server_side_file_errors(files: FilesApi, client: openapiopenai.ApiClient) -> None:
    client.configuration.client_side_validation = False
    with pytest.raises(openapiopenai.BadRequestException, match=r"Must be \.jsonl"):
        files.create_file(("a.txt", b"{}"), "batch")
    raw = files.api_client.rest_client.request(
        "GET", files.api_client.configuration.host + "/files?limit=0",
        headers={"Authorization": f"Bearer {API_KEY}"},
    )  # fmt: skip
    assert raw.status == 400
    assert json.loads(raw.read())["error"]["param"] == "limit"


def test_wrong_key_is_401_and_errors_pickle(server: ImagesServer) -> None:
    configuration = openapiopenai.Configuration(host=server.url, access_token="sk-wrong")
    with openapiopenai.ApiClient(configuration) as other:
        with pytest.raises(openapiopenai.UnauthorizedException) as info:
            FilesApi(other).list_files()
        with pytest.raises(openapiopenai.UnauthorizedException):
            BatchApi(other).list_batches()
    assert "sk-wrong" not in str(info.value)
    assert type(pickle.loads(pickle.dumps(info.value))) is openapiopenai.UnauthorizedException


def test_faults_apply_to_the_new_routes(files: FilesApi, server: ImagesServer) -> None:
    server.respond_with(500, openai_error("boom", type="server_error"))
    with pytest.raises(openapiopenai.ServiceException, match="boom"):
        files.list_files()
    server.respond_with(
        429, openai_error("slow down", type="requests"), headers={"Retry-After": "0"}
    )
    assert files.list_files(_retries=1).data == []
    assert [r.status for r in server.requests] == [500, 429, 200]


def test_files_api_needs_an_api_client() -> None:
    with pytest.raises(openapiopenai.ApiTypeError, match="wrap it"):
        FilesApi(openapiopenai.Configuration())  # type: ignore[arg-type]
    with pytest.raises(openapiopenai.ApiTypeError, match="ApiClient"):
        BatchApi(object())


# --- batches -------------------------------------------------------------------------------


def make_batch(files: FilesApi, batches: BatchApi, data: bytes, **fields: Any) -> Batch:
    input_file = files.create_file(("input.jsonl", data), "batch")
    request = {
        "input_file_id": input_file.id,
        "endpoint": "/v1/images/generations",
        "completion_window": "24h",
        **fields,
    }
    return batches.create_batch(CreateBatchRequest(**request))


def test_every_batch_operation_in_all_three_styles(
    files: FilesApi, batches: BatchApi, server: ImagesServer, clock: Clock
) -> None:
    input_id = files.create_file(("input.jsonl", jsonl(GEN)), "batch").id
    request = {
        "input_file_id": input_id,
        "endpoint": "/v1/images/generations",
        "completion_window": "24h",
        "metadata": {"job": "nightly"},
    }
    created = batches.create_batch(request)
    assert isinstance(created, Batch) and created.status == "validating"
    assert created.metadata == {"job": "nightly"}
    assert server.requests[-1].json == request
    info = batches.create_batch_with_http_info(CreateBatchRequest(**request))
    assert info.status_code == 200 and info.data.input_file_id == input_id
    raw = batches.create_batch_without_preload_content(request)
    third = json.loads(raw.read())
    assert third["object"] == "batch"

    assert batches.retrieve_batch(created.id).id == created.id
    assert batches.retrieve_batch_with_http_info(created.id).data.status == "validating"
    raw = batches.retrieve_batch_without_preload_content(created.id)
    assert json.loads(raw.read())["id"] == created.id

    listing = batches.list_batches()
    assert isinstance(listing, ListBatchesResponse) and len(listing.data) == 3
    assert listing.data[-1].id == created.id  # newest first
    page = batches.list_batches_with_http_info(limit=1).data
    assert page.has_more and len(page.data) == 1
    raw = batches.list_batches_without_preload_content(after=page.last_id, limit=1)
    assert server.requests[-1].query == f"after={page.last_id}&limit=1"
    assert json.loads(raw.read())["has_more"] is True
    assert [b.id for b in batches.iter_batches(limit=2)] == [b.id for b in listing.data]

    cancelled = batches.cancel_batch(created.id)
    assert cancelled.status == "cancelling"
    assert batches.cancel_batch_with_http_info(info.data.id).data.status == "cancelling"
    raw = batches.cancel_batch_without_preload_content(third["id"])
    assert raw.status == 200 and json.loads(raw.read())["status"] == "cancelling"
    raw = batches.cancel_batch_without_preload_content("batch_missing")
    assert raw.status == 404  # whatever its status: no exception
    raw.close()
    clock.now += 5
    assert batches.retrieve_batch(created.id).status == "cancelled"


@pytest.mark.parametrize(
    ("fields", "error", "match"),
    [
        ({"endpoint": "/v1/images/variations"}, "ApiValueError", "endpoint"),
        ({"completion_window": "1h"}, "ApiValueError", "completion_window"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "ApiValueError", "metadata"),
        ({"metadata": {"k" * 65: "v"}}, "ApiValueError", "metadata"),
        ({"metadata": {"k": "v" * 513}}, "ApiValueError", "metadata"),
        ({"metadata": {"k": 1}}, "ApiTypeError", "metadata"),
        ({"input_file_id": None}, "ApiTypeError", "input_file_id"),
        ({"extra": 1}, "ApiTypeError", "extra"),
    ],
)
def test_bad_batch_requests_fail_before_sending(
    batches: BatchApi, server: ImagesServer, fields: dict[str, Any], error: str, match: str
) -> None:
    request = {
        "input_file_id": "file-x",
        "endpoint": "/v1/images/generations",
        "completion_window": "24h",
        **fields,
    }
    with pytest.raises(getattr(openapiopenai, error), match=match):
        batches.create_batch(request)
    assert server.requests == []


def test_batch_failure_statuses(files: FilesApi, batches: BatchApi, clock: Clock) -> None:
    with pytest.raises(openapiopenai.NotFoundException, match="No such File"):
        batches.create_batch(
            {"input_file_id": "file-x", "endpoint": "/v1/images/edits", "completion_window": "24h"}
        )
    with pytest.raises(openapiopenai.NotFoundException, match="batch"):
        batches.retrieve_batch("batch_missing")
    with pytest.raises(openapiopenai.BadRequestException, match="test server runs only"):
        made = files.create_file(("in.jsonl", jsonl(GEN)), "batch")
        batches.create_batch(
            {"input_file_id": made.id, "endpoint": "/v1/embeddings", "completion_window": "24h"}
        )
    done = make_batch(files, batches, jsonl(GEN))
    clock.now += 10
    assert batches.retrieve_batch(done.id).status == "completed"
    with pytest.raises(openapiopenai.ConflictException, match="Cannot cancel"):
        batches.cancel_batch(done.id)
    with pytest.raises(openapiopenai.ApiValueError, match="limit"):
        batches.list_batches(limit=101)


def test_wait_for_batch_polls_until_done(
    files: FilesApi, batches: BatchApi, clock: Clock, server: ImagesServer
) -> None:
    server.batch_timing = BatchTiming(validating=1, in_progress=1, finalizing=1)
    made = make_batch(files, batches, jsonl(GEN))
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds

    done = batches.wait_for_batch(made.id, poll_interval=0.5, sleep=sleep)
    assert done.status == "completed" and done.is_done
    assert sleeps == [0.5] * len(sleeps) and 4 <= len(sleeps) <= 8
    with pytest.raises(openapiopenai.ApiValueError, match="poll_interval"):
        batches.wait_for_batch(made.id, poll_interval=0)


def test_iter_file_lines_joins_lines_across_chunks(files: FilesApi, server: ImagesServer) -> None:
    lines = [b"x" * 300_000, b"", b'{"a": 1}', b"y" * 2_000_000, b"  ", b"tail"]
    file_id = server.add_file(
        iter([b"\n".join(lines)[i : i + 7777] for i in range(0, 2_400_000, 7777)]),
        "o.jsonl",
        "batch_output",
    )
    assert list(files.iter_file_lines(file_id)) == [
        b"x" * 300_000,
        b'{"a": 1}',
        b"y" * 2_000_000,
        b"tail",
    ]
    empty = server.add_file(b"", "e.jsonl", "batch_output")
    assert list(files.iter_file_lines(empty)) == []


def test_a_file_name_a_header_cannot_carry_is_served(files: FilesApi) -> None:
    file_id = files.create_file(('otter "€".txt', b"hi"), "user_data").id
    raw = files.download_file_without_preload_content(file_id)
    assert raw.status == 200 and raw.read() == b"hi"
    # The client sends quotes as %22 (as browsers do); the non-ASCII letter is replaced.
    assert raw.getheader("Content-Disposition") == 'attachment; filename="otter %22_%22.txt"'
    assert files.retrieve_file(file_id).filename == "otter %22€%22.txt"
