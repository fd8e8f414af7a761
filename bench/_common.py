"""What every benchmark driver shares: inputs, the timing loop and the memory probe.

Stdlib only, and nothing here imports a client: each driver imports its own, so a
driver's set-up cost (and memory) is its client's alone.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import json
import os
import statistics
import struct
import sys
import time
import zlib
from collections.abc import Iterable
from typing import Any, Callable, Optional

PROMPT = "A cute baby sea otter floating on its back, watercolour"
API_KEY = "sk-bench-0123456789abcdef0123456789abcdef"

#: Side of the square RGBA PNGs uploaded by ``upload``: 1000x1000x4 stored (not
#: deflated) random pixels, about 4.0 MB, just under the API's 4 MiB limit.
PNG_SIDE = 1000

WORKLOADS = ("small", "large", "large-str", "large-bytes", "upload")
#: What each workload times after the request returns: ``large-str`` reads every image's
#: ``b64_json`` string, ``large-bytes`` decodes every image to its bytes.
WORKLOAD_STEPS = {
    "large-str": "read every b64_json string",
    "large-bytes": "decode every image to bytes",
}


def timed_call(
    workload: str,
    request: Callable[[], Any],
    images: Callable[[Any], Iterable[Any]],
    read: Callable[[Any], object],
    decode: Callable[[Any], object],
) -> Callable[[], Any]:
    """What a driver times: ``request()``, then the workload's next step on every image.

    ``images(result)`` lists a result's images; ``read(image)`` reads its base64 string
    (``large-str``) and ``decode(image)`` decodes it to bytes (``large-bytes``).
    """
    step = {"large-str": read, "large-bytes": decode}.get(workload)
    if step is None:
        return request

    def call() -> Any:
        result = request()
        for image in images(result):
            step(image)
        return result

    return call


def request_kind(workload: str) -> str:
    """The request a workload sends: ``small`` (one URL), ``large`` (ten b64) or ``upload``."""
    return "large" if workload.startswith("large") else workload


# --- inputs ------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def random_png(side: int = PNG_SIDE) -> bytes:
    """A valid, incompressible RGBA PNG: random pixels in stored deflate blocks."""
    row = side * 4
    raw = bytearray()
    noise = os.urandom(row * side)
    for y in range(side):
        raw += b"\x00"  # filter type None
        raw += noise[y * row : (y + 1) * row]
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", ihdr),
            _chunk(b"IDAT", zlib.compress(bytes(raw), 0)),
            _chunk(b"IEND", b""),
        )
    )


# --- memory ------------------------------------------------------------------------------


class MemoryProbe:
    """Peak resident memory of one call, above what the process holds before it.

    On Linux, writing ``5`` to ``/proc/self/clear_refs`` resets the kernel's high-water
    mark (``VmHWM``) to the current resident size, so ``VmHWM - VmRSS(before)`` after
    the call is that call's peak growth in bytes actually touched — Python objects, C
    and Rust buffers alike, at no cost to the code being measured.  glibc is first told
    to serve large blocks with mmap and give freed memory back (``mallopt``), or memory
    kept from earlier calls would hide the next call's allocations.

    Elsewhere it falls back to ``tracemalloc`` (Python allocations only; reported).
    """

    def __init__(self) -> None:
        self.method = "tracemalloc"
        self._libc: Any = None
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self._status("VmHWM")
            self.method = "rss-hwm"
        except (OSError, ValueError):
            return
        try:
            name = ctypes.util.find_library("c")
            libc = ctypes.CDLL(name)
            # M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (malloc.h); fixed values also
            # turn off glibc's dynamic threshold, which otherwise grows after each free.
            libc.mallopt(-3, 64 * 1024)
            libc.mallopt(-1, 128 * 1024)
            self._libc = libc
            self.method = "rss-hwm+mallopt"
        except (OSError, AttributeError, TypeError):
            pass

    @staticmethod
    def _status(field: str) -> int:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise ValueError(field)

    def measure(self, call: Callable[[], Any]) -> int:
        """Bytes the process grew by at the peak of ``call()`` (its result kept alive)."""
        gc.collect()
        if self.method == "tracemalloc":
            import tracemalloc

            tracemalloc.start()
            base = tracemalloc.get_traced_memory()[0]
            result = call()
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            del result
            return peak - base
        if self._libc is not None:
            self._libc.malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        base = self._status("VmRSS")
        result = call()
        peak = self._status("VmHWM")
        del result
        return max(0, peak - base)


# --- the driver protocol -----------------------------------------------------------------


def driver_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="one benchmark driver (run by bench/run.py)")
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--host", required=True, help="base URL, e.g. http://127.0.0.1:PORT/v1")
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--memory-calls", type=int, default=3)
    return p.parse_args()


def run_driver(
    client: str,
    args: argparse.Namespace,
    call: Callable[[], Any],
    check: Callable[[Any], int],
    info: Optional[dict[str, Any]] = None,
) -> None:
    """Time ``call`` and measure its memory; print one JSON object on stdout.

    ``call()`` is what the workload times: the request, plus for ``large-str`` and
    ``large-bytes`` the caller's next step (see :data:`WORKLOAD_STEPS`).
    ``check(result)`` verifies each result *outside* the timed window and returns how many
    characters of image data (URLs or base64) it holds, so every client is seen to have
    parsed the same thing; for a client that keeps strings unbuilt until read, the check
    is what builds them, and that cost is the ``large-str`` row's business.
    """
    for _ in range(args.warmup):
        check(call())
    gc.collect()
    cpu: list[float] = []
    wall: list[float] = []
    ptime, pcounter = time.process_time, time.perf_counter
    payload = None
    for _ in range(args.iterations):
        c0, w0 = ptime(), pcounter()
        result = call()
        c1, w1 = ptime(), pcounter()
        chars = check(result)
        if payload is not None and chars != payload:
            raise RuntimeError(f"{client}: results differ between calls")
        payload = chars
        del result
        cpu.append(c1 - c0)
        wall.append(w1 - w0)
    probe = MemoryProbe()
    growth = [probe.measure(call) for _ in range(args.memory_calls)]
    out = {
        "client": client,
        "workload": args.workload,
        "iterations": args.iterations,
        "cpu_s": _stats(cpu),
        "wall_s": _stats(wall),
        "mem_growth_bytes": int(statistics.median(growth)) if growth else None,
        "mem_growth_all": growth,
        "mem_method": probe.method,
        "payload_chars": payload,
        "python": sys.version.split()[0],
        **(info or {}),
    }
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def _stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median": statistics.median(s),
        "mean": statistics.fmean(s),
        "min": s[0],
        "p90": s[min(len(s) - 1, int(len(s) * 0.9))],
    }
