"""pydpdk's own suite on the pydpdk pytest plugin (pydpdk.testing.pytest_plugin), plus what is
particular to this project: the session EAL also carries net_ring0/1 and net_null0/1 (the suite's
`ring_pair` is those two self-looped ring ports, not the plugin's crossed pair), the fixture
names the tests use (`eal`, `pool`), the leak check on every test, and running code in a child
interpreter that imports this tree's pydpdk.

The plugin is registered by the `pytest11` entry point when pydpdk is installed; when it is not
(a worktree, a plain checkout), this conftest loads it. Never both: pytest refuses a plugin
module registered twice.
"""
from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap

_PLUGIN = "pydpdk.testing.pytest_plugin"
# already imported = already registered (by the entry point, or -p): loading it again would fail
pytest_plugins = [] if _PLUGIN in sys.modules else [_PLUGIN]

import pytest  # noqa: E402

import pydpdk  # noqa: E402
from pydpdk.eal import hugepages_usable  # noqa: E402
from pydpdk.testing.frames import drain, make_frame  # noqa: E402,F401 (tests written on other branches import them from here)
from pydpdk.testing.procs import unpin  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SESSION_VDEVS = ["net_ring0", "net_ring1", "net_null0,size=64", "net_null1,size=64"]
collect_ignore = ["external"]       # the plugin's own users' suite: run by test_pytest_plugin.py


@functools.lru_cache(maxsize=None)
def session_config() -> pydpdk.EalConfig:
    """The session EAL's configuration (computed once: hugepages may be taken meanwhile)."""
    from pydpdk.testing.pytest_plugin import default_config    # imported by pytest first (assert rewriting)
    return default_config(file_prefix=f"pydpdk-test-{os.getpid()}", vdevs=SESSION_VDEVS)


@pytest.fixture(scope="session")
def dpdk_eal_config() -> pydpdk.EalConfig:
    return session_config()


@pytest.fixture(scope="session")
def eal(dpdk_eal) -> pydpdk.Eal:
    """The plugin's session EAL under the name the suite uses."""
    return dpdk_eal


@pytest.fixture(scope="session")
def pool(dpdk_pool) -> pydpdk.Mempool:
    """The plugin's session pool under the name the suite uses."""
    return dpdk_pool


@pytest.fixture(scope="session")
def small_pool(eal) -> pydpdk.Mempool:
    return pydpdk.Mempool.create("test_small", 255, cache_size=0, data_room=2048 + 128)


@pytest.fixture(autouse=True)
def _every_test_frees_its_mbufs(no_mbuf_leak):
    """The plugin's opt-in leak check, on for every test of this suite."""
    yield


@pytest.fixture
def short_dir():
    """A fresh directory with a short path (/tmp/pdXXXXXXXX, 15 bytes), removed afterwards: for
    files named in hotplugged devargs, which DPDK 24.11.8+/25.11 cap at 127 bytes (pytest's
    tmp_path alone is ~60). See pydpdk.dpdk_features.HOTPLUG_DEVARGS_MAX."""
    import pathlib
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="pd", dir="/tmp")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def ring_pair(eal, pool):
    """This suite's pair (overrides the plugin's): the EAL's net_ring0 and net_ring1, each looped
    back to itself (a port's TX ring is its own RX ring), configured, started, drained after."""
    p0, p1 = pydpdk.Port("net_ring0"), pydpdk.Port("net_ring1")
    for p in (p0, p1):
        if not p.started:
            p.setup(pool, nb_rxd=512, nb_txd=512)
    yield p0, p1
    drain(p0, p1)


def have_hugepages() -> bool:
    return hugepages_usable()


def run_threads(*targets, timeout: float = 120) -> None:
    """Run each target (a callable) in its own thread and wait for all of them, with a deadline;
    fails if one is still running then."""
    import threading
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread is still running after the deadline"


def run_python(code: str, *, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (its own EAL) importing this tree's pydpdk."""
    e = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if env:
        e.update(env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=e, cwd=ROOT, preexec_fn=unpin)
