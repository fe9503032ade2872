"""What this build of DPDK has: the release differences pydpdk lives with, in one table.

pydpdk builds from one source against DPDK 22.11, 24.11 and 25.11 (and the releases between).
Where the releases differ, the C side chooses at compile time (``c/dpdk_compat.h``) and the
Python side reads the choice here instead of comparing version strings itself::

    from pydpdk.dpdk_features import FEATURES
    FEATURES.release                 # (24, 11)
    FEATURES.queue_stats             # "rte_eth_stats" (<= 24.11) or "xstats" (25.11)
    FEATURES.as_dict()               # everything, for bug reports (`pydpdk version` prints it)

docs/dpdk-releases.md has the table of differences and what pydpdk does about each.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from ._native import BUILT_AGAINST_DPDK, PMD_DIR, RUNTIME_DPDK, lib

__all__ = ["DpdkFeatures", "FEATURES", "release_of", "HOTPLUG_DEVARGS_MAX", "EAL_OPTIONS_25_11",
           "unknown_eal_option"]

#: rte_dev_probe() (pydpdk.vdev.attach) sends its devargs to the other processes in a fixed
#: 128-byte field (EAL_DEV_MP_DEV_ARGS_MAX_LEN, an EAL-internal constant): Debian's 22.11.11,
#: 24.11.8 and 25.11.4 refuse longer devargs with E2BIG ("devargs truncated (len N, max 128)"),
#: older point releases silently cut them in the secondary processes. At most 127 bytes.
HOTPLUG_DEVARGS_MAX = 127


#: The EAL options of DPDK 25.11 on Linux (lib/eal/common/eal_option_list.h: long and short
#: names). 25.11's EAL parses its arguments with rte_argparse, which exit()s the process on an
#: unknown option instead of returning EINVAL, so pydpdk checks EalConfig(extra=...) against this
#: list first (eal_exits_on_bad_argument). A later release adding EAL options extends it.
EAL_OPTIONS_25_11 = frozenset("""
--allow -a --base-virtaddr --block -b --coremask -c --driver-path -d --force-max-simd-bitwidth
--huge-unlink --in-memory --iova-mode --lcores -l --legacy-mem --log-color --log-level
--log-timestamp --main-lcore --mbuf-pool-ops-name --memory-channels -n --memory-ranks -r
--memory-size -m --no-hpet --no-huge --no-pci --no-shconf --no-telemetry --proc-type
--remap-lcore-ids -R --service-corelist -S --service-coremask -s --single-file-segments
--telemetry --vdev --vmware-tsc-map --version -v --syslog --trace --trace-bufsz --trace-dir
--trace-mode --create-uio-dev --file-prefix --huge-dir --huge-worker-stack --match-allocations
--numa-mem --numa-limit --socket-mem --socket-limit --vfio-intr --vfio-vf-token
--help -h
""".split())


def release_of(version: str) -> tuple[int, int]:
    """(year, month) of a DPDK version string such as '24.11.8' or 'DPDK 25.11.0-rc1'."""
    parts = version.replace("DPDK ", "").split(".")
    return int(parts[0]), int(parts[1].split("-")[0])


@dataclass(frozen=True)
class DpdkFeatures:
    """One build of pydpdk against one DPDK: its version and what differs between releases."""

    version: str                 # the DPDK loaded at run time (rte_version())
    built_against: str           # the DPDK the module was compiled against (pkg-config)
    release: tuple[int, int]     # (22, 11), (24, 11), (25, 11)...
    pmd_dir: str                 # EAL's plugin directory: .../dpdk/pmds-<ABI> of that DPDK
    abi: str                     # the plugin ABI version, e.g. "23.0" (22.11), "25.0", "26.0"
    queue_stats: str             # where per-queue counters come from: "rte_eth_stats" | "xstats"
    queue_stat_cntrs: int        # how many queues have per-queue counters (16)
    telemetry_dict_uint: bool    # rte_tel_data_add_dict_uint (23.03+) instead of ..._u64
    hotplug_devargs_max: int     # longest devargs string rte_dev_probe() takes
    eal_coremask_deprecated: bool  # 25.11: EAL '-c <mask>' deprecated; pydpdk passes '-l' instead
    eal_exits_on_bad_argument: bool  # 25.11: rte_eal_init exit()s on an unknown option (argparse)
    mbuf_cacheline_markers: bool  # struct rte_mbuf has cacheline0/1 markers (removed in 24.07)
    rss_algorithm: bool          # rte_eth_rss_conf.algorithm / dev_info.rss_algo_capa (23.11+)
    ipv6_addr_struct: bool       # struct rte_ipv6_addr in rte_ip6.h (24.11+)

    def has(self, name: str) -> bool:
        """A boolean feature by name (AttributeError for a name that is no feature)."""
        value = getattr(self, name)
        if not isinstance(value, bool):
            raise AttributeError(f"{name!r} is not a boolean DPDK feature")
        return value

    def as_dict(self) -> dict[str, Any]:
        """The DPDK version and feature flags as a plain dict keyed by field name (for JSON, reports)."""
        return asdict(self)


def _detect() -> DpdkFeatures:
    rel = release_of(RUNTIME_DPDK)
    at_least = (lambda y, m: rel >= (y, m))
    abi = os.path.basename(PMD_DIR).replace("pmds-", "") if PMD_DIR else ""
    return DpdkFeatures(
        version=RUNTIME_DPDK,
        built_against=BUILT_AGAINST_DPDK,
        release=rel,
        pmd_dir=PMD_DIR,
        abi=abi,
        queue_stats="rte_eth_stats" if lib.pydpdk_qstats_in_eth_stats() else "xstats",
        queue_stat_cntrs=lib.pydpdk_queue_stat_cntrs(),
        telemetry_dict_uint=at_least(23, 3),
        hotplug_devargs_max=HOTPLUG_DEVARGS_MAX,
        eal_coremask_deprecated=at_least(25, 11),
        eal_exits_on_bad_argument=at_least(25, 11),
        mbuf_cacheline_markers=not at_least(24, 7),
        rss_algorithm=at_least(23, 11),
        ipv6_addr_struct=at_least(24, 11),
    )


#: the table for the DPDK this process runs
FEATURES = _detect()


def unknown_eal_option(argv: "list[str] | tuple[str, ...]") -> str | None:
    """The first argument of argv that 25.11's EAL would not know (None: all known). Values
    (arguments not starting with '-') pass; '--opt=value' and '-Xvalue' are split as EAL does."""
    for a in argv:
        if not a.startswith("-") or a == "--":
            continue
        name = a.split("=", 1)[0] if a.startswith("--") else a[:2]
        if name not in EAL_OPTIONS_25_11:
            return a
    return None
