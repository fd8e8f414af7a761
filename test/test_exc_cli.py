"""The CLI checks its output directory before paying, and saves before printing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapiopenai.testing import ImagesServer

from conftest import API_KEY

SCRIPT = Path(sysconfig.get_path("scripts")) / "openapiopenai"
TIMEOUT = 60


@pytest.fixture(scope="module")
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(server: ImagesServer) -> None:
    server.clear_requests()
    server.reset_faults()


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTEST_"))}


def command(server: ImagesServer, *args: str) -> list[str]:
    return [
        str(SCRIPT),
        "images",
        "generate",
        "an otter",
        "--size",
        "256x256",
        "--base-url",
        server.url,
        "--api-key",
        API_KEY,
        *args,
    ]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=environment(), capture_output=True, text=True, timeout=TIMEOUT
    )


@pytest.mark.parametrize("output", ["/proc/forbidden", "/proc/forbidden/deeper", "a-file/sub"])
def test_an_unwritable_output_directory_fails_before_the_request(
    server: ImagesServer, tmp_path: Path, output: str
) -> None:
    (tmp_path / "a-file").write_bytes(b"in the way")
    result = run(command(server, "-o", output), tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"openapiopenai: error: --output: cannot write images to {output!r}"
    )
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert server.requests == []  # nothing generated, nothing billed


def test_a_bad_prefix_fails_before_the_request(server: ImagesServer, tmp_path: Path) -> None:
    result = run(command(server, "-o", "out", "--prefix", "a/b"), tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("openapiopenai: error: prefix: must not contain a path")
    assert server.requests == [] and list(tmp_path.iterdir()) == []


def test_with_json_and_no_output_nothing_is_checked_or_saved(
    server: ImagesServer, tmp_path: Path
) -> None:
    result = run(command(server, "--json"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"][0]["url"].startswith(server.url)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_output_directory_is_made_and_removed_if_the_call_fails(
    server: ImagesServer, tmp_path: Path
) -> None:
    server.respond_with(400, {"error": {"message": "no", "type": "invalid_request_error"}})
    result = run(command(server, "-o", "new/deeper"), tmp_path)
    assert result.returncode == 1 and "400 Bad Request" in result.stderr
    assert list(tmp_path.iterdir()) == []
    result = run(command(server, "-o", "new/deeper"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["new/deeper/image-0.png"]
    assert [p.name for p in (tmp_path / "new" / "deeper").iterdir()] == ["image-0.png"]


def test_json_with_output_saves_first_then_prints_only_the_json(
    server: ImagesServer, tmp_path: Path
) -> None:
    result = run(command(server, "--json", "-o", "out", "-n", "2"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["data"]) == 2  # stdout is the JSON alone
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["image-0.png", "image-1.png"]


def test_a_closed_stdout_is_quiet_and_the_images_are_saved(
    server: ImagesServer, tmp_path: Path
) -> None:
    args = command(server, "--json", "-o", "out", "-n", "3", "--response-format", "b64_json")
    # The reader is gone before the CLI writes a byte: its write gets EPIPE.
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            args, cwd=tmp_path, env=environment(), stdout=write, stderr=subprocess.PIPE,
            text=True, timeout=TIMEOUT,
        )  # fmt: skip
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""  # no traceback, no "Exception ignored"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "image-0.png",
        "image-1.png",
        "image-2.png",
    ]


def test_json_into_head_saves_the_images(server: ImagesServer, tmp_path: Path) -> None:
    args = " ".join(
        f"'{a}'"
        for a in command(server, "--json", "-o", "out", "-n", "3", "--response-format", "b64_json")
    )
    result = subprocess.run(
        ["/bin/sh", "-c", f"{args} | head -c 20; echo \" status=$?\""],
        cwd=tmp_path, env=environment(), capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert result.stdout.startswith('{"created": ') or result.stdout.startswith('{"created":')
    assert len(result.stdout.split(" status=")[0]) == 20
    assert result.stderr == ""
    assert len(list((tmp_path / "out").iterdir())) == 3


def test_paths_into_a_closed_stdout_are_quiet(server: ImagesServer, tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            command(server, "-o", "out"), cwd=tmp_path, env=environment(), stdout=write,
            stderr=subprocess.PIPE, text=True, timeout=TIMEOUT,
        )  # fmt: skip
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["image-0.png"]


def test_stream_json_into_a_closed_stdout_still_saves(server: ImagesServer, tmp_path: Path) -> None:
    args = command(server, "--json", "-o", "out", "--stream", "--partial-images", "2")
    args[args.index("256x256")] = "1024x1024"
    args += ["--model", "gpt-image-1"]
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            args, cwd=tmp_path, env=environment(), stdout=write, stderr=subprocess.PIPE,
            text=True, timeout=TIMEOUT,
        )  # fmt: skip
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["image-0.png"]
    assert server.requests[0].json["stream"] is True


def test_python_m_is_the_same(server: ImagesServer, tmp_path: Path) -> None:
    args = command(server, "-o", "/proc/forbidden")
    result = run([sys.executable, "-m", "openapiopenai", *args[1:]], tmp_path)
    assert result.returncode == 1 and "--output: cannot write images" in result.stderr
    assert server.requests == []
