"""Peer DPDK processes for the telemetry and multi-process tests: a dpdk-testpmd and a pydpdk
forwarder (`pydpdk fwd`), each on its own --file-prefix and hugepages, always cleaned up."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import ROOT
from pydpdk import telemetry
from pydpdk.eal import hugepages_usable
from pydpdk.testing.procs import cleanup_prefix, unpin
from pydpdk.testing.wait import wait_for

TESTPMD = shutil.which("dpdk-testpmd")


class Peer:
    """A primary DPDK process forwarding between net_ring0 and net_ring1 (tx_first primed)."""

    def __init__(self, kind: str, prefix: str):
        self.kind, self.prefix = kind, prefix
        self.proc: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        eal = ["-l", "0-1", "--no-pci", "--vdev", "net_ring0", "--vdev", "net_ring1",
               "--file-prefix", self.prefix, "-m", "128"]
        if self.kind == "testpmd":
            # non-interactive testpmd starts forwarding at once and stops on a newline on stdin
            return [TESTPMD, *eal, "--", "--tx-first", "--total-num-mbufs", "4096"]
        return [sys.executable, "-m", "pydpdk", "fwd", *eal, "--", "--tx-first",
                "--total-num-mbufs", "4096"]

    def __enter__(self) -> "Peer":
        if self.kind == "testpmd" and TESTPMD is None:
            pytest.skip("dpdk-testpmd is not installed (Debian package dpdk)")
        if not hugepages_usable():
            pytest.skip("multi-process and peer tests need free, mounted 2 MiB hugepages")
        cleanup_prefix(self.prefix)
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
                                     preexec_fn=unpin)
        try:
            sock = os.path.join(telemetry.runtime_dir(self.prefix), telemetry.SOCKET_NAME)
            wait_for(lambda: os.path.exists(sock) and self._forwarding(), 60,
                     f"{self.kind} to forward", proc=self.proc, interval=0.1)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _forwarding(self) -> bool:
        try:
            with telemetry.Client(self.prefix, timeout=2) as t:
                return all(t.port_stats(p)["ipackets"] > 0 for p in (0, 1))
        except Exception:
            return False

    def __exit__(self, *exc) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            try:
                if self.kind == "testpmd":
                    proc.stdin.write("\n")
                    proc.stdin.flush()
                else:
                    proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait(timeout=10)
        if proc is not None:
            for f in (proc.stdin, proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
        cleanup_prefix(self.prefix)
