"""The generator against real peers: dpdk-testpmd in another process forwarding over memif (zero
loss below its capacity; above it, the loss we report is tx - rx and equals what testpmd says it
dropped), and the Linux stack routing between two veths in a netns (latency percentiles positive
and ordered)."""
import os
import re
import tempfile

import pytest

from pydpdk import vdev
from pydpdk.gen import Generator, Stream, Field
from vdev_peer import Testpmd, needs_testpmd, warm_up


def _testpmd_totals(tp: Testpmd) -> dict[str, int]:
    tp.cmd("stop", r"Done\.")
    out = tp.output()
    acc = out[out.rfind("Accumulated forward statistics"):]
    return {k: int(re.search(rf"{k}:\s*(\d+)", acc).group(1))
            for k in ("RX-packets", "TX-packets", "TX-dropped")}


@pytest.fixture
def memif_testpmd(eal, pool):
    """Our memif server port, and dpdk-testpmd (io, loop) as its client in another process."""
    d = tempfile.mkdtemp(prefix="pdgen-")
    sock = os.path.join(d, "memif.sock")
    [port] = vdev.attach(vdev.Memif("net_memif_gen0", role="server", id=3, socket=sock))
    try:
        port.setup(pool, nb_rxd=1024, nb_txd=1024)
        with Testpmd([vdev.Memif("net_memif0", role="client", id=3, socket=sock)],
                     ["--port-topology=loop", "--forward-mode=io"]) as tp:
            tp.ready()
            tp.cmd("start", r"io packet forwarding")
            assert port.wait_link_up(timeout=10).up
            probes = warm_up(port, pool)
            yield port, tp, probes
    finally:
        vdev.detach(port)
        if os.path.exists(sock):
            os.unlink(sock)
        os.rmdir(d)


@needs_testpmd()
def test_testpmd_io_over_memif_zero_loss_below_capacity(memif_testpmd):
    port, tp, probes = memif_testpmd
    s = Stream(size=(64, 512, 64), rate="100kpps", count=50_000,
               fields=[Field("udp.sport", min=1000, max=1999), Field("ip.dst", op="random", min="10.0.0.1",
                                                                   max="10.0.0.250")])
    with Generator([s], port=port) as gen:
        gen.start()
        assert gen.wait(60)
        r = gen.stats().streams[0]
    t = _testpmd_totals(tp)
    assert r.tx_packets == r.rx_packets == 50_000
    assert (r.lost, r.out_of_order, r.duplicated, r.missing) == (0, 0, 0, 0)
    assert t["RX-packets"] == t["TX-packets"] == 50_000 + probes and t["TX-dropped"] == 0
    lat = r.latency
    assert 0 < lat.min <= lat.p50 <= lat.p90 <= lat.p99 <= lat.p999 <= lat.max


@needs_testpmd()
def test_testpmd_over_capacity_loss_is_tx_minus_rx_and_what_testpmd_dropped(memif_testpmd):
    """Full speed out, one packet per poll back: the return ring fills, testpmd (io, no retry)
    drops what it cannot send, and we see exactly those as lost."""
    port, tp, probes = memif_testpmd
    s = Stream(rate=None, count=300_000)
    with Generator([s], port=port, tx_burst=64, rx_burst=1) as gen:
        gen.start()
        assert gen.wait(120)
        r = gen.stats().streams[0]
    t = _testpmd_totals(tp)
    assert r.tx_packets == 300_000 and r.unsent == 0
    assert r.lost == r.tx_packets - r.rx_packets > 0
    assert t["RX-packets"] == r.tx_packets + probes            # testpmd received all we sent
    assert t["TX-dropped"] == r.lost                           # and dropped exactly what we lost
    assert r.duplicated == 0 and r.missing <= r.lost
