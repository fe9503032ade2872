"""Packet capture into pcapng from inside the process: RX/TX callbacks in C, librte_pcapng.

    from pydpdk import capture
    with capture.capture(port, "out.pcapng", rx=True, tx=True, snaplen=128,
                         filter="udp port 53") as cap:
        ...                                  # an engine forwards; the callbacks copy what it sees
    print(cap.stats)                         # seen, captured, filtered, dropped, written

The callbacks (``rte_eth_add_rx_callback``/``rte_eth_add_tx_callback`` on every queue) run in
whatever thread polls the port — a native forwarding engine included — and copy each packet
with ``rte_pcapng_copy`` into a ring; a writer thread drains the ring into the file once per
burst. No Python runs per packet. ``filter`` is libpcap syntax, compiled with ``pcap_compile``
and converted to DPDK BPF (``rte_bpf_convert``); packets it rejects count as ``filtered``.
When the ring or the copy pool is full the packet is not captured and counts as ``dropped``
(the port's traffic is never held up). The file opens in tshark, tcpdump and Wireshark.

For DPDK's own tools, pydpdk primaries call ``rte_pdump_init`` at EAL init (see
:func:`pdump_enabled`), so ``dpdk-dumpcap``/``dpdk-pdump`` can attach to a running pydpdk
process (docs/capture.md has the details and the 22.11 caveats).

:class:`PacketDump` is the other use of the callbacks: testpmd's ``set verbose`` without printing
on the lcore. The callbacks summarise each packet (MACs and first bytes, lengths, segments,
offload flags, packet types) into a bounded ring in C; the owner drains :class:`PacketSummary`
records and prints them from its own thread.
"""
from __future__ import annotations

import errno
import itertools
import os
import threading
import time
from dataclasses import dataclass, asdict
from typing import Any

from . import eal as _eal
from .ethdev import hooks as _port_hooks
from ._native import ffi, lib, cstr
from ._resource import Resource
from .errors import DpdkError, PortError, check, invalid
from .ethdev import Port

__all__ = ["Capture", "CaptureStats", "capture", "check_filter", "pdump_enabled", "PacketDump",
           "PacketSummary"]

_names = itertools.count()
_ERRLEN = 256


@dataclass(frozen=True)
class CaptureStats:
    """Packets the callbacks saw, copied (captured), rejected by the filter, could not copy
    (dropped: ring or pool full) and the writer put in the file."""

    seen: int
    captured: int
    filtered: int
    dropped: int
    written: int

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict keyed by field name (for JSON, telemetry, logs)."""
        return asdict(self)


def check_filter(expr: str, snaplen: int = 65535) -> None:
    """Raise InvalidArgumentError unless libpcap compiles ``expr`` and DPDK's BPF loads it."""
    err = ffi.new("char[]", _ERRLEN)
    rc = lib.pydpdk_bpf_check(expr.encode(), snaplen, err, _ERRLEN)
    if rc < 0:
        raise invalid("filter", expr, f"a libpcap filter expression DPDK's BPF can run ({cstr(err)})")


def pdump_enabled() -> bool:
    """Whether this process answers dpdk-dumpcap/dpdk-pdump (rte_pdump_init ran in the primary)."""
    return bool(getattr(_eal.current(), "pdump", False))


