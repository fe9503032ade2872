"""What ports report, as plain data: device info, descriptor limits, link, counters."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import invalid

__all__ = ["QueueConf", "DescLimits", "DevInfo", "Link", "PortCounters", "PortStats"]


@dataclass(frozen=True)
class QueueConf:
    """An RX or TX queue's set-up: descriptors, thresholds, offload mask."""
    nb_desc: int
    free_thresh: int
    rs_thresh: int
    offloads: int


@dataclass(frozen=True)
class DescLimits:
    """A queue's descriptor limits as the driver reports them."""

    nb_max: int
    nb_min: int
    nb_align: int
    nb_seg_max: int
    nb_mtu_seg_max: int

    def check(self, n: Any, param: str, ctx: str) -> None:
        """InvalidArgumentError unless n descriptors fit these limits."""
        ok = isinstance(n, int) and n > 0 and max(self.nb_min, 1) <= n <= self.nb_max \
            and n % max(self.nb_align, 1) == 0
        if not ok:
            align = f", a multiple of {self.nb_align}" if self.nb_align > 1 else ""
            raise invalid(param, n, f"{max(self.nb_min, 1)} to {self.nb_max}{align} for this driver", ctx)


@dataclass(frozen=True)
class DevInfo:
    """rte_eth_dev_info as plain data."""

    driver: str
    if_index: int
    min_mtu: int
    max_mtu: int
    min_rx_bufsize: int
    max_rx_pktlen: int
    max_rx_queues: int
    max_tx_queues: int
    max_mac_addrs: int
    max_vfs: int
    rx_offload_capa: list[str]
    tx_offload_capa: list[str]
    reta_size: int
    hash_key_size: int
    rss_hash_capa: list[str]
    flow_type_rss_offloads: int
    rx_desc_lim: DescLimits
    tx_desc_lim: DescLimits
    speed_capa: list[str]
    nb_rx_queues: int
    nb_tx_queues: int
    default_rx_free_thresh: int
    default_tx_rs_thresh: int
    default_tx_free_thresh: int
    default_rx_ring_size: int
    default_tx_ring_size: int
    default_burst_size: int


@dataclass(frozen=True)
class Link:
    """Link status: up, speed, duplex, autonegotiation."""

    up: bool
    speed_mbps: int
    full_duplex: bool
    autoneg: bool

    def __str__(self) -> str:
        if not self.up:
            return "Link Down"
        return (f"Link Up - speed {self.speed_mbps} Mbps - "
                f"{'full' if self.full_duplex else 'half'}-duplex")


@dataclass(frozen=True)
class PortCounters:
    """rte_eth_stats' port-wide counters (PortStats and pydpdk.stats.PortRecord have them)."""

    ipackets: int
    opackets: int
    ibytes: int
    obytes: int
    imissed: int
    ierrors: int
    oerrors: int
    rx_nombuf: int


@dataclass(frozen=True)
class PortStats(PortCounters):
    """rte_eth_stats as plain data (per-queue lists cover the configured queues)."""

    q_ipackets: list[int] = field(default_factory=list)
    q_opackets: list[int] = field(default_factory=list)
    q_ibytes: list[int] = field(default_factory=list)
    q_obytes: list[int] = field(default_factory=list)
    q_errors: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The counters as a dict (per-queue lists included)."""
        return asdict(self)

