"""Review of resumable image jobs: defects found by trying to break them (real sockets)."""

from __future__ import annotations

import json
import tracemalloc

import pytest

import openapiopenai
from openapiopenai._jobstore import JobStore
from openapiopenai.api.batch_api import BatchApi
from openapiopenai.api.files_api import FilesApi
from openapiopenai.jobs import ImageJob, JobRequest, read_requests
from openapiopenai.testing import ImagesServer
from openapiopenai.testing._batches import BatchTiming

from conftest import API_KEY, make_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FAST = BatchTiming(validating=0.05, in_progress=0.2, finalizing=0.05, cancelling=0.05)


@pytest.fixture
def server() -> ImagesServer:
    with ImagesServer() as s:
        s.batch_timing = FAST
        yield s


@pytest.fixture
def client(server: ImagesServer) -> openapiopenai.ApiClient:
    config = openapiopenai.Configuration(host=server.url, access_token=API_KEY, timeout=10)
    with openapiopenai.ApiClient(config) as c:
        yield c


def generation(custom_id: str, **fields: object) -> JobRequest:
    body = {"prompt": f"otter {custom_id}", "model": "gpt-image-1", "size": "1024x1024"}
    return JobRequest.generate({**body, **fields}, custom_id)


def posts(server: ImagesServer, path: str) -> list[object]:
    return [r for r in server.requests if r.method == "POST" and r.path == path]


def test_several_images_never_share_a_name_with_another_requests_images(server, client, tmp_path):
    # "pair" with two images and "pair-1" with one must not both write pair-1.png.
    requests = [
        JobRequest.generate(
            {"prompt": "two otters", "n": 2, "response_format": "b64_json"}, "pair"
        ),
        JobRequest.generate({"prompt": "one otter", "response_format": "b64_json"}, "pair-1"),
    ]
    summary = ImageJob(tmp_path, requests, api=client).run(concurrency=1)
    assert summary.complete and summary.images == 3
    results = list(ImageJob(tmp_path).results())
    names = [path.name for result in results for path in result.paths]
    assert len(set(names)) == 3, names
    assert all(path.read_bytes().startswith(PNG_MAGIC) for r in results for path in r.paths)


def test_a_batch_recorded_before_its_requests_were_reassigned_is_adopted(server, client, tmp_path):
    # The state a SIGKILL leaves between recording a batch and moving its requests to it.
    job = ImageJob(tmp_path, [generation("a"), generation("b")], api=client)
    job.run(mode="batch", poll_interval=0.05)
    assert ImageJob(tmp_path).status().complete
    out = tmp_path / "second"
    out.mkdir()
    requests = [generation("c"), generation("d")]
    with JobStore(out) as store:
        store.add_requests((r.custom_id, r.operation, r.body) for r in requests)
        store.set_meta("mode", "batch")
        lines = b"".join(
            json.dumps(
                {
                    "custom_id": r.custom_id,
                    "method": "POST",
                    "url": "/v1/images/generations",
                    "body": r.body,
                }
            ).encode()
            + b"\n"
            for r in requests
        )
        source = tmp_path / "input.jsonl"
        source.write_bytes(lines)
        uploaded = FilesApi(client).create_file(source, "batch")
        store.mark_many_in_flight(["c", "d"], f"file:{uploaded.id}")
        batch = BatchApi(client).create_batch(
            {
                "input_file_id": uploaded.id,
                "endpoint": "/v1/images/generations",
                "completion_window": "24h",
            }
        )
        store.add_batch(batch.id, uploaded.id, batch.status or "validating")
    summary = ImageJob(out, api=client).run(poll_interval=0.05)
    assert summary.complete, summary
    assert len(posts(server, "/v1/batches")) == 2  # the first job's and this one: no third


def test_a_batch_edit_without_a_gpt_image_model_is_refused_before_any_upload(
    server, client, tmp_path
):
    (tmp_path / "otter.png").write_bytes(make_png(256, 256))
    requests = [
        generation("g-0"),
        JobRequest.edit({"prompt": "hat", "image": "otter.png", "model": "dall-e-2"}, "e"),
    ]
    job = ImageJob(tmp_path / "out", requests, api=client, files_dir=tmp_path)
    with pytest.raises(openapiopenai.ApiValueError, match=r"'e'.*GPT image models"):
        job.run(mode="batch", poll_interval=0.05)
    assert server.requests == []
    # The refused request was not added: the job runs once the line is left out.
    fixed = ImageJob(tmp_path / "out", requests[:1], api=client).run(poll_interval=0.05)
    assert fixed.complete and fixed.total == 1


def test_a_batch_edit_whose_file_is_missing_fails_alone_and_the_rest_runs(server, client, tmp_path):
    requests = [
        generation("g-0"),
        JobRequest.edit({"prompt": "hat", "image": "gone.png", "model": "gpt-image-1"}, "e"),
    ]
    job = ImageJob(tmp_path / "out", requests, api=client, files_dir=tmp_path)
    summary = job.run(mode="batch", poll_interval=0.05)
    assert (summary.done, summary.failed, summary.failed_retriable) == (1, 1, 0), summary
    (failed,) = job.results(["failed"])
    assert failed.custom_id == "e" and "gone.png" in (failed.error or "")
    assert len(posts(server, "/v1/batches")) == 1


