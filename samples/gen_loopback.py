"""Traffic generation and measurement on one machine: a ring port looped to itself, two streams
(64-byte UDP with a varying source port at 500 kpps, and IMIX with Poisson gaps at 200 kpps),
every packet received and measured: loss, order, duplicates and the latency distribution."""
import os

import pydpdk
from pydpdk.gen import Field, Generator, Stream

eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, vdevs=["net_ring0"],
                                            file_prefix=f"sample-gen-{os.getpid()}"))
pool = pydpdk.Mempool.create("pool", 8191, cache_size=256)
[port] = pydpdk.ports()
port.setup(pool, nb_rxd=1024, nb_txd=1024)

streams = [
    Stream(size=64, rate="500kpps", count=250_000, name="udp64",
           fields=[Field("udp.sport", min=1000, max=1999), Field("ip.dst", op="random",
                                                                  min="198.18.0.1", max="198.18.0.254")]),
    Stream(size="imix", rate="200kpps", poisson=True, count=100_000, name="imix"),
]
with Generator(streams, port=port, rx=[port]) as gen:
    gen.start()
    assert gen.wait(60), "the streams did not finish"
    result = gen.stats()

print(result)
for s in result.streams:
    assert s.tx_packets == s.rx_packets and s.lost == 0, s
    lat = s.latency
    assert lat.min <= lat.p50 <= lat.p99 <= lat.max
    print(f"{s.name}: {s.tx_packets} packets at {s.tx_pps / 1e3:.0f} kpps, latency p50 {lat.p50 / 1e3:.2f} us, "
          f"p99 {lat.p99 / 1e3:.2f} us, jitter {lat.jitter:.0f} ns (clock {s.clock})")
assert pool.in_use == 0
pydpdk.cleanup()
