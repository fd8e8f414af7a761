"""The official ``openai`` SDK, for reference (run only where ``import openai`` works)."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openai

from _common import API_KEY, PROMPT, driver_args, random_png, run_driver


def main() -> None:
    args = driver_args()
    client = openai.OpenAI(base_url=args.host, api_key=API_KEY, max_retries=0)

    if args.workload in ("small", "large"):
        n, fmt = (1, "url") if args.workload == "small" else (10, "b64_json")

        def call() -> object:
            return client.images.generate(prompt=PROMPT, n=n, response_format=fmt)

    else:
        image, mask = random_png(), random_png()

        def call() -> object:
            return client.images.edit(
                image=("image.png", image, "image/png"),
                mask=("mask.png", mask, "image/png"),
                prompt=PROMPT,
                response_format="url",
            )

    def check(result: object) -> int:
        data = result.data  # type: ignore[attr-defined]
        if args.workload == "large":
            return sum(len(item.b64_json) for item in data)
        return sum(len(item.url) for item in data)

    with client:
        run_driver("openai", args, call, check, {"version": openai.__version__})


if __name__ == "__main__":
    main()
