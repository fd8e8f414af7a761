"""The docs run: every ```python block in docs/*.md and README.md, against a local server.

Each block runs in a fresh interpreter, in a directory holding ``otter.png`` and
``mask.png``, with exactly the environment its page tells the reader to set: the
``export NAME=value ...`` commands the page shows (in a sentence or a ``bash`` block), no
other ``OPENAI_*`` variable.  The pages send the reader to the local test server on port
8080 (``python -m openapiopenai.testing serve --port 8080``); here an :class:`ImagesServer`
on a free port plays it, so ``http://127.0.0.1:8080`` in a stated value becomes that
server's address.  A ``text output`` fence right after a block shows what the block
prints: it is compared line by line with the output (``...`` stands for any text).
Blocks that are not meant to run must be fenced as ``bash``, ``text`` or similar, never
left unlabelled.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional

import pytest

import openapiopenai
from openapiopenai._png import encode_png
from openapiopenai.testing import ImagesServer

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
PACKAGE_ROOT = Path(openapiopenai.__file__).resolve().parent.parent
FAILURE_MARK = "Exception when calling"
BLOCK_TIMEOUT = 90

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")


def _markdown_files() -> list[Path]:
    files = sorted(DOCS.glob("*.md"))
    readme = REPO / "README.md"
    return [*files, readme] if readme.is_file() else files


def _fenced_blocks(path: Path) -> Iterator[tuple[int, str, str]]:
    """``(line, info string, code)`` for every fenced block of ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if (
                closing is not None
                and closing["fence"].startswith(fence)
                and not closing["info"].strip()
            ):
                break
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
            j += 1
        yield i + 1, opening["info"].strip(), "\n".join(body) + "\n"
        i = j + 1


OUTPUT_FENCE = "text output"


def _python_blocks_with_output() -> list[tuple[str, int, int, str, Optional[str]]]:
    """``(page, index, line, code, shown output or None)`` for every python block."""
    found = []
    for path in _markdown_files():
        rel = path.relative_to(REPO).as_posix()
        blocks = list(_fenced_blocks(path))
        index = 0
        for position, (line, info, code) in enumerate(blocks):
            if info.split(maxsplit=1)[:1] != ["python"]:
                continue
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            shown = following[2] if following and following[1] == OUTPUT_FENCE else None
            found.append((rel, index, line, code, shown))
            index += 1
    return found


def _python_blocks() -> list[Any]:
    return [
        pytest.param(rel, index, line, code, id=f"{rel}[{index}]")
        for rel, index, line, code, _ in _python_blocks_with_output()
    ]


def _shown_output(path: str, index: int) -> Optional[str]:
    for rel, i, _, _, shown in _python_blocks_with_output():
        if (rel, i) == (path, index):
            return shown
    return None


