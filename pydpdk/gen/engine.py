"""The generator: streams transmitted and measured by C loops on worker lcores.

    gen = Generator([Stream(rate="1Mpps")], port=p0, rx=[p0])
    gen.start()
    print(gen.stats())           # live, per stream
    final = gen.stop()           # stops, frees what the queues refused, drains, measures
    print(final.to_json())

With one lcore, it both sends and receives; with several, receive queues go to the last lcore and
transmit queues round-robin to the others. Streams sharing a (port, queue) share an lcore.
"""
from __future__ import annotations

import os

import time
from typing import Any, Sequence, cast

from .. import eal as _eal
from ..ethdev import facts as _facts
from .._native import cstr, ffi, lib
from .._resource import Resource
from ..errors import DpdkError, InvalidArgumentError, NotSupportedError, check, invalid
from ..engines import PortTotals
from ..ethdev import Port
from ..ethdev.tables import TX_OFFLOADS, flag_names
from ..mempool import Mempool
from .results import BUCKETS, GenResult, Latency, StreamResult, StreamTotals, percentile, _LOWER
from .stream import L1_OVERHEAD, L2_OVERHEAD, Stream

__all__ = ["Generator"]

_STATES = {lib.PYDPDK_GEN_WAITING: "waiting", lib.PYDPDK_GEN_ACTIVE: "active", lib.PYDPDK_GEN_DONE: "done"}


def _aligned(ctype: str, count: int = 1) -> tuple[Any, Any]:
    """count items of ctype aligned to 64 bytes (ffi.new guarantees 16). (pointer, owner)."""
    size = ffi.sizeof(ctype) * max(count, 1)
    owner = ffi.new("char[]", size + 64)
    addr = (int(ffi.cast("uintptr_t", owner)) + 63) & ~63
    return ffi.cast(f"{ctype} *", addr), owner


def _split128(v: int) -> tuple[int, int]:
    return v & 0xFFFFFFFFFFFFFFFF, v >> 64


def _offload_bits(s: Stream, b: dict[str, Any], p: Port, ctx: str) -> int:
    """The checksums stream s leaves to port p's TX offload (PYDPDK_GEN_OFFLOAD_* bits), from
    its checksum mode and the offloads p's TX queue runs with."""
    h = b["headers"]
    need: dict[int, str] = {}
    if h.l3_type == 4:
        need[lib.PYDPDK_GEN_OFFLOAD_IP] = "ipv4_cksum"
    if b["l4_csum"]:
        need[lib.PYDPDK_GEN_OFFLOAD_L4] = "udp_cksum" if h.l4_proto == 17 else "tcp_cksum"
    if b["checksum"] not in ("offload", "auto") or not need:
        return 0
    conf = lib.pydpdk_gen_tx_offloads(p.id, s.queue)
    have = [bit for bit, name in need.items() if conf & TX_OFFLOADS.get(name, 0)]
    if b["checksum"] == "offload" and len(have) < len(need):
        capa = p.info().tx_offload_capa
        missing = [n for bit, n in need.items() if bit not in have]
        raise invalid("checksum", "offload", f"a port running the TX offloads {', '.join(need.values())}: "
                      f"{p.name} offers {', '.join(capa) or 'none'}, and is configured with "
                      f"{', '.join(flag_names(conf, TX_OFFLOADS)) or 'none'}, so not {', '.join(missing)} "
                      "(Port.configure(tx_offloads=[...]) with what it offers; checksum='auto' offloads "
                      "what it can and computes the rest, 'software' all)", ctx)
    return sum(have)


def stage_for_generator(stage: Any, param: str) -> Any:
    """``stage`` for the generator: a pydpdk.stage.Stage (any of fwd.h's stage ABIs), or a
    ``"FILE.py:FUNCTION"``/``"FILE.c:FUNCTION"`` string compiled by :func:`pydpdk.stage.load`."""
    from ..stage import Stage, load
    if isinstance(stage, (str, os.PathLike)):
        try:
            stage = load(os.fspath(stage))
        except InvalidArgumentError as e:
            raise invalid(param, stage, e.allowed, "Generator") from None
    if not isinstance(stage, Stage):
        raise invalid(param, stage, "a pydpdk.stage.Stage: Stage.numba(fn) (either form), Stage.c(...) or "
                      "stage.load('FILE:FUNC')", "Generator")
    return stage


