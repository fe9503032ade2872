"""Virtual devices: typed specs, devargs parsing and checks, hotplug, and what this machine can do.

    pcap = pydpdk.vdev.Pcap(rx_pcap="in.pcap", tx_pcap="out.pcap")
    str(pcap)                        # 'net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap'
    ports = pydpdk.vdev.attach(pcap)  # or a devargs string
    pydpdk.vdev.detach("net_pcap0")

Rooms: :mod:`.values` (value checks), :mod:`.specs` (one typed spec per driver),
:mod:`.devargs` (parse, check, normalise), :mod:`.hotplug` (attach/detach),
:mod:`.capabilities` (what can work here). The drivers themselves (names, aliases, plugins)
are rows of the one PMD table, :data:`pydpdk.ethdev.pmds.PMDS`.
"""
from __future__ import annotations

from .. import eal as _eal
from .capabilities import Capability, capabilities, require
from .devargs import check_devargs, driver_for, normalize_devargs, parse, parse_devargs, shares_memory_by_fd, spec_of
from .hotplug import EalVdevSupport, attach, detach, device_ports
from .specs import (SPECS, AfPacket, Generic, Memif, Null, Pcap, Ring, Tap, Tun, VdevSpec, Vhost,
                    VirtioUser, spec_class)

__all__ = ["parse_devargs", "check_devargs", "normalize_devargs", "attach", "detach", "device_ports",
           "driver_for", "VdevSpec", "Generic", "Ring", "Null", "Pcap", "AfPacket", "Tap", "Tun",
           "VirtioUser", "Vhost", "Memif", "SPECS", "spec_class", "parse", "spec_of", "Capability",
           "capabilities", "require", "shares_memory_by_fd"]

_eal.register_vdev_support(EalVdevSupport)
