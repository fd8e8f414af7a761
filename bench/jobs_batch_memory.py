"""Memory of reading a large batch output: 1 GB of output lines, each image saved as it is read.

::

    python bench/jobs_batch_memory.py [--gigabytes 1.0]

A server in a child process serves one batch output file of about 1 GB: lines in the
``BatchRequestOutput`` format, each holding one 1 MB image as ``b64_json`` (about 1.4 MB a
line), generated as it is sent.  This process records those requests as in flight in a
job file and has the job's batch runner collect them: the file is downloaded to disk,
read line by line, and each line's image saved.  Reported: the growth of peak resident
memory over the baseline, beyond the largest line.  Target: under 64 MiB.  Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import MemoryProbe

IMAGE_BYTES = 1024 * 1024
TARGET_MIB = 64.0


def _line(index: int, b64: str) -> bytes:
    body = {"created": 1, "data": [{"b64_json": b64}]}
    line = {
        "id": f"batch_req_{index}",
        "custom_id": f"img-{index}",
        "response": {"status_code": 200, "request_id": f"req_{index}", "body": body},
        "error": None,
    }
    return json.dumps(line).encode() + b"\n"


def _serve(lines: int, port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(IMAGE_BYTES - 8)
    b64 = base64.b64encode(image).decode()
    size = sum(len(_line(i, b64)) for i in range(lines))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            for i in range(lines):
                self.wfile.write(_line(i, b64))

        def do_DELETE(self) -> None:
            body = b'{"id": "file-in", "object": "file", "deleted": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put((server.server_address[1], size, len(_line(0, b64))))
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gigabytes", type=float, default=1.0)
    args = parser.parse_args()

    import openapiopenai
    from openapiopenai._job_batch import BatchRunner
    from openapiopenai._jobstore import JobStore
    from openapiopenai.models.batch import Batch

    lines = max(1, int(args.gigabytes * 1e9 / 1.4e6))
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(lines, queue), daemon=True)
    server.start()
    port, size, line_bytes = queue.get(timeout=120)
    config = openapiopenai.Configuration(host=f"http://127.0.0.1:{port}/v1", access_token="sk-b")
    try:
        with openapiopenai.ApiClient(config) as client, tempfile.TemporaryDirectory() as root:
            out = Path(root)
            with JobStore(out) as store:
                body = {"prompt": "x"}
                store.add_requests((f"img-{i}", "generate", body) for i in range(lines))
                store.mark_many_in_flight([f"img-{i}" for i in range(lines)], "batch_1")
                store.add_batch("batch_1", "file-in", "completed")
                runner = BatchRunner(store, client, out, out, on_change=lambda *a: None)
                runner.work.mkdir(exist_ok=True)
                batch = Batch.model_validate(
                    {
                        "id": "batch_1",
                        "object": "batch",
                        "endpoint": "/v1/images/generations",
                        "input_file_id": "file-in",
                        "completion_window": "24h",
                        "status": "completed",
                        "output_file_id": "file-out",
                        "created_at": 1,
                    }
                )
                started = time.monotonic()
                growth = MemoryProbe().measure(
                    lambda: runner._collect("batch_1", "file-in", "completed", batch)
                ) / (1024 * 1024)
                elapsed = time.monotonic() - started
                done = store.counts()["done"]
            written = sum(1 for _ in out.glob("img-*.png"))
    finally:
        server.terminate()
    beyond = growth - line_bytes / (1024 * 1024)
    result = {
        "workload": "jobs-batch-output-memory",
        "output_bytes": size,
        "lines": lines,
        "largest_line_mib": round(line_bytes / (1024 * 1024), 2),
        "done": done,
        "images_written": written,
        "seconds": round(elapsed, 1),
        "peak_rss_growth_mib": round(growth, 1),
        "growth_beyond_largest_line_mib": round(beyond, 1),
        "target_mib": TARGET_MIB,
        "verdict": "PASS" if beyond < TARGET_MIB and written == lines else "FAIL",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
