"""Native forwarding engines on worker lcores, started, watched and stopped from Python.

    fwd = Forwarder([p0, p1], mode="io", burst=32)
    fwd.start(tx_first=True)
    print(fwd.stats())          # live, without stopping
    final = fwd.stop()
    print(final.testpmd_text())

The per-packet loops are C (pydpdk/_cffi_src/c/fwd_*.c, one line each in c/fwd_modes.h), one loop per forwarding lcore over a
contiguous range of streams, like dpdk-testpmd. A stream is (rx port, rx queue) -> (tx port,
tx queue); by default ports are paired 0<->1, 2<->3 (testpmd's "paired" topology), a single
port forwards to itself, and RX queue q transmits on TX queue q.
"""
from __future__ import annotations

import errno
import json
import time
import weakref
from dataclasses import dataclass, field, asdict
from typing import Any, Iterable, Sequence

from . import eal as _eal
from ._native import ffi, lib, cstr
from ._resource import Resource
from .errors import DpdkError, check, flag, int_in, invalid
from .engines import PortTotals, PortTraffic
from .ethdev import Port, PortStats, parse_mac
from .mbuf import as_buffer
from .mempool import Mempool

__all__ = ["Forwarder", "ForwardStats", "PortForwardStats", "StreamStats", "MODES", "MODE_HELP"]

# The modes come from the compiled engines' table (c/fwd_modes.h), in its order: name -> value.
MODES: dict[str, int] = {cstr(lib.pydpdk_fwd_mode_name(i)): i for i in range(1, lib.PYDPDK_FWD_NB_MODES)}
#: One line per mode, for help texts and docs: name -> description.
MODE_HELP: dict[str, str] = {name: cstr(lib.pydpdk_fwd_mode_help(i)) for name, i in MODES.items()}
_MODE_NAMES = {v: k for k, v in MODES.items()}
# Read while the lcores run: downstream counters first (tx, drops), then gen and rx, so that a
# live snapshot never shows more sent than received plus generated (the engine counts rx first).
_COUNTERS = ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "gen_packets", "fwd_dropped",
             "other_dropped", "alloc_failures", "bad_ip_csum", "bad_l4_csum", "stage_forwarded",
             "stage_dropped", "stage_invalid")


_READ_ORDER = sorted(_COUNTERS, key=lambda c: c.startswith(("rx_", "gen_")))


@dataclass(frozen=True)
class StreamStats:
    """Counters of one forwarding stream: one RX queue to one TX queue, polled by one lcore."""
    rx_port: int
    rx_queue: int
    tx_port: int
    tx_queue: int
    lcore: int
    rx_packets: int
    rx_bytes: int
    tx_packets: int
    tx_bytes: int
    gen_packets: int
    fwd_dropped: int
    other_dropped: int
    alloc_failures: int
    bad_ip_csum: int = 0     # csum mode: IPv4 header checksums found bad (and rewritten)
    bad_l4_csum: int = 0     # csum mode: UDP/TCP checksums found bad (and rewritten)
    stage_forwarded: int = 0  # stage mode: verdicts naming an output port
    stage_dropped: int = 0    # stage mode: DROP verdicts
    stage_invalid: int = 0    # stage mode: verdicts outside the set (dropped)


