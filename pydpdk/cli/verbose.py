"""testpmd's ``set verbose N`` for the shell: received (and sent) packets printed as testpmd's
dump_pkt_burst prints them, without Python on the forwarding path.

The summaries are made in C by :class:`pydpdk.capture.PacketDump`'s RX/TX callbacks on the
lcore that polls; a thread of the shell drains them and prints, per burst::

    port 0/queue 0: received 3 packets
      src=02:00:00:00:00:01 - dst=02:00:00:00:00:02 - pool=dpdk_pool - type=0x0800 - length=60 - nb_segs=1 - sw ptype: L2_ETHER L3_IPV4 L4_UDP  - l2_len=14 - l3_len=20 - l4_len=8 - Destination UDP port=9 - Receive queue=0x0
      ol_flags: RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN RTE_MBUF_F_RX_OUTER_L4_CKSUM_UNKNOWN

Levels as testpmd's: 0 off, 1 received packets, 2 sent packets, 3 and above both. Where the
line differs from 22.11's: the "Destination UDP|TCP port" that testpmd prints from 24.11 on
(22.11: for VXLAN packets only) is shown, found by the software parse (testpmd trusts the PMD's
packet type, which ring and pcap ports leave 0); flow-restore info, FDIR, metadata and dynamic
flags are not shown. When packets arrive faster than the terminal prints, the ring fills and a
line says how many were not shown.
"""
from __future__ import annotations

import threading
from typing import Callable, Iterable

from .._native import ffi, lib, cstr
from ..capture import PacketDump, PacketSummary
from ..errors import PydpdkError
from ..ethdev import Port

__all__ = ["VerbosePrinter", "burst_lines", "packet_line"]

RING_SIZE = 8192


def _ptype_name(ptype: int) -> str:
    buf = ffi.new("char[]", 256)
    lib.rte_get_ptype_name(ptype, buf, 256)
    return cstr(buf)


def packet_line(s: PacketSummary) -> str:
    """testpmd's line for one packet (the ``ol_flags`` line follows it)."""
    out = [f"  src={s.src} - dst={s.dst} - pool={s.pool} - type=0x{s.ether_type:04x} - "
           f"length={s.pkt_len} - nb_segs={s.nb_segs}"]
    if s.is_rx and s.ol_flags & lib.RTE_MBUF_F_RX_RSS_HASH:
        out.append(f" - RSS hash=0x{s.rss:x} - RSS queue=0x{s.queue:x}")
    if s.timestamp is not None:
        out.append(f" - timestamp {s.timestamp} ")
    qinq = lib.RTE_MBUF_F_RX_QINQ if s.is_rx else lib.RTE_MBUF_F_TX_QINQ
    vlan = lib.RTE_MBUF_F_RX_VLAN if s.is_rx else lib.RTE_MBUF_F_TX_VLAN
    if s.ol_flags & qinq:
        out.append(f" - QinQ VLAN tci=0x{s.vlan_tci:x}, VLAN tci outer=0x{s.vlan_tci_outer:x}")
    elif s.ol_flags & vlan:
        out.append(f" - VLAN tci=0x{s.vlan_tci:x}")
    if s.packet_type:
        out.append(f" - hw ptype: {_ptype_name(s.packet_type)}")
    sw = s.sw_ptype
    out.append(f" - sw ptype: {_ptype_name(sw)}")
    for mask, name, value in ((lib.RTE_PTYPE_L2_MASK, "l2_len", s.l2_len), (lib.RTE_PTYPE_L3_MASK, "l3_len", s.l3_len),
                              (lib.RTE_PTYPE_L4_MASK, "l4_len", s.l4_len),
                              (lib.RTE_PTYPE_TUNNEL_MASK, "tunnel_len", s.tunnel_len),
                              (lib.RTE_PTYPE_INNER_L2_MASK, "inner_l2_len", s.inner_l2_len),
                              (lib.RTE_PTYPE_INNER_L3_MASK, "inner_l3_len", s.inner_l3_len),
                              (lib.RTE_PTYPE_INNER_L4_MASK, "inner_l4_len", s.inner_l4_len)):
        if sw & mask:
            out.append(f" - {name}={value}")
    l4 = sw & lib.RTE_PTYPE_L4_MASK
    off = s.l2_len + s.l3_len + 2
    if not sw & lib.RTE_PTYPE_TUNNEL_MASK and l4 in (lib.RTE_PTYPE_L4_UDP, lib.RTE_PTYPE_L4_TCP) \
            and len(s.head) >= off + 2:
        proto = "UDP" if l4 == lib.RTE_PTYPE_L4_UDP else "TCP"
        out.append(f" - Destination {proto} port={int.from_bytes(s.head[off:off + 2], 'big')}")
    out.append(f" - {'Receive' if s.is_rx else 'Send'} queue=0x{s.queue:x}")
    return "".join(out)


