"""``python -m openapiopenai.testing serve``: run the local Images API until Ctrl-C.

It serves the Files and Batch APIs too; ``--batch-seconds`` sets how long batch phases last.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m openapiopenai.testing",
        description=(
            "A local OpenAI Images API (v2.0.0 and latest contracts, PNG output only)"
            " for tests and manual experiments."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the API until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port, 0 for any (default: 8080)")
    serve.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this bearer key (repeatable; default: any key)",
    )
    serve.add_argument(
        "--url-ttl", type=float, default=3600.0, help="image URL lifetime in seconds"
    )
    serve.add_argument(
        "--stream-interval",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="pause between the events of streamed responses (default: 0)",
    )
    serve.add_argument(
        "--batch-seconds",
        type=float,
        nargs=3,
        metavar=("VALIDATING", "IN_PROGRESS", "FINALIZING"),
        help="how long each batch phase lasts (default: 1 2 1)",
    )
    serve.add_argument(
        "--edit-default-model",
        default="gpt-image-1.5",
        help="model of an edit that names none (default: gpt-image-1.5; API 2.0.0: dall-e-2)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log requests")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    from openapiopenai.testing._server import ImagesServer

    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.stream_interval < 0:
        print("--stream-interval cannot be negative", file=sys.stderr)
        return 2
    if args.batch_seconds is not None and min(args.batch_seconds) < 0:
        print("--batch-seconds cannot be negative", file=sys.stderr)
        return 2
    server = ImagesServer(
        args.host,
        args.port,
        api_keys=args.api_keys,
        url_ttl=args.url_ttl,
        stream_interval=args.stream_interval,
        edit_default_model=args.edit_default_model,
    )
    if args.batch_seconds is not None:
        from openapiopenai.testing._batches import BatchTiming

        validating, in_progress, finalizing = args.batch_seconds
        server.batch_timing = BatchTiming(validating, in_progress, finalizing)
    try:
        server.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stopped = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    print(f"Serving the OpenAI Images API at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        while not stopped.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
