"""In-process A/B of the stage engine's forms against the C macswap engine: one EAL, two net_ring
ports, a Forwarder per run (tx_first, one worker lcore), the variants interleaved round by round
so that the machine's noise hits all of them alike; prints each variant's best and median Mpps.

    python3 bench/stage_ab.py [--rounds 7] [--seconds 1.0] [--only macswap,abi3,...]

Variants: macswap (the C engine), abi3 (Stage.numba(macswap): the per-burst mbuf form, the
default), abi3_noslp (the same without numba's SLP vectorizer, numba's default), abi3_burst (Stage.numba_burst over the whole burst), abi2 (the former per-burst data
form: the engine builds data[]/length[] arrays and maps every verdict; no SLP), packet (Stage.numba
form="packet": one call per packet; no SLP, as before), c_packet (bench/stage_macswap.c through cffi, per packet).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import pydpdk  # noqa: E402
from pydpdk.forward import Forwarder  # noqa: E402
from pydpdk._native import lib  # noqa: E402
from pydpdk.stage import Stage, view  # noqa: E402
from stage_funcs import macswap  # noqa: E402


def macswap_burst(data, lengths, verdicts, port):
    """macswap over the whole burst (Stage.numba_burst)."""
    for i in range(lengths.shape[0]):
        if lengths[i] >= 12:
            d = view(data[i], lengths[i])
            for j in range(6):
                t = d[j]
                d[j] = d[j + 6]
                d[j + 6] = t


def abi2_stage(fn):
    """The per-burst data form (stage_abi 2) as Stage.numba built it before the mbuf form."""
    import numba
    from numba import types
    user = numba.njit(error_model="numpy")(fn)
    carray = numba.carray

    def loop(datas, lengths, verdicts, n, port, st):    # pragma: no cover - numba
        for i in range(n):
            ln = lengths[i]
            verdicts[i] = user(carray(datas[i], (ln,)), ln, port)
        return 0
    u8p = types.CPointer(types.uint8)
    i64p = types.CPointer(types.int64)
    sig = types.int64(types.CPointer(u8p), i64p, i64p, types.int64, types.int64, u8p)
    compiled = numba.cfunc(sig, nopython=True, error_model="numpy")(loop)
    return Stage(compiled.address, name="abi2", keepalive=compiled, abi=lib.PYDPDK_STAGE_ABI_BURST)


def without_slp(build):
    """Build a stage with numba's SLP vectorizer left off (numba's default)."""
    import contextlib
    import pydpdk.stage as st
    saved = st._vectorizing
    st._vectorizing = lambda numba: contextlib.nullcontext()
    try:
        return build()
    finally:
        st._vectorizing = saved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, vdevs=["net_ring0", "net_ring1"],
                                                file_prefix=f"stage-ab-{os.getpid()}"))
    pool = pydpdk.Mempool.create("stage_ab", 8191, cache_size=256)
    ports = [pydpdk.Port(n).setup(pool) for n in ("net_ring0", "net_ring1")]
    variants = {
        "macswap": ("macswap", None),
        "abi3": ("stage", Stage.numba(macswap)),
        "abi3_noslp": ("stage", without_slp(lambda: Stage.numba(macswap))),
        "abi3_burst": ("stage", Stage.numba_burst(macswap_burst)),
        "abi2": ("stage", without_slp(lambda: abi2_stage(macswap))),
        "packet": ("stage", without_slp(lambda: Stage.numba(macswap, form="packet"))),
        "c_packet": ("stage", Stage.c(os.path.join(HERE, "stage_macswap.c"), "macswap")),
    }
    if a.only:
        variants = {k: v for k, v in variants.items() if k in a.only.split(",")}
    got: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(a.rounds):
        for name, (mode, stage) in variants.items():
            with Forwarder(ports, mode, stage=stage) as fwd:
                fwd.start(tx_first=True)
                time.sleep(0.1)                     # warm up
                s0, t0 = fwd.stats(), time.perf_counter()
                time.sleep(a.seconds)
                s1, t1 = fwd.stats(), time.perf_counter()
                fwd.stop()
            got[name].append((s1.rx_packets - s0.rx_packets) / (t1 - t0) / 1e6)
    base = max(got.get("macswap", [0])) or 1.0
    for name, v in got.items():
        print(f"{name:>11}: best {max(v):7.1f} Mpps  median {statistics.median(v):7.1f}  "
              f"best vs C macswap {max(v) / base:.2f}x   runs {' '.join(f'{x:.0f}' for x in v)}")
    del eal
    pydpdk.cleanup()


if __name__ == "__main__":
    main()
