"""The forwarding-mode table and the engines added through it (5tswap, csum): each frame goes once
through the engine on a worker lcore (a ring port whose RX ring we fill and whose TX ring we
read), and the bytes that come out are compared with what scapy says they should be."""
import itertools
import os
import re
import time

import pytest

import pydpdk
from pydpdk import telemetry
from pydpdk.forward import Forwarder, MODES, MODE_HELP
from pydpdk.ring import ports_from_rings
from conftest import ROOT

pytestmark = pytest.mark.skipif(len(pydpdk.eal._PROCESS_CPUS) < 2, reason="needs two CPUs")
scapy = pytest.importorskip("scapy.all")
Ether, Dot1Q, IP, IPv6, UDP, TCP, ARP, Raw = (scapy.Ether, scapy.Dot1Q, scapy.IP, scapy.IPv6, scapy.UDP,
                                              scapy.TCP, scapy.ARP, scapy.Raw)
_names = itertools.count()
A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def one_pass(pool, mode, frames, inspect=None, **kw):
    """Run `mode` on a port reading ring `inq` and writing ring `outq` until every frame came out
    (or the deadline passed); returns (the frames sent, in order, as bytes; final stats; the port's MAC)."""
    n = next(_names)
    inq = pydpdk.Ring.create(f"engines_in{n}", 1024, sp_enq=True, sc_deq=True)
    outq = pydpdk.Ring.create(f"engines_out{n}", 1024, sp_enq=True, sc_deq=True)
    port = ports_from_rings(f"engines{n}", [inq], [outq])
    try:
        port.setup(pool)
        mac = port.mac
        with Forwarder([port], mode, topology="loop", **kw) as fwd:
            assert inq.enqueue_burst(pool.burst([bytes(f) for f in frames])) == len(frames)
            fwd.start(flush_rx=False)
            deadline = time.monotonic() + 10
            while outq.count < len(frames) and time.monotonic() < deadline:
                time.sleep(0.005)
            st = fwd.stop()
            if inspect is not None:
                inspect(fwd)
        out = outq.dequeue_burst(1024)
        got = out.tobytes_list()
        out.free()
        assert len(got) == len(frames), f"{mode}: {len(got)} of {len(frames)} frames came out"
        return got, st, mac
    finally:
        port.close()
        inq.close()
        outq.close()


# -- the modes table -------------------------------------------------------------------------

def test_modes_come_from_the_c_table():
    table = open(os.path.join(ROOT, "pydpdk", "_cffi_src", "c", "fwd_modes.h")).read()
    lines = re.findall(r'^PYDPDK_FWD_MODE\(\s*(\w+),\s*(\w+),\s*"([^"]+)",.*"([^"]+)"\)\s*$', table, re.M)
    assert [name for _, _, name, _ in lines] == list(MODES)
    assert list(MODES.values()) == list(range(1, len(MODES) + 1))
    assert {name: help for _, _, name, help in lines} == MODE_HELP
    assert {"io", "mac", "macswap", "rxonly", "txonly", "flowgen", "icmpecho", "5tswap", "csum"} <= set(MODES)
    lib = pydpdk._native.lib
    assert lib.PYDPDK_FWD_NB_MODES == len(MODES) + 1
    assert pydpdk._native.ffi.NULL == lib.pydpdk_fwd_mode_name(lib.PYDPDK_FWD_NB_MODES)
    assert lib.pydpdk_fwd_mode_flags(MODES["rxonly"]) == 1           # receives only
    assert lib.pydpdk_fwd_mode_flags(MODES["txonly"]) == 2 | 4       # sends generated packets
    assert lib.pydpdk_fwd_mode_flags(lib.PYDPDK_FWD_NB_MODES) < 0


def test_docs_table_lists_exactly_the_modes():
    doc = open(os.path.join(ROOT, "docs", "forwarding.md")).read()
    section = doc.split("## Forwarding modes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.+?) \|", section, re.M)
    assert [name for name, _ in rows] == list(MODES)
    for name, text in rows:
        assert text.strip() == MODE_HELP[name], name


