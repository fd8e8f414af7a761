"""Resumable image jobs in batch mode: through the local server's Files and Batch APIs."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai._job_batch import BatchRunner
from openapiopenai._jobstore import JOB_FILE, JobStore
from openapiopenai.jobs import ImageJob, JobRequest
from openapiopenai.testing import ImagesServer
from openapiopenai.testing._batches import BatchTiming

from conftest import API_KEY, make_png

FAST = BatchTiming(validating=0.05, in_progress=0.2, finalizing=0.05, cancelling=0.05)


class Clock:
    """A server clock the test moves by hand (batches advance only when it does)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


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


def generations(count: int, prefix: str = "g") -> list[JobRequest]:
    return [
        JobRequest.generate(
            {"prompt": f"batch otter {i}", "model": "gpt-image-1", "size": "1024x1024"},
            f"{prefix}-{i}",
        )
        for i in range(count)
    ]


def paths(server: ImagesServer, method: str, path_prefix: str) -> list[object]:
    return [r for r in server.requests if r.method == method and r.path.startswith(path_prefix)]


def uploaded_ids(server: ImagesServer) -> list[list[str]]:
    """The custom ids in every batch input file uploaded (from the request log)."""
    uploads = []
    for r in paths(server, "POST", "/v1/files"):
        part = r.files.get("file")
        if part is None or r.status != 200:
            continue
        uploads.append([json.loads(line)["custom_id"] for line in part.data.splitlines() if line])
    return uploads


def test_a_batch_job_round_trip(server, client, tmp_path):
    (tmp_path / "otter.png").write_bytes(make_png(256, 256))
    requests = [
        *generations(4),
        JobRequest.edit(
            {"prompt": "add a hat", "image": "otter.png", "model": "gpt-image-1"}, "hat"
        ),
    ]
    job = ImageJob(tmp_path / "out", requests, api=client, files_dir=tmp_path)
    summary = job.run(mode="batch", poll_interval=0.05)
    assert summary.complete, summary
    assert summary.mode == "batch" and summary.images == 5
    for name in ("g-0.png", "g-3.png", "hat.png"):
        assert (tmp_path / "out" / name).read_bytes().startswith(b"\x89PNG")
    uploads = uploaded_ids(server)
    assert sorted(map(sorted, uploads)) == [["g-0", "g-1", "g-2", "g-3"], ["hat"]]
    creates = [r for r in paths(server, "POST", "/v1/batches") if r.path == "/v1/batches"]
    assert sorted(r.json["endpoint"] for r in creates) == [
        "/v1/images/edits",
        "/v1/images/generations",
    ]
    edit_upload = next(u for u in paths(server, "POST", "/v1/files") if b"hat" in u.body)
    line = json.loads(edit_upload.files["file"].data.splitlines()[0])
    assert line["body"]["images"][0]["image_url"].startswith("data:image/png;base64,")
    # input files deleted after their batch ended
    deletes = {r.path.rsplit("/", 1)[1] for r in paths(server, "DELETE", "/v1/files/")}
    assert deletes == {r.json["input_file_id"] for r in creates}
    assert summary.usage.get("total_tokens", 0) > 0
    # resume: nothing more is uploaded or created
    again = job.run()
    assert again.complete
    assert len([r for r in paths(server, "POST", "/v1/batches") if r.path == "/v1/batches"]) == 2


def test_input_files_are_split_at_the_line_limit(server, client, tmp_path, monkeypatch):
    monkeypatch.setattr("openapiopenai._job_batch.MAX_BATCH_LINES", 3)
    summary = ImageJob(tmp_path, generations(7), api=client).run(mode="batch", poll_interval=0.05)
    assert summary.complete
    assert sorted(len(u) for u in uploaded_ids(server)) == [1, 3, 3]


def test_variations_are_refused_in_batch_mode_before_anything_is_sent(server, client, tmp_path):
    (tmp_path / "otter.png").write_bytes(make_png(256, 256))
    variation = JobRequest.variation({"image": "otter.png"}, "v")
    job = ImageJob(tmp_path / "out", [variation], api=client, files_dir=tmp_path)
    with pytest.raises(openapiopenai.ApiValueError, match="variations cannot go through"):
        job.run(mode="batch")
    assert server.requests == []


