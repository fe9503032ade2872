"""A port's identity and device facts: names, driver, bus, devargs, MAC, rte_eth_dev_info."""
from __future__ import annotations

from typing import Any

from .._native import ffi, lib, cstr
from ..errors import PortError, check
from .base import PortBase
from .records import DescLimits, DevInfo
from .tables import RSS_HASH_FUNCTIONS, RX_OFFLOADS, SPEEDS, TX_OFFLOADS, ether_addr, flag_names, format_mac

__all__ = ["IdentityMixin"]


class IdentityMixin(PortBase):
    """Port identity: id, name, driver, device, MAC, info()."""

    @property
    def id(self) -> int:
        """The port id."""
        return self._id

    @property
    def name(self) -> str:
        """The ethdev name (net_ring0, 0000:00:04.0...)."""
        return self._name

    @property
    def driver(self) -> str:
        """The PMD's driver name (net_ring, net_e1000_em...)."""
        return cstr(self._dev_info_raw().driver_name)

    @property
    def device_name(self) -> str:
        """The rte_device name: the vdev name or the PCI address."""
        info = self._dev_info_raw()
        return cstr(lib.rte_dev_name(info.device)) if info.device != ffi.NULL else self._name

    @property
    def bus(self) -> str:
        """The bus of the device ("vdev", "pci"), "" when it has none."""
        info = self._dev_info_raw()
        return cstr(lib.rte_bus_name(lib.rte_dev_bus(info.device))) if info.device != ffi.NULL else ""

    @property
    def devargs(self) -> str:
        """The device arguments DPDK keeps for the device ("" for none)."""
        info = self._dev_info_raw()
        return cstr(lib.pydpdk_dev_args(info.device)) if info.device != ffi.NULL else ""

    @property
    def socket(self) -> int:
        """The NUMA socket of the device (-1: unknown)."""
        self._check_open()
        return lib.rte_eth_dev_socket_id(self._id)

    @property
    def mac(self) -> str:
        """The default MAC address; assign to change it."""
        self._check_open()
        addr = ffi.new("struct rte_ether_addr *")
        check(lib.rte_eth_macaddr_get(self._id, addr), "rte_eth_macaddr_get", PortError)
        return format_mac(bytes(addr.addr_bytes))

    @mac.setter
    def mac(self, value: Any) -> None:
        self._check_open()
        check(lib.rte_eth_dev_default_mac_addr_set(self._id, ether_addr(value)),
              f"rte_eth_dev_default_mac_addr_set(port {self._id})", PortError)

    def info(self) -> DevInfo:
        """rte_eth_dev_info_get as plain data."""
        i = self._dev_info_raw()
        lim = lambda l: DescLimits(l.nb_max, l.nb_min, l.nb_align, l.nb_seg_max, l.nb_mtu_seg_max)  # noqa: E731
        return DevInfo(
            driver=cstr(i.driver_name), if_index=i.if_index, min_mtu=i.min_mtu, max_mtu=i.max_mtu,
            min_rx_bufsize=i.min_rx_bufsize, max_rx_pktlen=i.max_rx_pktlen,
            max_rx_queues=i.max_rx_queues, max_tx_queues=i.max_tx_queues,
            max_mac_addrs=i.max_mac_addrs, max_vfs=i.max_vfs,
            rx_offload_capa=flag_names(i.rx_offload_capa, RX_OFFLOADS),
            tx_offload_capa=flag_names(i.tx_offload_capa, TX_OFFLOADS),
            reta_size=i.reta_size, hash_key_size=i.hash_key_size,
            rss_hash_capa=[n for n, b in RSS_HASH_FUNCTIONS.items() if i.flow_type_rss_offloads & b == b],
            flow_type_rss_offloads=i.flow_type_rss_offloads,
            rx_desc_lim=lim(i.rx_desc_lim), tx_desc_lim=lim(i.tx_desc_lim),
            speed_capa=[s for b, s in SPEEDS.items() if i.speed_capa & b],
            nb_rx_queues=i.nb_rx_queues, nb_tx_queues=i.nb_tx_queues,
            default_rx_free_thresh=i.default_rxconf.rx_free_thresh,
            default_tx_rs_thresh=i.default_txconf.tx_rs_thresh,
            default_tx_free_thresh=i.default_txconf.tx_free_thresh,
            default_rx_ring_size=i.default_rxportconf.ring_size,
            default_tx_ring_size=i.default_txportconf.ring_size,
            default_burst_size=i.default_rxportconf.burst_size)

