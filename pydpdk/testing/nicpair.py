"""Two cabled ports, checked with pydpdk: probe, configure, exact packet accounting, forwarding.

This is the payload side of the NIC lab. It runs wherever the NICs are: inside a QEMU guest booted
by :mod:`pydpdk.testing.niclab` (which describes the NICs in a job file), or on a machine with real
NICs cabled back to back (addresses given directly). It needs root for sysfs binding.

    from pydpdk.testing import nicpair
    pairs = nicpair.job_pairs()                  # [Pair(model, [pci_a, pci_b], ...)] from $NICLAB_JOB
    nicpair.bind([p for pair in pairs for p in pair.pci])
    eal = nicpair.lab_eal([...])                 # hugepages if usable, else ordinary memory
    report = nicpair.check_pair("0000:00:04.0", "0000:00:05.0")   # a Session per pair
    nicpair.write_result({...})                  # $NICLAB_OUT/result.json, read back by the host

The accounting check: port A's forwarder sends exactly ``bursts`` bursts of 32 (tx_first) while
port B is not polled, so they wait in B's RX ring (which must hold them); then an rxonly forwarder
drains B and must count exactly ``bursts * 32``; the same the other way round. The forwarding
check runs the native ``mac`` engine (dst = the peer port's MAC, so it also works on SR-IOV VFs
whose NIC filters by MAC) with one tx_first burst per port for ``seconds`` and checks that every
stream conserves packets: tx + dropped == rx + generated.
"""
from __future__ import annotations

import glob
import itertools
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:
    from pydpdk.eal import Eal
    from pydpdk.ethdev import Port
    from pydpdk.session import Session

__all__ = ["Pair", "job", "job_pairs", "out_dir", "write_result", "bind", "pci_ids", "find_pci",
           "driver_of", "create_vfs", "lab_eal", "pair_session", "check_pair", "BURST"]

BURST = 32
SYSFS_PCI = "/sys/bus/pci/devices"


@dataclass
class Pair:
    """Two NICs cabled to each other (a QEMU hub, or a real cable)."""

    model: str
    pci: list[str]
    pmd: str = ""                        # expected driver name (dev_info.driver_name), "" = any
    kind: str = "pf"                     # "pf": bind the NICs; "vf": make one SR-IOV VF per NIC
    extra: dict[str, Any] = field(default_factory=dict)


# -- job file and results ------------------------------------------------------------------------
def job() -> dict[str, Any]:
    """The job description written by the host ($NICLAB_JOB), or {} when run by hand."""
    path = os.environ.get("NICLAB_JOB")
    if not path or not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def _resolve(nic: dict[str, Any]) -> str:
    if nic.get("pci"):
        return nic["pci"]
    port = nic["behind"]                 # a PCIe root port: the NIC is function 0 on its bus
    found = sorted(glob.glob(os.path.join(SYSFS_PCI, port, "0000:*:00.0")))
    if not found:
        raise RuntimeError(f"no device behind PCIe root port {port}")
    return os.path.basename(found[0])


def job_pairs(data: dict[str, Any] | None = None) -> list[Pair]:
    """The cabled pairs of the job, PCI addresses resolved in this (guest) machine."""
    data = job() if data is None else data
    return [Pair(p["model"], [_resolve(n) for n in p["nics"]], p.get("pmd", ""), p.get("kind", "pf"),
                 p.get("extra", {})) for p in data.get("pairs", [])]


def out_dir() -> str:
    """Where this step writes: $NICLAB_OUT (the 9p share in the guest), else the current dir."""
    d = os.environ.get("NICLAB_OUT") or os.getcwd()
    os.makedirs(d, exist_ok=True)
    return d


def write_result(obj: Any, name: str = "result.json") -> str:
    """Write obj as JSON to the lab's output directory (atomically: .tmp then rename); returns the path."""
    path = os.path.join(out_dir(), name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)
    return path


# -- sysfs (through pydpdk.host) ----------------------------------------------------------------
def pci_ids(pci: str) -> str:
    """'vendor:device' in lspci's form, e.g. '8086:100e'."""
    from pydpdk.host import get_device
    return get_device(pci).vendor_device


def find_pci(ids: str) -> list[str]:
    """PCI addresses with these 'vendor:device' ids (lspci -d), in address order."""
    from pydpdk.host import list_devices
    return [d.address for d in list_devices(network_only=False) if d.vendor_device == ids]


