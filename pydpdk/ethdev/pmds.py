"""Every PMD pydpdk knows, in one table: DPDK's driver name and aliases, the plugin that carries
it, its bus, and what the DPDK 2.0 NIC drivers guide says of it.

The guide (DPDK 2.0.0, 2015) names drivers by their old library names (``librte_pmd_mlx4``,
``i40evf``...); current DPDK registers them under ``net_*`` names and ships each as a plugin
``librte_net_*.so`` in the EAL's plugin directory, which comes from the build
(:data:`pydpdk._native.PMD_DIR`, found by build_ffi.py for the DPDK pydpdk was built against).
pydpdk.vdev's typed specs, pydpdk.drivers' catalog and the "plugin not loaded" errors all read
this table.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Optional

from .._native import PMD_DIR
from ..errors import invalid

__all__ = ["Pmd", "PMDS", "PMD_DIR", "lookup", "plugin_path", "counts_bytes", "vdev_driver_for", "vdev_names"]


@dataclass(frozen=True)
class Pmd:
    """One PMD: the guide's name, DPDK's registered name and plugin, and the guide's notes."""

    guide_name: str                 # e.g. "ixgbe", "i40evf"
    name: str                       # DPDK's driver name (rte_driver.name), e.g. "net_ixgbe"
    plugin: str                     # librte_net_*.so
    bus: str                        # "pci" or "vdev"
    section: str                    # guide chapter/section
    devices: str = ""               # what it drives
    notes: tuple[str, ...] = field(default=())
    replaces: Optional[str] = None  # set when current DPDK replaced the guide's driver
    aliases: tuple[str, ...] = ()   # other names DPDK's vdev bus accepts (eth_pcap...)
    #: False where the PMD's stats count packets only (ibytes/obytes, per-queue bytes stay 0):
    #: read a Forwarder's engine byte counts there (ForwardStats ports, bytes_from="engine")
    counts_bytes: bool = True
    #: the DPDK release from which a packets-only PMD counts bytes too (net_null: 25.07)
    counts_bytes_from: Optional[tuple[int, int]] = None

    @property
    def plugin_path(self) -> str:
        """The plugin file in this build's plugin directory."""
        return os.path.join(PMD_DIR, self.plugin) if PMD_DIR else self.plugin

    @property
    def installed(self) -> bool:
        """True when the plugin file (or a versioned one: .so.23) exists."""
        return bool(glob.glob(glob.escape(self.plugin_path) + "*"))


