"""The guide's per-driver constraints as pure functions of driver name + configuration + device facts.

Nothing here touches DPDK: :func:`check_port`, :func:`check_rxq`, :func:`check_txq` and
:func:`check_burst` take plain data and return :class:`~pydpdk.drivers.findings.Finding` lists, so
every constraint is testable for drivers whose hardware is not present (ixgbe, i40e, fm10k, mlx4).
:mod:`pydpdk.drivers.hooks` feeds them from :class:`pydpdk.Port` at configure/queue-setup time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from .findings import ERROR, INFO, WARNING, Explanation, Finding

__all__ = ["DevFacts", "PortConf", "RxqConf", "TxqConf", "check_port", "check_rxq", "check_txq",
           "check_burst", "explain", "frame_len", "IXGBE_RX_MAX_BURST", "IXGBE_MAX_RING_DESC",
           "IXGBE_TX_MAX_FREE_BUF_SZ"]

# the guide's constants (§2.1.1, §2.1.2); unchanged in DPDK 22.11's ixgbe_rxtx.h
IXGBE_RX_MAX_BURST = 32          # RTE_PMD_IXGBE_RX_MAX_BURST
IXGBE_TX_MAX_BURST = 32          # RTE_PMD_IXGBE_TX_MAX_BURST
IXGBE_TX_MAX_FREE_BUF_SZ = 64    # RTE_IXGBE_TX_MAX_FREE_BUF_SZ
IXGBE_MAX_RING_DESC = 4096
ETHER_OVERHEAD = 18              # Ethernet header + CRC: mtu 1500 -> 1518-byte frames (guide §5.2)
VIRTIO_QEMU_VQ_SIZE = 256        # guide §5.2: "hard-coded to be 256 by qemu"
VMXNET3_RX_MIN, VMXNET3_TX_MIN, VMXNET3_MAX = 128, 512, 4096   # 22.11, probed in the NIC lab
RX_CKSUM = frozenset({"ipv4_cksum", "udp_cksum", "tcp_cksum", "sctp_cksum", "outer_ipv4_cksum",
                      "outer_udp_cksum", "checksum"})

IXGBE = ("net_ixgbe", "net_ixgbe_vf")
VIRTIO = ("net_virtio", "net_virtio_user")
I40E_FAMILY_VF = ("net_iavf", "net_i40e_vf")


@dataclass(frozen=True)
class DevFacts:
    """What the checks need to know about the device (from rte_eth_dev_info and sysfs)."""

    driver: str
    max_rx_queues: int = 0               # 0 = unknown
    max_tx_queues: int = 0
    rx_offload_capa: frozenset[str] | None = None   # None = unknown
    is_vf: bool = False
    pf_num_vfs: int | None = None        # VFs the PF runs (82599 VF RSS pools), when known
    vq_size: int | None = None           # virtio: the host's virtqueue size, when known
    pci_address: str | None = None


@dataclass(frozen=True)
class PortConf:
    """A port's configuration as the checks see it (rte_eth_conf: queues, offloads, RSS, MTU, fdir, PTP)."""
    nb_rxq: int = 1
    nb_txq: int = 1
    rx_offloads: frozenset[str] = frozenset()
    tx_offloads: frozenset[str] = frozenset()
    rss: bool = False
    rss_key: bool = False
    mtu: int | None = None               # None: the default 1500
    fdir: bool = False                   # flow director (ixgbe fdir_conf.mode != NONE)
    ieee1588: bool = False               # IEEE1588/PTP timestamping (built into the PMD)


@dataclass(frozen=True)
class RxqConf:
    """One RX queue's set-up as the checks see it (rte_eth_rxconf, descriptors, the pool's data room)."""
    queue: int = 0
    nb_desc: int = 512
    free_thresh: int = 32
    offloads: frozenset[str] = frozenset()
    mbuf_data_size: int | None = None    # data room minus headroom of the pool's mbufs


@dataclass(frozen=True)
class TxqConf:
    """One TX queue's set-up as the checks see it (rte_eth_txconf and descriptors)."""
    queue: int = 0
    nb_desc: int = 512
    rs_thresh: int = 32                  # effective value (0 in a conf means the driver default 32)
    free_thresh: int = 32
    offloads: frozenset[str] = frozenset()


