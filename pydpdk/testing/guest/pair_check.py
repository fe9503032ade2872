"""NIC lab payload: every cabled pair through pydpdk.testing.nicpair.check_pair, one EAL.

In a lab guest the pairs come from the job file ($NICLAB_JOB); on real hardware give them:
    python3 pair_check.py --pci 0000:03:00.0,0000:03:00.1 [--bind vfio-pci]
Writes result.json ({"pairs": {model: report}, "times": {...}}) to $NICLAB_OUT (or the cwd).
"""
import argparse
import sys
import time
import traceback
from typing import Any

from pydpdk.testing import nicpair


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pci", action="append", default=[], metavar="A,B", help="a cabled pair (repeatable)")
    ap.add_argument("--bind", default=None, help="bind the NICs to this driver first (lab default: "
                    "uio_pci_generic; on a host: leave them as they are)")
    ap.add_argument("--bursts", type=int, default=4, help="bursts of 32 in the exact check")
    ap.add_argument("--seconds", type=float, default=1.0, help="forwarding time per pair")
    opts = ap.parse_args(argv)
    job = nicpair.job()
    pairs = nicpair.job_pairs(job) + [nicpair.Pair(f"pci{i}", a.split(",")) for i, a in enumerate(opts.pci)]
    kdrv = opts.bind or job.get("kdrv")
    times = {}
    t0 = time.monotonic()
    pf = [p for pair in pairs if pair.kind == "pf" for p in pair.pci]
    if kdrv:
        bound = nicpair.bind(pf, kdrv)
        print("bound:", bound, flush=True)
    for i, pair in enumerate(p for p in pairs if p.kind == "vf"):
        macs = [f"52:54:00:0f:{i:02x}:{k:02x}" for k in range(len(pair.pci))]
        pair.extra["pfs"] = list(pair.pci)
        pair.pci = [nicpair.create_vfs(pf_addr, [mac], vf_driver=kdrv or "uio_pci_generic")[0]
                    for pf_addr, mac in zip(pair.pci, macs)]
        print(f"{pair.model}: PFs {pair.extra['pfs']} -> VFs {pair.pci}", flush=True)
    times["bind_s"] = time.monotonic() - t0
    allow = [p for pair in pairs for p in pair.pci]
    t1 = time.monotonic()
    import pydpdk
    eal = nicpair.lab_eal(allow)
    found = [p.name for p in pydpdk.ports()]
    times["eal_s"] = time.monotonic() - t1
    print(f"EAL up in {times['eal_s']:.1f} s, ports: {found}", flush=True)
    out: dict[str, Any] = {"pairs": {}, "times": times, "ports_found": found, "pydpdk": pydpdk.__file__}
    for pair in pairs:
        t = time.monotonic()
        try:
            rep = nicpair.check_pair(*pair.pci, bursts=opts.bursts, seconds=opts.seconds)
        except Exception as exc:     # report and go on with the next pair
            traceback.print_exc()
            rep = {"error": f"{type(exc).__name__}: {exc}", "pci": pair.pci}
        rep.update(model=pair.model, expected_pmd=pair.pmd, kind=pair.kind, extra=pair.extra,
                   wall_s=round(time.monotonic() - t, 3))
        out["pairs"][pair.model] = rep
        print(f"{pair.model}: {rep.get('error') or rep['exact']}", flush=True)
    times["total_s"] = time.monotonic() - t0
    times = {k: round(v, 3) for k, v in times.items()}
    out["times"] = times
    nicpair.write_result(out)
    eal.cleanup()
    return 0 if all("error" not in r for r in out["pairs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
