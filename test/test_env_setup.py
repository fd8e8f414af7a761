"""The README's two set-up commands, the script behind the second, and tox's interpreters."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

from conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    section = README.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", section, re.DOTALL)
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_sets_up_in_two_commands() -> None:
    install_and_demo, run_tests = setup_commands()
    assert "pip install -e ." in install_and_demo
    assert install_and_demo.endswith("python -m openapiopenai demo")
    assert run_tests == "bash test/run"
    script = (REPO / "test" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[dev]'" in script
    assert "npm ci --prefix test/contract" in script
    assert "python -m pytest" in script


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    _, run_tests = setup_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert run_tests in ci
    # Nothing else in CI installs the test dependencies or runs pytest on its own.
    assert not [line for line in ci if re.match(r"\s*(python -m )?pytest|npm ci", line)]


def test_the_script_names_what_is_missing_beside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "checkout"
    (repo / "test").mkdir(parents=True)
    shutil.copy(REPO / "test" / "run", repo / "test" / "run")
    (tmp_path / "shared" / "spec").mkdir(parents=True)
    (tmp_path / "shared" / "spec" / "openai-images-latest.yaml").write_text("openapi: 3.1.0\n")
    done = subprocess.run(
        ["bash", str(repo / "test" / "run")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "../shared/spec/openai-images-v2.0.0.yaml" in done.stderr
    assert "../shared/seed/ImagesApi.md" in done.stderr
    assert "openai-images-latest.yaml" not in done.stderr
    assert not (repo / ".venv").exists()  # it stopped before installing anything


def test_the_readme_says_what_shared_holds_and_which_node_prism_needs() -> None:
    section = README.split("\n## Run the tests\n", 1)[1].split("\n## ", 1)[0]
    for name in ("openai-images-v2.0.0.yaml", "openai-images-latest.yaml", "seed/ImagesApi.md"):
        assert name in section
    package = REPO / "test" / "contract" / "node_modules" / "@stoplight" / "prism-cli"
    declared = re.search(r'"node":\s*">=\s*([\d.]+)"', (package / "package.json").read_text())
    assert declared is not None
    assert f"Node.js >= {declared.group(1).rsplit('.0', 1)[0]}" in section


def test_tox_fails_on_a_missing_python_instead_of_skipping_it() -> None:
    tox = configparser.ConfigParser()
    tox.read(REPO / "tox.ini")
    assert tox["tox"]["skip_missing_interpreters"].strip() == "false"
    envs = [e.strip() for e in tox["tox"]["env_list"].split(",")]
    assert envs[:5] == ["py39", "py310", "py311", "py312", "py313"]
    assert tox["testenv:type-py39"]["base_python"].strip() == "python3.9"
