"""bench/bench.py's measurement in turns (issue #8): the action and its reference run ABBA in short rounds and each
side's rounds are merged, so the percentiles are those of all its requests and the throughput all its requests over
all its time. wrk itself is replaced here by recorded runs; bench/run drives the real one."""

import math

import pytest

from bench import bench


def _run(latencies_us: list[int], seconds: float) -> dict:
    histogram: dict[int, int] = {}
    for value in latencies_us:
        histogram[value] = histogram.get(value, 0) + 1
    ordered = sorted(latencies_us)
    return {"requests": len(latencies_us), "duration_us": int(seconds * 1e6), "rps": len(latencies_us) / seconds,
            "status_errors": 0, "p95_us": ordered[math.floor(0.95 * len(ordered) + 1.0) - 1],
            "p99_us": ordered[math.floor(0.99 * len(ordered) + 1.0) - 1],
            "max_us": ordered[-1], "histogram": sorted(histogram.items())}


def test_merged_percentile_is_wrks_rule_over_all_the_runs_latencies():
    # 200 requests: 198 fast, 2 slow. Rank of p99 = round(0.99·200 + 0.5) = 199 (C's round, halves up) → the first slow one.
    fast, slow = [(1000 + i, 1) for i in range(198)], [(50_000, 1), (90_000, 1)]
    assert bench.merged_percentile([fast[:100], fast[100:] + slow], 99) == 50_000
    assert bench.merged_percentile([fast[:100], fast[100:] + slow], 50) == 1100  # rank round(0.5·200 + 0.5) = 101
    assert bench.merged_percentile([fast, slow], 100) == 90_000
    # One more fast request: rank round(0.99·201 + 0.5) = 199 of 201 is the last fast one.
    assert bench.merged_percentile([fast + [(999, 1)], slow], 99) == 1197
    assert bench.merged_percentile([], 99) == 0


def test_in_turns_alternates_abba_and_merges_each_sides_rounds(monkeypatch):
    order, recorded = [], {
        "ref": [_run([2000] * 99 + [40_000], 2.0), _run([2000] * 100, 2.0), _run([3000] * 100, 2.0)],
        "action": [_run([4000] * 100, 2.0), _run([5000] * 49 + [9000], 2.0), _run([4000] * 50, 2.0)],
    }

    def fake_wrk(*, port, path, duration, histogram, side):
        assert histogram and duration == 2 and port == 1
        order.append(side)
        return recorded[side][sum(1 for s in order if s == side) - 1]

    monkeypatch.setattr(bench, "wrk", fake_wrk)
    merged = bench.in_turns({"ref": {"port": 1, "path": "/", "side": "ref"},
                             "action": {"port": 1, "path": "/", "side": "action"}}, rounds=3, duration=2)
    assert order == ["ref", "action", "action", "ref", "ref", "action"]
    ref, action = merged["ref"], merged["action"]
    assert ref["requests"] == 300 and ref["rps"] == pytest.approx(50.0)
    assert action["requests"] == 200 and action["rps"] == pytest.approx(200 / 6)
    # The reference's one 40 ms stall is 1 of its 300 requests: above its p99 rank (297), so the merged p99 is 3 ms,
    # where the first round alone said 40 ms.
    assert recorded["ref"][0]["p99_us"] == 40_000 and ref["p99_us"] == 3000 and ref["max_us"] == 40_000
    assert action["p99_us"] == 5000 and action["p50_us"] == 4000
    assert [r["p99_us"] for r in action["rounds"]] == [4000, 9000, 4000]
    assert [r["p95_us"] for r in ref["rounds"]] == [2000, 2000, 3000]  # what each page's row prints per round
