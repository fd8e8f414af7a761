"""Profile one driver on one workload with py-spy and print where the time goes.

    python bench/profile_workload.py --workload large [--client openapiopenai] [--iterations 200]
                            [--py-spy PATH] [--gil] [--native] [--rate 1000] [--top 25]
                            [--by-line] [--raw out.txt]

Starts the stand-in server, runs ``bench/driver_CLIENT.py`` under ``py-spy record``
(1000 samples a second, without pausing the process) and prints the frames with the most
self and inclusive time inside the timed call (the driver's ``call`` closure; set-up and
warm-up are left out).  py-spy is not a dependency: install it where you profile
(``pip install py-spy``) or pass ``--py-spy``.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run

from _common import WORKLOADS

#: The drivers' timed closures: ``request`` (defined in ``main``) and the streams' ``call``.
_TIMED = ("main.<locals>.request ", "main.<locals>.stream_call.<locals>.call ")


def _function(frame: str) -> str:
    """``name (file:line)`` -> ``name (file)``: a function's lines counted together."""
    name, sep, where = frame.rpartition(" (")
    if not sep:
        return frame
    return f"{name} ({where.rsplit(':', 1)[0]})"


def summarize(raw: str, top: int, by_line: bool = False) -> str:
    """Self and inclusive shares of frames, over the samples inside the timed call."""
    selfs: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    in_call = total = 0
    with open(raw, encoding="utf-8", errors="replace") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue  # not a "frame;frame;... count" line
            n = int(count)
            total += n
            frames = stack.split(";")
            marks = [i for i, fr in enumerate(frames) if fr.startswith(_TIMED)]
            if not marks:
                continue
            in_call += n
            frames = frames[marks[0] :]
            if not by_line:
                frames = [_function(fr) for fr in frames]
            selfs[frames[-1]] += n
            for fr in set(frames[1:]):
                incl[fr] += n
    if not in_call:
        return f"no samples inside the timed call (of {total})"
    lines = [f"{in_call} samples inside the call ({100 * in_call / total:.0f}% of {total})"]
    lines.append("\nself time:")
    lines += [f"  {100 * n / in_call:5.1f}%  {fr}" for fr, n in selfs.most_common(top)]
    lines.append("\ninclusive time:")
    lines += [f"  {100 * n / in_call:5.1f}%  {fr}" for fr, n in incl.most_common(top)]
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", required=True, choices=WORKLOADS)
    p.add_argument("--client", default="openapiopenai", choices=run.CLIENTS)
    p.add_argument("--iterations", type=int, default=None)
    p.add_argument("--py-spy", default=shutil.which("py-spy"), help="the py-spy executable")
    p.add_argument("--native", action="store_true", help="include native (C/Rust) frames")
    p.add_argument(
        "--gil",
        action="store_true",
        help="only samples holding the GIL: leaves out waits in recv/send (a CPU view)",
    )
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--rate", type=int, default=1000, help="samples per second")
    p.add_argument("--raw", help="keep py-spy's raw (collapsed) output here")
    p.add_argument("--by-line", action="store_true", help="count each line apart")
    p.add_argument("--python", default=sys.executable)
    p.add_argument(
        "--stdlib-base64", action="store_true", help="keep base64 to the stdlib (no pybase64)"
    )
    args = p.parse_args()
    if not args.py_spy:
        p.error("py-spy not found: pip install py-spy, or pass --py-spy PATH")
    iterations = args.iterations or {"small": 20000, "upload": 600, "threads": 20000}.get(
        args.workload, 150
    )

    env = run.driver_env([run.REPO])
    if args.stdlib_base64:
        env[run.NO_PYBASE64] = "1"
    server = run.Server(args.python, env)
    raw = args.raw or os.path.join(tempfile.mkdtemp(prefix="bench-profile-"), "raw.txt")
    try:
        # Non-blocking: pausing the process at every sample slows it many times over.
        cmd = [args.py_spy, "record", "--nonblocking", "-r", str(args.rate), "-f", "raw", "-o", raw]
        if args.native:
            cmd.append("--native")
        if args.gil:
            cmd.append("--gil")
        cmd += [
            "--",
            args.python,
            os.path.join(run.BENCH, f"driver_{args.client}.py"),
            "--workload",
            args.workload,
            "--host",
            server.host,
            "--iterations",
            str(iterations),
            "--warmup",
            "3",
            *(
                ["--outdir", tempfile.mkdtemp(prefix="bench-save-")]
                if args.workload == "save"
                else []
            ),
            "--memory-calls",
            "0",
            "--calls",
            str(iterations),
        ]
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    finally:
        server.stop()
    print(summarize(raw, args.top, args.by_line))
    print(f"\nraw profile: {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
