"""A job's images on disk: written whole or not at all, under names from the request id.

A request's images are first written to hidden temporary files beside their final names
(``.NAME.partial``), then the job file records them (``saving``), then each is moved
into place with one rename.  So a file with a final name is always complete, and a
process killed after the response came in leaves either the temporary files (finished on
the next run) or the URLs to download again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NamedTuple, Optional

from openapiopenai._job_requests import file_stem
from openapiopenai._results import decode_b64, extension_for, image_bytes

if TYPE_CHECKING:
    from openapiopenai._jobstore import JobStore
    from openapiopenai.api_client import ApiClient
    from openapiopenai.models.images_response import ImagesResponse

__all__ = [
    "OnChange",
    "ReceivedImages",
    "finish",
    "finish_saving",
    "partial_path",
    "receive",
    "record_response",
]

#: ``on_change(custom_id, state, detail)``: called after each recorded state change.
OnChange = Callable[[str, str, str], None]

_O_BINARY = getattr(os, "O_BINARY", 0)
_SUFFIXES = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}


def partial_path(final: Path) -> Path:
    """The temporary file a final image is written to first."""
    return final.with_name(f".{final.name}.partial")


class ReceivedImages(NamedTuple):
    """A response's images: their final names, and the URL of each not yet downloaded."""

    names: list[str]
    urls: list[Optional[str]]


def receive(directory: Path, custom_id: str, response: ImagesResponse) -> ReceivedImages:
    """Decode each ``b64_json`` image of ``response`` into its temporary file.

    ``url`` images are only named here (their download comes once the job file records
    the response as paid for); one image is held in memory at a time.
    """
    images = list(response.data or [])
    stem = file_stem(custom_id, several=len(images) > 1)
    names: list[str] = []
    urls: list[Optional[str]] = []
    for index, image in enumerate(images):
        suffix = "" if len(images) == 1 else f"-{index}"
        b64_data = image._b64_data()
        if b64_data is None:
            extension = _SUFFIXES.get(response.output_format or "png", ".png")
            names.append(f"{stem}{suffix}{extension}")
            urls.append(image.url)
            continue
        data = decode_b64(b64_data)
        name = f"{stem}{suffix}{extension_for(data, response.output_format)}"
        _write(partial_path(directory / name), data)
        names.append(name)
        urls.append(None)
    return ReceivedImages(names, urls)


def download_missing(
    directory: Path,
    names: Sequence[str],
    urls: Sequence[Optional[str]],
    client: ApiClient,
) -> list[str]:
    """Download the images of a ``saving`` request that are in neither file; new names."""
    from openapiopenai.models.image import Image

    finished: list[str] = []
    for name, url in zip(names, urls):
        final = directory / name
        if final.exists() or partial_path(final).exists() or url is None:
            finished.append(name)
            continue
        data = image_bytes(Image(url=url), client=client)
        stem, _, extension = name.rpartition(".")
        fixed = f"{stem}{extension_for(data, extension)}"
        _write(partial_path(directory / fixed), data)
        finished.append(fixed)
    return finished


def missing(directory: Path, names: Sequence[str]) -> list[str]:
    """The names that have neither a final file nor a temporary one."""
    return [
        name
        for name in names
        if not (directory / name).exists() and not partial_path(directory / name).exists()
    ]


def finish(directory: Path, names: Sequence[str]) -> None:
    """Move each temporary file into place (a name already in place is left as it is)."""
    for name in names:
        final = directory / name
        temporary = partial_path(final)
        if temporary.exists():
            os.replace(temporary, final)


def _write(path: Path, data: bytes) -> None:
    """``data`` into ``path``, flushed to disk (the job file will say it is there)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _O_BINARY, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    os.close(fd)


def record_response(
    store: JobStore,
    directory: Path,
    request_id: str,
    response: ImagesResponse,
    response_id: Optional[str],
    client: Optional[ApiClient],
    on_change: OnChange,
) -> None:
    """Save a paid-for response's images, recording each step (``saving``, then ``done``).

    Inline images are in their temporary files before the response is recorded; URL
    images are downloaded after, so a process killed while downloading leaves the URLs
    recorded to download on the next run.
    """
    from openapiopenai.exceptions import OpenApiException

    try:
        received = receive(directory, request_id, response)
    except OpenApiException as e:  # a b64_json that is not base64: paid, unusable
        store.mark_failed(request_id, f"the response was unusable: {e}", retriable=False)
        on_change(request_id, "failed", str(e))
        return
    usage = response.usage.to_dict() if response.usage is not None else None
    store.mark_saving(
        request_id,
        files=received.names,
        urls=received.urls,
        response_id=response_id,
        usage=usage,
    )
    _finish_one(store, directory, request_id, received.names, received.urls, client, on_change)


def _finish_one(
    store: JobStore,
    directory: Path,
    request_id: str,
    names: list[str],
    urls: Sequence[Optional[str]],
    client: Optional[ApiClient],
    on_change: OnChange,
) -> None:
    """Download what is missing, move everything into place and record the request done."""
    from openapiopenai.exceptions import OpenApiException

    if missing(directory, names) and client is not None:
        try:
            fixed = download_missing(directory, names, urls, client)
        except OpenApiException as e:
            on_change(request_id, "saving", f"download failed, the next run tries again: {e}")
            return
        if fixed != names:
            stored = store.get(request_id)
            store.mark_saving(
                request_id,
                files=fixed,
                urls=urls,
                response_id=stored.request_id,
                usage=stored.usage,
            )
            names = fixed
    lost = missing(directory, names)
    if lost:
        store.mark_unknown(
            request_id,
            "the process stopped while saving this request's images; they were paid "
            f"for, but {len(lost)} of them could not be recovered",
        )
        on_change(request_id, "unknown", "images lost while saving")
        return
    finish(directory, names)
    store.mark_done(request_id)
    on_change(request_id, "done", ", ".join(names))


def finish_saving(
    store: JobStore,
    directory: Path,
    client: Optional[ApiClient],
    on_change: OnChange,
) -> None:
    """Complete the requests a stopped process left ``saving``: their images are paid for."""
    for stored in list(store.iter_requests(["saving"])):
        _finish_one(store, directory, stored.id, list(stored.files), stored.urls, client, on_change)
