"""A zero-loss throughput test of a peer: dpdk-testpmd in another process forwards (io) what we
send it over memif straight back (its forwarding lcore on CPU 0, ours on CPU 1); an RFC 2544 search finds the highest rate with no loss, then
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

TESTPMD = shutil.which("dpdk-testpmd")
if TESTPMD is None:
    print("dpdk-testpmd not found: nothing to test")
    sys.exit(0)

eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-gtp-{os.getpid()}"))
pool = pydpdk.Mempool.create("pool", 8191, cache_size=256)
tmp = tempfile.mkdtemp(prefix="gen-sample-")
sock = os.path.join(tmp, "memif.sock")
[port] = vdev.attach(vdev.Memif("net_memif_sample", role="server", id=1, socket=sock, socket_abstract=False, rsize=14))
port.setup(pool, nb_rxd=1024, nb_txd=1024)
peer_prefix = f"sample-gtp-peer-{os.getpid()}"
peer = subprocess.Popen([TESTPMD, "-l", "0-1", "--no-pci", "--no-huge", "-m", "256", "--main-lcore", "1", "--file-prefix", peer_prefix,
                         "--vdev", f"net_memif0,role=client,id=1,socket={sock},socket-abstract=no,rsize=14", "--", "--forward-mode=io", "--total-num-mbufs=8192",
                         "--port-topology=loop", "--auto-start", "--stats-period", "0"],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        preexec_fn=lambda: os.sched_setaffinity(0, range(os.cpu_count())))
try:
    port.wait_link_up(timeout=20)
    time.sleep(0.5)     # testpmd starts forwarding right after the link comes up
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
    peer.stdin.close()              # non-interactive testpmd quits on end of input
    try:
        peer.wait(20)
    except subprocess.TimeoutExpired:
        peer.kill()
        peer.wait()
    vdev.detach(port)
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(f"/var/run/dpdk/{peer_prefix}", ignore_errors=True)
assert pool.in_use == 0
pydpdk.cleanup()
