"""A zero-loss throughput test of a peer: dpdk-testpmd in another process forwards (io) what we
send it over memif straight back (its forwarding lcore on the other CPU than our main thread); an RFC 2544 search finds the highest rate with no loss, then
the latency at fractions of that load. Exits 0 without testing when dpdk-testpmd is absent."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pydpdk
from pydpdk import vdev
from pydpdk.gen import Stream
from pydpdk.gen.rfc2544 import latency_sweep, throughput
from pydpdk.testing.peers import TestpmdPeer

TESTPMD = shutil.which("dpdk-testpmd")
if TESTPMD is None:
    print("dpdk-testpmd not found: nothing to test")
    sys.exit(0)

eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-gtp-{os.getpid()}"))
pool = pydpdk.Mempool.create("pool", 8191, cache_size=256)
# dpdk-testpmd (io, loop) as a memif server in another process, its forwarding lcore on the CPU our
# main thread idles on; our memif client port, link warmed up (pydpdk.testing's peer, all releases)
peer = TestpmdPeer(pool, "io", via="memif")
port = peer.port
try:
    res = throughput(port, Stream(size=64), rx=[port], loss_ratio=0.0, trial_s=0.5, resolution=0.05,
                     max_pps=5e6, max_trials=6)
    print(res.text())
    if res.rate_pps:
        for t in latency_sweep(port, Stream(size=64), rx=[port], rate_pps=res.rate_pps, loads=(0.1, 0.5, 0.9),
                               trial_s=0.3):
            lat = t.latency_ns or {}
            print(f"{t.rate_pps:>12.0f} pps: lost {t.lost}, latency p50 {lat.get('p50', 0) / 1e3:.2f} us, "
                  f"p99 {lat.get('p99', 0) / 1e3:.2f} us")
    assert all(t.lost == t.tx_packets - t.rx_packets for t in res.trials)
finally:
    peer.close()                    # detaches our port, stops testpmd
assert pool.in_use == 0
pydpdk.cleanup()
