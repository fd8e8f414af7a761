"""The ``openapiopenai`` console script, run end to end in a subprocess against local servers."""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import select
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Optional

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from openapiopenai._png import read_png_info
from openapiopenai.testing import ImagesServer, mask_api_key

from conftest import API_KEY, REPO, free_port, make_png

SCRIPT = Path(sysconfig.get_path("scripts")) / "openapiopenai"
TIMEOUT = 60


@pytest.fixture(scope="module")
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_server(server: ImagesServer) -> None:
    server.clear_requests()
    server.reset_faults()


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTEST_"))}
    env.update(extra)
    return env


def cli(
    *args: str,
    cwd: Path,
    env: Optional[dict[str, str]] = None,
    command: Sequence[str] = (str(SCRIPT),),
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        env=env if env is not None else environment(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,
        check=False,
    )


def cli_on_terminal(
    *args: str, cwd: Path, env: dict[str, str], stdout_terminal: bool = True
) -> tuple[int, str, str]:
    """Run with stderr (and stdout) on pseudo-terminals; returns (status, stdout, stderr).

    Progress is shown only when stdout is a terminal too, so by default both are.
    """
    master, slave = pty.openpty()
    out_master, out_slave = pty.openpty() if stdout_terminal else (-1, -1)
    proc = subprocess.Popen(
        [str(SCRIPT), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out_slave if stdout_terminal else subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    if stdout_terminal:
        os.close(out_slave)
    received = {master: b"", out_master: b""}
    open_fds = [fd for fd in (master, out_master) if fd >= 0]
    deadline = time.monotonic() + TIMEOUT
    try:
        while open_fds and time.monotonic() < deadline:
            ready, _, _ = select.select(open_fds, [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            for fd in ready:
                try:
                    data = os.read(fd, 65536)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                if not data:
                    open_fds.remove(fd)
                received[fd] += data
        if stdout_terminal:
            stdout = received[out_master].decode().replace("\r\n", "\n")
        else:
            assert proc.stdout is not None
            stdout = proc.stdout.read().decode()
        status = proc.wait(timeout=TIMEOUT)
    finally:
        os.close(master)
        if stdout_terminal:
            os.close(out_master)
        if proc.poll() is None:
            proc.kill()
    return status, stdout, received[master].decode("utf-8", "replace")


def connect(server: ImagesServer) -> list[str]:
    return ["--base-url", server.url, "--api-key", API_KEY]


# --- images generate -------------------------------------------------------------------------


def test_generate_saves_the_images_and_prints_their_paths(
    server: ImagesServer, tmp_path: Path
) -> None:
    result = cli(
        "images", "generate", "a sea otter", "-n", "2", "--size", "256x256", "-o", "out",
        *connect(server), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        str(Path("out") / "image-0.png"),
        str(Path("out") / "image-1.png"),
    ]
    for name in ("image-0.png", "image-1.png"):
        info = read_png_info((tmp_path / "out" / name).read_bytes())
        assert (info.width, info.height) == (256, 256)
    assert result.stderr == ""


def test_generate_sends_the_options_as_api_parameters(server: ImagesServer, tmp_path: Path) -> None:
    result = cli(
        "images", "generate", "a sea otter", "--model", "dall-e-3", "-n", "1",
        "--quality", "hd", "--style", "natural", "--size", "1024x1792",
        "--response-format", "b64_json", "--user", "user-42", *connect(server), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert server.requests[0].json == {
        "prompt": "a sea otter",
        "model": "dall-e-3",
        "n": 1,
        "quality": "hd",
        "style": "natural",
        "size": "1024x1792",
        "response_format": "b64_json",
        "user": "user-42",
    }
    info = read_png_info((tmp_path / "image-0.png").read_bytes())
    assert (info.width, info.height) == (1024, 1792)


def test_generate_sends_the_gpt_image_options(httpserver: HTTPServer, tmp_path: Path) -> None:
    body = {"created": 1, "data": [{"b64_json": base64.b64encode(make_png(8, 8)).decode()}]}
    httpserver.expect_request("/v1/images/generations").respond_with_json(body)
    result = cli(
        "images", "generate", "a sea otter", "--model", "gpt-image-1", "--quality", "low",
        "--output-format", "webp", "--output-compression", "50", "--moderation", "low",
        "--background", "opaque", "--size", "1536x1024", "--partial-images", "2",
        "--base-url", httpserver.url_for("/v1"), "--api-key", API_KEY, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sent = json.loads(httpserver.log[0][0].get_data())
    assert sent == {
        "prompt": "a sea otter",
        "model": "gpt-image-1",
        "quality": "low",
        "output_format": "webp",
        "output_compression": 50,
        "moderation": "low",
        "background": "opaque",
        "size": "1536x1024",
        "partial_images": 2,
    }


def test_json_prints_the_response_and_saves_nothing(server: ImagesServer, tmp_path: Path) -> None:
    result = cli("images", "generate", "otter", "--json", *connect(server), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert len(response["data"]) == 1 and response["data"][0]["url"].startswith(server.url)
    assert list(tmp_path.iterdir()) == []


def test_the_api_key_and_base_url_default_to_the_environment(
    server: ImagesServer, tmp_path: Path
) -> None:
    env = environment(OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=server.url)
    result = cli("images", "generate", "otter", "--size", "256x256", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert server.requests[0].headers["Authorization"] == f"Bearer {mask_api_key(API_KEY)}"
    assert (tmp_path / "image-0.png").is_file()


def test_local_runs_against_an_in_process_server_without_a_key(tmp_path: Path) -> None:
    result = cli("images", "generate", "otter", "--local", "--size", "512x512", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert read_png_info((tmp_path / "image-0.png").read_bytes()).width == 512


# --- images edit / variation -----------------------------------------------------------------


def test_edit_sends_the_image_the_mask_and_the_prompt(
    server: ImagesServer, tmp_path: Path, png: bytes
) -> None:
    (tmp_path / "otter.png").write_bytes(png)
    (tmp_path / "mask.png").write_bytes(png)
    result = cli(
        "images", "edit", "add a hat", "--image", "otter.png", "--mask", "mask.png",
        "--model", "dall-e-2", "-n", "2", "--size", "256x256", "--response-format", "b64_json",
        "--user", "u1", "-o", "edits", *connect(server), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = server.requests[0]
    assert record.path == "/v1/images/edits"
    assert record.files["image"].data == png and record.files["mask"].data == png
    assert record.fields == {
        "prompt": "add a hat",
        "model": "dall-e-2",
        "n": "2",
        "size": "256x256",
        "response_format": "b64_json",
        "user": "u1",
    }
    assert sorted(p.name for p in (tmp_path / "edits").iterdir()) == ["image-0.png", "image-1.png"]


def test_edit_takes_several_images_and_the_gpt_image_options(
    httpserver: HTTPServer, tmp_path: Path, png: bytes
) -> None:
    body = {"created": 1, "data": [{"b64_json": base64.b64encode(png).decode()}]}
    httpserver.expect_request("/v1/images/edits").respond_with_json(body)
    (tmp_path / "a.png").write_bytes(png)
    (tmp_path / "b.png").write_bytes(png)
    result = cli(
        "images", "edit", "combine", "--image", "a.png", "--image", "b.png",
        "--model", "gpt-image-1", "--input-fidelity", "high", "--background", "transparent",
        "--output-format", "webp", "--quality", "high", "--output-compression", "100",
        "--base-url", httpserver.url_for("/v1"), "--api-key", API_KEY, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    request = httpserver.log[0][0]
    assert [f.filename for f in request.files.getlist("image[]")] == ["a.png", "b.png"]
    assert request.form.to_dict() == {
        "prompt": "combine",
        "model": "gpt-image-1",
        "input_fidelity": "high",
        "background": "transparent",
        "output_format": "webp",
        "quality": "high",
        "output_compression": "100",
    }


def test_variation_writes_the_variations(server: ImagesServer, tmp_path: Path, png: bytes) -> None:
    (tmp_path / "otter.png").write_bytes(png)
    result = cli(
        "images", "variation", "otter.png", "-n", "3", "--size", "256x256", "--prefix", "var",
        *connect(server), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["var-0.png", "var-1.png", "var-2.png"]
    assert server.requests[0].path == "/v1/images/variations"


# --- exit statuses ---------------------------------------------------------------------------


def test_an_api_error_exits_1_with_its_one_line_message(
    server: ImagesServer, tmp_path: Path
) -> None:
    error = {"message": "Your request was rejected.", "type": "invalid_request_error"}
    server.respond_with(400, {"error": {**error, "param": None, "code": "rejected"}})
    result = cli("images", "generate", "otter", *connect(server), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("openapiopenai: error: 400 Bad Request: ")
    assert "Your request was rejected." in lines[0]
    assert result.stdout == ""


def test_a_connection_failure_exits_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = cli(
        "images", "generate", "otter", "--base-url", url, "--api-key", API_KEY, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "could not connect" in result.stderr


def test_a_usage_error_exits_2(tmp_path: Path) -> None:
    result = cli("images", "generate", "otter", "--response-format", "gif", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'gif'" in result.stderr


def test_a_parameter_the_api_would_reject_exits_2_before_sending(
    server: ImagesServer, tmp_path: Path
) -> None:
    result = cli(
        "images", "generate", "otter", "--model", "dall-e-3", "-n", "2", *connect(server),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "openapiopenai: error: n: dall-e-3 supports only n=1\n"
    assert server.requests == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-n", "0"), "n: Input should be greater than or equal to 1, got 0"),
        (
            ("--model", "gpt-image-1", "--output-compression", "101"),
            "output_compression: Input should be less than or equal to 100, got 101",
        ),
    ],
)
def test_an_out_of_range_number_exits_2_naming_it(
    server: ImagesServer, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = cli("images", "generate", "otter", *args, *connect(server), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"openapiopenai: error: {message}\n"
    assert server.requests == []


def test_a_missing_input_file_exits_2(server: ImagesServer, tmp_path: Path) -> None:
    result = cli("images", "variation", "nope.png", *connect(server), cwd=tmp_path)
    assert result.returncode == 2
    assert "nope.png" in result.stderr


# --- progress --------------------------------------------------------------------------------


def test_progress_stays_off_a_pipe(server: ImagesServer, tmp_path: Path) -> None:
    server.delay(0.5)
    result = cli("images", "generate", "otter", *connect(server), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""


def test_progress_shows_the_elapsed_time_on_a_terminal(
    server: ImagesServer, tmp_path: Path
) -> None:
    server.delay(0.5)
    status, stdout, terminal = cli_on_terminal(
        "images", "generate", "otter", "-n", "2", *connect(server), cwd=tmp_path, env=environment()
    )
    assert status == 0
    shown = [float(s) for s in re.findall(r"generating 2 images: (\d+\.\d)s elapsed", terminal)]
    assert len(shown) >= 2 and shown == sorted(shown), terminal  # rewritten as time passes
    assert max(shown) >= 0.3, terminal  # the server took 0.5 s
    assert terminal.endswith("\r\x1b[K")  # the line is cleared at the end
    assert "elapsed" not in stdout


def test_streaming_progress_counts_partial_images_and_saves_the_final_one(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    png = base64.b64encode(make_png(8, 8)).decode()

    def event(kind: str, **fields: object) -> bytes:
        payload = {"type": kind, "b64_json": png, "output_format": "png", **fields}
        return f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode()

    def stream(request: Request) -> Response:
        def events() -> Iterator[bytes]:
            yield event("image_generation.partial_image", partial_image_index=0)
            time.sleep(0.5)
            yield event("image_generation.completed")

        return Response(events(), content_type="text/event-stream")

    httpserver.expect_request("/v1/images/generations").respond_with_handler(stream)
    status, stdout, terminal = cli_on_terminal(
        "images", "generate", "otter", "--model", "gpt-image-1", "--partial-images", "1",
        "--stream", "--base-url", httpserver.url_for("/v1"), "--api-key", API_KEY,
        cwd=tmp_path, env=environment(),
    )  # fmt: skip
    assert status == 0, terminal
    assert "1 partial image received" in terminal
    assert stdout.split() == ["image-0.png"]
    assert read_png_info((tmp_path / "image-0.png").read_bytes()).width == 8
    assert json.loads(httpserver.log[0][0].get_data())["stream"] is True


def test_stream_saves_the_final_images_from_the_local_server(
    server: ImagesServer, tmp_path: Path
) -> None:
    result = cli(
        "images", "generate", "a city at night", "--model", "gpt-image-1", "-n", "2",
        "--size", "1024x1024", "--stream", "--partial-images", "2", "-o", "city",
        *connect(server), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(Path("city") / f"image-{i}.png") for i in range(2)]
    assert server.requests[0].json["stream"] is True
    for i in range(2):
        info = read_png_info((tmp_path / "city" / f"image-{i}.png").read_bytes())
        assert (info.width, info.height) == (1024, 1024)


def test_stream_json_prints_one_event_per_line(server: ImagesServer, tmp_path: Path) -> None:
    result = cli(
        "images", "generate", "a city", "--model", "gpt-image-1", "--size", "1024x1024",
        "--stream", "--partial-images", "1", "--json", *connect(server), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert list(tmp_path.iterdir()) == []


# --- python -m openapiopenai -----------------------------------------------------------------


def test_python_m_openapiopenai_runs_the_same_cli(tmp_path: Path) -> None:
    module = (sys.executable, "-m", "openapiopenai")
    result = cli("images", "generate", "otter", "--local", cwd=tmp_path, command=module)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["image-0.png"]
    usage = cli("--help", cwd=tmp_path, command=module)
    assert usage.returncode == 0
    assert usage.stdout.startswith("usage: python -m openapiopenai")
    assert "demo" in usage.stdout and "images" in usage.stdout


# --- docs/CLI.md -----------------------------------------------------------------------------


def _documented_commands() -> list[str]:
    text = (REPO / "docs" / "CLI.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```bash\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    return [line.strip() for line in lines if line.strip().startswith("openapiopenai ")]


def test_the_commands_in_the_cli_docs_run(tmp_path: Path, png: bytes) -> None:
    commands = _documented_commands()
    assert len(commands) >= 5
    for name in ("otter.png", "mask.png", "fox.png"):
        (tmp_path / name).write_bytes(png)
    (tmp_path / "requests.jsonl").write_text(
        '{"custom_id": "otter-1", "prompt": "an otter"}\n{"prompt": "a fox", "n": 2}\n'
    )
    with ImagesServer() as local:
        env = environment(OPENAI_BASE_URL=local.url, OPENAI_API_KEY=API_KEY)
        for command in commands:
            result = subprocess.run(
                command,
                shell=True,
                cwd=tmp_path,
                env={**env, "PATH": f"{SCRIPT.parent}{os.pathsep}{env.get('PATH', '')}"},
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
            assert result.returncode == 0, f"{command}\n{result.stderr}"