_D = Pmd
PMDS: dict[str, Pmd] = {d.name: d for d in [
    _D("em", "net_e1000_em", "librte_net_e1000.so", "pci", "1",
       "82540EM (QEMU e1000), 82545EM / 82574L (VMware, QEMU e1000e)",
       ("The guide's QEMU e1000 RX path used one descriptor per packet: every mbuf had to hold a whole "
        "frame (testpmd --mbuf-size=<max packet size>) [§1.4]. With QEMU 10 and DPDK 22.11 larger frames "
        "arrive as chained mbufs instead (scattered RX; measured in the NIC lab).",
        "QEMU's e1000 does not validate the checksum of incoming packets [§1.4].")),
    _D("igb", "net_e1000_igb", "librte_net_e1000.so", "pci", "3.1.1",
       "82576, I350 family (QEMU >= 8 emulates the 82576 as 'igb')",
       ("As an SR-IOV PF: 82576 has 8 pools of 2 queue pairs; I350 has 8 queues per port, one "
        "pair per VF [§3.1.1].",)),
    _D("igbvf", "net_e1000_igb_vf", "librte_net_e1000.so", "pci", "3.1.1",
       "82576 / I350 virtual functions",
       ("82576 VFs get a pool of 2 queue pairs, I350 VFs one pair [§3.1.1].",)),
    _D("ixgbe", "net_ixgbe", "librte_net_ixgbe.so", "pci", "2.1",
       "82599, X540, X550 10 GbE",
       ("Vector PMD (SSE) RX needs bulk allocation: rx_free_thresh >= 32, rx_free_thresh < nb_rx_desc, "
        "nb_rx_desc % rx_free_thresh == 0, nb_rx_desc < 4096 - 32 [§2.1.1].",
        "Scattered RX, IEEE1588, flow director, header split and RX checksum offload disable the "
        "vector RX path [§2.1.1]; it returns nothing for bursts under 32 packets.",
        "Vector TX needs 32 <= tx_rs_thresh <= 64 and no TX offloads (simple flags) [§2.1.2].",
        "As SR-IOV PF with VF RSS: up to 4 queues per VF with 1-32 VFs (32 pools), 2 with 33-64 VFs "
        "(64 pools) [§3.1.1].")),
    _D("ixgbevf", "net_ixgbe_vf", "librte_net_ixgbe.so", "pci", "3.1.1",
       "82599 / X540 / X550 virtual functions",
       ("VF RSS: at most 4 queues per VF, 2 when the PF runs 33-64 VFs; hash, key and the "
        "128-entry RETA are shared with the PF and can only be queried on the PF [§3.1.1].",)),
    _D("i40e", "net_i40e", "librte_net_i40e.so", "pci", "3.1.1",
       "Fortville XL710 / X710 10/40 GbE",
       ("Up to 128 VFs per device, each with up to 16 queue pairs [§3.1.1].",)),
    _D("i40evf", "net_iavf", "librte_net_iavf.so", "pci", "3.1.1",
       "Fortville virtual functions (and E810 / Intel AVF)",
       ("DPDK 22.11 has no i40evf PMD: Fortville VFs are driven by net_iavf (Intel Adaptive "
        "Virtual Function), which replaced i40evf.",
        "Guide: each VF has up to 16 queue pairs [§3.1.1] (iavf negotiates more with large-VF "
        "capable PFs)."), replaces="i40evf"),
    _D("fm10k", "net_fm10k", "librte_net_fm10k.so", "pci", "3.1.1",
       "Intel Ethernet Switch FM10000 host interface (PF and VF: net_fm10k_vf)",
       ("Up to 64 VFs per host interface, each with up to 16 queue pairs; the PF must be run by "
        "the Linux fm10k driver [§3.1.1].", "Debian's DPDK 22.11 ships librte_net_fm10k.so.")),
    _D("mlx4", "net_mlx4", "librte_net_mlx4.so", "pci", "4",
       "Mellanox ConnectX-3 (EN and VF)",
       ("Dual-port ConnectX-3 adapters expose one PCI address with two ports: allowing or "
        "blocking that address takes both [§4.1].",
        "RSS needs a power-of-two number of RX queues (hardware requirement) [§4.2, §4.3.3].",
        "Needs libibverbs + libmlx4 and the mlx4_core/mlx4_en/mlx4_ib/ib_uverbs kernel modules "
        "bound to the device; no uio/vfio binding [§4.4].",
        "RSS hash key cannot be modified; no checksum offloads; software counters [§4.2].")),
    _D("virtio", "net_virtio", "librte_net_virtio.so", "pci", "5",
       "virtio-net (legacy and modern) PCI devices; virtio-user as vdev 'net_virtio_user'",
       ("The host decides the virtqueue size (QEMU: 256 by default); another nb_desc gets a "
        "warning and the vq size is used [§5.2].",
        "MAC/VLAN filtering needs the backend to negotiate it; without it disable VLAN filtering "
        "(testpmd --disable-hw-vlan) [§5.2].",
        "RTE_PKTMBUF_HEADROOM must exceed sizeof(struct virtio_net_hdr) [§5.2].")),
    _D("vmxnet3", "net_vmxnet3", "librte_net_vmxnet3.so", "pci", "6",
       "VMware VMXNET3 (QEMU '-device vmxnet3')",
       ("No scattered packet RX or TX: one mbuf per packet [§6.1, §6.2].",
        "DPDK 22.11: RX rings take 128-4096 descriptors (the device rounds down to a multiple of 32), "
        "TX rings 512-4096 (probed in the NIC lab).",
        "No multicast filter table [§6.2].")),
    _D("pcap", "net_pcap", "librte_net_pcap.so", "vdev", "7.1.1", aliases=("eth_pcap",), devices=
       "pcap files and kernel interfaces through libpcap (--vdev net_pcap0,rx_pcap=...)",
       notes=("The guide's 'eth_pcap' vdev prefix is 'net_pcap' in 22.11 (eth_pcap still accepted as alias).",
        "testpmd flushes 512 packets per RX stream at start: use --no-flush-rx with rx_pcap [§7.1.1].")),
    _D("ring", "net_ring", "librte_net_ring.so", "vdev", "7.1.2", aliases=("eth_ring",), devices=
       "rte_ring pairs as ports (--vdev net_ring0, rte_eth_from_rings())",
       notes=("The guide's 'eth_ring' prefix is 'net_ring' in 22.11.",
        "Slower than the ring API itself: every burst goes through the ethdev function pointers "
        "[§7.1.3].",
        "Counts packets, not bytes: stats() ibytes/obytes stay 0 (DPDK 22.11's eth_ring stats); "
        "a Forwarder's engine byte counts (ForwardStats rx_bytes/tx_bytes) are the ones to read."),
       counts_bytes=False),
    _D("null", "net_null", "librte_net_null.so", "vdev", "-", aliases=("eth_null",), devices=
       "drops TX, generates RX (size=, copy=)",
       notes=("Counts packets, not bytes: stats() ibytes/obytes stay 0 (DPDK 22.11 and 24.11's eth_null "
              "stats); from DPDK 25.07 ('net/null: optimize Rx') it counts bytes too.",),
       counts_bytes=False, counts_bytes_from=(25, 7)),
    _D("tap", "net_tap", "librte_net_tap.so", "vdev", "-", devices="a kernel TAP interface"),
    _D("tun", "net_tun", "librte_net_tap.so", "vdev", "-", devices="a kernel TUN interface (L3, no Ethernet header)"),
    _D("af_packet", "net_af_packet", "librte_net_af_packet.so", "vdev", "-", aliases=("eth_af_packet",), devices=
       "a kernel interface through AF_PACKET sockets (iface=)"),
    _D("virtio_user", "net_virtio_user", "librte_net_virtio.so", "vdev", "5", aliases=("virtio_user",), devices=
       "virtio-user: the virtio PMD over vhost-user/vhost-kernel"),
    _D("vhost", "net_vhost", "librte_net_vhost.so", "vdev", "-", aliases=("eth_vhost",), devices="vhost-user backend"),
    _D("memif", "net_memif", "librte_net_memif.so", "vdev", "-", devices="shared-memory packet interface (server/client)"),
]}


