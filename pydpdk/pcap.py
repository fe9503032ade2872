"""Read and write classic pcap files from Python (no dependency), for tests and replay.

    write_pcap("in.pcap", [bytes(p) for p in packets])
    for ts, frame in read_pcap("out.pcap"): ...
"""
from __future__ import annotations

import os
import struct
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

__all__ = ["write_pcap", "read_pcap", "read_frames", "scan_pcap", "trim_pcap", "PcapScan",
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
