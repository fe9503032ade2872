"""The pytest plugin (pydpdk.testing.pytest_plugin): its fixtures here, on real vdevs and peers;
a user's suite (tests/external, the plugin's fixtures only) run by a plain `python3 -m pytest`
in another directory; its failure messages; and loading it by entry point next to this suite's
conftest (no double registration)."""
import glob
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

import pydpdk
from pydpdk import interop
from pydpdk.testing import WaitTimeout, make_frame, wait_for
from pydpdk.testing.peers import leaked_since, pool_counts
# the plugin's own ring_pair under another name (this suite's conftest overrides `ring_pair`
# with its self-looped net_ring ports)
from pydpdk.testing.pytest_plugin import ring_pair as crossed_pair  # noqa: F401
from pydpdk.testing.procs import unpin
from conftest import ROOT

PLUGIN = "pydpdk.testing.pytest_plugin"
HERE = os.path.dirname(os.path.abspath(__file__))


def _entry_point_installed() -> bool:
    return any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))


def _pytest(cwd, *args, env_path=None, timeout=300):
    """`python3 -m pytest` in cwd, importing this tree's pydpdk; `-p` the plugin only when no
    installed entry point loads it."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [p for p in (env_path, ROOT, os.environ.get("PYTHONPATH")) if p]))
    env.pop("PYTEST_ADDOPTS", None)
    plugin = [] if _entry_point_installed() or env_path else ["-p", PLUGIN]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=unpin)


def test_crossed_pair_what_a_sends_b_receives(crossed_pair, pool):
    a, b = crossed_pair
    assert a.started and b.started and a.id != b.id
    frames = [make_frame(i, 64 + i) for i in range(50)]
    assert interop.send(a, pool, frames) == 50
    assert interop.receive(a, None, timeout=0.05) == []       # not looped back
    assert interop.receive(b, 50, timeout=2) == frames
    assert interop.send(b, pool, frames[:3]) == 3
    assert interop.receive(a, 3, timeout=2) == frames[:3]


def test_crossed_pair_is_drained_and_closed_after(pool):
    from pydpdk.testing.peers import RingPair
    with RingPair(pool) as pair:
        a, b = pair
        assert interop.send(a, pool, [make_frame(1)] * 10) == 10        # left in b's RX ring
        assert pool_counts()[pool.name] >= 10
    assert a.closed and b.closed and all(r.closed for r in pair._rings)


def test_pcap_port_replay_and_written(pcap_port, pool):
    frames = [make_frame(i, 60 + 17 * i) for i in range(30)]
    pp = pcap_port(frames)
    assert pp.port.started and pp.port.driver == "net_pcap" and pp.count == 30
    got = interop.receive(pp.port, 30, timeout=2)
    assert got == frames
    assert interop.send(pp.port, pool, got[::-1]) == 30
    assert pp.written() == frames[::-1]
    assert pp.port.closed                                   # written() detached it (the file is flushed)
    from scapy.layers.inet import UDP                        # binds IP/UDP for decoding
    assert pp.written(decode="scapy")[0][UDP].dport == 4789


def test_wait_for_returns_the_value_and_names_what_it_waited_for():
    box = []
    assert wait_for(lambda: box.append(1) or len(box) >= 3 and len(box), 5, "three calls") == 3
    with pytest.raises(WaitTimeout, match=r"timed out after 0.05 s waiting for the moon to rise"):
        wait_for(lambda: False, 0.05, what="the moon to rise")
    with pytest.raises(AssertionError, match=r"waiting for lambda: 1 > 2"):
        wait_for(lambda: 1 > 2, 0.01)
    with pytest.raises(pydpdk.InvalidArgumentError, match="timeout"):
        wait_for(lambda: True, -1)


def test_leak_check_sees_an_mbuf_held(pool):
    before = pool_counts()
    m = pool.alloc()
    assert leaked_since(before) == {pool.name: 1}
    m.free()
    assert leaked_since(before) == {}


def test_kernel_peer_kernel_answers_arp(kernel_peer, pool):
    from scapy.layers.l2 import ARP, Ether
    kp = kernel_peer
    me = kp.port.mac
    req = Ether(dst="ff:ff:ff:ff:ff:ff", src=me) / ARP(op=1, hwsrc=me, psrc=kp.our_ip, pdst=kp.peer_ip)
    [rep] = interop.exchange(kp.port, pool, [req], 1, decode="scapy", timeout=3,
                             match=lambda f: Ether(f).haslayer(ARP) and Ether(f)[ARP].op == 2)
    assert rep[ARP].hwsrc == kp.peer_mac and rep[ARP].psrc == kp.peer_ip
    kp.neigh()
    assert kp.our_ip in kp.run("ip", "neigh", "show").stdout


@pytest.mark.parametrize("via", ["memif", "vhost"])
def test_testpmd_peer_echoes_io(testpmd_peer, pool, via):
    peer = testpmd_peer("io", via=via)
    frames = [make_frame(i, 64 + (i * 41) % 1400) for i in range(100)]
    assert interop.send(peer.port, pool, frames) == 100
    assert interop.receive(peer.port, 100, timeout=5) == frames
    assert peer.stats()["rx"] == 100 + peer.probes
    st = peer.forward_stats()            # a probe sent before our RX was ready may be dropped by testpmd's TX
    assert st["rx"] == 100 + peer.probes and 100 <= st["tx"] <= st["rx"], st


def test_testpmd_peer_macswap_on_the_other_cpu(testpmd_peer, pool):
    from pydpdk.testing.procs import main_cpu, other_cpu
    peer = testpmd_peer("macswap")
    f = make_frame(7, src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    assert interop.send(peer.port, pool, [f]) == 1
    [back] = interop.receive(peer.port, 1, timeout=5)
    assert back == f[6:12] + f[0:6] + f[12:]              # addresses swapped, the rest untouched
    assert f"1@{other_cpu()}" in " ".join(peer.testpmd.argv) and f"0@{main_cpu()}" in " ".join(peer.testpmd.argv)
    if len(os.sched_getaffinity(0) | set(pydpdk.eal._PROCESS_CPUS)) > 1:
        assert other_cpu() != main_cpu()


def test_markers_are_registered(pytestconfig):
    lines = pytestconfig.getini("markers")
    for name in ("niclab", "host_changes", "subprocess_eal"):
        assert any(ln.startswith(name + ":") for ln in lines), name


def test_users_suite_passes_with_plain_pytest(tmp_path):
    """tests/external copied elsewhere: `python3 -m pytest` there (no conftest) passes."""
    dst = tmp_path / "users_project"
    shutil.copytree(os.path.join(HERE, "external"), dst)
    assert not list(dst.glob("conftest.py"))
    p = _pytest(str(dst), "-rs")
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    ran = "5 passed" if len(pydpdk.eal._PROCESS_CPUS) > 1 else "4 passed, 1 skipped"
    assert ran in p.stdout, p.stdout[-2000:]


def test_failures_name_the_leak_and_the_wait(tmp_path):
    (tmp_path / "test_bad.py").write_text(textwrap.dedent("""
        held = []

        def test_leaks(no_mbuf_leak, dpdk_pool):
            held.append(dpdk_pool.alloc())

        def test_waits(wait_for):
            wait_for(lambda: False, 0.05, what="a packet that never comes")

        def test_where(dpdk_eal):
            print("RUNDIR", dpdk_eal.runtime_dir, dpdk_eal.file_prefix)
    """))
    p = _pytest(str(tmp_path), "-s")
    out = p.stdout
    assert p.returncode == 1, out[-3000:]
    [(rundir, prefix)] = re.findall(r"RUNDIR (\S+) (\S+)", out)
    assert prefix.startswith("pydpdk-pytest-") and prefix != f"pydpdk-pytest-{os.getpid()}"
    # the session's end cleaned the EAL up: no runtime directory, no hugepage files left
    assert not os.path.exists(rundir) and not glob.glob(f"/dev/hugepages/{prefix}map_*"), rundir
    assert "mbufs leaked (pool: in-use delta): {'dpdk_pool': 1}" in out, out[-3000:]
    assert "timed out after 0.05 s waiting for a packet that never comes" in out, out[-3000:]
    # the leaking test itself passed; the leak check fails in its teardown (an error)
    assert "1 failed, 2 passed, 1 error" in out, out[-600:]


def test_entry_point_and_this_conftest_load_the_plugin_once(tmp_path):
    """With the pytest11 entry point installed (a distribution on PYTHONPATH declaring it, as
    `pip install` does), this suite's conftest does not register the plugin a second time."""
    dist = tmp_path / "site" / "pydpdk_ep_probe-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pydpdk-ep-probe\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[pytest11]\npydpdk = {PLUGIN}\n")
    p = _pytest(ROOT, "-v", "tests/test_ring.py", env_path=str(tmp_path / "site"))
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert "plugins:" in p.stdout and "pydpdk-ep-probe-1.0" in p.stdout, p.stdout[:2000]   # loaded by entry point
    assert "passed" in p.stdout and "already registered" not in p.stdout + p.stderr


def test_docs_show_the_users_suite_as_it_is():
    src = open(os.path.join(HERE, "external", "test_users_suite.py")).read()
    body = src[src.index("import struct"):].rstrip()
    assert body in open(os.path.join(ROOT, "docs", "testing.md")).read(), \
        "docs/testing.md's user's test file differs from tests/external/test_users_suite.py"
