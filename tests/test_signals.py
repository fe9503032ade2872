"""Signals and exit (issue 16, item 4): SIGINT, SIGTERM and SIGHUP during `pydpdk fwd` and
`pydpdk run` stop the engines, print the final statistics, exit with 128 + the signal and leave
nothing behind; a second signal forces the exit within 2 s even when the main thread is stuck; a
Python exception while engines run stops them cleanly."""
from __future__ import annotations

import glob
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from conftest import ROOT, unpin
from pydpdk.eal import runtime_dir

try:
    from pydpdk.testing.wait import wait_for
except ImportError:              # before the pytest plugin's helpers land
    def wait_for(cond, timeout=10.0, what=None, *, proc=None, interval=0.05):
        deadline = time.monotonic() + timeout
        while True:
            v = cond()
            if v:
                return v
            if proc is not None and proc.poll() is not None:
                raise AssertionError(f"the process exited ({proc.returncode}) while waiting for {what}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            time.sleep(interval)

ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _left_behind(prefix: str) -> list[str]:
    return glob.glob(f"/dev/hugepages/{prefix}map_*") + \
        ([runtime_dir(prefix)] if os.path.exists(runtime_dir(prefix)) else [])


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pydpdk", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=ENV, cwd=ROOT, preexec_fn=unpin)


def _wait_output(proc: subprocess.Popen, stream, needle: bytes, timeout: float = 60) -> bytes:
    """Read stream (non-blocking) until needle shows; what was read."""
    os.set_blocking(stream.fileno(), False)
    buf = b""

    def seen() -> bool:
        nonlocal buf
        chunk = stream.read()
        if chunk:
            buf += chunk
        return needle in buf
    wait_for(seen, timeout, f"{needle!r} from the command", proc=proc, interval=0.05)
    return buf


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_fwd_stops_on_a_signal_prints_stats_and_leaves_nothing(sig):
    prefix = f"pydpdk-sig-{uuid.uuid4().hex[:8]}"
    proc = _start(["fwd", "--file-prefix", prefix])     # the default ring ports, forwarding until stopped
    try:
        out = _wait_output(proc, proc.stdout, b"Press Ctrl-C")
        proc.send_signal(sig)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out += rest
    assert proc.returncode == 128 + sig, err.decode()[-2000:]
    assert b"Accumulated forward statistics" in out and f"stopped by {sig.name}".encode() in err
    assert not _left_behind(prefix)


def test_run_yaml_stops_on_sigterm(tmp_path):
    prefix = f"pydpdk-sigr-{uuid.uuid4().hex[:8]}"
    setup = tmp_path / "s.yaml"
    setup.write_text(f"eal:\n  lcores: 0-1\n  no_pci: true\n  file_prefix: {prefix}\nvdevs: [net_ring0, net_ring1]\n"
                     "forwarding:\n  mode: io\n  tx_first: true\n")
    proc = _start(["run", str(setup)])
    try:
        _wait_output(proc, proc.stdout, b"Press Ctrl-C")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err.decode()[-2000:]
    assert b"Accumulated forward statistics" in out
    assert not _left_behind(prefix)


def test_second_signal_forces_exit_when_the_main_thread_is_stuck():
    """stdout is a pipe nobody reads and --stats-period fills it: the main thread blocks in write()
    and the first SIGINT cannot finish the run. The second one forces the exit within 2 s, still
    removing the hugepage files and the runtime directory."""
    prefix = f"pydpdk-sig2-{uuid.uuid4().hex[:8]}"
    proc = _start(["fwd", "--file-prefix", prefix, "--", "--stats-period", "0.001"])
    try:
        _wait_output(proc, proc.stderr, b"")             # started; now stop reading stdout
        wait_for(lambda: os.path.exists(runtime_dir(prefix)), 60, "the EAL to start", proc=proc)
        time.sleep(1.0)                                  # the measured interval that fills the pipe
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)
        assert proc.poll() is None, "the run ended on the first signal: stdout did not block it"
        t = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
        took = time.monotonic() - t
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read() if proc.stderr else b""
    assert proc.returncode == 128 + signal.SIGINT and b"forced exit" in err, err[-2000:]
    assert took < 2.0, f"forced exit took {took:.2f} s"
    assert not _left_behind(prefix)


def test_exception_while_engines_run_stops_them_cleanly():
    prefix = f"pydpdk-sigx-{uuid.uuid4().hex[:8]}"
    code = textwrap.dedent(f"""
        import pydpdk
        eal = pydpdk.Eal.init(pydpdk.EalConfig.auto(lcores="0-1", no_pci=True, vdevs=["net_ring0", "net_ring1"],
                                                    file_prefix={prefix!r}))
        pool = pydpdk.Mempool.create("x", 8191)
        ports = [p.setup(pool) for p in pydpdk.ports()]
        fwd = pydpdk.Forwarder(ports, "io")
        fwd.start(tx_first=True)
        print("RUNNING", flush=True)
        raise RuntimeError("the script fails while the engines run")
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=ENV, cwd=ROOT, preexec_fn=unpin)
    assert "RUNNING" in proc.stdout and proc.returncode == 1
    assert "RuntimeError: the script fails" in proc.stderr
    assert not _left_behind(prefix)