def test_every_mode_runs_and_telemetry_names_it(pool):
    """Each mode of the table starts, forwards (or sinks/generates) and stops on a ring port."""
    frames = [Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"x" * 18)]
    for mode in MODES:
        n = next(_names)
        inq = pydpdk.Ring.create(f"engines_in{n}", 1024, sp_enq=True, sc_deq=True)
        outq = pydpdk.Ring.create(f"engines_out{n}", 1024, sp_enq=True, sc_deq=True)
        port = ports_from_rings(f"engines{n}", [inq], [outq])
        try:
            port.setup(pool)
            with Forwarder([port], mode, topology="loop") as fwd:
                inq.enqueue_burst(pool.burst([bytes(f) for f in frames]))
                fwd.start(flush_rx=False)
                deadline = time.monotonic() + 10
                st = fwd.stats()
                while time.monotonic() < deadline:
                    st = fwd.stats()
                    if st.rx_packets or sum(s.gen_packets for s in st.streams):
                        break
                    time.sleep(0.005)
                st = fwd.stop()
                assert st.rx_packets or sum(s.gen_packets for s in st.streams), mode
                assert fwd.mode == mode
            out = outq.dequeue_burst(1024)
            while out:
                out.free()
                out = outq.dequeue_burst(1024)
            left = inq.dequeue_burst(1024)
            left.free()
        finally:
            port.close()
            inq.close()
            outq.close()


# -- 5tswap --------------------------------------------------------------------------------

def _swapped(f):
    """What testpmd's 5tswap makes of scapy packet f."""
    g = f.copy()
    g.src, g.dst = f.dst, f.src
    for l3 in (IP, IPv6):
        if l3 in g:
            g[l3].src, g[l3].dst = f[l3].dst, f[l3].src
            if l3 is IP and f[IP].frag:
                return g
    for l4 in (UDP, TCP):
        if l4 in g:
            g[l4].sport, g[l4].dport = f[l4].dport, f[l4].sport
    return g


def _checksums_valid(frame: bytes) -> None:
    p = Ether(frame)
    again = p.copy()
    for layer in (IP, UDP, TCP):
        if layer in again:
            del again[layer].chksum
    again = Ether(bytes(again))
    for layer in (IP, UDP, TCP):
        if layer in p:
            assert p[layer].chksum == again[layer].chksum, f"{layer.__name__} checksum: {p.summary()}"


FIVE_T = [
    Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.9.8.7") / UDP(sport=1234, dport=53) / Raw(b"q" * 20),
    Ether(dst=A, src=B) / IP(src="192.0.2.1", dst="198.51.100.2", options=[scapy.IPOption_RR()]) /
    TCP(sport=40000, dport=80, flags="S", seq=7) / Raw(b"GET /"),
    Ether(dst=A, src=B) / IPv6(src="2001:db8::1", dst="2001:db8:ffff::2") / UDP(sport=5353, dport=9) / Raw(b"v6"),
    Ether(dst=A, src=B) / IPv6(src="fe80::1", dst="fe80::abcd") / TCP(sport=22, dport=50000, flags="PA") / Raw(b"ssh"),
    Ether(dst=A, src=B) / Dot1Q(vlan=10) / Dot1Q(vlan=20) / IP(src="10.1.1.1", dst="10.2.2.2") /
    UDP(sport=7, dport=8) / Raw(b"qinq"),
    Ether(dst=A, src=B) / IP(src="10.0.0.5", dst="10.0.0.6", frag=3, proto=17) / Raw(b"\x01\x02\x03\x04" * 4),
    Ether(dst=A, src=B) / ARP(psrc="10.0.0.1", pdst="10.0.0.2"),
    Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / scapy.ICMP() / Raw(b"ping"),
]


def test_5tswap_swaps_addresses_and_ports_byte_exact(pool):
    got, st, _ = one_pass(pool, "5tswap", FIVE_T)
    for sent, out in zip(FIVE_T, got):
        assert out == bytes(_swapped(sent)), sent.summary()
        _checksums_valid(out)
    s = st.streams[0]
    assert s.rx_packets == s.tx_packets == len(FIVE_T) and s.fwd_dropped == 0


