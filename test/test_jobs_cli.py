"""``openapiopenai jobs run|status|cancel`` as a user runs them, against the local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from openapiopenai.testing import ImagesServer

from conftest import API_KEY, jobs_run_argv


def cli(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.run(
        [sys.executable, "-m", "openapiopenai", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=check,
    )


@pytest.fixture
def server() -> ImagesServer:
    with ImagesServer() as s:
        yield s


def write_requests(path: Path, count: int) -> Path:
    lines = [
        json.dumps({"custom_id": f"c-{i}", "prompt": f"cli otter {i}", "size": "256x256"})
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_run_status_and_rerun(server, tmp_path):
    requests = write_requests(tmp_path / "r.jsonl", 3)
    out = tmp_path / "out"
    done = cli(*jobs_run_argv(requests, out, server.url))
    assert done.returncode == 0, done.stderr
    assert "3 of 3 requests done" in done.stderr
    # not a terminal: one line per state change, no control codes
    assert "done c-0" in done.stderr and "\x1b" not in done.stderr and "\r" not in done.stderr
    assert API_KEY not in done.stdout + done.stderr
    status = cli("jobs", "status", str(out), "--json", check=True)
    summary = json.loads(status.stdout)
    assert (summary["done"], summary["total"], summary["images"]) == (3, 3, 3)
    assert summary["mode"] == "sync"
    again = cli(*jobs_run_argv(requests, out, server.url))
    assert again.returncode == 0
    assert sum(r.path == "/v1/images/generations" for r in server.requests) == 3
    text = cli("jobs", "status", str(out), check=True).stdout
    assert "3 of 3 requests done" in text


def test_failures_exit_1_with_the_summary(server, tmp_path):
    body = {
        "error": {"message": "no", "type": "invalid_request_error", "param": None, "code": None}
    }
    server.respond_with(400, body)
    requests = write_requests(tmp_path / "r.jsonl", 2)
    result = cli(*jobs_run_argv(requests, tmp_path / "o", server.url, "--concurrency", "1"))
    assert result.returncode == 1
    assert "failed: 1 (0 retriable)" in result.stderr


def test_a_bad_line_is_a_usage_error_naming_the_line(server, tmp_path):
    requests = tmp_path / "r.jsonl"
    requests.write_text('{"prompt": "ok"}\n{"prompt": "x", "n": 99}\n')
    result = cli(*jobs_run_argv(requests, tmp_path / "o", server.url))
    assert result.returncode == 2
    assert "r.jsonl line 2" in result.stderr and "n" in result.stderr
    assert server.requests == []


def test_status_of_a_directory_without_a_job(tmp_path):
    result = cli("jobs", "status", str(tmp_path))
    assert result.returncode == 1 and "no job" in result.stderr


def test_cancel_records_the_request(server, tmp_path):
    requests = write_requests(tmp_path / "r.jsonl", 1)
    out = tmp_path / "out"
    cli(*jobs_run_argv(requests, out, server.url), check=True)
    result = cli("jobs", "cancel", str(out))
    assert result.returncode == 0 and "asked the job" in result.stderr
    # a run after a cancel clears it and resumes as usual
    again = cli(*jobs_run_argv(requests, out, server.url))
    assert again.returncode == 0


def test_local_mode_needs_no_key(tmp_path):
    requests = write_requests(tmp_path / "r.jsonl", 2)
    result = cli("jobs", "run", str(requests), "-o", str(tmp_path / "o"), "--local")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "o").glob("c-*.png"))) == 2
