"""Compiled stages (pydpdk.stage, forwarding mode "stage"): user functions compiled with numba or
cffi run by the C engine on a worker lcore, on real vdevs (ring pairs, net_null, pcap files); the
bytes that come out are compared with what scapy says they should be."""
import itertools
import os
import subprocess
import sys
import time

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.forward import Forwarder
from pydpdk.pcap import read_frames, write_pcap
from pydpdk.ring import ports_from_rings
from pydpdk.stage import BACK, DROP, PEER, Stage, StageError, view
from conftest import ROOT, run_python
from pydpdk.testing.testpmd import needs_testpmd

pytestmark = pytest.mark.skipif(len(pydpdk.eal._PROCESS_CPUS) < 2, reason="needs two CPUs")
scapy = pytest.importorskip("scapy.all")
Ether, IP, UDP, TCP, Raw = scapy.Ether, scapy.IP, scapy.UDP, scapy.TCP, scapy.Raw
np = pytest.importorskip("numpy")
_names = itertools.count()
A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"


def udp(dport, ttl=64, n=0):
    return Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2", ttl=ttl) / UDP(sport=1000 + n, dport=dport) / \
        Raw(bytes([n % 256]) * 18)


def wait_for(cond, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


class RingPair:
    """Two ring ports: we fill in[i], the engine's tx on port i lands in out[i]."""

    def __init__(self, pool):
        n = next(_names)
        self.ins = [pydpdk.Ring.create(f"stages_in{n}_{i}", 1024, sp_enq=True, sc_deq=True) for i in (0, 1)]
        self.outs = [pydpdk.Ring.create(f"stages_out{n}_{i}", 1024, sp_enq=True, sc_deq=True) for i in (0, 1)]
        self.ports = [ports_from_rings(f"stages{n}_{i}", [self.ins[i]], [self.outs[i]]) for i in (0, 1)]
        for p in self.ports:
            p.setup(pool)
        self.pool = pool

    def send(self, i, frames):
        assert self.ins[i].enqueue_burst(self.pool.burst([bytes(f) for f in frames])) == len(frames)

    def take(self, i):
        got = []
        while True:
            b = self.outs[i].dequeue_burst(1024)
            if not b:
                return got
            got += b.tobytes_list()
            b.free()

    def close(self):
        for r in self.ins:
            b = r.dequeue_burst(1024)
            b.free()
        for i in (0, 1):
            self.take(i)
        for x in self.ports + self.ins + self.outs:
            x.close()


@pytest.fixture
def rings(pool):
    rp = RingPair(pool)
    yield rp
    rp.close()


def run_until(fwd, cond, timeout=10.0):
    fwd.start(flush_rx=False)
    try:
        assert wait_for(lambda: cond(fwd.stats()), timeout), fwd.stats().streams
    finally:
        st = fwd.stop()
    return st


def run_stage_on_pcap(pool, where, name, frames, stage):
    """frames written to where/in.pcap, read by a net_pcap port `name` whose TX is where/out.pcap,
    forwarded back out of it (topology loop) by `stage` until all came in: the final stats."""
    write_pcap(str(where / "in.pcap"), frames)
    [port] = vdev.attach(vdev.Pcap(name, rx_pcap=str(where / "in.pcap"), tx_pcap=str(where / "out.pcap")))
    try:
        port.setup(pool)
        with Forwarder([port], "stage", stage=stage, topology="loop") as fwd:
            return run_until(fwd, lambda s: s.rx_packets >= len(frames))
    finally:
        vdev.detach(port)


# -- numba -----------------------------------------------------------------------------------

def udp_filter(data, length, port, counters):
    """Pass UDP to port 53, drop the rest; counters[0] passed, counters[1] dropped."""
    if length >= 42 and data[12] == 0x08 and data[13] == 0x00 and data[23] == 17:
        ihl = (data[14] & 0x0F) * 4
        off = 14 + ihl
        if off + 4 <= length and data[off + 2] * 256 + data[off + 3] == 53:
            counters[0] += 1
            return PEER
    counters[1] += 1
    return DROP


def test_numba_udp_filter_on_a_ring_pair_with_live_counters(rings):
    counters = np.zeros(2, dtype=np.int64)
    stage = Stage.numba(udp_filter, state=counters)
    frames = [udp(53 if i % 3 == 0 else 80, n=i) for i in range(90)]
    frames += [Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(dport=53)]
    with Forwarder(rings.ports, "stage", stage=stage) as fwd:
        rings.send(0, frames)
        fwd.start(flush_rx=False)
        # the lcore writes the array, Python reads it while the engine runs
        assert wait_for(lambda: counters[0] + counters[1] == len(frames)), counters
        live = fwd.stats().streams[0]
        st = fwd.stop()
    assert counters[0] == 30 and counters[1] == 61
    s = st.streams[0]
    assert (s.rx_packets, s.stage_forwarded, s.stage_dropped, s.stage_invalid) == (91, 30, 61, 0)
    assert s.tx_packets == 30 and s.other_dropped == 61 and live.rx_packets == 91
    assert rings.take(1) == [bytes(f) for i, f in enumerate(frames) if i < 90 and i % 3 == 0]
    assert rings.take(0) == []


def ttl_rewrite(data, length, port):
    """IPv4: TTL - 1 and the header checksum updated (RFC 1624); TTL 1 or 0 dropped."""
    if length < 34 or data[12] != 0x08 or data[13] != 0x00:
        return PEER
    if data[22] <= 1:
        return DROP
    data[22] -= 1
    ihl = (data[14] & 0x0F) * 4
    s = 0
    for i in range(14, 14 + ihl, 2):
        if i != 24:
            s += data[i] * 256 + data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    data[24] = s >> 8
    data[25] = s & 0xFF
    return PEER


def test_numba_ttl_rewrite_pcap_byte_exact(eal, pool):
    import pathlib
    import shutil
    import tempfile
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="stg-"))    # hotplug devargs: at most 127 bytes
    try:
        _ttl_rewrite_pcap(pool, tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _ttl_rewrite_pcap(pool, tmp_path):
    frames = [udp(1000 + i, ttl=(i % 70), n=i) for i in range(200)]
    frames = [bytes(f) for f in frames]
    st = run_stage_on_pcap(pool, tmp_path, "net_pcap_stage0", frames, Stage.numba(ttl_rewrite))
    expect = []
    for f in frames:
        p = Ether(f)
        if p[IP].ttl <= 1:
            continue
        p[IP].ttl -= 1
        del p[IP].chksum
        expect.append(bytes(p))
    assert st.streams[0].stage_dropped == len(frames) - len(expect) > 0
    assert read_frames(str(tmp_path / "out.pcap")) == expect


def macswap(data, length, port):
    if length >= 12:
        for i in range(6):
            t = data[i]
            data[i] = data[i + 6]
            data[i + 6] = t
    return BACK


def test_numba_stage_on_net_null_releases_every_mbuf(eal, pool):
    """net_null receives as fast as the engine asks: the stage runs millions of times; stopping
    frees all (the autouse no_mbuf_leak fixture checks the pools)."""
    p = pydpdk.Port("net_null0")
    if p.started:
        p.stop()
    p.setup(pool)
    try:
        with Forwarder([p], "stage", stage=Stage.numba(macswap), topology="loop") as fwd:
            st = run_until(fwd, lambda s: s.rx_packets > 100000)
        s = st.streams[0]
        assert s.rx_packets == s.stage_forwarded > 100000
        assert s.stage_forwarded == s.tx_packets + s.fwd_dropped
        assert s.tx_bytes == 64 * s.tx_packets
    finally:
        p.stop()


# -- verdicts (a C stage) --------------------------------------------------------------------

VERDICT_C = r"""
/* byte 14 (the first payload byte) picks the verdict */
int64_t verdict(uint8_t *data, int64_t length, int64_t port)
{
    if (length < 15)
        return -1;
    switch (data[14]) {
    case 0: return -2;            /* PEER */
    case 1: return -3;            /* BACK */
    case 2: return -1;            /* DROP */
    case 3: return 31;            /* a port not in the forwarder: invalid */
    case 4: return -7;            /* outside the set: invalid */
    case 5: return port;          /* explicit: the in-port */
    default: return 1000000;      /* invalid */
    }
}
"""


def test_c_stage_verdicts_route_and_count(rings):
    stage = Stage.c(VERDICT_C, "verdict")
    p0, p1 = rings.ports
    kinds = [i % 7 for i in range(70)]
    frames = [Ether(dst=A, src=B, type=0x88B5) / Raw(bytes([k, i]) + b"\0" * 44) for i, k in enumerate(kinds)]
    with Forwarder(rings.ports, "stage", stage=stage) as fwd:
        rings.send(0, frames)
        st = run_until(fwd, lambda s: s.streams[0].rx_packets == len(frames))
    s = st.streams[0]
    assert s.stage_forwarded == 30 and s.stage_dropped == 10 and s.stage_invalid == 30
    assert s.tx_packets == 30 and s.other_dropped == 40
    raw = [bytes(f) for f in frames]
    assert rings.take(1) == [f for f, k in zip(raw, kinds) if k == 0]               # PEER: port 1
    assert rings.take(0) == [f for f, k in zip(raw, kinds) if k in (1, 5)]          # BACK / in-port


def test_c_stage_is_cached_by_content(eal, tmp_path, monkeypatch):
    monkeypatch.setenv("PYDPDK_STAGE_CACHE", str(tmp_path))
    src = "int64_t keep(uint8_t *d, int64_t n, int64_t p) { (void)d; (void)n; return p + 0x51; }"
    a = Stage.c(src, "keep")
    files = os.listdir(tmp_path)
    assert len([f for f in files if f.endswith(".so")]) == 1
    b = Stage.c(src, "keep")
    assert a.address == b.address and os.listdir(tmp_path) == files
    assert a.run_on_burst([bytearray(20)], port=2) == [0x53]
    path = tmp_path / "stage.c"
    path.write_text(src.replace("0x51", "0x52"))
    assert Stage.c(str(path), "keep").run_on_burst([bytearray(20)], port=2) == [0x54]


def test_c_compile_error_names_the_line(eal):
    with pytest.raises(StageError, match=r"line 2:\d+: error: .*undeclared"):
        Stage.c("int64_t f(uint8_t *d, int64_t n, int64_t p)\n{ return nope; }\n", "f")


# -- errors in the user's terms ----------------------------------------------------------------

def test_numba_compile_error_names_file_and_line(eal):
    def bad(data, length, port):
        x = length
        y = "port" + x            # numba refuses str + int: this line is named
        return y
    line = bad.__code__.co_firstlineno + 2
    with pytest.raises(StageError) as e:
        Stage.numba(bad)
    msg = str(e.value)
    assert f"{__file__}:{line}" in msg and "nopython" in msg and "bad" in msg


def test_numba_absent_says_how_to_get_it():
    code = ("import sys; sys.modules['numba'] = None\n"
            "from pydpdk.stage import Stage\n"
            "try:\n    Stage.numba(lambda d, n, p: -1)\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "StageError" in out.stdout and "pip install pydpdk[jit]" in out.stdout, out


def test_stage_refused_while_running_and_bad_stage_refused(rings):
    with pytest.raises(pydpdk.InvalidArgumentError, match="stage"):
        Forwarder(rings.ports, "stage", stage=object())
    with Forwarder(rings.ports, "stage") as fwd:       # no stage: the built-in peer stage
        rings.send(0, [udp(1)])
        fwd.start(flush_rx=False)
        with pytest.raises(pydpdk.InvalidArgumentError, match="stopped"):
            fwd.stage = Stage.numba(macswap)
        assert wait_for(lambda: fwd.stats().tx_packets == 1)
        fwd.stop()
        fwd.stage = Stage.numba(macswap)
    assert rings.take(1) == [bytes(udp(1))]


def test_run_on_burst_calls_the_compiled_function_from_python(pool):
    stage = Stage.numba(ttl_rewrite)
    frames = [bytes(udp(7, ttl=t)) for t in (64, 1, 2)]
    burst = pool.burst(frames)
    try:
        assert stage.run_on_burst(burst) == [PEER, DROP, PEER]
        got = burst.tobytes_list()
    finally:
        burst.free()
    p = Ether(frames[0])
    p[IP].ttl = 63
    del p[IP].chksum
    assert got[0] == bytes(p) and got[1] == frames[1]


# -- the CLI ---------------------------------------------------------------------------------

def _fwd_cli(*app):
    from conftest import unpin
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "pydpdk", "fwd", "-l", "0-1", "--no-pci",
                           "--file-prefix", f"stages-cli-{os.getpid()}", "--", *app],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, preexec_fn=unpin)


