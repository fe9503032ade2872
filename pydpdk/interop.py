"""Packets between pydpdk ports and Python packet libraries (scapy, dpkt, plain bytes).

scapy-style, on top of the burst API (bursts stay the fast path)::

    pydpdk.sendp(port, Ether()/IP(dst="10.0.0.2")/ICMP(), count=3, inter=0.1)
    replies = pydpdk.sniff(port, count=1, timeout=2.0, filter="icmp", decode="scapy")
    for frame in pydpdk.sniff_iter(port, filter="udp port 53", timeout=5): ...
    frames = pydpdk.sniff(pcap_port, until_empty=True)     # a pcap file port, read to its end

    sent = interop.send(port, pool, [Ether()/IP(dst="10.0.0.2")/ICMP()])   # explicit pool
    replies = interop.receive(port, count=1, timeout=2.0, decode="scapy")

Packets are bytes, bytes-likes, or anything ``bytes()`` accepts (scapy, dpkt packets). They are
built into mbufs from the port's pool (the pool of its RX queue 0) unless a pool is given, one
C call per burst (:meth:`Mempool.burst`); received bursts are copied out in one call, and a
``filter`` (libpcap syntax, :class:`pydpdk.pcap.Filter`) runs in C over each whole burst.
scapy and dpkt are optional: they are imported only when asked for (``decode="scapy"`` /
``"dpkt"``). Files: :mod:`pydpdk.pcap` reads and writes pcap.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Iterator, Literal, Sequence, overload

from .errors import invalid
from .mbuf import as_packet_list, port_pool, send_packets

__all__ = ["send", "sendp", "receive", "sniff", "sniff_iter", "exchange", "port_pool",
           "decode_frames", "to_scapy", "to_dpkt", "write_pcap", "read_pcap"]


_MAX_SECONDS = 365 * 86400.0


@overload
def _seconds(param: str, value: Any, ctx: str, *, none: Literal[False] = False) -> float: ...
@overload
def _seconds(param: str, value: Any, ctx: str, *, none: bool) -> float | None: ...


def _seconds(param: str, value: Any, ctx: str, *, none: bool = False) -> float | None:
    """A duration in seconds: a number from 0 to a year (None when ``none``)."""
    if value is None and none:
        return None
    if value.__class__ not in (int, float) or not 0 <= value <= _MAX_SECONDS:
        raise invalid(param, value, "seconds, 0 to one year" + (", or None (no limit)" if none else ""), ctx)
    return float(value)


def _count(param: str, value: Any, ctx: str, *, lo: int, none: bool = False) -> int | None:
    if value is None and none:
        return None
    if value.__class__ is not int or not lo <= value <= 2 ** 32:
        raise invalid(param, value, f"a number of packets, {lo} to 2**32" + (", or None (no limit)" if none else ""), ctx)
    return value


def send(port: Any, pool: Any, packets: Iterable[Any], *, queue: int = 0, timeout: float = 1.0,
         burst: int = 32) -> int:
    """Build mbufs from packets (bytes-like, scapy, dpkt...) and send them all, retrying while
    the driver is busy; returns how many were sent (mbufs not sent by ``timeout`` are freed).
    ``pool=None``: the port's own pool (:func:`port_pool`)."""
    items = as_packet_list(packets)
    return send_packets(port, pool, items, queue=queue, timeout=_seconds("timeout", timeout, "send"), burst=burst)


def sendp(port: Any, packets: Any, *, count: int = 1, inter: float = 0.0, queue: int = 0,
          pool: Any = None, timeout: float = 1.0, verbose: bool = False) -> int:
    """scapy's sendp on a pydpdk port: send packets (one, or a list; bytes or scapy/dpkt)
    ``count`` times; ``inter`` seconds between packets (0: whole bursts, the fast way). Returns
    the number of packets the driver took."""
    if count.__class__ is not int or not 1 <= count <= 2 ** 32:
        raise invalid("count", count, "a number of repetitions, 1 to 2**32", "sendp")
    inter = _seconds("inter", inter, "sendp")
    timeout = _seconds("timeout", timeout, "sendp")
    pkts = [bytes(p) if not isinstance(p, (bytes, bytearray, memoryview)) else p
            for p in as_packet_list(packets)]
    sent = 0
    if not inter:               # whole bursts: one send (per-burst C calls) per repetition
        for _ in range(count):
            n = send(port, pool, pkts, queue=queue, timeout=timeout)
            sent += n
            if n < len(pkts):   # the driver stayed busy for a whole timeout: stop there
                break
    else:
        for i in range(count):
            for p in pkts:
                sent += send(port, pool, [p], queue=queue, timeout=timeout)
                time.sleep(inter)
    if verbose:
        print(f"Sent {sent} packets.")
    return sent