def test_max_attempts_counts_the_sends_of_this_run(server, client, tmp_path):
    body = {"error": {"message": "overloaded", "type": "server_error", "param": None, "code": None}}
    server.respond_with(503, body, headers={"Retry-After": "0"}, times=4)
    job = ImageJob(tmp_path, [JobRequest.generate({"prompt": "otter"}, "o")], api=client)
    first = job.run(max_attempts=2)
    assert first.failed_retriable == 1
    second = job.run(max_attempts=2)
    # The second run gets its own two attempts (both refused), not one.
    assert second.failed_retriable == 1
    assert len(posts(server, "/v1/images/generations")) == 4
    third = job.run(max_attempts=2)
    assert third.complete


def test_an_overlong_line_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    monkeypatch.setattr("openapiopenai._job_requests.MAX_LINE_BYTES", 1000)
    lines = tmp_path / "requests.jsonl"
    lines.write_bytes(b'{"prompt": "' + b"o" * 4_000_000 + b'"}\n')
    tracemalloc.start()
    try:
        with pytest.raises(openapiopenai.ApiValueError, match="line 1: longer than 1000"):
            list(read_requests(lines))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize(
    "line",
    [
        '{"prompt": "otter \\ud800"}',
        '{"custom_id": "x\\udfff", "prompt": "otter"}',
    ],
)
def test_a_lone_surrogate_is_a_bad_line_named_before_anything_is_sent(
    server, client, tmp_path, line
):
    lines = tmp_path / "requests.jsonl"
    lines.write_text('{"prompt": "fine"}\n' + line + "\n")
    with pytest.raises(openapiopenai.ApiValueError, match=r"requests\.jsonl line 2"):
        ImageJob(tmp_path / "out", lines, api=client).run()
    assert server.requests == []


def test_progress_does_not_scan_the_job_file_per_state_change(
    server, client, tmp_path, monkeypatch
):
    # images_done() reads every done row: once per change makes a 50,000-request job
    # (or a batch output of 50,000 lines) quadratic.
    scans = []
    original = JobStore.images_done

    def counted(self: JobStore) -> int:
        scans.append(1)
        return original(self)

    monkeypatch.setattr(JobStore, "images_done", counted)
    seen = []
    requests = [
        JobRequest.generate({"prompt": f"otter {i}", "n": 1 + i % 2}, f"o-{i}") for i in range(20)
    ]
    summary = ImageJob(tmp_path, requests, api=client).run(
        concurrency=2, progress=lambda p: seen.append(p.images)
    )
    assert summary.complete and summary.images == 30
    assert seen[-1] == 30 and seen == sorted(seen)
    assert len(scans) <= 3


def test_ids_differing_in_case_or_naming_a_device_get_names_that_cannot_clash(
    server, client, tmp_path
):
    # On macOS and Windows, Otter.png and otter.png are the same file; NUL.png is a device.
    ids = ["otter", "Otter", "OTTER", "nul", "con.1", "Lpt1"]
    requests = [JobRequest.generate({"prompt": f"otter {i}"}, i) for i in ids]
    summary = ImageJob(tmp_path, requests, api=client).run()
    assert summary.complete and summary.images == len(ids)
    names = {r.custom_id: r.paths[0].name for r in ImageJob(tmp_path).results()}
    assert names["otter"] == "otter.png"
    assert len({name.lower() for name in names.values()}) == len(ids), names
    for custom_id in ("nul", "con.1", "Lpt1"):
        stem = names[custom_id].split(".")[0].lower()
        assert stem not in {"nul", "con", "lpt1"}, names


def test_an_exhausted_quota_stops_the_run_instead_of_retrying_every_request(
    server, client, tmp_path
):
    body = {
        "error": {
            "message": "You exceeded your current quota, please check your plan and billing.",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }
    server.respond_with(429, body, headers={"Retry-After": "0"}, times=1000)
    requests = [JobRequest.generate({"prompt": f"otter {i}"}, f"o-{i}") for i in range(10)]
    job = ImageJob(tmp_path, requests, api=client)
    summary = job.run(concurrency=2, max_attempts=5)
    sent = posts(server, "/v1/images/generations")
    assert len(sent) <= 2, len(sent)
    assert summary.interrupted and summary.done == 0
    assert summary.failed == summary.failed_retriable == len(sent)
    assert summary.pending == 10 - len(sent)
    server.reset_faults()
    assert job.run().complete


def test_a_changed_line_under_an_old_id_is_a_usage_error_of_the_cli(server, tmp_path):
    import subprocess
    import sys

    lines = tmp_path / "requests.jsonl"
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "openapiopenai", "jobs", "run", str(lines), "-o", str(out),
        "--base-url", server.url, "--api-key", API_KEY,
    ]  # fmt: skip
    lines.write_text('{"custom_id": "o", "prompt": "an otter"}\n')
    assert subprocess.run(command, capture_output=True, timeout=60).returncode == 0
    lines.write_text('{"custom_id": "o", "prompt": "another otter"}\n')
    changed = subprocess.run(command, capture_output=True, timeout=60)
    assert changed.returncode == 2, changed.stderr
    assert b"different request" in changed.stderr
    assert len(posts(server, "/v1/images/generations")) == 1
