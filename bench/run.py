"""Benchmark openapiopenai against the floor (raw urllib3) and, if installed, openai.

    python bench/run.py [--quick] [--strict] [--json bench/results/latest.json]
                        [--suites small,large,save,stream,stream-one,upload,threads,
                                  coldstart,import]
                        [--update-readme]

Starts the loopback stand-in server (bench/server.py) in its own process, then runs each
suite in paired rounds: in every round the floor and each client run once, each in a
process of its own, in an order that alternates from round to round; every figure is
compared with the floor's *of the same round*, and a row reports the median of those
per-round ratios with their min–max.  See bench/README.md for how to read the table.

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
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
DEFAULT_JSON = os.path.join(BENCH, "results", "latest.json")
README = os.path.join(BENCH, "README.md")
PROJECT_README = os.path.join(os.path.dirname(BENCH), "README.md")
MB = 1024 * 1024

sys.path.insert(0, BENCH)
from _common import API_KEY, PROMPT, STREAM_ONE_MB  # noqa: E402

SUITES = (
    "small",
    "large",
    "save",
    "stream",
    "stream-one",
    "upload",
    "threads",
    "coldstart",
    "import",
)
CLIENTS = ("floor", "openapiopenai", "openai")
#: Suites the openai driver runs (when ``import openai`` works).
OPENAI_SUITES = ("small", "large", "save", "upload", "threads", "coldstart", "import")
NO_PYBASE64 = "OPENAPIOPENAI_NO_PYBASE64"

#: Paired rounds per suite, by mode (each round: the floor and every client once).  On a
#: shared machine one round's ratio swings by a fifth either way (``ratio min-max``): the
#: median of 11 wanders some 20% less than the median of 7 (1/sqrt(n)).
ROUNDS = {"full": 11, "quick": 3}
#: Fresh interpreters per client for ``coldstart`` and ``import``, paired like rounds.  A
#: process's wall time swings by a third or more on a shared machine, so cold start takes
#: many pairs: the median of 61 ratios wanders half as much as the median of 15.
PROCESS_PAIRS = {"full": {"coldstart": 61, "import": 21}, "quick": {"coldstart": 5, "import": 5}}
#: Driver arguments per suite, by mode.
DRIVER_ARGS: dict[str, dict[str, list[str]]] = {
    "full": {
        "small": ["--iterations", "400", "--warmup", "50"],
        "large": ["--iterations", "15", "--warmup", "3"],
        "save": ["--iterations", "12", "--warmup", "2"],
        "stream": ["--iterations", "15", "--warmup", "2", "--memory-calls", "1"],
        "stream-one": ["--iterations", "3", "--time-cap", "3"],
        "upload": ["--iterations", "40", "--warmup", "5"],
        "threads": ["--threads", "8", "--calls", "2000", "--warmup", "5"],
    },
    "quick": {
        "small": ["--iterations", "100", "--warmup", "10", "--memory-calls", "1"],
        "large": ["--iterations", "4", "--warmup", "1", "--memory-calls", "1"],
        "save": ["--iterations", "3", "--warmup", "1", "--memory-calls", "1"],
        "stream": ["--iterations", "4", "--warmup", "1", "--memory-calls", "1"],
        "stream-one": ["--iterations", "1", "--time-cap", "1"],
        "upload": ["--iterations", "8", "--warmup", "2", "--memory-calls", "1"],
        "threads": ["--threads", "8", "--calls", "400", "--warmup", "2"],
    },
}

_REQUEST = (
    "json.dumps({'prompt': %r, 'n': 1, 'response_format': 'url'}).encode()" % PROMPT  # noqa: UP031
)
#: ``coldstart``: process start -> imports, client, first small call done.  The floor
#: also imports pydantic and defines and validates one small model, so pydantic's own
#: start-up (its plugin loading included) is on both sides.
COLDSTART_CODE = {
    "floor": "\n".join(
        [
            "import json, os, urllib3, pydantic",
            "class Images(pydantic.BaseModel):",
            "    created: int",
            "    data: list",
            "pool = urllib3.PoolManager()",
            "r = pool.request('POST', os.environ['BENCH_HOST'] + '/images/generations',",
            f"    body={_REQUEST},",
            f"    headers={{'Authorization': 'Bearer {API_KEY}',",
            "             'Content-Type': 'application/json'})",
            "assert r.status == 200, r.status",
            "assert Images.model_validate(json.loads(r.data)).data",
        ]
    ),
    "openapiopenai": "\n".join(
        [
            "import os",
            "import openapiopenai",
            "config = openapiopenai.Configuration(",
            f"    host=os.environ['BENCH_HOST'], access_token={API_KEY!r})",
            "api = openapiopenai.ImagesApi(openapiopenai.ApiClient(config))",
            "response = api.create_image(openapiopenai.CreateImageRequest(",
            f"    prompt={PROMPT!r}, n=1, response_format='url'))",
            "assert response.data[0].url",
        ]
    ),
    "openai": "\n".join(
        [
            "import os, openai",
            f"client = openai.OpenAI(base_url=os.environ['BENCH_HOST'], api_key={API_KEY!r})",
            f"r = client.images.generate(prompt={PROMPT!r}, n=1, response_format='url')",
            "assert r.data[0].url",
        ]
    ),
}
IMPORT_CODE = {
    "floor": "import urllib3, pydantic, dateutil, typing_extensions",
    "openapiopenai": "import openapiopenai",
    "openai": "import openai",
}


# --- the rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure of one suite, the client's against the floor's.

    ``value(result)`` takes the figure from one process's result (``None``: not measured).
    The per-round ratio is client / floor (for a throughput, ``higher_is_better``, the
    target is a lower bound).  ``max_ratio``/``min_ratio`` bound the median ratio;
    ``max_value`` bounds the client's median figure itself (in display units).
    """

    name: str
    suite: str
    measure: str
    value: Callable[[dict[str, Any]], Optional[float]]
    client: str = "openapiopenai"
    unit_scale: float = 1e3  # to display units (ms by default)
    higher_is_better: bool = False
    max_ratio: Optional[float] = None
    min_ratio: Optional[float] = None
    max_value: Optional[float] = None
    unit: str = ""  # of ``max_value``
    info: bool = False  # shown, never judged
    others: tuple[str, ...] = ("openai",)  # other clients shown without a target

    def target(self) -> str:
        parts = []
        if self.max_ratio is not None:
            parts.append(f"<= {self.max_ratio:.2f}x floor")
        if self.min_ratio is not None:
            parts.append(f">= {self.min_ratio:.2f}x floor")
        if self.max_value is not None:
            parts.append(f"<= {self.max_value:g}{self.unit}")
        return ", ".join(parts) if parts else ("information" if self.info else "")


