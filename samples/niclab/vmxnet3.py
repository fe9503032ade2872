"""Guide ch.6 "Poll Mode Driver for Paravirtual VMXNET3 NIC" in a NIC lab guest (QEMU's vmxnet3
instead of ESXi): bind two VMXNET3 devices (15ad:07b0) to uio_pci_generic, check the §6.2
features the guide lists as supported (promiscuous mode, RSS hash functions, multiple queues),
configure two RSS queues per port and forward with the mac engine. The PMD needs at least 512
descriptors per ring.
"""
import sys

import pydpdk
from pydpdk.forward import Forwarder
from pydpdk.testing import nicpair

nics = nicpair.find_pci("15ad:07b0")[:2]
print("vmxnet3 devices:", nics)
if len(nics) < 2:
    sys.exit("need two vmxnet3 devices")
nicpair.bind(nics, "uio_pci_generic")
eal = nicpair.lab_eal(nics)
pool = pydpdk.Mempool.create("vmxnet3_pool", 8191)
ports = [pydpdk.Port(a) for a in nics]
features = {}
for p in ports:
    info = p.info()
    features[p.name] = {"max_rx_queues": info.max_rx_queues, "reta_size": info.reta_size,
                        "rss_hash_capa": info.rss_hash_capa}
    p.setup(pool, 2, 2, nb_rxd=512, nb_txd=512, rss=["ipv4"])
    p.promiscuous = True                          # §6.2: promiscuous mode - supported
    features[p.name]["promiscuous"] = p.promiscuous
    p.wait_link_up(15)
print("features:", features)
with Forwarder(ports, "mac", eth_peers={ports[0].id: ports[1].mac, ports[1].id: ports[0].mac},
               txpkts=[64], nb_flows=64) as fwd:
    final = fwd.run(1.0, tx_first=True)
print(final.testpmd_text())
per_queue = {s.rx_port * 10 + s.rx_queue: s.rx_packets for s in final.streams}
print("RX per (port, queue):", per_queue)
ok = (all(f["promiscuous"] and f["max_rx_queues"] >= 2 for f in features.values())
      and all(p.rx_packets > 0 for p in final.ports)
      and all(s.tx_packets + s.fwd_dropped == s.rx_packets + s.gen_packets for s in final.streams))
nicpair.write_result({"ok": ok, "features": features,
                      "rx": [p.rx_packets for p in final.ports], "per_queue": per_queue})
eal.cleanup()
sys.exit(0 if ok else 1)
