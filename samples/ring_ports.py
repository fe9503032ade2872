"""The guide's §7.1.2 from Python: two ring-based ports (--vdev=eth_ring0 --vdev=eth_ring1),
bursts built from bytes sent on each and read back byte-identical, stats that agree."""
import os

import pydpdk

eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True,
                                            file_prefix=f"sample-ring-{os.getpid()}",
                                            vdevs=["eth_ring0", "eth_ring1"]))
pool = pydpdk.Mempool.create("pool", 4095)
ports = pydpdk.ports()
for port in ports:
    port.setup(pool, nb_rxd=512, nb_txd=512)
    print(f"Port {port.id} ({port.name}, {port.driver}): {port.link()}")

for port in ports:
    frames = [bytes([port.id]) * 6 + bytes(6) + b"\x88\xb5" + bytes([i]) * 50 for i in range(64)]
    burst = pool.burst(frames)
    sent = port.tx_burst(burst)
    burst.free()                           # nothing left: a ring port takes a whole burst
    back = port.rx_burst(0, 64)            # a ring vdev's TX ring is its own RX ring
    assert back.tobytes_list() == frames[:sent], "bytes changed on the way"
    back.free()
    stats = port.stats()
    assert stats.opackets == sent == stats.ipackets
    print(f"Port {port.id}: sent {sent}, received {stats.ipackets} byte-identical")

assert pool.in_use == 0
pydpdk.cleanup()
