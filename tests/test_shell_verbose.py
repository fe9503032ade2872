"""The shell's ``set verbose N`` (testpmd's dump_pkt_burst lines, summarised in C on the lcore)
and its help, against real pcap and ring ports in a `pydpdk fwd -i` child process."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from scapy.layers.inet import IP, UDP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Raw

from conftest import ROOT
from pydpdk.pcap import write_pcap
from pydpdk.testing.procs import unpin
from pydpdk.testing.wait import WaitTimeout, wait_for
from test_cli import ENV, TESTPMD, Lines, forward_stats, prefix

_SRC = re.compile(r"^  src=(\S+) - dst=(\S+) - pool=(\S+) - type=0x([0-9a-f]{4}) - length=(\d+) - nb_segs=(\d+)(.*)$")
_HEAD = re.compile(r"^port (\d+)/queue (\d+): (received|sent) (\d+) packets$")


def _frames() -> list[bytes]:
    """20 frames of known MACs, ethertypes and lengths (IPv4/UDP, IPv4/TCP, IPv6/UDP, ARP)."""
    out = []
    for i in range(20):
        src, dst = f"02:00:00:00:01:{i:02x}", f"02:00:00:00:02:{i:02x}"
        kind = i % 4
        if kind == 0:
            p = Ether(src=src, dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1000 + i, dport=4000 + i) / Raw(b"x" * (10 + 7 * i))
        elif kind == 1:
            p = Ether(src=src, dst=dst) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1000 + i, dport=80) / Raw(b"y" * i)
        elif kind == 2:
            p = Ether(src=src, dst=dst) / IPv6(src="fd00::1", dst="fd00::2") / UDP(sport=5, dport=53) / Raw(b"z" * 30)
        else:
            p = Ether(src=src, dst=dst) / ARP(psrc="10.0.0.1", pdst="10.0.0.2")
        out.append(bytes(p))
    return out


def _shell(args: list[str]) -> tuple[subprocess.Popen, Lines]:
    proc = subprocess.Popen([sys.executable, "-m", "pydpdk", "fwd", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT,
                            preexec_fn=unpin)
    return proc, Lines(proc.stdout)


def _say(proc: subprocess.Popen, *commands: str) -> None:
    proc.stdin.write("".join(c + "\n" for c in commands))
    proc.stdin.flush()


def _unprompted(line: str) -> str:
    """A line without testpmd's prompts in front (it prints them on a pipe too)."""
    return re.sub(r"^(?:testpmd> ?)+", "", line)


def _count(lines: Lines, n: int, what: str = "  src=", timeout: float = 30) -> None:
    try:
        wait_for(lambda: sum(_unprompted(x).startswith(what) for x in list(lines.lines)) >= n, timeout,
                 f"{n} lines starting {what!r}", interval=0.05)
    except WaitTimeout:
        raise AssertionError("".join(lines.lines)[-3000:]) from None


