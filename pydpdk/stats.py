"""Statistics as data: per-port, per-queue and extended counters as plain records, and a
background :class:`Sampler` that records rates over time.

    rows = pydpdk.stats.port_records(ports)            # [PortRecord(port=0, ipackets=...), ...]
    with pydpdk.stats.Sampler(fwd, interval=0.5) as s:  # a Forwarder, or a list of Ports
        fwd.run(3)
    s.to_csv("rates.csv"); s.to_json(); s.to_pandas()   # pandas only if installed

Counters are read once per interval (one rte_eth_stats_get per port, or the forwarder's
per-stream counters): no per-packet Python.
"""
from __future__ import annotations

import csv
import io
import json
import threading
import time
from dataclasses import asdict, astuple, dataclass, fields
from typing import Any, Callable, Iterable, Sequence

from ._resource import Resource
from .engines import Engine, PortTraffic
from .ethdev import Port, PortCounters
from .errors import ResourceClosedError, invalid

__all__ = ["PortRecord", "QueueRecord", "XstatRecord", "RateSample", "StreamSample", "port_records",
           "queue_records", "xstat_records", "to_csv", "to_json", "to_pandas", "Sampler"]


@dataclass(frozen=True)
class _PortAt:
    t: float
    port: int
    name: str


@dataclass(frozen=True)
class PortRecord(PortCounters, _PortAt):
    """One port's basic counters (rte_eth_stats) at time ``t`` (time.time()).

    Fields: t, port, name, then PortCounters' (a dataclass takes its bases' fields in reverse MRO
    order, so _PortAt's come first)."""


@dataclass(frozen=True)
class QueueRecord:
    """One queue's counters (the per-queue part of rte_eth_stats)."""

    t: float
    port: int
    name: str
    queue: int
    ipackets: int
    opackets: int
    ibytes: int
    obytes: int
    errors: int


@dataclass(frozen=True)
class XstatRecord:
    """One extended statistic of one port."""

    t: float
    port: int
    name: str
    xstat: str
    value: int


@dataclass(frozen=True)
class RateSample(PortTraffic, _PortAt):
    """Counters of one port at time ``t`` (seconds since the sampler started) and the rates
    over the interval before it. Fields: t, port, name, rx/tx packets and bytes (PortTraffic's),
    dropped, then the rates."""

    dropped: int
    rx_pps: float
    tx_pps: float
    rx_bps: float       # bits per second (bytes * 8)
    tx_bps: float


@dataclass(frozen=True)
class StreamSample:
    """One stream of an engine that keeps per-stream counters (a Generator: ``stream_totals()``)
    at time ``t`` (seconds since the sampler started), with the rates over the interval before
    it and the stream's latency p99 so far (ns; None before a tagged packet came back)."""

    t: float
    stream: int
    name: str
    tx_packets: int
    rx_packets: int
    lost: int
    tx_pps: float
    rx_pps: float
    latency_p99_ns: float | None


def _ports(ports: Port | Iterable[Port]) -> list[Port]:
    if isinstance(ports, Port):
        return [ports]
    ports = list(ports)
    if not all(isinstance(p, Port) for p in ports):
        raise invalid("ports", ports, "a Port or a list of Port objects", "pydpdk.stats")
    return ports


def port_records(ports: Port | Iterable[Port]) -> list[PortRecord]:
    """One record per port (one rte_eth_stats_get each)."""
    now = time.time()
    out = []
    for p in _ports(ports):
        s = p.stats()
        out.append(PortRecord(now, p.id, p.name, *(getattr(s, f.name) for f in fields(PortCounters))))
    return out


def queue_records(ports: Port | Iterable[Port]) -> list[QueueRecord]:
    """One record per configured queue of each port (up to RTE_ETHDEV_QUEUE_STAT_CNTRS)."""
    now = time.time()
    out = []
    for p in _ports(ports):
        s = p.stats()
        for q in range(len(s.q_ipackets)):
            out.append(QueueRecord(now, p.id, p.name, q, s.q_ipackets[q], s.q_opackets[q],
                                   s.q_ibytes[q], s.q_obytes[q], s.q_errors[q]))
    return out


def xstat_records(ports: Port | Iterable[Port]) -> list[XstatRecord]:
    """One record per extended statistic of each port."""
    now = time.time()
    return [XstatRecord(now, p.id, p.name, k, v) for p in _ports(ports) for k, v in p.xstats().items()]


def _columns(records: Sequence[Any]) -> list[str]:
    return [f.name for f in fields(records[0])] if records else []


