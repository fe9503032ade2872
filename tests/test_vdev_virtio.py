"""virtio-user and vhost-user against dpdk-testpmd in another process, both roles, with two
queue pairs; testpmd forwards (io, loop) what pydpdk sends straight back."""
import os
import tempfile

import pytest

import pydpdk
from pydpdk import interop, vdev
from pydpdk.testing.frames import make_frame
from pydpdk.testing.testpmd import Testpmd, warm_up
from pydpdk.testing.testpmd import needs_testpmd
from pydpdk.testing.wait import wait_for

pytestmark = [needs_testpmd()]


@pytest.fixture
def sockdir():
    d = tempfile.mkdtemp(prefix="pdv-")      # short: a UNIX socket path has at most 107 bytes
    yield d
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


def _roundtrip(port, pool, nq=2, n=64):
    """Per queue: n frames out, the same n back from the peer, byte-exact and in order."""
    for q in range(nq):
        frames = [make_frame(i + 1000 * q, 64 + (i * 37) % 1400) for i in range(n)]
        assert interop.send(port, pool, frames, queue=q) == n
        got = interop.receive(port, n, queue=q, timeout=5)
        assert got == frames, f"queue {q}: {len(got)} of {n} frames came back intact"


def _echo_through(port, pool, tp):
    """Link up, warm-up probes, both queues' round trip; testpmd received and sent exactly those frames."""
    assert port.wait_link_up(timeout=10).up
    probes = warm_up(port, pool)
    _roundtrip(port, pool)
    stats = tp.forward_stats()
    assert stats["rx"] == stats["tx"] == 128 + probes


def _wait_socket(path, tp, timeout=20):
    wait_for(lambda: os.path.exists(path), timeout, f"testpmd to make its socket {path}",
             proc=tp.proc, interval=0.05)


def test_pydpdk_virtio_user_with_testpmd_vhost(eal, pool, sockdir):
    sock = os.path.join(sockdir, "vh.sock")
    spec = vdev.VirtioUser("net_virtio_user_v0", path=sock, queues=2)
    with pytest.raises(pydpdk.InvalidArgumentError, match="start the vhost side first"):
        spec.check()
    with Testpmd([vdev.Vhost("net_vhost0", iface=sock, queues=2)],
                 ["--rxq=2", "--txq=2", "--port-topology=loop", "--forward-mode=io"]) as tp:
        tp.ready()
        _wait_socket(sock, tp)
        tp.cmd("start", r"io packet forwarding")
        [port] = vdev.attach(spec)
        try:
            port.setup(pool, 2, 2, nb_rxd=256, nb_txd=256)
            _echo_through(port, pool, tp)
        finally:
            vdev.detach(port)


def test_pydpdk_vhost_with_testpmd_virtio_user(eal, pool, sockdir):
    sock = os.path.join(sockdir, "vh.sock")
    spec = vdev.Vhost("net_vhost_v0", iface=sock, queues=2)
    [port] = vdev.attach(spec)
    try:
        port.setup(pool, 2, 2, nb_rxd=256, nb_txd=256)
        peer = vdev.VirtioUser("net_virtio_user0", path=sock, queues=2)
        with Testpmd([peer], ["--rxq=2", "--txq=2", "--port-topology=loop", "--forward-mode=io"]) as tp:
            tp.ready()
            tp.cmd("start", r"io packet forwarding")
            _echo_through(port, pool, tp)
    finally:
        vdev.detach(port)


def test_cli_virtio_user_gets_single_file_segments(sockdir):
    """`pydpdk fwd --vdev net_virtio_user0,...` on hugepages: --single-file-segments is added
    for the device (without it vhost-user cannot map the memory), and traffic ping-pongs with
    testpmd's vhost (both forward io, pydpdk sends the first burst)."""
    import json
    import subprocess
    import sys
    from conftest import ROOT
    from pydpdk.testing.procs import unpin
    sock = os.path.join(sockdir, "vh.sock")
    with Testpmd([vdev.Vhost("net_vhost0", iface=sock)], ["--port-topology=loop", "--forward-mode=io"]) as tp:
        tp.ready()
        _wait_socket(sock, tp)
        tp.cmd("start", r"io packet forwarding")
        cfg = pydpdk.EalConfig.from_argv(["--vdev", f"net_virtio_user0,path={sock}"])
        assert "--single-file-segments" in cfg.eal_argv()
        p = subprocess.run([sys.executable, "-m", "pydpdk", "fwd", "-l", "0-1", "--no-pci", "-m", "128",
                            "--file-prefix", f"pydpdk-vdev-cli-{os.getpid()}", "--vdev", f"net_virtio_user0,path={sock}",
                            "--", "--port-topology=loop", "--tx-first", "--duration", "1", "--json"],
                           capture_output=True, text=True, timeout=60, cwd=ROOT, preexec_fn=unpin)
        import shutil
        shutil.rmtree(f"/var/run/dpdk/pydpdk-vdev-cli-{os.getpid()}", ignore_errors=True)
        assert p.returncode == 0, p.stderr[-2000:]
        st = json.loads(p.stdout)
        assert tp.forward_stats()["rx"] > 0
    assert st["ports"][0]["rx_packets"] > 0, st