def _finish(proc: subprocess.Popen, lines: Lines, *commands: str) -> str:
    try:
        _say(proc, *commands)
        proc.stdin.close()
        proc.wait(timeout=60)
        out = lines.text()
        assert proc.returncode == 0, out[-2000:] + proc.stderr.read()[-2000:]
        return out
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.parametrize("level", [1, 3])
def test_verbose_prints_each_received_packet_like_testpmd(short_dir, level):
    """A pcap port replays 20 known frames into io forwarding (back out of the same port): with
    verbose 1 every received packet is one testpmd line naming its MACs, ethertype and length,
    in order, under "port 0/queue 0: received N packets" headers summing to RX-packets; verbose 3
    adds the same packets as "sent"."""
    frames = _frames()
    src = short_dir / "v.pcap"
    write_pcap(str(src), frames)
    proc, lines = _shell(["-l", "0-1", "--no-pci", "--vdev", f"net_pcap0,rx_pcap={src},tx_pcap={short_dir}/o.pcap",
                          *prefix(), "--", "-i", "--no-flush-rx"])
    try:
        _say(proc, "set verbose", f"set verbose {level}", "set verbose", "start")
        _count(lines, len(frames) * (2 if level == 3 else 1))
    finally:
        out = _finish(proc, lines, "show config fwd", "stop", "quit")
    assert "Verbose level: 0" in out and f"Change verbose level from 0 to {level}" in out
    assert f"Verbose level: {level}" in out and f"verbose level={level}" in out   # show config fwd
    rows: dict[str, list[tuple[str, ...]]] = {"received": [], "sent": []}
    direction = None
    announced = {"received": 0, "sent": 0}
    dports: list[int] = []
    text = out.splitlines()
    for i, line in enumerate(text):
        h = _HEAD.match(line)
        if h:
            assert (h.group(1), h.group(2)) == ("0", "0")
            direction = h.group(3)
            announced[direction] += int(h.group(4))
            continue
        m = _SRC.match(line)
        if m:
            assert direction is not None, line
            rows[direction].append(m.groups()[:6])
            tail = m.group(7)
            assert tail.endswith(f" - {'Receive' if direction == 'received' else 'Send'} queue=0x0"), line
            assert " - sw ptype: L2_ETHER" in tail
            assert text[i + 1].startswith("  ol_flags:")
            if direction == "received" and "Destination UDP port=" in tail and m.group(4) == "0800":
                dports.append(int(tail.split("Destination UDP port=")[1].split()[0]))
    want = [(":".join(f"{b:02X}" for b in f[6:12]), ":".join(f"{b:02X}" for b in f[0:6]),
             f"{int.from_bytes(f[12:14], 'big'):04x}", str(len(f)), "1") for f in frames]
    assert [(s, d, t, n, seg) for s, d, _pool, t, n, seg in rows["received"]] == want
    assert all(pool for _, _, pool, _, _, _ in rows["received"])
    assert announced["received"] == len(frames) == sum(rx for rx, _ in forward_stats(out))
    if level == 3:          # io sends each packet back out unchanged
        assert [(s, d, t, n, seg) for s, d, _pool, t, n, seg in rows["sent"]] == want
        assert announced["sent"] == len(frames)
    else:
        assert rows["sent"] == [] and announced["sent"] == 0
    assert dports == [4000 + i for i in range(0, 20, 4)]         # the IPv4/UDP frames' ports


def test_verbose_0_stops_printing_on_ring_ports():
    """Ring ports forwarding at full speed: packets print at verbose 1 (the ring of summaries
    may fill: then a line says how many were not shown); after `set verbose 0` not one more."""
    proc, lines = _shell(["-l", "0-1", "--no-pci", "--vdev=net_ring0", "--vdev=net_ring1", *prefix(), "--", "-i"])
    try:
        _say(proc, "set verbose 1", "start tx_first")
        _count(lines, 1, "port ")
        _say(proc, "set verbose 0")
        _count(lines, 1, "Change verbose level from 1 to 0")
    finally:
        out = _finish(proc, lines, "stop", "quit")
    before, after = out.split("Change verbose level from 1 to 0", 1)
    assert "  src=" in before and re.search(r"^port \d+/queue 0: received \d+ packets$", before, re.M)
    assert "  src=" not in after and not re.search(r"^port \d+/queue \d+: received", after, re.M)
    assert all(rx > 0 for rx, _ in forward_stats(out))


def test_help_lists_every_forwarding_mode_with_its_description():
    """`pydpdk fwd --help` and the shell's `help set`: one line per mode, from forward.MODE_HELP."""
    from pydpdk.forward import MODE_HELP
    shell = subprocess.run([sys.executable, "-m", "pydpdk", "fwd", *prefix(), "--", "-i"], input="help set\nquit\n",
                           capture_output=True, text=True, timeout=60, env=ENV, cwd=ROOT, preexec_fn=unpin)
    assert shell.returncode == 0, shell.stderr[-2000:]
    assert "set verbose [N]" in shell.stdout and "forwarding modes (set fwd MODE):" in shell.stdout
    cli = subprocess.run([sys.executable, "-m", "pydpdk", "fwd", "--help"], capture_output=True, text=True,
                         timeout=60, env=ENV, cwd=ROOT)
    assert cli.returncode == 0 and "forwarding modes (--forward-mode MODE):" in cli.stdout
    for out in (shell.stdout, cli.stdout):
        for mode, text in MODE_HELP.items():
            assert re.search(rf"^  {re.escape(mode)} +{re.escape(text)}$", out, re.M), (mode, out[-1500:])


