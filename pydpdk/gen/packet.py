"""Templates for the generator: header parsing, named fields, and the per-size frame variants
the C engine copies (lengths and checksums complete, the tag bytes zero).

Pure Python, run once per stream at set-up; nothing here is on the packet path.
"""
from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from typing import Any

from ..errors import invalid

TAG_LEN = 20
ETH_LEN = 14
_VLAN_TYPES = (0x8100, 0x88A8, 0x9100)


@dataclass(frozen=True)
class Headers:
    """Where a frame's headers are: offsets from the start of the frame (0 = absent)."""

    vlan_offs: tuple[int, ...]     # offset of each VLAN tag's TCI
    l3_off: int
    l3_type: int                   # 4, 6, or 0
    l4_off: int
    l4_proto: int                  # 17 (UDP), 6 (TCP), or 0
    l4_hdr_len: int                # 8 for UDP, the TCP data offset, 0

    @property
    def end(self) -> int:
        """Where the headers end (the L4 payload starts)."""
        if self.l4_off:
            return self.l4_off + self.l4_hdr_len
        if self.l3_off:
            return self.l3_off + (40 if self.l3_type == 6 else 20)
        return ETH_LEN + 4 * len(self.vlan_offs)


def parse_headers(frame: bytes, param: str = "template") -> Headers:
    """Ethernet [VLAN [VLAN]] [IPv4 | IPv6 [UDP | TCP]]; InvalidArgumentError if frame is not
    an Ethernet frame or cuts a header it announces."""
    ctx = "Stream"
    if len(frame) < ETH_LEN:
        raise invalid(param, f"{len(frame)} bytes", "an Ethernet frame (at least 14 bytes)", ctx)
    off = 12
    vlans: list[int] = []      # offsets of the VLAN tags
    etype = struct.unpack_from("!H", frame, off)[0]
    while etype in _VLAN_TYPES and len(vlans) < 2:
        if len(frame) < off + 6:
            raise invalid(param, frame[:off + 6].hex(), "a frame whose VLAN tags are complete", ctx)
        vlans.append(off + 2)
        off += 4
        etype = struct.unpack_from("!H", frame, off)[0]
    l3 = off + 2
    l3_type = l4 = proto = l4h = 0
    if etype == 0x0800:
        if len(frame) < l3 + 20 or frame[l3] >> 4 != 4 or (frame[l3] & 15) < 5:
            raise invalid(param, frame[l3:l3 + 20].hex() or "(nothing)",
                          "a complete IPv4 header after EtherType 0x0800", ctx)
        ihl = (frame[l3] & 15) * 4
        if len(frame) < l3 + ihl:
            raise invalid(param, f"IHL {ihl}", "a complete IPv4 header with its options", ctx)
        l3_type, proto, frag = 4, frame[l3 + 9], struct.unpack_from("!H", frame, l3 + 6)[0]
        l4 = l3 + ihl if (frag & 0x3FFF) == 0 else 0
    elif etype == 0x86DD:
        if len(frame) < l3 + 40 or frame[l3] >> 4 != 6:
            raise invalid(param, frame[l3:l3 + 40].hex() or "(nothing)",
                          "a complete IPv6 header after EtherType 0x86dd", ctx)
        l3_type, proto, l4 = 6, frame[l3 + 6], l3 + 40
    else:
        return Headers(tuple(vlans), 0, 0, 0, 0, 0)
    if l4 and proto == 17 and len(frame) >= l4 + 8:
        l4h = 8
    elif l4 and proto == 6 and len(frame) >= l4 + 20:
        l4h = max((frame[l4 + 12] >> 4) * 4, 20)
    else:
        l4 = proto = 0
    return Headers(tuple(vlans), l3, l3_type, l4, proto if l4 else 0, l4h)


def default_template() -> bytes:
    """Ether 02:00:00:00:00:02 < 02:00:00:00:00:01 / IPv4 198.18.0.1 > 198.18.0.2 / UDP 1024 > 1024,
    64 bytes (the RFC 2544 benchmarking range, as dpdk-testpmd's txonly)."""
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 50, 0, 0, 64, 17, 0,
                     bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
    udp = struct.pack("!HHHH", 1024, 1024, 30, 0)
    return eth + ip + udp + bytes(64 - 42)


