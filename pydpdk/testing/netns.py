"""veth pairs and network namespaces for kernel-peer tests (root: CAP_NET_ADMIN): unique names,
removed after use. The namespace end gets an address; the root end stays address-less (no kernel
answers there: only the pydpdk port on it does).

    with Netns() as ns, Veth(ns, "10.199.0.2/24") as v:
        ...   # a pydpdk port on v.outer talks to the kernel in ns
"""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

from .wait import wait_for

if TYPE_CHECKING:
    import pytest

__all__ = ["Netns", "Veth", "sh", "quiet", "raw_send", "RawCapture", "tx_checksum_off",
           "netadmin_missing", "needs_netadmin", "UDP_ECHO", "TCP_LISTEN"]

_seq = itertools.count()


def sh(*cmd: str, ns: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command (inside network namespace ns if given); RuntimeError with its stderr on failure."""
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    p = subprocess.run(full, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError(f"{' '.join(full)} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def quiet(iface: str, ns: str | None = None) -> None:
    """No IPv6 (no router/neighbour solicitations) on iface: the test sees only its own traffic."""
    sh("sysctl", "-qw", f"net.ipv6.conf.{iface}.disable_ipv6=1", ns=ns, check=False)


class Netns:
    """A network namespace named pdv<pid>n<n> (removed on close, with the interfaces in it)."""

    def __init__(self) -> None:
        self.name = f"pdv{os.getpid() % 100000}n{next(_seq)}"
        sh("ip", "netns", "add", self.name)
        sh("ip", "link", "set", "lo", "up", ns=self.name)

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside this namespace (see :func:`sh`)."""
        return sh(*cmd, ns=self.name, check=check)

    def add_iface(self, iface: str, addr: str, mac: str | None = None) -> None:
        """Move iface (from the root namespace) in, give it addr (CIDR) and bring it up."""
        sh("ip", "link", "set", iface, "netns", self.name)
        quiet(iface, self.name)
        if mac:
            self.run("ip", "link", "set", iface, "address", mac)
        self.run("ip", "addr", "add", addr, "dev", iface)
        self.run("ip", "link", "set", iface, "up")

    def popen(self, code: str) -> subprocess.Popen[str]:
        """A Python child running code inside the namespace."""
        return subprocess.Popen(["ip", "netns", "exec", self.name, sys.executable, "-c", textwrap.dedent(code)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def close(self) -> None:
        """Delete the namespace (and the interfaces in it); ignores one already gone."""
        sh("ip", "netns", "del", self.name, check=False)

    def __enter__(self) -> "Netns":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Veth:
    """A veth pair: .outer stays in the root namespace (for a pydpdk port), .inner goes to a
    Netns with an address."""

    def __init__(self, ns: Netns | None = None, addr: str = "10.199.0.2/24",
                 inner_mac: str = "02:00:00:00:99:02") -> None:
        n = next(_seq)
        base = f"pv{os.getpid() % 100000}{n}"
        self.outer, self.inner = base + "a", base + "b"
        sh("ip", "link", "add", self.outer, "mtu", "9000", "type", "veth", "peer", "name", self.inner,
           "mtu", "9000")
        quiet(self.outer)
        sh("ip", "link", "set", self.outer, "up")
        self.ns = ns
        if ns is not None:
            ns.add_iface(self.inner, addr, inner_mac)
        else:
            quiet(self.inner)
            sh("ip", "link", "set", self.inner, "up")
        self.inner_mac = inner_mac
        self.inner_ip = addr.split("/")[0]
        wait_for(lambda: open(f"/sys/class/net/{self.outer}/operstate").read().strip() == "up",
                 5, f"carrier on veth {self.outer}")

    def close(self) -> None:
        """Delete the veth pair (both ends go); ignores one already gone."""
        sh("ip", "link", "del", self.outer, check=False)

    def __enter__(self) -> "Veth":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


UDP_ECHO = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", {port}))
print("ready", flush=True)
s.settimeout({timeout})
n = 0
try:
    while n < {count}:
        data, peer = s.recvfrom(65535)
        s.sendto(data[::-1], peer)
        n += 1
except socket.timeout:
    pass
"""

TCP_LISTEN = """
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", {port})); s.listen(8)
print("ready", flush=True)
time.sleep({timeout})
"""

RAW_SEND = """
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(({iface!r}, 0))
for line in sys.stdin:
    s.send(bytes.fromhex(line.strip()))
"""

RAW_CAPTURE = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind(({iface!r}, 0))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.settimeout(0.2)
print("ready", flush=True)
got, deadline = 0, time.monotonic() + {timeout}
while got < {count} and time.monotonic() < deadline:
    try:
        f, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[2] != socket.PACKET_OUTGOING and f[12:14] == b"\\x88\\xb5":
        print(f.hex(), flush=True)
        got += 1
"""


def raw_send(ns: Netns, iface: str, frames: list[bytes]) -> None:
    """Send frames as they are from iface inside ns (an AF_PACKET socket there)."""
    p = subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-c", RAW_SEND.format(iface=iface)],
                       input="".join(f.hex() + "\n" for f in frames), capture_output=True, text=True, timeout=30)
    if p.returncode:
        raise RuntimeError(p.stderr)


class RawCapture:
    """Frames of ethertype 0x88b5 arriving at iface in ns, captured by a child process."""

    def __init__(self, ns: Netns, iface: str, count: int, timeout: float = 5.0):
        self.proc = ns.popen(RAW_CAPTURE.format(iface=iface, count=count, timeout=timeout))
        out, err = self.proc.stdout, self.proc.stderr
        if out is None or err is None or out.readline().strip() != "ready":
            raise RuntimeError(f"the capture child in {ns.name} did not start: {err.read() if err else ''}")

    def frames(self) -> list[bytes]:
        """The frames captured (waits for the child to finish: count reached or timeout)."""
        out, err = self.proc.communicate(timeout=30)
        return [bytes.fromhex(line) for line in out.split()]

TX_CSUM_OFF = """
import ctypes, fcntl, socket, struct
ev = ctypes.create_string_buffer(struct.pack("II", 0x17, 0))          # ETHTOOL_STXCSUM, off
ifr = struct.pack("16sP", {iface!r}.encode(), ctypes.addressof(ev)) + bytes(16)
sock = socket.socket()
fcntl.ioctl(sock.fileno(), 0x8946, ifr)                                 # SIOCETHTOOL
"""


def tx_checksum_off(ns: Netns, iface: str) -> None:
    """`ethtool -K iface tx off` inside ns, without ethtool: the kernel computes UDP/TCP
    checksums itself instead of leaving them to (virtual) hardware."""
    p = subprocess.run(["ip", "netns", "exec", ns.name, sys.executable, "-c", TX_CSUM_OFF.format(iface=iface)],
                       capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(p.stderr)


def netadmin_missing() -> str | None:
    """Why this machine cannot make veth pairs and namespaces here, or None when it can."""
    import shutil
    if os.geteuid() != 0:
        return "needs root (CAP_NET_ADMIN, CAP_NET_RAW) to create veth pairs, network namespaces and tap devices"
    if shutil.which("ip") is None:
        return "needs the `ip` command (iproute2) to create veth pairs and network namespaces"
    return None


def needs_netadmin() -> "pytest.MarkDecorator":
    """A pytest skip mark for tests that make veth pairs, namespaces or tap devices."""
    import pytest
    why = netadmin_missing()
    return pytest.mark.skipif(why is not None, reason=why or "")