def burst_lines(summaries: Iterable[PacketSummary]) -> list[str]:
    """testpmd's lines for these summaries: per burst "port P/queue Q: received N packets", then
    per packet its line and its ``ol_flags`` line."""
    bursts: dict[tuple[int, bool], list[PacketSummary]] = {}
    for s in summaries:
        bursts.setdefault((s.burst, s.is_rx), []).append(s)
    out = []
    for pkts in bursts.values():
        first = pkts[0]
        out.append(f"port {first.port}/queue {first.queue}: {'received' if first.is_rx else 'sent'} "
                   f"{first.nb_pkts} packets")
        for s in pkts:
            out.append(packet_line(s))
            out.append(f"  ol_flags: {s.ol_flag_names()} ")     # testpmd's trailing space
    return out


class VerbosePrinter:
    """The shell's verbose level and, while it is above 0, a PacketDump on the ports and a thread
    that prints its summaries through ``write`` (one call per batch of lines)."""

    def __init__(self, write: Callable[[str], None], ring_size: int = RING_SIZE) -> None:
        self.write = write
        self.level = 0
        self._ring_size = ring_size
        self._dump: PacketDump | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._lost_shown = 0
        self._ports: list[Port] = []

    def set_level(self, level: int, ports: Iterable[Port]) -> None:
        """testpmd's ``set verbose``: 1 received packets, 2 sent, 3+ both, 0 off."""
        self._ports = list(ports)
        self.level = level
        if level <= 0:
            self.close()
            return
        if self._dump is None:
            self._dump = PacketDump(self._ring_size)
            self._lost_shown = 0
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="pydpdk-verbose", daemon=True)
            self._thread.start()
        self.refresh()

    def refresh(self, ports: Iterable[Port] | None = None) -> None:
        """Put the callbacks on the ports' current queues again (after ports were configured,
        started, stopped or closed)."""
        if ports is not None:
            self._ports = list(ports)
        dump = self._dump
        if dump is None:
            return
        rx, tx = self.level == 1 or self.level > 2, self.level >= 2
        for p in self._ports:
            if p.closed:
                continue
            dump.attach(p, rx=rx, tx=tx)

    def detach(self) -> None:
        """Take the callbacks off every port (before the ports' queues change)."""
        self.flush()
        if self._dump is not None and not self._dump.closed:
            for p in list(self._dump.ports.values()):
                self._dump.detach(p)

    def flush(self) -> int:
        """Print the summaries waiting now (before statistics are printed), at most a ring's
        worth (the callbacks may go on adding); returns how many."""
        total = 0
        with self._lock:
            dump = self._dump
            while dump is not None and not dump.closed and total < self._ring_size:
                recs = dump.drain()
                if not recs:
                    break
                total += len(recs)
                self.write("\n".join(burst_lines(recs)))
            if dump is not None and not dump.closed:
                lost = dump.lost
                if lost > self._lost_shown:
                    self.write(f"  ... {lost - self._lost_shown} packets not shown (the verbose ring was full)")
                    self._lost_shown = lost
        return total

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                n = self.flush()
            except PydpdkError:          # the EAL went (cleanup): nothing left to print
                return
            if n == 0:
                self._stop.wait(0.02)

    def close(self) -> None:
        """Print what is left, stop the thread, remove the callbacks. Safe to call again."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        dump = self._dump
        if dump is None:
            return
        try:
            if not dump.closed:
                for p in list(dump.ports.values()):
                    dump.detach(p)        # no new summaries: what is left is printed below
            self.flush()
        except PydpdkError:
            pass
        dump.close()
        self._dump = None