@dataclass(frozen=True)
class PortForwardStats(PortTraffic):
    """One port's forwarding counters: port, name, rx/tx packets and bytes (PortTraffic), drops, rates."""

    rx_dropped: int      # the NIC's missed packets (imissed) plus packets the engine dropped on RX
    tx_dropped: int      # packets TX did not accept (after retries), freed
    rx_nombuf: int = 0
    rx_pps: float = 0.0
    tx_pps: float = 0.0
    rx_bps: float = 0.0  # bit/s over the same interval as the pps (bytes * 8)
    tx_bps: float = 0.0
    #: who counted rx_bytes/tx_bytes: "engine" (the forwarding loop, from each mbuf's pkt_len)
    #: or "port" (the PMD's ibytes/obytes; 0 on net_ring/net_null, which count no bytes)
    bytes_from: str = "engine"
    #: csum mode: checksums found bad in what this port received (counted in software by the
    #: engine, which rewrites them; the outer ones stay 0: the engine parses no tunnels)
    bad_ip_csum: int = 0
    bad_l4_csum: int = 0
    bad_outer_l4_csum: int = 0
    bad_outer_ip_csum: int = 0

    @property
    def bytes_counted(self) -> bool:
        """False where nobody counted bytes (the port's counters of a PMD that counts none)."""
        return not (self.bytes_from == "port" and not (self.rx_bytes or self.tx_bytes))

    def rates(self) -> str:
        """``'14.88 Mpackets/s, 7.619 Gbit/s'`` for RX and TX (pydpdk.units.format_rate); the bit
        rate is left out where nobody counted bytes."""
        from .units import format_rate
        none = not self.bytes_counted
        return (f"RX {format_rate(self.rx_pps, None if none else self.rx_bps)}; "
                f"TX {format_rate(self.tx_pps, None if none else self.tx_bps)}")


