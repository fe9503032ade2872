"""Guide ch.5 "Poll Mode Driver for Emulated Virtio NIC", §5.4 step 4 in a NIC lab guest: bind the
virtio-net devices to uio_pci_generic and forward with pydpdk -- for both the legacy (1af4:1000,
QEMU disable-modern=on) and the modern (1af4:1041, disable-legacy=on) interface of the device.

§5.2: the queue size is the device's (QEMU: 256); asking for 512 descriptors is accepted and the
PMD uses the device's ring. Each kind forwards on its own pair; result.json to $NICLAB_OUT.
"""
import sys

import pydpdk
from pydpdk.forward import Forwarder
from pydpdk.testing import nicpair

KINDS = {"legacy": "1af4:1000", "modern": "1af4:1041"}
pairs = {kind: nicpair.find_pci(ids)[:2] for kind, ids in KINDS.items()}
pairs = {k: v for k, v in pairs.items() if len(v) == 2}
print("virtio pairs:", pairs)
if not pairs:
    sys.exit("no pair of virtio-net devices")
nicpair.bind([a for pair in pairs.values() for a in pair], "uio_pci_generic")

eal = nicpair.lab_eal([a for pair in pairs.values() for a in pair])
pool = pydpdk.Mempool.create("virtio_pool", 4095)
report = {}
for kind, (a, b) in pairs.items():
    p0, p1 = pydpdk.Port(a), pydpdk.Port(b)
    for p in (p0, p1):
        p.setup(pool, nb_rxd=512, nb_txd=512)    # the PMD falls back to the device's 256
        p.promiscuous = True                     # §5.2: supported (testpmd's default, too)
        p.wait_link_up(15)
    with Forwarder([p0, p1], "io") as fwd:
        final = fwd.run(1.0, tx_first=True)
    print(f"{kind}: {p0.driver} ports {a} {b}\n{final.testpmd_text()}")
    report[kind] = {"driver": p0.driver, "rx": [p.rx_packets for p in final.ports],
                    "tx": [p.tx_packets for p in final.ports]}
    for p in (p0, p1):
        p.stop()
ok = all(r["driver"] == "net_virtio" and min(r["rx"]) > 0 and min(r["tx"]) > 0 for r in report.values())
nicpair.write_result({"ok": ok, "kinds": report})
eal.cleanup()
sys.exit(0 if ok else 1)
