"""The package's own loopback servers keep working on a machine with proxy variables set.

curl's reading of the variables does not bypass loopback, so the demo, ``--local`` and the
``images_api`` fixture build their clients with ``trust_env=False``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from openapiopenai import CreateImageRequest, ImagesApi

from _sec_net_servers import refused_port

NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def _proxied_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "OPENAI_"))}
    env.update(dict.fromkeys(NAMES, f"http://127.0.0.1:{refused_port()}"))
    return env


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in _proxied_environment().items():
        if name in NAMES:
            monkeypatch.setenv(name, value)


def test_the_images_api_fixture_ignores_the_proxy_variables(
    proxied: None, images_api: ImagesApi
) -> None:
    response = images_api.create_image(CreateImageRequest(prompt="p", size="256x256"))
    assert len(response.data) == 1


@pytest.mark.parametrize(
    "command",
    [
        ("images", "generate", "otter", "--local", "--size", "256x256"),
        ("demo",),
    ],
)
def test_local_servers_of_the_cli_ignore_the_proxy_variables(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "openapiopenai", *command],
        cwd=tmp_path,
        env=_proxied_environment(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.glob("**/*.png")), result.stdout
