"""NIC lab guest payload: pydpdk.drivers' checks against the real PMDs on emulated NICs.

Run as root in a lab guest with cabled pairs of e1000, vmxnet3 and virtio NICs:

    python3 driver_checks.py [/out/result.json]        # default: $NICLAB_OUT/result.json

For each constraint it records what pydpdk says (error / DriverWarning) *and* what the PMD does
when asked directly (raw rte_eth_*_queue_setup return codes, frames that do or do not arrive),
so the knowledge in pydpdk/drivers is checked against DPDK 22.11 and this QEMU, not only the guide.
Writes {"ok": bool, "checks": {name: {"ok": bool, "detail": ...}}}.
"""
from __future__ import annotations

import json
import os
import sys
import time
import warnings
from typing import Any

from pydpdk.testing.guestcheck import expect, run_check

E1000, VMXNET3, VIRTIO, IGB_PF = "8086:100e", "15ad:07b0", "1af4:1041", "8086:10c9"
checks: dict[str, dict] = {}


def check(name: str):
    """Decorator: run fn now and record it (pydpdk.testing.guestcheck), with its seconds as "s"."""
    def run(fn):
        checks[name]["s"] = run_check(checks, name, fn)
        return fn
    return run


def frame(size: int, src: bytes, dst: bytes, i: int) -> bytes:
    payload = bytes((i + k) & 0xFF for k in range(size - 14))
    return dst + src + b"\x88\xb5" + payload


def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src: bytes, dst: bytes, i: int, good_ip_cksum: bool) -> bytes:
    payload = bytes(range(18))
    udp = (4000 + i).to_bytes(2, "big") + (5000).to_bytes(2, "big") + (8 + len(payload)).to_bytes(2, "big") + b"\0\0"
    ip = bytearray(b"\x45\x00" + (20 + len(udp) + len(payload)).to_bytes(2, "big") + b"\x00\x01\x00\x00\x40\x11\0\0"
                   + bytes([10, 0, 0, 1, 10, 0, 0, 2]))
    c = _csum(bytes(ip))
    ip[10:12] = (c if good_ip_cksum else c ^ 0x5A5A).to_bytes(2, "big")
    return dst + src + b"\x08\x00" + bytes(ip) + udp + payload


def send_all(port, burst) -> int:
    """tx_burst until the burst is empty (at most 100 calls); the packets sent."""
    sent = 0
    for _ in range(100):
        sent += port.tx_burst(burst)
        if not len(burst):
            break
    return sent


def receive(port, want: int, what, timeout: float = 5.0) -> list:
    """Poll queue 0 until want packets came (or timeout); what(mbuf) for each, in arrival order."""
    got: list = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        r = port.rx_burst(0, 32)
        got.extend(what(m) for m in r)
        r.free()
        time.sleep(0.01)
    return got


