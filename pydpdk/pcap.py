"""Classic pcap files from Python (no dependency), and libpcap filter expressions.

    write_pcap("in.pcap", [bytes(p) for p in packets])
    for ts, frame in read_pcap("out.pcap"): ...
    with Filter("udp port 53") as f:         # tcpdump syntax, compiled by libpcap (pcap_compile)
        f.matches(frame); f.filter_burst(burst)   # the burst keeps the matching mbufs only

Filters run in C: :meth:`Filter.filter_burst` applies ``pcap_offline_filter`` to a whole mbuf
burst in one call (pydpdk/_cffi_src/c/bpf_filter.c); ``interop.sniff(filter=...)`` uses it.
"""
from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ._native import ffi, lib
from .errors import invalid
from .mbuf import MbufBurst, as_buffer

__all__ = ["write_pcap", "read_pcap", "read_frames", "scan_pcap", "trim_pcap", "PcapScan", "Filter",
           "LINKTYPE_ETHERNET"]

LINKTYPE_ETHERNET = 1
_MAGIC_US, _MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D


def write_pcap(path: str, packets: Iterable[Any], *, snaplen: int = 262144,
               linktype: int = LINKTYPE_ETHERNET, start: float | None = None) -> int:
    """Write packets (bytes-like or bytes()-able) to a pcap file; returns the count."""
    t = time.time() if start is None else start
    n = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", _MAGIC_US, 2, 4, 0, 0, snaplen, linktype))
        for pkt in packets:
            data = bytes(pkt)
            sec, usec = int(t), int((t - int(t)) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, min(len(data), snaplen), len(data)))
            f.write(data[:snaplen])
            t += 1e-6
            n += 1
    return n


def read_pcap(path: str) -> Iterator[tuple[float, bytes]]:
    """(timestamp, frame) for every complete record of a pcap file (either byte order, us or ns);
    a record cut short at the end (a writer that ran out of disk) is not returned."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            raise ValueError(f"{path}: not a pcap file (too short)")
        for endian in "<>":
            magic = struct.unpack(endian + "I", head[:4])[0]
            if magic in (_MAGIC_US, _MAGIC_NS):
                break
        else:
            raise ValueError(f"{path}: not a pcap file (magic {head[:4].hex()})")
        scale = 1e-6 if magic == _MAGIC_US else 1e-9
        rec = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            sec, frac, caplen, _ = rec.unpack(h)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield sec + frac * scale, data


def read_frames(path: str) -> list[bytes]:
    """Every complete frame of a pcap file."""
    return [frame for _, frame in read_pcap(path)]


@dataclass(frozen=True)
class PcapScan:
    """What a pcap file holds: complete records, the bytes they end at, the file's size."""

    records: int
    valid_bytes: int
    size: int

    @property
    def truncated(self) -> bool:
        """True when the file ends in a partial record (or a partial header)."""
        return self.size > self.valid_bytes


def scan_pcap(path: str) -> PcapScan:
    """Count the complete records of a pcap file and where the last one ends."""
    size = os.path.getsize(path)
    if size < 24:
        return PcapScan(0, 0, size)
    n, end = 0, 24
    with open(path, "rb") as f:
        head = f.read(24)
        endian = "<" if struct.unpack("<I", head[:4])[0] in (_MAGIC_US, _MAGIC_NS) else ">"
        rec = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            caplen = rec.unpack(h)[2]
            if end + 16 + caplen > size:
                break
            f.seek(caplen, os.SEEK_CUR)
            end += 16 + caplen
            n += 1
    return PcapScan(n, end, size)


def trim_pcap(path: str) -> PcapScan:
    """Cut a partial last record off (a writer that ran out of disk): the file stays a valid
    pcap of its complete records. Returns the scan from before the cut."""
    scan = scan_pcap(path)
    if scan.truncated and scan.valid_bytes >= 24:
        os.truncate(path, scan.valid_bytes)
    return scan


class Filter:
    """A libpcap filter expression (``"udp port 53"``, ``"icmp or arp"``: tcpdump's syntax),
    compiled once with ``pcap_compile`` for Ethernet frames. Owns its BPF program: close() (or
    a ``with`` block) frees it; a closed filter refuses use."""

    def __init__(self, expression: str, *, snaplen: int = 262144, optimize: bool = True):
        if not isinstance(expression, str):
            raise invalid("filter", expression, "a libpcap filter expression string, e.g. 'udp port 53'",
                          "pcap.Filter")
        if snaplen.__class__ is not int or not 1 <= snaplen <= 2 ** 31 - 1:
            raise invalid("snaplen", snaplen, "1 to 2**31-1 bytes", "pcap.Filter")
        if optimize.__class__ is not bool:
            raise invalid("optimize", optimize, "True or False", "pcap.Filter")
        self.expression = expression
        self._prog = None
        handle = lib.pcap_open_dead(lib.DLT_EN10MB, snaplen)
        if handle == ffi.NULL:
            raise MemoryError("pcap_open_dead failed")
        try:
            prog = ffi.new("struct bpf_program *")
            if lib.pcap_compile(handle, prog, expression.encode(), int(optimize), lib.PCAP_NETMASK_UNKNOWN) < 0:
                why = ffi.string(lib.pcap_geterr(handle)).decode(errors="replace")
                raise invalid("filter", expression, f"a valid libpcap filter expression ({why})", "pcap.Filter")
        finally:
            lib.pcap_close(handle)
        self._prog = prog

    @property
    def closed(self) -> bool:
        """True once close() freed the BPF program."""
        return self._prog is None

    @property
    def instructions(self) -> int:
        """Length of the compiled BPF program."""
        return self._check().bf_len

    def _check(self) -> Any:
        if self._prog is None:
            from .errors import ResourceClosedError
            raise ResourceClosedError(f"pcap.Filter({self.expression!r}) is closed")
        return self._prog

    def matches(self, frame: Any) -> bool:
        """True when the frame (bytes-like or a scapy/dpkt packet) passes the filter."""
        buf = as_buffer(frame, "frame")
        return bool(lib.pydpdk_bpf_match(self._check(), ffi.from_buffer(buf), len(buf)))

    def filter_burst(self, burst: MbufBurst) -> int:
        """Keep the matching mbufs of burst (in order, at its front) and free the others, in one
        C call; returns how many were kept."""
        if burst.__class__ is not MbufBurst:
            raise invalid("burst", type(burst).__name__, "an MbufBurst", "Filter.filter_burst")
        prog = self._check()
        if burst._n:
            burst._n = lib.pydpdk_bpf_filter_burst(prog, burst._arr, burst._n)
            burst._gen += 1
        return burst._n

    def close(self) -> None:
        """Free the BPF program. Safe to call more than once."""
        if self._prog is not None:
            lib.pcap_freecode(self._prog)
            self._prog = None

    def __enter__(self) -> "Filter":
        self._check()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:   # backstop: the program is plain malloc'd memory
        if getattr(self, "_prog", None) is not None:
            try:
                lib.pcap_freecode(self._prog)
            except Exception:     # interpreter shutdown: the module may be half torn down
                pass
            self._prog = None

    def __repr__(self) -> str:
        state = "closed" if self._prog is None else f"{self._prog.bf_len} BPF instructions"
        return f"<pcap.Filter {self.expression!r} {state}>"
