"""Watch a forwarding pydpdk app from the inside: DPDK's log in Python logging (one logger per DPDK
log type), and the app's own telemetry socket answering DPDK's and pydpdk's commands while the
engines run. `pydpdk telemetry -f <prefix> /pydpdk/fwd/stats` reads the same from outside."""
import logging
import os
import time

import pydpdk
import pydpdk.log
from pydpdk import telemetry
from pydpdk.forward import Forwarder

logging.basicConfig(level=logging.INFO, format="%(name)-20s %(levelname)-7s %(message)s")
pydpdk.log.capture()                                 # before the EAL starts: its messages too
pydpdk.log.set_level("pmd.net.ring", "info")         # the ring PMD's probe messages
eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True,
                                            file_prefix=f"sample-obs-{os.getpid()}",
                                            vdevs=["net_ring0", "net_ring1"]))
pool = pydpdk.Mempool.create("pool", 4095)
ports = [p.setup(pool) for p in pydpdk.ports()]
fwd = Forwarder(ports, "io")
fwd.start(tx_first=True)
with telemetry.Client.local() as t:
    time.sleep(0.2)
    live = t.fwd_stats(fwd.telemetry_id)             # answered by C on DPDK's telemetry thread
    print(f"{live['mode']} forwarding, running={live['running']}: "
          f"{live['rx_packets']} packets so far; port 0 NIC stats: {t.port_stats(0)['ipackets']} in")
    final = fwd.stop()
    after = t.fwd_stats(fwd.telemetry_id)
    assert after["running"] == 0 and after["rx_packets"] == final.rx_packets > 0
print(final.testpmd_text())
pydpdk.log.flush()
pydpdk.cleanup()
