"""Names DPDK gives to offloads, RSS hash functions and link speeds, and MAC address forms."""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from .._native import ffi, lib, cstr
from ..errors import int_in, invalid

__all__ = ["RX_OFFLOADS", "TX_OFFLOADS", "RSS_HASH_FUNCTIONS", "SPEEDS", "parse_mac", "format_mac",
           "ether_addr", "flag_names", "mask_of"]


def _offload_names(fn: Any) -> dict[str, int]:
    names = {}
    for bit in range(64):
        name = cstr(fn(1 << bit))
        if name and name != "UNKNOWN":
            names[name.lower()] = 1 << bit
    return names


#: RX/TX offload names as DPDK spells them (lower case), from this DPDK's own tables
RX_OFFLOADS: dict[str, int] = _offload_names(lib.rte_eth_dev_rx_offload_name)
TX_OFFLOADS: dict[str, int] = _offload_names(lib.rte_eth_dev_tx_offload_name)

#: RSS hash function groups (testpmd's names)
RSS_HASH_FUNCTIONS: dict[str, int] = {
    "ip": lib.RTE_ETH_RSS_IP, "udp": lib.RTE_ETH_RSS_UDP, "tcp": lib.RTE_ETH_RSS_TCP,
    "sctp": lib.RTE_ETH_RSS_SCTP, "ether": lib.RTE_ETH_RSS_L2_PAYLOAD, "eth": lib.RTE_ETH_RSS_ETH,
    "port": lib.RTE_ETH_RSS_PORT, "vxlan": lib.RTE_ETH_RSS_VXLAN, "geneve": lib.RTE_ETH_RSS_GENEVE,
    "nvgre": lib.RTE_ETH_RSS_NVGRE, "ipv4": lib.RTE_ETH_RSS_IPV4, "ipv6": lib.RTE_ETH_RSS_IPV6,
    "ipv4-tcp": lib.RTE_ETH_RSS_NONFRAG_IPV4_TCP, "ipv4-udp": lib.RTE_ETH_RSS_NONFRAG_IPV4_UDP,
    "ipv6-tcp": lib.RTE_ETH_RSS_NONFRAG_IPV6_TCP, "ipv6-udp": lib.RTE_ETH_RSS_NONFRAG_IPV6_UDP,
    "ipv4-frag": lib.RTE_ETH_RSS_FRAG_IPV4, "ipv6-frag": lib.RTE_ETH_RSS_FRAG_IPV6,
    "ipv4-other": lib.RTE_ETH_RSS_NONFRAG_IPV4_OTHER, "ipv6-other": lib.RTE_ETH_RSS_NONFRAG_IPV6_OTHER,
}

#: link speed capability bits -> names
SPEEDS: dict[int, str] = {1 << i: s for i, s in enumerate(
    ["autoneg/fixed", "10M-hd", "10M", "100M-hd", "100M", "1G", "2.5G", "5G", "10G", "20G",
     "25G", "40G", "50G", "56G", "100G", "200G", "400G"])}


def parse_mac(mac: Any, param: str = "mac") -> bytes:
    """6 raw bytes from '02:00:00:00:00:01' (or '-' separators) or 6 bytes."""
    if isinstance(mac, (bytes, bytearray)) and len(mac) == 6:
        return bytes(mac)
    if isinstance(mac, str) and re.fullmatch(r"([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}", mac):
        return bytes(int(x, 16) for x in re.split(r"[:-]", mac))
    raise invalid(param, mac, "a MAC address such as '02:00:00:00:00:01' or 6 bytes")


def format_mac(raw: bytes) -> str:
    """'02:00:00:00:00:01' from 6 raw bytes."""
    return ":".join(f"{b:02X}" for b in raw)


def ether_addr(mac: Any, param: str = "mac") -> Any:
    """A ``struct rte_ether_addr *`` holding mac."""
    addr = ffi.new("struct rte_ether_addr *")
    ffi.memmove(addr.addr_bytes, parse_mac(mac, param), 6)
    return addr


def flag_names(mask: int, table: Mapping[str, int]) -> list[str]:
    """The names of the bits set in mask."""
    return [n for n, bit in table.items() if mask & bit]


def mask_of(names: Iterable[str] | int, table: Mapping[str, int], param: str, ctx: str) -> int:
    """The bit mask of names from table (an int passes through); InvalidArgumentError for unknown names."""
    if isinstance(names, int) and not isinstance(names, bool):
        return int_in(param, names, 0, (1 << 64) - 1, ctx)
    if isinstance(names, str):
        names = [names]
    elif not isinstance(names, (list, tuple, set, frozenset)):
        raise invalid(param, names, f"a list of names (one of {', '.join(sorted(table))}) or a bit mask", ctx)
    mask = 0
    for n in names:
        if not isinstance(n, str):
            raise invalid(param, n, f"names: one of {', '.join(sorted(table))}", ctx)
        key = n.lower().replace("-", "_") if table is not RSS_HASH_FUNCTIONS else n.lower()
        if key not in table:
            raise invalid(param, n, f"one of {', '.join(sorted(table))}", ctx)
        mask |= table[key]
    return mask

