"""What kinds of vdev can work on this machine, and if not, precisely what is missing."""
from __future__ import annotations

import errno
import glob
import os
from dataclasses import dataclass

from ..errors import DeviceError, invalid
from ..ethdev.pmds import PMD_DIR, lookup

__all__ = ["Capability", "capabilities", "require"]


@dataclass(frozen=True)
class Capability:
    """Whether a kind of vdev can work here, and if not, precisely what is missing."""

    name: str
    available: bool
    reason: str

    def __bool__(self) -> bool:
        return self.available


def _plugin(name: str) -> str | None:
    pmd = lookup(name)
    path = pmd.plugin_path if pmd else os.path.join(PMD_DIR, f"librte_{name}.so")
    return None if glob.glob(glob.escape(path) + "*") else \
        f"the PMD plugin {path} is not installed (Debian: dpdk's librte-net-* packages)"


def _kni_missing() -> str:
    libs = glob.glob("/usr/lib/*/librte_kni.so*") + glob.glob("/usr/lib/librte_kni.so*")
    parts = []
    if not libs:
        parts.append("librte_kni is not installed (DPDK 22.11 deprecates KNI; Debian ships no librte_kni)")
    if not os.path.exists("/dev/kni"):
        parts.append("/dev/kni does not exist (the out-of-tree rte_kni.ko kernel module is not loaded)")
    parts.append("the guide's KNI vhost back end (sock_en/sock_fd) was removed from DPDK long before 22.11; "
                 "use virtio_user over vhost-net or net_tap instead")
    return "; ".join(parts)


def _modules_loadable() -> bool:
    if not os.path.exists(f"/lib/modules/{os.uname().release}"):
        return False
    try:
        with open("/proc/sys/kernel/modules_disabled") as f:
            return f.read().strip() != "1"
    except OSError:
        return True


def capabilities() -> dict[str, Capability]:
    """Every kind of vdev pydpdk knows, with whether it can work on this machine and why not."""
    out: dict[str, Capability] = {}

    def put(name: str, *missing: str | None) -> None:
        miss = [m for m in missing if m]
        out[name] = Capability(name, not miss, "; ".join(miss) or "available")

    for drv, plugin in (("net_ring", "net_ring"), ("net_null", "net_null"), ("net_pcap", "net_pcap"),
                        ("net_memif", "net_memif"), ("net_vhost", "net_vhost")):
        put(drv, _plugin(plugin))
    root = None if os.geteuid() == 0 else "AF_PACKET sockets need CAP_NET_RAW (run as root)"
    put("net_af_packet", _plugin("net_af_packet"), root)
    tun = None if os.path.exists("/dev/net/tun") else "/dev/net/tun does not exist (kernel tun module)"
    put("net_tap", _plugin("net_tap"), tun, None if os.geteuid() == 0 else "net_tap needs CAP_NET_ADMIN")
    put("net_tun", _plugin("net_tap"), tun)
    put("virtio_user_vhost_user", _plugin("net_virtio"))
    vhost_net = None
    if not os.path.exists("/dev/vhost-net"):
        how = ("`modprobe vhost_net` could load it" if _modules_loadable() else
               f"no kernel modules can be loaded here (/lib/modules/{os.uname().release} is missing)")
        vhost_net = f"/dev/vhost-net does not exist (the kernel's vhost_net module is not loaded; {how})"
    put("virtio_user_vhost_kernel", _plugin("net_virtio"), vhost_net, tun)
    put("kni", _kni_missing())
    return out


def require(name: str) -> Capability:
    """The capability, or DeviceError saying exactly what this machine lacks."""
    caps = capabilities()
    if name not in caps:
        raise invalid("name", name, f"one of {', '.join(sorted(caps))}", "vdev.require")
    cap = caps[name]
    if not cap:
        raise DeviceError(errno.ENODEV, f"{name} cannot work on this machine: {cap.reason}", "vdev.require")
    return cap
