"""Prism mock server harness for the contract tests.

``run_prism(spec)`` starts ``prism mock --errors`` (from ``test/contract/node_modules``) on a
free loopback port, waits until it listens, yields its base URL and stops it (with its
children) on exit. Prism is installed by ``npm ci --prefix test/contract``; a missing
install is an error, never a skip.

By default the spec is first rewritten into a temporary JSON file by
``test/contract/normalize-spec.js``: Prism 5.16 silently stops validating a request body
whose schema has ``nullable: true`` beside ``anyOf`` (the OpenAI ``model``/``size``
fields), so without the rewrite every body, however wrong, gets a 200. See that script.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

CONTRACT_DIR = Path(__file__).resolve().parent / "contract"
PRISM_BIN = CONTRACT_DIR / "node_modules" / ".bin" / "prism"
NORMALIZER = CONTRACT_DIR / "normalize-spec.js"
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
_PORT_ATTEMPTS = 3

__all__ = ["PrismError", "run_prism"]


class PrismError(RuntimeError):
    """Prism is not installed, or did not start."""


def _check_installed() -> str:
    node = shutil.which("node")
    if node is None:
        raise PrismError("Node.js (`node`) is not on PATH; the Prism contract tests need it.")
    if not PRISM_BIN.exists():
        raise PrismError(
            f"Prism is not installed ({PRISM_BIN} is missing): "
            "run `npm ci --prefix test/contract` from the repository root."
        )
    return node


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _normalized_spec(node: str, spec_path: Path, workdir: Path) -> Path:
    out = workdir / (spec_path.stem + ".normalized.json")
    proc = subprocess.run(
        [node, str(NORMALIZER), str(spec_path), str(out)],
        cwd=CONTRACT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode != 0:
        raise PrismError(
            f"normalize-spec.js failed on {spec_path} (exit {proc.returncode}):\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return out


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate Prism's whole process group: SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
    # Children may outlive the leader; the group id is the leader's pid.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=STOP_TIMEOUT)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _start(node: str, spec: Path, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start Prism on a free port; return the process and its base URL once it listens."""
    last_output = ""
    for _ in range(_PORT_ATTEMPTS):
        port = _free_port()
        banner = f"Prism is listening on http://127.0.0.1:{port}"
        env = dict(os.environ, FORCE_COLOR="0", NO_COLOR="1", SCARF_ANALYTICS="false")
        cmd = [
            node,
            str(PRISM_BIN),
            "mock",
            "--errors",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            str(spec),
        ]
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=CONTRACT_DIR,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            output = log_path.read_text(errors="replace")
            if proc.poll() is not None:
                last_output = output
                break
            if banner in output and _accepts(port):
                return proc, f"http://127.0.0.1:{port}"
            time.sleep(0.05)
        else:
            _stop(proc)
            raise PrismError(
                f"Prism did not accept connections on port {port} within "
                f"{STARTUP_TIMEOUT:.0f} s ({' '.join(cmd)}). Output:\n"
                + log_path.read_text(errors="replace")
            )
        _stop(proc)
        if "EADDRINUSE" not in last_output:
            break  # not a lost race for the port: retrying will not help
    raise PrismError(f"Prism exited during startup ({spec}). Output:\n{last_output}")


@contextlib.contextmanager
def run_prism(spec_path: Path, *, normalize: bool = True) -> Iterator[str]:
    """Serve ``spec_path`` with ``prism mock --errors``; yield e.g. ``http://127.0.0.1:4010``.

    ``normalize=False`` serves the spec exactly as written (Prism then validates no request
    body of an operation whose schema has ``nullable`` beside ``anyOf``).
    """
    node = _check_installed()
    spec_path = Path(spec_path).resolve()
    if not spec_path.is_file():
        raise PrismError(f"spec not found: {spec_path}")
    with tempfile.TemporaryDirectory(prefix="prism-") as tmp:
        workdir = Path(tmp)
        spec = _normalized_spec(node, spec_path, workdir) if normalize else spec_path
        proc, base_url = _start(node, spec, workdir / "prism.log")
        try:
            yield base_url
        finally:
            _stop(proc)
