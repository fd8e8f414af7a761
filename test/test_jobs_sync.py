"""Resumable image jobs in sync mode, against the local server on real sockets."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

import openapiopenai
from openapiopenai._job_requests import file_stem
from openapiopenai._jobstore import JOB_FILE, JobLock, JobStore
from openapiopenai._pacing import Pacer, parse_reset
from openapiopenai.jobs import ImageJob, JobLockedError, JobRequest
from openapiopenai.testing import ImagesServer

from conftest import API_KEY, make_png

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def server() -> ImagesServer:
    with ImagesServer() as s:
        yield s


@pytest.fixture
def client(server: ImagesServer) -> openapiopenai.ApiClient:
    config = openapiopenai.Configuration(host=server.url, access_token=API_KEY, timeout=5)
    with openapiopenai.ApiClient(config) as c:
        yield c


def calls(server: ImagesServer, path: str = "/v1/images/generations") -> list[str]:
    """The prompt of every call the server received on ``path``, in order."""
    prompts = []
    for r in server.requests:
        if r.path == path:
            prompts.append((r.json or {}).get("prompt") or r.fields.get("prompt") or "")
    return prompts


def generations(count: int, **fields: object) -> list[JobRequest]:
    return [
        JobRequest.generate({"prompt": f"otter {i}", "size": "256x256", **fields}, f"otter-{i}")
        for i in range(count)
    ]


def rate_limit_body() -> dict[str, object]:
    return {"error": {"message": "slow down", "type": "requests", "param": None, "code": None}}


def test_every_request_done_once_images_named_by_id(server, client, tmp_path):
    requests = generations(6, response_format="b64_json")
    summary = ImageJob(tmp_path, requests, api=client).run(concurrency=3)
    assert summary.complete and summary.done == 6 and summary.images == 6
    assert sorted(calls(server)) == sorted(f"otter {i}" for i in range(6))
    for i in range(6):
        data = (tmp_path / f"otter-{i}.png").read_bytes()
        assert data.startswith(PNG_MAGIC)
    assert not list(tmp_path.glob(".*.partial"))
    # The same job again sends nothing.
    again = ImageJob(tmp_path, requests, api=client).run()
    assert again.complete and len(calls(server)) == 6


def test_url_images_downloaded_and_several_images_numbered(server, client, tmp_path):
    requests = [JobRequest.generate({"prompt": "two otters", "n": 2, "size": "256x256"}, "pair")]
    summary = ImageJob(tmp_path, requests, api=client).run()
    assert summary.images == 2
    stem = file_stem("pair", several=True)
    assert stem.startswith("pair-") and stem != "pair"
    assert (tmp_path / f"{stem}-0.png").read_bytes().startswith(PNG_MAGIC)
    assert (tmp_path / f"{stem}-1.png").read_bytes().startswith(PNG_MAGIC)
    results = list(ImageJob(tmp_path).results())
    assert [r.custom_id for r in results] == ["pair"]
    assert [p.name for p in results[0].paths] == [f"{stem}-0.png", f"{stem}-1.png"]
    assert results[0].request_id and results[0].read()[0].startswith(PNG_MAGIC)


def test_derived_ids_are_stable_and_repeats_are_told_apart(server, client, tmp_path):
    lines = tmp_path / "requests.jsonl"
    same = {"prompt": "the same otter", "size": "256x256", "response_format": "b64_json"}
    lines.write_text("\n".join(json.dumps(x) for x in [same, same, {**same, "prompt": "b"}]))
    out = tmp_path / "out"
    first = ImageJob(out, lines, api=client).run()
    assert first.done == 3 and len(calls(server)) == 3
    names = sorted(p.name for p in out.glob("*.png"))
    assert len(names) == 3 and all(n.startswith("req-") for n in names)
    ImageJob(out, lines, api=client).run()
    assert len(calls(server)) == 3
    assert sorted(p.name for p in out.glob("*.png")) == names


def test_edits_and_variations_from_paths_relative_to_the_requests_file(server, client, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "otter.png").write_bytes(make_png(256, 256))
    (tmp_path / "in" / "mask.png").write_bytes(make_png(256, 256))
    lines = tmp_path / "in" / "requests.jsonl"
    lines.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "custom_id": "hat",
                        "operation": "edit",
                        "prompt": "add a hat",
                        "image": "otter.png",
                        "mask": "mask.png",
                        "model": "dall-e-2",
                        "size": "256x256",
                        "response_format": "b64_json",
                    }
                ),
                "",
                json.dumps(
                    {
                        "custom_id": "vary",
                        "method": "POST",
                        "url": "/v1/images/variations",
                        "body": {"image": "otter.png", "size": "256x256"},
                    }
                ),
            ]
        )
    )
    summary = ImageJob(tmp_path / "out", lines, api=client).run()
    assert summary.complete, summary
    assert (tmp_path / "out" / "hat.png").exists() and (tmp_path / "out" / "vary.png").exists()
    edit = next(r for r in server.requests if r.path == "/v1/images/edits")
    assert edit.fields["prompt"] == "add a hat" and set(edit.files) == {"image", "mask"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not valid JSON"),
        ('{"operation": "paint", "prompt": "x"}', "operation must be one of"),
        ('{"prompt": "x", "n": 0}', "line 2: n"),
        ('{"custom_id": "a", "prompt": "y"}', "custom_id 'a' is used twice"),
        ('{"prompt": "x", "stream": true}', "stream"),
        ('{"operation": "edit", "prompt": "x"}', "image: is required"),
        ('{"url": "/v1/chat/completions", "body": {}}', "url must be one of"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_a_bad_line_is_refused_before_anything_is_sent(server, client, tmp_path, line, message):
    lines = tmp_path / "requests.jsonl"
    lines.write_text('{"custom_id": "a", "prompt": "an otter"}\n' + line + "\n")
    with pytest.raises((openapiopenai.ApiValueError, openapiopenai.ApiTypeError)) as e:
        ImageJob(tmp_path / "out", lines, api=client).run()
    assert message in str(e.value)
    assert server.requests == []
    assert not (tmp_path / "out" / JOB_FILE).exists()


def test_a_changed_request_under_an_old_id_is_refused(server, client, tmp_path):
    ImageJob(tmp_path, generations(1), api=client).run()
    changed = [JobRequest.generate({"prompt": "another otter"}, "otter-0")]
    with pytest.raises(openapiopenai.OpenApiException, match="different request"):
        ImageJob(tmp_path, changed, api=client).run()
    assert len(calls(server)) == 1


def test_a_429_storm_is_paced_and_every_request_finishes(server, client, tmp_path):
    server.respond_with(429, rate_limit_body(), headers={"Retry-After": "0.05"}, times=8)
    summary = ImageJob(tmp_path, generations(12), api=client).run(concurrency=4, max_attempts=10)
    assert summary.complete, summary
    sent = [r for r in server.requests if r.path == "/v1/images/generations"]
    assert Counter(r.status for r in sent) == {429: 8, 200: 12}
    served = Counter(r.json["prompt"] for r in sent if r.status == 200)
    assert sorted(served) == sorted(f"otter {i}" for i in range(12))
    assert set(served.values()) == {1}


def test_retriable_failures_are_recorded_then_resumed(server, client, tmp_path):
    body = {"error": {"message": "overloaded", "type": "server_error", "param": None, "code": None}}
    server.respond_with(503, body, headers={"Retry-After": "0"}, times=2)
    job = ImageJob(tmp_path, generations(1), api=client)
    first = job.run(max_attempts=2)
    assert (first.failed, first.failed_retriable, first.done) == (1, 1, 0)
    assert "run the job again" in str(first)
    second = job.run(max_attempts=2)
    assert second.complete and len(calls(server)) == 3


def test_a_final_error_is_not_sent_again(server, client, tmp_path):
    body = {
        "error": {
            "message": "Your request was rejected by the safety system.",
            "type": "invalid_request_error",
            "param": None,
            "code": "content_policy_violation",
        }
    }
    server.respond_with(400, body)
    job = ImageJob(tmp_path, generations(2), api=client)
    first = job.run(concurrency=1)
    assert (first.done, first.failed, first.failed_retriable) == (1, 1, 0)
    failed = list(job.results(["failed"]))
    assert len(failed) == 1 and "safety system" in (failed[0].error or "")
    job.run()
    assert len(calls(server)) == 2


def test_a_request_lost_after_sending_is_unknown_and_not_resent(server, tmp_path):
    config = openapiopenai.Configuration(host=server.url, access_token=API_KEY, timeout=0.5)
    with openapiopenai.ApiClient(config) as slow_client:
        server.delay(2.0)
        job = ImageJob(tmp_path, generations(1), api=slow_client)
        first = job.run()
        assert first.unknown == 1 and first.done == 0
        assert "may have been billed" in str(first)
        job.run()
        assert len(calls(server)) == 1  # not sent again
        resent = job.run(resend_unknown=True)
        assert resent.complete and len(calls(server)) == 2


def test_a_connection_refused_before_sending_is_retried(tmp_path):
    with ImagesServer() as server:
        url = server.url
    config = openapiopenai.Configuration(host=url, access_token=API_KEY, timeout=1)
    with openapiopenai.ApiClient(config) as client:
        summary = ImageJob(tmp_path, generations(1), api=client).run(max_attempts=2)
    assert summary.failed_retriable == 1  # not sent: safe to try again next run


def test_a_second_process_on_the_directory_is_refused(server, client, tmp_path):
    ImageJob(tmp_path, generations(1), api=client).run()
    with JobLock(tmp_path), pytest.raises(JobLockedError, match="another process"):
        ImageJob(tmp_path, generations(2), api=client).run()
    # status reads the job file while the lock is held elsewhere
    with JobLock(tmp_path):
        assert ImageJob(tmp_path).status().done == 1


def test_cancel_stops_submitting_and_the_rerun_resumes(server, client, tmp_path):
    server.delay(0.3, times=50)
    job = ImageJob(tmp_path, generations(30), api=client)
    result: dict[str, object] = {}
    runner = threading.Thread(target=lambda: result.setdefault("s", job.run(concurrency=2)))
    runner.start()
    while not (tmp_path / JOB_FILE).exists() or job.status().done < 2:
        time.sleep(0.05)
    ImageJob.cancel(tmp_path)
    runner.join(30)
    summary = result["s"]
    assert summary.interrupted and 2 <= summary.done < 30
    assert summary.in_flight == 0 and summary.unknown == 0
    sent = len(calls(server))
    assert sent == summary.done  # the ones in flight finished and were saved
    server.reset_faults()
    final = job.run(concurrency=4)
    assert final.complete and len(calls(server)) == 30


def test_images_written_but_not_recorded_are_finished_on_resume(server, client, tmp_path):
    ImageJob(tmp_path, generations(1), api=client).run()
    (tmp_path / "otter-0.png").rename(tmp_path / ".otter-0.png.partial")
    with JobStore(tmp_path) as store:
        stored = store.get("otter-0")
        store.mark_saving(
            "otter-0",
            files=stored.files,
            urls=stored.urls,
            response_id=stored.request_id,
            usage=None,
        )
    summary = ImageJob(tmp_path, api=client).run()
    assert summary.complete and (tmp_path / "otter-0.png").exists()
    assert len(calls(server)) == 1


def test_usage_is_totalled(server, client, tmp_path):
    requests = generations(3, model="gpt-image-1", size="1024x1024")
    summary = ImageJob(tmp_path, requests, api=client).run()
    assert summary.complete
    with sqlite3.connect(tmp_path / JOB_FILE) as db:
        usages = [json.loads(u) for (u,) in db.execute("SELECT usage FROM requests")]
    assert summary.usage["total_tokens"] == sum(u["total_tokens"] for u in usages) > 0


def test_progress_callback_sees_every_state_change(server, client, tmp_path):
    seen: list[tuple[str, str]] = []
    ImageJob(tmp_path, generations(3), api=client).run(
        progress=lambda p: seen.append((p.last_id, p.last_state))
    )
    assert sorted(s for s in seen if s[1] == "done") == [(f"otter-{i}", "done") for i in range(3)]
    assert {s[1] for s in seen} == {"in_flight", "done"}


def test_job_file_is_a_wal_database_with_states(server, client, tmp_path):
    ImageJob(tmp_path, generations(2), api=client).run()
    with sqlite3.connect(tmp_path / JOB_FILE) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT id, state, request_id FROM requests ORDER BY seq").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("otter-0", "done"), ("otter-1", "done")]
    assert all(r[2] for r in rows)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3s", 3723.0), ("0.5", 0.5)],
)
def test_rate_limit_reset_durations(value, seconds):
    assert parse_reset(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "abc", "1x", "s1", None, "9" * 40])
def test_malformed_reset_durations_are_ignored(value):
    assert parse_reset(value) is None


def test_pacer_halves_on_429_and_widens_on_success():
    now = [0.0]
    pacer = Pacer(8, clock=lambda: now[0])
    wait = pacer.throttled({"retry-after": "2"})
    assert (pacer.limit, wait) == (4, 2.0)
    stop = threading.Event()
    stop.set()
    assert pacer.acquire(stop) is False  # paused, and stopping
    now[0] = 2.5
    for _ in range(4):
        pacer.succeeded()
    assert pacer.limit == 5
    pacer.succeeded({"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "3s"})
    assert pacer.paused_until == pytest.approx(5.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0}, "concurrency"),
        ({"max_attempts": True}, "max_attempts"),
        ({"mode": "fast"}, "mode"),
        ({"resend_unknown": "yes"}, "resend_unknown"),
    ],
)
def test_bad_run_options_name_the_parameter(client, tmp_path, kwargs, message):
    with pytest.raises((openapiopenai.ApiValueError, openapiopenai.ApiTypeError), match=message):
        ImageJob(tmp_path, generations(1), api=client).run(**kwargs)


def test_opening_a_directory_without_a_job(tmp_path):
    with pytest.raises(openapiopenai.ApiValueError, match="no job"):
        ImageJob(tmp_path).run()
    with pytest.raises(FileNotFoundError):
        ImageJob(tmp_path).status()


def test_custom_ids_that_are_not_file_names_get_safe_distinct_names(server, client, tmp_path):
    requests = [
        JobRequest.generate({"prompt": "a", "size": "256x256"}, "../escape"),
        JobRequest.generate({"prompt": "b", "size": "256x256"}, "a/b c"),
        JobRequest.generate({"prompt": "c", "size": "256x256"}, "a-b-c"),
    ]
    ImageJob(tmp_path, requests, api=client).run()
    names = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".png")
    assert len(names) == 3 and "a-b-c.png" in names
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert not (tmp_path.parent / "escape.png").exists()


def test_the_requests_file_path_may_be_a_pathlike(server, client, tmp_path):
    lines = tmp_path / "r.jsonl"
    lines.write_text(json.dumps({"custom_id": "x", "prompt": "an otter", "size": "256x256"}))
    summary = ImageJob(Path(tmp_path / "out"), lines, api=client).run()
    assert summary.complete


def test_edits_by_reference_are_sent_as_json(server, client, tmp_path):
    file_id = server.add_file(make_png(256, 256), "otter.png", purpose="vision")
    request = {
        "operation": "edit",
        "custom_id": "ref",
        "prompt": "add a hat",
        "model": "gpt-image-1",
        "images": [{"file_id": file_id}],
    }
    lines = tmp_path / "r.jsonl"
    lines.write_text(json.dumps(request))
    summary = ImageJob(tmp_path / "out", lines, api=client).run()
    assert summary.complete, summary
    (edit,) = [r for r in server.requests if r.path == "/v1/images/edits"]
    assert edit.json["images"] == [{"file_id": file_id}] and edit.form == ()
    assert (tmp_path / "out" / "ref.png").exists()


def test_an_edit_by_reference_is_checked_before_sending(server, client, tmp_path):
    request = {
        "operation": "edit",
        "prompt": "x",
        "model": "dall-e-2",
        "images": [{"file_id": "f"}],
    }
    with pytest.raises(openapiopenai.ApiValueError, match="GPT image model"):
        ImageJob(tmp_path, [request], api=client).run()
    assert server.requests == []


def test_a_summary_shows_in_a_notebook_as_a_grid_of_images_and_failures(server, client, tmp_path):
    body = {"error": {"message": "<b>no</b>", "type": "invalid_request_error", "param": None}}
    server.respond_with(400, body)
    summary = ImageJob(tmp_path, generations(3, response_format="b64_json"), api=client).run(
        concurrency=1
    )
    page = summary._repr_html_()
    assert page.count("<img ") == 2 and page.count("data:image/png;base64,") == 2
    assert "&lt;b&gt;no&lt;/b&gt;" in page and "<b>no</b>" not in page  # escaped
    assert "failed" in page and "2 / 3" in page
    assert len(page) < 200_000  # bounded, whatever the images
