"""Resumable image jobs: thousands of requests, each image paid for once and kept on disk.

A job is a set of requests (generations; edits and variations of files) and an output
directory.  The directory holds the images, named after each request's id, and the job
file (``openapiopenai-job.sqlite3``) that records every request's state.  Running the
same job again in the same directory resumes it: done requests are skipped, failed
retriable ones are sent again, and a request whose outcome is unknown (the process died
after sending it) is not sent again unless you ask, since it may already be billed::

    from openapiopenai.jobs import ImageJob, JobRequest

    job = ImageJob("out/", [JobRequest.generate({"prompt": f"otter #{i}"}) for i in range(500)])
    summary = job.run(concurrency=8)      # Ctrl-C stops cleanly; run() again resumes
    print(summary)                        # done / failed / pending / unknown, usage
    for result in job.results():          # read back from the directory, lazily
        print(result.custom_id, result.paths)

``openapiopenai jobs run REQUESTS.jsonl -o DIR`` does the same from the command line.
See ``docs/Jobs.md``.
"""

from __future__ import annotations

import html
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Literal, Optional, Union

from openapiopenai._job_requests import JobRequest, job_requests, read_requests
from openapiopenai._jobstore import JOB_FILE, JobLock, JobLockedError, JobStore
from openapiopenai.exceptions import ApiTypeError, ApiValueError

if TYPE_CHECKING:
    from openapiopenai._results import PathArg
    from openapiopenai.api.images_api import ImagesApi
    from openapiopenai.api_client import ApiClient

__all__ = [
    "JOB_FILE",
    "ImageJob",
    "JobLockedError",
    "JobProgress",
    "JobRequest",
    "JobResult",
    "JobSummary",
    "read_requests",
]

Mode = Literal["sync", "batch"]
#: How many images and failures a job's summary shows in a notebook.
_GRID_IMAGES = 12
_GRID_ERRORS = 10
#: What ``progress=`` takes: ``True`` (lines, or one line on a terminal), ``False``, or a
#: function called with a :class:`JobProgress` after every state change.
ProgressArg = Union[bool, Callable[["JobProgress"], None], None]


@dataclass(frozen=True)
class JobSummary:
    """Where a job stands: how many requests are in each state, and what they used."""

    directory: Path
    mode: Optional[str]
    total: int
    done: int
    failed: int
    failed_retriable: int
    pending: int
    in_flight: int
    unknown: int
    saving: int
    images: int
    usage: Mapping[str, int] = field(default_factory=dict)
    elapsed: Optional[float] = None
    interrupted: bool = False
    batches: tuple[Mapping[str, Any], ...] = ()

    @property
    def complete(self) -> bool:
        """Whether every request is done."""
        return self.done == self.total

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``jobs status --json`` prints)."""
        return {
            "directory": str(self.directory),
            "mode": self.mode,
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "failed_retriable": self.failed_retriable,
            "pending": self.pending,
            "in_flight": self.in_flight,
            "unknown": self.unknown,
            "saving": self.saving,
            "images": self.images,
            "usage": dict(self.usage),
            "elapsed": self.elapsed,
            "interrupted": self.interrupted,
            "batches": [dict(b) for b in self.batches],
        }

    def __str__(self) -> str:
        lines = [
            f"{self.done} of {self.total} requests done ({self.images} images) in {self.directory}",
            f"failed: {self.failed} ({self.failed_retriable} retriable), pending: "
            f"{self.pending}, in flight: {self.in_flight}, unknown: {self.unknown}"
            + (f", saving: {self.saving}" if self.saving else ""),
        ]
        if self.usage:
            lines.append("usage: " + ", ".join(f"{k}={v}" for k, v in sorted(self.usage.items())))
        if self.unknown:
            lines.append(
                f"{self.unknown} request(s) may have been billed without an answer; they are "
                "not sent again unless you run with resend_unknown (--resend-unknown)"
            )
        if self.failed_retriable or self.pending:
            lines.append("run the job again to send the pending and retriable requests")
        if self.interrupted:
            lines.append("stopped before the end; run the job again to resume")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The counts, then a grid of the first images done and the first failures."""
        from openapiopenai import _display

        figures: list[tuple[str, Optional[str], Optional[str]]] = []
        if (self.directory / JOB_FILE).exists():
            with JobStore(self.directory, create=False) as store:
                for stored in store.iter_requests(["done"], chunk=_GRID_IMAGES):
                    for name in stored.files:
                        figures.append((stored.id, str(self.directory / name), None))
                    if len(figures) >= _GRID_IMAGES:
                        break
                failures = store.iter_requests(["failed", "unknown"], chunk=_GRID_ERRORS)
                for count, stored in enumerate(failures, 1):
                    figures.append((f"{stored.id} {stored.state}", None, stored.error or ""))
                    if count >= _GRID_ERRORS:
                        break
        return _display.files_grid_html(self._table_html(), figures[: _GRID_IMAGES + _GRID_ERRORS])

    def _table_html(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(name)}</th><td>{value}</td></tr>"
            for name, value in (
                ("done", f"{self.done} / {self.total}"),
                ("images", self.images),
                ("failed", f"{self.failed} ({self.failed_retriable} retriable)"),
                ("pending", self.pending),
                ("in flight", self.in_flight),
                ("unknown", self.unknown),
            )
        )
        return (
            f"<div><b>Image job</b> <code>{html.escape(str(self.directory))}</code>"
            f"<table>{rows}</table></div>"
        )


