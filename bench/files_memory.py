"""Memory of big uploads and downloads: a 200 MB ``create_file`` and a 1 GB ``download_file_to``.

Runs the local server in a child process (so its buffers do not count), uploads a 200 MB
``.jsonl`` from disk and downloads a 1 GB file to disk, and prints this process's peak RSS
growth for each step.  Bounded memory means growth of a few MB, not of the file's size.
Not a test: run it by hand, once (``python bench/files_memory.py``); it writes ~1.2 GB
under a temporary directory and removes it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import openapiopenai

UPLOAD_BYTES = 200 * 1024 * 1024
DOWNLOAD_BYTES = 1024 * 1024 * 1024

_SERVER = textwrap.dedent(
    """
    import sys
    from openapiopenai.testing import ImagesServer

    chunk = bytes(1024 * 1024)
    with ImagesServer(max_body_size=300 * 1024 * 1024) as server:
        big = server.add_file((chunk for _ in range({mb})), "big.bin", "user_data")
        print(server.url, big, flush=True)
        sys.stdin.read()  # until the parent closes our stdin
    """
)


def peak_mb() -> float:
    """This process's peak RSS so far, in MB (ru_maxrss: KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak * (1 if sys.platform == "darwin" else 1024) / (1024 * 1024)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="files-memory-") as tmp:
        child = subprocess.Popen(
            [sys.executable, "-c", _SERVER.format(mb=DOWNLOAD_BYTES // (1024 * 1024))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            url, big_id = child.stdout.readline().split()
            upload = Path(tmp) / "requests.jsonl"
            with open(upload, "wb") as f:
                f.truncate(UPLOAD_BYTES)
            configuration = openapiopenai.Configuration(host=url, access_token="sk-bench")
            with openapiopenai.ApiClient(configuration) as client:
                files = openapiopenai.FilesApi(client)
                files.list_files()  # warm up: imports, the connection
                base = peak_mb()
                started = time.perf_counter()
                made = files.create_file(upload, "batch")
                up_s = time.perf_counter() - started
                after_upload = peak_mb()
                started = time.perf_counter()
                target = files.download_file_to(big_id, Path(tmp) / "big.bin")
                down_s = time.perf_counter() - started
                after_download = peak_mb()
            assert made.bytes == UPLOAD_BYTES and target.stat().st_size == DOWNLOAD_BYTES
        finally:
            if child.stdin is not None:
                child.stdin.close()
            child.wait(timeout=60)
    print(f"baseline peak RSS            {base:8.1f} MB")
    print(f"200 MB upload   ({up_s:5.1f} s)  peak growth {after_upload - base:8.1f} MB")
    print(f"1 GB download   ({down_s:5.1f} s)  peak growth {after_download - after_upload:8.1f} MB")


if __name__ == "__main__":
    os.environ.pop("OPENAI_BASE_URL", None)
    main()
