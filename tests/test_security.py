"""What other users can reach of a pydpdk EAL, what runs without root, and that nothing executes
what a user wrote (issue 16, item 9)."""
from __future__ import annotations

import ast
import glob
import os
import pathlib
import socket
import stat
import subprocess
import sys
import textwrap

import pytest

import pydpdk
from pydpdk import config, eal as eal_mod, telemetry

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOBODY = 65534


def _as_nobody(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, cwd="/", env={"PATH": os.environ.get("PATH", ""),
                                                        "PYTHONPATH": str(ROOT), "HOME": "/tmp"})


def _needs_root_and_setpriv() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (to start processes as another user)")
    if subprocess.run(["which", "setpriv"], capture_output=True).returncode:
        pytest.skip("setpriv (util-linux) is not installed")


def test_runtime_files_sockets_and_hugepage_files_are_the_owners_only(eal):
    """/var/run/dpdk/PREFIX is 0700 (so its sockets, 0755 inside, are unreachable by others); no
    file in it is group/other-writable; hugepage files are 0600."""
    rundir = eal.runtime_dir
    st = os.stat(rundir)
    assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid()
    for path in glob.glob(os.path.join(rundir, "*")):
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        assert not mode & (stat.S_IWGRP | stat.S_IWOTH), f"{path} is {oct(mode)}"
    prefix = eal.file_prefix
    for path in glob.glob(f"/dev/hugepages/{prefix}map_*"):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_other_users_cannot_reach_the_telemetry_or_multiprocess_sockets(eal):
    _needs_root_and_setpriv()
    socks = [p for p in telemetry.sockets(eal.file_prefix)] + \
        [p for p in glob.glob(os.path.join(eal.runtime_dir, "mp_socket*"))]
    assert socks, "the EAL serves no socket to test"
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:    # root can (the owner)
        s.connect(socks[0])
    code = f"""
        import socket
        for path in {socks!r}:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET if "telemetry" in path else socket.SOCK_DGRAM)
            try:
                s.connect(path)
                print("REACHED", path)
            except PermissionError:
                print("REFUSED", path)
    """
    proc = _as_nobody(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("REFUSED") == len(socks) and "REACHED" not in proc.stdout, proc.stdout


@pytest.mark.host_changes
def test_vdevs_forward_without_root_on_ordinary_memory():
    """As an ordinary user (nobody): no hugepages (--no-huge), no PCI, ring and null vdevs, a
    forwarder on a worker lcore. What needs root is documented in docs/reliability.md."""
    _needs_root_and_setpriv()
    # the interpreter may live under /root (pyenv): let others traverse it for this test only
    dirs = [d for d in {os.path.dirname(os.path.realpath(sys.executable)), str(ROOT)}]
    changed = []
    for d in dirs:
        p = pathlib.Path(d)
        for parent in [p, *p.parents]:
            mode = stat.S_IMODE(os.stat(parent).st_mode)
            if not mode & stat.S_IXOTH:
                os.chmod(parent, mode | stat.S_IXOTH)
                changed.append((parent, mode))
    try:
        proc = _as_nobody("""
            import os, pydpdk
            cfg = pydpdk.EalConfig(lcores="0-1" if len(os.sched_getaffinity(0)) > 1 else "0", no_pci=True,
                                   no_huge=True, memory_mb=256, telemetry=False,
                                   vdevs=["net_ring0", "net_null0,size=64"])
            eal = pydpdk.Eal.init(cfg)
            pool = pydpdk.Mempool.create("nonroot", 2047, cache_size=0)
            ring, null = pydpdk.Port("net_ring0"), pydpdk.Port("net_null0")
            for p in (ring, null):
                p.setup(pool)
            b = pool.burst([b"\\x02" * 60] * 8)
            sent = ring.tx_burst(b)
            got = ring.rx_burst(0, 32)
            n = len(got)
            got.free()
            rx = -1
            if eal.worker_lcores():
                fwd = pydpdk.Forwarder([null], "rxonly")
                rx = fwd.run(0.2).rx_packets
                fwd.close()
            print("RESULT", os.getuid(), sent, n, rx > 0 or rx == -1, eal.runtime_dir)
            pydpdk.cleanup()
        """)
    finally:
        for parent, mode in reversed(changed):
            os.chmod(parent, mode)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")][0].split()
    assert line[1:5] == [str(NOBODY), "8", "8", "True"], line
    assert not line[5].startswith("/var/run"), line     # a user's runtime dir, not root's


def test_yaml_env_expansion_never_executes_anything(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.setenv("PYDPDK_SEC_PREFIX", "from-env")
    for text in (f"eal:\n  file_prefix: $(touch {marker})\n",
                 f"eal:\n  file_prefix: '`touch {marker}`'\n",
                 f"eal:\n  file_prefix: ${{X:-$(touch {marker})}}\n"):
        try:
            config.loads(text, "sec.yaml", check_env=False)
        except config.ConfigError:
            pass
        assert not marker.exists()
    setup = config.loads("eal:\n  file_prefix: ${PYDPDK_SEC_PREFIX}\n", "sec.yaml", check_env=False)
    assert setup.eal.file_prefix == "from-env"


def test_no_shell_strings_are_built_anywhere():
    """No subprocess call with shell=True, no os.system/os.popen in pydpdk/ (arguments are lists)."""
    bad = []
    for f in (ROOT / "pydpdk").rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text(), str(f))):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"):
                    bad.append(f"{f}:{node.lineno}: {name}")
                for kw in node.keywords:
                    if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                        bad.append(f"{f}:{node.lineno}: shell={ast.unparse(kw.value)}")
    assert not bad, bad


def test_bind_refuses_an_interface_with_addresses_naming_them(tmp_path):
    """host.bind refuses a device whose interface carries routes or addresses (here: a fake sysfs
    tree whose interface has a global IPv6 address and no route)."""
    from pydpdk.host import bind, devices
    addr = "0000:00:09.0"
    d = tmp_path / "sys/bus/pci/devices" / addr
    (d / "net/eth9").mkdir(parents=True)
    for name, val in (("vendor", "0x8086"), ("device", "0x100e"), ("class", "0x020000")):
        (d / name).write_text(val + "\n")
    net = tmp_path / "sys/class/net/eth9"
    net.parent.mkdir(parents=True)
    net.mkdir()
    (net / "device").symlink_to(d)
    proc = tmp_path / "proc/net"
    proc.mkdir(parents=True)
    (proc / "route").write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n")
    (proc / "if_inet6").write_text("20010db8000000000000000000000001 09 40 00 80 eth9\n"
                                    "fe800000000000000000000000000001 09 40 20 80 eth9\n")
    dev = devices.get_device(addr, root=str(tmp_path))
    assert dev.addresses == ("2001:db8::1/64%eth9",) and dev.active
    with pytest.raises(pydpdk.DeviceError, match=r"eth9 carries addresses \(2001:db8::1/64%eth9\)"):
        bind(addr, "uio_pci_generic", root=str(tmp_path))
