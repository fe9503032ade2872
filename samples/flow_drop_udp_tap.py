"""An rte_flow rule that drops one UDP port on a tap port, written as in testpmd:

    flow create 0 ingress pattern eth / ipv4 / udp dst is 5353 / end actions drop / end

The kernel sends datagrams to 5353 and 5000 out of the tap interface (the port's RX); with the
rule only the 5000 ones arrive. net_tap implements rte_flow with the kernel's TC flower: where the
kernel lacks it (cls_flower, sch_multiq), the rule still validates, creating it fails with a
FlowError that says so, and the sample stops there (exit 0). The NIC lab guest has flower
(tests/test_ethx_lab.py runs this sample there and checks the drop). Needs root and /dev/net/tun.
"""
import json
import os
import socket
import subprocess
import sys
import time

import pydpdk
from pydpdk import flow, vdev

cap = vdev.capabilities()["net_tap"]
if not cap:
    print(f"skipped: {cap.reason}")
    sys.exit(0)
for mod in ("sch_multiq", "cls_flower", "act_gact", "act_skbedit"):
    subprocess.run(["modprobe", "-q", mod], capture_output=True)

iface = f"pdfl{os.getpid() % 100000}"
spec = vdev.Tap(iface=iface)
pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0", no_pci=True, file_prefix=f"sample-flow-{os.getpid()}",
                                      vdevs=[spec]))
pool = pydpdk.Mempool.create("pool", 2047)
port = pydpdk.Port(spec.name).setup(pool, promiscuous=True)
run = lambda *c: subprocess.run(c, check=True, capture_output=True, text=True)  # noqa: E731
run("sysctl", "-qw", f"net.ipv6.conf.{iface}.disable_ipv6=1")
run("ip", "link", "set", iface, "up")
run("ip", "addr", "add", "10.69.0.1/24", "dev", iface)
run("ip", "neigh", "replace", "10.69.0.2", "lladdr", port.mac, "dev", iface, "nud", "permanent")

text = f"flow create {port.id} ingress pattern eth / ipv4 / udp dst is 5353 / end actions drop / end"
cmd = flow.parse(text)
table = flow.FlowTable(port)
table.validate(cmd.pattern, cmd.actions, cmd.attr)
print("validated:", text)
result = {"validated": True}
try:
    rule = flow.execute(cmd)
except flow.FlowError as exc:
    print(f"created no rule (this kernel has no TC flower for net_tap): {exc.message or exc}")
    result.update(created=False, ok=True)
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for dport in (5353, 5000) * 10:
        s.sendto(b"sample", ("10.69.0.2", dport))
    s.close()
    seen = {5353: 0, 5000: 0}
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and seen[5000] < 10:
        burst = port.rx_burst(0, 32)
        for data in burst.tobytes_list():
            if len(data) >= 42 and data[12:14] == b"\x08\x00" and data[23] == 17:
                dport = int.from_bytes(data[36:38], "big")
                seen[dport] = seen.get(dport, 0) + 1
        burst.free()
    print(f"rule {rule.id}: {rule}")
    print(f"received: udp 5000 x{seen[5000]}, udp 5353 x{seen[5353]} (dropped by the rule)")
    assert seen[5000] == 10 and seen[5353] == 0, seen
    result.update(created=True, received=seen, ok=True)
    rule.destroy()
if os.environ.get("NICLAB_OUT"):
    with open(os.path.join(os.environ["NICLAB_OUT"], "result.json"), "w") as f:
        json.dump(result, f)
pydpdk.cleanup()