def _cpu(r: dict[str, Any]) -> Optional[float]:
    return float(r["cpu_s"]["median"]) if "cpu_s" in r else None


def _mem(r: dict[str, Any]) -> Optional[float]:
    growth = r.get("mem_growth_bytes")
    return None if growth is None else float(growth)


def _mem_body(r: dict[str, Any]) -> Optional[float]:
    growth, body = r.get("mem_growth_bytes"), r.get("response_body_bytes")
    return None if growth is None or not body else growth / body


def _size_cpu(mb: int) -> Callable[[dict[str, Any]], Optional[float]]:
    def value(r: dict[str, Any]) -> Optional[float]:
        fig = r.get("sizes", {}).get(str(mb), {})
        return float(fig["cpu_s"]["median"]) if "cpu_s" in fig else None

    return value


def _linearity(r: dict[str, Any]) -> Optional[float]:
    small, big = _size_cpu(STREAM_ONE_MB[0])(r), _size_cpu(STREAM_ONE_MB[-1])(r)
    return None if small is None or big is None or small <= 0 else big / small


ROWS: tuple[Row, ...] = (
    Row("small", "small", "CPU ms/call", _cpu, max_ratio=1.00),
    Row("large (call only)", "large", "CPU ms/call", _cpu, info=True),
    Row(
        "large-memory",
        "large",
        "growth x body",
        _mem_body,
        unit_scale=1.0,
        max_value=2.2,
        unit="x body",
        others=(),
    ),
    Row("call+save", "save", "CPU ms/call", _cpu, max_ratio=0.60),
    Row("call+save fast", "save", "CPU ms/call", _cpu, client="openapiopenai-fast", max_ratio=0.25),
    Row(
        "call+save memory",
        "save",
        "growth MiB",
        _mem,
        unit_scale=1 / MB,
        max_ratio=0.40,
        others=(),
    ),
    Row("stream 4x1.5 MB", "stream", "CPU ms/call", _cpu, max_ratio=0.90),
    *(
        Row(f"stream one {mb} MB", "stream-one", "CPU s", _size_cpu(mb), unit_scale=1.0, info=True)
        for mb in STREAM_ONE_MB[:-1]
    ),
    Row(
        f"stream one {STREAM_ONE_MB[-1]} MB",
        "stream-one",
        "CPU s",
        _size_cpu(STREAM_ONE_MB[-1]),
        unit_scale=1.0,
        max_value=0.5,
        unit=" s",
    ),
    Row(
        f"stream {STREAM_ONE_MB[-1]}/{STREAM_ONE_MB[0]} MB",
        "stream-one",
        "CPU ratio x",
        _linearity,
        unit_scale=1.0,
        max_value=4.5,
        unit="x",
    ),
    Row("upload", "upload", "CPU ms/call", _cpu, max_ratio=0.30),
    Row(
        "upload memory", "upload", "growth MiB", _mem, unit_scale=1 / MB, max_value=2.0, unit=" MiB"
    ),
    Row(
        "8 threads, one client",
        "threads",
        "calls/s",
        lambda r: r.get("calls_per_s"),
        unit_scale=1.0,
        higher_is_better=True,
        min_ratio=1.00,
    ),
    Row("cold start", "coldstart", "wall ms", lambda r: r.get("wall_s"), max_ratio=1.15),
    Row("import", "import", "CPU ms", lambda r: r.get("cpu_s"), max_ratio=0.30),
)


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
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", NO_PYBASE64):
        env.pop(name, None)
    return env


