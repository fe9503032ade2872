"""Drive dpdk-testpmd and ``pydpdk fwd`` the same way: interactive commands over a pipe.

Both read testpmd's commands (``start tx_first``, ``show port stats all``, ``stop``, ``quit``)
on stdin and print testpmd's ``NIC statistics`` blocks on stdout; a reader thread stamps every
line with the monotonic time it arrived, so both sides are measured by the same clock and the
same port counters (rte_eth_stats: RX-packets / TX-packets per port).
"""
from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Sequence

_RX = re.compile(r"^\s*RX-packets:\s*(\d+)\s+RX-missed")
_TX = re.compile(r"^\s*TX-packets:\s*(\d+)\s+TX-errors")


class BenchError(RuntimeError):
    pass


@dataclass
class Snapshot:
    t: float            # monotonic time the last port's counters arrived
    rx: list[int]       # per port
    tx: list[int]


class PipeProcess:
    """A forwarding process fed commands on stdin; its stdout lines collected with timestamps."""

    def __init__(self, argv: Sequence[str], *, env: dict | None = None, name: str = ""):
        self.name = name or os.path.basename(argv[0])
        self.argv = list(argv)
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1, env=env,
                                     preexec_fn=child_setup)
        self.lines: list[tuple[float, str]] = []
        self._cv = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cv:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self._cv.notify_all()
        with self._cv:
            self._eof = True
            self._cv.notify_all()

    def send(self, cmd: str) -> float:
        assert self.proc.stdin is not None
        t = time.monotonic()
        try:
            self.proc.stdin.write(cmd + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise BenchError(f"{self.name} exited early:\n{self.output()[-3000:]}") from None
        return t

    def output(self) -> str:
        with self._cv:
            return "\n".join(line for _, line in self.lines)

    def wait_lines(self, start: int, pred, timeout: float) -> int:
        """Wait until pred(lines[start:]) holds; returns len(lines) at that point."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                if pred(self.lines[start:]):
                    return len(self.lines)
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    why = "exited" if self._eof else f"did not answer in {timeout:.0f} s"
                    raise BenchError(f"{self.name} {why}:\n{self.output()[-3000:]}")
                self._cv.wait(min(left, 0.5))

    def stats(self, nports: int, timeout: float = 30) -> Snapshot:
        """``show port stats all``: every port's RX-packets and TX-packets, and when they arrived."""
        with self._cv:
            start = len(self.lines)
        self.send("show port stats all")

        def done(lines):
            return sum(1 for _, s in lines if _TX.match(s)) >= nports
        self.wait_lines(start, done, timeout)
        with self._cv:
            got = self.lines[start:]
        rx = [int(m.group(1)) for _, s in got if (m := _RX.match(s))][:nports]
        txl = [(t, int(m.group(1))) for t, s in got if (m := _TX.match(s))][:nports]
        return Snapshot(txl[-1][0], rx, [v for _, v in txl])

    def finish(self, timeout: float = 60) -> int:
        """stop, quit, and wait for the exit status."""
        for cmd in ("stop", "quit"):
            try:
                self.send(cmd)
            except BenchError:
                break
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self._reader.join(5)
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


NICE = 0     # bench/run.py --nice: added to both sides' niceness alike


def unpin() -> None:
    """Every CPU back (the caller may run pinned, e.g. under pytest with an EAL)."""
    try:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    except OSError:
        pass


def child_setup() -> None:
    """preexec_fn of both sides: every CPU, and the --nice adjustment."""
    unpin()
    if NICE:
        try:
            os.nice(NICE)
        except OSError:
            pass


def measure_rate(argv: Sequence[str], *, nports: int, start_cmd: str, warmup: float, seconds: float,
                 counter: str = "rx", name: str = "", env: dict | None = None) -> dict:
    """Forwarding rate over a fixed window after warm-up: delta of the per-port counters
    (summed over ports) divided by the time between the two snapshots."""
    p = PipeProcess(argv, env=env, name=name)
    try:
        p.stats(nports, timeout=120)            # ready: the shell answers
        p.send(start_cmd)
        time.sleep(warmup)
        a = p.stats(nports)
        time.sleep(seconds)
        b = p.stats(nports)
        rc = p.finish()
        if rc != 0:
            raise BenchError(f"{p.name} exited with {rc}:\n{p.output()[-3000:]}")
    finally:
        p.kill()
    va, vb = (a.rx, b.rx) if counter == "rx" else (a.tx, b.tx)
    dt = b.t - a.t
    pkts = sum(vb) - sum(va)
    return {"mpps": pkts / dt / 1e6, "packets": pkts, "window_s": dt}


def measure_drain(argv: Sequence[str], *, nports: int, total: int, port: int = 0, timeout: float = 300,
                  poll: float = 0.002, name: str = "", env: dict | None = None) -> dict:
    """Wall time from ``start`` until port `port` has transmitted `total` packets (pcap replay)."""
    p = PipeProcess(argv, env=env, name=name)
    try:
        p.stats(nports, timeout=120)
        t0 = p.send("start")
        deadline = t0 + timeout
        while True:
            s = p.stats(nports)
            if s.tx[port] >= total:
                break
            if time.monotonic() > deadline:
                raise BenchError(f"{p.name}: only {s.tx[port]} of {total} packets sent in {timeout} s")
            time.sleep(poll)
        rc = p.finish()
        if rc != 0:
            raise BenchError(f"{p.name} exited with {rc}:\n{p.output()[-3000:]}")
    finally:
        p.kill()
    wall = s.t - t0
    return {"wall_s": wall, "packets": s.tx[port], "mpps": s.tx[port] / wall / 1e6}
