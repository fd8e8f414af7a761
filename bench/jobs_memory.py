"""Memory of a long image job: 2,000 requests of 1 MB images, saved as they arrive.

::

    python bench/jobs_memory.py [--requests 2000] [--concurrency 8]

A server in a child process answers every generation with one 1 MB image as
``b64_json`` (about 1.4 MB of JSON).  This process runs the job through
``openapiopenai.jobs.ImageJob`` and reports the growth of its peak resident memory over
the baseline measured once the client is built and one call made.  Target: under 64 MiB,
whatever the number of requests (responses are written to disk and dropped; nothing of
them is kept).  Prints one JSON line.
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
MIB_PER_BYTE = 1 / (1024 * 1024)


def _serve(port_queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(IMAGE_BYTES - 8)
    body = json.dumps(
        {"created": 1, "data": [{"b64_json": base64.b64encode(image).decode()}]}
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    import openapiopenai
    from openapiopenai.jobs import ImageJob, JobRequest

    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    port = queue.get(timeout=30)
    config = openapiopenai.Configuration(host=f"http://127.0.0.1:{port}/v1", access_token="sk-b")
    try:
        with openapiopenai.ApiClient(config) as client, tempfile.TemporaryDirectory() as root:
            warm_dir, out = Path(root) / "warm", Path(root) / "out"
            warm = [JobRequest.generate({"prompt": "warm up"}, "warm")]
            ImageJob(warm_dir, warm, api=client).run(concurrency=1)
            requests = (
                JobRequest.generate({"prompt": f"image {i}"}, f"img-{i}")
                for i in range(args.requests)
            )
            job = ImageJob(out, requests, api=client)
            started = time.monotonic()
            summaries = []
            growth = MIB_PER_BYTE * MemoryProbe().measure(
                lambda: summaries.append(job.run(concurrency=args.concurrency))
            )
            elapsed = time.monotonic() - started
            summary = summaries[0]
            written = sum(1 for _ in Path(out).glob("img-*.png"))
    finally:
        server.terminate()
    result = {
        "workload": "jobs-memory",
        "requests": args.requests,
        "images_written": written,
        "done": summary.done,
        "seconds": round(elapsed, 2),
        "peak_rss_growth_mib": round(growth, 1),
        "target_mib": TARGET_MIB,
        "verdict": "PASS" if growth < TARGET_MIB and written == args.requests else "FAIL",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
