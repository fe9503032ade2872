"""The Linux kernel pings pydpdk: a tap port (net_tap, KNI's successor as the exception path)
whose kernel interface lives in a network namespace; pydpdk's icmpecho engine on lcore 1
answers ARP and ICMP echo. Equivalent of
    ip netns add NS
    testpmd -l 0-1 --no-pci --vdev net_tap0,iface=TAP -- --forward-mode=icmpecho --port-topology=loop
    ip link set TAP netns NS; ip -n NS addr add 10.199.9.2/24 dev TAP; ip -n NS link set TAP up
    ip netns exec NS ping -c 3 10.199.9.1
Needs root and /dev/net/tun (it says so and exits 0 where they are missing).
"""
import os
import shutil
import subprocess
import sys

import pydpdk
from pydpdk import vdev
from pydpdk.forward import Forwarder

cap = vdev.capabilities()["net_tap"]
if not cap or len(os.sched_getaffinity(0)) < 2:
    print(f"skipped: {cap.reason if not cap else 'needs two CPUs (icmpecho runs on lcore 1)'}")
    sys.exit(0)

ns, tap = f"pdsample{os.getpid()}", f"pds{os.getpid() % 100000}"
run = lambda *c: subprocess.run(c, check=True, capture_output=True, text=True)  # noqa: E731
run("ip", "netns", "add", ns)
try:
    spec = vdev.Tap(iface=tap)
    pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-tap-{os.getpid()}",
                                          vdevs=[spec]))
    pool = pydpdk.Mempool.create("pool", 2047)
    port = pydpdk.Port(spec.name).setup(pool, promiscuous=True)
    run("ip", "link", "set", tap, "netns", ns)                  # the kernel side moves to the namespace
    run("ip", "-n", ns, "addr", "add", "10.199.9.2/24", "dev", tap)
    run("ip", "-n", ns, "link", "set", tap, "up")
    fwd = Forwarder([port], "icmpecho", topology="loop")
    fwd.start(flush_rx=False)
    ping = subprocess.run(["ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.199.9.1"],
                          capture_output=True, text=True)
    stats = fwd.stop()
    fwd.close()
    print(ping.stdout.strip().splitlines()[-2])
    print(f"pydpdk answered {stats.tx_packets} packets (ARP and ICMP echo replies)")
    assert ping.returncode == 0 and " 0% packet loss" in ping.stdout, ping.stdout + ping.stderr
    rundir = pydpdk.current().runtime_dir
    pydpdk.cleanup()
    shutil.rmtree(rundir, ignore_errors=True)          # the EAL leaves its runtime directory
finally:
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)