#: receive clocks a Generator takes (``clock=``)
CLOCKS = ("tsc", "rx_timestamp", "auto")


def _rx_timestamp_source(port: Port) -> tuple[int, int, str] | str:
    """How port's RX timestamps are mapped onto the TSC: (C reference, units/s, unit), or why it
    has none. net_pcap (22.11) stamps every packet it reads (rx_pcap, rx_iface) with the capture
    time in microseconds, as ethdev.facts.rx_timestamps reads it, but reports no offload; a NIC
    needs RTE_ETH_RX_OFFLOAD_TIMESTAMP configured and a readable device clock."""
    drv = port.driver
    if drv == "net_pcap":
        if "infinite_rx=1" in port.devargs.replace(" ", ""):
            return "net_pcap with infinite_rx=1 stamps no packet"
        return lib.PYDPDK_GEN_CLOCK_REF_REALTIME, 1_000_000, "net_pcap capture time (us, wall clock)"
    caps = lib.pydpdk_gen_rx_clock_caps(port.id)
    if not caps & 1:
        return f"the {drv} driver offers no RX timestamp (no timestamp RX offload)"
    if not caps & 2:
        return f"{port.name} is not configured with it (Port.configure(rx_offloads=['timestamp']))"
    try:
        _facts.read_clock(port)
    except NotSupportedError:
        return f"the {drv} driver cannot read its clock (rte_eth_read_clock), needed to map its timestamps"
    return lib.PYDPDK_GEN_CLOCK_REF_DEVICE, 0, f"{drv} device clock ticks (rte_eth_read_clock)"


