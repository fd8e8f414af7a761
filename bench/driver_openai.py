"""The official ``openai`` SDK, for reference (run only where ``import openai`` works).

It runs the workloads in :data:`SUPPORTED`; ``save`` decodes with ``base64.b64decode``
and writes each file, as its docs show.
"""

from __future__ import annotations

import base64
import os
import sys
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openai

from _common import (
    API_KEY,
    LARGE_N,
    PROMPT,
    driver_args,
    random_png,
    request_kind,
    run_driver,
    save_dir,
    saved_bytes,
)

SUPPORTED = ("small", "large", "save", "upload", "threads")


def main() -> None:
    args = driver_args()
    if args.workload not in SUPPORTED:
        raise SystemExit(f"driver_openai: {args.workload} is not supported")
    client = openai.OpenAI(base_url=args.host, api_key=API_KEY, max_retries=0)
    kind = request_kind(args.workload)

    folder = save_dir(args)
    request: Callable[[], Any]
    if kind == "small":

        def request() -> Any:
            return client.images.generate(prompt=PROMPT, n=1, response_format="url")

    elif args.workload == "large":

        def request() -> Any:
            return client.images.generate(prompt=PROMPT, n=10, response_format="b64_json")

    elif args.workload == "save":

        def request() -> Any:
            result = client.images.generate(prompt=PROMPT, n=10, response_format="b64_json")
            for i, image in enumerate(result.data or []):
                with open(os.path.join(folder, f"image-{i}.png"), "wb") as f:
                    f.write(base64.b64decode(image.b64_json or "", validate=True))
            return result

    else:
        image, mask = random_png(), random_png()

        def request() -> Any:
            return client.images.edit(
                image=("image.png", image, "image/png"),
                mask=("mask.png", mask, "image/png"),
                prompt=PROMPT,
                response_format="url",
            )

    def check(result: Any) -> int:
        if args.workload == "save":  # what is on disk (reading the strings is no user's step)
            return saved_bytes(folder, LARGE_N)
        if kind == "large":
            return sum(len(item.b64_json) for item in result.data)
        return sum(len(item.url) for item in result.data)

    with client:
        run_driver("openai", args, request, check, {"version": openai.__version__})


if __name__ == "__main__":
    main()