# `export NAME=value [NAME=value ...]`, in a sentence's code span or a bash block.
_EXPORT = re.compile(r"\bexport((?:[ \t]+[A-Za-z_][A-Za-z0-9_]*=[^\s`]*)+)")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=([^\s`]*)")
LOCAL_SERVER = "http://127.0.0.1:8080"


def stated_environment(page: str) -> dict[str, str]:
    """The variables ``page`` tells the reader to export, as written there."""
    text = (REPO / page).read_text(encoding="utf-8")
    stated: dict[str, str] = {}
    for export in _EXPORT.finditer(text):
        for name, value in _ASSIGNMENT.findall(export.group(1)):
            stated[name] = value.strip("\"'")
    return stated


def _matches(shown: str, printed: str) -> bool:
    """Whether ``printed`` is what ``shown`` shows, ``...`` standing for any text."""
    want, got = shown.rstrip("\n").splitlines(), printed.rstrip("\n").splitlines()
    return len(want) == len(got) and all(
        re.fullmatch(".*".join(map(re.escape, w.split("..."))), g) is not None
        for w, g in zip(want, got)
    )


def _square_png(size: int, *, hole: bool) -> bytes:
    """An RGBA PNG; with ``hole`` the top-left quarter is fully transparent."""
    pixels = bytearray()
    for y in range(size):
        for x in range(size):
            alpha = 0 if hole and x < size // 2 and y < size // 2 else 255
            pixels += bytes(((x * 4) % 256, (y * 4) % 256, 160, alpha))
    return encode_png(size, size, bytes(pixels))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory with the files the examples open."""
    (tmp_path / "otter.png").write_bytes(_square_png(64, hole=True))
    (tmp_path / "mask.png").write_bytes(_square_png(64, hole=True))
    return tmp_path


@pytest.fixture
def server() -> Iterator[ImagesServer]:
    with ImagesServer() as images_server:
        yield images_server


def _environment(page: str, server: ImagesServer) -> dict[str, str]:
    """The machine's environment without the client's variables, plus what ``page`` states.

    The machine's proxy variables are left out too: the examples talk to loopback.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("OPENAI_", "AZURE_", "PYTEST_"))
        and k.upper() not in ("BEARER_TOKEN", "PYTHONPATH")
        and k.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    }
    for name, value in stated_environment(page).items():
        env[name] = value.replace(LOCAL_SERVER, server.origin)
    env.update(
        # The examples import the same openapiopenai as this test (source tree or wheel).
        PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
        PYTHONIOENCODING="utf-8",
    )
    return env


@pytest.mark.parametrize(("path", "index", "line", "code"), _python_blocks())
def test_python_block_runs(
    path: str, index: int, line: int, code: str, workdir: Path, server: ImagesServer
) -> None:
    script = workdir / "example.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=workdir,
        env=_environment(path, server),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=BLOCK_TIMEOUT,
        check=False,
    )
    where = f"{path} block {index} (line {line})"
    report = f"{where}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    assert result.returncode == 0, report
    assert "Traceback (most recent call last)" not in result.stderr, report
    if FAILURE_MARK in code:
        assert FAILURE_MARK not in result.stdout, report
    shown = _shown_output(path, index)
    if shown is not None:
        assert _matches(shown, result.stdout), f"the page shows:\n{shown}\n{report}"


# os.environ.get("X") and os.environ["X"], not an assignment os.environ["X"] = ...
_READ = re.compile(
    r"""os\.environ(?:\.get\(\s*["'](\w+)["']|\[\s*["'](\w+)["']\s*\](?!\s*=[^=]))"""
)


@pytest.mark.parametrize(("path", "index", "line", "code"), _python_blocks())
def test_blocks_read_only_variables_their_page_tells_the_reader_to_set(
    path: str, index: int, line: int, code: str
) -> None:
    stated = stated_environment(path)
    read = {name for pair in _READ.findall(code) for name in pair if name}
    unstated = sorted(read - set(stated))
    assert not unstated, (
        f"{path} block {index} (line {line}) reads {unstated}, which the page never says "
        f"to set (it states {sorted(stated)})"
    )


def test_docs_have_python_examples() -> None:
    assert _python_blocks(), "no ```python block found under docs/"


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_every_fence_names_its_language(path: Path) -> None:
    """Unlabelled or ``py`` fences would silently escape this test: label them."""
    for line, info, _ in _fenced_blocks(path):
        language = info.split(maxsplit=1)[0] if info else ""
        assert language, f"{path.name}:{line}: give the fence a language (python, bash, text)"
        assert language not in ("py", "python3", "pycon"), (
            f"{path.name}:{line}: use ```python so the block is run"
        )


# --- the examples type-check as a reader's strict checker sees them ---------------------


def _blocks_as_modules(directory: Path) -> dict[str, str]:
    """Write every block to ``directory`` as a module of its own: file name -> where from."""
    where: dict[str, str] = {}
    for param in _python_blocks():
        path, index, line, code = param.values
        name = re.sub(r"\W", "_", path) + f"_{index}.py"
        (directory / name).write_text(code, encoding="utf-8")
        where[name] = f"{path} block {index} (line {line})"
    return where


def _checker_environment() -> dict[str, str]:
    """The package as the examples import it.

    From a source tree (an editable install, whose import hook static checkers do not
    follow) its directory is named explicitly; an installed wheel is found as any package.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    # pyright asks the first `python` on PATH for its packages (--verifytypes ignores
    # --pythonpath): make that this interpreter, activated or not.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    if (PACKAGE_ROOT / "pyproject.toml").is_file():
        env["MYPYPATH"] = env["PYTHONPATH"] = str(PACKAGE_ROOT)
    return env


def test_python_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    where = _blocks_as_modules(tmp_path)
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")  # no project config
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file=mypy.ini",
            "--follow-imports=silent",  # errors of the examples only
            f"--cache-dir={tmp_path / '.mypy_cache'}",
            *sorted(where),
        ],
        cwd=tmp_path,
        env=_checker_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    errors = [
        f"{where.get(line.split(':', 1)[0], '?')}: {line}"
        for line in result.stdout.splitlines()
        if ": error:" in line
    ]
    assert not errors, "\n".join(errors)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"no issues found in {len(where)} source files" in result.stdout


def _pyright() -> list[str]:
    """How to run pyright: the ``pyright`` dev dependency (its wheel bundles the checker
    and runs it on the machine's Node.js)."""
    if shutil.which("node") is None:
        pytest.fail("pyright needs Node.js (also needed by the contract tests' Prism)")
    return [sys.executable, "-m", "pyright"]


def run_pyright(args: list[str], cwd: Path) -> dict[str, Any]:
    """Run pyright with ``--outputjson`` in ``cwd`` and return its report."""
    result = subprocess.run(
        # This interpreter's packages, whatever `python` is first on PATH.
        [*_pyright(), "--outputjson", "--pythonpath", sys.executable, *args],
        cwd=cwd,
        env=_checker_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"pyright gave no JSON report:\n{result.stdout}\n{result.stderr}")
    return report


def test_python_blocks_pass_pyright_strict(tmp_path: Path) -> None:
    where = _blocks_as_modules(tmp_path)
    (tmp_path / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.9"}), encoding="utf-8"
    )
    report = run_pyright(sorted(where), tmp_path)
    errors = [
        f"{where.get(Path(d['file']).name, d['file'])}:{d['range']['start']['line'] + 1}: "
        f"{d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    assert not errors, "\n".join(errors)
    assert report["summary"]["filesAnalyzed"] == len(where)


# --- drift between the pages and the code -------------------------------------------------

_MODEL_PAGES = {
    "CreateImageRequest.md": "openapiopenai.models.create_image_request:CreateImageRequest",
    "ImagesResponse.md": "openapiopenai.models.images_response:ImagesResponse",
    "Image.md": "openapiopenai.models.image:Image",
    "ImageGenUsage.md": "openapiopenai.models.image_gen_usage:ImageGenUsage",
    "ImageGenInputUsageDetails.md": (
        "openapiopenai.models.image_gen_input_usage_details:ImageGenInputUsageDetails"
    ),
    "ImageGenOutputTokensDetails.md": (
        "openapiopenai.models.image_gen_output_tokens_details:ImageGenOutputTokensDetails"
    ),
    "Error.md": "openapiopenai.models.error:Error",
    "ErrorResponse.md": "openapiopenai.models.error_response:ErrorResponse",
    "ImageStreamEvent.md": "openapiopenai.models.image_stream_event:ImageStreamEvent",
    "ImageGenPartialImageEvent.md": (
        "openapiopenai.models.image_gen_partial_image_event:ImageGenPartialImageEvent"
    ),
    "ImageGenCompletedEvent.md": (
        "openapiopenai.models.image_gen_completed_event:ImageGenCompletedEvent"
    ),
    "ImageEditPartialImageEvent.md": (
        "openapiopenai.models.image_edit_partial_image_event:ImageEditPartialImageEvent"
    ),
    "ImageEditCompletedEvent.md": (
        "openapiopenai.models.image_edit_completed_event:ImageEditCompletedEvent"
    ),
}

_TABLE_NAME = re.compile(r"^\s*\*\*(?P<name>\w+)\*\*\s*\|", re.MULTILINE)


def _load(target: str) -> type:
    module, _, name = target.partition(":")
    cls: type = getattr(__import__(module, fromlist=[name]), name)
    return cls


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.MULTILINE | re.DOTALL)
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(heading + "\n")
    rest = text[start + len(heading) + 1 :]
    stop = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: stop.start()] if stop else rest


@pytest.mark.parametrize(("page", "target"), sorted(_MODEL_PAGES.items()))
def test_model_page_lists_every_field(page: str, target: str) -> None:
    cls = _load(target)
    table = _section((DOCS / page).read_text(encoding="utf-8"), "## Properties")
    documented = set(_TABLE_NAME.findall(table))
    fields = set(cls.model_fields)  # type: ignore[attr-defined]
    assert documented == fields, (
        f"{page}: documented {sorted(documented)}, model has {sorted(fields)}"
    )


def test_images_api_page_documents_every_method_and_parameter() -> None:
    from openapiopenai import ImagesApi

    text = (DOCS / "ImagesApi.md").read_text(encoding="utf-8")
    methods = [name for name in vars(ImagesApi) if not name.startswith("_")]
    for name in methods:
        assert f"**{name}**" in text, f"ImagesApi.md does not mention {name}"
    for name in ("create_image", "create_image_edit", "create_image_variation"):
        section = _section(text, f"# **{name}**")
        params = _section(section, "### Parameters")
        documented = set(_TABLE_NAME.findall(params))
        signature = inspect.signature(getattr(ImagesApi(_NoClient()), name))  # type: ignore[arg-type]
        expected = {p for p in signature.parameters if not p.startswith("_")}
        assert documented == expected, f"{name}: documented {sorted(documented)}"
        # The per-call options (in the signature, as generated) have their own section.
        options = set(_TABLE_NAME.findall(_section(text, "# Per-call options")))
        assert {p for p in signature.parameters if p.startswith("_")} == options


class _NoClient:
    """Stands in for an ApiClient: signatures are read without opening a pool."""

    configuration = None
