"""The wheel and sdist, built from a copy of the repository and inspected as PyPI would."""

from __future__ import annotations

import email
import email.message
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "venv", ".tox", "node_modules", "build", "dist", "*.egg-info",
    "__pycache__", "*.pyc", ".*_cache", ".hypothesis", "demo-output", "notebook-output",
    "results",
)  # fmt: skip

#: A Markdown link or image whose target is not an absolute http(s) URL.
RELATIVE_LINK = re.compile(r"\]\((?!https?://)[^)]*\)")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``python -m build`` of a clean copy: the sdist, then the wheel built from it."""
    root = tmp_path_factory.mktemp("packaging")
    source = root / "src"
    shutil.copytree(REPO, source, ignore=IGNORED, symlinks=True)
    out = root / "dist"
    # No isolation: the build backend comes from this venv (the dev extra), not the network.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    yield out


def only(directory: Path, pattern: str) -> Path:
    (found,) = directory.glob(pattern)
    return found


def metadata(text: str) -> email.message.Message:
    return email.message_from_string(text)


def wheel_files(dist: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        return {name: wheel.read(name) for name in wheel.namelist()}


def sdist_files(dist: Path) -> dict[str, bytes]:
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        return {
            member.name.split("/", 1)[1]: sdist.extractfile(member).read()  # type: ignore[union-attr]
            for member in sdist.getmembers()
            if member.isfile()
        }


def test_the_license_text_is_in_the_repo_the_wheel_and_the_sdist(dist: Path) -> None:
    text = (REPO / "LICENSE").read_bytes()
    assert text.startswith(b"MIT License\n") and b"WITHOUT WARRANTY OF ANY KIND" in text
    wheel = wheel_files(dist)
    (licence,) = [name for name in wheel if name.endswith(".dist-info/licenses/LICENSE")]
    assert wheel[licence] == text
    assert sdist_files(dist)["LICENSE"] == text


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_metadata_names_the_license_and_absolute_project_urls(dist: Path, kind: str) -> None:
    if kind == "wheel":
        files = wheel_files(dist)
        (name,) = [n for n in files if n.endswith(".dist-info/METADATA")]
        meta = metadata(files[name].decode())
    else:
        meta = metadata(sdist_files(dist)["PKG-INFO"].decode())
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert set(urls) >= {"Documentation", "Source"}
    assert all(url.startswith("https://") for url in urls.values()), urls
    description = meta.get_payload()
    assert isinstance(description, str)
    assert description.startswith("# openapiopenai")
    assert "Quickstart" in description and "python -m openapiopenai demo" in description
    assert RELATIVE_LINK.findall(description) == []
    assert '<a id="' not in description
    assert "](https://github.com/stoplightio/prism)" in description  # absolute links stay


def test_the_readme_in_the_repo_keeps_its_relative_links() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/ImagesApi.md#create_image)" in readme


def test_the_sdist_leaves_the_tests_out_and_ships_the_docs(dist: Path) -> None:
    files = sdist_files(dist)
    assert not [name for name in files if name.startswith(("test/", "bench/", ".ci/"))]
    assert "docs/ImagesApi.md" in files
    assert "openapiopenai/py.typed" in files
    wheel = wheel_files(dist)
    assert not [name for name in wheel if not name.startswith("openapiopenai")]
    assert "openapiopenai/testing/pytest_plugin.py" in wheel


def test_twine_check_is_clean(dist: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout
