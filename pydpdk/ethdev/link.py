"""A port's link and receive filters: link state, promiscuous/all-multicast, MAC table, VLAN filter, MTU."""
from __future__ import annotations

import time
from typing import Any

from .._native import ffi, lib
from ..errors import PortError, check, flag, int_in, invalid
from .base import PortBase
from .records import Link
from .tables import ether_addr, format_mac, parse_mac

__all__ = ["LinkMixin"]


class LinkMixin(PortBase):
    """Link and filters."""

    def link(self, wait: bool = False) -> Link:
        """rte_eth_link_get (wait=True: wait for autonegotiation, up to 9 s) or _nowait."""
        self._check_open()
        speed, duplex, autoneg, status = (ffi.new("uint32_t *"), ffi.new("int *"), ffi.new("int *"),
                                          ffi.new("int *"))
        check(lib.pydpdk_link_get(self._id, int(flag("wait", wait, "Port.link")), speed, duplex, autoneg, status),
              f"rte_eth_link_get(port {self._id})", PortError)
        if self._server_virtio:
            self._note_link(bool(status[0]))
        return Link(bool(status[0]), speed[0], bool(duplex[0]), bool(autoneg[0]))

    def wait_link_up(self, timeout: float = 9.0, interval: float = 0.1) -> Link:
        """Poll until the link is up (testpmd waits 9 s); TimeoutError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            link = self.link()
            if link.up:
                return link
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{self._describe()}: link still down after {timeout} s")
            time.sleep(interval)

    def set_link_up(self) -> None:
        """rte_eth_dev_set_link_up."""
        self._check_open()
        check(lib.rte_eth_dev_set_link_up(self._id), "rte_eth_dev_set_link_up", PortError)

    def set_link_down(self) -> None:
        """rte_eth_dev_set_link_down."""
        self._check_open()
        check(lib.rte_eth_dev_set_link_down(self._id), "rte_eth_dev_set_link_down", PortError)

    # -- filtering ----------------------------------------------------------------------------
    @property
    def promiscuous(self) -> bool:
        """Promiscuous mode; assign True/False to change it."""
        self._check_open()
        return lib.rte_eth_promiscuous_get(self._id) == 1

    @promiscuous.setter
    def promiscuous(self, on: bool) -> None:
        self._check_open()
        fn = lib.rte_eth_promiscuous_enable if on else lib.rte_eth_promiscuous_disable
        check(fn(self._id), f"rte_eth_promiscuous_{'enable' if on else 'disable'}(port {self._id})", PortError)

    @property
    def allmulticast(self) -> bool:
        """All-multicast mode; assign True/False to change it."""
        self._check_open()
        return lib.rte_eth_allmulticast_get(self._id) == 1

    @allmulticast.setter
    def allmulticast(self, on: bool) -> None:
        self._check_open()
        fn = lib.rte_eth_allmulticast_enable if on else lib.rte_eth_allmulticast_disable
        check(fn(self._id), f"rte_eth_allmulticast_{'enable' if on else 'disable'}(port {self._id})", PortError)

    def add_mac(self, mac: Any, pool: int = 0) -> None:
        """Make the port also receive for mac (up to the driver's max_mac_addrs); ``pool``: the
        VMDq pool (0 to 63) it belongs to."""
        self._check_open()
        int_in("pool", pool, 0, 63, f"Port.add_mac({self._describe()})")
        raw = ether_addr(mac)
        have = self.mac_addresses()
        limit = self._dev_info_raw().max_mac_addrs
        if format_mac(parse_mac(mac)) not in have and len(have) >= limit:
            raise invalid("mac", mac, f"room in the port's MAC table: this driver holds {limit} "
                          f"address{'es' if limit != 1 else ''} ({', '.join(have)})",
                          f"Port.add_mac({self._describe()})")
        check(lib.rte_eth_dev_mac_addr_add(self._id, raw, pool), f"rte_eth_dev_mac_addr_add(port {self._id})",
              PortError)

    def remove_mac(self, mac: Any) -> None:
        """Stop receiving for an address added with add_mac."""
        self._check_open()
        check(lib.rte_eth_dev_mac_addr_remove(self._id, ether_addr(mac)),
              f"rte_eth_dev_mac_addr_remove(port {self._id})", PortError)

    def mac_addresses(self) -> list[str]:
        """Every MAC address the port answers to (default first)."""
        self._check_open()
        n = self._dev_info_raw().max_mac_addrs
        arr = ffi.new("struct rte_ether_addr[]", max(n, 1))
        got = check(lib.rte_eth_macaddrs_get(self._id, arr, n), "rte_eth_macaddrs_get", PortError)
        return [format_mac(bytes(arr[i].addr_bytes)) for i in range(got)
                if bytes(arr[i].addr_bytes) != b"\0" * 6]

    def vlan_filter(self, vlan_id: int, on: bool = True) -> None:
        """Add (or remove) a VLAN id to the port's filter (needs the vlan_filter offload)."""
        self._check_open()
        if not isinstance(vlan_id, int) or not 0 <= vlan_id <= 4095:
            raise invalid("vlan_id", vlan_id, "0 to 4095", f"Port.vlan_filter({self._describe()})")
        check(lib.rte_eth_dev_vlan_filter(self._id, vlan_id, int(flag("on", on, "Port.vlan_filter"))),
              f"rte_eth_dev_vlan_filter(port {self._id}, {vlan_id})", PortError,
              hint="configure the port with rx_offloads=['vlan_filter'] where the driver supports it")

    @property
    def mtu(self) -> int:
        """The MTU; assign to change it (checked against the driver's min/max)."""
        self._check_open()
        out = ffi.new("uint16_t *")
        check(lib.rte_eth_dev_get_mtu(self._id, out), "rte_eth_dev_get_mtu", PortError)
        return out[0]

    @mtu.setter
    def mtu(self, value: int) -> None:
        info = self._dev_info_raw()
        if not isinstance(value, int) or not info.min_mtu <= value <= info.max_mtu:
            raise invalid("mtu", value, f"{info.min_mtu} to {info.max_mtu} for this driver", "Port.mtu")
        check(lib.rte_eth_dev_set_mtu(self._id, value), f"rte_eth_dev_set_mtu(port {self._id}, {value})", PortError)

