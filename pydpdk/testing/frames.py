"""Test frames and draining ports: small helpers for tests on real ports."""
from __future__ import annotations

import struct
from typing import Any

__all__ = ["make_frame", "drain"]


def _mac(m: str) -> bytes:
    return bytes(int(x, 16) for x in m.split(":"))


def make_frame(i: int, size: int = 64, *, src: str = "02:00:00:00:00:01",
               dst: str = "02:00:00:00:00:02") -> bytes:
    """An Ethernet frame (IPv4/UDP, valid IP checksum) of ``size`` bytes carrying ``i`` in its
    payload: distinct frames for distinct i, so a test can check order and content."""
    payload_len = max(size - 14 - 20 - 8, 4)
    payload = struct.pack("!I", i & 0xFFFFFFFF) + bytes((i + k) & 0xFF for k in range(payload_len - 4))
    udp = struct.pack("!HHHH", 1024 + (i & 0xFF), 4789, 8 + len(payload), 0) + payload
    ip_wo = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                        bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    s = sum(struct.unpack("!10H", ip_wo))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    ip = ip_wo[:10] + struct.pack("!H", ~s & 0xFFFF) + ip_wo[12:]
    return _mac(dst) + _mac(src) + b"\x08\x00" + ip + udp


def drain(*ports: Any) -> int:
    """Receive and free whatever waits on every RX queue of the started ports; returns the count."""
    n = 0
    for p in ports:
        if p.closed or not p.started:
            continue
        for q in range(p.nb_rx_queues):
            while True:
                b = p.rx_burst(q, 256)
                if not b:
                    break
                n += len(b)
                b.free()
    return n