def frame_len(port: PortConf) -> int:
    """Largest frame the port accepts: MTU + Ethernet header + CRC."""
    return (port.mtu or 1500) + ETHER_OVERHEAD


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _F(code: str, sev: str, subject: str, reason: str, section: str = "", **kw: Any) -> Finding:
    return Finding(code, sev, subject, reason, section, **kw)


# -- port-level (rte_eth_dev_configure) ---------------------------------------------------------
def check_port(dev: DevFacts, port: PortConf) -> list[Finding]:
    """Findings about a port configuration (rte_eth_dev_configure) on this device."""
    d, out = dev.driver, []
    rxo = port.rx_offloads
    if d in IXGBE:
        sub = "ixgbe vector RX"
        if port.ieee1588:
            out.append(_F("ixgbe.rx_vec.ieee1588", WARNING, sub, "IEEE1588 is not supported by the vector "
                          "RX path: the scalar path is used", "2.1.1", fast_path=False,
                          dpdk_22_11="a build-time option (RTE_LIBRTE_IEEE1588, off in Debian): when "
                          "built in, vector RX is never used"))
        if port.fdir:
            out.append(_F("ixgbe.rx_vec.fdir", WARNING, sub, "flow director (fdir_conf.mode != NONE) is "
                          "not supported by the vector RX path", "2.1.1", fast_path=False))
        if "header_split" in rxo:
            out.append(_F("ixgbe.rx_vec.header_split", WARNING, sub, "header split is not supported by "
                          "the vector RX path", "2.1.1", fast_path=False,
                          dpdk_22_11="header split is no longer an ethdev RX offload"))
        cks = sorted(rxo & RX_CKSUM)
        if cks:
            out.append(_F("ixgbe.rx_vec.rx_cksum", WARNING, sub, f"RX checksum offload ({', '.join(cks)}) "
                          "disables the vector RX path (l3fwd: set hw_ip_checksum=0)", "2.1.1",
                          fast_path=False, param="rx_offloads", value=cks,
                          dpdk_22_11="the x86 SSE RX path reports checksum flags itself; only the Arm "
                          "NEON path still falls back"))
        if "scatter" in rxo:
            out.append(_F("ixgbe.rx_vec.scatter", WARNING, sub, "scattered RX is not supported by the "
                          "vector RX path", "2.1.1", fast_path=False, param="rx_offloads", value="scatter",
                          dpdk_22_11="22.11 has a scattered vector RX routine (ixgbe_recv_scattered_pkts_vec)"))
    if d == "net_mlx4":
        if port.rss and not _is_pow2(port.nb_rxq):
            p2 = 1 << (port.nb_rxq.bit_length() - 1)
            out.append(_F("mlx4.rss.pow2", WARNING, "mlx4 RSS", f"RSS needs a power-of-two number of RX "
                          f"queues (a hardware requirement); with {port.nb_rxq} queues RSS cannot spread "
                          f"over all of them: use {p2} or {p2 * 2}", "4.3.3", param="nb_rxq",
                          value=port.nb_rxq, allowed="a power of two (1, 2, 4, 8, ...)"))
        if port.rss_key:
            out.append(_F("mlx4.rss.key", WARNING, "mlx4 RSS", "the RSS hash key cannot be modified: the "
                          "given key is ignored", "4.2", param="rss_key"))
        out.append(_F("mlx4.pci.two_ports", INFO, "mlx4 ports", "ConnectX-3 exposes both ports behind one "
                      f"PCI address{' (' + dev.pci_address + ')' if dev.pci_address else ''}: allowing or "
                      "blocking it (-a/-b) takes both ports", "4.1"))
    if d in VIRTIO and "vlan_filter" in rxo:
        lacks = dev.rx_offload_capa is not None and "vlan_filter" not in dev.rx_offload_capa
        out.append(_F("virtio.vlan_filter", ERROR if lacks else WARNING, "virtio VLAN filter",
                      "VLAN filtering must be negotiated with the vhost backend (VIRTIO_NET_F_CTRL_VLAN); "
                      + ("this backend did not offer it, so configure would fail: drop 'vlan_filter' "
                         "(testpmd --disable-hw-vlan)" if lacks else
                         "if the backend lacks it, configure fails: drop 'vlan_filter' "
                         "(testpmd --disable-hw-vlan)"), "5.2",
                      param="rx_offloads", value="vlan_filter",
                      allowed="offloads without vlan_filter" if lacks else None))
    if d == "net_e1000_em":
        if "scatter" in rxo:
            out.append(_F("em.rx.scatter", INFO, "em RX", "the guide's QEMU e1000 could not spread a packet "
                          "over several descriptors; QEMU 10's e1000 with DPDK 22.11's scattered em RX does "
                          "(chained mbufs)", "1.4", param="rx_offloads", value="scatter",
                          dpdk_22_11="measured in the NIC lab: scattered RX works on QEMU 10.0's e1000"))
        cks = sorted(rxo & RX_CKSUM)
        if cks:
            out.append(_F("em.rx.no_cksum_validation", WARNING, "em RX checksum", "QEMU's e1000 does not "
                          f"validate the checksum of incoming packets: {', '.join(cks)} flags cannot be "
                          "trusted there (check in software)", "1.4", param="rx_offloads", value=cks,
                          dpdk_22_11="still true with QEMU 10.0 (measured: frames with good and bad IPv4 "
                          "checksums both arrive with no checksum flag, i.e. unknown)"))
    if d == "net_vmxnet3":
        if "scatter" in rxo:
            out.append(_F("vmxnet3.rx.scatter", WARNING, "vmxnet3 RX", "scattered packet reception is not "
                          "supported: one mbuf per packet", "6.1", param="rx_offloads", value="scatter",
                          dpdk_22_11="22.11 chains mbufs for LRO/large frames on vmxnet3 v3+ devices"))
        if "multi_segs" in port.tx_offloads:
            out.append(_F("vmxnet3.tx.multiseg", WARNING, "vmxnet3 TX", "scattered (multi-segment) "
                          "transmit is not supported by the guide's VMXNET3 PMD", "6.2",
                          param="tx_offloads", value="multi_segs",
                          dpdk_22_11="22.11 sends multi-segment mbufs (up to VMXNET3_MAX_TXD_PER_PKT)"))
    out += _vf_queue_limits(dev, port)
    return out


