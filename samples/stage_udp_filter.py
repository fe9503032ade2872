"""A UDP port filter compiled with numba, run by the C engine on a worker lcore: UDP to port 53
goes on to the peer port, the rest is dropped; per-port counters live in a numpy array the stage
writes and Python reads while it runs. Also: `pydpdk fwd -- --stage samples/stage_udp_filter.py:udp_filter`."""
import os
import time

import numpy as np

from pydpdk.stage import DROP, PEER

DNS = 53
# STATE[port]: packets passed that came in on port; STATE[8 + port]: dropped (`pydpdk fwd --stage` uses it)
STATE = np.zeros(16, dtype=np.int64)


def udp_filter(data, length, port, counters):
    """IPv4/UDP to port 53 passes; anything else is dropped. Bounds: data has `length` bytes."""
    if length >= 42 and data[12] == 0x08 and data[13] == 0x00 and data[23] == 17:
        off = 14 + (data[14] & 0x0F) * 4
        if off + 4 <= length and data[off + 2] * 256 + data[off + 3] == DNS:
            counters[port] += 1
            return PEER
    counters[8 + port] += 1
    return DROP


def frame(dport, i):
    ip = bytes([0x45, 0, 0, 46, 0, i, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
    udp = (1024 + i).to_bytes(2, "big") + dport.to_bytes(2, "big") + (26).to_bytes(2, "big") + bytes(2)
    return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + ip + udp + bytes(18)


if __name__ == "__main__":
    import pydpdk
    from pydpdk.forward import Forwarder
    from pydpdk.ring import ports_from_rings
    from pydpdk.stage import Stage

    pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-stage-udp-{os.getpid()}"))
    pool = pydpdk.Mempool.create("pool", 8191)
    rx = [pydpdk.Ring.create(f"in{i}", 1024, sp_enq=True, sc_deq=True) for i in (0, 1)]
    tx = [pydpdk.Ring.create(f"out{i}", 1024, sp_enq=True, sc_deq=True) for i in (0, 1)]
    ports = [ports_from_rings(f"p{i}", [rx[i]], [tx[i]]) for i in (0, 1)]
    for p in ports:
        p.setup(pool)
    stage = Stage.numba(udp_filter, state=STATE)
    with Forwarder(ports, "stage", stage=stage) as fwd:
        fwd.start(flush_rx=False)
        sent = 0
        for round_ in range(5):                        # traffic while Python watches the counters
            frames = [frame(DNS if i % 4 == 0 else 80, i) for i in range(100)]
            rx[round_ % 2].enqueue_burst(pool.burst(frames))
            sent += len(frames)
            deadline = time.monotonic() + 10
            while STATE.sum() < sent and time.monotonic() < deadline:
                time.sleep(0.001)
            print(f"live: passed {STATE[:2].tolist()} dropped {STATE[8:10].tolist()} (by in-port)")
        st = fwd.stop()
    s = st.streams
    assert STATE[:2].sum() == 125 and STATE[8:10].sum() == 375, STATE
    assert sum(x.stage_forwarded for x in s) == 125 and sum(x.stage_dropped for x in s) == 375
    for r in tx:
        b = r.dequeue_burst(1024)
        assert all(m.tobytes()[36:38] == DNS.to_bytes(2, "big") for m in b)
        b.free()
    print(f"stage: forwarded {sum(x.stage_forwarded for x in s)}, dropped {sum(x.stage_dropped for x in s)}")
    for x in ports + rx + tx:
        x.close()
    assert pool.in_use == 0
    pydpdk.cleanup()
