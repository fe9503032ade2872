"""The pcap PMD (guide §7.1.1) end to end: files and kernel interfaces (veth pairs, namespaces),
several streams per device, several devices, jumbo frames in chained mbufs, testpmd's RX flush."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from pydpdk import vdev
from pydpdk.forward import Forwarder
from pydpdk.pcap import read_frames, write_pcap
from conftest import ROOT
from pydpdk.testing.frames import make_frame
from pydpdk.testing.procs import unpin
from pydpdk.testing.netns import Netns, RawCapture, Veth, raw_send
from pydpdk.testing.netns import needs_netadmin
from pydpdk.testing.testpmd import needs_testpmd
from pydpdk.testing.wait import wait_for


def frames_88b5(n, size=80, tag=0):
    """Frames of a local experimental ethertype: the kernel ignores them."""
    import struct
    return [b"\x02\x00\x00\x00\x99\x02\x02\x00\x00\x00\x00\x01\x88\xb5" + struct.pack("!HI", tag, i)
            + bytes((i + k) & 0xFF for k in range(size - 20)) for i in range(n)]


def forward_until(fwd, total, timeout=10.0):
    """Forward until total packets came in and each went out (or was dropped); the final stats."""
    fwd.start(flush_rx=False)

    def all_through(st):
        return st.rx_packets >= total and st.tx_packets + sum(s.fwd_dropped for s in st.streams) >= st.rx_packets
    wait_for(lambda: all_through(fwd.stats()), timeout, f"{total} packets received and sent on")
    return fwd.stop()


def test_several_streams_and_devices_file_to_file(eal, pool, tmp_path, monkeypatch):
    ins = {k: [make_frame(i + 1000 * j, 60 + (i * 13 + j) % 1450) for i in range(200 + 50 * j)]
           for j, k in enumerate(["a0", "a1", "c0"])}
    # Four files in one hotplugged devargs: absolute temp paths would pass DPDK's 127-byte
    # hotplug limit, so they are relative to the test's directory, as in the guide's
    # 'rx_pcap=file_rx.pcap' (the PMD resolves them when the port starts).
    monkeypatch.chdir(tmp_path)
    for k, fr in ins.items():
        write_pcap(f"{k}.pcap", fr)
    p = lambda k: f"{k}.pcap"  # noqa: E731
    d0 = vdev.Pcap("net_pcap_m0", rx_pcap=[p("a0"), p("a1")], tx_pcap=[p("b0"), p("b1")])
    d1 = vdev.Pcap("net_pcap_m1", rx_pcap=p("c0"), tx_pcap=p("d0"))
    assert vdev.parse(str(d0)) == d0 and str(d0).count("rx_pcap=") == 2
    [p0], [p1] = vdev.attach(d0), vdev.attach(d1)
    try:
        p0.setup(pool, 2, 2)
        p1.setup(pool)
        fwd = Forwarder([p0, p1], "io", topology="loop")
        assert sorted(fwd.streams) == sorted([(p0.id, 0, p0.id, 0), (p0.id, 1, p0.id, 1), (p1.id, 0, p1.id, 0)])
        st = forward_until(fwd, sum(map(len, ins.values())))
        fwd.close()
        assert st.rx_packets == st.tx_packets == 750
    finally:
        vdev.detach(p0)
        vdev.detach(p1)
    # queue i of a device writes tx_pcap i: each output is its input, byte-exact and in order
    assert read_frames(p("b0")) == ins["a0"]
    assert read_frames(p("b1")) == ins["a1"]
    assert read_frames(p("d0")) == ins["c0"]


def test_jumbo_frames_in_chained_mbufs(eal, pool, short_dir):
    tmp_path = short_dir
    frames = [make_frame(i, size) for i, size in enumerate([9000, 64, 9000, 4000, 1514, 9000])]
    write_pcap(str(tmp_path / "in.pcap"), frames)
    spec = vdev.Pcap("net_pcap_j0", rx_pcap=str(tmp_path / "in.pcap"), tx_pcap=str(tmp_path / "out.pcap"))
    [port] = vdev.attach(spec)
    try:
        port.setup(pool)                # 2048-byte mbufs: a 9000-byte frame needs 5 segments
        b = port.rx_burst(0, 32)
        assert b.lengths() == [len(f) for f in frames]
        assert [len(m.segments()) for m in b] == [5, 1, 5, 2, 1, 5]
        assert b.tobytes_list() == frames
        while b:
            assert port.tx_burst(b)
    finally:
        vdev.detach(port)
    assert read_frames(str(tmp_path / "out.pcap")) == frames


def _cli(args, timeout=60):
    return subprocess.run([sys.executable, "-m", "pydpdk", "fwd", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, preexec_fn=unpin)


def test_cli_jumbo_and_flush_rx(tmp_path):
    """`pydpdk fwd` as the guide runs testpmd: without --no-flush-rx the first packets of rx_pcap
    are dropped by the RX flush (the whole file, as testpmd 22.11), with it every packet comes through;
    9000-byte frames cross in chained 2176-byte mbufs (--mbuf-size, --max-pkt-len)."""
    frames = [make_frame(i, 9000 if i % 100 == 0 else 60 + i % 300) for i in range(1500)]
    rx = str(tmp_path / "in.pcap")
    write_pcap(rx, frames)
    outs = {}
    for flush in (True, False):
        tx = str(tmp_path / f"out{int(flush)}.pcap")
        spec = vdev.Pcap("net_pcap0", rx_pcap=rx, tx_pcap=tx)
        app = ["--forward-mode", "io", "--port-topology", "loop", "--mbuf-size", "2176",
               "--max-pkt-len", "9018", "--duration", "1.5", "--json"] + ([] if flush else ["--no-flush-rx"])
        prefix = f"pydpdk-vdev-pcap-{os.getpid()}"
        p = _cli(["-l", "0-1", "--no-pci", "--no-huge", "-m", "256", "--file-prefix", prefix,
                  "--vdev", str(spec), "--", *app])
        shutil.rmtree(f"/var/run/dpdk/{prefix}", ignore_errors=True)
        assert p.returncode == 0, p.stderr[-2000:]
        outs[flush] = read_frames(tx)
    assert outs[False] == frames
    assert outs[True] == []


@pytest.fixture
def veth_ns():
    with Netns() as ns, Veth(ns) as v:
        yield ns, v


@needs_netadmin()
def test_rx_iface_to_file_and_file_to_tx_iface(eal, pool, short_dir, veth_ns):
    tmp_path = short_dir
    ns, v = veth_ns
    # guide: "Read packets from a network interface and write them to a pcap file"
    spec = vdev.Pcap("net_pcap_i0", rx_iface=v.outer, tx_pcap=str(tmp_path / "out.pcap"))
    [port] = vdev.attach(spec.check())
    sent = frames_88b5(50, 200, tag=1) + frames_88b5(3, 9000, tag=2)
    try:
        port.setup(pool)
        raw_send(ns, v.inner, sent)
        got, deadline = 0, time.monotonic() + 5
        while got < len(sent) and time.monotonic() < deadline:
            b = port.rx_burst(0, 32)
            got += len(b)
            while b:
                port.tx_burst(b)
    finally:
        vdev.detach(port)
    assert [f for f in read_frames(str(tmp_path / "out.pcap")) if f[12:14] == b"\x88\xb5"] == sent
    # guide: "Read packets from a pcap file and write them to a network interface"
    frames = frames_88b5(100, 300, tag=3)
    write_pcap(str(tmp_path / "in.pcap"), frames)
    cap = RawCapture(ns, v.inner, len(frames))
    [port] = vdev.attach(vdev.Pcap("net_pcap_i1", rx_pcap=str(tmp_path / "in.pcap"), tx_iface=v.outer))
    try:
        port.setup(pool)
        b = port.rx_burst(0, 128)
        assert len(b) == 100
        while b:
            port.tx_burst(b)
    finally:
        vdev.detach(port)
    assert cap.frames() == frames


@needs_netadmin()
def test_rx_iface_sees_own_tx_but_rx_iface_in_does_not(eal, pool, veth_ns):
    ns, v = veth_ns
    mine = frames_88b5(5, 100, tag=4)
    seen = {}
    for key in ("rx_iface", "rx_iface_in"):
        [port] = vdev.attach(vdev.Pcap(f"net_pcap_d{len(seen)}", tx_iface=v.outer, **{key: v.outer}))
        try:
            port.setup(pool)
            from pydpdk import interop
            assert interop.send(port, pool, mine) == 5
            raw_send(ns, v.inner, frames_88b5(2, 100, tag=5))   # incoming from the peer
            seen[key] = interop.receive(port, 7 if key == "rx_iface" else 2, timeout=3,
                                        match=lambda f: f[12:14] == b"\x88\xb5")
            seen[key] += interop.receive(port, None, timeout=0.3, match=lambda f: f[12:14] == b"\x88\xb5")
        finally:
            vdev.detach(port)
    peer = frames_88b5(2, 100, tag=5)
    assert sorted(seen["rx_iface"]) == sorted(mine + peer)
    assert seen["rx_iface_in"] == peer


@needs_netadmin()
def test_forward_between_two_interfaces(eal, pool):
    """guide: --vdev 'eth_pcap0,iface=eth0' --vdev 'eth_pcap1,iface=eth1' with io forwarding:
    frames sent in one namespace arrive in the other, byte-exact and in order."""
    with Netns() as na, Netns() as nb, Veth(na, "10.199.1.2/24") as va, Veth(nb, "10.199.2.2/24") as vb:
        [pa] = vdev.attach(vdev.Pcap("net_pcap_f0", iface=va.outer))
        [pb] = vdev.attach(vdev.Pcap("net_pcap_f1", iface=vb.outer))
        try:
            pa.setup(pool)
            pb.setup(pool)
            fwd = Forwarder([pa, pb], "io")
            fwd.start(flush_rx=True)
            frames = frames_88b5(200, 128, tag=6) + frames_88b5(2, 9000, tag=7)
            cap = RawCapture(nb, vb.inner, len(frames))
            raw_send(na, va.inner, frames)
            got = cap.frames()
            fwd.stop()
            fwd.close()
        finally:
            vdev.detach(pa)
            vdev.detach(pb)
    assert got == frames


@needs_testpmd()
@pytest.mark.parametrize("program", ["dpdk-testpmd", "pydpdk fwd"])
def test_interactive_set_flush_rx(tmp_path, program):
    """Guide §7.1.1: testpmd flushes RX before forwarding, so rx_pcap packets are lost unless
    `set flush_rx off`. DPDK 22.11's testpmd flushes until the queue is empty (1 s cap, where the
    guide's 2.0 read 512): the whole file goes, with dpdk-testpmd and with pydpdk alike."""
    from pydpdk.testing.testpmd import Testpmd
    frames = [make_frame(i, 60 + i % 300) for i in range(1500)]
    rx = str(tmp_path / "in.pcap")
    write_pcap(rx, frames)
    cmd = None if program == "dpdk-testpmd" else [sys.executable, "-m", "pydpdk", "fwd"]
    out = {}
    for flush in ("on", "off"):
        tx = str(tmp_path / f"out_{flush}.pcap")
        with Testpmd([vdev.Pcap(rx_pcap=rx, tx_pcap=tx)], ["--port-topology=loop"], program=cmd) as tp:
            tp.cmd(f"set flush_rx {flush}")
            tp.cmd("start")
            # the whole file read (by the flush or by forwarding); without the flush, all sent on
            expect_tx = len(frames) if flush == "off" else 0
            st = wait_for(lambda: (c := tp.port_stats())["rx"] >= len(frames) and c["tx"] >= expect_tx and c,
                          15, f"{program} to read all {len(frames)} frames (flush_rx {flush})", interval=0.1)
            tp.cmd("stop")
            assert st["rx"] == len(frames)
        out[flush] = read_frames(tx)
    assert out["off"] == frames
    assert out["on"] == []                              # everything flushed before forwarding