def _vf_queue_limits(dev: DevFacts, port: PortConf) -> list[Finding]:
    d = dev.driver
    out: list[Finding] = []
    limit, why, section, sev = None, "", "3.1.1", ERROR
    if d == "net_ixgbe_vf":
        n = dev.pf_num_vfs
        if n is not None and n > 32:
            limit, why = 2, f"the PF runs {n} VFs (33-64): 64 pools of 2 queues each"
        else:
            limit = 4
            why = (f"the PF runs {n} VFs (1-32): 32 pools of 4 queues" if n else
                   "at most 4 queues per VF (32 pools; 2 when the PF runs 33-64 VFs)")
    elif d == "net_e1000_igb_vf":
        limit, why = 2, "an 82576 VF's pool holds 2 queue pairs (an I350 VF's one)"
    elif d in I40E_FAMILY_VF or (d == "net_fm10k" and dev.is_vf):
        limit, why = 16, "each VF has at most 16 queue pairs"
        if dev.max_rx_queues > 16:   # iavf with a large-VF capable PF reports more
            sev = WARNING
    if limit is None:
        return out
    for param, n in (("nb_rxq", port.nb_rxq), ("nb_txq", port.nb_txq)):
        if n > limit:
            out.append(_F(f"vf.queues.{d}", sev, f"{d} queues", f"{n} queues is more than this VF can have: "
                          f"{why}", section, param=param, value=n, allowed=f"1 to {limit}"))
    return out