class Server:
    """bench/server.py in its own process; it exits when our end of its stdin closes."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [python, os.path.join(BENCH, "server.py"), "--watch-stdin", "--lifetime", "1200"],
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


@dataclass
class Variant:
    """One client as a suite runs it: its driver and any environment of its own."""

    name: str
    driver: str
    env: dict[str, str] = field(default_factory=dict)


def variants_for(suite: str, clients: list[str], fast: bool) -> list[Variant]:
    out = [Variant("floor", "floor")]
    if "openapiopenai" in clients:
        if suite == "save":
            out.append(Variant("openapiopenai", "openapiopenai", {NO_PYBASE64: "1"}))
            if fast:
                out.append(Variant("openapiopenai-fast", "openapiopenai"))
        else:
            out.append(Variant("openapiopenai", "openapiopenai"))
    if "openai" in clients and suite in OPENAI_SUITES:
        out.append(Variant("openai", "openai"))
    return out


def run_driver(
    python: str, env: dict[str, str], variant: Variant, suite: str, host: str, mode: str
) -> dict[str, Any]:
    cmd = [
        python,
        os.path.join(BENCH, f"driver_{variant.driver}.py"),
        "--workload",
        suite,
        "--host",
        host,
        *DRIVER_ARGS[mode][suite],
    ]
    with tempfile.TemporaryDirectory(prefix="bench-save-") as outdir:
        if suite == "save":
            cmd += ["--outdir", outdir]
        proc = subprocess.run(
            cmd, env={**env, **variant.env}, capture_output=True, text=True, timeout=400
        )
    if proc.returncode != 0:
        raise RuntimeError(
            f"driver {variant.name} on {suite} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def time_process(python: str, env: dict[str, str], code: str) -> dict[str, Any]:
    """Wall seconds (start to exit) and CPU seconds (user + system) of ``python -c code``."""
    start = time.perf_counter()
    proc = subprocess.Popen([python, "-c", code], env=env, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code_ = os.waitstatus_to_exitcode(status)
    if code_ != 0:
        raise RuntimeError(f"{python} -c {code!r} failed ({code_})")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime}


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


# --- suites ------------------------------------------------------------------------------


def run_suite(
    suite: str,
    variants: list[Variant],
    python: str,
    env: dict[str, str],
    server: Optional[Server],
    mode: str,
    log: Callable[[str], None],
) -> dict[str, Any]:
    """Every round of one suite: ``rounds[i][variant]`` is that process's result."""
    process_suite = suite in ("coldstart", "import")
    count = PROCESS_PAIRS[mode][suite] if process_suite else ROUNDS[mode]
    codes = COLDSTART_CODE if suite == "coldstart" else IMPORT_CODE
    if process_suite:
        child_env = dict(env)
        if server is not None:
            child_env["BENCH_HOST"] = server.host
        time_process(python, child_env, "pass")  # warm the file cache and bytecode
        for v in variants:
            time_process(python, child_env, codes[v.name])
        log(f"  {suite:10s} {count} paired fresh interpreters")
    rounds: list[dict[str, Any]] = []
    for r in range(count):
        # Alternate the order so no client always runs on a cooler machine.
        order = variants if r % 2 == 0 else list(reversed(variants))
        results: dict[str, Any] = {}
        for v in order:
            if process_suite:
                results[v.name] = time_process(python, child_env, codes[v.name])
            else:
                log(f"  {suite:10s} round {r + 1}/{count}: {v.name}")
                assert server is not None
                results[v.name] = run_driver(python, env, v, suite, server.host, mode)
        rounds.append({"order": [v.name for v in order], "results": results})
    out: dict[str, Any] = {"suite": suite, "rounds": rounds}
    if server is not None and not process_suite:
        body = {"large": "large", "save": "large", "stream": "stream"}.get(suite, "small")
        out["response_body_bytes"] = server.bodies.get(body)
        for rnd in rounds:
            for res in rnd["results"].values():
                res["response_body_bytes"] = out["response_body_bytes"]
        payloads = {
            json.dumps(res.get("payload_chars", res.get("sizes", {}).get("payload_chars")))
            for rnd in rounds
            for res in rnd["results"].values()
            if "payload_chars" in res
        }
        if len(payloads) > 1:
            raise RuntimeError(f"{suite}: clients parsed different data: {payloads}")
    if suite == "import":
        out["importtime_us"] = {
            v.name: import_self_us(python, env, m)
            for v, m in (
                (v, {"openapiopenai": "openapiopenai", "openai": "openai"}.get(v.name))
                for v in variants
            )
            if m
        }
    return out