def test_5tswap_leaves_runts_and_truncated_headers_alone(pool):
    runt = bytes.fromhex("0102030405")                                   # shorter than two MACs
    macs_only = bytes(range(12))                                         # 12 bytes: MACs swapped
    cut_ip = bytes(Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP())[:14 + 16]
    cut_udp = bytes(Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2))[:14 + 20 + 3]
    got, _, _ = one_pass(pool, "5tswap", [runt, macs_only, cut_ip, cut_udp])
    assert got[0] == runt
    assert got[1] == macs_only[6:12] + macs_only[0:6]
    assert got[2] == cut_ip[6:12] + cut_ip[0:6] + cut_ip[12:]           # IPv4 header incomplete
    ip_swapped = cut_udp[6:12] + cut_udp[0:6] + cut_udp[12:26] + cut_udp[30:34] + cut_udp[26:30]
    assert got[3] == ip_swapped + cut_udp[34:]                           # addresses, no ports


# -- csum ----------------------------------------------------------------------------------

PEER = "02:aa:bb:cc:dd:ee"


def _fixed(f, port_mac):
    """What the csum engine makes of scapy packet f: MACs as mac mode, every checksum right."""
    g = f.copy()
    g.dst, g.src = PEER, port_mac
    for layer in (IP, UDP, TCP):
        if layer in g and not (layer is UDP and IP in g and g[UDP].chksum == 0) and \
                not (layer is not IP and IP in g and (g[IP].frag or g[IP].flags.MF)):
            del g[layer].chksum
    return Ether(bytes(g))


def _bad(p, layer, value=0x1234):
    p = Ether(bytes(p))
    p[layer].chksum = value
    return p


CSUM = [  # (frame, bad IPv4 header checksum, bad L4 checksum)
    (Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"good"), 0, 0),
    (_bad(Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"a"), IP), 1, 0),
    (_bad(Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"b"), UDP), 0, 1),
    (_bad(Ether(dst=A, src=B) / IP(src="10.0.0.3", dst="10.0.0.4", options=[scapy.IPOption_RR()]) /
          TCP(sport=3, dport=4, flags="S") / Raw(b"c" * 33), TCP), 0, 1),
    (_bad(_bad(Ether(dst=A, src=B) / Dot1Q(vlan=5) / IP(src="10.0.0.5", dst="10.0.0.6") / TCP() / Raw(b"d"), IP), TCP),
     1, 1),
    (_bad(Ether(dst=A, src=B) / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5, dport=6) / Raw(b"e" * 7), UDP),
     0, 1),
    (Ether(dst=A, src=B) / IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=7, dport=8) / Raw(b"f"), 0, 0),
    (_bad(Ether(dst=A, src=B) / IP(src="10.0.0.7", dst="10.0.0.8") / UDP(sport=9, dport=10) / Raw(b"g"), UDP, 0), 0, 0),
    (_bad(Ether(dst=A, src=B) / IP(src="10.0.0.9", dst="10.0.0.10", flags="MF") / UDP(sport=1, dport=2) / Raw(b"h" * 8),
          UDP), 0, 0),                                                  # a fragment: L4 not checked
    (_bad(Ether(dst=A, src=B) / IP(src="10.1.0.1", dst="10.1.0.2") / UDP(sport=11, dport=12) / Raw(bytes(range(256)) * 12),
          UDP), 0, 1),                                                  # 3 kB: two segments
    (Ether(dst=A, src=B) / ARP(), 0, 0),
]


def test_csum_counts_and_rewrites_bad_checksums_byte_exact(pool):
    frames = [f for f, _, _ in CSUM]
    seen = {}

    def read_telemetry(fwd):
        try:
            with telemetry.Client.local() as t:
                seen.update(t.fwd_stats(fwd.telemetry_id))
        except telemetry.TelemetryError as exc:       # an EAL without telemetry
            seen["skipped"] = str(exc)

    got, st, port_mac = one_pass(pool, "csum", frames, read_telemetry, eth_peers={i: PEER for i in range(32)})
    s = st.streams[0]
    for (sent, bad_ip, bad_l4), out in zip(CSUM, got):
        assert out == bytes(_fixed(sent, port_mac)), sent.summary()
        if ARP not in sent and (IP not in sent or not (sent[IP].flags.MF or (UDP in sent and sent[UDP].chksum == 0))):
            _checksums_valid(out)
    assert s.bad_ip_csum == sum(b for _, b, _ in CSUM) == 2
    assert s.bad_l4_csum == sum(b for _, _, b in CSUM) == 5
    assert s.rx_packets == s.tx_packets == len(CSUM)
    if "skipped" not in seen:
        assert seen["mode"] == "csum" and seen["bad_ip_csum"] == 2 and seen["bad_l4_csum"] == 5
        assert seen["stream_0"]["bad_l4_csum"] == 5