@dataclass(frozen=True)
class JobResult:
    """One request of a job and the files its images were saved as (read on demand)."""

    custom_id: str
    state: str
    paths: tuple[Path, ...]
    request_id: Optional[str]
    usage: Optional[Mapping[str, Any]]
    error: Optional[str]

    def read(self) -> list[bytes]:
        """The bytes of each image."""
        return [path.read_bytes() for path in self.paths]


@dataclass
class JobProgress:
    """What a progress callback is given after each state change."""

    total: int
    counts: dict[str, int]
    images: int
    started: float
    last_id: str = ""
    last_state: str = ""
    last_detail: str = ""
    done_this_run: int = 0

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def images_per_minute(self) -> float:
        minutes = self.elapsed / 60
        return self.images / minutes if minutes > 0 else 0.0

    @property
    def eta(self) -> Optional[float]:
        """Seconds left at the pace so far (``None`` until something is done)."""
        done = self.counts.get("done", 0)
        left = self.counts.get("pending", 0) + self.counts.get("in_flight", 0)
        if not done or not self.done_this_run:
            return None
        return self.elapsed / self.done_this_run * left

    def line(self) -> str:
        c = self.counts
        text = (
            f"done {c.get('done', 0)}/{self.total}, failed {c.get('failed', 0)}, "
            f"in flight {c.get('in_flight', 0)}, {self.images_per_minute:.1f} images/min"
        )
        eta = self.eta
        if eta is not None:
            text += f", ETA {_duration(eta)}"
        return text


