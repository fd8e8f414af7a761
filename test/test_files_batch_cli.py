"""The ``files`` and ``batches`` commands, run in-process against the local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapiopenai import BatchRequestInput, CreateImageRequest
from openapiopenai.cli import main
from openapiopenai.testing import ImagesServer

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
    with ImagesServer(clock=clock) as images_server:
        yield images_server


def run(server: ImagesServer, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main([*args, "--base-url", server.url, "--api-key", API_KEY])
    out, err = capsys.readouterr()
    return code, out + err


def test_from_upload_to_saved_images(
    server: ImagesServer, clock: Clock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "requests.jsonl"
    requests.write_bytes(
        b"".join(
            BatchRequestInput.for_request(
                f"otter-{i}", CreateImageRequest(prompt=f"otter {i}", size="256x256")
            ).to_jsonl()
            for i in range(2)
        )
    )
    code, out = run(server, capsys, "files", "upload", str(requests))
    assert code == 0, out
    file_id = json.loads(out)["id"]
    code, out = run(server, capsys, "files", "list")
    assert code == 0 and out.startswith(f"{file_id}\tbatch\t") and "requests.jsonl" in out
    code, out = run(server, capsys, "files", "status", file_id)
    assert json.loads(out)["bytes"] == requests.stat().st_size
    code, out = run(
        server, capsys, "batches", "create", file_id, "--endpoint", "/v1/images/generations",
        "--metadata", "job=cli",
    )  # fmt: skip
    assert code == 0, out
    batch = json.loads(out)
    assert batch["status"] == "validating" and batch["metadata"] == {"job": "cli"}
    code, out = run(server, capsys, "batches", "list")
    assert out.split("\t")[:2] == [batch["id"], "validating"]
    code, out = run(server, capsys, "batches", "download", batch["id"], "-o", str(tmp_path))
    assert code == 2 and "still validating" in out
    clock.now += 10
    code, out = run(server, capsys, "batches", "status", batch["id"])
    done = json.loads(out)
    assert done["status"] == "completed" and done["request_counts"]["completed"] == 2
    code, out = run(server, capsys, "batches", "download", batch["id"], "-o", str(tmp_path / "o"))
    assert code == 0, out
    names = sorted(Path(line).name for line in out.splitlines())
    assert names == ["otter-0-0.png", "otter-1-0.png"]
    output = tmp_path / "o" / f"{batch['id']}_output.jsonl"
    assert output.is_file()
    code, out = run(
        server, capsys, "files", "download", done["output_file_id"], "-o", str(tmp_path / "x")
    )
    assert code == 0 and (tmp_path / "x").read_bytes() == output.read_bytes()
    code, out = run(server, capsys, "files", "delete", file_id)
    assert json.loads(out)["deleted"] is True


def test_create_from_a_jsonl_path_cancel_and_errors(
    server: ImagesServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requests = tmp_path / "one.jsonl"
    request = CreateImageRequest(prompt="otter", size="256x256")
    requests.write_bytes(BatchRequestInput.for_request("a", request).to_jsonl())
    code, out = run(
        server, capsys, "batches", "create", str(requests), "--endpoint", "/v1/images/generations"
    )
    assert code == 0, out
    batch_id = json.loads(out)["id"]
    code, out = run(server, capsys, "batches", "cancel", batch_id)
    assert code == 0 and json.loads(out)["status"] == "cancelling"
    code, out = run(server, capsys, "batches", "status", "batch_missing")
    assert code == 1 and "404" in out
    code, out = run(
        server, capsys, "batches", "create", "f", "--endpoint", "/v1/images/generations",
        "--metadata", "novalue",
    )  # fmt: skip
    assert code == 2 and "KEY=VALUE" in out
    code, out = run(server, capsys, "files", "upload", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "no such file" in out


def test_serve_takes_batch_timing_and_the_edit_default(tmp_path: Path) -> None:
    import os
    import re
    import subprocess
    import sys

    import openapiopenai
    from openapiopenai import BatchApi, FilesApi

    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo)}
    args = [sys.executable, "-m", "openapiopenai.testing", "serve", "--port", "0", "--quiet"]
    bad = subprocess.run(
        [*args, "--batch-seconds", "0", "-1", "0"], env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "negative" in bad.stderr
    process = subprocess.Popen(
        [*args, "--batch-seconds", "0", "0", "0", "--edit-default-model", "dall-e-2"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", process.stdout.readline())
        assert match
        configuration = openapiopenai.Configuration(host=match.group(1), access_token=API_KEY)
        with openapiopenai.ApiClient(configuration) as client:
            line = BatchRequestInput.for_request("a", CreateImageRequest(prompt="p"))
            file_id = FilesApi(client).create_file(("in.jsonl", line.to_jsonl()), "batch").id
            batch = BatchApi(client).create_batch(
                {
                    "input_file_id": file_id,
                    "endpoint": "/v1/images/generations",
                    "completion_window": "24h",
                }
            )
            assert BatchApi(client).retrieve_batch(batch.id).status == "completed"
            from conftest import make_png

            png = make_png(64, 64)
            edit = openapiopenai.ImagesApi(client).create_image_edit(png, "p", size="256x256")
            assert edit.usage is None  # dall-e-2 answered
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
