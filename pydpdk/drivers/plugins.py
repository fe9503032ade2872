"""Load PMD plugins in a child EAL and confirm each one registered.

PCI drivers cannot be probed without their NIC, but loading is observable: the EAL (log level
debug) logs ``EAL: open shared lib <path>`` for each ``-d`` plugin and fails loudly when dlopen
fails (missing libibverbs for mlx4, say); the plugin's constructors then register the driver
on its bus and its log types (``pmd.net.ixgbe.init``...), which ``rte_log_dump`` lists. The
child runs ``--no-pci --no-huge`` with its own file prefix, so it touches no device.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Sequence

from .catalog import PMD_DIR, lookup
from ..errors import invalid
from .pmdinfo import read_plugin

__all__ = ["PluginReport", "load_plugins"]

_CHILD = r"""
import json, os, sys
import pydpdk
from pydpdk.log import dump
cfg = pydpdk.EalConfig(lcores="0", no_pci=True, no_huge=True, memory_mb=64,
                       file_prefix=f"pydpdk-plugins-{os.getpid()}", log_levels=["lib.eal:debug"],
                       plugins=json.loads(sys.argv[1]))
try:
    pydpdk.Eal.init(cfg)
except Exception as e:
    print("PYDPDK-EAL-FAILED", e, flush=True)
    sys.exit(3)
print("PYDPDK-LOG-DUMP", flush=True)
print(dump(), flush=True)
"""


@dataclass(frozen=True)
class PluginReport:
    """What loading one PMD plugin (.so, EAL's -d) did: opened or not, the log types and drivers it brought."""
    plugin: str                        # path
    opened: bool                       # the EAL dlopen()ed it without error
    error: str | None                  # the EAL's (or dlopen's) message when it did not
    log_types: tuple[str, ...]         # pmd.* log types its constructors registered
    drivers: tuple[str, ...]           # driver names the plugin declares (PMD_INFO_STRING)
    preloaded: bool = False            # already in the process before the EAL opened it
    eal_log: str = field(default="", repr=False)

    @property
    def registered(self) -> bool:
        """True when the plugin opened and its constructors registered log types (its drivers exist)."""
        return self.opened and bool(self.log_types)


def _log_prefix(path: str) -> str:
    m = re.match(r"librte_(net|common|bus|mempool)_([a-z0-9_]+)\.so", os.path.basename(path))
    return f"pmd.{m.group(1)}.{m.group(2)}" if m else "pmd."


def load_plugins(names: Sequence[str], timeout: float = 120) -> dict[str, PluginReport]:
    """Load plugins (driver names, guide names or paths) in one child EAL; a report per name."""
    paths = {}
    for n in names:
        info = lookup(n)
        paths[n] = info.plugin_path if info else (n if os.sep in n else os.path.join(PMD_DIR, n))
        if not os.path.isfile(paths[n]):
            raise invalid("names", n, f"a driver name known to pydpdk.drivers.DRIVERS or an existing "
                          f"plugin file (in {PMD_DIR})")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(sorted(set(paths.values())))],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          preexec_fn=lambda: os.sched_setaffinity(0, range(os.cpu_count() or 1)))
    err, out = proc.stderr, proc.stdout
    dump = out.split("PYDPDK-LOG-DUMP", 1)[1] if "PYDPDK-LOG-DUMP" in out else ""
    types = re.findall(r"id \d+: (\S+), level is", dump)
    reports = {}
    for n, path in paths.items():
        opened = f"open shared lib {path}\n" in err + "\n" and proc.returncode == 0
        msg = None
        for line in err.splitlines():
            if os.path.basename(path).split(".so")[0] in line and ("cannot" in line.lower() or "error" in line.lower()):
                msg = line.strip()
        if proc.returncode != 0 and msg is None:
            msg = (out + err).strip().splitlines()[-1] if (out + err).strip() else f"child exited {proc.returncode}"
        prefix = _log_prefix(path)
        if os.path.basename(path).startswith("librte_net_e1000"):
            prefix = "pmd.net.e1000"
        drivers: tuple[str, ...] = ()
        if os.path.exists(path):
            drivers = tuple(r.name for r in read_plugin(os.path.realpath(path)))
        # log types registered by this dlopen: the EAL logs them right after its "open shared lib"
        after, seen = [], False
        for line in err.splitlines():
            if line.startswith("EAL: open shared lib "):
                if seen:
                    break
                seen = line == f"EAL: open shared lib {path}"
            elif seen and (m := re.match(r"EAL: (\S+) log level changed from disabled", line)):
                after.append(m.group(1))
        ours = lambda t: t == prefix or t.startswith(prefix + ".")  # noqa: E731
        mine = tuple(t for t in after if ours(t) and t in types)
        # already mapped (pydpdk links librte_net_ring itself): its constructors ran before the EAL
        preloaded = not mine and any(ours(t) for t in types)
        if preloaded:
            mine = tuple(t for t in types if ours(t))
        reports[n] = PluginReport(path, opened and msg is None, msg, mine, drivers, preloaded, err)
    return reports
