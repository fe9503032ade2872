"""Part of ethx_check.py (NIC lab guest): device facts, timesync and RX interrupts on igb.

run(checks, pool, [a, b]) records what the net_e1000_igb PMD answers on QEMU's 82576 model."""
from __future__ import annotations

import time

from pydpdk.testing.guestcheck import expect, run_check

PTP_SYNC = bytes.fromhex("011b19000000") + bytes(6) + b"\x88\xf7" + bytes([0x00, 0x02, 0x00, 0x2c]) + bytes(40)


def run(checks: dict, pool, ports, label: str = "igb", full: bool = True) -> None:
    """Record facts and RX interrupts of a cabled pair (full: also controls and timesync)."""
    from pydpdk.ethdev import facts
    from pydpdk.errors import NotSupportedError
    a, b = ports

    def facts_check():
        out = {}
        for p in (a, b):
            s = facts.summary(p)
            for k, v in list(s.items()):
                s[k] = str(v)
            out[p.name] = s
        if label == "igb":
            expect(not out[a.name]["registers"].startswith("not supported"), f"igb dumps registers: {out}")
        return out
    run_check(checks, f"{label} facts", facts_check)

    def controls():
        out = {}
        for name, fn in (("led_on", lambda: facts.led(a, True)), ("led_off", lambda: facts.led(a, False)),
                         ("flow_control_full", lambda: facts.set_flow_control(a, "full")),
                         ("flow_control_none", lambda: facts.set_flow_control(a, "none")),
                         ("rate_limit", lambda: facts.set_queue_rate_limit(a, 0, 100)),
                         ("eeprom_head", lambda: facts.eeprom(a)[:16].hex())):
            try:
                out[name] = str(fn())
            except NotSupportedError as exc:
                out[name] = f"not supported by {exc.driver}"
            except Exception as exc:  # noqa: BLE001 - recorded
                out[name] = f"{type(exc).__name__}: {exc}"
        return out
    if full:
        run_check(checks, f"{label} controls", controls)

    def timesync():
        out: dict[str, int | None] = {}
        try:
            facts.timesync_enable(a)
            facts.timesync_enable(b)
        except NotSupportedError as exc:
            return {"enable": f"not supported by {exc.driver}"}
        t1 = facts.timesync_read_time(a)
        time.sleep(0.2)
        t2 = facts.timesync_read_time(a)
        out["clock_advances_ns_in_0.2s"] = t2 - t1
        facts.timesync_write_time(a, 1_000_000_000_000)
        out["after_write_ns"] = facts.timesync_read_time(a)
        facts.timesync_adjust(a, 5_000_000)
        out["after_adjust_ns"] = facts.timesync_read_time(a)
        facts.timesync_read_rx(a)                     # clear latched stamps
        facts.timesync_read_tx(b)
        burst = pool.burst([PTP_SYNC] * 4)
        for m in burst:
            m.ol_flags = m.ol_flags | facts.TX_IEEE1588_TMST      # ask for a TX timestamp
        b.tx_burst(burst)
        burst.free()
        deadline = time.monotonic() + 2
        got, flagged = 0, 0
        while time.monotonic() < deadline and got < 4:
            for q in range(a.nb_rx_queues):
                r = a.rx_burst(q, 32)
                got += len(r)
                flagged += sum(1 for m in r if m.ol_flags & facts.RX_IEEE1588_PTP)
                r.free()
        out["ptp_frames_received"] = got
        out["rx_flagged_ptp"] = flagged
        out["rx_timestamp_ns"] = facts.timesync_read_rx(a)
        out["tx_timestamp_ns"] = facts.timesync_read_tx(b)
        facts.timesync_disable(a)
        facts.timesync_disable(b)
        return out
    if full:
        run_check(checks, f"{label} timesync", timesync)

    def interrupts():
        from pydpdk.ethdev.intr import RxInterrupts
        a.stop()
        try:
            a.configure(1, 1, rx_interrupts=True)
        except NotSupportedError as exc:
            a.configure(1, 1)                  # back to a working port
            a.rx_queue_setup(0, 512, pool)
            a.tx_queue_setup(0, 512)
            a.start()
            return {"configure_with_rx_interrupts": str(exc), "driver": exc.driver}
        a.rx_queue_setup(0, 512, pool)
        a.tx_queue_setup(0, 512)
        frame = b"\xff" * 6 + bytes.fromhex(b.mac.replace(":", "")) + b"\x88\xb5" + bytes(46)
        try:
            a.start()
        except Exception as exc:  # noqa: BLE001 - recorded
            return {"start_with_rx_interrupts": f"{type(exc).__name__}: {exc}"}
        try:
            rxi = RxInterrupts(a)
        except NotSupportedError as exc:
            return {"rx_interrupts": str(exc)}
        with rxi:
            c0 = time.process_time()
            idle = rxi.wait_rx(0, 1.0)
            cpu = time.process_time() - c0
            burst = pool.burst([frame])
            b.tx_burst(burst)
            burst.free()
            got = rxi.recv_blocking(0, timeout=5)
            n = len(got)
            got.free()
        return {"idle_wait": idle, "idle_cpu_s": round(cpu, 4), "woken_burst": n}
    run_check(checks, f"{label} rx interrupts", interrupts)
