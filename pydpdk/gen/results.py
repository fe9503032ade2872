"""The generator's results: per-stream records (live or final) that export to dict, JSON, CSV
and pandas, and latency histograms with percentiles.

Latency histograms are log-bucketed in TSC cycles: 64 buckets per power of two, so a bucket is at
most 1/64 of its lower bound wide and a percentile (the midpoint of its bucket, clamped to the
exact min and max) is within 0.79 % of the true sample value.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from .._native import lib

__all__ = ["Latency", "StreamResult", "StreamTotals", "GenResult", "percentile", "RELATIVE_ERROR"]

SUB = lib.PYDPDK_GEN_HIST_SUB_BITS
BUCKETS = lib.PYDPDK_GEN_HIST_BUCKETS
#: bound on a reported percentile's relative error (half a bucket's relative width)
RELATIVE_ERROR = 1.0 / (2 << SUB)
_LOWER = [lib.pydpdk_gen_hist_lower(i) for i in range(BUCKETS)] + [1 << lib.PYDPDK_GEN_HIST_MAX_EXP]


def percentile(hist: Sequence[int], q: float, lo: int, hi: int) -> float:
    """The q-quantile (0..1) of a histogram in cycles: the midpoint of the bucket holding it,
    clamped to [lo, hi] (the exact min and max)."""
    total = sum(hist)
    if total == 0:
        return 0.0
    rank = max(1, -(-int(q * total * 1_000_000) // 1_000_000))   # ceil(q * total), at least 1
    rank = min(rank, total)
    acc = 0
    for i, n in enumerate(hist):
        if n:
            acc += n
            if acc >= rank:
                mid = (_LOWER[i] + _LOWER[i + 1] - 1) / 2
                return float(min(max(mid, lo), hi))
    return float(hi)


@dataclass(frozen=True)
class Latency:
    """One stream's latency, in nanoseconds (TX: the tag's TSC; RX: the result's ``clock``)."""

    min: float
    mean: float
    max: float
    p50: float
    p90: float
    p99: float
    p999: float
    jitter: float                 # RFC 3550 interarrival jitter
    samples: int
    histogram: dict[float, int] = field(default_factory=dict, repr=False)  # bucket low (ns) -> count

    def as_dict(self) -> dict[str, float]:
        """The latency figures (ns) as a plain dict."""
        return {k: round(getattr(self, k), 1) for k in ("min", "mean", "max", "p50", "p90", "p99", "p999",
                                                        "jitter")}


@dataclass(frozen=True)
class StreamResult:
    """Counters of one stream. ``lost`` = tx_packets - (rx_packets - duplicated): exact once the
    generator has stopped and drained; while running, packets in flight count as lost."""

    id: int
    name: str
    state: str
    tx_packets: int
    tx_bytes: int
    rx_packets: int
    rx_bytes: int
    lost: int
    out_of_order: int
    duplicated: int
    late: int
    missing: int                      # sequence numbers below the highest received that never came
    unsent: int
    alloc_failures: int
    tx_pps: float
    tx_bps_l1: float
    tx_bps_l2: float
    rx_pps: float
    latency: Latency | None
    start_s: float | None = None      # when the stream started, seconds after start()
    end_s: float | None = None        # when it finished (or was stopped)
    clock: str = "tsc"                # the receive clock: "tsc" or "rx_timestamp" (Generator(clock=))
    clock_unit: str = ""              # what it counts (latencies are in ns either way)
    stage_dropped: int = 0            # built, then dropped by the stream's stage (never sent)
    stage_invalid: int = 0            # built, given a verdict outside the allowed set, freed

    def as_dict(self) -> dict[str, Any]:
        """The CLI's per-stream JSON object (latency_ns: min/mean/max/p50/p90/p99/p999/jitter or None)."""
        d = {k: v for k, v in asdict(self).items() if k != "latency"}
        d["tx_pps"] = round(self.tx_pps, 1)
        d["rx_pps"] = round(self.rx_pps, 1)
        d["tx_bps_l1"] = round(self.tx_bps_l1, 1)
        d["tx_bps_l2"] = round(self.tx_bps_l2, 1)
        d["latency_ns"] = self.latency.as_dict() if self.latency else None
        for k in ("start_s", "end_s"):
            d[k] = None if d[k] is None else round(d[k], 6)
        return d


