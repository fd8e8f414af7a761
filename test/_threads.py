"""Run a test's body off the main thread, where sockets leave their timeouts to the kernel.

``_kernel_socket`` keeps CPython's own timeouts on the main thread (where Python runs
signal handlers); the tests of kernel timeouts run their body in a worker thread.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., None])


def off_the_main_thread(test: F) -> F:
    """``test`` run in a new thread, its failure re-raised here (a hang guard of 120 s)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        failures: list[BaseException] = []

        def body() -> None:
            try:
                test(*args, **kwargs)
            except BaseException as e:  # re-raised in the test's own thread
                failures.append(e)

        worker = threading.Thread(target=body, name=f"test:{test.__name__}")
        worker.start()
        worker.join(120)
        assert not worker.is_alive(), f"{test.__name__} did not finish"
        if failures:
            raise failures[0]

    return run  # type: ignore[return-value]
