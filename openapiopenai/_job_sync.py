"""Running a job's requests directly: a bounded pool of threads, paced against rate limits.

Each request goes through the job file's states (see :mod:`openapiopenai._jobstore`).
Calls are made with the client's own retries off (``_retries=0``): a 429 or 5xx puts the
request back in the queue and tells the :class:`~openapiopenai._pacing.Pacer`, which
slows every thread down, instead of one thread sleeping on its own.  What decides
whether a failed request may be sent again is whether the server can have acted on it:

- a status the API answers without producing an image (408, 409, 429, 5xx) or a
  connection that failed before the request was sent: retried, up to ``max_attempts``,
  then ``failed`` (retriable: the next run tries again);
- any other error status, or a request refused before sending: ``failed``, not retriable;
- a timeout or lost connection after the request was sent: ``unknown`` (it may have been
  billed), never sent again unless the job is run with ``resend_unknown``.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from openapiopenai._job_output import OnChange, record_response
from openapiopenai._job_requests import JobRequest, send
from openapiopenai._pacing import Pacer
from openapiopenai.exceptions import (
    ApiException,
    ApiTransportError,
    ApiTypeError,
    ApiValueError,
)

if TYPE_CHECKING:
    from openapiopenai._jobstore import JobStore
    from openapiopenai.api.images_api import ImagesApi

__all__ = ["RETRIABLE_STATUSES", "SyncRunner"]

#: Statuses the API answers without doing the work: safe to send again.
RETRIABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class SyncRunner:
    """Sends a job's requests on ``concurrency`` threads and records every outcome."""

    def __init__(
        self,
        store: JobStore,
        api: ImagesApi,
        directory: Path,
        base_dir: Path,
        *,
        concurrency: int,
        max_attempts: int,
        on_change: OnChange,
    ) -> None:
        self.store = store
        self.api = api
        self.directory = directory
        self.base_dir = base_dir
        self.pacer = Pacer(concurrency)
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.on_change = on_change
        self.stop = threading.Event()
        self._queue: queue.Queue[Optional[str]] = queue.Queue()
        self._remaining = 0
        self._remaining_lock = threading.Lock()
        self._all_done = threading.Event()
        self._busy: set[str] = set()
        self._errors: list[BaseException] = []
        #: Sends of each request in this run (``max_attempts`` is per run).
        self._sends: dict[str, int] = {}

    def run(self, ids: Sequence[str], *, should_stop: Callable[[], bool], grace: float) -> bool:
        """Send ``ids``; ``True`` if all were settled, ``False`` if stopped early.

        ``should_stop`` is polled (a cancel from another process); Ctrl-C stops too.
        Either way no new request is sent, and the requests in flight get ``grace``
        seconds to finish; those still running then are recorded ``unknown``.
        """
        if not ids:
            return True
        self._remaining = len(ids)
        for request_id in ids:
            self._queue.put(request_id)
        workers = [
            threading.Thread(target=self._work, name=f"openapiopenai-job-{i}", daemon=True)
            for i in range(min(self.concurrency, len(ids)))
        ]
        for worker in workers:
            worker.start()
        interrupted: Optional[BaseException] = None
        try:
            while not self._all_done.wait(0.2):
                if should_stop() or self.stop.is_set():
                    break
        except BaseException as e:  # KeyboardInterrupt: stop submitting, then settle
            interrupted = e
        finished = self._all_done.is_set()
        self.stop.set()
        for _ in workers:
            self._queue.put(None)
        deadline = time.monotonic() + grace
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        with self._remaining_lock:
            still = sorted(self._busy)
        for request_id in still:
            self.store.mark_unknown(
                request_id, "the job stopped while this request was in flight; it may be billed"
            )
            self.on_change(request_id, "unknown", "stopped while in flight")
        if self._errors:
            raise self._errors[0]
        if interrupted is not None:
            raise interrupted
        return finished

    # -- one thread ---------------------------------------------------------------

    def _work(self) -> None:
        while not self.stop.is_set():
            request_id = self._queue.get()
            if request_id is None or self.stop.is_set():
                return
            if not self.pacer.acquire(self.stop):
                return
            with self._remaining_lock:
                self._busy.add(request_id)
            try:
                settled = self._one(request_id)
            except BaseException as e:  # a bug, or the disk failing: stop the job
                self._errors.append(e)
                self.stop.set()
                self._all_done.set()
                return
            finally:
                with self._remaining_lock:
                    self._busy.discard(request_id)
                self.pacer.release()
            if settled:
                with self._remaining_lock:
                    self._remaining -= 1
                    if self._remaining == 0:
                        self._all_done.set()
            else:
                self._queue.put(request_id)  # retried once the pacer lets it go again

    def _one(self, request_id: str) -> bool:
        """Send one request and record the outcome; ``False`` to send it again later."""
        stored = self.store.get(request_id)
        request = JobRequest(stored.id, stored.operation, stored.body)
        self.store.mark_in_flight(request_id)
        self.on_change(request_id, "in_flight", "")
        with self._remaining_lock:
            sends = self._sends[request_id] = self._sends.get(request_id, 0) + 1
        try:
            info = send(self.api, request, self.base_dir, _retries=0)
        except ApiTransportError as e:
            if e.request_sent:
                self.store.mark_unknown(request_id, str(e))
                self.on_change(request_id, "unknown", str(e))
                return True
            self.pacer.backoff()
            return self._again(request_id, sends, str(e))
        except (ApiValueError, ApiTypeError, OSError) as e:
            self.store.mark_failed(request_id, f"not sent: {e}", retriable=False)
            self.on_change(request_id, "failed", str(e))
            return True
        except ApiException as e:
            if e.status == 429 and e.code == "insufficient_quota":
                # Every other request would get the same answer until the quota is
                # raised: stop sending; this one is retriable on a later run.
                self.stop.set()
                self.store.mark_failed(request_id, str(e), retriable=True)
                self.on_change(request_id, "failed", f"{e} (the job stops: run it again later)")
                return True
            if e.status in RETRIABLE_STATUSES:
                if e.status == 429:
                    self.pacer.throttled(e.headers)
                else:
                    self.pacer.backoff()
                return self._again(request_id, sends, str(e))
            self.store.mark_failed(request_id, str(e), retriable=False)
            self.on_change(request_id, "failed", str(e))
            return True
        self.pacer.succeeded(info.headers)
        record_response(
            self.store,
            self.directory,
            request_id,
            info.data,
            info.request_id,
            self.api.api_client,
            self.on_change,
        )
        return True

    def _again(self, request_id: str, attempts: int, error: str) -> bool:
        if self.stop.is_set():  # stopping: leave it for the next run
            self.store.mark_pending(request_id, error)
            self.on_change(request_id, "pending", error)
            return True
        if attempts >= self.max_attempts:
            self.store.mark_failed(request_id, error, retriable=True)
            self.on_change(request_id, "failed", f"{error} (retriable: run the job again)")
            return True
        self.store.mark_pending(request_id, error)
        self.on_change(request_id, "pending", error)
        return False
