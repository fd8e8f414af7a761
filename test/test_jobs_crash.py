"""Crash-resume: a job process killed with SIGKILL at random moments, run again until done.

After every kill the job file must open and be consistent; at the end every request was
sent to the server at most once, is done (sent exactly once, images on disk) or unknown
(never sent again), and every image file on disk belongs to exactly one done request.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from openapiopenai._jobstore import JOB_FILE
from openapiopenai.testing import ImagesServer

from conftest import jobs_run_argv

KILLS = 20
REQUESTS = 60


def _requests_file(directory: Path) -> Path:
    path = directory / "requests.jsonl"
    lines = []
    for i in range(REQUESTS):
        line: dict[str, object] = {"prompt": f"crash otter {i}", "size": "256x256"}
        if i % 2:
            line["response_format"] = "b64_json"
        if i % 3 == 0:
            line["n"] = 2
        if i % 4:
            line["custom_id"] = f"otter-{i}"
        lines.append(json.dumps(line))
    path.write_text("\n".join(lines) + "\n")
    return path


def _run_job(server: ImagesServer, requests: Path, out: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openapiopenai",
            *jobs_run_argv(requests, out, server.url, "--concurrency", "3"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def _check_job_file(out: Path) -> dict[str, str]:
    with sqlite3.connect(out / JOB_FILE) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT id, state FROM requests").fetchall()
    return dict(rows)


def test_sigkill_at_random_moments_then_resume(tmp_path):
    seed = int(os.environ.get("CRASH_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    requests = _requests_file(tmp_path)
    out = tmp_path / "out"
    with ImagesServer() as server:
        server.delay(0.25, times=100_000)  # every call and download takes a while
        kills = runs = 0
        while runs < KILLS or (kills < KILLS and runs < 2 * KILLS):
            runs += 1
            process = _run_job(server, requests, out)
            time.sleep(rng.uniform(0.3, 1.4))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait(30)
            if (out / JOB_FILE).exists():
                states = _check_job_file(out)
                assert set(states.values()) <= {
                    "pending",
                    "in_flight",
                    "saving",
                    "done",
                    "unknown",
                }, f"seed {seed}"
        assert kills >= KILLS // 2, f"seed {seed}: {kills} kills in {runs} runs"
        for _ in range(5):  # runs to the end
            process = _run_job(server, requests, out)
            process.communicate(timeout=120)
            if process.returncode == 0:
                break
        states = _check_job_file(out)
        generation_calls = Counter(
            r.json["prompt"] for r in server.requests if r.path == "/v1/images/generations"
        )
    assert len(states) == REQUESTS, f"seed {seed}"
    assert set(states.values()) <= {"done", "unknown"}, f"seed {seed}: {Counter(states.values())}"
    assert all(count == 1 for count in generation_calls.values()), f"seed {seed}"
    with sqlite3.connect(out / JOB_FILE) as db:
        rows = db.execute("SELECT id, state, body, files FROM requests").fetchall()
    on_disk = sorted(p.name for p in out.iterdir() if p.suffix == ".png")
    recorded: list[str] = []
    for request_id, state, body, files in rows:
        prompt = json.loads(body)["prompt"]
        if state == "done":
            assert generation_calls[prompt] == 1, f"seed {seed}: {request_id}"
            names = json.loads(files)
            expected = json.loads(body).get("n", 1)
            assert len(names) == expected, f"seed {seed}: {request_id}"
            for name in names:
                assert (out / name).read_bytes().startswith(b"\x89PNG"), f"seed {seed}"
            recorded += names
        else:
            assert generation_calls[prompt] <= 1, f"seed {seed}: {request_id}"
    assert sorted(recorded) == on_disk, f"seed {seed}"
    assert len(set(recorded)) == len(recorded)
    assert "done" in states.values(), f"seed {seed}"


@pytest.mark.parametrize("moment", [0.0, 0.3])
def test_a_killed_job_leaves_no_lock(tmp_path, moment):
    requests = _requests_file(tmp_path)
    out = tmp_path / "out"
    with ImagesServer() as server:
        server.delay(0.2, times=10_000)
        process = _run_job(server, requests, out)
        time.sleep(0.6 + moment)
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        server.reset_faults()
        again = _run_job(server, requests, out)
        _, stderr = again.communicate(timeout=120)
    assert b"another process" not in stderr
    assert again.returncode in (0, 1), stderr.decode()
