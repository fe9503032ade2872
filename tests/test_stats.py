"""Stats as data (records, CSV/JSON), the background Sampler, and the progress API."""
import csv
import io
import json
import threading

import pytest

import pydpdk
from pydpdk import stats
from pydpdk.forward import Forwarder
from pydpdk.progress import Progress, ticks, watch

from pydpdk.testing.frames import drain, make_frame
from pydpdk.testing.wait import wait_for

two_cpus = pytest.mark.skipif(len(pydpdk.eal._PROCESS_CPUS) < 2, reason="needs two CPUs")


def test_records_match_port_counters(ring_pair, pool):
    p0, p1 = ring_pair
    for p in (p0, p1):
        p.reset_stats()
    b = pool.burst([make_frame(i, 100) for i in range(10)])
    assert p0.tx_burst(b) == 10
    got = p0.rx_burst(0, 32)
    got.free()
    recs = stats.port_records([p0, p1])
    assert [(r.port, r.name) for r in recs] == [(p0.id, "net_ring0"), (p1.id, "net_ring1")]
    assert (recs[0].opackets, recs[0].ipackets, recs[1].opackets) == (10, 10, 0)
    q = stats.queue_records(p0)
    assert [(r.queue, r.ipackets, r.opackets) for r in q] == [(0, 10, 10)]
    x = stats.xstat_records(p0)
    assert {"rx_good_packets", "tx_good_packets"} <= {r.xstat for r in x}
    assert {r.xstat: r.value for r in x}["tx_good_packets"] == 10
    rows = list(csv.DictReader(io.StringIO(stats.to_csv(recs))))
    assert rows[0]["name"] == "net_ring0" and rows[0]["opackets"] == "10"
    assert json.loads(stats.to_json(q))[0]["ipackets"] == 10


def test_records_refuse_non_ports(eal):
    with pytest.raises(pydpdk.InvalidArgumentError, match="ports"):
        stats.port_records([1, 2])
    with pytest.raises(pydpdk.InvalidArgumentError, match="interval"):
        stats.Sampler(pydpdk.ports()[:1], interval=0)


@two_cpus
def test_sampler_on_forwarder_records_rates_and_exports(ring_pair, tmp_path):
    p0, p1 = ring_pair
    fwd = Forwarder([p0, p1], "io")
    seen = []
    try:
        with stats.Sampler(fwd, interval=0.05, on_sample=seen.append) as s:
            fwd.start(tx_first=True)
            wait_for(lambda: len(s.samples) >= 12, 10, "the sampler to take 12 samples")
            final = fwd.stop()
        assert not s.running and s.error is None
        last = {r.port: r for r in s.samples}
        # the last sample was taken after stop: it holds the final counters
        assert {p: (r.rx_packets, r.tx_packets) for p, r in last.items()} == \
            {p.port: (p.rx_packets, p.tx_packets) for p in final.ports}
        assert max(r.rx_pps for r in s.samples) > 0 and seen
        series = s.series("rx_pps")
        assert [t for t, _ in series] == sorted({r.t for r in s.samples})
        s.to_csv(str(tmp_path / "r.csv"))
        s.to_json(str(tmp_path / "r.json"))
        rows = list(csv.DictReader(open(tmp_path / "r.csv")))
        assert len(rows) == len(s.samples) == len(json.load(open(tmp_path / "r.json")))
        with pytest.raises(pydpdk.InvalidArgumentError, match="field"):
            s.series("nonsense")
        try:
            import pandas  # noqa: F401
            assert len(s.to_pandas()) == len(rows)
        except ImportError:
            with pytest.raises(ImportError, match="pip install pandas"):
                s.to_pandas()
        s.close()
    finally:
        fwd.close()
        drain(p0, p1)


def test_sampler_on_ports_sees_traffic(ring_pair, pool):
    p0, _ = ring_pair
    s = stats.Sampler([p0], interval=0.05)
    s.sample()
    p0.tx_burst(pool.burst([make_frame(i) for i in range(32)]))
    rows = s.sample()
    drain(p0)
    assert rows[0].tx_packets - s.samples[0].tx_packets == 32
    assert rows[0].tx_pps > 0 and rows[0].rx_pps == 0      # ring ports count packets, not bytes
    s.close()
    with pytest.raises(pydpdk.ResourceClosedError):
        s.sample()


def test_progress_callback_and_text():
    calls = []
    with Progress(100, desc="replay", unit="pkt", callback=lambda d, t, e: calls.append((d, t))) as bar:
        bar.update(40)
        bar.set(100)
        assert bar.text().startswith("replay: 100/100 pkt (100%)")
    assert calls == [(40, 100), (100, 100)] and bar.mode == "callback"


def test_progress_text_line_on_a_terminal_only():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    out = Tty()
    with Progress(2, desc="x", unit="s", file=out, min_interval=0) as bar:
        if bar.mode == "tqdm":
            pytest.skip("tqdm is installed: it draws instead")
        bar.set(1)
    assert "\rx: 1/2 s (50%)" in out.getvalue() and out.getvalue().endswith("\n")
    silent = io.StringIO()
    with Progress(2, file=silent) as bar:
        bar.set(2)
    assert silent.getvalue() == "" and bar.mode == "off"


def test_ticks_follow_elapsed_time():
    calls = []
    bar = Progress(0.3, callback=lambda d, t, e: calls.append(d))
    n = sum(1 for _ in ticks(0.3, 0.05, progress=bar))
    assert n >= 2 and calls[-1] == 0.3
    stop = threading.Event()
    stop.set()
    assert list(ticks(10, 1, stop=stop)) == []


@two_cpus
def test_watch_stops_after_packet_count(ring_pair):
    p0, p1 = ring_pair
    fwd = Forwarder([p0, p1], "io")
    calls = []
    try:
        fwd.start(tx_first=True)
        bar = Progress(10000, callback=lambda d, t, e: calls.append(d))
        final = watch(fwd, packets=10000, duration=30, progress=bar, interval=0.02)
        assert not fwd.running and final.rx_packets >= 10000 and calls[-1] >= 10000
        with pytest.raises(pydpdk.InvalidArgumentError, match="duration"):
            watch(fwd)
    finally:
        fwd.close()
        drain(p0, p1)


@two_cpus
def test_fwd_cli_stops_by_packet_count_with_progress_line():
    import os
    import subprocess
    import sys
    from conftest import ROOT
    from pydpdk.testing.procs import unpin
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "pydpdk", "fwd", "-l", "0-1", "--no-pci", "--vdev", "net_ring0",
                           "--vdev", "net_ring1", "--", "--tx-first", "--packets", "200000", "--duration", "60",
                           "--progress", "--json"], capture_output=True, text=True, timeout=120, env=env,
                          cwd=ROOT, preexec_fn=unpin)
    assert proc.returncode == 0, proc.stderr[-2000:]
    d = json.loads(proc.stdout)
    assert sum(p["rx_packets"] for p in d["ports"]) >= 200000
    bars = [ln for ln in proc.stderr.splitlines() if ln.startswith("io forwarding: ")]  # \r -> \n (text mode)
    assert bars and "/200000 pkt (100%)" in bars[-1]
