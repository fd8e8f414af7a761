"""The generated client's doc page: its three examples run unchanged against the local server.

Only the placeholder values are replaced by realistic ones (a prompt instead of an empty
request, PNG files instead of ``None``), and ``import os`` is added: the page's snippets
use ``os.environ`` without importing it.  The host comes from ``OPENAI_BASE_URL``, which
``Configuration()`` reads, so the snippets' own lines stay as written.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from openapiopenai.testing import ImagesServer

from conftest import API_KEY, SEED_DOC, make_png

REALISTIC = {
    "create_image_request = openapiopenai.CreateImageRequest() # CreateImageRequest | ": (
        "create_image_request = openapiopenai.CreateImageRequest("
        'prompt="A cute baby sea otter wearing a beret")'
    ),
    "image = None # bytearray": 'image = open("otter.png", "rb").read() # bytearray',
    "mask = None # bytearray": 'mask = open("mask.png", "rb").read() # bytearray',
    "prompt = 'prompt_example'": "prompt = 'A cute baby sea otter wearing a beret'",
}


def seed_examples() -> dict[str, str]:
    text = SEED_DOC.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    names = re.findall(r"^# \*\*(\w+)\*\*$", text, re.M)
    assert names == ["create_image", "create_image_edit", "create_image_variation"]
    return dict(zip(names, blocks))


def realistic(code: str) -> str:
    for placeholder, value in REALISTIC.items():
        code = code.replace(placeholder, value)
    return "import os\n" + code


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    # The seed examples were written against API 2.0.0, where edits default to dall-e-2.
    with ImagesServer(edit_default_model="dall-e-2") as s:
        yield s


@pytest.mark.parametrize(
    "operation", ["create_image", "create_image_edit", "create_image_variation"]
)
def test_seed_example_runs_unchanged(operation: str, server: ImagesServer, tmp_path: Path) -> None:
    (tmp_path / "otter.png").write_bytes(make_png(256, 256))
    (tmp_path / "mask.png").write_bytes(make_png(256, 256))
    code = realistic(seed_examples()[operation])
    assert "None # bytearray" not in code
    env = {"BEARER_TOKEN": API_KEY, "OPENAI_BASE_URL": server.url, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"The response of ImagesApi->{operation}:" in proc.stdout
    assert "Exception when calling" not in proc.stdout, proc.stdout
    assert "ImagesResponse(" in proc.stdout or "created=" in proc.stdout
    (request,) = server.requests
    assert request.status == 200
    if operation == "create_image":
        assert request.json == {"prompt": "A cute baby sea otter wearing a beret"}
    else:
        # model=CreateImageEditRequestModel() means "not set": it is not sent.
        assert "model" not in request.fields
        assert request.files["image"].content_type == "image/png"
