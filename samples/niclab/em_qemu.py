"""Guide ch.1.3 "Setting Up a KVM Virtual Machine", steps 5-6, in a NIC lab guest: find the emulated
82540EM (e1000) devices as `lspci -d 8086:100e` would, give them to uio_pci_generic, and run the
testpmd step with pydpdk's testpmd-style CLI (`pydpdk fwd`), io forwarding primed by tx_first.

Runs as root where 82540EM devices cabled to each other exist (tests/test_niclab.py runs it in a
QEMU guest). Writes result.json to $NICLAB_OUT; exits 0 when both ports forwarded traffic.
"""
import json
import subprocess
import sys

from pydpdk.testing import nicpair

EM_IDS = "8086:100e"      # Intel 82540EM, QEMU's e1000

# step 5: the devices the guide lists with lspci -d 8086:100e
nics = nicpair.find_pci(EM_IDS)[:2]
print(f"lspci -d {EM_IDS}:", nics)
if len(nics) < 2:
    sys.exit(f"need two {EM_IDS} devices, found {nics}")
print("bound:", nicpair.bind(nics, "uio_pci_generic"))

# step 6: "run testpmd" -- the guide's EAL options (-c, -n), then testpmd's (--tx-first, ...)
cmd = [sys.executable, "-m", "pydpdk", "fwd", "-c", "0x3", "-n", "4", "-a", nics[0], "-a", nics[1],
       "--file-prefix", "em-sample", "--", "--forward-mode=io", "--tx-first", "--duration", "2", "--json"]
print(" ".join(cmd[1:]), flush=True)
proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
print(proc.stderr[-3000:])
stats = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0 else {}
ports = stats.get("ports", [])
for p in ports:
    print(f"port {p['port']} {p['name']}: RX {p['rx_packets']} TX {p['tx_packets']} "
          f"RX-dropped {p['rx_dropped']} TX-dropped {p['tx_dropped']}")
ok = proc.returncode == 0 and len(ports) == 2 and all(p["rx_packets"] > 0 and p["tx_packets"] > 0 for p in ports)
nicpair.write_result({"ok": ok, "devices": nics, "stats": stats})
sys.exit(0 if ok else 1)