class Capture(Resource):
    """One capture of one port into one pcapng file; stop with ``close()`` (or ``with``)."""

    _rank = 0            # before ports (1): callbacks go before the port closes

    def __init__(self, port: Port, path: str | os.PathLike[str], *, rx: bool = True, tx: bool = True,
                 snaplen: int = 65535, filter: str | None = None, ring_size: int = 4096,
                 pool_size: int | None = None, drain_interval: float = 0.005) -> None:
        ctx = "pydpdk.capture.Capture"
        if not isinstance(port, Port):
            raise invalid("port", port, "a pydpdk.Port", ctx)
        port._check_open()
        if not (rx or tx):
            raise invalid("rx/tx", (rx, tx), "at least one direction", ctx)
        if isinstance(snaplen, bool) or not isinstance(snaplen, int) or not 64 <= snaplen <= 262144:
            raise invalid("snaplen", snaplen, "64 to 262144 bytes", ctx)
        if isinstance(ring_size, bool) or not isinstance(ring_size, int) or ring_size < 64 or \
                ring_size & (ring_size - 1):
            raise invalid("ring_size", ring_size, "a power of two, at least 64", ctx)
        if not (port.nb_rx_queues or port.nb_tx_queues):
            raise invalid("port", port._describe(), "a configured port (its queues get the callbacks)", ctx)
        if filter is not None and not isinstance(filter, str):
            raise invalid("filter", filter, "a libpcap filter string", ctx)
        data_room = lib.rte_pcapng_mbuf_size(min(snaplen, 16384))
        if pool_size is None:       # the ring's worth of copies, at most ~32 MiB
            pool_size = max(255, min(ring_size, (32 << 20) // data_room) - 1)
        self.port, self.path = port, os.fspath(path)
        self.rx, self.tx, self.snaplen, self.filter = bool(rx), bool(tx), snaplen, filter
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = ffi.new("char[]", _ERRLEN)
        name = f"pcap{os.getpid() % 10000}_{next(_names)}"
        ptr = lib.pydpdk_capture_new(fd, (filter or "").encode(), snaplen, ring_size, pool_size,
                                     data_room, name.encode(), err, _ERRLEN)
        if ptr == ffi.NULL:
            os.close(fd)
            if filter:
                check_filter(filter, snaplen)       # names a bad filter precisely
            e = lib.pydpdk_rte_errno()
            raise DpdkError(e or 22, f"capture of {port._describe()} to {self.path} failed: {cstr(err)}",
                            "pydpdk_capture_new")
        rc = lib.pydpdk_capture_attach(ptr, port.id, port.nb_rx_queues, port.nb_tx_queues, int(rx), int(tx))
        if rc < 0:
            lib.pydpdk_capture_close(ptr, port.id, 0, 0)
            check(rc, f"rte_eth_add_rx/tx_callback({port._describe()})", PortError,
                  hint="DPDK built without RTE_ETHDEV_RXTX_CALLBACKS?")
        self._ptr = ptr
        self._start_ns = time.time_ns()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._interval = drain_interval
        self._register()
        _captures.setdefault(port.id, []).append(self)
        self._writer = threading.Thread(target=self._drain_loop, name=f"pydpdk-capture-{port.id}", daemon=True)
        self._writer.start()

    def _drain_loop(self) -> None:
        try:
            while not self._stop.is_set():
                n = lib.pydpdk_capture_drain(self._ptr, 4096)      # GIL released in C
                if n < 0:
                    raise OSError(-n, f"writing {self.path}: {os.strerror(-n)}")
                if n == 0:
                    self._stop.wait(self._interval)
        except BaseException as exc:  # noqa: BLE001 - reported by close()/stats
            self._error = exc

    def _describe(self) -> str:
        return f"capture of port {self.port.id} to {self.path}"

    @property
    def stats(self) -> CaptureStats:
        """Counts so far (after close: the final ones)."""
        if self._closed:
            return self._final
        v = [ffi.new("uint64_t *") for _ in range(5)]
        lib.pydpdk_capture_counts(self._ptr, *v)
        return CaptureStats(*(int(x[0]) for x in v))

    def wait_written(self, n: int, timeout: float = 5.0) -> CaptureStats:
        """Wait until at least n packets are in the file (TimeoutError after timeout s)."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats
            if st.written >= n:
                return st
            if self._error is not None or time.monotonic() >= deadline:
                raise TimeoutError(f"{self._describe()}: {st.written} of {n} packets written after {timeout} s"
                                   + (f" ({self._error})" if self._error else ""))
            time.sleep(0.01)

    def _release(self) -> None:
        self._stop.set()
        self._writer.join()
        self._final = self.stats
        rc = lib.pydpdk_capture_close(self._ptr, self.port.id, self._start_ns, time.time_ns())
        self._final = self._counts_after_close(self._final)
        self._ptr = ffi.NULL
        lst = _captures.get(self.port.id, [])
        if self in lst:
            lst.remove(self)
        if self._error is not None:
            raise self._error
        if rc < 0:
            raise OSError(f"{self._describe()}: finishing the pcapng file failed")

    def _counts_after_close(self, before: CaptureStats) -> CaptureStats:
        # close() drained what was left in the ring: every captured packet is now written
        return CaptureStats(before.seen, before.captured, before.filtered, before.dropped, before.captured)

    def _force_release(self) -> None:
        try:
            self._release()
        except Exception:  # noqa: BLE001 - EAL cleanup goes on
            pass

    def __repr__(self) -> str:
        return f"<Capture port {self.port.id} -> {self.path} {'closed' if self._closed else 'live'}>"


_captures: dict[int, list[Capture]] = {}


def capture(port: Port, path: str | os.PathLike[str], **kw: Any) -> Capture:
    """Start capturing ``port`` into ``path`` (pcapng); see :class:`Capture`."""
    return Capture(port, path, **kw)


def _on_port_release(port: Port) -> None:
    for cap in list(_captures.get(port.id, [])):
        if cap.port is port:
            cap.close()


_port_hooks.subscribe_release(_on_port_release)


@dataclass(frozen=True)
class PacketSummary:
    """One packet as a :class:`PacketDump` callback saw it: where (port, queue, rx or tx), its
    burst (``burst`` number, ``nb_pkts`` in it, ``index`` in it), the mbuf's lengths, segments,
    pool, offload flags and packet types (``packet_type`` the PMD's, ``sw_ptype`` parsed by
    rte_net_get_ptype, with the header lengths), ``head``: its first bytes (at most 64), and
    its RX ``timestamp`` where the PMD sets one."""

    port: int
    queue: int
    is_rx: bool
    burst: int
    nb_pkts: int
    index: int
    pkt_len: int
    nb_segs: int
    pool: str
    ol_flags: int
    packet_type: int
    sw_ptype: int
    rss: int
    vlan_tci: int
    vlan_tci_outer: int
    l2_len: int
    l3_len: int
    l4_len: int
    tunnel_len: int
    inner_l2_len: int
    inner_l3_len: int
    inner_l4_len: int
    head: bytes
    timestamp: int | None = None     # the RX timestamp dynamic field, where the PMD sets it

    @property
    def dst(self) -> str:
        """Destination MAC, as DPDK prints it (upper case)."""
        return ":".join(f"{b:02X}" for b in self.head[0:6])

    @property
    def src(self) -> str:
        """Source MAC, as DPDK prints it (upper case)."""
        return ":".join(f"{b:02X}" for b in self.head[6:12])

    @property
    def ether_type(self) -> int:
        """The Ethernet header's type field (the outer one: 0x8100 for a tagged frame)."""
        return int.from_bytes(self.head[12:14], "big") if len(self.head) >= 14 else 0

    def ol_flag_names(self) -> str:
        """DPDK's names of the set RX (or TX) offload flags, space-separated."""
        buf = ffi.new("char[]", 512)
        fn = lib.rte_get_rx_ol_flag_list if self.is_rx else lib.rte_get_tx_ol_flag_list
        fn(self.ol_flags, buf, 512)
        return cstr(buf).strip()


_dump_names = itertools.count()


class PacketDump(Resource):
    """RX (and TX) callbacks on ports' queues that summarise every packet into a ring of
    ``ring_size`` records (C, on whichever lcore polls); :meth:`drain` takes them out. When the
    ring is full, packets are not summarised and count in :attr:`lost`. ``attach`` again after a
    port's queues change; a closing port is detached first."""

    _rank = 0            # before ports (1): callbacks go before the port closes

    def __init__(self, ring_size: int = 4096) -> None:
        ctx = "pydpdk.capture.PacketDump"
        _eal.require()
        if isinstance(ring_size, bool) or not isinstance(ring_size, int) or ring_size < 64 or \
                ring_size & (ring_size - 1) or ring_size > 1 << 20:
            raise invalid("ring_size", ring_size, "a power of two, 64 to 1048576", ctx)
        name = f"vb{os.getpid() % 100000}_{next(_dump_names)}"
        ptr = lib.pydpdk_dump_new(name.encode(), ring_size)
        if ptr == ffi.NULL:
            e = lib.pydpdk_rte_errno()
            raise DpdkError(e or errno.ENOMEM, f"packet dump ring {name}: {cstr(lib.rte_strerror(e))}",
                            "pydpdk_dump_new")
        self._ptr = ptr
        self._buf = ffi.new("struct pydpdk_dump_rec[]", 256)
        self.ports: dict[int, Port] = {}
        self._register()
        _dumps.append(self)

    def _describe(self) -> str:
        return f"packet dump of ports {sorted(self.ports)}"

    def attach(self, port: Port, *, rx: bool = True, tx: bool = False) -> None:
        """Summarise what ``port``'s RX queues receive (``rx``) and its TX queues send (``tx``);
        replaces this dump's callbacks on the port, if any."""
        self._check_open()
        if not isinstance(port, Port):
            raise invalid("port", port, "a pydpdk.Port", "PacketDump.attach")
        port._check_open()
        rc = lib.pydpdk_dump_attach(self._ptr, port.id, port.nb_rx_queues, port.nb_tx_queues, int(rx), int(tx))
        check(rc, f"rte_eth_add_rx/tx_callback({port._describe()})", PortError,
              hint="DPDK built without RTE_ETHDEV_RXTX_CALLBACKS?")
        self.ports[port.id] = port

    def detach(self, port: Port) -> None:
        """Remove this dump's callbacks from ``port`` (no-op when it has none)."""
        self._check_open()
        if self.ports.pop(port.id, None) is not None:
            lib.pydpdk_dump_detach(self._ptr, port.id)

    def drain(self, limit: int = 256) -> list[PacketSummary]:
        """The summaries waiting, oldest first (at most ``limit``, up to 256 per call)."""
        self._check_open()
        n = lib.pydpdk_dump_drain(self._ptr, self._buf, max(0, min(limit, 256)))
        out = []
        for i in range(n):
            r = self._buf[i]
            out.append(PacketSummary(
                r.port, r.queue, bool(r.is_rx), r.burst, r.nb_pkts, r.index, r.pkt_len, r.nb_segs,
                ffi.string(r.pool).decode(errors="replace"), r.ol_flags, r.packet_type, r.sw_ptype, r.rss,
                r.vlan_tci, r.vlan_tci_outer, r.l2_len, r.l3_len, r.l4_len, r.tunnel_len, r.inner_l2_len,
                r.inner_l3_len, r.inner_l4_len, bytes(ffi.buffer(r.head, r.head_len)),
                int(r.timestamp) if r.has_timestamp else None))
        return out

    @property
    def packets(self) -> int:
        """Packets the callbacks saw."""
        return self._counts()[0]

    @property
    def lost(self) -> int:
        """Packets not summarised: the ring was full."""
        return self._counts()[1]

    def _counts(self) -> tuple[int, int]:
        self._check_open()
        a, b = ffi.new("uint64_t *"), ffi.new("uint64_t *")
        lib.pydpdk_dump_counts(self._ptr, a, b)
        return int(a[0]), int(b[0])

    def _release(self) -> None:
        lib.pydpdk_dump_free(self._ptr)         # detaches every port first
        self._ptr = ffi.NULL
        self.ports.clear()
        if self in _dumps:
            _dumps.remove(self)

    def _force_release(self) -> None:
        self._release()

    def __repr__(self) -> str:
        return f"<PacketDump ports {sorted(self.ports)} {'closed' if self._closed else 'live'}>"


_dumps: list[PacketDump] = []


def _dump_on_port_release(port: Port) -> None:
    for d in list(_dumps):
        if not d.closed and d.ports.get(port.id) is port:
            d.detach(port)


_port_hooks.subscribe_release(_dump_on_port_release)


_port_hooks.add_port_extension("capture", capture)