#: other names lookup() accepts: the guide's and sub-driver names
_OTHER_NAMES = {d.guide_name: d.name for d in PMDS.values()}
_OTHER_NAMES.update({"net_fm10k_vf": "net_fm10k", "net_i40e_vf": "net_iavf", "i40evf": "net_iavf",
                     "librte_pmd_mlx4": "net_mlx4", "ixgbevf": "net_ixgbe_vf", "igbvf": "net_e1000_igb_vf",
                     "em": "net_e1000_em"})
_OTHER_NAMES.update({a: d.name for d in PMDS.values() for a in d.aliases})
_VDEV_PREFIXES = {n: d for d in PMDS.values() if d.bus == "vdev" for n in (d.name, *d.aliases)}


def lookup(name: str) -> Optional[Pmd]:
    """The entry for a driver name, alias or guide name (None if pydpdk has no notes on it)."""
    return PMDS.get(name) or PMDS.get(_OTHER_NAMES.get(name, ""))


def counts_bytes(driver: str) -> bool:
    """Whether a PMD's port statistics count bytes on the running DPDK (False for net_ring, and
    for net_null before 25.07, which count packets only); True for drivers pydpdk has no notes on."""
    info = lookup(driver)
    if info is None or info.counts_bytes:
        return True
    if info.counts_bytes_from is not None:
        from ..dpdk_features import FEATURES
        return FEATURES.release >= info.counts_bytes_from
    return False


def plugin_path(name: str) -> str:
    """Full path of the plugin that carries a driver; InvalidArgumentError for unknown names."""
    info = lookup(name)
    if info is None:
        raise invalid("driver", name, f"one of {', '.join(sorted(PMDS))} (or a guide name: "
                      f"{', '.join(sorted(_OTHER_NAMES))})")
    return info.plugin_path


def vdev_driver_for(device_name: str) -> Optional[Pmd]:
    """The vdev driver whose name (or alias) prefixes device_name, as DPDK's vdev bus matches."""
    best: Optional[tuple[str, Pmd]] = None
    for prefix, pmd in _VDEV_PREFIXES.items():
        if device_name.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, pmd)
    return best[1] if best else None


def vdev_names() -> list[str]:
    """Every vdev driver name and alias, sorted (for messages)."""
    return sorted(_VDEV_PREFIXES)
