"""csum mode's bad-checksum counters in the forward statistics: per port in ForwardStats and in
testpmd's text (Bad-ipcsum / Bad-l4csum / Bad-outer-l4csum, Bad-outer-ipcsum lines), on ring
ports in-process and on a pcap port through `pydpdk fwd`."""
from __future__ import annotations

import re

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

import pydpdk
from pydpdk.pcap import read_frames, write_pcap
from test_cli import fwd, forward_stats, prefix
from test_engines import one_pass

BAD_IP, BAD_L4, GOOD = 6, 3, 5


def _frames() -> list[bytes]:
    bad_ip = [bytes(Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") /
                    IP(src="10.0.0.1", dst="10.0.0.2", chksum=0x1234) / UDP(sport=i, dport=9) / Raw(b"a" * i))
              for i in range(1, BAD_IP + 1)]
    bad_l4 = [bytes(Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") / IP(src="10.0.0.1", dst="10.0.0.3") /
                    (UDP(sport=i, dport=9, chksum=0x4321) if i % 2 else TCP(sport=i, dport=80, chksum=0x4321)) /
                    Raw(b"b" * 20)) for i in range(1, BAD_L4 + 1)]
    good = [bytes(Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01") / IP(src="10.0.0.1", dst="10.0.0.4") /
                  UDP(sport=i, dport=9) / Raw(b"c" * 8)) for i in range(GOOD)]
    return bad_ip + bad_l4 + good


def _bad_lines(text: str) -> list[tuple[int, int, int, int]]:
    return [tuple(int(x) for x in m.groups()) for m in re.finditer(
        r"^  Bad-ipcsum: (\d+) +Bad-l4csum: (\d+) +Bad-outer-l4csum: (\d+) *\n  Bad-outer-ipcsum: (\d+) *$",
        text, re.M)]


def test_csum_forward_stats_count_bad_checksums_per_port_on_ring_ports(pool):
    frames = _frames()
    got, st, _ = one_pass(pool, "csum", frames)         # test_engines' ring-port pass
    p = st.ports[0]
    assert (p.bad_ip_csum, p.bad_l4_csum, p.bad_outer_l4_csum, p.bad_outer_ip_csum) == (BAD_IP, BAD_L4, 0, 0)
    assert p.bad_ip_csum == sum(s.bad_ip_csum for s in st.streams)
    assert _bad_lines(st.testpmd_text()) == [(BAD_IP, BAD_L4, 0, 0)]
    assert st.as_dict()["ports"][0]["bad_ip_csum"] == BAD_IP
    io = pydpdk.forward.ForwardStats("io", 1.0, st.ports, st.streams)
    assert "Bad-ipcsum" not in io.testpmd_text()          # testpmd prints them in csum mode only


def test_fwd_csum_on_a_pcap_port_prints_bad_checksum_lines(short_dir):
    """`pydpdk fwd --forward-mode csum` over a pcap of known bad checksums: testpmd's lines with
    the counts, and the packets written out with their checksums fixed."""
    frames = _frames()
    src, dst = short_dir / "c.pcap", short_dir / "o.pcap"
    write_pcap(str(src), frames)
    proc = fwd("-l", "0-1", "--no-pci", "--vdev", f"net_pcap0,rx_pcap={src},tx_pcap={dst}", *prefix(), "--",
               "--forward-mode", "csum", "--no-flush-rx", "--packets", str(len(frames)))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert forward_stats(proc.stdout) == [(len(frames), len(frames))]
    assert _bad_lines(proc.stdout) == [(BAD_IP, BAD_L4, 0, 0)]
    out = read_frames(str(dst))
    assert len(out) == len(frames)
    for raw in out:
        pkt = Ether(raw)
        ip_ck = pkt[IP].chksum
        del pkt[IP].chksum
        assert Ether(bytes(pkt))[IP].chksum == ip_ck
