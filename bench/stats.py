"""Percentiles of measured durations, with failures counted as infinitely slow.

A request that failed or an acknowledgement that never arrived is kept in the
sample as ``math.inf``: dropping it would make a broken run look fast. Nothing
here measures anything.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (``fraction`` in 0..1)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Spread:
    """How long things took: count, failures and the usual percentiles, in seconds."""

    count: int
    failed: int
    p50: float
    p95: float
    p99: float
    worst: float

    @classmethod
    def of(cls, seconds: Iterable[float]) -> "Spread":
        values = sorted(seconds)
        return cls(
            count=len(values),
            failed=sum(1 for value in values if math.isinf(value)),
            p50=percentile(values, 0.50),
            p95=percentile(values, 0.95),
            p99=percentile(values, 0.99),
            worst=values[-1] if values else math.nan,
        )

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "failed": self.failed,
            "p50": self.p50,
            "p95": self.p95,
            "p99": self.p99,
            "worst": self.worst,
        }


def ratio(figure: float, reference: float) -> float:
    if reference == 0 or math.isnan(reference) or math.isnan(figure):
        return math.nan
    return figure / reference