def sniff_iter(port: Any, count: int | None = None, *, timeout: float | None = None,
               filter: str | None = None, decode: str | None = None,  # noqa: A002 (scapy's name)
               queue: int | Sequence[int] = 0, until_empty: bool = False, idle: float = 0.0,
               burst: int = 32) -> Iterator[Any]:
    """Packets arriving on the port, one at a time, as they come (bytes, or decoded: 'scapy' /
    'dpkt'). Stops after ``count`` packets, after ``timeout`` seconds, or — ``until_empty`` —
    at the first poll of every queue that finds nothing (after ``idle`` seconds without a
    packet): a pcap-file port read to its end. With none of them it runs until the caller stops.
    ``filter`` is a libpcap expression ("udp port 53"), run in C over each burst; frames not
    matching it are freed and not counted."""
    from .pcap import Filter
    queues = [queue] if isinstance(queue, int) else list(queue)
    count = _count("count", count, "sniff", lo=0, none=True)
    timeout = _seconds("timeout", timeout, "sniff", none=True)
    idle = _seconds("idle", idle, "sniff")
    if until_empty.__class__ is not bool:
        raise invalid("until_empty", until_empty, "True or False", "sniff")
    if filter is not None and not isinstance(filter, str):
        raise invalid("filter", filter, "a libpcap filter expression string, or None", "sniff")
    if decode not in (None, "scapy", "dpkt"):
        raise invalid("decode", decode, "'scapy' or 'dpkt' (or None for bytes)", "sniff")
    if not isinstance(burst, int) or not 1 <= burst <= 1024:
        raise invalid("burst", burst, "1 to 1024 packets", "sniff")
    flt = Filter(filter) if filter is not None else None
    deadline = None if timeout is None else time.monotonic() + timeout
    got, last = 0, time.monotonic()
    try:
        while count is None or got < count:
            any_rx = False
            for q in queues:
                # never take more than count asks for: the rest stays queued for the next reader
                b = port.rx_burst(q, burst if count is None else min(burst, count - got))
                if not b:
                    continue
                any_rx, last = True, time.monotonic()      # something arrived (filtered or not)
                try:
                    if flt is not None:
                        flt.filter_burst(b)
                    frames = b.tobytes_list()
                finally:
                    b.free()
                got += len(frames)
                yield from (decode_frames(frames, decode) if decode else frames)
                if count is not None and got >= count:
                    return
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return
            if not any_rx:
                if until_empty and now - last >= idle:
                    return
                time.sleep(0.0005)
    finally:
        if flt is not None:
            flt.close()


def sniff(port: Any, count: int | None = None, *, timeout: float | None = None,
          filter: str | None = None, prn: Callable[[Any], Any] | None = None,  # noqa: A002
          decode: str | None = None, store: bool = True, queue: int | Sequence[int] = 0,
          until_empty: bool = False, idle: float = 0.0, burst: int = 32) -> list[Any]:
    """scapy's sniff on a pydpdk port: a list of the packets :func:`sniff_iter` yields (same
    stop conditions: ``count``, ``timeout``, ``until_empty``; at least one is required). ``prn``
    is called with each packet; what it returns (when not None) is printed, as scapy does.
    ``store=False`` returns an empty list (prn only)."""
    if store.__class__ is not bool:
        raise invalid("store", store, "True or False", "sniff")
    if prn is not None and not callable(prn):
        raise invalid("prn", prn, "a callable taking one packet, or None", "sniff")
    if count is None and timeout is None and not until_empty:
        raise invalid("count/timeout/until_empty", None,
                      "at least one stop condition (sniff_iter() runs without one)", "sniff")
    out: list[Any] = []
    for pkt in sniff_iter(port, count, timeout=timeout, filter=filter, decode=decode, queue=queue,
                          until_empty=until_empty, idle=idle, burst=burst):
        if prn is not None:
            r = prn(pkt)
            if r is not None:
                print(r)
        if store:
            out.append(pkt)
    return out


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
