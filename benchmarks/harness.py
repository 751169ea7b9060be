"""A tiny benchmark harness: one process, one run, every figure a ratio to a baseline
measured in the same run (the machines are shared and noisy; absolute times are not
comparable between runs, ratios mostly are)."""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Measurement:
    name: str
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(name: str, func: Callable[[], object], *, repeat: int, warmup: int = 10) -> Measurement:
    for _ in range(warmup):
        func()
    gc.collect()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        func()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return Measurement(name, samples)


def report(measurement: Measurement, baseline: Measurement | None, **extra) -> dict:
    line = {
        "name": measurement.name,
        "n": len(measurement.samples_ms),
        "median_ms": round(measurement.median, 3),
        "p95_ms": round(measurement.p95, 3),
        "ratio_to_baseline": round(measurement.median / baseline.median, 2) if baseline else 1.0,
        **extra,
    }
    print(json.dumps(line), flush=True)
    return line