def _normalised(out: str) -> list[str]:
    """The verbose lines, without what differs by design: the pool's name, the pcap timestamp
    (the time the file is read), the L4 port pydpdk adds from the software parse."""
    keep = []
    for line in (_unprompted(x).rstrip() for x in out.splitlines()):
        if _HEAD.match(line) or line.startswith(("  src=", "  ol_flags:")):
            line = re.sub(r" - pool=\S+", "", line)
            line = re.sub(r" - timestamp \d+ ", "", line)
            line = re.sub(r" - Destination (UDP|TCP) port=\d+", "", line)
            keep.append(line.rstrip())
    return keep


@pytest.mark.skipif(TESTPMD is None, reason="dpdk-testpmd not installed (Debian package dpdk)")
def test_verbose_lines_side_by_side_with_testpmd(short_dir):
    """The same pcap through dpdk-testpmd and pydpdk fwd at verbose 1: the same lines. testpmd
    runs non-interactively with `set verbose 1` from --cmdline-file (its interactive prompt is
    written character by character, into the middle of the lcore's lines)."""
    frames = _frames()
    src = short_dir / "s.pcap"
    write_pcap(str(src), frames)
    (short_dir / "cmds").write_text("set verbose 1\n")
    vdev = ["-l", "0-1", "--no-pci", "--vdev", f"net_pcap0,rx_pcap={src},tx_pcap={short_dir}/t.pcap", *prefix()]
    proc = subprocess.Popen(["stdbuf", "-oL", TESTPMD, *vdev, "--", "--no-flush-rx",
                             f"--cmdline-file={short_dir}/cmds"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=unpin)
    lines = Lines(proc.stdout)
    try:
        _count(lines, len(frames))
    finally:
        theirs = _finish(proc, lines, "")                    # Enter: testpmd stops and exits
    proc, lines = _shell([*vdev[:-2], *prefix(), "--", "-i", "--no-flush-rx"])
    try:
        _say(proc, "set verbose 1", "start")
        _count(lines, len(frames))
    finally:
        ours = _finish(proc, lines, "stop", "quit")
    assert len(_normalised(theirs)) == 1 + 2 * len(frames), theirs[-3000:]
    assert _normalised(ours) == _normalised(theirs)


def test_packet_dump_summarises_bursts_and_counts_what_its_ring_cannot_hold(ring_pair, pool):
    """pydpdk.capture.PacketDump in-process on a looped ring port: one record per received
    packet (MACs, ethertype, length, its burst), a full ring counts the rest as lost, a closing
    port is detached first."""
    from pydpdk.capture import PacketDump
    from pydpdk.ring import ports_from_rings
    import pydpdk
    p0, _ = ring_pair
    frames = _frames()
    with PacketDump(ring_size=64) as d:
        d.attach(p0)
        assert p0.tx_burst(pool.burst(frames)) == len(frames)
        got = p0.rx_burst(0, 32)
        assert len(got) == len(frames)
        got.free()
        recs = d.drain()
        assert [(r.src, r.dst, r.ether_type, r.pkt_len) for r in recs] == [
            (":".join(f"{b:02X}" for b in f[6:12]), ":".join(f"{b:02X}" for b in f[:6]),
             int.from_bytes(f[12:14], "big"), len(f)) for f in frames]
        assert {(r.burst, r.nb_pkts, r.port, r.queue, r.is_rx) for r in recs} == {(recs[0].burst, 20, p0.id, 0, True)}
        assert [r.index for r in recs] == list(range(20)) and recs[0].head == frames[0][:64]
        assert "RX_L4_CKSUM_UNKNOWN" in recs[0].ol_flag_names() and recs[0].pool == pool.name
        for _ in range(5):                                     # 100 packets into a ring of 63
            assert p0.tx_burst(pool.burst(frames)) == len(frames)
            p0.rx_burst(0, 32).free()
        assert len(d.drain()) == 63 and d.drain() == [] and (d.packets, d.lost) == (120, 37)
        d.detach(p0)
        assert p0.tx_burst(pool.burst(frames[:3])) == 3
        p0.rx_burst(0, 32).free()
        assert d.packets == 120 and d.drain() == []
        ring = pydpdk.Ring.create("vbdump", 64)
        port = ports_from_rings("vbdump", [ring], [ring])
        try:
            port.setup(pool)
            d.attach(port)
            assert port.id in d.ports
            port.close()                                       # detached first, by the release hook
            assert port.id not in d.ports
        finally:
            if not port.closed:
                port.close()
            ring.close()
    assert d.closed and "closed" in repr(d)
