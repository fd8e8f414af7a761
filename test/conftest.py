"""Shared fixtures: the spec files, PNG inputs, and clients pointed at loopback servers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

import openapiopenai
from openapiopenai._png import encode_png
from openapiopenai.testing import ImagesServer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SPEC_V2 = SHARED / "spec" / "openai-images-v2.0.0.yaml"
SPEC_LATEST = SHARED / "spec" / "openai-images-latest.yaml"
SEED_DOC = SHARED / "seed" / "ImagesApi.md"

API_KEY = "sk-test-0123456789abcdefSECRET"


def jobs_run_argv(requests: Path, out: Path, base_url: str, *extra: str) -> list[str]:
    """``openapiopenai jobs run`` of ``requests`` into ``out`` against ``base_url``."""
    command = ["jobs", "run", str(requests), "-o", str(out), "--base-url", base_url]
    return [*command, "--api-key", API_KEY, *extra]


def make_png(width: int = 64, height: int = 64, *, alpha: bool = True, hole: bool = True) -> bytes:
    """A small RGBA (or RGB) PNG; with ``hole`` the top-left quarter is fully transparent."""
    channels = 4 if alpha else 3
    row = bytearray()
    pixels = bytearray()
    for y in range(height):
        row = bytearray()
        for x in range(width):
            px = [(x * 7) % 256, (y * 5) % 256, 128]
            if alpha:
                px.append(0 if hole and x < width // 2 and y < height // 2 else 255)
            row += bytes(px)
        pixels += row
    return encode_png(width, height, bytes(pixels), color_type=6 if channels == 4 else 2)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and its key for 127.0.0.1, for loopback TLS servers."""
    from _sec_net_servers import self_signed_cert

    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def images() -> Iterator[ImagesServer]:
    """The local server on loopback, for one test."""
    with ImagesServer() as server:
        yield server


@pytest.fixture(scope="session")
def png() -> bytes:
    """A 64x64 RGBA PNG with a transparent area."""
    return make_png()


@pytest.fixture(scope="session")
def mask_png() -> bytes:
    """A 64x64 RGBA mask PNG."""
    return make_png(hole=True)


@pytest.fixture
def client_for() -> Iterator[Callable[..., openapiopenai.ApiClient]]:
    """Build ``ApiClient``s for a base URL; all are closed after the test."""
    clients: list[openapiopenai.ApiClient] = []

    def build(host: str, **config: object) -> openapiopenai.ApiClient:
        config.setdefault("access_token", API_KEY)
        client = openapiopenai.ApiClient(openapiopenai.Configuration(host=host, **config))  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver listens on IPv4 loopback only."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from a clean environment: no key, base URL, org, project or proxy.

    The shared defaults are built from the environment on first use, so each test starts
    without them too (one built by an earlier test would carry that test's environment).
    """
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    # A machine's proxy settings would send the loopback test servers' traffic to its proxy.
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setattr(openapiopenai.Configuration, "_default", None)
    monkeypatch.setattr(openapiopenai.ApiClient, "_default", None)
