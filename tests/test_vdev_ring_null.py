"""ring vdev and Port.from_rings across two lcores (a forwarder on lcore 1, Python on the main
lcore), and the null PMD as generator and sink."""
import time

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.forward import Forwarder
from pydpdk.testing.frames import drain, make_frame
from pydpdk.testing.wait import wait_for


def test_ring_vdev_to_from_rings_across_lcores(eal, pool):
    if not eal.worker_lcores():
        pytest.skip("the session EAL has one lcore (this machine gives the process one CPU)")
    [rport] = vdev.attach(vdev.Ring("net_ring_x0"))       # TX comes back on its own RX
    out = pydpdk.Ring.create("vdev_out", 1024)
    fport = pydpdk.Port.from_rings("vdev_x", [pydpdk.Ring.create("vdev_unused", 64)], [out])
    try:
        rport.setup(pool, nb_rxd=512, nb_txd=512)
        fport.setup(pool)
        fwd = Forwarder([rport, fport], "io", streams=[(rport.id, 0, fport.id, 0)], lcores=[eal.worker_lcores()[0]])
        assert fwd.lcores == [eal.worker_lcores()[0]]
        fwd.start()
        frames = [make_frame(i, 64 + i % 1000) for i in range(2000)]
        got, sent, deadline = [], 0, time.monotonic() + 10
        while len(got) < len(frames) and time.monotonic() < deadline:
            if sent < len(frames) and sent - len(got) < 512:   # main lcore: into the ring port,
                # never more in flight than the out ring holds (else the forwarder drops)
                b = pool.burst(frames[sent:sent + 64])
                sent += rport.tx_burst(b)
                b.free()
            o = out.dequeue_burst(256)                     # main lcore: out of the plain ring
            got += o.tobytes_list()
            o.free()
        st = fwd.stop()
        fwd.close()
        assert got == frames and st.rx_packets == st.tx_packets == len(frames)
        assert [s.lcore for s in st.streams] == [eal.worker_lcores()[0]]
    finally:
        drain(rport)
        vdev.detach(rport)
        fport.close()
        out.drain()


def test_null_generator_to_null_sink(eal, pool):
    [gen] = vdev.attach(vdev.Null("net_null_gen0", size=256, copy=True))
    [sink] = vdev.attach(vdev.Null("net_null_sink0", no_rx=True))
    try:
        gen.setup(pool)
        sink.setup(pool)
        b = sink.rx_burst(0, 32)
        assert len(b) == 0                                 # no-rx: a pure sink
        fwd = Forwarder([gen, sink], "io", streams=[(gen.id, 0, sink.id, 0)])
        fwd.start()
        wait_for(lambda: fwd.stats().tx_packets >= 1000, 5, "io forwarding from the null generator to the sink")
        st = fwd.stop()
        fwd.close()
        s_gen, s_sink = gen.stats(), sink.stats()
        assert st.rx_packets > 0 and st.tx_packets + sum(s.fwd_dropped for s in st.streams) == st.rx_packets
        assert s_sink.opackets == st.tx_packets          # (the null PMD counts no bytes)
        assert sum(s.tx_bytes for s in st.streams) == 256 * st.tx_packets
        assert s_gen.ipackets >= st.rx_packets
    finally:
        vdev.detach(gen)
        vdev.detach(sink)
