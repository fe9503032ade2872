"""Ethernet ports (rte_ethdev): discovery, configuration, queues, bursts, stats, RSS.

    port = pydpdk.Port(0)
    port.configure(nb_rxq=1, nb_txq=1)
    port.rx_queue_setup(0, nb_desc=512, pool=pool)
    port.tx_queue_setup(0, nb_desc=512)
    port.start()
    burst = port.rx_burst(0, 32)
    sent = port.tx_burst(burst, 0)      # the burst keeps what was not sent

Rooms: :mod:`.tables` (offload/RSS/speed names, MACs), :mod:`.records` (plain-data results),
:mod:`.base` (shared port state, the registry), :mod:`.identity`, :mod:`.configure`,
:mod:`.link` (link and filters), :mod:`.counters` (stats, xstats), :mod:`.rss`, :mod:`.burst`,
:mod:`.hooks` (where higher layers subscribe), :mod:`.port` (the Port that joins them).
rte_flow, capture, timestamps and Rx interrupts get rooms of their own next to these.
"""
from __future__ import annotations

from . import hooks
from .port import Port, forget_port, ports
from .records import DescLimits, DevInfo, Link, PortCounters, PortStats, QueueConf
from .tables import RSS_HASH_FUNCTIONS, RX_OFFLOADS, SPEEDS, TX_OFFLOADS, format_mac, parse_mac

__all__ = ["Port", "ports", "forget_port", "DevInfo", "DescLimits", "Link", "PortStats", "PortCounters", "QueueConf",
           "RX_OFFLOADS", "TX_OFFLOADS", "RSS_HASH_FUNCTIONS", "SPEEDS", "parse_mac", "format_mac", "hooks"]
