"""The floor: what a caller would write with urllib3 alone (PoolManager + json.loads).

``upload`` encodes its body with ``urllib3.encode_multipart_formdata``.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import urllib3

from _common import API_KEY, PROMPT, driver_args, random_png, request_kind, run_driver, timed_call


def main() -> None:
    args = driver_args()
    pool = urllib3.PoolManager()
    auth = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    json_headers = {**auth, "Content-Type": "application/json"}
    host = args.host.rstrip("/")

    kind = request_kind(args.workload)
    if kind in ("small", "large"):
        url = host + "/images/generations"
        n, fmt = (1, "url") if kind == "small" else (10, "b64_json")

        def request() -> Any:
            body = json.dumps({"prompt": PROMPT, "n": n, "response_format": fmt}).encode()
            r = pool.request("POST", url, body=body, headers=json_headers)
            if r.status != 200:
                raise RuntimeError(f"HTTP {r.status}")
            return json.loads(r.data)

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

    call = timed_call(
        args.workload,
        request,
        images=lambda result: result["data"],
        read=lambda image: image["b64_json"],  # json.loads built the strings already
        decode=lambda image: base64.b64decode(image["b64_json"], validate=True),
    )

    def check(result: Any) -> int:
        key = "b64_json" if kind == "large" else "url"
        return sum(len(item[key]) for item in result["data"])

    run_driver("floor", args, call, check, {"urllib3": urllib3.__version__})


if __name__ == "__main__":
    main()