class Generator(Resource):
    """Streams sent on ports' TX queues and measured on RX queues, by C loops on lcores.

    ``streams``: Stream objects (their ``port`` or this ``port`` is where they go, queue
    ``Stream.queue``). ``rx``: ports (queue 0) or (port, queue) pairs whose received packets are
    measured; True (default): the streams' own ports; None/[]: no measurement. ``lcores``: worker
    lcores (default: all the EAL's workers, at most one per queue). ``pool``: mbufs for generated
    packets (default: each tx port's RX pool). ``clock``: when a packet counts as received:
    ``"tsc"`` (the TSC when its burst was polled), ``"rx_timestamp"`` (the port's RX timestamp:
    a NIC configured with the timestamp RX offload, or net_pcap's capture time; mapped onto the
    TSC, see docs/generator.md), ``"auto"`` (rx_timestamp where every RX port has one, else tsc).
    Latencies are in ns either way; the ``clock`` and ``clock_unit`` attributes (and every result)
    name the clock chosen. ``rx_stage``: a compiled :class:`pydpdk.stage.Stage` run on every
    received packet before it is measured: DROP (or an invalid verdict) leaves it unmeasured
    (``GenResult.rx_stage_dropped``/``rx_stage_invalid``), any other verdict measures it.
    """

    _rank = 0

    def __init__(self, streams: Sequence[Stream], *, port: Port | None = None, rx: Any = True,
                 lcores: Sequence[int] | None = None, pool: Mempool | None = None,
                 tx_burst: int = 32, rx_burst: int = 32, clock: str = "tsc", rx_stage: Any = None):
        eal = _eal.require()
        ctx = "Generator"
        streams = list(streams) if not isinstance(streams, Stream) else [streams]
        if not streams or not all(isinstance(s, Stream) for s in streams):
            raise invalid("streams", streams, "a non-empty list of Stream objects", ctx)
        if len(streams) > 65535:
            raise invalid("streams", len(streams), "at most 65535 streams", ctx)
        if port is not None and not isinstance(port, Port):
            raise invalid("port", port, "a Port (or None: each stream's own port)", ctx)
        if not isinstance(tx_burst, int) or not 1 <= tx_burst <= lib.PYDPDK_GEN_MAX_BURST:
            raise invalid("tx_burst", tx_burst, f"1 to {lib.PYDPDK_GEN_MAX_BURST}", ctx)
        if not isinstance(rx_burst, int) or not 1 <= rx_burst <= lib.PYDPDK_GEN_MAX_BURST:
            raise invalid("rx_burst", rx_burst, f"1 to {lib.PYDPDK_GEN_MAX_BURST}", ctx)
        self.streams = streams
        built, tx_ports = [], []
        for i, s in enumerate(streams):
            p = s.port if s.port is not None else port
            if p is None:
                raise invalid("port", None, f"a port for stream {i} (Stream(port=...) or Generator(port=...))", ctx)
            if not isinstance(p, Port):
                raise invalid("port", p, f"a Port for stream {i}", ctx)
            p._check_open()
            if not isinstance(s.queue, int) or not 0 <= s.queue < max(p.nb_tx_queues, 1) or not p.nb_tx_queues:
                raise invalid("queue", s.queue, f"a TX queue of {p.name} (0..{p.nb_tx_queues - 1})", ctx)
            if s.start_after is not None and (not isinstance(s.start_after, int) or
                                              not 0 <= s.start_after < len(streams) or s.start_after == i):
                raise invalid("start_after", s.start_after, f"the index of another stream (0..{len(streams) - 1})", ctx)
            b = s.build()
            off = _offload_bits(s, b, p, ctx)
            built.append(s.build(off) if off else b)
            tx_ports.append(p)
        # rates, checked against the links
        self._pps: list[float | None] = []
        per_port: dict[int, float] = {}
        for i, (s, b, p) in enumerate(zip(streams, built, tx_ports)):
            link = p.link()
            pps = b["rate"].pps(b["mean_len"], link.speed_mbps if link.up else 0)
            self._pps.append(pps)
            if pps is not None:
                per_port[p.id] = per_port.get(p.id, 0.0) + pps * (b["mean_len"] + L1_OVERHEAD) * 8
                if pps < 0.001:
                    raise invalid("rate", str(b["rate"]), "at least 0.001 packets/s", ctx)
        for p in {p.id: p for p in tx_ports}.values():
            link = p.link()
            if link.up and link.speed_mbps and per_port.get(p.id, 0.0) > link.speed_mbps * 1e6 * 1.000001:
                rates = ", ".join(str(b["rate"]) for b, q in zip(built, tx_ports) if q is p)
                raise invalid("rate", rates, f"at most the link speed of {p.name}: {link.speed_mbps} Mbit/s "
                              f"at L1 in total ({per_port[p.id] / 1e6:.1f} Mbit/s asked)", ctx)
        # rx queues
        if rx is True:
            rx = list({p.id: p for p in tx_ports}.values())
        rxq: list[tuple[Port, int]] = []
        for item in (rx or []):
            rp, q = (item, 0) if isinstance(item, Port) else tuple(item) if isinstance(item, (tuple, list)) else (None, None)
            if not isinstance(rp, Port) or not isinstance(q, int) or not 0 <= q < rp.nb_rx_queues:
                raise invalid("rx", item, "ports or (port, rx queue) pairs of configured ports", ctx)
            if (rp.id, q) in [(x.id, y) for x, y in rxq]:
                raise invalid("rx", item, "each (port, queue) once", ctx)
            rxq.append((rp, q))
        # receive clock
        if clock not in CLOCKS:
            raise invalid("clock", clock, "'tsc', 'rx_timestamp' or 'auto'", ctx)
        sources = {rp.id: _rx_timestamp_source(rp) for rp, _ in rxq} if clock != "tsc" else {}
        if clock == "rx_timestamp":
            if not rxq:
                raise invalid("clock", clock, "'tsc' or 'auto': there is no RX queue to timestamp", ctx)
            for rp, _ in rxq:
                why = sources[rp.id]
                if isinstance(why, str):
                    raise invalid("clock", clock, f"'tsc' or 'auto' for {rp.name}: {why}", ctx)
        use_ts = bool(rxq) and clock != "tsc" and all(not isinstance(v, str) for v in sources.values())
        self.clock = "rx_timestamp" if use_ts else "tsc"
        units = {v[2] for v in sources.values() if not isinstance(v, str)} if use_ts else set()
        self.clock_unit = " + ".join(sorted(units)) + ", mapped onto the TSC" if use_ts else \
            f"TSC cycles ({lib.rte_get_tsc_hz()} Hz)"
        # lcores
        workers = eal.worker_lcores()
        if lcores is None:
            lcores = workers
        lcores = list(lcores)
        if not lcores or any(lc not in workers for lc in lcores):
            have = workers or "none: init the EAL with at least two lcores, e.g. lcores='0-1'"
            raise invalid("lcores", lcores, f"worker lcores of the EAL ({have})", ctx)
        groups: dict[tuple[int, int], list[int]] = {}
        for i, (s, p) in enumerate(zip(streams, tx_ports)):
            groups.setdefault((p.id, s.queue), []).append(i)
        if len(lcores) == 1 or not rxq:
            tx_lcores, rx_lcores = lcores[:max(1, min(len(lcores), len(groups)))], lcores[:1]
        else:
            rx_lcores = lcores[-1:]
            tx_lcores = lcores[:-1][:max(1, len(groups))]
        assign: dict[int, tuple[list[int], list[int]]] = {lc: ([], []) for lc in dict.fromkeys(tx_lcores + rx_lcores)}
        for k, members in enumerate(groups.values()):
            assign[tx_lcores[k % len(tx_lcores)]][0].extend(members)
        for j in range(len(rxq)):
            assign[rx_lcores[j % len(rx_lcores)]][1].append(j)
        assign = {lc: v for lc, v in assign.items() if v[0] or v[1]}
        order = [i for lc in assign for i in assign[lc][0]]          # C index -> stream index
        rx_order = [j for lc in assign for j in assign[lc][1]]
        cidx = {i: c for c, i in enumerate(order)}
        # C structures
        self._gen, self._gen_mem = _aligned("struct pydpdk_gen")
        self._cs, self._cs_mem = _aligned("struct pydpdk_gen_stream", len(streams))
        self._keep: list[Any] = []
        self._pools: list[Mempool] = []
        stages: list[tuple[Any, Any, int]] = []     # (C struct, Stage, stream index)
        rx_stages: list[tuple[Any, Any, int]] = []  # (C struct, Stage, C rx index)
        hz = lib.rte_get_tsc_hz()
        self._hz = hz
        for c, i in enumerate(order):
            s, b, p, cs = streams[i], built[i], tx_ports[i], self._cs[c]
            cs.port, cs.queue, cs.id = p.id, s.queue, i
            cs.tx_burst = tx_burst
            cs.tag = int(s.tag)
            h = b["headers"]
            cs.l3_off, cs.l4_off, cs.l3_type, cs.l4_proto = h.l3_off, h.l4_off, h.l3_type, h.l4_proto
            cs.offload = b["offload"]
            cs.ip_csum = int(h.l3_type == 4 and not b["offload"] & lib.PYDPDK_GEN_OFFLOAD_IP)
            cs.l4_csum = int(b["l4_csum"])
            if s.stage is not None:
                st = stage_for_generator(s.stage, f"streams[{i}].stage")
                if b["offload"]:
                    raise invalid("checksum", s.checksum, "'software' (or True) for a stream with a stage: its "
                                  "checksums are computed after the stage, in full, in software", ctx)
                cs.stage_fn, cs.stage_state, cs.stage_abi = ffi.cast("void *", st.address), \
                    ffi.cast("void *", st.state_address), st.abi
                stages.append((cs, st, i))
                self._keep.append(st)
            frames = ffi.new("uint8_t[]", b["frames"])
            variants, vmem = _aligned("struct pydpdk_gen_variant", len(b["variants"]))
            for k, (off, n) in enumerate(b["variants"]):
                variants[k].frame_off, variants[k].len = off, n
            seq = ffi.new("uint16_t[]", b["seq"])
            self._keep += [frames, vmem, seq]
            cs.frames, cs.variants, cs.nb_variants = frames, variants, len(b["variants"])
            cs.size_seq, cs.nb_size_seq = seq, len(b["seq"])
            mp = pool or (p._pools.get(0) if p._pools else None)
            if mp is None:
                raise invalid("pool", None, f"a Mempool for {p.name}'s generated packets (the port has "
                              "no RX pool)", ctx)
            mp._check_open()
            self._pools.append(mp)
            cs.pool = mp.ptr
            pps = self._pps[i]
            cs.rate_mpps = 0 if pps is None else max(1, round(pps * 1000))
            cs.poisson = int(s.poisson)
            cs.burst_pkts = s.burst or 0
            cs.ibg_cycles = int(s.ibg * hz)
            cs.nb_bursts = s.bursts or 0
            cs.start_after = -1 if s.start_after is None else cidx[s.start_after]
            cs.count = s.count or 0
            cs.isg_cycles = int(s.delay * hz)
            cs.nb_fields = len(b["fields"])
            for k, f in enumerate(b["fields"]):
                cf = cs.fields[k]
                cf.offset, cf.width, cf.op, cf.csum, cf.mask = f["offset"], f["width"], f["op"], f["csum"], f["mask"]
                for name in ("min", "max", "init"):
                    lo, hi = _split128(f[name])
                    getattr(cf, name)[0], getattr(cf, name)[1] = lo, hi
                cf.step[0], cf.step[1] = _split128(f["step"])
                cf.nb_list = len(f["values"])
                for k2, v in enumerate(f["values"]):
                    cf.list[k2][0], cf.list[k2][1] = _split128(v)
        self._order, self._cidx = order, cidx
        self._rxs, self._rxs_mem = _aligned("struct pydpdk_gen_rx", len(rxq))
        self._rx_stats = []
        for c, j in enumerate(rx_order):
            rp, q = rxq[j]
            r = self._rxs[c]
            r.port, r.queue, r.burst, r.nb_streams = rp.id, q, rx_burst, len(streams)
            src = sources.get(rp.id)
            if use_ts and isinstance(src, tuple):
                r.clock, r.clock_ref, r.clock_hz = lib.PYDPDK_GEN_CLOCK_RX_TIMESTAMP, src[0], src[1]
            if rx_stage is not None:
                rs = stage_for_generator(rx_stage, "rx_stage")
                r.stage_fn, r.stage_state, r.stage_abi = ffi.cast("void *", rs.address), \
                    ffi.cast("void *", rs.state_address), rs.abi
                rx_stages.append((r, rs, c))
                self._keep.append(rs)
            st, stmem = _aligned("struct pydpdk_gen_rxstat", len(streams))
            hist = ffi.new("uint64_t[]", BUCKETS * len(streams))
            self._keep += [stmem, hist]
            r.stats, r.hist = st, hist
            self._rx_stats.append((st, hist))
        self.rx_queues = [rxq[j] for j in rx_order]
        g = self._gen
        g.streams, g.nb_streams = self._cs, len(streams)
        g.rxs, g.nb_rx = self._rxs, len(rxq)
        t = r_ = 0
        self._lcores = list(assign)
        lcore_of = {i: k for k, lc in enumerate(self._lcores) for i in assign[lc][0]}
        rx_lcore_of = {c: k for k, lc in enumerate(self._lcores) for c, j in enumerate(rx_order) if j in assign[lc][1]}
        for cs, st, row in [(cs, st, lcore_of[i]) for cs, st, i in stages] + \
                [(r, st, rx_lcore_of[c]) for r, st, c in rx_stages]:
            if st.lcore_state_address:      # a stage's counter row: its stream's (rx queue's) lcore's
                cs.stage_lcore_state = ffi.cast("void *", st.lcore_state_address + row * st.lcore_stride)
        for k, lc in enumerate(self._lcores):
            ntx, nrx = len(assign[lc][0]), len(assign[lc][1])
            g.lcores[k].tx_begin, g.lcores[k].nb_tx, g.lcores[k].rx_begin, g.lcores[k].nb_rx = t, ntx, r_, nrx
            t, r_ = t + ntx, r_ + nrx
        g.nb_lcores = len(self._lcores)
        self._lcore_ids = ffi.new("unsigned int[]", self._lcores)
        self.ports = list({p.id: p for p in tx_ports + [x for x, _ in rxq]}.values())
        self._tx_ports = tx_ports
        self._lengths = [b["mean_len"] for b in built]
        self._checksums: list[dict[str, str]] = []
        for b in built:
            h, off = b["headers"], b["offload"]
            ck: dict[str, str] = {}
            if h.l3_type == 4:
                ck["ipv4"] = "offload" if off & lib.PYDPDK_GEN_OFFLOAD_IP else "software"
            if h.l4_proto:
                ck["udp" if h.l4_proto == 17 else "tcp"] = (
                    "offload" if off & lib.PYDPDK_GEN_OFFLOAD_L4 else "software" if b["l4_csum"] else "zero")
            self._checksums.append(ck)
        self._t0 = 0.0
        self._elapsed = 0.0
        self._final = False
        for p in self.ports:
            self._use(p)            # the ports refuse to stop or close while this runs
        for mp in {id(x): x for x in self._pools}.values():
            self._use(mp)
        self._register()
        rc = lib.pydpdk_gen_prepare(g)
        if rc < 0:
            self.close()
            raise invalid("streams", "generator set-up", ffi.string(g.error).decode(), ctx)
        lib.pydpdk_gen_reset(g)

    # -- state --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the generator's lcores run."""
        return bool(self._gen.running)

    @property
    def lcores(self) -> list[int]:
        """The worker lcore ids that send and receive."""
        return list(self._lcores)

    @property
    def burst(self) -> int:
        """Packets per TX burst."""
        return self._rxs[0].burst if self._gen.nb_rx else self._cs[0].tx_burst

    def checksums(self, i: int) -> dict[str, str]:
        """Where stream i's checksums are computed: {"ipv4": ..., "udp"/"tcp": ...}, each
        "software", "offload" (the port's TX offload) or "zero" (UDP checksum 0)."""
        return dict(self._checksums[i])

    def pps(self, i: int) -> float | None:
        """The rate asked of stream i, in packets/s (None: as fast as possible)."""
        return self._pps[i]

    # -- running ------------------------------------------------------------------------------
    def start(self, *, flush_rx: bool = True) -> None:
        """Launch the lcores: streams start (or wait for theirs) at once. ``flush_rx``: first drop
        what waits in the measured RX queues (stale packets would be counted)."""
        self._check_open()
        if self.running:
            raise invalid("generator", "running", "a stopped generator (stop() first)", "Generator.start")
        for p in self.ports:
            p._check_open()
            if not p.started:
                raise invalid("ports", p._describe(), "started ports", "Generator.start")
        for p, q in (self.rx_queues if flush_rx else ()):
            lib.pydpdk_rx_drain(p.id, q, 1 << 20)
        self._final = False
        self._t0 = time.monotonic()
        rc = lib.pydpdk_gen_launch(self._gen, self._lcore_ids, len(self._lcores))
        if rc < 0:
            msg = ffi.string(self._gen.error).decode() or cstr(lib.rte_strerror(-rc))
            if rc == -22:
                raise invalid("generator", "start", msg, "Generator.start")
            raise DpdkError(-rc, f"launching the generator lcores failed: {msg}", "pydpdk_gen_launch")

    def done(self) -> bool:
        """True when every stream has finished (never, with a stream that runs until stopped)."""
        return bool(lib.pydpdk_gen_all_done(self._gen))

    def wait(self, timeout: float | None = None, *, stop: bool = True) -> bool:
        """Wait until every stream has finished (True) or timeout seconds passed (False); then
        stop (and drain) unless stop=False."""
        self._check_open()
        if not self.running:
            return self.done()
        deadline = None if timeout is None else time.monotonic() + timeout
        if timeout is None and any(s.count is None and s.bursts is None for s in self.streams):
            raise invalid("timeout", None, "a timeout: a stream without count or bursts never ends",
                          "Generator.wait")
        finished = False
        while True:
            if self.done():
                finished = True
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            time.sleep(0.002)
        if stop:
            self.stop()
        return finished

    def stop(self, *, drain_ms: int = 50, drain_max_ms: int = 2000) -> GenResult:
        """Stop the lcores, free what the TX queues refused, then measure what still arrives on
        the RX queues (until none has come for drain_ms). Returns the final results."""
        self._check_open()
        if self.running:
            lib.pydpdk_gen_stop(self._gen)
            self._elapsed = time.monotonic() - self._t0
            if self._gen.nb_rx:
                check(lib.pydpdk_gen_drain(self._gen, drain_ms, drain_max_ms), "pydpdk_gen_drain")
            self._final = True
        return self.stats()

    def run(self, duration: float | None = None) -> GenResult:
        """start, then wait for the streams to finish (at most duration s), stop: final results."""
        self.start()
        try:
            self.wait(duration, stop=False)
        finally:
            final = self.stop()
        return final

    # -- results ------------------------------------------------------------------------------
    def stats(self) -> GenResult:
        """Per-stream counters and latency; live while running, final once stopped."""
        self._check_open()
        hz = self._hz
        elapsed = time.monotonic() - self._t0 if self.running else self._elapsed
        out, untagged, no_ts, rx_sd, rx_si = [], 0, 0, 0, 0
        launch = self._gen.launch_tsc
        for r in range(self._gen.nb_rx):
            untagged += self._rxs[r].rx_untagged
            no_ts += self._rxs[r].rx_no_timestamp
            rx_sd += self._rxs[r].stage_dropped
            rx_si += self._rxs[r].stage_invalid
        for i, s in enumerate(self.streams):
            cs = self._cs[self._cidx[i]]
            rx = rxb = dup = ooo = late = lat_n = lat_sum = jit_n = 0
            seq_top = -1
            lat_min, lat_max, jitter16 = None, 0, 0
            hist = [0] * BUCKETS
            first = last = 0
            for st, h in self._rx_stats:
                e = st[i]
                if not e.packets:
                    continue
                rx += e.packets
                rxb += e.bytes
                dup += e.duplicated
                ooo += e.out_of_order
                late += e.late
                seq_top = max(seq_top, e.seq_max)
                if e.lat_count:
                    lat_n += e.lat_count
                    lat_sum += e.lat_sum
                    lat_min = e.lat_min if lat_min is None else min(lat_min, e.lat_min)
                    lat_max = max(lat_max, e.lat_max)
                    if e.lat_count > jit_n:
                        jit_n, jitter16 = e.lat_count, e.jitter16
                    base = i * BUCKETS
                    buf = ffi.buffer(h + base, BUCKETS * 8)
                    for k, n in enumerate(memoryview(buf).cast("Q")):
                        if n:
                            hist[k] += n
                first = e.first_tsc if not first else min(first, e.first_tsc)
                last = max(last, e.last_tsc)
            # TX read after RX: a live snapshot never shows more received than sent
            tx, txb = cs.tx_packets, cs.tx_bytes
            state = _STATES.get(cs.state, "?")
            start = cs.start_tsc
            # N packets paced at R span (N - 1) / R: first accepted at start, last at last_tx_tsc
            dt = (cs.last_tx_tsc - start) / hz if start and cs.last_tx_tsc > start else 0.0
            tx_pps = (tx - 1) / dt if dt and tx > 1 else 0.0
            mean_len = txb / tx if tx else self._lengths[i]
            rx_dt = (last - first) / hz if last > first else 0.0
            rx_pps = (rx - 1) / rx_dt if rx_dt and rx > 1 else 0.0
            latency = None
            if lat_n:
                ns = 1e9 / hz
                lo, hi = cast(int, lat_min), lat_max    # set once lat_n > 0
                latency = Latency(
                    min=lo * ns, mean=lat_sum / lat_n * ns, max=hi * ns,
                    p50=percentile(hist, 0.50, lo, hi) * ns, p90=percentile(hist, 0.90, lo, hi) * ns,
                    p99=percentile(hist, 0.99, lo, hi) * ns, p999=percentile(hist, 0.999, lo, hi) * ns,
                    jitter=jitter16 / 16 * ns, samples=lat_n,
                    histogram={_LOWER[k] * ns: n for k, n in enumerate(hist) if n})
            out.append(StreamResult(
                id=i, name=s.name or f"stream{i}", state=state, tx_packets=tx, tx_bytes=txb,
                rx_packets=rx, rx_bytes=rxb, lost=max(0, tx - (rx - dup)), out_of_order=ooo,
                duplicated=dup, late=late, missing=max(0, seq_top + 1 - (rx - dup)), unsent=cs.unsent, alloc_failures=cs.alloc_failures,
                tx_pps=tx_pps, tx_bps_l1=tx_pps * (mean_len + L1_OVERHEAD) * 8,
                tx_bps_l2=tx_pps * (mean_len + L2_OVERHEAD) * 8, rx_pps=rx_pps, latency=latency,
                start_s=(start - launch) / hz if start else None,
                end_s=(cs.end_tsc - launch) / hz if cs.end_tsc else None,
                clock=self.clock, clock_unit=self.clock_unit,
                stage_dropped=cs.stage_dropped, stage_invalid=cs.stage_invalid))
        return GenResult(elapsed, out, self._final and not self.running, untagged, hz, self.clock,
                         self.clock_unit, no_ts, rx_sd, rx_si)

    # -- inspection ---------------------------------------------------------------------------
    def build(self, stream: int, n: int, *, tsc: int = 0) -> Any:
        """n packets of stream `stream` built as the engine would (fields, tag with time tsc,
        checksums; offloaded ones as the port gets them: IPv4 checksum 0, the pseudo-header sum
        in the UDP/TCP one, the mbufs' ol_flags/l2_len/l3_len set), advancing its state: an
        MbufBurst the caller frees. For tests and checks."""
        from ..mbuf import MbufBurst
        self._check_open()
        if not isinstance(stream, int) or not 0 <= stream < len(self.streams):
            raise invalid("stream", stream, f"0..{len(self.streams) - 1}", "Generator.build")
        if not isinstance(n, int) or not 1 <= n <= 65535:
            raise invalid("n", n, "1 to 65535", "Generator.build")
        burst = MbufBurst(n)
        done = 0
        while done < n:
            k = min(n - done, lib.PYDPDK_GEN_MAX_BURST)
            got = check(lib.pydpdk_gen_build(self._gen, self._cidx[stream], burst.ptrs + done, k, tsc),
                        "pydpdk_gen_build")
            done += got
            burst._n = done
            if got < k:
                break
        burst._changed()
        return burst

    def reset(self) -> None:
        """Zero counters and restart fields and sequence numbers (stopped only)."""
        self._check_open()
        check(lib.pydpdk_gen_reset(self._gen), "pydpdk_gen_reset", hint="stop the generator first")

    def stream_totals(self) -> list[StreamTotals]:
        """Per-stream cumulative counters and latency p99, live (what samplers record per stream)."""
        return [StreamTotals(s.id, s.name, s.tx_packets, s.rx_packets, s.tx_bytes, s.rx_bytes, s.lost,
                             s.latency.p99 if s.latency else None) for s in self.stats().streams]

    def port_totals(self) -> list[PortTotals]:
        """Per-port cumulative counters (the Engine interface the observers read)."""
        self._check_open()
        acc: dict[int, list[Any]] = {p.id: [p.id, p.name, 0, 0, 0, 0, 0] for p in self.ports}
        for c in range(self._gen.nb_streams):
            s = self._cs[c]
            acc[s.port][3] += s.tx_packets
            acc[s.port][5] += s.tx_bytes
            acc[s.port][6] += s.unsent
        for r in range(self._gen.nb_rx):
            x = self._rxs[r]
            acc[x.port][2] += x.rx_packets
            acc[x.port][4] += x.rx_bytes
        return [PortTotals(*v) for v in acc.values()]

    def _release(self) -> None:
        if self._gen.running:
            lib.pydpdk_gen_stop(self._gen)

    def _describe(self) -> str:
        return f"Generator({len(self.streams)} streams)"

    def __repr__(self) -> str:
        if self._closed:
            return "<Generator closed>"
        return (f"<Generator {'running' if self.running else 'stopped'} streams={len(self.streams)} "
                f"rx={len(self.rx_queues)} lcores={self._lcores}>")
