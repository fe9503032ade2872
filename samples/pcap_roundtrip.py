"""A pcap round trip through the pcap PMD (guide §7.1.1): rx_pcap file -> port -> tx_pcap file,
byte-exact and in order. Equivalent of
    testpmd -c 3 -n 4 --vdev 'eth_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap' -- --no-flush-rx
"""
import os
import struct
import tempfile

import pydpdk
from pydpdk.pcap import read_frames, write_pcap

tmp = tempfile.mkdtemp(prefix="pydpdk-pcap-")
rx, tx = os.path.join(tmp, "in.pcap"), os.path.join(tmp, "out.pcap")
frames = [b"\x02" * 6 + b"\x04" * 6 + b"\x88\xb5" + struct.pack("!I", i) + bytes(46 + i % 200)
          for i in range(1000)]
write_pcap(rx, frames)

pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0", no_pci=True, file_prefix=f"sample-pcap-{os.getpid()}",
                                      vdevs=[f"eth_pcap0,rx_pcap={rx},tx_pcap={tx}"]))
pool = pydpdk.Mempool.create("pool", 4095)
port = pydpdk.Port("eth_pcap0").setup(pool)
moved, idle = 0, 0
while idle < 3:                       # the pcap PMD returns nothing once the file is read
    burst = port.rx_burst(0, 64)
    if not burst:
        idle += 1
        continue
    moved += len(burst)
    while burst:
        port.tx_burst(burst)
stats = port.stats()
pydpdk.vdev.detach(port)              # closes the output file
pydpdk.cleanup()

out = read_frames(tx)
assert out == frames, "the output capture differs from the input"
print(f"{moved} packets, {stats.ibytes} bytes: {rx} -> {tx} byte-exact and in order")
