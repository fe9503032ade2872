"""Guide ch.3 "SR-IOV": the Linux igb PF driver makes Virtual Functions on each Intel 82576 port
(the guide's `insmod igb max_vfs=2,2`; today: sysfs sriov_numvfs), the VFs go to uio_pci_generic
and pydpdk drives them with the igb VF PMD. As in the guide's note, VF n of each PF enumerates
in turn; VF0 of PF0 and VF0 of PF1 talk across the ports' wire (the QEMU hub in the lab), with
MACs the PF assigned (VFs cannot go promiscuous, so the mac engine addresses the peer VF).
"""
import os
import sys

import pydpdk
from pydpdk.forward import Forwarder
from pydpdk.testing import nicpair

PF_IDS, VF_IDS, NUM_VFS = "8086:10c9", "8086:10ca", 2
pfs = nicpair.find_pci(PF_IDS)[:2]
print("82576 PFs:", pfs)
if len(pfs) < 2:
    sys.exit("need two 82576 (igb) ports")
vfs = {}
for i, pf in enumerate(pfs):
    macs = [f"52:54:00:0e:{i:02x}:{k:02x}" for k in range(NUM_VFS)]
    vfs[pf] = nicpair.create_vfs(pf, macs)       # kernel igb PF; VFs -> uio_pci_generic
    links = sorted(n for n in os.listdir(f"/sys/bus/pci/devices/{pf}") if n.startswith("virtfn"))
    print(f"PF {pf} ({nicpair.driver_of(pf)}): {links} -> {vfs[pf]} "
          f"[{', '.join(nicpair.pci_ids(v) for v in vfs[pf])}]")
a, b = vfs[pfs[0]][0], vfs[pfs[1]][0]
eal = nicpair.lab_eal([a, b])
pool = pydpdk.Mempool.create("vf_pool", 4095)
p0, p1 = pydpdk.Port(a), pydpdk.Port(b)
for p in (p0, p1):
    p.setup(pool, nb_rxd=512, nb_txd=512)
    p.wait_link_up(15)
print(f"VF ports: {p0.name} {p0.driver} {p0.mac}, {p1.name} {p1.driver} {p1.mac}")
with Forwarder([p0, p1], "mac", eth_peers={p0.id: p1.mac, p1.id: p0.mac}) as fwd:
    final = fwd.run(1.0, tx_first=True)
print(final.testpmd_text())
ok = (p0.driver == p1.driver == "net_e1000_igb_vf"
      and all(nicpair.pci_ids(v) == VF_IDS for vs in vfs.values() for v in vs)
      and all(p.rx_packets > 0 for p in final.ports))
nicpair.write_result({"ok": ok, "vfs": vfs, "rx": [p.rx_packets for p in final.ports],
                      "macs": [p0.mac, p1.mac]})
eal.cleanup()
sys.exit(0 if ok else 1)
