"""Benchmark openapiopenai against the floor (raw urllib3) and, if installed, openai.

    python bench/run.py [--quick] [--strict] [--json bench/results/latest.json]
                        [--workloads small,large,large-str,large-bytes,upload,import]
                        [--update-readme]

Starts the loopback stand-in server (bench/server.py) in its own process, runs every
driver (bench/driver_*.py) in a process of its own per workload and round, times the
import workload with fresh interpreters, then prints a table with each figure's ratio to
the floor measured in the same run and a PASS/FAIL verdict per target.  See
bench/README.md for what the figures mean and how they are measured.

Exit status: 0 when every driver ran (verdicts are printed, not enforced), 1 with
``--strict`` when a target is missed, 2 when a driver or the server failed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
DEFAULT_JSON = os.path.join(BENCH, "results", "latest.json")
README = os.path.join(BENCH, "README.md")
PROJECT_README = os.path.join(os.path.dirname(BENCH), "README.md")
MB = 1024 * 1024

ALL_WORKLOADS = ("small", "large", "large-str", "large-bytes", "upload", "import")
CLIENTS = ("floor", "openapiopenai", "openai")

#: (iterations, warm-up calls) per driver process, by mode.
ITERATIONS = {
    "full": {
        "small": (800, 100),
        "large": (30, 4),
        "large-str": (20, 3),
        "large-bytes": (20, 3),
        "upload": (100, 10),
    },
    "quick": {
        "small": (200, 20),
        "large": (6, 2),
        "large-str": (4, 1),
        "large-bytes": (4, 1),
        "upload": (15, 3),
    },
}
#: Driver processes per client and workload, alternating floor / client: other load on
#: the machine comes and goes, and the best round is the one least disturbed.
ROUNDS = {"full": 5, "quick": 1}
IMPORT_RUNS = {"full": 25, "quick": 5}

IMPORT_CODE = {
    "floor": "import urllib3, pydantic, dateutil, typing_extensions",
    "openapiopenai": "import openapiopenai",
    "openai": "import openai",
}
#: Informational: import and first use (the models are built), no target.
IMPORT_USE_CODE = {
    "floor": "import urllib3, dateutil, typing_extensions; from pydantic import BaseModel",
    "openapiopenai": (
        "import openapiopenai as o; o.ImagesApi; o.ApiClient; o.Configuration;"
        " o.CreateImageRequest; o.ImagesResponse"
    ),
    "openai": "import openai; openai.OpenAI; openai.types.ImagesResponse",
}


@dataclass(frozen=True)
class Target:
    """One workload's targets, as ratios to the floor (and memory bounds)."""

    cpu_ratio: Optional[float] = None
    mem_body_ratio: Optional[float] = None  # memory growth / response body size
    mem_abs_bytes: Optional[int] = None  # memory growth beyond the inputs

    def describe(self) -> str:
        parts = []
        if self.cpu_ratio is not None:
            parts.append(f"CPU <= {self.cpu_ratio:.2f}x")
        if self.mem_body_ratio is not None:
            parts.append(f"mem <= {self.mem_body_ratio:.1f}x body")
        if self.mem_abs_bytes is not None:
            parts.append(f"mem <= {self.mem_abs_bytes / MB:.0f} MiB")
        return ", ".join(parts)


TARGETS = {
    "small": Target(cpu_ratio=1.10),
    "large": Target(cpu_ratio=0.30, mem_body_ratio=2.2),
    "upload": Target(cpu_ratio=1.20, mem_abs_bytes=2 * MB),
    # Fresh interpreters' CPU time (user + system): wall time adds whatever else runs.
    "import": Target(cpu_ratio=1.15),
}


# --- processes ---------------------------------------------------------------------------


def driver_env(extra_path: list[str]) -> dict[str, str]:
    """The environment for child processes: PYTHONPATH first, then the repository."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths + extra_path)
    # Imports read cached bytecode, as from an installed package: kept under a prefix
    # outside the source tree (PYTHONDONTWRITEBYTECODE would make every run compile).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "openapiopenai-bench-pyc")
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return env


class Server:
    """bench/server.py in its own process; it exits when our end of its stdin closes."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [python, os.path.join(BENCH, "server.py"), "--watch-stdin", "--lifetime", "900"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the stand-in server did not start")
        info = json.loads(line)
        self.port: int = info["port"]
        self.bodies: dict[str, int] = info["bodies"]
        self.host = f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__stats", timeout=5) as r:
            return dict(json.loads(r.read()))

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(timeout=5)


