"""The ``files`` and ``batches`` commands of the command line.

::

    openapiopenai files upload requests.jsonl --purpose batch
    openapiopenai batches create file-abc --endpoint /v1/images/generations
    openapiopenai batches status batch_abc --wait
    openapiopenai batches download batch_abc -o out/      # every image, named by custom_id
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

__all__ = ["add_commands"]

_ENDPOINTS = ("/v1/images/generations", "/v1/images/edits")


def add_commands(
    commands: Any,
    connection: argparse.ArgumentParser,
    configuration: Callable[[argparse.Namespace], Any],
) -> None:
    """Add ``files`` and ``batches`` to the ``commands`` subparsers (``connection``: the
    parent parser of connection options; ``configuration(args)``: the context manager that
    yields the client configuration)."""
    files = commands.add_parser("files", help="upload, list, inspect, download and delete files")
    files.set_defaults(connect=configuration)
    ops = files.add_subparsers(dest="operation", required=True, metavar="OPERATION")
    upload = ops.add_parser("upload", parents=[connection], help="upload a file")
    upload.add_argument("file", metavar="FILE")
    upload.add_argument(
        "--purpose",
        default="batch",
        choices=("assistants", "batch", "fine-tune", "vision", "user_data", "evals"),
        help="default: batch",
    )
    upload.set_defaults(run=_upload)
    listing = ops.add_parser("list", parents=[connection], help="list every file")
    listing.add_argument("--purpose")
    listing.set_defaults(run=_list_files)
    status = ops.add_parser("status", parents=[connection], help="show one file")
    status.add_argument("file_id", metavar="FILE_ID")
    status.set_defaults(run=_file_status)
    download = ops.add_parser("download", parents=[connection], help="save a file's content")
    download.add_argument("file_id", metavar="FILE_ID")
    download.add_argument("-o", "--output", required=True, metavar="PATH")
    download.add_argument("--overwrite", action="store_true")
    download.set_defaults(run=_file_download)
    delete = ops.add_parser("delete", parents=[connection], help="delete a file")
    delete.add_argument("file_id", metavar="FILE_ID")
    delete.set_defaults(run=_file_delete)

    batches = commands.add_parser("batches", help="create, follow, cancel and collect batches")
    batches.set_defaults(connect=configuration)
    ops = batches.add_subparsers(dest="operation", required=True, metavar="OPERATION")
    create = ops.add_parser("create", parents=[connection], help="start a batch")
    create.add_argument("input", metavar="FILE_ID_OR_JSONL", help="an uploaded file or a .jsonl")
    create.add_argument("--endpoint", required=True, choices=_ENDPOINTS)
    create.add_argument(
        "--metadata", action="append", default=[], metavar="KEY=VALUE", help="repeatable"
    )
    create.set_defaults(run=_batch_create)
    listing = ops.add_parser("list", parents=[connection], help="list every batch")
    listing.set_defaults(run=_list_batches)
    status = ops.add_parser("status", parents=[connection], help="show one batch")
    status.add_argument("batch_id", metavar="BATCH_ID")
    status.add_argument("--wait", action="store_true", help="poll until the batch is done")
    status.add_argument("--poll-interval", type=float, default=30.0, metavar="SECONDS")
    status.set_defaults(run=_batch_status)
    cancel = ops.add_parser("cancel", parents=[connection], help="cancel a batch")
    cancel.add_argument("batch_id", metavar="BATCH_ID")
    cancel.set_defaults(run=_batch_cancel)
    download = ops.add_parser(
        "download",
        parents=[connection],
        help="save a finished batch's images (CUSTOM_ID-N.png) and its error lines",
    )
    download.add_argument("batch_id", metavar="BATCH_ID")
    download.add_argument("-o", "--output", default=".", metavar="DIR", help="default: .")
    download.add_argument("--overwrite", action="store_true")
    download.set_defaults(run=_batch_download)


def _apis(args: argparse.Namespace) -> Any:
    from contextlib import ExitStack

    from openapiopenai.api.batch_api import BatchApi
    from openapiopenai.api.files_api import FilesApi
    from openapiopenai.api_client import ApiClient

    stack = ExitStack()
    configuration = stack.enter_context(args.connect(args))
    client = stack.enter_context(ApiClient(configuration))
    return stack, FilesApi(client), BatchApi(client)


def _print(model: Any) -> None:
    sys.stdout.write(model.to_json() + "\n")


def _upload(args: argparse.Namespace) -> int:
    stack, files, _ = _apis(args)
    with stack:
        _print(files.create_file(args.file, args.purpose))
    return 0


def _list_files(args: argparse.Namespace) -> int:
    stack, files, _ = _apis(args)
    with stack:
        for f in files.iter_files(purpose=args.purpose):
            print(f"{f.id}\t{f.purpose}\t{f.bytes}\t{f.filename}")
    return 0


def _file_status(args: argparse.Namespace) -> int:
    stack, files, _ = _apis(args)
    with stack:
        _print(files.retrieve_file(args.file_id))
    return 0


def _file_download(args: argparse.Namespace) -> int:
    stack, files, _ = _apis(args)
    with stack:
        print(files.download_file_to(args.file_id, args.output, overwrite=args.overwrite))
    return 0


def _file_delete(args: argparse.Namespace) -> int:
    stack, files, _ = _apis(args)
    with stack:
        _print(files.delete_file(args.file_id))
    return 0


def _batch_create(args: argparse.Namespace) -> int:
    from openapiopenai.exceptions import ApiValueError

    metadata = {}
    for item in args.metadata:
        key, sep, value = item.partition("=")
        if not sep:
            raise ApiValueError(f"--metadata: expected KEY=VALUE, got {item!r}")
        metadata[key] = value
    stack, files, batches = _apis(args)
    with stack:
        input_id = args.input
        if Path(args.input).is_file():
            input_id = files.create_file(args.input, "batch").id
        request: dict[str, Any] = {
            "input_file_id": input_id,
            "endpoint": args.endpoint,
            "completion_window": "24h",
        }
        if metadata:
            request["metadata"] = metadata
        _print(batches.create_batch(request))
    return 0


def _list_batches(args: argparse.Namespace) -> int:
    stack, _, batches = _apis(args)
    with stack:
        for b in batches.iter_batches():
            counts = b.request_counts
            done = f"{counts.completed + counts.failed}/{counts.total}" if counts else "-"
            print(f"{b.id}\t{b.status}\t{b.endpoint}\t{done}")
    return 0


def _batch_status(args: argparse.Namespace) -> int:
    stack, _, batches = _apis(args)
    with stack:
        if args.wait:
            batch = batches.wait_for_batch(args.batch_id, poll_interval=args.poll_interval)
        else:
            batch = batches.retrieve_batch(args.batch_id)
        _print(batch)
    return 0


def _batch_cancel(args: argparse.Namespace) -> int:
    stack, _, batches = _apis(args)
    with stack:
        _print(batches.cancel_batch(args.batch_id))
    return 0


def _batch_download(args: argparse.Namespace) -> int:
    """Every image of the output file, saved as ``CUSTOM_ID-N.ext``; failed lines listed."""
    from openapiopenai.exceptions import ApiValueError
    from openapiopenai.models.batch_request_output import BatchRequestOutput

    stack, files, batches = _apis(args)
    with stack:
        batch = batches.retrieve_batch(args.batch_id)
        if not batch.is_done:
            raise ApiValueError(f"batch_id: the batch is still {batch.status}")
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        failed = 0
        for kind, file_id in (("output", batch.output_file_id), ("error", batch.error_file_id)):
            if file_id is None:
                continue
            saved = files.download_file_to(
                file_id, out / f"{batch.id}_{kind}.jsonl", overwrite=args.overwrite
            )
            with open(saved, "rb") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    if kind == "error":
                        failed += 1
                        record = json.loads(line)
                        print(f"failed\t{record.get('custom_id')}", file=sys.stderr)
                        continue
                    custom_id, response = BatchRequestOutput.parse_images_line(line)
                    for path in response.save(out, custom_id, overwrite=args.overwrite):
                        print(path)
    return 1 if failed else 0
