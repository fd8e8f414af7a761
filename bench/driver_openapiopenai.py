"""``openapiopenai``, called as its README shows."""

from __future__ import annotations

import os
import sys
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import openapiopenai

from _common import API_KEY, PROMPT, driver_args, random_png, request_kind, run_driver, timed_call


def main() -> None:
    args = driver_args()
    config = openapiopenai.Configuration(host=args.host, access_token=API_KEY, retries=0)
    client = openapiopenai.ApiClient(config)
    api = openapiopenai.ImagesApi(client)
    Request = openapiopenai.CreateImageRequest

    kind = request_kind(args.workload)
    if kind in ("small", "large"):
        n, fmt = (1, "url") if kind == "small" else (10, "b64_json")

        def request() -> Any:
            return api.create_image(Request(prompt=PROMPT, n=n, response_format=fmt))

    else:
        image, mask = random_png(), random_png()

        def request() -> Any:
            return api.create_image_edit(image, PROMPT, mask=mask, response_format="url")

    call = timed_call(
        args.workload,
        request,
        images=lambda result: result.data,
        read=lambda image: image.b64_json,
        decode=lambda image: image.to_bytes(),
    )

    def check(result: Any) -> int:
        if kind == "large":
            return sum(len(item.b64_json) for item in result.data)
        return sum(len(item.url) for item in result.data)

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
