"""Plain-TCP sockets whose timeouts the kernel keeps, not CPython.

A socket with a timeout makes CPython ``poll`` before every send and receive, then make
the call itself: two system calls and two hand-overs of the GIL for each (eight threads
sharing a pool over loopback lose about a seventh of their throughput to them).  A
blocking socket with ``SO_RCVTIMEO`` and ``SO_SNDTIMEO`` set makes the one call, which
the kernel ends with ``EAGAIN`` once the timeout passes with nothing received or sent.

:class:`KernelTimeoutSocket` is such a socket that looks like any other: ``gettimeout``
returns the timeout last given, ``settimeout`` takes what ``socket.settimeout`` takes
(``0`` and values it refuses go to the socket's own ``settimeout``), and a timeout is
raised as ``socket.timeout("timed out")``, as CPython raises it.  Linux only, where
``struct timeval`` is two longs; :func:`kernel_timed` leaves every other socket as it is.
TLS sockets are left alone too: ``ssl`` polls before each record whatever the socket does.

The main thread keeps CPython's own timeouts.  Python runs signal handlers there, and a
blocking call that a handler interrupts and returns from starts again with the whole
kernel timeout (CPython, polling, waits for what is left of it): with a handler ticking
faster than the timeout (a ``setitimer`` watchdog, a sampling profiler) a read would never
time out.  Linux gives a process's signals to another thread only when its main thread
cannot take them.  The thread that sets a socket's timeout (urllib3 sets it at the start
of each request) decides which of the two keeps it.

What else differs from CPython's timeouts:

* ``sendall`` times out only when a ``send`` makes no progress for the timeout (CPython's
  has one deadline for all its data; ``_connection`` gives those sockets a large body in
  blocks, to much the same effect).
* Only the calls HTTP makes say a timeout as CPython does (``recv``, ``recv_into``,
  ``send``, ``sendall``); ``recvfrom``, ``recvmsg``, ``sendto`` and ``sendmsg`` raise the
  kernel's ``BlockingIOError``.
* ``SO_RCVTIMEO`` / ``SO_SNDTIMEO`` given in ``socket_options`` are replaced by the
  timeouts given to ``settimeout``.
"""

from __future__ import annotations

import math
import socket
import struct
import sys
import threading
from typing import Any, Optional

__all__ = ["KernelTimeoutSocket", "kernel_timed"]

#: Whether this platform's sockets take a ``struct timeval`` of two native longs.
SUPPORTED = sys.platform.startswith("linux") and struct.calcsize("@l") == 8

#: The longest timeout set in the kernel; longer ones are CPython's (the socket's own).
_MAX_SECONDS = 2**31 - 1


def _timeval(seconds: Optional[float]) -> bytes:
    if seconds is None:
        return struct.pack("@ll", 0, 0)  # no timeout
    whole = int(seconds)
    micro = math.ceil((seconds - whole) * 1_000_000)
    if micro >= 1_000_000:
        whole, micro = whole + 1, 0
    if whole == 0 and micro == 0:
        micro = 1  # a zero timeval means no timeout at all
    return struct.pack("@ll", whole, micro)


def _kernel_takes(value: object) -> bool:
    """Whether ``value`` is a timeout for the kernel: seconds, positive, within its range."""
    return isinstance(value, (int, float)) and 0 < value <= _MAX_SECONDS


class KernelTimeoutSocket(socket.socket):
    """A blocking socket with its timeout in ``SO_RCVTIMEO`` / ``SO_SNDTIMEO``.

    ``settimeout`` only records the timeout: each direction's is given to the kernel
    before that direction's next call, when it differs from what the kernel has (urllib3
    sets the connect timeout to send and the read timeout to receive, on every request).
    Until its first ``settimeout`` it is a socket like any other.  A duplicate (``dup``)
    shares the kernel's timeouts with it, as duplicates share their descriptor's blocking
    mode: set the same timeout on both, or use one.
    """

    __slots__ = ("_own", "_receiving", "_sending", "_timeout")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timeout: Optional[float] = None  # the last one given (None: no limit)
        self._receiving: Optional[float] = None  # what the kernel has, each way
        self._sending: Optional[float] = None
        self._own = True  # the socket's own timeout applies (CPython polls)

    def settimeout(self, value: Optional[float]) -> None:
        if (value is None or _kernel_takes(value)) and (
            threading.get_ident() != threading.main_thread().ident
        ):
            self._timeout = None if value is None else float(value)
            if self._own:
                super().settimeout(None)  # blocking, however the descriptor was left
                self._own = False
        else:
            # The main thread's, 0 (non-blocking), too long, or refused, as it says.
            super().settimeout(value)
            self._own = True

    def gettimeout(self) -> Optional[float]:
        return super().gettimeout() if self._own else self._timeout

    @property
    def timed_by_kernel(self) -> bool:
        """Whether the kernel keeps this socket's timeout now (else CPython does)."""
        return not self._own

    # The socket's own calls.  On a blocking socket, EAGAIN means the kernel's timeout
    # passed: raised as CPython raises its own timeout.

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        if self._receiving != self._timeout:
            self._give_receive_timeout()
        try:
            return super().recv_into(buffer, nbytes, flags)
        except BlockingIOError:
            if self._own:
                raise
            raise socket.timeout("timed out") from None

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self._receiving != self._timeout:
            self._give_receive_timeout()
        try:
            return super().recv(bufsize, flags)
        except BlockingIOError:
            if self._own:
                raise
            raise socket.timeout("timed out") from None

    def send(self, data: Any, flags: int = 0) -> int:
        if self._sending != self._timeout:
            self._give_send_timeout()
        try:
            return super().send(data, flags)
        except BlockingIOError:
            if self._own:
                raise
            raise socket.timeout("timed out") from None

    def sendall(self, data: Any, flags: int = 0) -> None:
        if self._sending != self._timeout:
            self._give_send_timeout()
        try:
            super().sendall(data, flags)
        except BlockingIOError:
            if self._own:
                raise
            raise socket.timeout("timed out") from None

    def setblocking(self, flag: bool) -> None:
        # The socket's own setblocking does not go through settimeout.
        self.settimeout(None if flag else 0.0)

    def _give_receive_timeout(self) -> None:
        self.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(self._timeout))
        self._receiving = self._timeout

    def _give_send_timeout(self) -> None:
        self.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(self._timeout))
        self._sending = self._timeout


def kernel_timed(sock: socket.socket) -> socket.socket:
    """``sock`` (a connected plain TCP socket) as a :class:`KernelTimeoutSocket`.

    The same connection (its descriptor moves over) with the same timeout.  On another
    platform, or for any other kind of socket, ``sock`` itself.
    """
    if not SUPPORTED or type(sock) is not socket.socket or sock.type != socket.SOCK_STREAM:
        return sock
    timeout = sock.gettimeout()
    moved = KernelTimeoutSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    moved.settimeout(timeout)
    return moved