@dataclass(frozen=True)
class StreamTotals:
    """One stream's cumulative counters and latency p99 (ns, None before a tagged packet came
    back): what observers (pydpdk.stats.Sampler, the notebook's live view) sample per stream."""

    stream: int
    name: str
    tx_packets: int
    rx_packets: int
    tx_bytes: int
    rx_bytes: int
    lost: int
    latency_p99_ns: float | None


@dataclass(frozen=True)
class GenResult:
    """A snapshot of every stream (``final`` once stopped and drained)."""

    elapsed_s: float
    streams: list[StreamResult]
    final: bool
    rx_untagged: int = 0
    tsc_hz: int = 0
    clock: str = "tsc"                # the receive clock, as each stream's
    clock_unit: str = ""
    rx_no_timestamp: int = 0          # clock rx_timestamp: tagged packets that came unstamped
    rx_stage_dropped: int = 0         # Generator(rx_stage=): received, DROP verdict, not measured
    rx_stage_invalid: int = 0         # received, a verdict outside the allowed set, not measured

    def __getitem__(self, i: int) -> StreamResult:
        return self.streams[i]

    @property
    def tx_packets(self) -> int:
        """Packets sent, all streams."""
        return sum(s.tx_packets for s in self.streams)

    @property
    def rx_packets(self) -> int:
        """Packets received back, all streams."""
        return sum(s.rx_packets for s in self.streams)

    @property
    def lost(self) -> int:
        """Packets lost, all streams (live: in-flight packets count as lost)."""
        return sum(s.lost for s in self.streams)

    def as_dict(self) -> dict[str, Any]:
        """One JSON-ready object: elapsed_s, clock, streams [...] (the CLI's --json)."""
        return {"elapsed_s": round(self.elapsed_s, 6), "final": self.final, "clock": self.clock,
                "clock_unit": self.clock_unit, "tsc_hz": self.tsc_hz, "rx_untagged": self.rx_untagged,
                "rx_no_timestamp": self.rx_no_timestamp, "rx_stage_dropped": self.rx_stage_dropped,
                "rx_stage_invalid": self.rx_stage_invalid, "streams": [s.as_dict() for s in self.streams]}

    def to_json(self, **kw: Any) -> str:
        """:meth:`as_dict` as a JSON string (``json.dumps`` keywords pass through)."""
        return json.dumps(self.as_dict(), **kw)

    def records(self) -> list[dict[str, Any]]:
        """Flat rows (latency columns latency_<stat>_ns), for CSV and pandas."""
        rows = []
        for s in self.streams:
            d = s.as_dict()
            lat = d.pop("latency_ns") or {}
            for k in ("min", "mean", "max", "p50", "p90", "p99", "p999", "jitter"):
                d[f"latency_{k}_ns"] = lat.get(k)
            rows.append(d)
        return rows

    def to_csv(self, path: str | None = None) -> str:
        """CSV text (one row per stream); also written to path when given."""
        rows = self.records()
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        text = buf.getvalue()
        if path is not None:
            with open(path, "w", newline="") as f:
                f.write(text)
        return text

    def to_pandas(self) -> Any:
        """One row per stream as a pandas DataFrame (pandas is optional)."""
        import pandas as pd          # optional dependency
        return pd.DataFrame(self.records())

    def text(self) -> str:
        """A table for terminals."""
        out = [f"{'id':>3} {'name':<12} {'tx':>12} {'rx':>12} {'lost':>10} {'ooo':>8} {'dup':>6} "
               f"{'tx_pps':>12} {'p50_us':>9} {'p99_us':>9} {'max_us':>9}"]
        for s in self.streams:
            lat = s.latency
            cells = (f"{lat.p50 / 1e3:9.2f} {lat.p99 / 1e3:9.2f} {lat.max / 1e3:9.2f}" if lat
                     else f"{'-':>9} {'-':>9} {'-':>9}")
            out.append(f"{s.id:>3} {s.name[:12]:<12} {s.tx_packets:>12} {s.rx_packets:>12} {s.lost:>10} "
                       f"{s.out_of_order:>8} {s.duplicated:>6} {s.tx_pps:>12.0f} {cells}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text()
