"""OPENAI_LOG and the CLI's conventions (stdin prompt, no control codes off a terminal, help)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import SCRIPT, TIMEOUT, cli_on_terminal, environment

from openapiopenai.testing import ImagesServer

from conftest import API_KEY

CALL = """
import openapiopenai
from openapiopenai.testing import ImagesServer

with ImagesServer() as server:
    configuration = openapiopenai.Configuration(host=server.url, access_token={key!r})
    with openapiopenai.ApiClient(configuration) as client:
        openapiopenai.ImagesApi(client).create_image(
            {{"prompt": "otter", "size": "256x256"}},
            _headers={{"X-Team-Token": "team-secret-1234"}},
        )
    print(server.url)
"""


@pytest.fixture(scope="module")
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_server(server: ImagesServer) -> None:
    server.clear_requests()
    server.reset_faults()


def python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )


def run_cli(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        env=environment(**env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def connect(server: ImagesServer) -> list[str]:
    return ["--base-url", server.url, "--api-key", API_KEY]


# --- OPENAI_LOG ------------------------------------------------------------------------


def test_openai_log_info_shows_each_request_line_on_stderr_never_the_key() -> None:
    done = python(CALL.format(key=API_KEY), OPENAI_LOG="info")
    url = done.stdout.strip()
    lines = [line for line in done.stderr.splitlines() if "HTTP Request" in line]
    assert len(lines) == 1, done.stderr
    assert f"HTTP Request: POST {url}/images/generations -> 200 request_id=req_" in lines[0]
    assert "INFO" in lines[0] and "openapiopenai" in lines[0]
    assert "Authorization" not in done.stderr  # headers only at debug
    assert API_KEY not in done.stderr


def test_openai_log_debug_adds_the_headers_with_credentials_redacted() -> None:
    done = python(CALL.format(key=API_KEY), OPENAI_LOG="DEBUG")
    assert "HTTP Request: POST" in done.stderr
    headers = [line for line in done.stderr.splitlines() if "headers {" in line]
    assert len(headers) == 1, done.stderr
    assert "'Authorization': '[redacted]'" in headers[0]
    assert "'Content-Type': 'application/json'" in headers[0]
    assert "'X-Team-Token': '[redacted]'" in headers[0]  # not a header known to be safe
    assert "team-secret-1234" not in done.stderr
    assert API_KEY not in done.stderr
    assert API_KEY[4:] not in done.stderr


@pytest.mark.parametrize("value", ["", "off", "warning"])
def test_without_openai_log_nothing_is_logged(value: str) -> None:
    done = python(CALL.format(key=API_KEY), OPENAI_LOG=value)
    assert done.stderr == ""


def test_import_alone_does_not_set_up_logging() -> None:
    # Importing is kept light: OPENAI_LOG is read when the first client is created.
    done = python(
        "import sys, openapiopenai\n"
        "print('openapiopenai._logs' in sys.modules, 'logging' in sys.modules)\n"
        "openapiopenai.ApiClient()\n"
        "import logging\n"
        "print(len(logging.getLogger('openapiopenai').handlers))",
        OPENAI_LOG="info",
    )
    assert done.stdout.split() == ["False", "False", "1"]


def test_the_cli_honours_openai_log_and_verbose(server: ImagesServer, tmp_path: Path) -> None:
    base = ["images", "generate", "otter", "--size", "256x256", "--json", *connect(server)]
    quiet = run_cli(*base, cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    for extra, env, headers in (
        (["-v"], {}, False),
        (["--verbose", "--verbose"], {}, True),
        ([], {"OPENAI_LOG": "info"}, False),
    ):
        done = run_cli(*base, *extra, cwd=tmp_path, **env)
        assert done.returncode == 0, done.stderr
        assert f"HTTP Request: POST {server.url}/images/generations -> 200" in done.stderr
        assert ("'Authorization': '[redacted]'" in done.stderr) is headers
        assert API_KEY not in done.stderr
        assert done.stdout.startswith("{")  # the log stays off stdout


# --- a prompt from stdin -----------------------------------------------------------------


def test_a_prompt_of_dash_is_read_from_stdin(
    server: ImagesServer, tmp_path: Path, png: bytes
) -> None:
    prompt = "a watercolor otter\nwearing a beret"
    done = run_cli(
        "images", "generate", "-", "--size", "256x256", *connect(server),
        cwd=tmp_path, stdin=prompt + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (tmp_path / "in.png").write_bytes(png)
    edit = run_cli(
        "images", "edit", "-", "--image", "in.png", "--model", "dall-e-2", *connect(server),
        cwd=tmp_path, stdin="add a hat",
    )  # fmt: skip
    assert edit.returncode == 0, edit.stderr
    first, second = [r for r in server.requests if r.method == "POST"]
    assert first.json["prompt"] == prompt
    assert second.fields["prompt"] == "add a hat"


def test_an_empty_stdin_prompt_is_a_usage_error(server: ImagesServer, tmp_path: Path) -> None:
    done = run_cli("images", "generate", "-", *connect(server), cwd=tmp_path, stdin=" \n")
    assert done.returncode == 2
    assert "prompt: - reads the prompt from stdin, which was empty" in done.stderr
    assert server.requests == []


# --- control codes ---------------------------------------------------------------------

CONTROL = re.compile(r"[\r\x1b]")


def test_progress_is_shown_when_both_outputs_are_terminals(
    server: ImagesServer, tmp_path: Path
) -> None:
    server.delay(0.5)
    status, _, terminal = cli_on_terminal(
        "images", "generate", "otter", *connect(server), cwd=tmp_path, env=environment()
    )
    assert status == 0
    assert "\x1b[K" in terminal and "elapsed" in terminal


@pytest.mark.parametrize(
    ("stdout_terminal", "env"),
    [
        (False, {"TERM": "xterm-256color"}),
        (True, {"TERM": "dumb"}),
        (True, {"TERM": "xterm-256color", "NO_COLOR": "1"}),
    ],
    ids=["stdout-piped", "term-dumb", "no-color"],
)
def test_no_control_codes_off_a_terminal_or_when_asked(
    server: ImagesServer, tmp_path: Path, stdout_terminal: bool, env: dict[str, str]
) -> None:
    server.delay(0.5)  # the progress line would be rewritten several times meanwhile
    status, stdout, terminal = cli_on_terminal(
        "images", "generate", "otter", *connect(server),
        cwd=tmp_path, env=environment(**env), stdout_terminal=stdout_terminal,
    )  # fmt: skip
    assert status == 0, terminal
    assert stdout.split() == ["image-0.png"]
    assert not CONTROL.search(terminal), repr(terminal)
    assert not CONTROL.search(stdout.replace("\n", "")), repr(stdout)


# --- help ------------------------------------------------------------------------------


def section(text: str, title: str) -> str:
    """The lines of one ``--help`` section (up to the next blank line)."""
    return text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0]


@pytest.mark.parametrize(
    "command",
    [
        ("images", "generate"),
        ("images", "edit"),
        ("images", "variation"),
        ("files", "list"),
        ("batches", "list"),
    ],
    ids=" ".join,
)
def test_help_groups_the_connection_options(command: tuple[str, str], tmp_path: Path) -> None:
    done = run_cli(*command, "--help", cwd=tmp_path, COLUMNS="200")
    assert done.returncode == 0
    connection = section(done.stdout, "connection")
    options = re.findall(r"^\s+(--[a-z-]+)", connection, re.MULTILINE)
    assert options == ["--base-url", "--local", "--api-key", "--timeout"]
    # "optional arguments" before Python 3.10
    general = "options" if "\noptions:\n" in done.stdout else "optional arguments"
    assert "--base-url" not in section(done.stdout, general)


@pytest.mark.parametrize(
    "order", [("--local", "--base-url", "http://x"), ("--base-url", "http://x", "--local")]
)
def test_base_url_and_local_exclude_each_other(order: tuple[str, ...], tmp_path: Path) -> None:
    done = run_cli("images", "generate", "otter", *order, cwd=tmp_path)
    assert done.returncode == 2
    assert re.search(r"argument --(local|base-url): not allowed with argument --", done.stderr)


def model_help(operation: str, tmp_path: Path) -> str:
    done = run_cli("images", operation, "--help", cwd=tmp_path, COLUMNS="200")
    (line,) = [line for line in done.stdout.splitlines() if line.strip().startswith("--model")]
    return line


def test_model_help_lists_only_the_models_each_endpoint_takes(tmp_path: Path) -> None:
    generate, edit, variation = (
        model_help(op, tmp_path) for op in ("generate", "edit", "variation")
    )
    assert "dall-e-3" in generate and "gpt-image-1" in generate
    assert "chatgpt-image-latest" not in generate
    assert "dall-e-3" not in edit and "dall-e-2" in edit and "chatgpt-image-latest" in edit
    assert re.search(r"--model MODEL\s+dall-e-2 \(", variation), variation
    assert "gpt-image" not in variation
