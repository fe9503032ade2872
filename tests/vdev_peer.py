"""dpdk-testpmd as a peer process, driven over stdin in interactive mode (-i)."""
from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import tempfile
import time

from conftest import unpin

TESTPMD = shutil.which("dpdk-testpmd") or "/usr/bin/dpdk-testpmd"
_seq = itertools.count()


class Testpmd:
    """dpdk-testpmd in its own process and EAL (own --file-prefix, ordinary memory)."""

    __test__ = False

    def __init__(self, vdevs: list[str], app: list[str] = (), *, eal: list[str] = (),
                 program: list[str] | None = None):
        """program: another testpmd-compatible command (e.g. ``python -m pydpdk fwd``)."""
        self.prefix = f"pydpdk-vdev-tp-{os.getpid()}-{next(_seq)}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="testpmd-", suffix=".log", delete=False)
        argv = [*(program or ["stdbuf", "-oL", TESTPMD]), "-l", "0-1", "--no-pci", "--no-huge", "-m", "256", "--file-prefix", self.prefix,
                "--log-level", "*:notice", *eal]
        for v in vdevs:
            argv += ["--vdev", str(v)]
        argv += ["--", "-i", "--total-num-mbufs=8192", *app]
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT,
                                     text=True, preexec_fn=unpin)
        self.pos = 0

    def output(self) -> str:
        with open(self.log.name) as f:
            return f.read()

    def wait_for(self, pattern: str, timeout: float = 20.0) -> re.Match:
        """The first match of pattern in output written after the last wait_for."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.output()
            m = re.compile(pattern).search(out, self.pos)
            if m:
                self.pos = m.end()
                return m
            if self.proc.poll() is not None:
                raise RuntimeError(f"testpmd exited ({self.proc.returncode}):\n{out[-3000:]}")
            time.sleep(0.05)
        raise TimeoutError(f"testpmd printed no {pattern!r} in {timeout} s:\n{self.output()[-3000:]}")

    def cmd(self, line: str, expect: str | None = None, timeout: float = 20.0) -> re.Match | None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.wait_for(expect, timeout) if expect else None

    def ready(self) -> "Testpmd":
        self.wait_for(r"testpmd> ", 60)
        return self

    def tx_packets(self, port: int = 0) -> int:
        m = self.cmd(f"show port stats {port}", r"TX-packets:\s*(\d+)")
        return int(m.group(1))

    def forward_stats(self) -> dict[str, int]:
        """'stop' and the accumulated RX/TX packet counts testpmd prints."""
        self.cmd("stop", r"Done\.")
        out = self.output()
        acc = out[out.rfind("Accumulated forward statistics"):]
        rx = int(re.search(r"RX-packets:\s*(\d+)", acc).group(1))
        tx = int(re.search(r"TX-packets:\s*(\d+)", acc).group(1))
        return {"rx": rx, "tx": tx}

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(15)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log.name)
        shutil.rmtree(f"/var/run/dpdk/{self.prefix}", ignore_errors=True)   # the EAL's runtime dir

    def __enter__(self) -> "Testpmd":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def warm_up(port, pool, timeout: float = 10.0) -> int:
    """Send a probe frame until the peer echoes one: links report up before a peer's rings are
    ready. Returns the probes sent (they and their echoes are drained)."""
    import time as _t
    from pydpdk import interop
    probe = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x88\xb5" + b"probe".ljust(46, b".")
    deadline, sent = _t.monotonic() + timeout, 0
    while _t.monotonic() < deadline:
        sent += interop.send(port, pool, [probe], timeout=0.1)
        if interop.receive(port, 1, timeout=0.1, match=lambda f: f == probe):
            interop.receive(port, None, timeout=0.2)
            return sent
    raise TimeoutError(f"the peer echoed none of {sent} probes in {timeout} s")


def needs_testpmd():
    import pytest
    return pytest.mark.skipif(not os.path.exists(TESTPMD) or shutil.which("stdbuf") is None,
                              reason=f"needs {TESTPMD} (Debian package dpdk) and stdbuf (coreutils) as the peer")