def main(argv: list[str]) -> int:
    out_path = argv[1] if len(argv) > 1 else os.path.join(os.environ.get("NICLAB_OUT", "."), "result.json")
    from pydpdk.host import bind, devices
    nics = {ids: [d.address for d in devices.list_devices() if d.vendor_device == ids]
            for ids in (E1000, VMXNET3, VIRTIO)}
    allow = [a for addrs in nics.values() for a in addrs[:2]]
    for a in allow:
        bind(a, "uio_pci_generic")
    vf = None
    pfs = [d.address for d in devices.list_devices() if d.vendor_device == IGB_PF]
    if pfs:                          # an 82576 VF through the kernel igb PF, for the VF queue limit
        import subprocess
        from pydpdk.host import restore, sriov
        subprocess.run(["modprobe", "igb"], capture_output=True)
        pf = restore(pfs[0])
        if pf.interfaces:
            subprocess.run(["ip", "link", "set", pf.interfaces[0], "up"], capture_output=True)
        vf = sriov.set_num_vfs(pf.address, 1, autoprobe=False)[0].address
        bind(vf, "uio_pci_generic")
        allow.append(vf)
    import pydpdk
    from pydpdk._native import ffi, lib
    from pydpdk.drivers import DriverWarning
    from pydpdk.errors import InvalidArgumentError
    pydpdk.Eal.init(pydpdk.EalConfig(lcores="0", allow=allow, file_prefix=f"drvchk-{os.getpid()}",
                                     log_levels=["lib.eal:warning"]).or_ordinary_memory(384))
    ports = {p.device_name: p for p in pydpdk.ports()}
    pool = pydpdk.Mempool.create("drv_pool", 8191, cache_size=0)
    small = pydpdk.Mempool.create("drv_small", 2047, cache_size=0, data_room=1024 + lib.RTE_PKTMBUF_HEADROOM)
    print("ports:", {a: p.driver for a, p in ports.items()}, flush=True)

    def port_of(ids: str, i: int = 0):
        return ports[nics[ids][i]]

    def raw_txq(p, n: int) -> int:
        return lib.rte_eth_tx_queue_setup(p.id, 0, n, 0, ffi.NULL)

    def raw_rxq(p, n: int) -> int:
        return lib.rte_eth_rx_queue_setup(p.id, 0, n, 0, ffi.NULL, pool.ptr)

    def probe(p, kind: str, sizes) -> dict:
        """For each ring size: does pydpdk refuse it, does the PMD (raw call) refuse it?"""
        out = {}
        for n in sizes:
            try:
                if kind == "rx":
                    p.rx_queue_setup(0, n, pool)
                else:
                    p.tx_queue_setup(0, n)
                ours = "ok"
            except InvalidArgumentError:
                ours = "refused"
            rc = raw_rxq(p, n) if kind == "rx" else raw_txq(p, n)
            out[n] = {"pydpdk": ours, "pmd_rc": rc}
        return out

    @check("vmxnet3_ring_limits_match_the_pmd")
    def _():
        p = port_of(VMXNET3)
        p.configure(1, 1)
        info = p.info()
        rx = probe(p, "rx", [16, 31, 32, 63, 64, 127, 128, 255, 256, 4096, 4097])
        tx = probe(p, "tx", [256, 511, 512, 4096, 4097])
        bad = {f"{k}{n}": v for k, res in (("rx", rx), ("tx", tx)) for n, v in res.items()
               if (v["pydpdk"] == "refused") != (v["pmd_rc"] < 0)}
        expect(tx[511]["pmd_rc"] < 0 and tx[512]["pmd_rc"] == 0, f"TX 511/512: {tx}")
        expect(not bad, f"pydpdk and the PMD disagree: {bad}")
        return {"rx": rx, "tx": tx, "rx_desc_lim": [info.rx_desc_lim.nb_min, info.rx_desc_lim.nb_max,
                                                    info.rx_desc_lim.nb_align],
                "tx_desc_lim": [info.tx_desc_lim.nb_min, info.tx_desc_lim.nb_max, info.tx_desc_lim.nb_align]}

    @check("virtio_vq_size_warning")
    def _():
        p = port_of(VIRTIO)
        p.configure(1, 1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            p.rx_queue_setup(0, 512, pool)
            p.tx_queue_setup(0, 256)
        got = [str(x.message) for x in w if issubclass(x.category, DriverWarning)]
        expect(len(got) == 1 and "virtqueue size 256" in got[0], f"warnings {got}")
        ex = p.explain()
        expect("virtio.vq_size" in ex.codes(), ex.text())
        return {"warning": got[0][:200], "rx_desc_lim_max": p.info().rx_desc_lim.nb_max}

    @check("virtio_vlan_filter")
    def _():
        p = port_of(VIRTIO)
        capa = p.info().rx_offload_capa
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            if "vlan_filter" in capa:
                p.configure(1, 1, rx_offloads=["vlan_filter"])
                outcome = "configured (backend offers VLAN filtering)"
            else:
                try:
                    p.configure(1, 1, rx_offloads=["vlan_filter"])
                    raise AssertionError("configured without the capability")
                except InvalidArgumentError as e:
                    outcome = f"refused: {str(e)[:120]}"
        got = [str(x.message) for x in w if issubclass(x.category, DriverWarning)]
        if "vlan_filter" in capa:
            expect(any("negotiated" in g for g in got), f"no negotiation warning: {got}")
        p.configure(1, 1)
        return {"vlan_filter_in_capa": "vlan_filter" in capa, "outcome": outcome}

    @check("em_frame_larger_than_mbuf")
    def _():
        a, b = port_of(E1000, 0), port_of(E1000, 1)
        a.setup(pool, 1, 1, nb_rxd=256, nb_txd=256)
        b.configure(1, 1)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            b.rx_queue_setup(0, 256, small)
        got = [str(x.message) for x in w if issubclass(x.category, DriverWarning)]
        expect(any("chained mbufs" in g for g in got), f"no em.rx.single_desc warning: {got}")
        b.tx_queue_setup(0, 256)
        b.start()
        a.wait_link_up(20)
        b.wait_link_up(20)
        b.promiscuous = True
        src, dst = bytes.fromhex(a.mac.replace(":", "")), bytes.fromhex(b.mac.replace(":", ""))
        res: dict[Any, Any] = {}      # frame size -> counts, and "rx_errors"
        for size in (64, 1000, 1200, 1514):
            burst = pool.burst([frame(size, src, dst, i) for i in range(8)])
            sent = send_all(a, burst)
            segs_lens = receive(b, sent, lambda m: (m.nb_segs, m.pkt_len))
            burst.free()
            res[size] = {"sent": sent, "received": len(segs_lens),
                         "nb_segs": sorted({segs for segs, _ in segs_lens}),
                         "intact": sum(n == size or n == size + 4 for _, n in segs_lens)}
        st = b.stats()
        res["rx_errors"] = {"ierrors": st.ierrors, "imissed": st.imissed, "rx_nombuf": st.rx_nombuf}
        expect(res[64]["received"] == res[64]["sent"] == 8, f"64-byte frames lost: {res[64]}")
        # what pydpdk's em.rx.single_desc finding says DPDK 22.11 + this QEMU do: chained, intact
        for size in (1200, 1514):
            expect(res[size]["intact"] == res[size]["sent"] == 8 and res[size]["nb_segs"] == [2], f"{size}: {res[size]}")
        return res

    @check("igb_vf_queue_limit")
    def _():
        if vf is None:
            return "skipped: no igb PF (8086:10c9) in this guest"
        p = ports[vf]
        expect(p.driver == "net_e1000_igb_vf", f"VF driver {p.driver}")
        info = p.info()
        res = {}
        for n in (1, 2, 3, 4):
            try:
                p.configure(n, n)
                ours = "ok"
            except InvalidArgumentError as e:
                ours = f"refused: {str(e)[:90]}"
            rc = lib.rte_eth_dev_configure(p.id, n, n, ffi.new("struct rte_eth_conf *"))
            res[n] = {"pydpdk": ours, "pmd_rc": rc}
        bad = {n: v for n, v in res.items() if v["pydpdk"].startswith("refused") != (v["pmd_rc"] < 0)}
        expect(not bad, f"pydpdk and the PMD disagree: {bad}")
        expect(res[2]["pmd_rc"] == 0 and res[3]["pmd_rc"] < 0, f"82576 VF: 2 queue pairs, not 3: {res}")
        return {"vf": vf, "max_rx_queues": info.max_rx_queues, "max_tx_queues": info.max_tx_queues,
                "configure": res}

    @check("em_rx_checksum_flags")
    def _():
        a, b = port_of(E1000, 0), port_of(E1000, 1)
        b.stop()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            b.configure(1, 1, rx_offloads=["ipv4_cksum", "udp_cksum"])
        got = [str(x.message) for x in w if issubclass(x.category, DriverWarning)]
        expect(any("does not validate" in g for g in got), f"no em.rx.no_cksum_validation warning: {got}")
        b.rx_queue_setup(0, 256, pool)
        b.tx_queue_setup(0, 256)
        b.start()
        b.wait_link_up(20)
        b.promiscuous = True
        src, dst = bytes.fromhex(a.mac.replace(":", "")), bytes.fromhex(b.mac.replace(":", ""))
        flags: dict[str, Any] = {}
        for good in (True, False):
            burst = pool.burst([udp_frame(src, dst, i, good) for i in range(8)])
            sent = send_all(a, burst)
            burst.free()
            keys = receive(b, sent, lambda m: ",".join(sorted(x for x in m.ol_flag_names() if "CKSUM" in x))
                           or "(no checksum flag)")
            seen: dict[str, int] = {}
            for key in keys:
                seen[key] = seen.get(key, 0) + 1
            flags["good_ip_cksum" if good else "bad_ip_cksum"] = {"sent": sent, "received": len(keys),
                                                                  "flags": seen}
        expect(flags["good_ip_cksum"]["received"] == 8 == flags["bad_ip_cksum"]["received"], f"{flags}")
        bad_flags = flags["bad_ip_cksum"]["flags"]
        flags["qemu_validates_ip_cksum"] = any("IP_CKSUM_BAD" in k for k in bad_flags)
        # the guide (§1.4) and pydpdk's em.rx.no_cksum_validation: nothing flags the bad ones
        expect(not flags["qemu_validates_ip_cksum"], f"QEMU's e1000 validated checksums after all: {flags}")
        return flags

    result = {"ok": all(c["ok"] for c in checks.values()), "checks": checks}
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1, default=str)
    print(f"driver_checks: {'ok' if result['ok'] else 'FAILED'} -> {out_path}", flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
