"""The floor: what a caller would write with urllib3 alone, doing the work the user must.

``PoolManager`` + ``json.loads``; ``save`` also decodes every image (``base64.b64decode``)
and writes it to a file; ``stream`` reads the events with a lean parser (a ``bytearray``
buffer, split on blank lines, ``json.loads`` of each event's data); ``upload`` encodes its
body with ``urllib3.encode_multipart_formdata``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import urllib3

from _common import (
    API_KEY,
    LARGE_N,
    PROMPT,
    driver_args,
    random_png,
    request_kind,
    run_driver,
    run_sizes,
    save_dir,
    saved_bytes,
    stream_prompt,
)


def sse_events(response: urllib3.BaseHTTPResponse) -> list[dict[str, Any]]:
    """The lean SSE floor: events split on blank lines, each ``data`` parsed as JSON."""
    buf = bytearray()
    events: list[dict[str, Any]] = []
    searched = 0  # buf[:searched] holds no blank line
    for chunk in response.stream(65536):
        buf += chunk
        while True:
            end = buf.find(b"\n\n", searched)
            if end < 0:
                searched = max(0, len(buf) - 1)
                break
            block = bytes(buf[:end])
            del buf[: end + 2]
            searched = 0
            data = [ln[5:].lstrip(b" ") for ln in block.split(b"\n") if ln.startswith(b"data:")]
            if data:
                events.append(json.loads(b"\n".join(data)))
    response.release_conn()
    return events


def main() -> None:
    args = driver_args()
    threads = args.threads if args.workload == "threads" else 1
    pool = urllib3.PoolManager(maxsize=threads)
    auth = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    json_headers = {**auth, "Content-Type": "application/json"}
    host = args.host.rstrip("/")
    kind = request_kind(args.workload)

    def post_json(doc: dict[str, Any]) -> Any:
        body = json.dumps(doc).encode()
        r = pool.request("POST", host + "/images/generations", body=body, headers=json_headers)
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}")
        return json.loads(r.data)

    folder = save_dir(args)
    request: Callable[[], Any]
    if kind == "small":

        def request() -> Any:
            return post_json({"prompt": PROMPT, "n": 1, "response_format": "url"})

    elif args.workload == "large":

        def request() -> Any:
            return post_json({"prompt": PROMPT, "n": 10, "response_format": "b64_json"})

    elif args.workload == "save":

        def request() -> Any:
            result = post_json({"prompt": PROMPT, "n": 10, "response_format": "b64_json"})
            for i, image in enumerate(result["data"]):
                with open(os.path.join(folder, f"image-{i}.png"), "wb") as f:
                    f.write(base64.b64decode(image["b64_json"], validate=True))
            return result

    elif kind == "stream":

        def stream_call(mb: Any = None) -> Callable[[], Any]:
            doc = {"prompt": stream_prompt(mb or None), "model": "gpt-image-1", "stream": True}
            if not mb:
                doc["partial_images"] = 3
            body = json.dumps(doc).encode()
            headers = {**json_headers, "Accept": "text/event-stream"}

            def call() -> Any:
                r = pool.request(
                    "POST",
                    host + "/images/generations",
                    body=body,
                    headers=headers,
                    preload_content=False,
                )
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}")
                return sse_events(r)

            return call

        def check_events(events: Any) -> int:
            return sum(len(event["b64_json"]) for event in events)

        if args.workload == "stream-one":
            run_sizes("floor", args, stream_call, check_events, {"urllib3": urllib3.__version__})
            return
        run_driver("floor", args, stream_call(), check_events, {"urllib3": urllib3.__version__})
        return

    else:
        url = host + "/images/edits"
        image, mask = random_png(), random_png()

        def request() -> Any:
            body, ctype = urllib3.encode_multipart_formdata(
                {
                    "image": ("image.png", image, "image/png"),
                    "mask": ("mask.png", mask, "image/png"),
                    "prompt": PROMPT,
                    "response_format": "url",
                }
            )
            r = pool.request("POST", url, body=body, headers={**auth, "Content-Type": ctype})
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status}")
            return json.loads(r.data)

    def check(result: Any) -> int:
        if args.workload == "save":  # what is on disk (reading the strings is no user's step)
            return saved_bytes(folder, LARGE_N)
        key = "b64_json" if kind == "large" else "url"
        return sum(len(item[key]) for item in result["data"])

    run_driver("floor", args, request, check, {"urllib3": urllib3.__version__})


if __name__ == "__main__":
    main()
