"""NIC lab guest payload: rte_flow on net_tap (the guest kernel has TC flower) and on igb, plus
the optional ethdev extras (Rx interrupts, device facts, timesync) on the lab's PMDs.

    python3 ethx_check.py            # in a lab guest with an igb pair (job file), as root

net_tap: the kernel sends UDP datagrams out of the tap interface (= the port's RX); rules steer
them to queues and drop them, counted per queue and per UDP destination port. igb (82576 as QEMU
emulates it): which rte_flow filters validate, which create, and which take effect (frames
sent from the peer port, counted per RX queue). Writes {"ok", "checks": {...}} to result.json.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

from pydpdk.testing import nicpair
from pydpdk.testing.guestcheck import expect, run_check

checks: dict[str, dict] = {}
TAP_IFACE = "ethxtap0"
KERNEL_IP, PORT_IP = "10.66.0.1", "10.66.0.2"
UDP_PORTS = (53, 5000, 5353)
N = 20


def check(name: str):
    def run(fn):
        run_check(checks, name, fn)
        return fn
    return run


def sh(*cmd: str) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True)
    return (p.stdout + p.stderr).strip()


def drain(port, nq: int, timeout: float = 3.0, want: int | None = None) -> dict[int, dict[int, int]]:
    """{queue: {udp dst port: count}} of what arrives (polled until want or timeout)."""
    got: dict[int, dict[int, int]] = {q: {} for q in range(nq)}
    deadline = time.monotonic() + timeout
    total = 0
    while time.monotonic() < deadline and (want is None or total < want):
        for q in range(nq):
            burst = port.rx_burst(q, 32)
            for data in burst.tobytes_list():
                if len(data) >= 42 and data[12:14] == b"\x08\x00" and data[23] == 17:
                    ihl = (data[14] & 0xF) * 4
                    dport = int.from_bytes(data[14 + ihl + 2:14 + ihl + 4], "big")
                    got[q][dport] = got[q].get(dport, 0) + 1
                    total += 1
            burst.free()
        time.sleep(0.005)
    return got


def kernel_send(ports=UDP_PORTS, n: int = N) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for dport in ports:
            for i in range(n):
                s.sendto(b"ethx-%d" % i, (PORT_IP, dport))
    finally:
        s.close()


def per_port(got: dict[int, dict[int, int]]) -> dict[int, dict[int, int]]:
    """{udp port: {queue: count}}."""
    out: dict[int, dict[int, int]] = {}
    for q, m in got.items():
        for p, c in m.items():
            out.setdefault(p, {})[q] = c
    return out


def tap_checks(pool) -> None:
    from pydpdk import flow, vdev
    modules = {m: sh("modprobe", m) or "loaded" for m in
               ("tun", "sch_multiq", "sch_ingress", "cls_flower", "act_gact", "act_skbedit", "act_mirred")}
    checks["tap_modules"] = {"ok": True, "detail": modules}
    [tp] = vdev.attach(vdev.Tap("net_tap_ethx", iface=TAP_IFACE))
    tp.setup(pool, 2, 2)
    tp.promiscuous = True
    sh("ip", "link", "set", TAP_IFACE, "up")
    sh("ip", "addr", "add", f"{KERNEL_IP}/24", "dev", TAP_IFACE)
    sh("ip", "neigh", "replace", PORT_IP, "lladdr", tp.mac, "dev", TAP_IFACE, "nud", "permanent")
    table = flow.FlowTable(tp)
    state: dict = {}

    @check("tap_baseline")
    def _():
        drain(tp, 2, timeout=0.5)
        kernel_send()
        got = per_port(drain(tp, 2, want=N * len(UDP_PORTS)))
        expect(all(sum(got.get(p, {}).values()) == N for p in UDP_PORTS), f"all {N} of each port arrive: {got}")
        return got

    @check("tap_steer_and_drop")
    def _():
        cmds = [f"flow create {tp.id} ingress pattern eth / ipv4 / udp dst is 53 / end actions queue index 1 / end",
                f"flow create {tp.id} ingress pattern eth / ipv4 / udp dst is 5000 / end actions queue index 0 / end",
                f"flow create {tp.id} ingress pattern eth / ipv4 dst is {PORT_IP} / udp dst is 5353 / end "
                "actions drop / end"]
        rules = [flow.execute(c) for c in cmds]
        state["rules"] = rules
        tc = sh("tc", "filter", "show", "dev", TAP_IFACE)
        kernel_send()
        got = per_port(drain(tp, 2, want=2 * N, timeout=3.0))
        drain_more = per_port(drain(tp, 2, timeout=0.5))
        for p, qs in drain_more.items():
            for q, c in qs.items():
                got.setdefault(p, {})[q] = got.get(p, {}).get(q, 0) + c
        expect(got.get(53) == {1: N}, f"udp 53: all {N} on queue 1 only: {got.get(53)}")
        expect(got.get(5000) == {0: N}, f"udp 5000: all {N} on queue 0 only: {got.get(5000)}")
        expect(5353 not in got, f"udp 5353 dropped by the rule: {got.get(5353)}")
        expect(len(table.rules) == 3, f"3 live rules: {table.rules}")
        return {"per_port_queue": got, "rules": [str(r) for r in rules], "tc_filters": tc.count("filter")}

    @check("tap_swap_and_undrop")
    def _():
        r53, r5000, rdrop = state["rules"]
        r53.destroy()
        r5000.destroy()
        rdrop.destroy()
        expect(r53.closed and table.rules == [], f"destroyed: {table.rules}")
        table.create([flow.eth(), flow.ipv4(), flow.udp(dst=53)], [flow.queue(0)])
        table.create([flow.eth(), flow.ipv4(), flow.udp(dst=5000)], [flow.queue(1)])
        table.create([flow.eth(), flow.ipv4(), flow.udp(dst=5353)], [flow.queue(1)])
        kernel_send()
        got = per_port(drain(tp, 2, want=3 * N))
        expect(got.get(53) == {0: N}, f"udp 53 now on queue 0: {got.get(53)}")
        expect(got.get(5000) == {1: N}, f"udp 5000 now on queue 1: {got.get(5000)}")
        expect(got.get(5353) == {1: N}, f"udp 5353 arrives again (drop rule gone), on queue 1: {got.get(5353)}")
        return got

    @check("tap_errors")
    def _():
        out: dict[str, Any] = {}
        for name, acts in (("queue 9", [flow.queue(9)]), ("mark", [flow.mark(1)])):
            try:
                table.create([flow.eth(), flow.ipv4(), flow.udp(dst=7)], acts)
                out[name] = "created"
            except flow.FlowError as exc:
                out[name] = {"errno": exc.errno, "kind": exc.kind, "index": exc.index, "message": exc.message}
        expect(out["queue 9"] != "created" and out["queue 9"]["kind"] == "action", f"queue 9 refused: {out}")
        return out

    @check("tap_flush_and_close")
    def _():
        rules = table.rules
        expect(len(rules) == 3, f"3 rules before flush: {rules}")
        table.flush()
        expect(all(r.closed for r in rules) and not table.rules, "flush closes the rule objects")
        kept = table.create([flow.eth(), flow.ipv4(), flow.udp(dst=53)], [flow.drop()])
        tp.close()
        expect(kept.closed, "Port.close destroyed the rule first")
        return {"after_close": repr(kept)}


IGB_RULES = {
    "ntuple udp dst 5001 -> q1": "pattern eth / ipv4 proto is 17 / udp dst is 5001 / end actions queue index 1 / end",
    "ntuple 5-tuple -> q1": "pattern eth / ipv4 src is 10.0.0.1 dst is 10.0.0.2 proto is 17 / "
                            "udp src is 4000 dst is 5001 / end actions queue index 1 / end",
    "ethertype 0x88f7 -> q1": "pattern eth type is 0x88f7 / end actions queue index 1 / end",
    "syn -> q1": "pattern eth / ipv4 / tcp flags spec 0x02 flags mask 0x02 / end actions queue index 1 / end",
    "flex raw 88b5 -> q1": "pattern raw relative 0 search 0 offset 12 limit 0 pattern_hex 88b5 / end "
                           "actions queue index 1 / end",
    "rss udp over q0,q1": "pattern eth / ipv4 / udp / end actions rss types ipv4-udp end queues 0 1 end / end",
    "drop udp": "pattern eth / ipv4 / udp dst is 5001 / end actions drop / end",
}


def _frames(kind: str, src: bytes, dst: bytes, n: int) -> list[bytes]:
    out = []
    for i in range(n):
        if kind == "udp":
            l4 = (4000).to_bytes(2, "big") + (5001).to_bytes(2, "big") + (26).to_bytes(2, "big") + b"\0\0" + bytes(18)
            proto = 17
        elif kind == "syn":
            l4 = (4000 + i).to_bytes(2, "big") + (80).to_bytes(2, "big") + bytes(8) + b"\x50\x02\x20\x00" + bytes(4)
            proto = 6
        else:
            etype = {"ptp": b"\x88\xf7", "flex": b"\x88\xb5"}[kind]
            out.append(dst + src + etype + bytes([i & 0xFF]) * 46)
            continue
        ip = b"\x45\x00" + (20 + len(l4)).to_bytes(2, "big") + b"\x00\x01\x00\x00\x40" + bytes([proto]) + b"\0\0" + \
            bytes([10, 0, 0, 1, 10, 0, 0, 2])
        out.append(dst + src + b"\x08\x00" + ip + l4)
    return out


_FRAME_OF = {"ntuple udp dst 5001 -> q1": "udp", "ntuple 5-tuple -> q1": "udp", "ethertype 0x88f7 -> q1": "ptp",
             "syn -> q1": "syn", "flex raw 88b5 -> q1": "flex", "rss udp over q0,q1": "udp", "drop udp": "udp"}


def igb_checks(pool, a, b) -> None:
    from pydpdk import flow
    for p in (a, b):
        p.setup(pool, 2, 2)
        p.promiscuous = True
    for p in (a, b):
        p.wait_link_up(10)
    table = flow.FlowTable(a)
    src, dst = bytes.fromhex(b.mac.replace(":", "")), bytes.fromhex(a.mac.replace(":", ""))

    def send_count(kind: str, n: int = 32) -> dict[int, int]:
        for q in range(2):
            a.rx_burst(q, 64).free()
        pkts = pool.burst(_frames(kind, src, dst, n))
        for _ in range(50):
            b.tx_burst(pkts)
            if not len(pkts):
                break
        pkts.free()
        got = {0: 0, 1: 0}
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and sum(got.values()) < n:
            for q in range(2):
                r = a.rx_burst(q, 32)
                got[q] += len(r)
                r.free()
            time.sleep(0.005)
        return got

    for name, text in IGB_RULES.items():
        @check(f"igb {name}")
        def _(name=name, text=text):
            cmd = flow.parse(f"flow validate {a.id} ingress {text}")
            res: dict = {"baseline": send_count(_FRAME_OF[name])}
            try:
                table.validate(cmd.pattern, cmd.actions, cmd.attr)
                res["validate"] = "ok"
            except flow.FlowError as exc:
                res["validate"] = f"{exc.error_type}: {exc.message} (errno {exc.errno})"
                return res
            try:
                rule = table.create(cmd.pattern, cmd.actions, cmd.attr)
            except flow.FlowError as exc:
                res["create"] = f"{exc.error_type}: {exc.message} (errno {exc.errno})"
                return res
            res["create"] = "ok"
            res["with_rule"] = send_count(_FRAME_OF[name])
            try:
                rule.destroy()
                res["destroy"] = "ok"
            except flow.FlowError as exc:
                res["destroy"] = f"{exc.error_type}: {exc.message} (errno {exc.errno})"
                rule._invalidate("destroy failed")
            res["effect"] = res["with_rule"] != res["baseline"]
            return res


def main(argv: list[str]) -> int:
    import pydpdk
    job = nicpair.job()
    pairs = nicpair.job_pairs(job)
    igb = [p for p in pairs if p.model == "igb"]
    others = [p for p in pairs if p.model != "igb" and p.kind == "pf"]
    if pairs and job.get("kdrv"):
        print("bound:", nicpair.bind([a for p in igb + others for a in p.pci], job["kdrv"]), flush=True)
    eal = nicpair.lab_eal([a for pair in igb + others for a in pair.pci])
    pool = pydpdk.Mempool.create("ethx_pool", 8191, cache_size=256)
    run_check(checks, "tap", lambda: tap_checks(pool))
    if igb:
        a, b = pydpdk.Port(igb[0].pci[0]), pydpdk.Port(igb[0].pci[1])
        run_check(checks, "igb", lambda: igb_checks(pool, a, b))
        extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ethx_extra.py")
        if os.path.exists(extra):
            import runpy
            mod = runpy.run_path(extra)
            run_check(checks, "extras", lambda: mod["run"](checks, pool, [a, b]))
            for pair in others:           # facts and RX interrupts of the other models
                pa, pb = pydpdk.Port(pair.pci[0]), pydpdk.Port(pair.pci[1])
                for p in (pa, pb):
                    p.setup(pool, 1, 1, nb_rxd=512, nb_txd=512)
                    p.promiscuous = True
                for p in (pa, pb):
                    p.wait_link_up(10)
                run_check(checks, f"{pair.model}", lambda: mod["run"](checks, pool, [pa, pb], pair.model, False))
    eal.cleanup()
    must = [k for k in checks if k.startswith("tap")]
    ok = all(checks[k]["ok"] for k in must) and "tap_steer_and_drop" in checks
    nicpair.write_result({"ok": ok, "checks": checks})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
