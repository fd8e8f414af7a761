"""Helpers of the tests of kernel-kept socket timeouts (``_kernel_socket``).

``_kernel_socket`` keeps CPython's own timeouts on the main thread (where Python runs
signal handlers): the tests of kernel timeouts run their body in a worker thread, read
what the kernel has, and find the socket a client's pool holds.
"""

from __future__ import annotations

import functools
import socket
import struct
import threading
from typing import Any, Callable, TypeVar

import openapiopenai

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


def kernel_timeout(sock: socket.socket, option: int) -> float:
    """The timeout the kernel has for ``option`` (``SO_RCVTIMEO`` or ``SO_SNDTIMEO``), to
    10 ms (it keeps whole clock ticks)."""
    sec, usec = struct.unpack("@ll", sock.getsockopt(socket.SOL_SOCKET, option, 16))
    return round(sec + usec / 1e6, 2)


def pooled_sockets(client: openapiopenai.ApiClient) -> list[socket.socket]:
    """The sockets of the connections idle in ``client``'s pools."""
    manager = client.rest_client.pool_manager
    found = []
    for key in list(manager.pools.keys()):
        pool = manager.pools.get(key)
        idle = list(pool.pool.queue) if pool is not None and pool.pool is not None else []
        found += [conn.sock for conn in idle if conn is not None and conn.sock is not None]
    return found
