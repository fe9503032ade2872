"""Latency through the Linux stack: af_packet port A -> veth -> a network namespace that routes
(ip_forward) -> veth -> af_packet port B. The kernel rewrites MACs, TTL and the IPv4 checksum;
the generator's tag at the end of each frame survives, so every packet is measured. Prints the
latency percentiles and a text histogram. Needs root and iproute2 (exits 0 without them)."""
import os
import shutil
import subprocess
import sys

if os.geteuid() != 0 or shutil.which("ip") is None:
    print("needs root and the ip command (veth pairs, a network namespace): nothing to measure")
    sys.exit(0)

import pydpdk
from pydpdk import vdev
from pydpdk.gen import Field, Generator, Stream

tag = f"g{os.getpid() % 100000}"
ns, va, vb = f"pdgen{tag}", (f"{tag}a0", f"{tag}a1"), (f"{tag}b0", f"{tag}b1")


def ip(*args, netns=None):
    subprocess.run((["ip", "netns", "exec", netns] if netns else []) + ["ip", *args], check=True)


subprocess.run(["ip", "netns", "add", ns], check=True)
try:
    for (outer, inner), addr, mac in ((va, "10.197.1.1/24", "02:00:00:00:97:01"), (vb, "10.197.2.1/24", "02:00:00:00:97:02")):
        ip("link", "add", outer, "type", "veth", "peer", "name", inner)
        ip("link", "set", inner, "netns", ns)
        ip("link", "set", inner, "address", mac, netns=ns)
        ip("addr", "add", addr, "dev", inner, netns=ns)
        ip("link", "set", inner, "up", netns=ns)
        ip("link", "set", outer, "up")
        for dev, where in ((outer, None), (inner, ns)):
            subprocess.run((["ip", "netns", "exec", where] if where else []) +
                           ["sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1"], check=False)
    subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"], check=True)
    ip("neigh", "replace", "10.197.2.2", "lladdr", "02:00:00:00:97:22", "dev", vb[1], "nud", "permanent", netns=ns)

    eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-glat-{os.getpid()}"))
    pool = pydpdk.Mempool.create("pool", 8191, cache_size=256)
    [pa] = vdev.attach(vdev.AfPacket("net_af_packet_sa", iface=va[0]))
    [pb] = vdev.attach(vdev.AfPacket("net_af_packet_sb", iface=vb[0]))
    for p in (pa, pb):
        p.setup(pool, promiscuous=True)
    from pydpdk.gen.packet import default_template
    frame = bytearray(default_template())
    frame[0:6] = bytes.fromhex("020000009701")                 # to the namespace's veth A
    frame[26:30] = bytes([10, 197, 1, 2])                      # 10.197.1.2 -> 10.197.2.2
    frame[30:34] = bytes([10, 197, 2, 2])
    s = Stream(bytes(frame), size=128, rate="20kpps", count=20_000,
               fields=[Field("udp.sport", min=4000, max=4999)])
    with Generator([s], port=pa, rx=[pb]) as gen:
        gen.start()
        gen.wait(60)
        r = gen.stats().streams[0]
    print(f"sent {r.tx_packets}, received {r.rx_packets}, lost {r.lost}, out of order {r.out_of_order}")
    lat = r.latency
    assert lat is not None and 0 < lat.min <= lat.p50 <= lat.p90 <= lat.p99 <= lat.p999 <= lat.max
    print(f"latency (clock {r.clock}): min {lat.min / 1e3:.1f} us  p50 {lat.p50 / 1e3:.1f}  p90 {lat.p90 / 1e3:.1f}  "
          f"p99 {lat.p99 / 1e3:.1f}  p99.9 {lat.p999 / 1e3:.1f}  max {lat.max / 1e3:.1f} us; jitter {lat.jitter / 1e3:.2f} us")
    # a coarse text histogram: powers of two of microseconds
    bins: dict[int, int] = {}
    for low_ns, n in lat.histogram.items():
        b = max(0, int(low_ns / 1e3)).bit_length()
        bins[b] = bins.get(b, 0) + n
    top = max(bins.values())
    for b in sorted(bins):
        lo = 0 if b == 0 else 1 << (b - 1)
        print(f"  {lo:>7} us+ {bins[b]:>7} {'#' * max(1, round(40 * bins[b] / top))}")
    for p in (pa, pb):
        vdev.detach(p)
    assert pool.in_use == 0
    pydpdk.cleanup()
finally:
    subprocess.run(["ip", "netns", "del", ns], check=False)
    for outer in (va[0], vb[0]):
        subprocess.run(["ip", "link", "del", outer], check=False, stderr=subprocess.DEVNULL)