class ImageJob:
    """A resumable set of image requests whose results go to ``directory``.

    ``requests`` are :class:`JobRequest` objects, dicts in the JSON-lines shape (see
    ``docs/Jobs.md``), or the path of a JSON-lines file.  New requests are added to the
    job file; requests it already has are matched by id.  Without ``requests``, the job
    already in ``directory`` is opened (to resume it, or read its status).  Relative file
    paths in the requests (``image``, ``mask``) are read from ``files_dir``: by default the
    requests file's folder, or the current directory.
    """

    def __init__(
        self,
        directory: PathArg,
        requests: Union[Iterable[Union[JobRequest, Mapping[str, Any]]], PathArg, None] = None,
        *,
        api: Union[ImagesApi, ApiClient, None] = None,
        files_dir: Optional[PathArg] = None,
    ) -> None:
        if not isinstance(directory, (str, os.PathLike)):
            raise ApiTypeError(f"directory: expected a path, got {type(directory).__name__}")
        self.directory: Path = Path(directory)
        if self.directory.exists() and not self.directory.is_dir():
            raise ApiValueError(f"directory: {str(self.directory)!r} is a file, not a directory")
        self._requests = requests
        self._api = api
        if files_dir is not None:
            if not isinstance(files_dir, (str, os.PathLike)):
                raise ApiTypeError(f"files_dir: expected a path, got {type(files_dir).__name__}")
            self.base_dir: Path = Path(files_dir).resolve()
        elif isinstance(requests, (str, os.PathLike)):
            self.base_dir = Path(requests).resolve().parent
        else:
            self.base_dir = Path.cwd()

    # -- reading -------------------------------------------------------------------

    def status(self) -> JobSummary:
        """The job's state as recorded in its job file (works while another process runs it)."""
        with JobStore(self.directory, create=False) as store:
            return _summary(store, self.directory)

    def results(self, states: Optional[Iterable[str]] = None) -> Iterator[JobResult]:
        """Each request (default: the done ones) with its files, read from the job file."""
        wanted = list(states) if states is not None else ["done"]
        store = JobStore(self.directory, create=False)
        try:
            for stored in store.iter_requests(wanted):
                yield JobResult(
                    custom_id=stored.id,
                    state=stored.state,
                    paths=tuple(self.directory / name for name in stored.files),
                    request_id=stored.request_id,
                    usage=stored.usage,
                    error=stored.error,
                )
        finally:
            store.close()

    @staticmethod
    def cancel(directory: PathArg) -> None:
        """Ask the process running the job in ``directory`` to stop (it may be this one).

        It sends nothing more, lets the requests in flight finish, and records them.  In
        batch mode the job's Batch API batches are cancelled on its next poll.  Running
        the job again resumes it.
        """
        with JobStore(Path(directory), create=False) as store:
            store.set_meta("cancel", str(time.time()))

    # -- running -------------------------------------------------------------------

    def run(
        self,
        *,
        mode: Optional[Mode] = None,
        concurrency: int = 4,
        resend_unknown: bool = False,
        max_attempts: int = 5,
        grace: float = 30.0,
        progress: ProgressArg = None,
        poll_interval: float = 30.0,
    ) -> JobSummary:
        """Run (or resume) the job until every request is settled or it is stopped.

        ``mode``: ``"sync"`` calls the Images API directly, ``concurrency`` requests at a
        time, pacing itself on 429s; ``"batch"`` goes through the Batch API (half the
        price, results within 24 h).  A job keeps the mode it was first run with.
        ``resend_unknown``: also send the requests whose outcome is unknown (each may
        already have been billed once).  ``max_attempts``: sends of one request per run
        that end in a retriable failure before it is recorded ``failed``.  ``grace``:
        seconds the requests in flight get to finish after Ctrl-C or a cancel.
        """
        _check_int("concurrency", concurrency, 1, 256)
        _check_int("max_attempts", max_attempts, 1, 100)
        if not isinstance(resend_unknown, bool):
            raise ApiTypeError(f"resend_unknown: expected True or False, got {resend_unknown!r}")
        if mode not in (None, "sync", "batch"):
            raise ApiValueError(f"mode: must be 'sync' or 'batch', got {mode!r}")
        requests = self._load_requests()
        self.directory.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with JobLock(self.directory), JobStore(self.directory) as store:
            recorded = store.get_meta("mode")
            if recorded is not None and mode is not None and mode != recorded:
                raise ApiValueError(
                    f"mode: the job in {str(self.directory)!r} runs in {recorded!r} mode;"
                    " it cannot change"
                )
            job_mode: Mode = "batch" if (mode or recorded) == "batch" else "sync"
            if requests is not None:
                if job_mode == "batch":
                    from openapiopenai._job_batch import check_batchable

                    for request in requests:
                        check_batchable(request.custom_id, request.operation, request.body)
                store.add_requests((r.custom_id, r.operation, r.body) for r in requests)
            store.set_meta("mode", job_mode)
            store.set_meta("base_dir", str(self.base_dir))
            store.delete_meta("cancel")
            reporter = _Reporter(store, progress)
            api = self._images_api()
            interrupted = False
            try:
                if job_mode == "sync":
                    interrupted = not self._run_sync(
                        store, api, reporter, concurrency, resend_unknown, max_attempts, grace
                    )
                else:
                    from openapiopenai._job_batch import BatchRunner

                    interrupted = not BatchRunner(
                        store,
                        api.api_client,
                        self.directory,
                        self.base_dir,
                        on_change=reporter.changed,
                        poll_interval=poll_interval,
                    ).run(resend_unknown=resend_unknown)
            except KeyboardInterrupt:
                reporter.close()
                raise
            reporter.close()
            summary = _summary(store, self.directory, time.monotonic() - started)
        if interrupted:
            summary = _replace_interrupted(summary)
        return summary

    def _run_sync(
        self,
        store: JobStore,
        api: ImagesApi,
        reporter: _Reporter,
        concurrency: int,
        resend_unknown: bool,
        max_attempts: int,
        grace: float,
    ) -> bool:
        from openapiopenai._job_output import finish_saving
        from openapiopenai._job_sync import SyncRunner

        store.in_flight_to_unknown(
            "the process running the job stopped while this request was in flight;"
            " it may have been billed"
        )
        finish_saving(store, self.directory, api.api_client, reporter.changed)
        states = ["pending", "failed", *(["unknown"] if resend_unknown else [])]
        ids = store.ids_in(states, retriable_only=True)
        runner = SyncRunner(
            store,
            api,
            self.directory,
            self.base_dir,
            concurrency=concurrency,
            max_attempts=max_attempts,
            on_change=reporter.changed,
        )
        return runner.run(
            ids, should_stop=lambda: store.get_meta("cancel") is not None, grace=grace
        )

    def _load_requests(self) -> Optional[list[JobRequest]]:
        requests = self._requests
        if requests is None:
            if not (self.directory / JOB_FILE).exists():
                raise ApiValueError(
                    f"requests: there is no job in {str(self.directory)!r} yet; give the requests"
                )
            return None
        if isinstance(requests, (str, os.PathLike)):
            return list(read_requests(requests))
        if isinstance(requests, (Mapping, bytes)):
            raise ApiTypeError("requests: expected a list of requests, got one")
        return list(job_requests((f"requests[{i}]", r) for i, r in enumerate(requests)))

    def _images_api(self) -> ImagesApi:
        from openapiopenai.api.images_api import ImagesApi
        from openapiopenai.api_client import ApiClient

        api = self._api
        if api is None or isinstance(api, ApiClient):
            return ImagesApi(api)
        if isinstance(api, ImagesApi):
            return api
        raise ApiTypeError(f"api: expected an ImagesApi or an ApiClient, got {type(api).__name__}")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiValueError(f"{name}: must be an int from {low} to {high}, got {value!r}")


