"""Our C (engines, per-burst helpers, the view exporter) under AddressSanitizer and
LeakSanitizer: build an instrumented copy of the module, run a workload that forwards in every
engine mode, hotplugs and tears down, and report what the sanitizers found.

    python3 bench/asan.py                 # build in a temporary copy of the tree, run, report
    python3 bench/asan.py --keep DIR      # keep the instrumented build in DIR

Uses gcc's libasan (Debian: libasan8, with gcc). DPDK itself is not instrumented: its own
memory (hugepages, rte_malloc) is not tracked, so what ASan checks is our code's heap and stack
use and what LSan reports is memory our code leaked; leaks inside libpython, DPDK and libc are
suppressed (they are not ours, and DPDK keeps allocations until rte_eal_cleanup by design).
The result of the last run is recorded in docs/reliability.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKLOAD = r"""
import os, pydpdk
from pydpdk import vdev
from pydpdk.forward import MODES
cfg = pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, vdevs=["net_ring0", "net_ring1"],
                            file_prefix=f"pydpdk-asan-{os.getpid()}")
eal = pydpdk.Eal.init(cfg)
pool = pydpdk.Mempool.create("asan", 8191, cache_size=256)
ports = [p.setup(pool) for p in pydpdk.ports()]
frame = bytes.fromhex("020000000002020000000001080045000032000100004011f96ec0a80001c0a8000204d2162e001e0000") + bytes(22)
for mode in MODES:
    if mode == "stage":
        continue
    fwd = pydpdk.Forwarder(ports, mode, burst=32)
    st = fwd.run(0.3, tx_first=True)
    fwd.close()
    for p in ports:
        while True:
            b = p.rx_burst(0, 256)
            if not b:
                break
            b.free()
    print(mode, st.rx_packets, st.tx_packets, flush=True)
for i in range(20):                        # hotplug: attach, burst, detach
    (n,) = vdev.attach(f"net_null{i},size=64")
    n.setup(pool)
    b = n.rx_burst(0, 32)
    n.tx_burst(b)
    b.free()
    vdev.detach(n)
b = pool.burst([frame] * 64)                # the Python burst helpers
views = [m.data for m in b]
lens, data = b.lengths(), b.tobytes_list()
_ = b.headers(32) if __import__("importlib").util.find_spec("numpy") else None
ports[0].tx_burst(b)
b.free()
got = ports[0].rx_burst(0, 256)
got.free()
ring = pydpdk.Ring.create("asan_r", 1024)
bb = pool.burst([frame] * 100)
ring.enqueue_burst(bb)
ring.dequeue_burst(128).free()
ring.close()
pydpdk.cleanup()
print("WORKLOAD-DONE", flush=True)
"""

PROBE = r"""
import os, pydpdk
from pydpdk._native import ffi, lib
eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0", no_pci=True, file_prefix=f"pydpdk-asanp-{os.getpid()}"))
pool = pydpdk.Mempool.create("probe", 255, cache_size=0)
b = pool.burst([bytes(64)] * 4)
out = lib.malloc(16) if hasattr(lib, "malloc") else None
import ctypes
buf = ctypes.create_string_buffer(16)          # heap memory of our own process, 16 bytes
lib.pydpdk_headers_view(b.ptrs, 4, ffi.cast("uint8_t *", ctypes.addressof(buf)), 64)   # writes 256: overflow
print("PROBE-NOT-CAUGHT", flush=True)
"""

SUPPRESSIONS = "leak:libpython\nleak:librte_\nleak:libc.so\nleak:libpcap\nleak:_PyObject\nleak:PyMem\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", help="build the instrumented copy in this directory and keep it")
    ap.add_argument("--probe", action="store_true", help="also check the instrumentation catches a "
                    "deliberate heap overflow in our C (pydpdk_headers_view into a 16-byte buffer)")
    a = ap.parse_args(argv)
    asan = subprocess.run(["gcc", "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    if not asan or not os.path.exists(asan):
        print("asan: gcc's libasan is not installed (Debian: apt-get install libasan8)", file=sys.stderr)
        return 2
    work = a.keep or tempfile.mkdtemp(prefix="pydpdk-asan-")
    tree = os.path.join(work, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(ROOT, tree, ignore=shutil.ignore_patterns(".git", "*.so", "*.o", "build", "__pycache__",
                                                              "bench", "tests", "samples", "docs"))
    env = dict(os.environ, PYDPDK_SANITIZE="address")
    b = subprocess.run([sys.executable, "build_ffi.py"], cwd=tree, env=env, capture_output=True, text=True)
    if b.returncode:
        print(b.stdout[-3000:], b.stderr[-3000:], file=sys.stderr)
        return 2
    supp = os.path.join(work, "lsan.supp")
    with open(supp, "w") as f:
        f.write(SUPPRESSIONS)
    run_env = dict(os.environ, PYTHONPATH=tree, LD_PRELOAD=asan, PYTHONMALLOC="malloc",
                   ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1",
                   LSAN_OPTIONS=f"suppressions={supp}:print_suppressions=0")
    r = subprocess.run([sys.executable, "-c", WORKLOAD], cwd=work, env=run_env, capture_output=True, text=True,
                       timeout=600)
    report = [line for line in r.stderr.splitlines() if "ERROR: AddressSanitizer" in line
              or "ERROR: LeakSanitizer" in line or "SUMMARY:" in line]
    ours = [line for line in r.stderr.splitlines() if "_dpdk_cffi" in line or "/c/" in line]
    print(r.stdout.strip())
    print(f"asan: exit {r.returncode}; sanitizer reports: {len(report)}; frames in our code: {len(ours)}")
    for line in report[:20]:
        print("  " + line)
    if r.returncode or report:
        print(r.stderr[-6000:], file=sys.stderr)
    ok = r.returncode == 0 and not report and "WORKLOAD-DONE" in r.stdout
    if a.probe:
        p = subprocess.run([sys.executable, "-c", PROBE], cwd=work, env=run_env, capture_output=True, text=True,
                           timeout=120)
        caught = "heap-buffer-overflow" in p.stderr and "pydpdk_headers_view" in p.stderr
        print(f"asan probe: deliberate overflow {'caught' if caught else 'NOT caught'} "
              f"({'heap-buffer-overflow in pydpdk_headers_view' if caught else p.stderr[-500:]})")
        ok = ok and caught and "PROBE-NOT-CAUGHT" not in p.stdout
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