def test_csum_of_good_packets_changes_only_the_macs(pool):
    frames = [Ether(dst=A, src=B) / IP(src="10.0.0.1", dst=f"10.0.1.{i}") / UDP(sport=i, dport=99) / Raw(bytes([i]) * i)
              for i in range(1, 40)]
    got, st, port_mac = one_pass(pool, "csum", frames, eth_peers={i: PEER for i in range(32)})
    peer = bytes.fromhex(PEER.replace(":", ""))
    assert all(g[:12] == peer + bytes.fromhex(port_mac.replace(":", "")) for g in got)
    assert [g[12:] for g in got] == [bytes(f)[12:] for f in frames]
    assert st.streams[0].bad_ip_csum == st.streams[0].bad_l4_csum == 0


# -- rxonly's inlined free ------------------------------------------------------------------

def test_rxonly_frees_chains_shared_mbufs_and_other_pools(pool, small_pool):
    """rxonly's free_burst takes a fast path for plain mbufs of the burst's first pool; chained
    packets, mbufs held twice and mbufs of another pool take rte_pktmbuf_free: every one comes
    back to its own pool exactly once, and the bytes are counted."""
    lib = pydpdk._native.lib
    n = next(_names)
    inq = pydpdk.Ring.create(f"engines_in{n}", 1024, sp_enq=True, sc_deq=True)
    outq = pydpdk.Ring.create(f"engines_out{n}", 1024, sp_enq=True, sc_deq=True)
    port = ports_from_rings(f"engines{n}", [inq], [outq])
    base = (pool.in_use, small_pool.in_use)
    plain = [bytes(60 + i) for i in range(8)]
    chained = [bytes(3000), bytes(5000)]                      # 2 and 3 segments of a 2 kB room
    other = [bytes(70), bytes(71)]
    shared = pool.burst([bytes(80), bytes(81)])
    held = [shared.ptrs[i] for i in range(len(shared))]
    try:
        port.setup(pool)
        for m in held:                                        # a second reference, ours
            m.refcnt = 2
        c = pool.burst(chained)
        assert [c.ptrs[i].nb_segs for i in range(2)] == [2, 3]
        for b in (pool.burst(plain[:4]), small_pool.burst(other[:1]), c, shared,
                  pool.burst(plain[4:]), small_pool.burst(other[1:])):
            assert inq.enqueue_burst(b) == len(b) or not b
        total = len(plain) + len(chained) + len(other) + len(held)
        with Forwarder([port], "rxonly", topology="loop") as fwd:
            fwd.start(flush_rx=False)
            deadline = time.monotonic() + 10
            while fwd.stats().rx_packets < total and time.monotonic() < deadline:
                time.sleep(0.005)
            st = fwd.stop()
        s = st.streams[0]
        assert s.rx_packets == total
        assert s.rx_bytes == sum(map(len, plain + chained + other)) + 80 + 81
        assert [m.refcnt for m in held] == [1, 1]             # rxonly dropped its reference only
        assert (pool.in_use, small_pool.in_use) == (base[0] + 2, base[1])
        for m in held:
            lib.rte_pktmbuf_free(m)
        assert (pool.in_use, small_pool.in_use) == base
    finally:
        port.close()
        inq.close()
        outq.close()


# -- warnings are errors in our C -----------------------------------------------------------