def to_csv(records: Sequence[Any], path: str | None = None) -> str:
    """Records (any of this module's dataclasses) as CSV text; also written to path if given."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if records:
        w.writerow(_columns(records))
        w.writerows(astuple(r) for r in records)
    text = buf.getvalue()
    if path is not None:
        with open(path, "w") as f:
            f.write(text)
    return text


def to_json(records: Sequence[Any], path: str | None = None) -> str:
    """Records as a JSON list of objects; also written to path if given."""
    text = json.dumps([asdict(r) for r in records])
    if path is not None:
        with open(path, "w") as f:
            f.write(text)
    return text


def to_pandas(records: Sequence[Any]) -> Any:
    """Records as a pandas DataFrame (pandas is optional: ImportError says how to get it)."""
    try:
        import pandas
    except ImportError:
        raise ImportError("to_pandas() needs pandas (`pip install pandas`); to_csv() and to_json() "
                          "need nothing") from None
    return pandas.DataFrame([asdict(r) for r in records], columns=_columns(records) or None)


class Sampler(Resource):
    """Records per-port counters and rates every ``interval`` seconds in a background thread.

    ``source`` is an engine (:class:`~pydpdk.engines.Engine`, e.g. a Forwarder: the packets
    its lcores moved) or one or more :class:`~pydpdk.Port` (the ports' own counters).
    ``on_sample(list_of_RateSample)`` is called from the sampling thread after each sample.
    """

    _rank = -1      # EAL cleanup stops samplers before it closes what they read

    def __init__(self, source: Engine | Port | Iterable[Port], interval: float = 0.5, *,
                 max_samples: int = 100_000, on_sample: Callable[[list[RateSample]], Any] | None = None):
        if not isinstance(interval, (int, float)) or isinstance(interval, bool) or not 0.01 <= interval <= 3600:
            raise invalid("interval", interval, "0.01 to 3600 seconds", "Sampler")
        if not isinstance(max_samples, int) or max_samples < 1:
            raise invalid("max_samples", max_samples, "a positive number of samples per port", "Sampler")
        self._fwd: Engine | None = None
        self._ports: list[Port] | None = None
        if isinstance(source, Engine):
            self._fwd = source
        else:
            self._ports = _ports(source)
        if self._fwd is not None and self._fwd.closed:
            raise ResourceClosedError(f"{source!r} is closed: a Sampler needs a live engine")
        self.interval = float(interval)
        self.max_samples = max_samples
        self.on_sample = on_sample
        self._samples: list[RateSample] = []
        self._stream_samples: list[StreamSample] = []
        self._stream_prev: dict[int, tuple[float, int, int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._prev: dict[int, tuple[float, int, int, int, int]] = {}
        self.error: BaseException | None = None
        self._register()

    # -- reading counters ---------------------------------------------------------------
    def _read(self) -> list[tuple[Any, ...]]:
        """(port, name, rx_packets, tx_packets, rx_bytes, tx_bytes, dropped) per port."""
        if self._fwd is not None:      # the engine's counters (Engine.port_totals), not its rates
            return [astuple(t) for t in self._fwd.port_totals()]
        out: list[tuple[Any, ...]] = []
        for p in self._ports or ():    # set whenever there is no engine
            s = p.stats()
            out.append((p.id, p.name, s.ipackets, s.opackets, s.ibytes, s.obytes, s.imissed + s.oerrors))
        return out

    def sample(self) -> list[RateSample]:
        """Take one sample now (the thread calls this every interval)."""
        self._check_open()
        now = time.monotonic()
        if not self._t0:
            self._t0 = now
        rows = []
        for pid, name, rxp, txp, rxb, txb, drop in self._read():
            t_prev, prxp, ptxp, prxb, ptxb = self._prev.get(pid, (now, rxp, txp, rxb, txb))
            if rxp < prxp or txp < ptxp:          # counters were reset (forwarder restarted)
                prxp = ptxp = prxb = ptxb = 0
            dt = now - t_prev
            rate = (lambda a, b: (a - b) / dt) if dt > 0 else (lambda a, b: 0.0)  # noqa: E731
            rows.append(RateSample(round(now - self._t0, 6), pid, name, rxp, txp, rxb, txb, drop,
                                   rate(rxp, prxp), rate(txp, ptxp), 8 * rate(rxb, prxb), 8 * rate(txb, ptxb)))
            self._prev[pid] = (now, rxp, txp, rxb, txb)
        srows = self._sample_streams(now)
        with self._lock:
            self._samples.extend(rows)
            extra = len(self._samples) - self.max_samples * max(len(rows), 1)
            if extra > 0:
                del self._samples[:extra]
            self._stream_samples.extend(srows)
            extra = len(self._stream_samples) - self.max_samples * max(len(srows), 1)
            if extra > 0:
                del self._stream_samples[:extra]
        if self.on_sample is not None:
            self.on_sample(rows)
        return rows

    def _sample_streams(self, now: float) -> list[StreamSample]:
        """Per-stream rows, when the engine keeps per-stream counters (``stream_totals()``)."""
        totals = getattr(self._fwd, "stream_totals", None)
        if totals is None:
            return []
        rows = []
        for st in totals():
            t_prev, ptx, prx = self._stream_prev.get(st.stream, (now, st.tx_packets, st.rx_packets))
            if st.tx_packets < ptx or st.rx_packets < prx:     # restarted: counters reset
                ptx = prx = 0
            dt = now - t_prev
            rows.append(StreamSample(round(now - self._t0, 6), st.stream, st.name, st.tx_packets,
                                     st.rx_packets, st.lost, (st.tx_packets - ptx) / dt if dt > 0 else 0.0,
                                     (st.rx_packets - prx) / dt if dt > 0 else 0.0, st.latency_p99_ns))
            self._stream_prev[st.stream] = (now, st.tx_packets, st.rx_packets)
        return rows

    # -- the thread -----------------------------------------------------------------------
    def start(self) -> "Sampler":
        """Start sampling in a background thread (a first sample is taken at once)."""
        self._check_open()
        if self._thread is not None and self._thread.is_alive():
            return self
        self._stop.clear()
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="pydpdk-sampler", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sample()
            except Exception as exc:        # source closed, EAL gone: stop and keep the reason
                self.error = exc
                return

    def stop(self) -> None:
        """Stop the thread after one last sample (idempotent)."""
        t = self._thread
        if t is None:
            return
        self._stop.set()
        t.join()
        self._thread = None
        if not self._closed and self.error is None:
            try:
                self.sample()
            except Exception as exc:
                self.error = exc

    @property
    def running(self) -> bool:
        """True while the sampling thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> "Sampler":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- the data ---------------------------------------------------------------------------
    @property
    def samples(self) -> list[RateSample]:
        """Every sample so far, oldest first (a copy)."""
        with self._lock:
            return list(self._samples)

    def series(self, field: str = "rx_pps", port: int | None = None) -> list[tuple[float, float]]:
        """(t, value) of one field, for one port or summed over ports per sample time."""
        if field not in {f.name for f in fields(RateSample)} - {"t", "name", "port"}:
            raise invalid("field", field, "a numeric RateSample field such as rx_pps, tx_pps, rx_bps",
                          "Sampler.series")
        out: dict[float, float] = {}
        for s in self.samples:
            if port is None or s.port == port:
                out[s.t] = out.get(s.t, 0.0) + getattr(s, field)
        return sorted(out.items())

    @property
    def stream_samples(self) -> list[StreamSample]:
        """Every per-stream sample so far, oldest first (a copy; empty for engines without
        per-stream counters)."""
        with self._lock:
            return list(self._stream_samples)

    def stream_series(self, field: str = "tx_pps", stream: int = 0) -> list[tuple[float, float]]:
        """(t, value) of one StreamSample field for one stream (latency_p99_ns: samples that have one)."""
        if field not in {f.name for f in fields(StreamSample)} - {"t", "name", "stream"}:
            raise invalid("field", field, "a numeric StreamSample field such as tx_pps, rx_pps, lost, "
                          "latency_p99_ns", "Sampler.stream_series")
        return [(s.t, float(getattr(s, field))) for s in self.stream_samples
                if s.stream == stream and getattr(s, field) is not None]

    def streams(self) -> dict[int, str]:
        """The streams sampled so far: id -> name."""
        return {s.stream: s.name for s in self.stream_samples}

    def to_csv(self, path: str | None = None) -> str:
        """The samples so far as CSV text (:func:`to_csv`); also written to path if given."""
        return to_csv(self.samples, path)

    def to_json(self, path: str | None = None) -> str:
        """The samples so far as a JSON list (:func:`to_json`); also written to path if given."""
        return to_json(self.samples, path)

    def to_pandas(self) -> Any:
        """The samples so far as a pandas DataFrame (:func:`to_pandas`)."""
        return to_pandas(self.samples)

    def _describe(self) -> str:
        return "Sampler"

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("running" if self.running else "stopped")
        return f"<Sampler {state} interval={self.interval}s samples={len(self._samples)}>"