# -- RX queue ------------------------------------------------------------------------------------
def check_rxq(dev: DevFacts, port: PortConf, rxq: RxqConf) -> list[Finding]:
    """Findings about one RX queue (rte_eth_rx_queue_setup): vector-path thresholds, descriptors, mbuf room."""
    d, out = dev.driver, []
    q = f"RX queue {rxq.queue}"
    frame = frame_len(port)
    too_big = rxq.mbuf_data_size is not None and frame > rxq.mbuf_data_size
    if d in IXGBE:
        sub = "ixgbe vector RX"
        t, n = rxq.free_thresh, rxq.nb_desc
        if t < IXGBE_RX_MAX_BURST:
            out.append(_F("ixgbe.rx_vec.free_thresh_min", WARNING, sub, f"{q}: rx_free_thresh {t} < "
                          f"{IXGBE_RX_MAX_BURST} (RTE_PMD_IXGBE_RX_MAX_BURST): no bulk allocation, so no "
                          "vector RX", "2.1.1", fast_path=False, param="free_thresh", value=t,
                          allowed=f">= {IXGBE_RX_MAX_BURST}"))
        if t >= n:
            out.append(_F("ixgbe.rx_vec.free_thresh_below_desc", WARNING, sub, f"{q}: rx_free_thresh {t} "
                          f"must be below nb_rx_desc {n} for bulk allocation", "2.1.1", fast_path=False,
                          param="free_thresh", value=t, allowed=f"< {n}"))
        if t > 0 and n % t:
            out.append(_F("ixgbe.rx_vec.desc_multiple", WARNING, sub, f"{q}: nb_rx_desc {n} is not a "
                          f"multiple of rx_free_thresh {t}", "2.1.1", fast_path=False, param="nb_desc",
                          value=n, allowed=f"a multiple of {t}"))
        if n >= IXGBE_MAX_RING_DESC - IXGBE_RX_MAX_BURST:
            out.append(_F("ixgbe.rx_vec.desc_max", WARNING, sub, f"{q}: nb_rx_desc {n} is not below "
                          f"IXGBE_MAX_RING_DESC - RTE_PMD_IXGBE_RX_MAX_BURST = "
                          f"{IXGBE_MAX_RING_DESC - IXGBE_RX_MAX_BURST}", "2.1.1", fast_path=False,
                          param="nb_desc", value=n, allowed=f"< {IXGBE_MAX_RING_DESC - IXGBE_RX_MAX_BURST}",
                          dpdk_22_11="22.11 checks only the first three bulk-allocation conditions"))
        if not _is_pow2(n):
            out.append(_F("ixgbe.rx_vec.desc_pow2", WARNING, sub, f"{q}: nb_rx_desc {n} is not a power of "
                          "two: DPDK 22.11 cancels vector RX for the whole port", "-", fast_path=False,
                          param="nb_desc", value=n, allowed="a power of two",
                          dpdk_22_11="ixgbe_dev_rx_queue_setup requires rte_is_power_of_2(nb_desc) "
                          "(not in the 2015 guide)"))
        if too_big:
            out.append(_F("ixgbe.rx_vec.scatter", WARNING, sub, f"{q}: {frame}-byte frames do not fit "
                          f"{rxq.mbuf_data_size}-byte mbufs: RX becomes scattered, which the vector path "
                          "does not support", "2.1.1", fast_path=False, param="mtu", value=port.mtu,
                          dpdk_22_11="22.11 has a scattered vector RX routine"))
        if "scatter" in rxq.offloads and "scatter" not in port.rx_offloads:
            out.append(_F("ixgbe.rx_vec.scatter", WARNING, sub, f"{q}: scattered RX is not supported by "
                          "the vector RX path", "2.1.1", fast_path=False, param="offloads", value="scatter"))
    if d == "net_e1000_em" and too_big:
        out.append(_F("em.rx.single_desc", WARNING, "em RX", f"{q}: {frame}-byte frames do not fit "
                      f"{rxq.mbuf_data_size}-byte mbufs. The guide's QEMU e1000 took one descriptor per packet, "
                      "so such frames were lost (testpmd --mbuf-size=<max packet size>); DPDK 22.11's em PMD "
                      "switches to scattered RX instead and they arrive as chained mbufs (nb_segs > 1): size "
                      "the mbufs for the whole frame if the application needs contiguous packets", "1.4",
                      param="pool", value=rxq.mbuf_data_size,
                      allowed=f"mbufs with at least {frame} bytes of data room",
                      dpdk_22_11="measured in the NIC lab (QEMU 10.0 e1000): 1200- and 1514-byte frames into "
                      "1024-byte mbufs arrived intact in 2 segments"))
    if d == "net_vmxnet3":
        n = rxq.nb_desc
        if not VMXNET3_RX_MIN <= n <= VMXNET3_MAX:
            out.append(_F("vmxnet3.rx.desc_range", ERROR, "vmxnet3 RX ring", f"{q}: {n} descriptors: the "
                          f"driver refuses RX rings outside {VMXNET3_RX_MIN}-{VMXNET3_MAX}", "6",
                          param="nb_desc", value=n, allowed=f"{VMXNET3_RX_MIN} to {VMXNET3_MAX}"))
        if too_big:
            out.append(_F("vmxnet3.rx.single_mbuf", WARNING, "vmxnet3 RX", f"{q}: {frame}-byte frames do "
                          f"not fit {rxq.mbuf_data_size}-byte mbufs and scattered RX is not supported",
                          "6.1", param="pool", value=rxq.mbuf_data_size))
    if d in VIRTIO:
        out += _virtio_ring(dev, q, rxq.nb_desc)
    return out