def test_our_c_files_compile_with_warnings_as_errors(tmp_path):
    """build_ffi.py takes every c/*.c, each including strict.h first (it refuses one that does not);
    strict.h makes -Wall -Wextra warnings errors there, while the same code without it builds."""
    import importlib.util
    import shutil
    import subprocess
    spec = importlib.util.spec_from_file_location("pydpdk_build_ffi", os.path.join(ROOT, "build_ffi.py"))
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    sources = build.our_sources()
    assert {os.path.basename(p) for p in sources} >= {"fwd.c", "fwd_io.c", "fwd_5tswap.c", "fwd_csum.c", "burst.c"}
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler")
    flags = build.system_includes(build._pkg_config("--cflags").split())
    body = "int pydpdk_probe(int unused);\nint pydpdk_probe(int unused) { int x; return 0; }\n"
    for strict in (True, False):
        probe = tmp_path / f"probe{int(strict)}.c"
        probe.write_text(('#include "strict.h"\n' if strict else "") + "#include <rte_mbuf.h>\n" + body)
        proc = subprocess.run([cc, "-fsyntax-only", "-O3", "-Wno-unused-parameter", "-I", build.CSRC, *flags,
                               str(probe)], capture_output=True, text=True)
        if strict:
            assert proc.returncode != 0 and "unused variable" in proc.stderr and "unused parameter" in proc.stderr
        else:
            assert proc.returncode == 0, proc.stderr
    (tmp_path / "c").mkdir()
    lax = tmp_path / "c" / "lax.c"
    lax.write_text("#include <stdint.h>\n" + body)
    build.CSRC, saved = str(tmp_path / "c"), build.CSRC
    try:
        with pytest.raises(SystemExit, match='lax.c: its first #include must be #include "strict.h"'):
            build.our_sources()
    finally:
        build.CSRC = saved


# -- streams of different modes on one lcore ---------------------------------------------------

def test_mixed_modes_on_one_lcore_dispatch_per_stream(pool):
    """An lcore whose streams run different modes calls each stream's engine (the table's
    function pointers) instead of one specialised loop: stream 0 io, stream 1 5tswap, stream 2
    csum, all on one lcore."""
    rings, ports = [], []
    try:
        for _ in range(3):
            n = next(_names)
            inq = pydpdk.Ring.create(f"engines_in{n}", 1024, sp_enq=True, sc_deq=True)
            outq = pydpdk.Ring.create(f"engines_out{n}", 1024, sp_enq=True, sc_deq=True)
            rings.append((inq, outq))
            ports.append(ports_from_rings(f"engines{n}", [inq], [outq]))
            ports[-1].setup(pool)
        frame = _bad(Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"m"), UDP)
        with Forwarder(ports, "io", topology="loop", eth_peers={i: PEER for i in range(32)}) as fwd:
            assert len(fwd.lcores) == 1                                 # one lcore for the three streams
            fwd._streams[1].mode = MODES["5tswap"]
            fwd._streams[2].mode = MODES["csum"]
            for inq, _ in rings:
                inq.enqueue_burst(pool.burst([bytes(frame)] * 4))
            fwd.start(flush_rx=False)
            deadline = time.monotonic() + 10
            while any(outq.count < 4 for _, outq in rings) and time.monotonic() < deadline:
                time.sleep(0.005)
            st = fwd.stop()
        got = []
        for _, outq in rings:
            b = outq.dequeue_burst(64)
            got.append(b.tobytes_list())
            b.free()
        assert got[0] == [bytes(frame)] * 4
        assert got[1] == [bytes(_swapped(frame))] * 4
        assert got[2] == [bytes(_fixed(frame, ports[2].mac))] * 4
        assert [s.bad_l4_csum for s in st.streams] == [0, 0, 4]
    finally:
        for p in ports:
            p.close()
        for inq, outq in rings:
            inq.close()
            outq.close()


def test_a_stream_mode_outside_the_table_is_refused(ring_pair):
    p0, p1 = ring_pair
    with Forwarder([p0, p1], "io") as fwd:
        fwd._streams[1].mode = pydpdk._native.lib.PYDPDK_FWD_NB_MODES      # one past the table
        with pytest.raises(pydpdk.DpdkError, match=f"stream 1: mode={len(MODES) + 1}: must be 0..{len(MODES)}"):
            fwd.start()
        assert not fwd.running
