"""What every benchmark driver shares: inputs, the timing loops and the memory probe.

Stdlib only, and nothing here imports a client: each driver imports its own, so a
driver's set-up cost (and memory) is its client's alone.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import json
import os
import statistics
import struct
import sys
import tempfile
import threading
import time
import zlib
from typing import Any, Callable, Optional

PROMPT = "A cute baby sea otter floating on its back, watercolour"
API_KEY = "sk-bench-0123456789abcdef0123456789abcdef"

#: Side of the square RGBA PNGs uploaded by ``upload``: 1000x1000x4 stored (not
#: deflated) random pixels, about 4.0 MB, just under the API's 4 MiB limit.
PNG_SIDE = 1000

#: What a driver process can run (``run.py`` maps the table's rows onto these).
WORKLOADS = ("small", "large", "save", "stream", "stream-one", "upload", "threads")
#: ``stream-one``: one completed event of this many MB of base64, asked for by prompt.
STREAM_ONE_MB = (12, 25, 50)


def stream_prompt(mb: Optional[int] = None) -> str:
    """The prompt that makes the server answer a stream (``mb``: one event of that size)."""
    return PROMPT if mb is None else f"{PROMPT} [bench-sse-{mb}mb]"


def request_kind(workload: str) -> str:
    """The request a workload sends: ``small`` (one URL), ``large`` (ten b64), ``stream``..."""
    return {"save": "large", "threads": "small", "stream-one": "stream"}.get(workload, workload)


#: Images per ``large``/``save`` response.
LARGE_N = 10


def saved_bytes(folder: str, count: int) -> int:
    """``save``'s check: the bytes of the files ``image-0.png`` ... written in ``folder``."""
    return sum(os.stat(os.path.join(folder, f"image-{i}.png")).st_size for i in range(count))


def save_dir(args: argparse.Namespace) -> str:
    """Where ``save`` writes its images (the same names, replaced by every call)."""
    return str(args.outdir or tempfile.mkdtemp(prefix="bench-save-"))


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
    p.add_argument("--threads", type=int, default=8, help="threads: threads sharing a client")
    p.add_argument("--calls", type=int, default=2000, help="threads: calls in all")
    p.add_argument("--sizes", default=",".join(map(str, STREAM_ONE_MB)), help="stream-one: MB")
    p.add_argument(
        "--time-cap", type=float, default=5.0, help="stream-one: skip larger sizes past this CPU s"
    )
    p.add_argument("--outdir", default=None, help="save: where the images are written")
    return p.parse_args()


def run_driver(
    client: str,
    args: argparse.Namespace,
    call: Callable[[], Any],
    check: Callable[[Any], int],
    info: Optional[dict[str, Any]] = None,
) -> None:
    """Run the workload ``args.workload`` names; print one JSON object on stdout.

    ``call()`` is what is timed (the request; for ``save`` also writing every image, for
    ``stream`` reading every event).  ``check(result)`` verifies each result *outside*
    the timed window and returns how many characters of image data (URLs or base64) it
    holds, so every client is seen to have parsed the same thing.
    """
    if args.workload == "threads":
        _run_threads(client, args, call, check, info)
    else:
        _run_calls(client, args, call, check, info)


def _run_calls(
    client: str,
    args: argparse.Namespace,
    call: Callable[[], Any],
    check: Callable[[Any], int],
    info: Optional[dict[str, Any]],
) -> None:
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
    _emit(
        {
            "client": client,
            "workload": args.workload,
            "iterations": args.iterations,
            "cpu_s": _stats(cpu),
            "wall_s": _stats(wall),
            "cpu_samples": _rounded(cpu),
            "wall_samples": _rounded(wall),
            "mem_growth_bytes": int(statistics.median(growth)) if growth else None,
            "mem_growth_all": growth,
            "mem_method": probe.method,
            "payload_chars": payload,
            **(info or {}),
        }
    )


def _run_threads(
    client: str,
    args: argparse.Namespace,
    call: Callable[[], Any],
    check: Callable[[Any], int],
    info: Optional[dict[str, Any]],
) -> None:
    """``args.calls`` calls spread over ``args.threads`` threads sharing one client.

    Each thread makes its warm-up calls, then all start together at a barrier; the figure
    is calls a second, from the barrier to the last thread's end (wall time).
    """
    per_thread = [args.calls // args.threads] * args.threads
    for i in range(args.calls % args.threads):
        per_thread[i] += 1
    barrier = threading.Barrier(args.threads + 1)
    chars: list[int] = [0] * args.threads
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for _ in range(args.warmup):
                check(call())
            barrier.wait()
            total = 0
            for _ in range(per_thread[index]):
                total += check(call())
            chars[index] = total
        except BaseException as e:  # reported below
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    c0, w0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.join()
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if errors:
        raise RuntimeError(f"{client}: a thread failed: {errors[0]!r}")
    _emit(
        {
            "client": client,
            "workload": args.workload,
            "threads": args.threads,
            "calls": args.calls,
            "wall_s_total": wall,
            "cpu_s_total": cpu,
            "calls_per_s": args.calls / wall,
            "payload_chars": sum(chars) // args.calls,
            **(info or {}),
        }
    )


def run_sizes(
    client: str,
    args: argparse.Namespace,
    call_for: Callable[[int], Callable[[], Any]],
    check: Callable[[Any], int],
    info: Optional[dict[str, Any]] = None,
) -> None:
    """``stream-one``: each size timed apart, smallest first; after a call over
    ``--time-cap`` CPU seconds the larger sizes are skipped (reported as such)."""
    sizes = [int(s) for s in args.sizes.split(",") if s]
    per_size: dict[str, Any] = {}
    capped = False
    for mb in sizes:
        if capped:
            per_size[str(mb)] = {"skipped": f"a smaller size took over {args.time_cap} s CPU"}
            continue
        call = call_for(mb)
        cpu: list[float] = []
        wall: list[float] = []
        payload = None
        if mb == sizes[0]:  # warm-up (connection, code paths) on the smaller stream
            check(call_for(0)())
        for _ in range(max(1, args.iterations)):
            c0, w0 = time.process_time(), time.perf_counter()
            result = call()
            c1, w1 = time.process_time(), time.perf_counter()
            payload = check(result)
            del result
            cpu.append(c1 - c0)
            wall.append(w1 - w0)
            if c1 - c0 > args.time_cap:
                capped = True
                break
        per_size[str(mb)] = {
            "cpu_s": _stats(cpu),
            "wall_s": _stats(wall),
            "cpu_samples": _rounded(cpu),
            "payload_chars": payload,
        }
        gc.collect()
    _emit({"client": client, "workload": args.workload, "sizes": per_size, **(info or {})})


def _emit(out: dict[str, Any]) -> None:
    out["python"] = sys.version.split()[0]
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


def _rounded(samples: list[float]) -> list[float]:
    return [round(s, 7) for s in samples]


def _stats(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "median": statistics.median(s),
        "mean": statistics.fmean(s),
        "min": s[0],
        "max": s[-1],
        "p90": s[min(len(s) - 1, int(len(s) * 0.9))],
    }