def test_an_edit_in_batch_mode_needs_a_gpt_image_model(server, client, tmp_path):
    (tmp_path / "otter.png").write_bytes(make_png(256, 256))
    edit = JobRequest.edit({"prompt": "hat", "image": "otter.png", "model": "dall-e-2"}, "e")
    job = ImageJob(tmp_path / "out", [edit], api=client, files_dir=tmp_path)
    with pytest.raises(openapiopenai.ApiValueError, match="GPT image models"):
        job.run(mode="batch")
    assert server.requests == []


def test_the_mode_of_a_job_cannot_change(server, client, tmp_path):
    ImageJob(tmp_path, generations(1), api=client).run(mode="batch", poll_interval=0.05)
    with pytest.raises(openapiopenai.ApiValueError, match="runs in 'batch' mode"):
        ImageJob(tmp_path, generations(1), api=client).run(mode="sync")


def _upload_input(client: openapiopenai.ApiClient, requests: list[JobRequest]) -> object:
    """A batch input file of ``requests``, uploaded as the job would upload it."""
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
    return openapiopenai.FilesApi(client).create_file(("input.jsonl", lines), "batch")


def _record_upload_before_its_batch(directory: Path, requests: list[JobRequest], file_id: str):
    """The job file as a run leaves it when it dies between the upload and create_batch."""
    with JobStore(directory) as store:
        store.add_requests((r.custom_id, r.operation, r.body) for r in requests)
        store.set_meta("mode", "batch")
        store.mark_many_in_flight([r.custom_id for r in requests], f"file:{file_id}")


def test_a_batch_created_but_not_recorded_is_adopted_not_created_again(server, client, tmp_path):
    """A process that died during create_batch: the batch exists, its id is not recorded."""
    requests = generations(3)
    uploaded = _upload_input(client, requests)
    openapiopenai.BatchApi(client).create_batch(
        {
            "input_file_id": uploaded.id,
            "endpoint": "/v1/images/generations",
            "completion_window": "24h",
        }
    )
    _record_upload_before_its_batch(tmp_path, requests, uploaded.id)
    summary = ImageJob(tmp_path, api=client).run(poll_interval=0.05)
    assert summary.complete, summary
    creates = [r for r in paths(server, "POST", "/v1/batches") if r.path == "/v1/batches"]
    assert len(creates) == 1  # adopted, never a second batch for the same requests


def test_a_recorded_upload_without_a_batch_gets_its_batch_once(server, client, tmp_path):
    requests = generations(2)
    uploaded = _upload_input(client, requests)
    _record_upload_before_its_batch(tmp_path, requests, uploaded.id)
    summary = ImageJob(tmp_path, api=client).run(poll_interval=0.05)
    assert summary.complete
    creates = [r for r in paths(server, "POST", "/v1/batches") if r.path == "/v1/batches"]
    assert [r.json["input_file_id"] for r in creates] == [uploaded.id]


def test_a_cancelled_batch_keeps_its_partial_output_and_the_rest_resumes(server, client, tmp_path):
    server.batch_timing = BatchTiming(
        validating=0.05, in_progress=3.0, finalizing=0.05, cancelling=0.05
    )
    job = ImageJob(tmp_path, generations(12), api=client)
    result: dict[str, object] = {}
    runner = threading.Thread(
        target=lambda: result.setdefault("s", job.run(mode="batch", poll_interval=0.05))
    )
    runner.start()
    time.sleep(1.2)  # part of the lines have run
    ImageJob.cancel(tmp_path)
    runner.join(60)
    first = result["s"]
    assert first.interrupted and 0 < first.done < 12, first
    assert first.pending == 12 - first.done and first.unknown == 0
    assert first.batches[0]["status"] == "cancelled"
    server.batch_timing = FAST
    final = job.run(poll_interval=0.05)
    assert final.complete, final
    ran = Counter(cid for ids in uploaded_ids(server) for cid in ids)
    # the ones done in the cancelled batch were not sent again
    assert sum(ran.values()) == 12 + (12 - first.done)


