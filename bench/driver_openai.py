"""The official ``openai`` SDK, for reference (run only where ``import openai`` works)."""

from __future__ import annotations

import base64
import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openai

from _common import API_KEY, PROMPT, driver_args, random_png, request_kind, run_driver, timed_call


def main() -> None:
    args = driver_args()
    client = openai.OpenAI(base_url=args.host, api_key=API_KEY, max_retries=0)

    kind = request_kind(args.workload)
    if kind in ("small", "large"):
        n, fmt = (1, "url") if kind == "small" else (10, "b64_json")

        def request() -> Any:
            return client.images.generate(prompt=PROMPT, n=n, response_format=fmt)

    else:
        image, mask = random_png(), random_png()

        def request() -> Any:
            return client.images.edit(
                image=("image.png", image, "image/png"),
                mask=("mask.png", mask, "image/png"),
                prompt=PROMPT,
                response_format="url",
            )

    call = timed_call(
        args.workload,
        request,
        images=lambda result: result.data,
        read=lambda image: image.b64_json,
        decode=lambda image: base64.b64decode(image.b64_json, validate=True),
    )

    def check(result: Any) -> int:
        if kind == "large":
            return sum(len(item.b64_json) for item in result.data)
        return sum(len(item.url) for item in result.data)

    with client:
        run_driver("openai", args, call, check, {"version": openai.__version__})


if __name__ == "__main__":
    main()
