"""The guide's §7.1.3: ports made at run time from rte_rings with rte_eth_from_rings().

1. two ports each looped back to itself: port1 = from_rings(r1, r1), port2 = from_rings(r2, r2)
2. two ports switched together:        port1 = from_rings(r1, r2), port2 = from_rings(r2, r1)
"""
import os

import pydpdk
from pydpdk import Port, Ring

pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0", no_pci=True, file_prefix=f"sample-rings-{os.getpid()}"))
pool = pydpdk.Mempool.create("pool", 2047)


def exchange(tx_port, rx_port, label):
    frames = [b"\xff" * 12 + b"\x88\xb5" + label.encode() + bytes([i]) * 40 for i in range(8)]
    tx_port.tx_burst(pool.burst(frames))
    got = rx_port.rx_burst(0, 32)
    assert got.tobytes_list() == frames
    print(f"{label}: {len(got)} packets sent on {tx_port.name}, received on {rx_port.name}")
    got.free()


# Example 1: looped back
r1 = Ring.create("R1", 256, sp_enq=True, sc_deq=True)
r2 = Ring.create("R2", 256, sp_enq=True, sc_deq=True)
port1 = Port.from_rings("loop1", rx=[r1], tx=[r1])
port2 = Port.from_rings("loop2", rx=[r2], tx=[r2])
for p in (port1, port2):
    p.setup(pool, nb_rxd=256, nb_txd=256)     # configure, queue setup, start: as the guide says
exchange(port1, port1, "loopback-1")
exchange(port2, port2, "loopback-2")
for obj in (port1, port2, r1, r2):
    obj.close()

# Example 2: switched between the two ports
r1 = Ring.create("R1", 256, sp_enq=True, sc_deq=True)
r2 = Ring.create("R2", 256, sp_enq=True, sc_deq=True)
port1 = Port.from_rings("sw1", rx=[r1], tx=[r2])
port2 = Port.from_rings("sw2", rx=[r2], tx=[r1])
for p in (port1, port2):
    p.setup(pool, nb_rxd=256, nb_txd=256)
exchange(port1, port2, "switched 1->2")
exchange(port2, port1, "switched 2->1")
assert pool.in_use == 0
pydpdk.cleanup()