def _summary(store: JobStore, directory: Path, elapsed: Optional[float] = None) -> JobSummary:
    counts = store.counts()
    retriable, _ = store.failed_counts()
    return JobSummary(
        directory=directory,
        mode=store.get_meta("mode"),
        total=sum(counts.values()),
        done=counts["done"],
        failed=counts["failed"],
        failed_retriable=retriable,
        pending=counts["pending"],
        in_flight=counts["in_flight"],
        unknown=counts["unknown"],
        saving=counts["saving"],
        images=store.images_done(),
        usage=store.usage_totals(),
        elapsed=elapsed,
        batches=tuple(store.batches()),
    )


def _replace_interrupted(summary: JobSummary) -> JobSummary:
    from dataclasses import replace

    return replace(summary, interrupted=True)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m"


class _Reporter:
    """Turns state changes into progress: a line per change, one live line, or a callback."""

    def __init__(self, store: JobStore, progress: ProgressArg, stream: IO[str] = sys.stderr):
        self._store = store
        self._stream = stream
        self._lock = threading.Lock()
        counts = store.counts()
        self._progress = JobProgress(
            total=sum(counts.values()),
            counts=counts,
            images=store.images_done(),
            started=time.monotonic(),
        )
        self._callback: Optional[Callable[[JobProgress], None]] = None
        self._live = False
        self._lines = False
        self._display: Any = None
        self._last_draw = 0.0
        self._stale = False
        if callable(progress):
            self._callback = progress
        elif progress is None:
            self._display = _notebook_display()
            self._live = self._display is None and _is_terminal(stream)
        elif progress:
            self._live = _is_terminal(stream) and os.environ.get("TERM") != "dumb"
            self._lines = not self._live

    def changed(self, custom_id: str, state: str, detail: str) -> None:
        with self._lock:
            progress = self._progress
            # Counted one by one, and counts read only to show them: a scan of the job
            # file per state change made a job's bookkeeping quadratic in its size.
            if state == "done":
                progress.images += len(self._store.get(custom_id).files)
                progress.done_this_run += 1
            progress.last_id, progress.last_state, progress.last_detail = custom_id, state, detail
            now = time.monotonic()
            draw = (self._live or self._display is not None) and now - self._last_draw >= 0.1
            line = self._lines and state != "in_flight"
            if self._callback is None and not line and not draw:
                self._stale = True
                return
            progress.counts = self._store.counts()
            self._stale = False
            if self._callback is not None:
                self._callback(progress)
            if line:
                suffix = f": {detail}" if detail else ""
                self._stream.write(f"{state} {custom_id}{suffix} ({progress.line()})\n")
                self._stream.flush()
            if draw:
                self._last_draw = now
                self._draw()

    def _draw(self) -> None:
        if self._display is not None:
            self._display.update(_HtmlText(self._progress.line()))
            return
        self._stream.write("\r\x1b[K" + self._progress.line())
        self._stream.flush()

    def close(self) -> None:
        with self._lock:
            if self._stale:
                self._progress.counts = self._store.counts()
            if self._live:
                self._stream.write("\r\x1b[K" + self._progress.line() + "\n")
                self._stream.flush()
            elif self._display is not None:
                self._display.update(_HtmlText(self._progress.line()))


class _HtmlText:
    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return f"<code>{html.escape(self.text)}</code>"

    def __repr__(self) -> str:
        return self.text


def _notebook_display() -> Any:
    """A display handle to update in place when running in a Jupyter kernel, else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    import IPython.display

    display: Any = IPython.display.display
    return display(_HtmlText("starting"), display_id=True)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