def _virtio_ring(dev: DevFacts, q: str, n: int) -> list[Finding]:
    vq = dev.vq_size or VIRTIO_QEMU_VQ_SIZE
    if n == vq:
        return []
    known = "" if dev.vq_size else " (QEMU's default; the device may be configured otherwise)"
    return [_F("virtio.vq_size", WARNING, "virtio ring size", f"{q}: nb_desc {n} differs from the "
               f"virtqueue size {vq}{known}, which the host fixes: the driver uses the vq size", "5.2",
               param="nb_desc", value=n, allowed=f"{vq} (the host's vq size)",
               dpdk_22_11="22.11 uses the vq size when nb_desc is 0 or larger, and fills only "
               "nb_desc entries when it is smaller")]


# -- TX queue ------------------------------------------------------------------------------------
def check_txq(dev: DevFacts, port: PortConf, txq: TxqConf) -> list[Finding]:
    """Findings about one TX queue (rte_eth_tx_queue_setup): rs/free thresholds, offloads, descriptors."""
    d, out = dev.driver, []
    q = f"TX queue {txq.queue}"
    if d in IXGBE:
        rs, fr, n = txq.rs_thresh, txq.free_thresh, txq.nb_desc
        sub = "ixgbe vector TX"
        if not IXGBE_TX_MAX_BURST <= rs <= IXGBE_TX_MAX_FREE_BUF_SZ:
            out.append(_F("ixgbe.tx_vec.rs_thresh", WARNING, sub, f"{q}: tx_rs_thresh {rs} outside "
                          f"{IXGBE_TX_MAX_BURST}-{IXGBE_TX_MAX_FREE_BUF_SZ} (RTE_PMD_IXGBE_TX_MAX_BURST.."
                          "RTE_IXGBE_TX_MAX_FREE_BUF_SZ): the vector TX path is not used", "2.1.2",
                          fast_path=False, param="rs_thresh", value=rs,
                          allowed=f"{IXGBE_TX_MAX_BURST} to {IXGBE_TX_MAX_FREE_BUF_SZ}"))
        offl = sorted((txq.offloads | port.tx_offloads) - {"mbuf_fast_free"})
        if offl:
            out.append(_F("ixgbe.tx_vec.offloads", WARNING, sub, f"{q}: TX offloads ({', '.join(offl)}) "
                          "need the full TX path: vector (simple) TX takes no multi-segment, VLAN or "
                          "checksum offload", "2.1.2", fast_path=False, param="tx_offloads", value=offl))
        # where ixgbe_dev_tx_queue_setup returns -EINVAL
        for cond, code, allowed in (
                (rs >= n - 2, "ixgbe.tx.rs_below_desc", f"tx_rs_thresh < nb_desc - 2 = {n - 2}"),
                (fr >= n - 3, "ixgbe.tx.free_below_desc", f"tx_free_thresh < nb_desc - 3 = {n - 3}"),
                (rs > fr, "ixgbe.tx.rs_le_free", f"tx_rs_thresh <= tx_free_thresh ({fr})"),
                (rs > 0 and n % rs != 0, "ixgbe.tx.desc_multiple", f"nb_desc ({n}) a multiple of tx_rs_thresh"),
                (rs + fr > n, "ixgbe.tx.sum_le_desc", f"tx_rs_thresh + tx_free_thresh <= nb_desc ({n})")):
            if cond:
                out.append(_F(code, ERROR, "ixgbe TX queue setup", f"{q}: tx_rs_thresh {rs}, tx_free_thresh "
                              f"{fr}, nb_desc {n}: the driver refuses the queue", "-",
                              param="rs_thresh" if "rs" in code else "free_thresh",
                              value=rs if "rs" in code else fr, allowed=allowed))
    if d == "net_vmxnet3":
        n = txq.nb_desc
        if not VMXNET3_TX_MIN <= n <= VMXNET3_MAX:
            out.append(_F("vmxnet3.tx.desc_range", ERROR, "vmxnet3 TX ring", f"{q}: {n} descriptors: the "
                          f"driver refuses TX rings outside {VMXNET3_TX_MIN}-{VMXNET3_MAX}", "6",
                          param="nb_desc", value=n, allowed=f"{VMXNET3_TX_MIN} to {VMXNET3_MAX}"))
        if "multi_segs" in txq.offloads:
            out.append(_F("vmxnet3.tx.multiseg", WARNING, "vmxnet3 TX", f"{q}: scattered transmit is not "
                          "supported by the guide's VMXNET3 PMD", "6.2", param="offloads", value="multi_segs"))
    if d in VIRTIO:
        out += _virtio_ring(dev, q, txq.nb_desc)
    return out


