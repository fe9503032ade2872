"""An ARP responder in asyncio that sleeps between packets: a tap port with RX interrupts
(pydpdk.ethdev.intr), ``async for burst in rxi.bursts(0)``, and a reply for every ARP request
for 10.70.0.2. The kernel on the tap's other side resolves 10.70.0.2 (it sends a datagram
there) and its neighbour table ends up holding the port's MAC. Per-packet Python is fine here:
ARP is rare control-plane traffic, and between packets the process uses no CPU.
Needs root and /dev/net/tun (it says so and exits 0 where they are missing).
"""
import asyncio
import os
import socket
import subprocess
import sys
import time

import pydpdk
from pydpdk import vdev
from pydpdk.ethdev.intr import RxInterrupts

cap = vdev.capabilities()["net_tap"]
if not cap:
    print(f"skipped: {cap.reason}")
    sys.exit(0)

MY_IP = socket.inet_aton("10.70.0.2")
iface = f"pdarp{os.getpid() % 100000}"
spec = vdev.Tap(iface=iface)
pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0", no_pci=True, file_prefix=f"sample-arp-{os.getpid()}",
                                      vdevs=[spec]))
pool = pydpdk.Mempool.create("pool", 2047)
port = pydpdk.Port(spec.name)
port.configure(1, 1, rx_interrupts=True)
port.rx_queue_setup(0, 512, pool)
port.tx_queue_setup(0, 512)
port.start()
mac = bytes.fromhex(port.mac.replace(":", ""))
run = lambda *c: subprocess.run(c, check=True, capture_output=True, text=True)  # noqa: E731
run("sysctl", "-qw", f"net.ipv6.conf.{iface}.disable_ipv6=1")
run("ip", "link", "set", iface, "up")
run("ip", "addr", "add", "10.70.0.1/24", "dev", iface)


def arp_reply(frame: bytes) -> bytes | None:
    """The reply to an ARP request for MY_IP, else None."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06" or frame[20:22] != b"\x00\x01" or frame[38:42] != MY_IP:
        return None
    sha, spa = frame[22:28], frame[28:32]
    return sha + mac + b"\x08\x06" + b"\x00\x01\x08\x00\x06\x04\x00\x02" + mac + MY_IP + sha + spa


async def responder(rxi: RxInterrupts, answered: list) -> None:
    async for burst in rxi.bursts(0):
        replies = [r for r in map(arp_reply, burst.tobytes_list()) if r]
        burst.free()
        if replies:
            out = pool.burst(replies)
            port.tx_burst(out)
            out.free()                   # whatever TX did not take
            answered.append(len(replies))


def kernel_resolves() -> str:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"hello", ("10.70.0.2", 9))  # the kernel ARPs for 10.70.0.2 first
    s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        neigh = subprocess.run(["ip", "neigh", "show", "10.70.0.2", "dev", iface], capture_output=True,
                               text=True).stdout
        if port.mac.lower() in neigh.lower():
            return neigh.strip()
        time.sleep(0.05)
    return ""


async def main() -> None:
    answered: list = []
    with RxInterrupts(port) as rxi:
        task = asyncio.create_task(responder(rxi, answered))
        c0 = time.process_time()
        await asyncio.sleep(1.0)                    # idle: the loop sleeps in epoll
        idle_cpu = time.process_time() - c0
        neigh = await asyncio.to_thread(kernel_resolves)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
    print(f"idle second: {idle_cpu * 1000:.1f} ms CPU; ARP replies sent: {sum(answered)}")
    print(f"kernel neighbour: {neigh}")
    assert neigh and sum(answered) >= 1, (neigh, answered)


asyncio.run(main())
pydpdk.cleanup()
