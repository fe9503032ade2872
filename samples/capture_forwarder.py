"""Capture what a running forwarder sees into pcapng, from inside the process:

    two ring ports, the native io engine forwarding between them (tx_first), and
    pydpdk.capture on port 1's RX (callbacks in C, libpcap filter "udp", snaplen 96)

then read the file back with tcpdump (when installed). Equivalent of running dpdk-dumpcap
against `dpdk-testpmd --forward-mode=io --tx-first`, without a second process.
"""
import os
import shutil
import subprocess
import tempfile

import sys

import pydpdk
from pydpdk import capture
from pydpdk.dpdk_features import FEATURES
from pydpdk.forward import Forwarder

if FEATURES.release >= (23, 11):         # see docs/capture.md: the 23.11+ pcapng API is not driven yet
    print(f"DPDK {FEATURES.version}: in-process capture needs DPDK 22.11's pcapng API; use dpdk-dumpcap")
    sys.exit(0)

pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1" if len(os.sched_getaffinity(0)) > 1 else "0", no_pci=True,
                                      file_prefix=f"sample-capture-{os.getpid()}",
                                      vdevs=["net_ring0", "net_ring1"]))
pool = pydpdk.Mempool.create("pool", 4095)
p0, p1 = (pydpdk.Port(n).setup(pool) for n in ("net_ring0", "net_ring1"))
out = os.path.join(tempfile.mkdtemp(prefix="pydpdk-capture-"), "fwd.pcapng")

fwd = Forwarder([p0, p1], "io")
with capture.capture(p1, out, rx=True, tx=False, snaplen=96, filter="udp") as cap:
    if fwd.lcores:                       # a worker lcore runs the engine while we capture
        fwd.start(tx_first=True)
        cap.wait_written(2000, timeout=30)
        stats = fwd.stop()
    else:                                # one CPU: forward in bursts from here
        stats = fwd.run(0.5, tx_first=True)
fwd.close()
st = cap.stats
print(f"forwarder: {stats.rx_packets} packets; capture: {st}")
assert st.written > 0 and st.written == st.captured and st.seen == st.captured + st.dropped + st.filtered
if shutil.which("tcpdump"):
    td = subprocess.run(["tcpdump", "-nr", out, "-c", "3"], capture_output=True, text=True)
    print(td.stdout.strip())
    assert td.returncode == 0 and "UDP" in td.stdout, td.stderr
print(f"wrote {out}")
shutil.rmtree(os.path.dirname(out))
pydpdk.cleanup()
