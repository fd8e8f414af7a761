"""``openapiopenai``, called as its README shows."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openapiopenai

from _common import API_KEY, PROMPT, driver_args, random_png, run_driver


def main() -> None:
    args = driver_args()
    config = openapiopenai.Configuration(host=args.host, access_token=API_KEY, retries=0)
    client = openapiopenai.ApiClient(config)
    api = openapiopenai.ImagesApi(client)
    Request = openapiopenai.CreateImageRequest

    if args.workload in ("small", "large"):
        n, fmt = (1, "url") if args.workload == "small" else (10, "b64_json")

        def call() -> object:
            return api.create_image(Request(prompt=PROMPT, n=n, response_format=fmt))

    else:
        image, mask = random_png(), random_png()

        def call() -> object:
            return api.create_image_edit(image, PROMPT, mask=mask, response_format="url")

    def check(result: object) -> int:
        data = result.data  # type: ignore[attr-defined]
        if args.workload == "large":
            return sum(len(item.b64_json) for item in data)
        return sum(len(item.url) for item in data)

    with client:
        run_driver(
            "openapiopenai",
            args,
            call,
            check,
            {
                "version": getattr(openapiopenai, "__version__", "?"),
                "module": os.path.dirname(openapiopenai.__file__),
            },
        )


if __name__ == "__main__":
    main()