def run_driver(
    python: str, env: dict[str, str], client: str, workload: str, host: str, mode: str
) -> dict[str, Any]:
    iterations, warmup = ITERATIONS[mode][workload]
    cmd = [
        python,
        os.path.join(BENCH, f"driver_{client}.py"),
        "--workload",
        workload,
        "--host",
        host,
        "--iterations",
        str(iterations),
        "--warmup",
        str(warmup),
        "--memory-calls",
        "3" if mode == "full" else "1",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(
            f"driver {client}/{workload} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def time_fresh_interpreter(python: str, env: dict[str, str], code: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of ``python -c code``."""
    start = time.perf_counter()
    proc = subprocess.Popen([python, "-c", code], env=env, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{python} -c {code!r} failed ({proc.returncode})")
    return wall, usage.ru_utime + usage.ru_stime


def import_self_us(python: str, env: dict[str, str], module: str) -> Optional[int]:
    """Cumulative microseconds ``-X importtime`` reports for ``module`` (one run)."""
    proc = subprocess.run(
        [python, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
    )
    for line in proc.stderr.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    return None


# --- workloads ---------------------------------------------------------------------------


def combine_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One figure per client from several driver processes.

    Each process reports medians over its calls; across processes the lowest median
    wins (other load on the machine only ever adds time), memory takes the median.
    """
    first = dict(runs[0])
    first["rounds"] = len(runs)
    first["cpu_s_per_call"] = min(r["cpu_s"]["median"] for r in runs)
    first["wall_s_per_call"] = min(r["wall_s"]["median"] for r in runs)
    first["cpu_s_round_medians"] = [r["cpu_s"]["median"] for r in runs]
    first["wall_s_round_medians"] = [r["wall_s"]["median"] for r in runs]
    growth = [r["mem_growth_bytes"] for r in runs if r["mem_growth_bytes"] is not None]
    first["mem_growth_bytes"] = int(statistics.median(growth)) if growth else None
    return first


def run_call_workload(
    workload: str,
    clients: list[str],
    python: str,
    env: dict[str, str],
    server: Server,
    mode: str,
    log: Callable[[str], None],
) -> dict[str, Any]:
    per_client: dict[str, list[dict[str, Any]]] = {c: [] for c in clients}
    for r in range(ROUNDS[mode]):
        # Alternate the order so neither client always runs on a cooler machine.
        order = clients if r % 2 == 0 else list(reversed(clients))
        for client in order:
            log(f"  {workload:11s} round {r + 1}/{ROUNDS[mode]}: {client}")
            per_client[client].append(run_driver(python, env, client, workload, server.host, mode))
    results = {c: combine_rounds(runs) for c, runs in per_client.items()}
    payloads = {c: res["payload_chars"] for c, res in results.items()}
    if len(set(payloads.values())) != 1:
        raise RuntimeError(f"{workload}: clients parsed different data: {payloads}")
    body = server.bodies["large" if workload.startswith("large") else "small"]
    return {"workload": workload, "response_body_bytes": body, "clients": results}


def run_import_workload(
    clients: list[str], python: str, env: dict[str, str], mode: str, log: Callable[[str], None]
) -> dict[str, Any]:
    runs = IMPORT_RUNS[mode]
    out: dict[str, Any] = {"workload": "import", "runs": runs, "clients": {}}
    for label, codes in (("import", IMPORT_CODE), ("import_use", IMPORT_USE_CODE)):
        samples: dict[str, list[tuple[float, float]]] = {c: [] for c in clients}
        time_fresh_interpreter(python, env, "pass")  # warm the file cache
        for c in clients:
            time_fresh_interpreter(python, env, codes[c])
        log(f"  {label}: {runs} fresh interpreters per client, interleaved")
        for _ in range(runs):
            for c in clients:
                samples[c].append(time_fresh_interpreter(python, env, codes[c]))
        for c in clients:
            entry = out["clients"].setdefault(c, {})
            entry[label] = {
                "code": codes[c],
                "wall_s": statistics.median(s[0] for s in samples[c]),
                "cpu_s": statistics.median(s[1] for s in samples[c]),
            }
    for c in clients:
        module = {"floor": None, "openapiopenai": "openapiopenai", "openai": "openai"}[c]
        if module:
            out["clients"][c]["importtime_us"] = import_self_us(python, env, module)
    bare = [time_fresh_interpreter(python, env, "pass")[0] for _ in range(max(3, runs // 3))]
    out["bare_interpreter_wall_s"] = statistics.median(bare)
    return out


# --- verdicts and the table --------------------------------------------------------------


def ratio(value: Optional[float], floor: Optional[float]) -> Optional[float]:
    if value is None or floor is None or floor <= 0:
        return None
    return value / floor


def evaluate(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the table: each client's figures, ratios to the floor and verdict."""
    rows: list[dict[str, Any]] = []
    for wl in results:
        workload = wl["workload"]
        clients = wl["clients"]
        if workload == "import":
            for label in ("import", "import_use"):
                floor = clients["floor"][label]
                for name, res in clients.items():
                    fig = res[label]
                    row = {
                        "workload": "import" if label == "import" else "import+use",
                        "client": name,
                        "cpu_ms": fig["cpu_s"] * 1e3,
                        "cpu_ratio": ratio(fig["cpu_s"], floor["cpu_s"]),
                        "wall_ms": fig["wall_s"] * 1e3,
                        "wall_ratio": ratio(fig["wall_s"], floor["wall_s"]),
                        "mem_mb": None,
                        "mem_note": "",
                        "target": "",
                        "verdict": "",
                        "failed": [],
                    }
                    if label == "import" and name == "openapiopenai":
                        t = TARGETS["import"]
                        row["target"] = t.describe()
                        if t.cpu_ratio is not None and (row["cpu_ratio"] or 0) > t.cpu_ratio:
                            row["failed"].append("cpu")
                        row["verdict"] = "FAIL" if row["failed"] else "PASS"
                    rows.append(row)
            continue
        floor = clients["floor"]
        body = wl["response_body_bytes"]
        for name, res in clients.items():
            growth = res["mem_growth_bytes"]
            row = {
                "workload": workload,
                "client": name,
                "cpu_ms": res["cpu_s_per_call"] * 1e3,
                "cpu_ratio": ratio(res["cpu_s_per_call"], floor["cpu_s_per_call"]),
                "wall_ms": res["wall_s_per_call"] * 1e3,
                "wall_ratio": ratio(res["wall_s_per_call"], floor["wall_s_per_call"]),
                "mem_mb": None if growth is None else growth / MB,
                "mem_note": (
                    f"{growth / body:.2f}x body"
                    if growth is not None and workload.startswith("large")
                    else ""
                ),
                "target": "",
                "verdict": "",
                "failed": [],
            }
            if name == "openapiopenai" and workload in TARGETS:
                t = TARGETS[workload]
                row["target"] = t.describe()
                if t.cpu_ratio is not None and (row["cpu_ratio"] or 0) > t.cpu_ratio:
                    row["failed"].append("cpu")
                if t.mem_body_ratio is not None and (
                    growth is None or growth > t.mem_body_ratio * body
                ):
                    row["failed"].append("mem")
                if t.mem_abs_bytes is not None and (growth is None or growth > t.mem_abs_bytes):
                    row["failed"].append("mem")
                row["verdict"] = (
                    "FAIL (" + ", ".join(row["failed"]) + ")" if row["failed"] else "PASS"
                )
            rows.append(row)
    return rows


def _fmt(value: Optional[float], spec: str) -> str:
    return "-" if value is None else format(value, spec)


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| workload | client | CPU ms/call | CPU x floor | wall ms/call | wall x floor "
        "| mem growth MiB | target | verdict |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        mem = _fmt(r["mem_mb"], ".2f") + (f" ({r['mem_note']})" if r["mem_note"] else "")
        lines.append(
            f"| {r['workload']} | {r['client']} | {_fmt(r['cpu_ms'], '.3f')} "
            f"| {_fmt(r['cpu_ratio'], '.2f')} | {_fmt(r['wall_ms'], '.3f')} "
            f"| {_fmt(r['wall_ratio'], '.2f')} | {mem} | {r['target']} | {r['verdict']} |"
        )
    return "\n".join(lines)


def update_readme(text: str) -> None:
    """Put the table between the results markers of bench/README.md and the project's."""
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    for path in (README, PROJECT_README):
        with open(path, encoding="utf-8") as f:
            doc = f.read()
        if start not in doc or end not in doc:
            raise RuntimeError(f"{path}: no {start} ... {end} block to replace")
        before, rest = doc.split(start, 1)
        _, after = rest.split(end, 1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(before + start + "\n" + text + "\n" + end + after)


# --- main --------------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="few iterations (CI: keeps it working)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--json", default=DEFAULT_JSON, help="where to write the results JSON")
    p.add_argument("--no-json", action="store_true", help="write no JSON")
    p.add_argument("--workloads", default=",".join(ALL_WORKLOADS))
    p.add_argument(
        "--clients", default="floor,openapiopenai,openai", help="openai runs only if installed"
    )
    p.add_argument("--python", default=sys.executable, help="interpreter for the drivers")
    p.add_argument("--update-readme", action="store_true", help="put the table in README.md")
    p.add_argument("-q", "--silent", action="store_true", help="print only the table")
    args = p.parse_args(argv)

    mode = "quick" if args.quick else "full"
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = set(workloads) - set(ALL_WORKLOADS)
    if unknown:
        p.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    env = driver_env([REPO])
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    if "floor" not in clients:
        clients.insert(0, "floor")
    if "openai" in clients and not _importable(args.python, env, "openai"):
        clients.remove("openai")

    def log(msg: str) -> None:
        if not args.silent:
            print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_before = _load()
    if load_before is not None and load_before > max(1.0, (os.cpu_count() or 1) - 1):
        print(
            f"bench: note: load average {load_before:.1f} at start; other processes may "
            "disturb the figures (each figure is the best of its rounds)",
            file=sys.stderr,
        )
    log(f"bench: {mode} mode, clients {', '.join(clients)}, workloads {', '.join(workloads)}")
    results: list[dict[str, Any]] = []
    server: Optional[Server] = None
    server_stats: Optional[dict[str, Any]] = None
    try:
        call_workloads = [w for w in workloads if w != "import"]
        if call_workloads:
            server = Server(args.python, env)
            log(f"  stand-in server on {server.host}; bodies {server.bodies}")
            for w in call_workloads:
                results.append(run_call_workload(w, clients, args.python, env, server, mode, log))
            server_stats = server.stats()
        if "import" in workloads:
            results.append(run_import_workload(clients, args.python, env, mode, log))
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
    elapsed = time.perf_counter() - started

    rows = evaluate(results)
    text = table(rows)
    print(text)
    failed = [f"{r['workload']}: {r['verdict']}" for r in rows if r["failed"]]
    print(
        f"\n{mode} run in {elapsed:.1f} s; "
        + ("all targets met" if not failed else "missed: " + "; ".join(failed))
        + ("" if mode == "full" else " (quick mode: few iterations, verdicts are indicative)")
    )

    if not args.no_json:
        doc = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "mode": mode,
            "elapsed_s": round(elapsed, 2),
            "machine": {
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average_1min": {"start": load_before, "end": _load()},
            },
            "targets": {k: v.__dict__ for k, v in TARGETS.items()},
            "iterations": ITERATIONS[mode],
            "rounds": ROUNDS[mode],
            "server_stats": server_stats,
            "rows": rows,
            "results": results,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, sort_keys=True)
            f.write("\n")
        log(f"wrote {args.json}")
    if args.update_readme:
        stamp = datetime.date.today().isoformat()
        update_readme(
            f"Latest {mode} run ({stamp}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, {elapsed:.0f} s):\n\n{text}"
        )
    return 1 if (args.strict and failed) else 0


def _load() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _importable(python: str, env: dict[str, str], module: str) -> bool:
    proc = subprocess.run(
        [python, "-c", f"import {module}"], env=env, capture_output=True, timeout=60
    )
    return proc.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
