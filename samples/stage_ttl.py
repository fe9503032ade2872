"""An IPv4 TTL decrement with the header checksum rewritten, compiled with numba and run by the
C engine: every packet that comes out is checked against a checksum recomputed in Python, and the
same function is first tried on a burst from Python (Stage.run_on_burst), as docs/stages.md
advises. Also: `pydpdk fwd -- --stage samples/stage_ttl.py:ttl_rewrite`."""
import os
import struct
import time

from pydpdk.stage import DROP, PEER


def ttl_rewrite(data, length, port):
    """IPv4: TTL - 1 and the header checksum recomputed; TTL 0 or 1: dropped; not IPv4: passed."""
    if length < 34 or data[12] != 0x08 or data[13] != 0x00:
        return PEER
    if data[22] <= 1:
        return DROP
    data[22] -= 1
    ihl = (data[14] & 0x0F) * 4
    if 14 + ihl > length:
        return DROP
    s = 0
    for i in range(14, 14 + ihl, 2):
        if i != 24:                                # the checksum field itself
            s += data[i] * 256 + data[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    s = ~s & 0xFFFF
    data[24] = s >> 8
    data[25] = s & 0xFF
    return PEER


def ip_checksum(hdr: bytes) -> int:
    s = sum(struct.unpack(f"!{len(hdr) // 2}H", hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(ttl, i):
    ip = bytearray([0x45, 0, 0, 46, 0, i, 0, 0, ttl, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
    ip[10:12] = ip_checksum(bytes(ip)).to_bytes(2, "big")
    return bytes.fromhex("020000000002020000000001") + b"\x08\x00" + bytes(ip) + bytes(26)


if __name__ == "__main__":
    import pydpdk
    from pydpdk.forward import Forwarder
    from pydpdk.ring import ports_from_rings
    from pydpdk.stage import Stage

    pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, file_prefix=f"sample-stage-ttl-{os.getpid()}"))
    pool = pydpdk.Mempool.create("pool", 8191)
    stage = Stage.numba(ttl_rewrite)
    frames = [frame(i % 8, i) for i in range(256)]
    trial = [bytearray(f) for f in frames[:8]]
    print("from Python first:", stage.run_on_burst(trial))      # DROP for TTL 0 and 1
    rx, tx = (pydpdk.Ring.create(n, 1024, sp_enq=True, sc_deq=True) for n in ("in", "out"))
    port = ports_from_rings("p0", [rx], [tx])
    port.setup(pool)
    with Forwarder([port], "stage", stage=stage, topology="loop") as fwd:
        rx.enqueue_burst(pool.burst(frames))
        fwd.start(flush_rx=False)
        deadline = time.monotonic() + 10
        while fwd.stats().rx_packets < len(frames) and time.monotonic() < deadline:
            time.sleep(0.001)
        st = fwd.stop().streams[0]
    out = tx.dequeue_burst(1024)
    got = out.tobytes_list()
    out.free()
    want = [f for f in frames if f[22] > 1]
    assert len(got) == len(want) == st.stage_forwarded and st.stage_dropped == 64
    for g, w in zip(got, want):
        assert g[22] == w[22] - 1 and ip_checksum(g[14:34]) == 0 and g[:22] == w[:22] and g[26:] == w[26:]
    print(f"{len(got)} packets rewritten (TTL - 1, checksums valid), {st.stage_dropped} dropped at TTL <= 1")
    for x in (port, rx, tx):
        x.close()
    assert pool.in_use == 0
    pydpdk.cleanup()
