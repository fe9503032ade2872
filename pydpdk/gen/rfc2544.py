"""Benchmark procedures on the generator: an RFC 2544 (section 26.1) throughput search and a
latency-at-load sweep.

    result = throughput(port, stream, rx=[port], loss_ratio=0.0, trial_s=1.0, resolution=0.01)
    print(result.text())            # every trial, then the highest rate that passed

Each trial is one Generator run of ``trial_s`` seconds' worth of packets (count = rate * trial_s)
at a constant rate, followed by the drain: loss is exact (tx - rx), not sampled.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..errors import invalid
from .engine import Generator
from .stream import L1_OVERHEAD, Stream

__all__ = ["Trial", "ThroughputResult", "throughput", "latency_sweep"]


@dataclass(frozen=True)
class Trial:
    """One RFC 2544 trial: the offered rate, packets sent and received, loss, pass/fail, latency."""
    rate_pps: float
    tx_packets: int
    rx_packets: int
    lost: int
    loss_ratio: float
    passed: bool
    tx_pps: float
    latency_ns: dict[str, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The trial as plain data (JSON-ready)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ThroughputResult:
    """The highest rate that passed (0 if none did), and every trial in order."""

    rate_pps: float
    frame_len: float
    loss_ratio: float
    trials: list[Trial] = field(default_factory=list)

    @property
    def rate_bps_l1(self) -> float:
        """The found rate in bit/s on the wire (frame plus preamble, SFD and inter-frame gap)."""
        return self.rate_pps * (self.frame_len + L1_OVERHEAD) * 8

    def as_dict(self) -> dict[str, Any]:
        """The result as plain data (JSON-ready), trials included."""
        return {"rate_pps": round(self.rate_pps, 1), "rate_bps_l1": round(self.rate_bps_l1, 1),
                "frame_len": self.frame_len, "loss_ratio": self.loss_ratio,
                "trials": [t.as_dict() for t in self.trials]}

    def text(self) -> str:
        """A table with one line per trial: rate, tx, rx, lost, loss ratio, pass or FAIL."""
        out = [f"{'trial':>5} {'rate_pps':>14} {'tx':>12} {'rx':>12} {'lost':>10} {'loss':>10}  result"]
        for i, t in enumerate(self.trials):
            out.append(f"{i:>5} {t.rate_pps:>14.0f} {t.tx_packets:>12} {t.rx_packets:>12} {t.lost:>10} "
                       f"{t.loss_ratio:>10.2e}  {'pass' if t.passed else 'FAIL'}")
        out.append(f"throughput: {self.rate_pps:.0f} pps ({self.rate_bps_l1 / 1e6:.1f} Mbit/s L1) at "
                   f"{self.frame_len:g} bytes, loss <= {self.loss_ratio:g}")
        return "\n".join(out)

    def plot(self, ax: Any = None) -> Any:
        """Loss ratio against rate for every trial (matplotlib, optional)."""
        import matplotlib.pyplot as plt
        ax = ax or plt.gca()
        ax.scatter([t.rate_pps for t in self.trials], [t.loss_ratio for t in self.trials],
                   c=["g" if t.passed else "r" for t in self.trials])
        ax.set_xlabel("offered rate (pps)")
        ax.set_ylabel("loss ratio")
        return ax


def _trial(port: Any, stream: Stream, rx: Any, pps: float, trial_s: float, loss_ratio: float,
           gen_kw: dict[str, Any]) -> Trial:
    count = max(1, int(round(pps * trial_s)))
    s = dataclasses.replace(stream, rate=pps, count=count, burst=None, bursts=None, start_after=None)
    with Generator([s], port=port, rx=rx, **gen_kw) as gen:
        gen.start()
        gen.wait(trial_s * 4 + 2, stop=False)
        r = gen.stop().streams[0]
    ratio = r.lost / r.tx_packets if r.tx_packets else 1.0
    passed = r.tx_packets == count and ratio <= loss_ratio
    return Trial(pps, r.tx_packets, r.rx_packets, r.lost, ratio, passed, r.tx_pps,
                 r.latency.as_dict() if r.latency else None)


def throughput(port: Any, stream: Stream | None = None, *, rx: Any = True, loss_ratio: float = 0.0,
               trial_s: float = 1.0, resolution: float = 0.01, max_pps: float | None = None,
               max_trials: int = 20, on_trial: Callable[[Trial], None] | None = None,
               **gen_kw: Any) -> ThroughputResult:
    """Binary search for the highest constant rate whose loss ratio is at most ``loss_ratio``.

    The search starts at ``max_pps`` (default: the link's line rate for the stream's frames, or
    the engine's own ceiling measured by a trial at full speed when the link reports no speed),
    and stops when the interval is narrower than ``resolution`` x max_pps or after max_trials.
    ``on_trial`` is called after each trial (the CLI prints them)."""
    stream = stream or Stream()
    if not isinstance(loss_ratio, (int, float)) or not 0 <= loss_ratio < 1:
        raise invalid("loss_ratio", loss_ratio, "a ratio from 0 (no loss) to below 1", "throughput")
    if not isinstance(trial_s, (int, float)) or not trial_s > 0:
        raise invalid("trial_s", trial_s, "seconds > 0", "throughput")
    if not isinstance(resolution, (int, float)) or not 0 < resolution < 1:
        raise invalid("resolution", resolution, "a fraction of the maximum rate, 0 < r < 1", "throughput")
    built = stream.build()
    frame_len = built["mean_len"]
    trials: list[Trial] = []

    def run(pps: float) -> Trial:
        t = _trial(port, stream, rx, pps, trial_s, loss_ratio, gen_kw)
        trials.append(t)
        if on_trial is not None:
            on_trial(t)
        return t

    if max_pps is None:
        link = port.link()
        if link.up and link.speed_mbps:
            max_pps = link.speed_mbps * 1e6 / ((frame_len + L1_OVERHEAD) * 8)
        else:                      # no line rate: the engine's own ceiling
            probe = dataclasses.replace(stream, rate=None, count=None, burst=None, bursts=None)
            with Generator([probe], port=port, rx=None, **gen_kw) as g:
                g.start()
                g.wait(min(trial_s, 1.0), stop=False)
                max_pps = g.stop().streams[0].tx_pps
    if not max_pps or max_pps <= 0:
        raise invalid("max_pps", max_pps, "a positive rate", "throughput")
    lo, hi, best = 0.0, float(max_pps), 0.0
    t = run(hi)
    if t.passed:
        return ThroughputResult(hi, frame_len, loss_ratio, trials)
    while len(trials) < max_trials and hi - lo > resolution * max_pps:
        mid = (lo + hi) / 2
        if run(mid).passed:
            lo = best = mid
        else:
            hi = mid
    return ThroughputResult(best, frame_len, loss_ratio, trials)


def latency_sweep(port: Any, stream: Stream | None = None, *, rx: Any = True, rate_pps: float,
                  loads: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9, 1.0), trial_s: float = 1.0,
                  **gen_kw: Any) -> list[Trial]:
    """One trial at each fraction of ``rate_pps`` (e.g. the throughput found): latency and loss
    at each load, as rows."""
    stream = stream or Stream()
    if not rate_pps or rate_pps <= 0:
        raise invalid("rate_pps", rate_pps, "a positive rate (e.g. the throughput)", "latency_sweep")
    return [_trial(port, stream, rx, rate_pps * f, trial_s, 1.0, gen_kw) for f in loads]
