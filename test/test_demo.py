"""``python -m openapiopenai demo``: run as a reader would, in a fresh directory, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from openapiopenai._png import decode_png, read_png_info

from conftest import free_port

# (operation, size, n, file names) as the demo promises them.
EXPECTED = [
    ("generate (url)", "256x256", 2, ["generate-url-0.png", "generate-url-1.png"]),
    ("generate (b64_json)", "512x512", 1, ["generate-b64-0.png"]),
    ("edit (mask)", "256x256", 1, ["edit-0.png"]),
    ("variation", "256x256", 2, ["variation-0.png", "variation-1.png"]),
]


def run_demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A key and base URL in the environment must not matter: the demo uses its own server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        OPENAI_API_KEY="sk-real-key-must-not-be-used",
        OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
    )
    return subprocess.run(
        [sys.executable, "-m", "openapiopenai", "demo", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    cwd = tmp_path_factory.mktemp("demo")
    return cwd, run_demo(cwd)


def test_the_demo_succeeds_quietly(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, result = demo
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_the_demo_writes_valid_pngs_of_the_requested_sizes(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    cwd, _ = demo
    output = cwd / "demo-output"
    expected = {name: size for _, size, _, names in EXPECTED for name in names}
    assert sorted(p.name for p in output.iterdir()) == sorted(expected)
    for name, size in expected.items():
        data = (output / name).read_bytes()
        info = read_png_info(data)
        assert f"{info.width}x{info.height}" == size, name
        width, height, pixels = decode_png(data)
        assert (width, height) == (info.width, info.height)
        assert len(pixels) == width * height * 4


def test_the_edit_repaints_only_the_masked_disc(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    output = demo[0] / "demo-output"
    _, _, original = decode_png((output / "generate-url-0.png").read_bytes())
    width, _, edited = decode_png((output / "edit-0.png").read_bytes())

    def pixel(pixels: bytes, x: int, y: int) -> bytes:
        start = (y * width + x) * 4
        return pixels[start : start + 4]

    assert pixel(edited, 2, 2) == pixel(original, 2, 2)  # a corner: outside the disc
    assert pixel(edited, 128, 128) != pixel(original, 128, 128)  # the centre: repainted


def test_the_demo_prints_a_table_of_what_it_did(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    lines = demo[1].stdout.splitlines()
    assert lines[0].split() == ["operation", "size", "n", "elapsed", "ms", "file"]
    rows = [line for line in lines[2:] if line.strip()][: sum(len(e[3]) for e in EXPECTED)]
    row = 0
    for operation, size, n, names in EXPECTED:
        first = rows[row]
        assert first.startswith(operation)
        cells = first[len(operation) :].split()
        assert cells[0] == size and cells[1] == str(n) and cells[2].isdigit()
        for name in names:
            assert rows[row].endswith(str(Path("demo-output") / name))
            row += 1
    assert "no API key, no network" in lines[-1]


def test_the_output_option_chooses_the_directory(tmp_path: Path) -> None:
    result = run_demo(tmp_path, "--output", "elsewhere/images")
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "elsewhere" / "images").glob("*.png"))) == 6
    assert not (tmp_path / "demo-output").exists()
