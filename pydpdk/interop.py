"""Packets between pydpdk ports and Python packet libraries (scapy, dpkt, plain bytes).

    sent = interop.send(port, pool, [Ether()/IP(dst="10.0.0.2")/ICMP()])
    replies = interop.receive(port, count=1, timeout=2.0, decode="scapy")

Everything works per burst (one C call builds or copies a whole burst). scapy and dpkt are
optional: they are imported only when asked for (``decode="scapy"`` / ``"dpkt"``); any object
that ``bytes()`` accepts can be sent. Files: :mod:`pydpdk.pcap` reads and writes pcap.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Sequence

from .errors import invalid

__all__ = ["send", "receive", "exchange", "decode_frames", "to_scapy", "to_dpkt", "write_pcap", "read_pcap"]


def send(port: Any, pool: Any, packets: Iterable[Any], *, queue: int = 0, timeout: float = 1.0,
         burst: int = 32) -> int:
    """Build mbufs from packets (bytes-like, scapy, dpkt...) and send them all, retrying while
    the driver is busy; returns how many were sent (mbufs not sent by ``timeout`` are freed)."""
    data = [bytes(p) for p in packets]
    if not isinstance(burst, int) or not 1 <= burst <= 1024:
        raise invalid("burst", burst, "1 to 1024 packets", "interop.send")
    sent, deadline = 0, time.monotonic() + timeout
    for i in range(0, len(data), burst):
        b = pool.burst(data[i:i + burst])
        try:
            while b:
                n = port.tx_burst(b, queue)
                sent += n
                if not n:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.0005)
        finally:
            b.free()
    return sent


def receive(port: Any, count: int | None = None, *, timeout: float = 1.0, queue: int | Sequence[int] = 0,
            match: Callable[[bytes], bool] | None = None, decode: str | None = None,
            burst: int = 32) -> list[Any]:
    """Poll the port until ``count`` packets (that pass ``match``) arrived or ``timeout`` passed;
    returns them as bytes (or decoded: 'scapy' / 'dpkt'). Packets failing ``match`` are dropped."""
    queues = [queue] if isinstance(queue, int) else list(queue)
    out: list[bytes] = []
    deadline = time.monotonic() + timeout
    while (count is None or len(out) < count) and time.monotonic() < deadline:
        got = False
        for q in queues:
            b = port.rx_burst(q, burst)
            if b:
                got = True
                frames = b.tobytes_list()
                b.free()
                out += [f for f in frames if match is None or match(f)]
        if not got:
            time.sleep(0.001)
    if count is not None:
        out = out[:count]
    return decode_frames(out, decode) if decode else out


def exchange(port: Any, pool: Any, packets: Iterable[Any], count: int, *, timeout: float = 2.0,
             match: Callable[[bytes], bool] | None = None, decode: str | None = None,
             queue: int = 0) -> list[Any]:
    """send() then receive(): the peer's answers to the packets."""
    send(port, pool, packets, queue=queue)
    return receive(port, count, timeout=timeout, queue=queue, match=match, decode=decode)


def decode_frames(frames: Iterable[bytes], how: str) -> list[Any]:
    """Frames as scapy Ether objects ('scapy') or dpkt Ethernet objects ('dpkt')."""
    if how == "scapy":
        return to_scapy(frames)
    if how == "dpkt":
        return to_dpkt(frames)
    raise invalid("decode", how, "'scapy' or 'dpkt' (or None for bytes)", "interop")


def to_scapy(frames: Iterable[bytes]) -> list[Any]:
    """Frames as scapy ``Ether`` packets (scapy is imported only here)."""
    try:
        from scapy.layers.l2 import Ether
    except ImportError as e:
        raise ImportError("decode='scapy' needs scapy (pip install scapy); bytes work without it") from e
    return [Ether(f) for f in frames]


def to_dpkt(frames: Iterable[bytes]) -> list[Any]:
    """Frames as ``dpkt.ethernet.Ethernet`` objects (dpkt is imported only here)."""
    try:
        import dpkt
    except ImportError as e:
        raise ImportError("decode='dpkt' needs dpkt (pip install dpkt); bytes work without it") from e
    return [dpkt.ethernet.Ethernet(f) for f in frames]


def write_pcap(path: str, packets: Iterable[Any]) -> int:
    """Write bytes / scapy / dpkt packets to a classic pcap file (pydpdk.pcap, no dependency)."""
    from .pcap import write_pcap as _w
    return _w(path, packets)


def read_pcap(path: str, decode: str | None = None) -> list[Any]:
    """Frames of a pcap file, as bytes or decoded ('scapy' / 'dpkt')."""
    from .pcap import read_frames
    frames = read_frames(path)
    return decode_frames(frames, decode) if decode else frames