def test_an_expired_batch_keeps_its_output_and_the_rest_resumes(client, tmp_path):
    clock = Clock()
    with ImagesServer(clock=clock) as server:
        server.batch_timing = BatchTiming(
            validating=1.0, in_progress=100_000.0, finalizing=1.0, cancelling=1.0
        )
        config = openapiopenai.Configuration(host=server.url, access_token=API_KEY)
        with openapiopenai.ApiClient(config) as local:
            job = ImageJob(tmp_path, generations(10), api=local)

            def sleep(seconds: float) -> None:
                clock.advance(6 * 3600)  # each poll: six hours later
                time.sleep(0.01)

            original = BatchRunner.__init__

            def patched(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                kwargs["sleep"] = sleep
                original(self, *args, **kwargs)

            BatchRunner.__init__ = patched  # type: ignore[method-assign]
            try:
                first = job.run(mode="batch", poll_interval=0.05)
            finally:
                BatchRunner.__init__ = original  # type: ignore[method-assign]
            assert first.batches[0]["status"] == "expired"
            assert 0 < first.done < 10 and first.pending == 10 - first.done, first
            server.batch_timing = BatchTiming(0.0, 0.0, 0.0, 0.0)
            final = job.run(poll_interval=0.05)
    assert final.complete


def test_per_line_errors_are_recorded_and_not_resent(server, client, tmp_path):
    requests = [
        *generations(2),
        JobRequest.generate({"prompt": "an otter", "model": "no-such-model"}, "unknown-model"),
    ]
    job = ImageJob(tmp_path, requests, api=client)
    summary = job.run(mode="batch", poll_interval=0.05)
    assert (summary.done, summary.failed, summary.failed_retriable) == (2, 1, 0), summary
    (failed,) = job.results(["failed"])
    assert failed.custom_id == "unknown-model" and "400" in (failed.error or "")
    job.run()
    assert len(uploaded_ids(server)) == 1


KILLS = 20
BATCH_REQUESTS = 45


def _run_cli(server: ImagesServer, requests: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    # Batches of 3 requests, so that runs are killed between uploads, creates and polls.
    code = (
        "import sys, openapiopenai._job_batch as b; b.MAX_BATCH_LINES = 3; "
        "from openapiopenai.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.Popen(
        [
            sys.executable, "-c", code, "jobs", "run", str(requests), "-o", str(out),
            "--mode", "batch", "--poll-interval", "0.1", "--base-url", server.url,
            "--api-key", API_KEY,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )  # fmt: skip


def test_sigkill_at_random_moments_in_batch_mode(tmp_path):
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    requests = tmp_path / "requests.jsonl"
    requests.write_text(
        "\n".join(
            json.dumps({"custom_id": f"b-{i}", "prompt": f"otter {i}", "model": "gpt-image-1"})
            for i in range(BATCH_REQUESTS)
        )
    )
    out = tmp_path / "out"
    with ImagesServer() as server:
        server.batch_timing = BatchTiming(
            validating=0.2, in_progress=1.5, finalizing=0.2, cancelling=0.1
        )
        server.delay(0.05, times=100_000)
        kills = 0
        for _ in range(KILLS):
            process = _run_cli(server, requests, out)
            time.sleep(rng.uniform(0.3, 1.6))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(30)
            if (out / JOB_FILE).exists():
                with sqlite3.connect(out / JOB_FILE) as db:
                    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        server.reset_faults()
        for _ in range(5):
            process = _run_cli(server, requests, out)
            process.communicate(timeout=120)
            if process.returncode == 0:
                break
        assert process.returncode == 0, f"seed {seed}"
        config = openapiopenai.Configuration(host=server.url, access_token=API_KEY)
        with openapiopenai.ApiClient(config) as client:
            batches = list(openapiopenai.BatchApi(client).iter_batches())
    assert kills >= KILLS // 4, f"seed {seed}"
    with sqlite3.connect(out / JOB_FILE) as db:
        states = dict(db.execute("SELECT id, state FROM requests").fetchall())
        batch_rows = db.execute("SELECT id FROM batches").fetchall()
    assert set(states.values()) == {"done"}, f"seed {seed}: {Counter(states.values())}"
    # every batch the server has is recorded, and no request went into two batches
    assert sorted(r[0] for r in batch_rows) == sorted(b.id for b in batches), f"seed {seed}"
    assert sum(b.request_counts.total for b in batches) == BATCH_REQUESTS, f"seed {seed}"
    assert sum(b.request_counts.completed for b in batches) == BATCH_REQUESTS, f"seed {seed}"
    images = sorted(p.name for p in out.iterdir() if p.suffix == ".png")
    assert images == sorted(f"b-{i}.png" for i in range(BATCH_REQUESTS)), f"seed {seed}"


def test_edits_by_file_id_go_through_a_batch_unchanged(server, client, tmp_path):
    file_id = server.add_file(make_png(256, 256), "otter.png", purpose="vision")
    edit = JobRequest.edit(
        {"prompt": "add a hat", "model": "gpt-image-1", "images": [{"file_id": file_id}]}, "ref"
    )
    summary = ImageJob(tmp_path, [edit], api=client).run(mode="batch", poll_interval=0.05)
    assert summary.complete, summary
    upload = next(u for u in paths(server, "POST", "/v1/files") if u.files.get("file"))
    body = json.loads(upload.files["file"].data)["body"]
    assert body["images"] == [{"file_id": file_id}]
    assert (tmp_path / "ref.png").read_bytes().startswith(b"\x89PNG")


def test_a_429_storm_on_the_batch_api_slows_the_job_down(server, client, tmp_path):
    server.respond_with(
        429,
        {"error": {"message": "slow down", "type": "requests", "param": None, "code": None}},
        headers={"Retry-After": "0"},
        times=7,  # more than the client's own two retries of each call
    )
    summary = ImageJob(tmp_path, generations(3), api=client).run(mode="batch", poll_interval=0.05)
    assert summary.complete, summary
    assert sum(r.status == 429 for r in server.requests) == 7
    assert len(uploaded_ids(server)) == 1  # the upload was refused, then made once


def test_5xx_while_polling_are_waited_out(server, client, tmp_path, monkeypatch):
    server.batch_timing = BatchTiming(validating=0.1, in_progress=1.0, finalizing=0.1)
    body = {"error": {"message": "down", "type": "server_error", "param": None, "code": None}}
    injected: list[bool] = []
    original = BatchRunner.__init__

    def patched(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        def sleep(seconds: float) -> None:
            if not injected:  # the first wait between polls: the next polls fail
                injected.append(True)
                server.respond_with(503, body, headers={"Retry-After": "0"}, times=5)
            time.sleep(min(seconds, 0.05))

        kwargs["sleep"] = sleep
        original(self, *args, **kwargs)

    monkeypatch.setattr(BatchRunner, "__init__", patched)
    summary = ImageJob(tmp_path, generations(2), api=client).run(mode="batch", poll_interval=0.05)
    assert summary.complete, summary
    assert injected  # the job waited between polls at least once
    polls = [r for r in server.requests if r.method == "GET" and r.path.startswith("/v1/batches/")]
    assert sum(r.status == 503 for r in polls) == 5


def test_a_failed_batch_leaves_its_requests_to_send_again(server, client, tmp_path):
    server.set_batch_limits(max_lines=2)  # the batch of 3 fails validation (too_many_tasks)
    job = ImageJob(tmp_path, generations(3), api=client)
    first = job.run(mode="batch", poll_interval=0.05)
    assert (first.failed, first.failed_retriable, first.done) == (3, 3, 0), first
    assert first.batches[0]["status"] == "failed"
    (failed, *_) = job.results(["failed"])
    assert "failed" in (failed.error or "")
    server.set_batch_limits(max_lines=50_000)
    final = job.run(poll_interval=0.05)
    assert final.complete, final
    assert len(uploaded_ids(server)) == 2
