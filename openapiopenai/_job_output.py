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
from typing import TYPE_CHECKING, Callable, Optional

from openapiopenai._job_requests import file_stem
from openapiopenai._results import extension_for, image_bytes

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


def partial_path(final: Path) -> Path:
    """The temporary file a final image is written to first."""
    return final.with_name(f".{final.name}.partial")


class ReceivedImages:
    """A response's images: their final names, URLs, and which are already in temp files."""

    def __init__(self, names: list[str], urls: list[Optional[str]], written: list[bool]) -> None:
        self.names = names
        self.urls = urls
        self.written = written

    @property
    def complete(self) -> bool:
        return all(self.written)


def receive(
    directory: Path,
    custom_id: str,
    response: ImagesResponse,
    client: Optional[ApiClient],
) -> ReceivedImages:
    """Decode (or download) each image of ``response`` into its temporary file.

    An image whose download fails is left unwritten (its URL is kept, to try again);
    one image is held in memory at a time.
    """
    from openapiopenai.exceptions import ApiException

    stem = file_stem(custom_id)
    images = list(response.data or [])
    names: list[str] = []
    urls: list[Optional[str]] = []
    written: list[bool] = []
    for index, image in enumerate(images):
        suffix = "" if len(images) == 1 else f"-{index}"
        url = image.url if image._b64_data() is None else None
        try:
            data: Optional[bytes] = image_bytes(image, client=client)
        except ApiException:
            if url is None:
                raise
            data = None
        extension = extension_for(data or b"", response.output_format)
        name = f"{stem}{suffix}{extension}"
        if data is not None:
            _write(partial_path(directory / name), data)
        names.append(name)
        urls.append(url)
        written.append(data is not None)
    return ReceivedImages(names, urls, written)


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
        stem, _, _ = name.rpartition(".")
        fixed = f"{stem}{extension_for(data, name.rpartition('.')[2])}"
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
    """Save a paid-for response's images and record each step (``saving``, then ``done``)."""
    from openapiopenai.exceptions import OpenApiException

    try:
        received = receive(directory, request_id, response, client)
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
    if not received.complete:
        on_change(request_id, "saving", "a download failed; the next run tries again")
        return
    finish(directory, received.names)
    store.mark_done(request_id)
    on_change(request_id, "done", ", ".join(received.names))


def finish_saving(
    store: JobStore,
    directory: Path,
    client: Optional[ApiClient],
    on_change: OnChange,
) -> None:
    """Complete the requests a stopped process left ``saving``: their images are paid for."""
    from openapiopenai.exceptions import OpenApiException

    for stored in store.iter_requests(["saving"]):
        names = list(stored.files)
        if missing(directory, names) and client is not None:
            try:
                names = download_missing(directory, names, stored.urls, client)
            except OpenApiException as e:
                on_change(stored.id, "saving", f"download failed, will try again: {e}")
                continue
            store.mark_saving(
                stored.id,
                files=names,
                urls=stored.urls,
                response_id=stored.request_id,
                usage=stored.usage,
            )
        lost = missing(directory, names)
        if lost:
            store.mark_unknown(
                stored.id,
                "the process stopped while saving this request's images; they were paid "
                f"for, but {len(lost)} of them could not be recovered",
            )
            on_change(stored.id, "unknown", "images lost while saving")
            continue
        finish(directory, names)
        store.mark_done(stored.id)
        on_change(stored.id, "done", ", ".join(names))
