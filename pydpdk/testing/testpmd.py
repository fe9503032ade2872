"""dpdk-testpmd as a peer process, driven over stdin in interactive mode (-i).

    with Testpmd([vdev.Memif("net_memif0", role="server", socket=sock)],
                 ["--forward-mode=io", "--port-topology=loop"]) as tp:
        tp.ready()
        tp.cmd("start", r"io packet forwarding")
        ...
        tp.forward_stats()     # {'rx': ..., 'tx': ...}
"""
from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
from typing import IO, TYPE_CHECKING, Any, Sequence

from .procs import cleanup_prefix, unpin
from .wait import WaitTimeout, wait_for

if TYPE_CHECKING:
    import pytest

    from ..ethdev import Port
    from ..mempool import Mempool

__all__ = ["Testpmd", "TESTPMD", "warm_up", "testpmd_missing", "needs_testpmd"]

TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"
_seq = itertools.count()


class Testpmd:
    """dpdk-testpmd in its own process and EAL (own --file-prefix, ordinary memory)."""

    __test__ = False

    def __init__(self, vdevs: Sequence[Any], app: Sequence[str] = (), *, eal: Sequence[str] = (),
                 program: Sequence[str] | None = None, lcores: str = "0-1") -> None:
        """vdevs: devargs or vdev specs for testpmd's side; app: testpmd's own options (after
        ``--``); eal: more EAL options; program: another testpmd-compatible command (e.g.
        ``python -m pydpdk fwd``); lcores: ``-l`` list, or an ``--lcores`` map such as
        ``"0@0,1@1"`` (lcore 1, testpmd's forwarding lcore, on CPU 1)."""
        self.prefix = f"pydpdk-vdev-tp-{os.getpid()}-{next(_seq)}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="testpmd-", suffix=".log", delete=False)
        cores = ["--lcores", lcores] if "@" in lcores else ["-l", lcores]
        argv = [*(program or ["stdbuf", "-oL", TESTPMD]), *cores, "--no-pci", "--no-huge", "-m", "256",
                "--file-prefix", self.prefix, "--log-level", "*:notice", *eal]
        for v in vdevs:
            argv += ["--vdev", str(v)]
        argv += ["--", "-i", "--total-num-mbufs=8192", *app]
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT,
                                     text=True, preexec_fn=unpin)
        if self.proc.stdin is None:                 # (stdin=PIPE: never)
            raise RuntimeError("testpmd started without a stdin pipe")
        self._stdin: IO[str] = self.proc.stdin
        self.pos = 0

    def output(self) -> str:
        """Everything testpmd printed so far."""
        with open(self.log.name) as f:
            return f.read()

    def wait_for(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The first match of pattern in output written after the last wait_for."""
        rx = re.compile(pattern)

        def printed() -> re.Match[str] | None:
            m = rx.search(self.output(), self.pos)
            if m is None and self.proc.poll() is not None:
                raise RuntimeError(f"testpmd exited ({self.proc.returncode}):\n{self.output()[-3000:]}")
            return m
        try:
            m = wait_for(printed, timeout, f"testpmd to print {pattern!r}", interval=0.05)
        except WaitTimeout as e:
            raise TimeoutError(f"{e}:\n{self.output()[-3000:]}") from None
        self.pos = m.end()
        return m

    def cmd(self, line: str, expect: str | None = None, timeout: float = 20.0) -> re.Match[str] | None:
        """Type a command at testpmd's prompt; with expect, wait for that pattern in its answer."""
        self._stdin.write(line + "\n")
        self._stdin.flush()
        return self.wait_for(expect, timeout) if expect else None

    def ask(self, line: str, expect: str, timeout: float = 20.0) -> re.Match[str]:
        """:meth:`cmd` with an answer: the match of expect in what testpmd printed."""
        self._stdin.write(line + "\n")
        self._stdin.flush()
        return self.wait_for(expect, timeout)

    def ready(self) -> "Testpmd":
        """Wait for testpmd's first prompt (its ports are up)."""
        self.wait_for(r"testpmd> ", 60)
        return self

    def port_stats(self, port: int = 0) -> dict[str, int]:
        """testpmd's 'show port stats': {'rx': RX-packets, 'tx': TX-packets} of its port."""
        m = self.ask(f"show port stats {port}", r"RX-packets:\s*(\d+)[\s\S]*?TX-packets:\s*(\d+)")
        return {"rx": int(m.group(1)), "tx": int(m.group(2))}

    def tx_packets(self, port: int = 0) -> int:
        """TX-packets of testpmd's port ``port`` (from :meth:`port_stats`)."""
        return self.port_stats(port)["tx"]

    def forward_stats(self) -> dict[str, int]:
        """'stop' and the accumulated RX/TX packet counts testpmd prints."""
        self.cmd("stop", r"Done\.")
        out = self.output()
        acc = out[out.rfind("Accumulated forward statistics"):]
        m = re.search(r"RX-packets:\s*(\d+)[\s\S]*?TX-packets:\s*(\d+)", acc)
        if m is None:
            raise RuntimeError(f"testpmd printed no accumulated forward statistics:\n{out[-3000:]}")
        return {"rx": int(m.group(1)), "tx": int(m.group(2))}

    def close(self) -> None:
        """Quit testpmd (kill it if it does not exit in 15 s), remove its log and EAL runtime dir."""
        if self.proc.poll() is None:
            try:
                self._stdin.write("quit\n")
                self._stdin.flush()
                self.proc.wait(15)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if os.path.exists(self.log.name):
            os.unlink(self.log.name)
        cleanup_prefix(self.prefix)       # the EAL's runtime dir

    def __enter__(self) -> "Testpmd":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


PROBE = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x88\xb5" + b"probe".ljust(46, b".")


def _is_probe(frame: bytes) -> bool:
    return frame[12:] == PROBE[12:]


def warm_up(port: "Port", pool: "Mempool", timeout: float = 10.0) -> int:
    """Send a probe frame until the peer echoes one: links report up before a peer's rings are
    ready. Returns the probes sent (they and their echoes are drained). An echo may carry other
    MAC addresses (testpmd's mac, macswap and 5tswap modes rewrite them)."""
    from pydpdk import interop
    sent = 0

    def echoed() -> bool:
        nonlocal sent
        sent += interop.send(port, pool, [PROBE], timeout=0.1)
        return bool(interop.receive(port, 1, timeout=0.1, match=_is_probe))
    try:
        wait_for(echoed, timeout, "the peer to echo a probe frame", interval=0)
    except WaitTimeout:
        raise TimeoutError(f"the peer echoed none of {sent} probes in {timeout} s") from None
    interop.receive(port, None, timeout=0.2)      # the other probes' echoes, if any
    return sent


def testpmd_missing() -> str | None:
    """Why dpdk-testpmd cannot be the peer here, or None."""
    if not os.path.exists(TESTPMD):
        return f"needs {TESTPMD} (Debian package dpdk) as the peer"
    if shutil.which("stdbuf") is None:
        return "needs stdbuf (coreutils) to read dpdk-testpmd's output line by line"
    return None


def needs_testpmd() -> "pytest.MarkDecorator":
    """A pytest skip mark for tests with a dpdk-testpmd peer."""
    import pytest
    why = testpmd_missing()
    return pytest.mark.skipif(why is not None, reason=why or "")