# --- verdicts and the table --------------------------------------------------------------


def evaluate(suites: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows: per-round figures and ratios, their medians, targets, verdicts."""
    rows: list[dict[str, Any]] = []
    for spec in ROWS:
        suite = suites.get(spec.suite)
        if suite is None:
            continue
        names = [spec.client] + [c for c in spec.others if c != spec.client]
        for client in names:
            if not any(client in rnd["results"] for rnd in suite["rounds"]):
                continue
            judged = client == spec.client and not spec.info
            floor_values, values, ratios = [], [], []
            for rnd in suite["rounds"]:
                res = rnd["results"]
                f = spec.value(res["floor"]) if "floor" in res else None
                c = spec.value(res[client]) if client in res else None
                floor_values.append(f)
                values.append(c)
                if f is not None and c is not None and f > 0 and c > 0:
                    ratios.append(c / f)
                else:
                    ratios.append(None)
            row: dict[str, Any] = {
                "row": spec.name,
                "suite": spec.suite,
                "client": client,
                "measure": spec.measure,
                "floor": _median(floor_values, spec.unit_scale),
                "value": _median(values, spec.unit_scale),
                "ratio": _median(ratios),
                "ratio_min": min((r for r in ratios if r is not None), default=None),
                "ratio_max": max((r for r in ratios if r is not None), default=None),
                "rounds": len(suite["rounds"]),
                "per_round": {"floor": floor_values, "client": values, "ratio": ratios},
                "target": spec.target() if judged or spec.info else "",
                "verdict": "",
                "failed": [],
            }
            if judged:
                missing = row["value"] is None or any(v is None for v in values)
                if missing:
                    row["failed"].append("not measured")
                ratio = row["ratio"]
                if spec.max_ratio is not None and (ratio is None or ratio > spec.max_ratio):
                    row["failed"].append("ratio")
                if spec.min_ratio is not None and (ratio is None or ratio < spec.min_ratio):
                    row["failed"].append("ratio")
                if spec.max_value is not None and (
                    row["value"] is None or row["value"] > spec.max_value
                ):
                    row["failed"].append("value")
                row["failed"] = sorted(set(row["failed"]))
                row["verdict"] = (
                    "FAIL (" + ", ".join(row["failed"]) + ")" if row["failed"] else "PASS"
                )
            rows.append(row)
    return rows


def _median(values: list[Optional[float]], scale: float = 1.0) -> Optional[float]:
    present = [v for v in values if v is not None]
    return statistics.median(present) * scale if present else None


def _fmt(value: Optional[float]) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if abs(value) >= 0.1 else f"{value:.3f}"


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| row | client | measure | floor | client | ratio (median) | ratio min–max "
        "| rounds | target | verdict |"
    )
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        spread = "-" if r["ratio_min"] is None else f"{r['ratio_min']:.2f}–{r['ratio_max']:.2f}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(
            f"| {r['row']} | {r['client']} | {r['measure']} | {_fmt(r['floor'])} "
            f"| {_fmt(r['value'])} | {ratio} | {spread} | {r['rounds']} | {r['target']} "
            f"| {r['verdict']} |"
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
    p.add_argument(
        "--quick", action="store_true", help="few rounds and calls (CI: keeps it working)"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--json", default=DEFAULT_JSON, help="where to write the results JSON")
    p.add_argument("--no-json", action="store_true", help="write no JSON")
    p.add_argument("--suites", "--workloads", default=",".join(SUITES), dest="suites")
    p.add_argument(
        "--clients", default="floor,openapiopenai,openai", help="openai runs only if installed"
    )
    p.add_argument("--python", default=sys.executable, help="interpreter for the drivers")
    p.add_argument("--update-readme", action="store_true", help="put the table in README.md")
    p.add_argument("-q", "--silent", action="store_true", help="print only the table")
    args = p.parse_args(argv)

    mode = "quick" if args.quick else "full"
    suites = [w.strip() for w in args.suites.split(",") if w.strip()]
    unknown = set(suites) - set(SUITES)
    if unknown:
        p.error(f"unknown suites: {', '.join(sorted(unknown))}")
    if args.update_readme and (mode != "full" or set(suites) != set(SUITES)):
        p.error("--update-readme takes one full run of every suite (no --quick, no --suites)")
    env = driver_env([REPO])
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    if "openai" in clients and not _importable(args.python, env, "openai"):
        clients.remove("openai")
    fast = _importable(args.python, env, "pybase64")

    def log(msg: str) -> None:
        if not args.silent:
            print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_before = _load()
    if load_before is not None and load_before > max(1.0, (os.cpu_count() or 1) - 1):
        print(
            f"bench: note: load average {load_before:.1f} at start; other processes disturb "
            "the figures (see each row's min–max)",
            file=sys.stderr,
        )
    log(
        f"bench: {mode} mode, clients {', '.join(clients)}, suites {', '.join(suites)}"
        + ("" if fast else " (pybase64 not importable: no 'call+save fast' row)")
    )
    results: dict[str, dict[str, Any]] = {}
    server: Optional[Server] = None
    server_stats: Optional[dict[str, Any]] = None
    try:
        if set(suites) - {"import"}:
            server = Server(args.python, env)
            log(f"  stand-in server on {server.host}; bodies {server.bodies}")
        for suite in suites:
            began = time.perf_counter()
            results[suite] = run_suite(
                suite, variants_for(suite, clients, fast), args.python, env, server, mode, log
            )
            results[suite]["elapsed_s"] = round(time.perf_counter() - began, 2)
        if server is not None:
            server_stats = server.stats()
    except (RuntimeError, OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
    elapsed = time.perf_counter() - started

    rows = evaluate(results)
    text = table(rows)
    print(text)
    failed = [f"{r['row']}: {r['verdict']}" for r in rows if r["failed"]]
    print(
        f"\n{mode} run in {elapsed:.1f} s; "
        + ("all targets met" if not failed else "missed: " + "; ".join(failed))
        + ("" if mode == "full" else " (quick mode: few rounds, verdicts are indicative)")
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
            "pybase64_importable": fast,
            "driver_args": DRIVER_ARGS[mode],
            "rounds": ROUNDS[mode],
            "process_pairs": PROCESS_PAIRS[mode],
            "server_stats": server_stats,
            "rows": rows,
            "suites": results,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
        log(f"wrote {args.json}")
    if args.update_readme:
        stamp = datetime.date.today().isoformat()
        update_readme(
            f"Latest full run ({stamp}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, load average {load_before} at start, {elapsed:.0f} s, "
            f"pybase64 {'installed' if fast else 'absent'}):\n\n{text}"
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