def test_cli_stage_runs_a_sample_function():
    """`pydpdk fwd -- --stage FILE.py:FUNCTION` on the default ring ports with tx_first: the TTL
    stage lets testpmd's template (TTL 64) go round 63 times, then drops it."""
    proc = _fwd_cli("--stage", "samples/stage_ttl.py:ttl_rewrite", "--tx-first", "--packets", "4096", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json
    d = json.loads(proc.stdout)
    assert d["forward_mode"] == "stage"
    for s in d["streams"]:
        assert s["stage_dropped"] == 32 and s["stage_invalid"] == 0
        assert s["rx_packets"] == s["stage_forwarded"] + s["stage_dropped"]


def test_cli_stage_compile_error_is_reported(tmp_path):
    src = tmp_path / "broken.py"
    src.write_text("def f(data, length, port):\n    return data + 'x'\n")
    proc = _fwd_cli("--stage", f"{src}:f", "--duration", "0.1")
    assert proc.returncode != 0
    assert f"{src}:2" in proc.stderr and "does not compile" in proc.stderr, proc.stderr[-2000:]


def numba_verdict(data, length, port, seen):
    seen[0] += 1
    k = data[14] if length >= 15 else 2
    if k == 0:
        return PEER
    if k == 1:
        return BACK
    if k == 2:
        return DROP
    if k == 3:
        return 31
    if k == 4:
        return -7
    if k == 5:
        return port
    return 1000000


@pytest.mark.parametrize("form", ["burst", "packet"])
def test_numba_verdicts_in_both_forms(rings, form):
    """The per-burst form (one call per burst, the default) and the per-packet C ABI route the
    same mixed bursts identically."""
    seen = np.zeros(1, dtype=np.int64)
    stage = Stage.numba(numba_verdict, state=seen, form=form)
    assert stage.abi == (3 if form == "burst" else 1)
    kinds = [(i * 5) % 7 for i in range(700)]
    frames = [Ether(dst=A, src=B, type=0x88B5) / Raw(bytes([k, i % 256]) + b"\0" * 44) for i, k in enumerate(kinds)]
    with Forwarder(rings.ports, "stage", stage=stage) as fwd:
        fwd.start(flush_rx=False)
        got0, got1 = [], []
        for i in range(0, len(frames), 100):          # in steps: the rings hold 1024
            rings.send(0, frames[i:i + 100])
            assert wait_for(lambda: fwd.stats().streams[0].rx_packets == i + 100)
            got0 += rings.take(0)
            got1 += rings.take(1)
        st = fwd.stop()
    s = st.streams[0]
    assert seen[0] == 700
    assert (s.stage_forwarded, s.stage_dropped, s.stage_invalid) == (300, 100, 300)
    raw = [bytes(f) for f in frames]
    assert got1 == [f for f, k in zip(raw, kinds) if k == 0]
    assert got0 == [f for f, k in zip(raw, kinds) if k in (1, 5)]


def by_first_payload_byte(data, length, port):
    k = data[14] if length >= 15 else 0
    if k == 0:
        return PEER
    if k == 1:
        return DROP
    if k == 2:
        return -7                 # outside the set: invalid
    return 31                     # a port not in the forwarder: invalid


def test_numba_uniform_bursts_map_one_verdict_for_all(rings):
    """A burst whose packets share a verdict comes back as one verdict (stage_abi 3): each kind
    is still counted once per packet, and the burst goes out whole or is freed whole."""
    stage = Stage.numba(by_first_payload_byte)
    frames = {k: [Ether(dst=A, src=B, type=0x88B5) / Raw(bytes([k, i]) + b"\0" * 44) for i in range(40)]
              for k in range(4)}
    with Forwarder(rings.ports, "stage", stage=stage) as fwd:
        fwd.start(flush_rx=False)
        done = 0
        for k in (1, 2, 0, 3, 0):
            rings.send(0, frames[k])
            done += 40
            assert wait_for(lambda: fwd.stats().streams[0].rx_packets == done)
        st = fwd.stop()
    s = st.streams[0]
    assert (s.stage_forwarded, s.stage_dropped, s.stage_invalid) == (80, 40, 80)
    assert s.other_dropped == 120 and s.tx_packets == 80
    assert st.stage_verdicts == {"forwarded": 80, "dropped": 40, "invalid": 80}
    assert rings.take(1) == [bytes(f) for f in frames[0]] * 2 and rings.take(0) == []
    from pydpdk import notebook                     # the notebook view shows the verdicts
    html = notebook.forward_stats_html(st)
    assert "stage verdicts" in html and "<td>80</td><td>40</td><td>80</td>" in html
    assert "Stage verdicts: forwarded 80, dropped 40, invalid 80" in st.testpmd_text()


def udp_swap_burst(data, lengths, verdicts, port, counters):
    """A whole-burst stage: UDP frames get their MACs swapped, the rest dropped; counters[0]
    kept, counters[1] dropped, counters[2] bursts seen."""
    counters[2] += 1
    for i in range(lengths.shape[0]):
        d = view(data[i], lengths[i])
        if lengths[i] >= 34 and d[12] == 0x08 and d[13] == 0x00 and d[23] == 17:
            for j in range(6):
                t = d[j]
                d[j] = d[j + 6]
                d[j + 6] = t
            counters[0] += 1
        else:
            verdicts[i] = DROP
            counters[1] += 1


def _swapped(f):
    p = Ether(bytes(f))
    p.src, p.dst = p.dst, p.src
    return bytes(p)


def test_numba_burst_form_byte_exact_on_a_ring_pair(rings):
    stage = Stage.numba_burst(udp_swap_burst, counters=3)
    assert stage.abi == 3
    frames = [udp(9, n=i) if i % 4 else Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP()
              for i in range(100)]
    with Forwarder(rings.ports, "stage", stage=stage) as fwd:
        rings.send(0, frames)
        st = run_until(fwd, lambda s: s.streams[0].rx_packets == len(frames))
    s = st.streams[0]
    assert (s.stage_forwarded, s.stage_dropped) == (75, 25)
    c = stage.counters()
    assert c[0] == 75 and c[1] == 25 and 1 <= c[2] <= 100
    assert (stage.counters(per_lcore=True)[1:] == 0).all()       # one lcore: row 0 only
    assert rings.take(1) == [_swapped(f) for i, f in enumerate(frames) if i % 4]


def test_numba_burst_form_byte_exact_on_pcap(eal, pool, short_dir):
    frames = [bytes(udp(1000 + i, n=i)) if i % 3 else bytes(Ether(dst=A, src=B) / IP() / TCP(dport=i))
              for i in range(120)]
    stage = Stage.numba_burst(udp_swap_burst, counters=np.zeros(3, np.uint64))
    st = run_stage_on_pcap(pool, short_dir, "net_pcap_stage1", frames, stage)
    assert st.stage_verdicts == {"forwarded": 80, "dropped": 40, "invalid": 0}
    assert list(stage.counters()[:2]) == [80, 40]
    assert read_frames(str(short_dir / "out.pcap")) == [_swapped(f) for i, f in enumerate(frames) if i % 3]


def test_burst_form_runs_from_python_and_view_works_uncompiled(pool):
    stage = Stage.numba_burst(udp_swap_burst, counters=3)
    frames = [bytes(udp(9)), bytes(Ether(dst=A, src=B) / IP() / TCP()), bytes(udp(10))]
    bufs = [bytearray(f) for f in frames]
    assert stage.run_on_burst(bufs) == [PEER, DROP, PEER]
    assert bytes(bufs[0]) == _swapped(frames[0]) and bytes(bufs[1]) == frames[1]
    assert list(stage.counters()) == [2, 1, 1]
    # the plain Python function, on a view of the same memory, does what the compiled one does
    buf = bytearray(frames[2])
    addr = np.frombuffer(buf, np.uint8).ctypes.data
    verdicts = np.full(1, PEER, np.int64)
    udp_swap_burst(np.array([addr], np.int64), np.array([len(buf)], np.int64), verdicts, 0, np.zeros(3, np.int64))
    assert bytes(buf) == _swapped(frames[2]) and verdicts[0] == PEER


def test_counters_are_refused_where_no_row_is_passed(eal):
    with pytest.raises(pydpdk.InvalidArgumentError, match="counters"):
        Stage.numba(macswap, counters=2, form="packet")
    with pytest.raises(pydpdk.InvalidArgumentError, match="counters"):
        Stage.numba(macswap, counters=np.zeros(2, np.float32))


def test_per_lcore_counters_with_two_forwarding_lcores():
    """Two lcores run one stage (one stream each, own tx queues); each counts into its own row;
    counters() sums them. Its own EAL: the suite's has one worker lcore."""
    proc = run_python(r"""
        import time
        import numpy as np
        import pydpdk
        from pydpdk.forward import Forwarder
        from pydpdk.ring import ports_from_rings
        from pydpdk.stage import Stage, PEER
        from pydpdk.testing.pytest_plugin import default_config
        import os
        cfg = default_config(file_prefix=f"stg-lc-{os.getpid()}", lcores=None,
                             extra=["--lcores", "0@0,1@0,2@1"])     # two workers on two CPUs
        eal = pydpdk.Eal.init(cfg)
        assert len(eal.worker_lcores()) == 2, eal.worker_lcores()
        pool = pydpdk.Mempool.create("stg_lc", 4095)
        ins = [pydpdk.Ring.create(f"stg_in{i}", 1024) for i in (0, 1)]
        outs = [pydpdk.Ring.create(f"stg_out{i}", 1024) for i in (0, 1)]
        port = ports_from_rings("stg_lc", ins, outs)
        port.setup(pool, 2, 2)

        def count(data, length, port, counters):
            counters[0] += 1
            counters[1] += length
            return PEER

        stage = Stage.numba(count, counters=2)
        frame = bytes(64)
        with Forwarder([port], "stage", stage=stage, topology="loop", nb_cores=2) as fwd:
            assert [s.lcore for s in fwd.stats().streams] == eal.worker_lcores()
            fwd.start(flush_rx=False)
            for q, n in ((0, 300), (1, 500)):
                assert ins[q].enqueue_burst(pool.burst([frame] * n)) == n
            deadline = time.monotonic() + 20
            while stage.counters()[0] < 800 and time.monotonic() < deadline:
                time.sleep(0.01)
            live = stage.counters()
            st = fwd.stop()
        rows = stage.counters(per_lcore=True)
        print("RESULT", live.tolist(), rows[0].tolist(), rows[1].tolist(), int(rows[2:].sum()),
              [s.stage_forwarded for s in st.streams])
        for r in outs:
            r.dequeue_burst(1024).free()
    """, timeout=180)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")]
    assert proc.returncode == 0 and line, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert line[0] == "RESULT [800, 51200] [300, 19200] [500, 32000] 0 [300, 500]"


# -- a testpmd peer --------------------------------------------------------------------------

def via_testpmd(data, length, port, st):
    """Out to testpmd (from the ring port, st[0]): UDP with its MACs swapped, the rest dropped;
    back from testpmd: counted in st[1], on to the ring port."""
    if port == st[0]:
        if length >= 34 and data[12] == 0x08 and data[13] == 0x00 and data[23] == 17:
            for j in range(6):
                t = data[j]
                data[j] = data[j + 6]
                data[j + 6] = t
            return PEER
        return DROP
    st[1] += 1
    return PEER


@needs_testpmd()
def test_stage_forwards_through_a_testpmd_peer_over_memif(rings, pool):
    """ring port -> stage (filter + rewrite) -> memif -> dpdk-testpmd (io, another process) ->
    memif -> stage -> ring port: every kept frame comes back rewritten, counted exactly on both
    sides."""
    from pydpdk.testing.peers import TestpmdPeer
    ring_port = rings.ports[0]
    st = np.array([ring_port.id, 0], dtype=np.int64)
    stage = Stage.numba(via_testpmd, state=st)
    frames = [udp(53, n=i) if i % 5 else Ether(dst=A, src=B) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP()
              for i in range(500)]
    kept = [_swapped(f) for i, f in enumerate(frames) if i % 5]
    peer = TestpmdPeer(pool, "io", via="memif")
    try:
        before = peer.stats()             # the warm-up's probes (and any late echo) are in here
        with Forwarder([ring_port, peer.port], "stage", stage=stage) as fwd:
            fwd.start(flush_rx=False)
            got = []
            for i in range(0, len(frames), 100):          # in steps: the rings hold 1024
                rings.send(0, frames[i:i + 100])
                assert wait_for(lambda: st[1] == len(kept) * (i + 100) // len(frames), 20), \
                    (st, fwd.stats().streams)
                got += rings.take(0)
            assert wait_for(lambda: fwd.stats().tx_packets == 2 * len(kept))
            stats = fwd.stop()
        got += rings.take(0)
        after = peer.stats()
    finally:
        peer.close()
    assert got == kept
    out, back = stats.streams
    assert (out.rx_packets, out.stage_forwarded, out.stage_dropped, out.tx_packets) == (500, 400, 100, 400)
    assert (back.rx_packets, back.stage_forwarded, back.tx_packets) == (400, 400, 400)
    assert after["rx"] - before["rx"] == after["tx"] - before["tx"] == 400        # testpmd's own count


def test_load_gives_counters_from_the_module(tmp_path):
    src = tmp_path / "cnt.py"
    src.write_text("import numpy as np\nfrom pydpdk.stage import PEER\nCOUNTERS = np.zeros(2, np.uint64)\n"
                   "def f(data, length, port, counters):\n    counters[0] += 1\n    counters[1] += length\n"
                   "    return PEER\n")
    from pydpdk.stage import load
    stage = load(f"{src}:f")
    assert stage.abi == 3 and stage.run_on_burst([bytearray(60), bytearray(70)]) == [PEER, PEER]
    assert list(stage.counters()) == [2, 130]
