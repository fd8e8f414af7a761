"""bench/run.py's arithmetic: ratios per paired round, their median and spread, verdicts.

No timing here: the rounds are made up, so every figure the table shows is known.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import run


def rounds(suite: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    return {
        "suite": suite,
        "rounds": [
            {"order": ["floor", "openapiopenai"], "results": {"floor": f, "openapiopenai": c}}
            for f, c in pairs
        ],
    }


def cpu(seconds: float) -> dict[str, Any]:
    return {"cpu_s": {"median": seconds}, "mem_growth_bytes": 0}


def row(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (found,) = [r for r in rows if r["row"] == name and r["client"] == "openapiopenai"]
    return found


def test_each_round_is_compared_with_its_own_floor() -> None:
    # The floor's load doubles in round 2: per-pair ratios stay 0.5, pooled medians would not.
    suite = rounds("small", [(cpu(1.0), cpu(0.5)), (cpu(2.0), cpu(1.0)), (cpu(1.0), cpu(0.6))])
    small = row(run.evaluate({"small": suite}), "small")
    assert small["ratio"] == pytest.approx(0.5)
    assert (small["ratio_min"], small["ratio_max"]) == pytest.approx((0.5, 0.6))
    assert small["per_round"]["ratio"] == pytest.approx([0.5, 0.5, 0.6])
    assert small["rounds"] == 3
    assert small["verdict"] == "PASS"


def test_a_median_above_the_target_fails() -> None:
    suite = rounds("small", [(cpu(1.0), cpu(1.2)), (cpu(1.0), cpu(1.1)), (cpu(1.0), cpu(0.9))])
    small = row(run.evaluate({"small": suite}), "small")
    assert small["ratio"] == pytest.approx(1.1)
    assert small["verdict"] == "FAIL (ratio)"


def test_a_throughput_must_reach_the_floors() -> None:
    def tput(calls_per_s: float) -> dict[str, Any]:
        return {"calls_per_s": calls_per_s}

    faster = rounds("threads", [(tput(1000), tput(1200)), (tput(900), tput(990))])
    assert row(run.evaluate({"threads": faster}), "8 threads, one client")["verdict"] == "PASS"
    slower = rounds("threads", [(tput(1000), tput(800)), (tput(900), tput(810))])
    judged = row(run.evaluate({"threads": slower}), "8 threads, one client")
    assert judged["ratio"] == pytest.approx(0.85)
    assert judged["verdict"] == "FAIL (ratio)"


def test_an_unmeasured_stream_fails_and_linearity_is_per_process() -> None:
    def sizes(**cpu_s: float) -> dict[str, Any]:
        return {
            "sizes": {
                mb.lstrip("_"): ({"cpu_s": {"median": s}} if s else {"skipped": "slow"})
                for mb, s in cpu_s.items()
            }
        }

    linear = rounds(
        "stream-one",
        [(sizes(_12=0.1, _25=0.2, _50=0.4), sizes(_12=0.05, _25=0.1, _50=0.2))] * 3,
    )
    rows = run.evaluate({"stream-one": linear})
    assert row(rows, "stream one 50 MB")["verdict"] == "PASS"
    assert row(rows, "stream 50/12 MB")["value"] == pytest.approx(4.0)
    assert row(rows, "stream 50/12 MB")["verdict"] == "PASS"
    assert row(rows, "stream one 12 MB")["verdict"] == ""  # information only
    slow = rounds(
        "stream-one", [(sizes(_12=0.1, _25=0.2, _50=0.4), sizes(_12=2.0, _25=0, _50=0))] * 3
    )
    rows = run.evaluate({"stream-one": slow})
    assert "not measured" in row(rows, "stream one 50 MB")["verdict"]


def test_the_large_row_has_no_target() -> None:
    suite = rounds("large", [(cpu(1.0), cpu(0.9))] * 3)
    large = row(run.evaluate({"large": suite}), "large (call only)")
    assert large["target"] == "information"
    assert large["verdict"] == "" and large["failed"] == []


def test_the_table_shows_median_and_spread() -> None:
    suite = rounds("small", [(cpu(0.001), cpu(0.0005)), (cpu(0.001), cpu(0.0007))])
    text = run.table(run.evaluate({"small": suite}))
    assert "| small | openapiopenai | CPU ms/call | 1.00 | 0.60 | 0.60 | 0.50–0.70 | 2 |" in text