def driver_of(pci: str) -> str | None:
    """The kernel driver a PCI device is bound to now (None: none)."""
    from pydpdk.host import get_device
    return get_device(pci).driver


def bind(addrs: Sequence[str], driver: str = "uio_pci_generic") -> dict[str, str | None]:
    """Load driver's module and bind each device to it with :func:`pydpdk.host.bind` (driver_override;
    refuses a device whose interface carries routes: the lab's NICs have none)."""
    from pydpdk import host
    from pydpdk.host.bind import ensure_driver
    ensure_driver(driver)
    return {pci: host.bind(pci, driver).driver for pci in addrs}


def create_vfs(pf: str, macs: Sequence[str], *, pf_driver: str = "igb",
               vf_driver: str = "uio_pci_generic", settle_s: float = 10.0) -> list[str]:
    """The kernel PF driver creates len(macs) SR-IOV VFs on pf, gives them these MACs with
    spoofchk off, and the VFs go to vf_driver. Returns the VFs' PCI addresses."""
    from pydpdk.host import sriov
    d = os.path.join(SYSFS_PCI, pf)
    bind([pf], pf_driver)
    deadline = time.monotonic() + settle_s
    while not glob.glob(d + "/net/*") and time.monotonic() < deadline:
        time.sleep(0.1)
    ifaces = os.listdir(d + "/net")
    if not ifaces:
        raise RuntimeError(f"{pf}: {pf_driver} made no network interface")
    subprocess.run(["ip", "link", "set", ifaces[0], "up"], check=True)
    vfs = [vf.address for vf in sriov.set_num_vfs(pf, len(macs), autoprobe=False)]
    for i, mac in enumerate(macs):
        sriov.set_vf_mac(pf, i, mac)
        sriov.set_vf_spoofchk(pf, i, False)
    bind(vfs, vf_driver)
    return vfs


# -- DPDK ------------------------------------------------------------------------------------
def lab_eal(allow: Sequence[str], **kw: Any) -> Eal:
    """An EAL on two lcores over just these PCI devices (one per process; hugepages if usable,
    else ordinary memory: :meth:`pydpdk.EalConfig.or_ordinary_memory`)."""
    import pydpdk
    cfg: dict[str, Any] = dict(lcores="0-1", allow=list(allow), file_prefix=f"pydpdk-niclab-{os.getpid()}",
                               log_levels=["lib.eal:warning"])
    cfg.update(kw)
    return pydpdk.Eal.init(pydpdk.EalConfig(**cfg).or_ordinary_memory(512))


_sessions = itertools.count()


def pair_session(pci_a: str, pci_b: str, *, nb_desc: int = 512, pool_name: str | None = None) -> Session:
    """The :class:`pydpdk.session.Session` of a cabled pair in the running EAL: both ports with
    nb_desc descriptors, a testpmd-sized pool of its own, no engine (the checks make their own).
    Closing it stops the ports without closing them, so the same NICs can be checked again
    (a hardware-mode run may name the job's pair a second time)."""
    from pydpdk.session import MempoolPolicy, PortSettings, Session
    return Session(ports=[pci_a, pci_b], engine=None, close_ports=False,
                   port=PortSettings(rxd=nb_desc, txd=nb_desc, promiscuous=False),
                   pool=MempoolPolicy(name=pool_name or f"niclab_pool{next(_sessions)}"))


def _hw(port: Port) -> tuple[int, int, int]:
    s = port.stats()
    return s.opackets, s.ipackets, s.imissed


