"""A MAC-learning bridge as a numba stage: its table is a numpy array the stage updates on the
worker lcore (learn the source MAC's port, send to the destination's learned port, else to the
peer port) and Python reads while it runs. Three ring ports; the table is printed from Python."""
import os
import time

import numpy as np

from pydpdk.stage import PEER

SLOTS = 256                                    # direct-mapped: slot = low byte of the MAC
# STATE[slot]: the MAC as an integer + 1 (0: empty), STATE[SLOTS + slot]: its port
STATE = np.zeros(2 * SLOTS, dtype=np.int64)


def bridge(data, length, port, table):
    if length < 14:
        return PEER
    src = 0
    dst = 0
    for i in range(6):
        dst = dst * 256 + data[i]
        src = src * 256 + data[6 + i]
    s = src & (SLOTS - 1)
    table[s] = src + 1                         # learn (one writer: this lcore)
    table[SLOTS + s] = port
    d = dst & (SLOTS - 1)
    if table[d] == dst + 1:
        return table[SLOTS + d]
    return PEER


def frame(dst, src):
    return bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + b"\x88\xb5" + bytes(46)


if __name__ == "__main__":
    import pydpdk
    from pydpdk.forward import Forwarder
    from pydpdk.ring import ports_from_rings
    from pydpdk.stage import Stage

    pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-stage-br-{os.getpid()}"))
    pool = pydpdk.Mempool.create("pool", 8191)
    rx = [pydpdk.Ring.create(f"in{i}", 1024, sp_enq=True, sc_deq=True) for i in range(3)]
    tx = [pydpdk.Ring.create(f"out{i}", 1024, sp_enq=True, sc_deq=True) for i in range(3)]
    ports = [ports_from_rings(f"p{i}", [rx[i]], [tx[i]]) for i in range(3)]
    for p in ports:
        p.setup(pool)
    H = ["02:00:00:00:00:%02x" % (0x10 + i) for i in range(3)]   # host i sits behind port i

    def step(i, dst, src, n=1):
        base = sum(s.rx_packets for s in fwd.stats().streams)
        rx[i].enqueue_burst(pool.burst([frame(dst, src)] * n))
        deadline = time.monotonic() + 10
        while sum(s.rx_packets for s in fwd.stats().streams) < base + n and time.monotonic() < deadline:
            time.sleep(0.001)
        out = []
        for r in tx:
            b = r.dequeue_burst(1024)
            out.append(len(b))
            b.free()
        return out

    with Forwarder(ports, "stage", stage=Stage.numba(bridge, state=STATE)) as fwd:
        fwd.start(flush_rx=False)
        assert step(2, H[0], H[2]) == [0, 0, 1]          # unknown H0: peer of port 2 is itself
        assert step(0, H[2], H[0]) == [0, 0, 1]          # H2 learned behind port 2
        assert step(1, H[0], H[1], 5) == [5, 0, 0]       # H0 learned behind port 0
        learned = {f"{int(STATE[i] - 1):012x}": int(STATE[SLOTS + i]) for i in range(SLOTS) if STATE[i]}
        fwd.stop()
    print("learned (MAC -> port), read from Python:", learned)
    assert learned == {h.replace(":", ""): i for i, h in enumerate(H)}
    for x in ports + rx + tx:
        x.close()
    assert pool.in_use == 0
    pydpdk.cleanup()