def _csum(data: bytes) -> int:
    """RFC 1071 Internet checksum, as a big-endian 16-bit value."""
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _raw_sum(data: bytes) -> int:
    """The folded one's complement sum (not complemented): a pseudo-header checksum seed."""
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def build_variant(template: bytes, h: Headers, length: int, *, tag: bool, l4_csum: bool,
                  offload: int = 0) -> bytes:
    """The template cut or zero-padded to length bytes, its IPv4/IPv6/UDP lengths set so the
    IP packet ends with the frame, the tag bytes zero, checksums complete; those the port
    offloads (offload bits 1: IPv4 header, 2: UDP/TCP) as the port expects them: IPv4 checksum
    0, the L4 checksum field holding the pseudo-header sum (rte_ipv4/ipv6_phdr_cksum)."""
    f = bytearray(template[:length].ljust(length, b"\0"))
    if tag:
        f[length - TAG_LEN:] = bytes(TAG_LEN)
    if h.l3_type == 4:
        struct.pack_into("!H", f, h.l3_off + 2, length - h.l3_off)
        ihl = (f[h.l3_off] & 15) * 4
        struct.pack_into("!H", f, h.l3_off + 10, 0)
        if not offload & 1:
            struct.pack_into("!H", f, h.l3_off + 10, _csum(bytes(f[h.l3_off:h.l3_off + ihl])))
    elif h.l3_type == 6:
        struct.pack_into("!H", f, h.l3_off + 4, length - h.l3_off - 40)
    if h.l4_proto == 17:
        struct.pack_into("!H", f, h.l4_off + 4, length - h.l4_off)
    if h.l4_proto:
        at = h.l4_off + (6 if h.l4_proto == 17 else 16)
        struct.pack_into("!H", f, at, 0)
        if l4_csum or h.l4_proto == 6:
            seg = bytes(f[h.l4_off:])
            if h.l3_type == 4:
                pseudo = bytes(f[h.l3_off + 12:h.l3_off + 20]) + struct.pack("!BBH", 0, h.l4_proto, len(seg))
            else:
                pseudo = bytes(f[h.l3_off + 8:h.l3_off + 40]) + struct.pack("!IxxxB", len(seg), h.l4_proto)
            if offload & 2:
                ck = _raw_sum(pseudo)
            else:
                ck = _csum(pseudo + seg)
                if h.l4_proto == 17 and ck == 0:
                    ck = 0xFFFF
            struct.pack_into("!H", f, at, ck)
    return bytes(f)


# ---- named fields --------------------------------------------------------------------------

#: name -> (anchor, offset from it, width, mask); anchors: "eth", "vlan", "ip4", "ip6", "l4"
NAMED_FIELDS: dict[str, tuple[str, int, int, int]] = {
    "eth.dst": ("eth", 0, 6, 0), "eth.src": ("eth", 6, 6, 0),
    "vlan.vid": ("vlan", 0, 2, 0x0FFF),
    "ip.tos": ("ip4", 1, 1, 0), "ip.id": ("ip4", 4, 2, 0), "ip.ttl": ("ip4", 8, 1, 0),
    "ip.src": ("ip4", 12, 4, 0), "ip.dst": ("ip4", 16, 4, 0),
    "ipv6.src": ("ip6", 8, 16, 0), "ipv6.dst": ("ip6", 24, 16, 0),
    "udp.sport": ("udp", 0, 2, 0), "udp.dport": ("udp", 2, 2, 0),
    "tcp.sport": ("tcp", 0, 2, 0), "tcp.dport": ("tcp", 2, 2, 0), "tcp.seq": ("tcp", 4, 4, 0),
}


def resolve_field(name: str, h: Headers) -> tuple[int, int, int]:
    """(offset, width, mask) of a named field in frames with headers h."""
    if name not in NAMED_FIELDS:
        raise invalid("field", name, f"one of {', '.join(NAMED_FIELDS)} or an integer offset", "Field")
    anchor, rel, width, mask = NAMED_FIELDS[name]
    base = {"eth": 0, "vlan": h.vlan_offs[0] if h.vlan_offs else None,
            "ip4": h.l3_off if h.l3_type == 4 else None, "ip6": h.l3_off if h.l3_type == 6 else None,
            "udp": h.l4_off if h.l4_proto == 17 else None,
            "tcp": h.l4_off if h.l4_proto == 6 else None}[anchor]
    if base is None:
        raise invalid("field", name, f"a field of a header the template has (it has no {anchor} header)",
                      "Field")
    return base + rel, width, mask


def parse_value(v: Any, width: int, param: str) -> int:
    """An integer, or text: a dotted IPv4, an IPv6, a MAC (aa:bb:..), or 0x-hex."""
    if isinstance(v, bool):
        raise invalid(param, v, "an integer, an address or 0x-hex", "Field")
    if isinstance(v, int):
        n = v
    elif isinstance(v, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        n = int(v)
    elif isinstance(v, str):
        s = v.strip()
        try:
            if s.lower().startswith("0x"):
                n = int(s, 16)
            elif s.count(":") == 5 and all(len(x) <= 2 for x in s.split(":")):
                n = int(s.replace(":", ""), 16)
            elif "." in s or ":" in s:
                n = int(ipaddress.ip_address(s))
            else:
                n = int(s)
        except ValueError:
            raise invalid(param, v, "an integer, an IPv4/IPv6 address, a MAC or 0x-hex", "Field") from None
    else:
        raise invalid(param, v, "an integer, an address or 0x-hex", "Field")
    if not 0 <= n < 1 << (8 * width):
        raise invalid(param, v, f"a value that fits the field's {width} byte(s): 0 to {(1 << 8 * width) - 1}",
                      "Field")
    return n