def _exact_one_way(tx_port: Port, rx_port: Port, bursts: int, timeout: float) -> dict[str, Any]:
    """tx_port sends bursts*32 (tx_first) while rx_port is not polled; then rxonly drains rx_port."""
    from pydpdk.forward import Forwarder
    want = bursts * BURST
    hw0 = {p.id: _hw(p) for p in (tx_port, rx_port)}
    sender = Forwarder([tx_port], "io", streams=[(tx_port.id, 0, tx_port.id, 0)],
                       eth_peers={tx_port.id: rx_port.mac})
    receiver = Forwarder([rx_port], "rxonly", streams=[(rx_port.id, 0, rx_port.id, 0)])
    try:
        sender.start(tx_first=bursts)
        sent = sender.stop()
        receiver.start(flush_rx=False)
        deadline = time.monotonic() + timeout
        while receiver.stats().rx_packets < want and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)                  # anything beyond want would show up now
        got = receiver.stop()
    finally:
        sender.close()
        receiver.close()
    hw1 = {p.id: _hw(p) for p in (tx_port, rx_port)}
    return {"from": tx_port.name, "to": rx_port.name, "want": want,
            "sent": sent.tx_packets, "tx_dropped": sum(p.tx_dropped for p in sent.ports),
            "received": got.rx_packets, "rx_dropped": sum(p.rx_dropped for p in got.ports),
            "hw_opackets": hw1[tx_port.id][0] - hw0[tx_port.id][0],
            "hw_ipackets": hw1[rx_port.id][1] - hw0[rx_port.id][1],
            "hw_imissed": hw1[rx_port.id][2] - hw0[rx_port.id][2]}


def _forward(a: Port, b: Port, seconds: float) -> dict[str, Any]:
    from pydpdk.forward import Forwarder
    with Forwarder([a, b], "mac", eth_peers={a.id: b.mac, b.id: a.mac}) as fwd:
        final = fwd.run(seconds, tx_first=True)
    return {"elapsed_s": round(final.elapsed_s, 3), "rx_pps": round(final.rx_pps),
            "ports": [{"name": p.name, "rx": p.rx_packets, "tx": p.tx_packets, "rx_dropped": p.rx_dropped,
                       "tx_dropped": p.tx_dropped} for p in final.ports],
            "streams": [{"rx_port": s.rx_port, "tx_port": s.tx_port, "rx": s.rx_packets,
                         "tx": s.tx_packets, "generated": s.gen_packets, "dropped": s.fwd_dropped,
                         "conserved": s.tx_packets + s.fwd_dropped == s.rx_packets + s.gen_packets}
                        for s in final.streams]}


def port_info(port: Port) -> dict[str, Any]:
    info = port.info()
    return {"port": port.id, "name": port.name, "driver": port.driver, "mac": port.mac,
            "ids": pci_ids(port.name) if os.path.isdir(os.path.join(SYSFS_PCI, port.name)) else "",
            "max_rx_queues": info.max_rx_queues, "max_tx_queues": info.max_tx_queues}


def check_pair(pci_a: str, pci_b: str, *, bursts: int = 4, seconds: float = 1.0,
               nb_desc: int = 512, link_timeout: float = 15.0, promiscuous: bool = True) -> dict[str, Any]:
    """Build the pair's Session (:func:`pair_session`: probe, configure and start both ports),
    then the exact and the forwarding checks; close it. Returns a JSON-able report; raises
    nothing for a failed check (the report says it)."""
    import pydpdk
    t = {}
    rep: dict[str, Any] = {"pci": [pci_a, pci_b]}
    t0 = time.monotonic()
    run = pair_session(pci_a, pci_b, nb_desc=nb_desc).build()
    try:
        a, b = run.ports
        rep["ports"] = [port_info(a), port_info(b)]
        if promiscuous:
            for p in (a, b):
                try:
                    p.promiscuous = True
                except pydpdk.PydpdkError as exc:     # VFs: the PF decides
                    rep.setdefault("notes", []).append(f"{p.name}: promiscuous refused: {exc}")
        t["setup_s"] = time.monotonic() - t0
        t1 = time.monotonic()
        rep["links"] = [str(p.wait_link_up(link_timeout)) for p in (a, b)]
        t["link_s"] = time.monotonic() - t1
        t2 = time.monotonic()
        rep["exact"] = [_exact_one_way(a, b, bursts, 10.0), _exact_one_way(b, a, bursts, 10.0)]
        t["exact_s"] = time.monotonic() - t2
        t3 = time.monotonic()
        rep["forward"] = _forward(a, b, seconds)
        t["forward_s"] = time.monotonic() - t3
    finally:
        try:
            run.close()
        except pydpdk.PydpdkError as exc:           # a PMD that keeps mbufs: say so, keep the report
            rep.setdefault("notes", []).append(f"closing the pair: {exc}")
    rep["times"] = {k: round(v, 3) for k, v in t.items()}
    return rep
