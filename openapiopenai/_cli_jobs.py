"""``openapiopenai jobs run|status|cancel``: resumable image jobs from the command line.

::

    openapiopenai jobs run requests.jsonl -o out/ [--mode sync|batch] [--concurrency N]
    openapiopenai jobs status out/ [--json]
    openapiopenai jobs cancel out/

``run`` again with the same arguments resumes.  Exit status: 0 when every request is
done, 1 when some failed or are unknown (the summary says which), 2 for a usage error
(a bad request line included), 130 when interrupted (run again to resume).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

__all__ = ["add_jobs_parser"]


def add_jobs_parser(
    commands: Any,
    connection: argparse.ArgumentParser,
    configuration: Callable[[argparse.Namespace], Any],
) -> None:
    """Add ``jobs`` to ``commands`` (``connection``: the parent parser of connection options;
    ``configuration(args)``: the context manager that yields the client configuration)."""
    jobs = commands.add_parser("jobs", help="resumable image jobs: many requests, saved to disk")
    actions = jobs.add_subparsers(dest="action", required=True, metavar="ACTION")

    run = actions.add_parser(
        "run",
        parents=[connection],
        help="run (or resume) the requests of a JSON-lines file",
        description="Run the requests of REQUESTS (one JSON request per line, with an "
        "optional custom_id) and save their images in DIR. The same command again resumes.",
    )
    run.add_argument("requests", metavar="REQUESTS.jsonl", help="one JSON request per line")
    run.add_argument("-o", "--output", required=True, metavar="DIR", help="the job directory")
    run.add_argument(
        "--mode",
        choices=["sync", "batch"],
        help="sync: call the API directly (default); batch: the Batch API, half price, 24 h",
    )
    run.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="requests in flight (sync mode)"
    )
    run.add_argument(
        "--resend-unknown",
        action="store_true",
        help="also send requests whose outcome is unknown (they may be billed twice)",
    )
    run.add_argument(
        "--poll-interval",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="batch mode: the longest wait between polls (default: 30)",
    )
    run.set_defaults(run=lambda args: _run(args, configuration))

    status = actions.add_parser("status", help="counts of done, failed, pending, ... requests")
    status.add_argument("directory", metavar="DIR")
    status.add_argument("--json", action="store_true", help="print the summary as JSON")
    status.set_defaults(run=_status)

    cancel = actions.add_parser(
        "cancel", help="stop the job running in DIR (it records what is in flight)"
    )
    cancel.add_argument("directory", metavar="DIR")
    cancel.set_defaults(run=_cancel)


def _run(args: argparse.Namespace, configuration: Callable[[argparse.Namespace], Any]) -> int:
    from openapiopenai.api_client import ApiClient
    from openapiopenai.jobs import ImageJob

    with configuration(args) as config, ApiClient(config) as client:
        job = ImageJob(args.output, args.requests, api=client)
        try:
            summary = job.run(
                mode=args.mode,
                concurrency=args.concurrency,
                resend_unknown=args.resend_unknown,
                poll_interval=args.poll_interval,
                progress=True,
            )
        except KeyboardInterrupt:
            print(ImageJob(args.output).status(), file=sys.stderr)
            raise
    print(summary, file=sys.stderr)
    if summary.interrupted:
        return 130
    return 0 if summary.complete else 1


def _status(args: argparse.Namespace) -> int:
    from openapiopenai.jobs import ImageJob

    summary = ImageJob(args.directory).status()
    if args.json:
        print(json.dumps(summary.to_dict(), sort_keys=True))
    else:
        print(summary)
    return 0


def _cancel(args: argparse.Namespace) -> int:
    from openapiopenai.jobs import ImageJob

    ImageJob.cancel(args.directory)
    print(f"asked the job in {args.directory} to stop", file=sys.stderr)
    return 0
