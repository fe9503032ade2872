"""``pydpdk host ...``: hugepages, devices, bind/unbind/restore, sriov, iommu."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, Sequence

from ..errors import PydpdkError
from .bind import bind as _do_bind, restore as _do_restore, unbind as _do_unbind
from . import devices as _devices
from . import hugepages as _huge
from . import iommu as _iommu
from . import sriov as _sriov

USAGE = """usage: pydpdk host SUBCOMMAND [options]

  hugepages [--reserve N] [--size 2M|1G] [--node N] [--mount PATH] [--json]
                                  status per size and NUMA node; reserve pages; mount hugetlbfs
  devices [--all] [--json]        PCI network devices: address, ids, driver, interfaces, active routes
  bind DRIVER ADDR... [--force]   bind to vfio-pci / uio_pci_generic / igb_uio / pci-stub (or a kernel driver)
  unbind ADDR... [--force]        detach from the current driver
  restore ADDR... [--force]       give back to the kernel's own driver
  sriov ADDR [--numvfs N] [--vf N [--mac MAC] [--spoofchk on|off]] [--json]
                                  SR-IOV: total/current VFs, VF list, set VF count, MAC, spoof check
  iommu [--json]                  IOMMU / vfio readiness and what to do
"""


def _hugepages(a: argparse.Namespace) -> int:
    if a.reserve is not None:
        p = _huge.reserve(a.reserve, a.size, a.node)
        print(f"reserved {p.total} x {p.size} pages{'' if p.node is None else f' on node {p.node}'}")
    if a.mount:
        m = _huge.mount(a.mount, a.size)
        print(f"hugetlbfs ({_huge.format_size(m.size_kb)} pages) mounted at {m.path}")
    pools, mounts = _huge.status(), _huge.mounts()
    if a.json:
        print(json.dumps({"pools": [dict(p.__dict__, size=p.size) for p in pools],
                          "mounts": [m.__dict__ for m in mounts], "meminfo": _huge.meminfo()}, indent=2))
        return 0
    print(f"{'size':>5} {'node':>6} {'total':>7} {'free':>7} {'surplus':>7}")
    for p in pools:
        print(f"{p.size:>5} {'all' if p.node is None else p.node:>6} {p.total:>7} {p.free:>7} {p.surplus:>7}")
    for m in mounts:
        print(f"hugetlbfs {_huge.format_size(m.size_kb)} at {m.path}")
    if not mounts:
        print("no hugetlbfs mounted: pydpdk host hugepages --mount /dev/hugepages")
    return 0


def _devices_cmd(a: argparse.Namespace) -> int:
    devs = _devices.list_devices(network_only=not a.all)
    if a.json:
        print(json.dumps([d.as_dict() for d in devs], indent=2))
        return 0
    for d in devs:
        extra = []
        if d.interfaces:
            extra.append(f"if={','.join(d.interfaces)}")
        if d.active:
            extra.append("*Active*")
        if d.sriov_totalvfs is not None:
            extra.append(f"sriov={d.sriov_numvfs}/{d.sriov_totalvfs}")
        if d.physfn:
            extra.append(f"VF of {d.physfn}")
        print(f"{d.address} {d.vendor_device} class={d.class_code:06x} drv={d.driver or '-'} {' '.join(extra)}")
    if not devs:
        print("no PCI network devices")
    return 0


def _each(addrs: Sequence[str], fn: Callable[..., Any], *args: Any, **kw: Any) -> int:
    rc = 0
    for addr in addrs:
        try:
            d = fn(addr, *args, **kw)
            print(f"{d.address}: driver {d.driver or '(none)'}")
        except PydpdkError as e:
            print(f"{addr}: {e}", file=sys.stderr)
            rc = 1
    return rc


def _sriov_cmd(a: argparse.Namespace) -> int:
    if a.numvfs is not None:
        _sriov.set_num_vfs(a.address, a.numvfs)
    if a.vf is not None:
        if a.mac:
            _sriov.set_vf_mac(a.address, a.vf, a.mac)
        if a.spoofchk:
            _sriov.set_vf_spoofchk(a.address, a.vf, a.spoofchk == "on")
    total, vfs = _sriov.total_vfs(a.address), _sriov.list_vfs(a.address)
    if a.json:
        print(json.dumps({"address": a.address, "total_vfs": total, "vfs": [v.__dict__ for v in vfs]}, indent=2))
        return 0
    print(f"{a.address}: {len(vfs)} of {total} VFs")
    for v in vfs:
        print(f"  vf {v.index}: {v.address} {v.vendor_device} drv={v.driver or '-'} mac={v.mac or '?'} "
              f"spoofchk={'?' if v.spoofchk is None else ('on' if v.spoofchk else 'off')}")
    return 0


def _iommu_cmd(a: argparse.Namespace) -> int:
    r = _iommu.check()
    print(json.dumps(r.as_dict(), indent=2) if a.json else r)
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pydpdk host", usage=USAGE.removeprefix("usage: "), add_help=True)
    sub = p.add_subparsers(dest="cmd", prog="pydpdk host")   # subcommands' usage: their own line
    h = sub.add_parser("hugepages")
    h.add_argument("--reserve", type=int)
    h.add_argument("--size")
    h.add_argument("--node", type=int)
    h.add_argument("--mount")
    h.add_argument("--json", action="store_true")
    d = sub.add_parser("devices")
    d.add_argument("--all", action="store_true")
    d.add_argument("--json", action="store_true")
    b = sub.add_parser("bind")
    b.add_argument("driver")
    b.add_argument("addresses", nargs="+")
    b.add_argument("--force", action="store_true")
    for name in ("unbind", "restore"):
        u = sub.add_parser(name)
        u.add_argument("addresses", nargs="+")
        u.add_argument("--force", action="store_true")
    s = sub.add_parser("sriov")
    s.add_argument("address")
    s.add_argument("--numvfs", type=int)
    s.add_argument("--vf", type=int)
    s.add_argument("--mac")
    s.add_argument("--spoofchk", choices=["on", "off"])
    s.add_argument("--json", action="store_true")
    i = sub.add_parser("iommu")
    i.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """``pydpdk host ...``; a reader that goes away early (``| head``) ends it quietly (141)."""
    try:
        status = _main(argv)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return broken_pipe()


def broken_pipe() -> int:
    """The reader of stdout went away: point stdout at /dev/null (so the interpreter's final
    flush does not raise again) and return 141, the shell's status for death by SIGPIPE."""
    import os
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return 141


def _main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    try:
        a = _parser().parse_args(args)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if a.cmd == "hugepages":
            return _hugepages(a)
        if a.cmd == "devices":
            return _devices_cmd(a)
        if a.cmd == "bind":
            return _each(a.addresses, _do_bind, a.driver, force=a.force)
        if a.cmd == "unbind":
            return _each(a.addresses, _do_unbind, force=a.force)
        if a.cmd == "restore":
            return _each(a.addresses, _do_restore, force=a.force)
        if a.cmd == "sriov":
            return _sriov_cmd(a)
        if a.cmd == "iommu":
            return _iommu_cmd(a)
    except PydpdkError as e:
        print(f"pydpdk host {a.cmd}: {e}", file=sys.stderr)
        return 1
    print(USAGE, file=sys.stderr)
    return 2