# -- bursts --------------------------------------------------------------------------------------
def check_burst(dev: DevFacts, burst: int) -> list[Finding]:
    """What an RX burst of ``burst`` packets does on this driver's fast path."""
    if dev.driver in IXGBE and burst < IXGBE_RX_MAX_BURST:
        return [_F("ixgbe.rx_vec.burst", WARNING, "ixgbe vector RX", f"bursts of {burst} < "
                   f"{IXGBE_RX_MAX_BURST}: the vector RX handler returns nothing for them", "2.1.1",
                   param="burst", value=burst, allowed=f">= {IXGBE_RX_MAX_BURST}",
                   dpdk_22_11="22.11 rounds the request down to a multiple of 4 descriptors: "
                   "fewer than 4 returns nothing, other small bursts lose throughput")]
    return []


# -- all together --------------------------------------------------------------------------------
def explain(dev: DevFacts, port: PortConf | None, rxqs: Iterable[RxqConf] = (),
            txqs: Iterable[TxqConf] = (), burst: int | None = None, header: str = "") -> Explanation:
    """Every finding for a configuration, plus the fast paths that stay on."""
    from .catalog import lookup
    info = lookup(dev.driver)
    head = header or f"{dev.driver}"
    if info:
        head += f" — guide: {info.guide_name} (§{info.section}), plugin {info.plugin}"
        if info.replaces:
            head += f"; replaces {info.replaces}"
    found: list[Finding] = []
    if port is None:
        found.append(_F("port.unconfigured", INFO, "port", "not configured yet: configure() and set up "
                        "queues to see what the driver will do"))
        if info:
            found += [_F(f"note.{info.guide_name}.{i}", INFO, info.guide_name, n, info.section)
                      for i, n in enumerate(info.notes)]
        return Explanation(head, found)
    rxqs, txqs = list(rxqs), list(txqs)
    found += check_port(dev, port)
    for r in rxqs:
        found += check_rxq(dev, port, r)
    for t in txqs:
        found += check_txq(dev, port, t)
    if burst is not None:
        found += check_burst(dev, burst)
    if dev.driver in IXGBE:
        for sub, prefix, queues in (("ixgbe vector RX", "ixgbe.rx_vec.", rxqs),
                                    ("ixgbe vector TX", "ixgbe.tx_vec.", txqs)):
            off = [f for f in found if f.code.startswith(prefix) and f.fast_path is False]
            if queues and not off:
                found.append(_F(prefix + "on", INFO, sub, "every precondition holds: the vector "
                                "handler is used", "2.1", fast_path=True))
    if info and not found:
        found += [_F(f"note.{info.guide_name}.{i}", INFO, info.guide_name, n, info.section)
                  for i, n in enumerate(info.notes)]
    return Explanation(head, found)