@dataclass(frozen=True)
class ForwardStats:
    """A Forwarder's statistics: per port, per stream, and the lcores' loop iterations."""
    forward_mode: str
    elapsed_s: float
    ports: list[PortForwardStats]
    streams: list[StreamStats] = field(default_factory=list)
    lcore_iterations: dict[int, int] = field(default_factory=dict)

    @property
    def rx_packets(self) -> int:
        """Packets received on all ports."""
        return sum(p.rx_packets for p in self.ports)

    @property
    def tx_packets(self) -> int:
        """Packets sent on all ports."""
        return sum(p.tx_packets for p in self.ports)

    @property
    def rx_pps(self) -> float:
        """Received packets per second, all ports together."""
        return sum(p.rx_pps for p in self.ports)

    @property
    def tx_pps(self) -> float:
        """Sent packets per second, all ports together."""
        return sum(p.tx_pps for p in self.ports)

    @property
    def rx_bps(self) -> float:
        """bit/s received, all ports (from the bytes in ``bytes_from`` of each port)."""
        return sum(p.rx_bps for p in self.ports)

    @property
    def tx_bps(self) -> float:
        """bit/s sent, all ports (from the bytes in ``bytes_from`` of each port)."""
        return sum(p.tx_bps for p in self.ports)

    @property
    def stage_verdicts(self) -> dict[str, int]:
        """Stage mode: the verdicts of all streams, ``{"forwarded": ..., "dropped": ..., "invalid": ...}``."""
        return {"forwarded": sum(s.stage_forwarded for s in self.streams),
                "dropped": sum(s.stage_dropped for s in self.streams),
                "invalid": sum(s.stage_invalid for s in self.streams)}

    def rates(self) -> str:
        """All ports' rates in pydpdk.units' format: ``'RX 14.88 Mpackets/s, 7.619 Gbit/s; TX ...'``."""
        from .units import format_rate
        none = not any(p.bytes_counted for p in self.ports)
        return (f"RX {format_rate(self.rx_pps, None if none else self.rx_bps)}; "
                f"TX {format_rate(self.tx_pps, None if none else self.tx_bps)}")

    def as_dict(self) -> dict[str, Any]:
        """The CLI's --json object: ports, elapsed_s, forward_mode (and streams)."""
        return {"forward_mode": self.forward_mode, "elapsed_s": round(self.elapsed_s, 6),
                "ports": [asdict(p) for p in self.ports], "streams": [asdict(s) for s in self.streams]}

    def to_json(self) -> str:
        """:meth:`as_dict` as a JSON string (what ``pydpdk fwd --json`` prints)."""
        return json.dumps(self.as_dict())

    def testpmd_text(self) -> str:
        """dpdk-testpmd's "Forward statistics" block (in csum mode with its Bad-ipcsum,
        Bad-l4csum and Bad-outer-* lines)."""
        out = []
        for p in self.ports:
            out.append(f"  ---------------------- Forward statistics for port {p.port}  "
                       "----------------------")
            out.append(f"  RX-packets: {p.rx_packets:<14} RX-dropped: {p.rx_dropped:<14}"
                       f"RX-total: {p.rx_packets + p.rx_dropped}")
            if self.forward_mode == "csum":
                out.append(f"  Bad-ipcsum: {p.bad_ip_csum:<14} Bad-l4csum: {p.bad_l4_csum:<14}"
                           f"Bad-outer-l4csum: {p.bad_outer_l4_csum:<14}")
                out.append(f"  Bad-outer-ipcsum: {p.bad_outer_ip_csum:<14}")
            out.append(f"  TX-packets: {p.tx_packets:<14} TX-dropped: {p.tx_dropped:<14}"
                       f"TX-total: {p.tx_packets + p.tx_dropped}")
            out.append("  " + "-" * 76)
            out.append("")
        rx, tx = self.rx_packets, self.tx_packets
        rxd, txd = sum(p.rx_dropped for p in self.ports), sum(p.tx_dropped for p in self.ports)
        out.append("  +++++++++++++++ Accumulated forward statistics for all ports+++++++++++++++")
        out.append(f"  RX-packets: {rx:<14} RX-dropped: {rxd:<14}RX-total: {rx + rxd}")
        out.append(f"  TX-packets: {tx:<14} TX-dropped: {txd:<14}TX-total: {tx + txd}")
        out.append("  " + "+" * 76)
        if self.forward_mode == "stage":
            v = self.stage_verdicts
            out.append(f"  Stage verdicts: forwarded {v['forwarded']}, dropped {v['dropped']}, "
                       f"invalid {v['invalid']}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.testpmd_text()


def _aligned(ctype: str, count: int = 1) -> tuple[Any, Any]:
    """ffi memory for count items of ctype, aligned to a cache line as the C side declares
    (ffi.new only guarantees 16 bytes). Returns (pointer, owner): keep owner alive."""
    size = ffi.sizeof(ctype) * count
    owner = ffi.new("char[]", size + 64)
    addr = (int(ffi.cast("uintptr_t", owner)) + 63) & ~63
    return ffi.cast(f"{ctype} *", addr), owner


def _paired(ports: Sequence[Port]) -> dict[int, Port]:
    """testpmd's paired topology: 0<->1, 2<->3; an odd last port forwards to itself."""
    peer = {}
    for i in range(0, len(ports), 2):
        a = ports[i]
        b = ports[i + 1] if i + 1 < len(ports) else a
        peer[a.id], peer[b.id] = b, a
    return peer


class Forwarder(Resource):
    """Forwarding engines over ports' queues, running on worker lcores.

    ``stage``: the compiled per-packet function mode "stage" runs (a :class:`pydpdk.stage.Stage`;
    None: every packet to the peer port); its verdicts may name any of ``ports``.

    ``count_bytes``: keep rx_bytes/tx_bytes (default). None: in every mode but io, whose engine
    then never reads an mbuf, like dpdk-testpmd's io (~20 % faster on ring ports; io bytes stay 0).
    """

    _rank = 0

    def __init__(self, ports: Sequence[Port], mode: str = "io", *, burst: int = 32,
                 nb_cores: int | None = None, lcores: Sequence[int] | None = None,
                 streams: Sequence[tuple[int, int, int, int]] | None = None,
                 topology: str = "paired", eth_peers: dict[int, Any] | None = None,
                 txpkts: int | Sequence[int] = 64, tx_template: bytes | None = None,
                 nb_flows: int = 1024, tx_pool: Mempool | None = None, txretry: int = 0,
                 count_bytes: bool | None = True, set_macs: bool = True, stage: Any = None):
        eal = _eal.require()
        ctx = "Forwarder"
        ports = list(ports)
        if not ports or not all(isinstance(p, Port) for p in ports):
            raise invalid("ports", ports, "a non-empty list of Port objects", ctx)
        for p in ports:
            p._check_open()
        self.ports = ports
        self._fwd, self._fwd_mem = _aligned("struct pydpdk_fwd")
        cfg = self._fwd.cfg
        lib.pydpdk_fwd_init_config(ffi.addressof(cfg))
        self._count_bytes = count_bytes
        self._set_mode(mode)
        if not isinstance(burst, int) or not 1 <= burst <= lib.PYDPDK_FWD_MAX_BURST:
            raise invalid("burst", burst, f"1 to {lib.PYDPDK_FWD_MAX_BURST} packets", ctx)
        cfg.burst = burst
        int_in("txretry", txretry, 0, 1 << 20, ctx)
        cfg.txretry = txretry
        if not isinstance(nb_flows, int) or not 1 <= nb_flows <= 1 << 20:
            raise invalid("nb_flows", nb_flows, "1 to 1048576", ctx)
        cfg.nb_flows = nb_flows
        cfg.tx_set_macs = int(flag("set_macs", set_macs, ctx))
        self._set_txpkts(txpkts)
        if tx_template is not None:
            if isinstance(tx_template, (int, str)):
                raise invalid("tx_template", type(tx_template).__name__,
                              "an Ethernet frame: bytes, a bytes-like object or a scapy/dpkt packet", ctx)
            data = bytes(as_buffer(tx_template, "tx_template"))
            if not 14 <= len(data) <= lib.PYDPDK_FWD_MAX_PKT_LEN:
                raise invalid("tx_template", f"{len(data)} bytes",
                              f"an Ethernet frame of 14 to {lib.PYDPDK_FWD_MAX_PKT_LEN} bytes", ctx)
            ffi.memmove(cfg.tx_template, data, len(data))
            cfg.tx_template_len = len(data)
        if eth_peers is not None and not isinstance(eth_peers, dict):
            raise invalid("eth_peers", type(eth_peers).__name__, "a dict {port id: MAC address}", ctx)
        for pid, mac in (eth_peers or {}).items():
            if not isinstance(pid, int) or not 0 <= pid < lib.RTE_MAX_ETHPORTS:
                raise invalid("eth_peers", pid, f"port ids 0 to {lib.RTE_MAX_ETHPORTS - 1}", ctx)
            ffi.memmove(cfg.peer_mac[pid].addr_bytes, parse_mac(mac, "eth_peers"), 6)
        if tx_pool is not None and not isinstance(tx_pool, Mempool):
            raise invalid("tx_pool", type(tx_pool).__name__, "a Mempool (or None: each port's RX pool)", ctx)
        for p in ports:
            pool = tx_pool or p.rx_pool(0)
            if pool is not None:
                cfg.tx_pool[p.id] = pool.ptr
        self._tx_pool = tx_pool
        for p in ports:
            cfg.stage_port_ok[p.id] = 1
        self._stage = None
        self._set_stage(stage)
        # streams
        if streams is None:
            if topology == "paired":
                peer = _paired(ports)
            elif topology == "loop":
                peer = {p.id: p for p in ports}
            elif topology == "chained":
                peer = {p.id: ports[(i + 1) % len(ports)] for i, p in enumerate(ports)}
            else:
                raise invalid("topology", topology, "'paired', 'chained' or 'loop'", ctx)
            streams = []
            for p in ports:
                t = peer[p.id]
                if not p.nb_rx_queues or not t.nb_tx_queues:
                    raise invalid("ports", p._describe(), "configured ports with queues set up", ctx)
                for q in range(p.nb_rx_queues):
                    streams.append((p.id, q, t.id, q % t.nb_tx_queues))
        if not streams:
            raise invalid("streams", streams, "at least one (rx_port, rx_queue, tx_port, tx_queue)", ctx)
        byid = {p.id: p for p in ports}
        if isinstance(streams, (str, bytes)) or not all(
                isinstance(st, (tuple, list)) and len(st) == 4 and all(isinstance(x, int) for x in st)
                for st in streams):
            raise invalid("streams", streams, "a list of (rx_port, rx_queue, tx_port, tx_queue) int tuples", ctx)
        for s in streams:
            rp, rq, tp, tq = s
            if rp not in byid or tp not in byid:
                raise invalid("streams", s, f"ports among {sorted(byid)}", ctx)
            if not 0 <= rq < byid[rp].nb_rx_queues or not 0 <= tq < byid[tp].nb_tx_queues:
                raise invalid("streams", s, "queues each port has configured", ctx)
        self._streams, self._streams_mem = _aligned("struct pydpdk_fwd_stream", len(streams))
        for i, (rp, rq, tp, tq) in enumerate(streams):
            st = self._streams[i]
            st.rx_port, st.rx_queue, st.tx_port, st.tx_queue = rp, rq, tp, tq
        self._fwd.streams = self._streams
        self._fwd.nb_streams = len(streams)
        # lcores
        workers = eal.worker_lcores()
        if lcores is None:
            n = 1 if nb_cores is None else nb_cores
            if not isinstance(n, int) or not 1 <= n <= max(len(workers), 1) or not workers:
                have = workers or "none; init the EAL with at least two lcores, e.g. lcores='0-1'"
                raise invalid("nb_cores", n, f"1 to {len(workers)} (the EAL's worker lcores: {have})", ctx)
            lcores = workers[:n]
        for lc in lcores:
            if lc not in workers:
                raise invalid("lcores", lc, f"worker lcores of the EAL: {workers}", ctx)
        used = check(lib.pydpdk_fwd_assign(self._fwd, len(lcores)), "pydpdk_fwd_assign")
        self._lcores = list(lcores)[:used]       # never more lcores than streams
        self._lcore_ids = ffi.new("unsigned int[]", self._lcores)
        for p in ports:
            self._use(p)            # the ports refuse to stop or close while this runs
        self._t0 = self._t_last = 0.0
        self._last: dict[int, tuple[int, int, int, int]] = {}
        self._base_port_stats: dict[int, PortStats] = {}
        self._elapsed = 0.0
        self._register()
        # telemetry (/pydpdk/fwd/stats,ID) reads the counters in C until this forwarder goes
        self._telemetry_id = lib.pydpdk_tel_fwd_add(self._fwd)
        self._tel_remove = weakref.finalize(self, lib.pydpdk_tel_fwd_remove, self._fwd)
        self._prepare()

    # -- configuration ---------------------------------------------------------------------
    def _set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise invalid("mode", mode, f"one of {', '.join(MODES)}", "Forwarder")
        self._fwd.cfg.mode = MODES[mode]
        # Byte counters cost io (and only io) a read of every mbuf, which dpdk-testpmd's io
        # engine does not do: count_bytes=None skips them there.
        cb = self._count_bytes
        self._fwd.cfg.count_bytes = int(mode != "io" if cb is None else bool(cb))

    def _set_stage(self, stage: Any) -> None:
        cfg = self._fwd.cfg
        if stage is None:
            cfg.stage_fn = ffi.cast("void *", ffi.addressof(lib, "pydpdk_stage_peer"))
            cfg.stage_state = ffi.NULL
            cfg.stage_abi = lib.PYDPDK_STAGE_ABI_PACKET
            cfg.stage_lcore_state, cfg.stage_lcore_stride = ffi.NULL, 0
        else:
            addr = getattr(stage, "address", None)
            if not isinstance(addr, int) or addr == 0:
                raise invalid("stage", type(stage).__name__,
                              "a pydpdk.stage.Stage (Stage.numba(fn) or Stage.c(source, name))", "Forwarder")
            cfg.stage_fn = ffi.cast("void *", addr)
            cfg.stage_state = ffi.cast("void *", stage.state_address)
            cfg.stage_abi = stage.abi
            # per-lcore counter rows (pydpdk.stage counters=): lcore i writes row i only
            cfg.stage_lcore_state = ffi.cast("void *", getattr(stage, "lcore_state_address", 0))
            cfg.stage_lcore_stride = getattr(stage, "lcore_stride", 0)
        self._stage = stage         # keeps the compiled code (and its state) alive while in use

    @property
    def stage(self) -> Any:
        """The stage mode "stage" runs (None: the built-in peer stage)."""
        return self._stage

    @stage.setter
    def stage(self, stage: Any) -> None:
        if self.running:
            raise invalid("stage", stage, "changed only while stopped (stop() first)", "Forwarder")
        self._set_stage(stage)
        self._prepare()

    def _set_txpkts(self, txpkts: int | Sequence[int]) -> None:
        cfg = self._fwd.cfg
        segs = [txpkts] if isinstance(txpkts, int) else list(txpkts)
        if not segs or len(segs) > lib.PYDPDK_FWD_MAX_SEGS or \
                not all(isinstance(s, int) and s > 0 for s in segs) or \
                not 14 <= sum(segs) <= lib.PYDPDK_FWD_MAX_PKT_LEN:
            raise invalid("txpkts", txpkts, f"1 to {lib.PYDPDK_FWD_MAX_SEGS} segment lengths summing to "
                          f"14..{lib.PYDPDK_FWD_MAX_PKT_LEN} bytes", "Forwarder")
        cfg.tx_pkt_len = sum(segs)
        cfg.tx_nb_segs = len(segs) if len(segs) > 1 else 0
        for i, s in enumerate(segs):
            cfg.tx_seg_len[i] = s

    def _prepare(self) -> None:
        rc = lib.pydpdk_fwd_prepare(self._fwd)
        if rc < 0:
            msg = ffi.string(self._fwd.error).decode() or "forwarder configuration refused"
            if rc == -errno.EINVAL:
                raise invalid("forwarder", _MODE_NAMES.get(self._fwd.cfg.mode), msg, "Forwarder")
            raise DpdkError(-rc, msg, "pydpdk_fwd_prepare")

    @property
    def mode(self) -> str:
        """The forwarding mode (one of ``forward.MODES``: io, mac, macswap, rxonly...); settable while stopped."""
        return _MODE_NAMES[self._fwd.cfg.mode]

    @mode.setter
    def mode(self, mode: str) -> None:
        if self.running:
            raise invalid("mode", mode, "changed only while stopped (stop() first)", "Forwarder")
        self._set_mode(mode)
        self._prepare()

    @property
    def burst(self) -> int:
        """Packets per rx/tx burst on every stream."""
        return self._fwd.cfg.burst

    @property
    def running(self) -> bool:
        """True while the worker lcores run the forwarding loop."""
        return bool(self._fwd.running)

    @property
    def lcores(self) -> list[int]:
        """The worker lcore ids that run the streams."""
        return list(self._lcores)

    @property
    def streams(self) -> list[tuple[int, int, int, int]]:
        """The streams as (rx_port, rx_queue, tx_port, tx_queue), in stream order."""
        return [(s.rx_port, s.rx_queue, s.tx_port, s.tx_queue)
                for s in (self._streams[i] for i in range(self._fwd.nb_streams))]

    # -- running ---------------------------------------------------------------------------
    def flush_rx(self) -> int:
        """Drop what waits in the RX queues, as testpmd 22.11 does before forwarding: twice, each
        receiving queue read until empty or for 1 s at most. Returns how many were dropped."""
        self._check_open()
        return check(lib.pydpdk_fwd_flush_rx(self._fwd, 1000), "pydpdk_fwd_flush_rx")

    def start(self, *, tx_first: bool | int = False, flush_rx: bool = True) -> None:
        """Launch the engines. ``tx_first`` sends that many bursts first (True = 1)."""
        self._check_open()
        if self.running:
            raise invalid("forwarder", "running", "a stopped forwarder (stop() first)", "Forwarder.start")
        for p in self.ports:
            p._check_open()
            if not p.started:
                raise invalid("ports", p._describe(), "started ports", "Forwarder.start")
        self._claim()
        try:
            self._launch(tx_first, flush_rx)
        except BaseException:
            self._release_claims()
            raise

    def _claim(self) -> None:
        """Take every queue the streams use: Python bursts on them are refused while this runs."""
        byid = {p.id: p for p in self.ports}
        rx: dict[int, set[int]] = {}
        tx: dict[int, set[int]] = {}
        for rp, rq, tp, tq in self.streams:
            rx.setdefault(rp, set()).add(rq)
            tx.setdefault(tp, set()).add(tq)
        done = []
        try:
            for pid, port in byid.items():
                port.claim_queues(self, rx=sorted(rx.get(pid, ())), tx=sorted(tx.get(pid, ())))
                done.append(port)
        except BaseException:
            for port in done:
                port.release_queues(self)
            raise

    def _release_claims(self) -> None:
        for p in self.ports:
            if not p.closed:
                p.release_queues(self)

    def _launch(self, tx_first: bool | int, flush_rx: bool) -> None:
        if flush_rx:
            self.flush_rx()
        check(lib.pydpdk_fwd_reset_stats(self._fwd), "pydpdk_fwd_reset_stats")
        self._base_port_stats = {p.id: p.stats() for p in self.ports}
        if tx_first:
            n = check(lib.pydpdk_fwd_tx_first(self._fwd, int(tx_first)), "pydpdk_fwd_tx_first")
            del n
        self._t0 = self._t_last = time.monotonic()
        self._last = {}
        rc = lib.pydpdk_fwd_launch(self._fwd, self._lcore_ids, len(self._lcores))
        if rc < 0:
            msg = ffi.string(self._fwd.error).decode()
            raise DpdkError(-rc, f"launching the forwarding lcores failed: {msg or cstr(lib.rte_strerror(-rc))}",
                            "pydpdk_fwd_launch")

    def stop(self) -> ForwardStats:
        """Stop every lcore (each returns after its current burst) and return final statistics."""
        self._check_open()
        if self.running:
            lib.pydpdk_fwd_stop(self._fwd)
            self._elapsed = time.monotonic() - self._t0
        self._release_claims()
        return self.stats()

    def stats(self) -> ForwardStats:
        """Per-port and per-stream counters; rates since the previous call (live, no stop)."""
        self._check_open()
        now = time.monotonic()
        elapsed = (now - self._t0) if self.running else self._elapsed
        streams = []
        lcore_of = {}
        for li in range(len(self._lcores)):
            lc = self._fwd.lcores[li]
            for si in range(lc.stream_begin, lc.stream_begin + lc.nb_streams):
                lcore_of[si] = self._lcores[li] if li < len(self._lcores) else -1
        for i in range(self._fwd.nb_streams):
            s = self._streams[i]
            counts = {c: getattr(s, c) for c in _READ_ORDER}
            streams.append(StreamStats(s.rx_port, s.rx_queue, s.tx_port, s.tx_queue, lcore_of.get(i, -1),
                                       **counts))
        dt = max(now - self._t_last, 1e-9)
        ports = []
        for p in self.ports:
            rx = sum(s.rx_packets for s in streams if s.rx_port == p.id)
            tx = sum(s.tx_packets for s in streams if s.tx_port == p.id)
            pst = p.stats() if not p.closed else None
            base = self._base_port_stats.get(p.id)
            missed = (pst.imissed - base.imissed) if pst and base else 0
            nombuf = (pst.rx_nombuf - base.rx_nombuf) if pst and base else 0
            lrx, ltx, lrxb, ltxb = self._last.get(p.id, (0, 0, 0, 0))
            if self._fwd.cfg.count_bytes or not (pst and base):
                rxb = sum(s.rx_bytes for s in streams if s.rx_port == p.id)
                txb = sum(s.tx_bytes for s in streams if s.tx_port == p.id)
                bytes_from = "engine"
            else:           # the engine reads no mbuf (testpmd-like io): the port's own byte counters
                rxb, txb = pst.ibytes - base.ibytes, pst.obytes - base.obytes
                bytes_from = "port"
            ports.append(PortForwardStats(
                p.id, p.name, rx, tx, rxb, txb,
                missed + sum(s.other_dropped for s in streams if s.rx_port == p.id),
                sum(s.fwd_dropped for s in streams if s.tx_port == p.id), nombuf,
                (rx - lrx) / dt, (tx - ltx) / dt, (rxb - lrxb) * 8 / dt, (txb - ltxb) * 8 / dt, bytes_from,
                bad_ip_csum=sum(s.bad_ip_csum for s in streams if s.rx_port == p.id),
                bad_l4_csum=sum(s.bad_l4_csum for s in streams if s.rx_port == p.id)))
            self._last[p.id] = (rx, tx, rxb, txb)
        self._t_last = now
        iters = {lc: self._fwd.lcores[i].iterations for i, lc in enumerate(self._lcores)}
        return ForwardStats(self.mode, elapsed, ports, streams, iters)

    def port_totals(self) -> list[PortTotals]:
        """Per-port cumulative counters from the engines' stream counters (the Engine interface:
        a Sampler reads these without touching the rates stats() reports)."""
        self._check_open()
        acc: dict[int, list[Any]] = {p.id: [p.id, p.name, 0, 0, 0, 0, 0] for p in self.ports}
        for i in range(self._fwd.nb_streams):
            s = self._streams[i]
            rx, tx = acc[s.rx_port], acc[s.tx_port]
            rx[2] += s.rx_packets
            rx[4] += s.rx_bytes
            rx[6] += s.other_dropped
            tx[3] += s.tx_packets
            tx[5] += s.tx_bytes
            tx[6] += s.fwd_dropped
        return [PortTotals(*v) for v in acc.values()]

    def reset_stats(self) -> None:
        """Zero the engines' counters (only while stopped)."""
        self._check_open()
        check(lib.pydpdk_fwd_reset_stats(self._fwd), "pydpdk_fwd_reset_stats",
              hint="stop the forwarder first")
        self._base_port_stats = {p.id: p.stats() for p in self.ports}

    def run(self, seconds: float, *, tx_first: bool | int = False, flush_rx: bool = True) -> ForwardStats:
        """start, sleep, stop: the final statistics."""
        self.start(tx_first=tx_first, flush_rx=flush_rx)
        try:
            time.sleep(seconds)
        finally:
            final = self.stop()
        return final

    @property
    def telemetry_id(self) -> int | None:
        """This forwarder's id in the telemetry command /pydpdk/fwd/stats,ID (None: not listed)."""
        return self._telemetry_id if self._telemetry_id >= 0 and self._tel_remove.alive else None

    def _release(self) -> None:
        if self._fwd.running:
            lib.pydpdk_fwd_stop(self._fwd)
        self._release_claims()
        self._tel_remove()

    def _describe(self) -> str:
        return f"Forwarder({self.mode} on {', '.join(p.name for p in self.ports)})"

    def __repr__(self) -> str:
        if self._closed:
            return "<Forwarder closed>"
        state = "running" if self.running else "stopped"
        return f"<Forwarder {self.mode} {state} streams={self._fwd.nb_streams} lcores={self._lcores}>"
