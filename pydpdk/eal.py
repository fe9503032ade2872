"""The EAL: typed arguments, once-per-process initialisation, lcores and cleanup.

    eal = pydpdk.Eal.init(lcores="0-1", no_pci=True, vdevs=["net_ring0", "net_ring1"])

``rte_eal_init`` runs once per process. Calling :meth:`Eal.init` again with the same
arguments hands back the live EAL (re-running a notebook cell is safe); different EAL
arguments raise :class:`EalConfigMismatchError`. Virtual devices are attached right after
initialisation by hotplug, so a bad vdev raises a clear error and leaves the EAL usable;
a repeated call attaches any vdev that is not attached yet.
"""
from __future__ import annotations

import atexit
import dataclasses
import errno
import glob
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol, Sequence, cast

from . import _resource
from ._native import RUNTIME_DPDK, ffi, lib, cstr
from .errors import (check, int_in, EalConfigMismatchError, EalError, EalNotInitializedError,
                     NoHugepagesError, invalid)

__all__ = ["EalConfig", "Eal", "Lcore", "current", "cleanup", "remove_files", "hugepage_status", "hugepages_usable",
           "runtime_dir", "primary_alive"]

_LOG_LEVELS = ("emergency", "alert", "critical", "error", "warning", "notice", "info", "debug")
_lock = threading.RLock()
_live: "Eal | None" = None
_cleaned = False
_argv_keepalive: list[Any] = []  # EAL may keep pointers into argv: never free it
_PROCESS_CPUS = sorted(os.sched_getaffinity(0))  # before EAL pins the main thread to its lcore


class VdevSupport(Protocol):
    """What the EAL needs from pydpdk.vdev, registered by that package when it is imported
    (vdev sits above eal: eal never imports it)."""

    def normalize(self, vdev: Any) -> str:
        """The devargs string of a vdev given as a string or a spec object."""

    def attach_missing(self, devargs: Sequence[str]) -> None:
        """Hotplug each of these vdevs that is not attached yet."""

    def shares_memory_by_fd(self, devargs: str) -> bool:
        """True for a vdev that needs --single-file-segments with hugepages (virtio-user)."""


class _VdevSupport:
    """The stand-in until pydpdk.vdev registers itself: strings only, no hotplug."""

    @staticmethod
    def normalize(vdev: Any) -> str:
        devargs = vdev.devargs if hasattr(vdev, "devargs") else vdev
        return str(devargs() if callable(devargs) else devargs)

    @staticmethod
    def attach_missing(devargs: Sequence[str]) -> None:
        if devargs:
            raise EalError(errno.ENOSYS, "vdevs need pydpdk.vdev (import pydpdk)", "rte_dev_probe")

    @staticmethod
    def shares_memory_by_fd(devargs: str) -> bool:
        return False


_vdev_support: VdevSupport = _VdevSupport


def register_vdev_support(support: VdevSupport) -> None:
    """Called by pydpdk.vdev: devargs normalising/checking and hotplug of EalConfig.vdevs."""
    global _vdev_support
    _vdev_support = support


def _tuple(value: Any, param: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        value = [value]
    return tuple(str(v) for v in value)


def _cpu_list(spec: str) -> list[int]:
    """Expand '0-3,5' (also accepts DPDK's '(0-1)@2' forms: the lcore ids are taken);
    ValueError for a malformed list."""
    out: list[int] = []
    for part in re.sub(r"@\(?[0-9,\-]+\)?", "", spec).replace("(", "").replace(")", "").split(","):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if m is None or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))) \
                or int(m.group(2) or m.group(1)) >= 1 << 16:
            raise ValueError(f"not a core or a core range: {part!r}")
        out.extend(range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1))
    return out


@dataclass(frozen=True)
class EalConfig:
    """EAL arguments. Each field maps to one EAL option; ``extra`` is passed through raw."""

    lcores: str | Sequence[int] | None = None          # -l 0-1
    coremask: str | None = None                         # -c 0x3 (the guide's form)
    main_lcore: int | None = None                       # --main-lcore
    memory_channels: int | None = None                  # -n
    vdevs: Sequence[Any] = ()                           # --vdev (attached by hotplug)
    allow: Sequence[str] = ()                           # -a PCI
    block: Sequence[str] = ()                           # -b PCI
    no_pci: bool = False                                # --no-pci
    no_huge: bool = False                               # --no-huge
    in_memory: bool = False                             # --in-memory
    file_prefix: str | None = None                      # --file-prefix (default: per process)
    socket_mem: str | Sequence[int] | None = None       # --socket-mem
    memory_mb: int | None = None                        # -m
    iova_mode: str | None = None                        # --iova-mode pa|va
    log_levels: Sequence[str] = ()                      # --log-level (e.g. "lib.eal:debug")
    plugins: Sequence[str] = ()                         # -d (a .so or a directory)
    single_file_segments: bool = False                  # --single-file-segments
    proc_type: str | None = None                        # --proc-type primary|secondary|auto
    huge_dir: str | None = None                         # --huge-dir
    telemetry: bool = True                              # --no-telemetry when False
    extra: Sequence[str] = ()                           # raw EAL argv passthrough

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731 (frozen dataclass)
        set_("vdevs", tuple(_vdev_support.normalize(v) for v in _tuple(self.vdevs, "vdevs")))
        for name in ("allow", "block", "plugins", "extra", "log_levels"):
            set_(name, _tuple(getattr(self, name), name))
        if self.lcores is not None and not isinstance(self.lcores, str):
            set_("lcores", ",".join(str(int(c)) for c in self.lcores))
        if self.socket_mem is not None and not isinstance(self.socket_mem, str):
            set_("socket_mem", ",".join(str(int(m)) for m in self.socket_mem))
        self._validate()

    # -- validation ---------------------------------------------------------------------
    def _validate(self) -> None:
        ctx = "EAL argument"
        allowed_cpus = _PROCESS_CPUS
        lcores = cast("str | None", self.lcores)  # __post_init__ made lists into strings
        socket_mem = cast("str | None", self.socket_mem)
        if lcores is not None:
            try:
                cores = _cpu_list(lcores) if re.fullmatch(r"[0-9,\-@()]+", lcores) else None
            except ValueError:
                cores = None
            if not cores:
                raise invalid("lcores", lcores, "a core list such as '0-1' or '0,2-3'", ctx)
            bad = [c for c in cores if "@" not in lcores and c not in allowed_cpus]
            if bad:
                raise invalid("lcores", lcores,
                              f"cores this process may run on: {_ranges(allowed_cpus)}", ctx)
        if self.coremask is not None:
            if not re.fullmatch(r"(0x)?[0-9a-fA-F]+", self.coremask):
                raise invalid("coremask", self.coremask, "a hexadecimal core mask such as '0x3'", ctx)
            if self.lcores is not None:
                raise invalid("coremask", self.coremask, "give lcores or coremask, not both", ctx)
        if self.main_lcore is not None:
            int_in("main_lcore", self.main_lcore, 0, 1023, ctx)
            cores = _cpu_list(lcores) if lcores else allowed_cpus
            if self.main_lcore not in cores:
                raise invalid("main_lcore", self.main_lcore, f"one of the lcores {_ranges(cores)}", ctx)
        if self.memory_channels is not None:
            int_in("memory_channels", self.memory_channels, 1, 32, ctx)
        if self.file_prefix is not None and (not self.file_prefix or "/" in self.file_prefix):
            raise invalid("file_prefix", self.file_prefix, "a non-empty name without '/'", ctx)
        if socket_mem is not None and not re.fullmatch(r"[0-9]+(,[0-9]+)*", socket_mem):
            raise invalid("socket_mem", socket_mem, "megabytes per socket, e.g. '512' or '512,0'", ctx)
        if self.memory_mb is not None:
            int_in("memory_mb", self.memory_mb, 1, 1 << 30, ctx)
        if self.iova_mode not in (None, "pa", "va"):
            raise invalid("iova_mode", self.iova_mode, "'pa' or 'va'", ctx)
        if self.proc_type not in (None, "primary", "secondary", "auto"):
            raise invalid("proc_type", self.proc_type, "'primary', 'secondary' or 'auto'", ctx)
        if self.no_huge and self.in_memory:
            raise invalid("in_memory", True, "not with no_huge: --no-huge uses legacy memory, which DPDK "
                          "refuses with --in-memory (no_huge alone keeps no hugepage files either)", ctx)
        if self.no_huge and self.in_memory is False and self.single_file_segments:
            raise invalid("single_file_segments", True, "not with no_huge (no hugepage files exist)", ctx)
        for level in self.log_levels:
            lvl = level.rsplit(":", 1)[-1]
            if not (lvl.isdigit() and 1 <= int(lvl) <= 8) and lvl.lower() not in _LOG_LEVELS:
                raise invalid("log_levels", level,
                              f"'LEVEL' or 'TYPE:LEVEL' with LEVEL 1-8 or one of {', '.join(_LOG_LEVELS)}", ctx)
        for path in self.plugins:
            if not os.path.exists(path):
                raise invalid("plugins", path, "an existing PMD .so file or directory", ctx)
        for addr in (*self.allow, *self.block):
            if not re.fullmatch(r"([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7](,.*)?", addr):
                raise invalid("allow" if addr in self.allow else "block", addr,
                              "a PCI address such as '0000:00:04.0' (devargs may follow a comma)", ctx)

    # -- rendering ----------------------------------------------------------------------
    @property
    def effective_file_prefix(self) -> str:
        """The --file-prefix EAL gets: file_prefix, or ``pydpdk-<pid>`` when none is given."""
        return self.file_prefix or f"pydpdk-{os.getpid()}"

    @property
    def needs_single_file_segments(self) -> bool:
        """virtio-user shares memory with its vhost peer by fd: one file per segment list."""
        return (any(_vdev_support.shares_memory_by_fd(v) for v in self.vdevs)
                and not (self.in_memory or self.no_huge))

    def eal_argv(self) -> list[str]:
        """The argv given to rte_eal_init (vdevs excluded: they are hotplugged)."""
        a: list[str] = ["pydpdk"]
        if self.lcores is not None:
            # a string since __post_init__; a map ("0@1,1@1", "(0,1)@0") only --lcores takes
            lc = str(self.lcores)
            a += ["--lcores" if re.search(r"[@()]", lc) else "-l", lc]
        if self.coremask is not None:
            a += _coremask_argv(self.coremask)
        if self.main_lcore is not None:
            a += ["--main-lcore", str(self.main_lcore)]
        if self.memory_channels is not None:
            a += ["-n", str(self.memory_channels)]
        for addr in self.allow:
            a += ["-a", addr]
        for addr in self.block:
            a += ["-b", addr]
        for flag, on in (("--no-pci", self.no_pci), ("--no-huge", self.no_huge),
                         ("--in-memory", self.in_memory),
                         ("--single-file-segments",
                          self.single_file_segments or self.needs_single_file_segments),
                         ("--no-telemetry", not self.telemetry)):
            if on:
                a.append(flag)
        if not self.in_memory:
            a += ["--file-prefix", self.effective_file_prefix]
        for opt, val in (("--socket-mem", self.socket_mem), ("-m", self.memory_mb),
                         ("--iova-mode", self.iova_mode), ("--proc-type", self.proc_type),
                         ("--huge-dir", self.huge_dir)):
            if val is not None:
                a += [opt, str(val)]
        for level in self.log_levels:
            a += ["--log-level", level]
        for path in self.plugins:
            a += ["-d", path]
        a += list(self.extra)
        return a

    def argv(self) -> list[str]:
        """Full EAL argv, vdevs included (e.g. to start dpdk-testpmd the same way)."""
        a = self.eal_argv()
        for v in self.vdevs:
            a += ["--vdev", v]
        return a[1:]

    @classmethod
    def from_argv(cls, argv: Sequence[str], **overrides: Any) -> "EalConfig":
        """Parse an EAL command line (as in the guide: ``-c f -n 4 --vdev eth_ring0``)."""
        args = [a for a in argv]
        kw: dict[str, Any] = {"vdevs": [], "allow": [], "block": [], "log_levels": [],
                              "plugins": [], "extra": []}
        with_value = {"-l": "lcores", "--lcores": "lcores", "-c": "coremask", "-n": "memory_channels",
                      "--main-lcore": "main_lcore", "--file-prefix": "file_prefix",
                      "--socket-mem": "socket_mem", "-m": "memory_mb", "--iova-mode": "iova_mode",
                      "--proc-type": "proc_type", "--huge-dir": "huge_dir"}
        lists = {"--vdev": "vdevs", "-a": "allow", "--allow": "allow", "-w": "allow",
                 "--pci-whitelist": "allow", "-b": "block", "--block": "block",
                 "--log-level": "log_levels", "-d": "plugins"}
        flags = {"--no-pci": "no_pci", "--no-huge": "no_huge", "--in-memory": "in_memory",
                 "--single-file-segments": "single_file_segments"}
        i = 0
        while i < len(args):
            a = args[i]
            opt, eq, val = a.partition("=") if a.startswith("--") else (a, "", "")
            if opt in flags:
                kw[flags[opt]] = True
            elif opt == "--no-telemetry":
                kw["telemetry"] = False
            elif opt in with_value or opt in lists:
                if not eq:
                    if i + 1 >= len(args):
                        raise invalid(opt, None, "an option that takes a value", "EAL argument")
                    i += 1
                    val = args[i]
                name = with_value.get(opt) or lists[opt]
                if opt in lists:
                    kw[name].append(val)
                elif name in ("memory_channels", "main_lcore", "memory_mb"):
                    if not re.fullmatch(r"[0-9]+", val):
                        raise invalid(opt, val, "a non-negative integer", "EAL argument")
                    kw[name] = int(val)
                else:
                    kw[name] = val
            elif len(a) > 2 and a[:2] in ("-l", "-c", "-n", "-a", "-b", "-w", "-d", "-m"):
                args[i:i + 1] = [a[:2], a[2:]]
                continue
            else:
                kw["extra"].append(a)
            i += 1
        if kw.get("coremask") and not kw["coremask"].startswith("0x"):
            kw["coremask"] = "0x" + kw["coremask"]
        kw.update(overrides)
        return cls(**kw)

    @classmethod
    def auto(cls, **kwargs: Any) -> "EalConfig":
        """Like EalConfig(**kwargs), but on ordinary memory (no_huge, 512 MB) when this machine
        has no usable hugepages (:func:`hugepages_usable`): for samples, notebooks, tests and
        commands that must run anywhere."""
        if not kwargs.get("no_huge") and not kwargs.get("in_memory") and not hugepages_usable():
            kwargs = dict(kwargs, no_huge=True, memory_mb=kwargs.get("memory_mb") or 512,
                          single_file_segments=False)
        return cls(**kwargs)

    def or_ordinary_memory(self, memory_mb: int = 512) -> "EalConfig":
        """This config, or (no usable hugepages and none asked away) the same on ordinary
        memory: ``no_huge`` with ``memory_mb``. The one fallback every command uses."""
        if self.no_huge or self.in_memory or self.proc_type == "secondary" or hugepages_usable():
            return self
        return self.replace(no_huge=True, memory_mb=self.memory_mb or memory_mb, single_file_segments=False)

    def replace(self, **changes: Any) -> "EalConfig":
        """A copy with some fields changed (dataclasses.replace; the copy is validated again)."""
        return dataclasses.replace(self, **changes)


def _ranges(nums: Sequence[int]) -> str:
    return ",".join(str(n) for n in nums) if nums else "(none)"


@dataclass(frozen=True)
class Lcore:
    """One enabled lcore: its id, NUMA socket, CPU, whether it is the main lcore, and its state."""
    id: int
    socket: int
    cpu: int
    is_main: bool
    state: str


@dataclass(frozen=True)
class HugepageStatus:
    """Hugepages of one size: pages reserved (total), free, and the hugetlbfs mounts for that size."""
    size_kb: int
    total: int
    free: int
    mounted_at: tuple[str, ...] = field(default=())


def hugepage_status() -> list[HugepageStatus]:
    """Hugepages per size from /sys, with where hugetlbfs is mounted."""
    mounts: list[tuple[str, str]] = []
    try:
        with open("/proc/mounts") as f:
            for line in f:
                dev, mnt, fstype, opts = line.split()[:4]
                if fstype == "hugetlbfs":
                    m = re.search(r"pagesize=(\d+)([KMG])", opts)
                    mounts.append((mnt, m.group(0)[9:] if m else ""))
    except OSError:
        pass
    out = []
    for d in sorted(glob.glob("/sys/kernel/mm/hugepages/hugepages-*kB")):
        size_kb = int(re.search(r"(\d+)kB", d).group(1))  # type: ignore[union-attr]
        unit = f"{size_kb // 1024}M" if size_kb < 1024 * 1024 else f"{size_kb // (1024 * 1024)}G"
        out.append(HugepageStatus(size_kb, _read_int(os.path.join(d, "nr_hugepages")),
                                  _read_int(os.path.join(d, "free_hugepages")),
                                  tuple(m for m, sz in mounts if sz in (unit, ""))))
    return out


def _read_int(path: str) -> int:
    with open(path) as f:
        return int(f.read())


def hugepages_usable(min_free: int = 64) -> bool:
    """True when some hugepage size has at least min_free free pages and a hugetlbfs mount:
    the one test of "run on hugepages or fall back to ordinary memory"."""
    return any(s.free >= min_free and s.mounted_at for s in hugepage_status())


def runtime_dir(file_prefix: str = "rte") -> str:
    """Where a DPDK process with this --file-prefix keeps its runtime files (EAL's rule)."""
    base = os.environ.get("RUNTIME_DIRECTORY")
    if not base:
        base = "/var/run" if os.getuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", file_prefix)


def _config_path(file_prefix: str) -> str:
    return os.path.join(runtime_dir(file_prefix), "config")


def primary_alive(file_prefix: str = "rte") -> bool:
    """True when a primary DPDK process with this --file-prefix runs (it holds its config lock)."""
    if not isinstance(file_prefix, str) or not file_prefix or "/" in file_prefix:
        raise invalid("file_prefix", file_prefix, "a non-empty name without '/'")
    return bool(lib.rte_eal_primary_proc_alive(_config_path(file_prefix).encode()))


def check_primary(cfg: EalConfig) -> None:
    """Before rte_eal_init of a secondary: refuse clearly when no primary runs."""
    prefix = cfg.effective_file_prefix
    if cfg.in_memory or cfg.no_huge:
        name = "in_memory" if cfg.in_memory else "no_huge"
        raise invalid(name, True, "False for a secondary: it maps the primary's hugepages", "EAL argument")
    if not primary_alive(prefix):
        path = _config_path(prefix)
        why = ("its runtime files remain but the process has exited" if os.path.exists(path)
               else f"there is no {path}")
        raise EalError(errno.ESRCH, f"no primary DPDK process runs with file prefix {prefix!r} ({why}): "
                       "start the primary first, with hugepages and this --file-prefix (primaries "
                       "started with --in-memory, --no-huge or --no-shconf cannot have secondaries)",
                       "rte_eal_init")


def _secondary_failure(err: int, cfg: EalConfig) -> str:
    """The error text when rte_eal_init of a secondary fails."""
    prefix = cfg.effective_file_prefix
    args = " ".join(cfg.eal_argv()[1:])
    return (f"attaching to the primary with file prefix {prefix!r} failed ({args}): "
            f"{os.strerror(err) if err else 'EAL refused'}. A secondary must run the same DPDK "
            f"build as its primary (this process runs DPDK {RUNTIME_DPDK}) with compatible memory "
            "options (the primary's --single-file-segments/--legacy-mem, no --no-huge, no "
            "--in-memory); DPDK's log above says which check failed")


def _check_hugepages(cfg: EalConfig) -> None:
    if cfg.proc_type == "secondary":
        check_primary(cfg)
        return
    if cfg.no_huge:
        return
    status = hugepage_status()
    how = ("reserve some, e.g. `echo 512 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages` "
           "(or `pydpdk host hugepages --reserve 512`), or pass no_huge=True (--no-huge) to run on "
           "ordinary memory")
    if not any(s.free for s in status):
        total = sum(s.total for s in status)
        raise NoHugepagesError(errno.ENOMEM, f"no free hugepages ({total} reserved, 0 free): {how}", "rte_eal_init")
    if not cfg.in_memory and cfg.huge_dir is None and not any(s.mounted_at for s in status if s.free):
        raise NoHugepagesError(
            errno.ENODEV, "hugepages are reserved but no hugetlbfs is mounted for them: "
            "`mount -t hugetlbfs nodev /dev/hugepages` (or `pydpdk host hugepages --mount`), "
            "or pass in_memory=True (--in-memory) to map them without files", "rte_eal_init")


class Eal:
    """The process's live EAL. Get it with :meth:`init` or :func:`current`."""

    pdump: bool   # set by init() in a primary: rte_pdump_init ran (dpdk-dumpcap can attach)

    def __init__(self, config: EalConfig, argc_used: int):
        self.config = config
        self._argc_used = argc_used
        self.file_prefix = None if config.in_memory else config.effective_file_prefix

    # -- construction -------------------------------------------------------------------
    @classmethod
    def init(cls, config: EalConfig | None = None, /, *, argv: Sequence[str] | None = None,
             **kwargs: Any) -> "Eal":
        """Initialise the EAL once; hand back the live one on later identical calls."""
        global _live
        if config is None:
            config = EalConfig.from_argv(argv, **kwargs) if argv is not None else EalConfig(**kwargs)
        elif argv is not None or kwargs:
            raise invalid("config", config, "a config alone, or keyword arguments / argv, not both")
        with _lock:
            if _cleaned:
                raise EalNotInitializedError(
                    "the EAL was cleaned up in this process and DPDK cannot initialise it again: "
                    "start a new process")
            if _live is not None:
                if _live.config.eal_argv() != config.eal_argv():
                    raise EalConfigMismatchError(
                        "the EAL is already initialised in this process with different arguments "
                        f"({' '.join(_live.config.eal_argv()[1:])}); DPDK initialises once per "
                        f"process, so {' '.join(config.eal_argv()[1:])} cannot apply. Use "
                        "pydpdk.eal.current() for the live EAL, or run the other configuration "
                        "in a new process")
                _live._attach_vdevs(config.vdevs)
                return _live
            _check_eal_options(config)
            _check_hugepages(config)
            argv_c = [ffi.new("char[]", a.encode()) for a in config.eal_argv() + _boot_vdevs(config)]
            arr = ffi.new("char *[]", argv_c)
            _argv_keepalive.append((argv_c, arr))
            rc = lib.rte_eal_init(len(argv_c), arr)
            if rc < 0:
                err = lib.pydpdk_rte_errno()
                if config.proc_type == "secondary":
                    raise EalError(err, _secondary_failure(err, config), "rte_eal_init")
                raise EalError(err, _init_failure(err, config), "rte_eal_init")
            _live = cls(config, rc)
            # primaries answer dpdk-dumpcap / dpdk-pdump (needs the multi-process channel)
            _live.pdump = lib.rte_eal_process_type() == lib.RTE_PROC_PRIMARY and lib.rte_pdump_init() == 0
            atexit.register(_atexit_cleanup)
        _live._attach_vdevs(config.vdevs)
        return _live

    def _attach_vdevs(self, vdevs: Sequence[str]) -> None:  # those _boot_vdevs() left out
        _vdev_support.attach_missing(vdevs)

    # -- state ------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """True until this EAL is cleaned up (then every object that used it refuses use)."""
        return _live is self

    def _check(self) -> None:
        if not self.alive:
            raise EalNotInitializedError("this EAL was cleaned up: every object that used it refuses use")

    @property
    def version(self) -> str:
        """The DPDK version string (rte_version(), e.g. ``'DPDK 22.11.4'``)."""
        return cstr(lib.rte_version())

    @property
    def process_type(self) -> str:
        """``'primary'`` or ``'secondary'`` (rte_eal_process_type)."""
        self._check()
        return {lib.RTE_PROC_PRIMARY: "primary", lib.RTE_PROC_SECONDARY: "secondary"}.get(
            lib.rte_eal_process_type(), "auto")

    @property
    def iova_mode(self) -> str:
        """``'pa'``, ``'va'`` or ``'dc'`` (don't care): the IOVA mode EAL chose (rte_eal_iova_mode)."""
        self._check()
        return {lib.RTE_IOVA_PA: "pa", lib.RTE_IOVA_VA: "va"}.get(lib.rte_eal_iova_mode(), "dc")

    @property
    def has_hugepages(self) -> bool:
        """True when EAL runs on hugepages, False with --no-huge (rte_eal_has_hugepages)."""
        self._check()
        return bool(lib.rte_eal_has_hugepages())

    @property
    def runtime_dir(self) -> str:
        """This process's DPDK runtime directory (rte_eal_get_runtime_dir): sockets and config files."""
        self._check()
        return cstr(lib.rte_eal_get_runtime_dir())

    @property
    def tsc_hz(self) -> int:
        """The TSC frequency in Hz (rte_get_tsc_hz): cycles per second of rte_rdtsc."""
        return lib.rte_get_tsc_hz()

    def lcores(self) -> list[Lcore]:
        """Enabled lcores, main first."""
        self._check()
        main = lib.rte_get_main_lcore()
        out = []
        for i in range(lib.RTE_MAX_LCORE):
            if lib.rte_lcore_is_enabled(i):
                state = "main" if i == main else (
                    "running" if lib.rte_eal_get_lcore_state(i) == lib.RUNNING else "wait")
                out.append(Lcore(i, lib.rte_lcore_to_socket_id(i), lib.rte_lcore_to_cpu_id(i),
                                 i == main, state))
        return out

    @property
    def main_lcore(self) -> int:
        """The id of the main lcore (rte_get_main_lcore): the one running this Python thread."""
        self._check()
        return lib.rte_get_main_lcore()

    def worker_lcores(self) -> list[int]:
        """The ids of the enabled worker lcores (every lcore but the main one), in order."""
        return [lc.id for lc in self.lcores() if not lc.is_main]

    def cleanup(self) -> None:
        """Close every pydpdk object, then rte_eal_cleanup(). Irreversible in this process."""
        cleanup()

    def __enter__(self) -> "Eal":
        self._check()
        return self

    def __exit__(self, *exc: Any) -> None:
        """Leaving ``with pydpdk.Eal.init(...) as eal:`` cleans the EAL up (for scripts)."""
        cleanup()

    def __repr__(self) -> str:
        state = "live" if self.alive else "cleaned up"
        return f"<Eal {state} {' '.join(self.config.argv())!r}>"


def _coremask_argv(mask: str) -> list[str]:
    """'-c MASK', or on DPDK 25.11+ (where '-c' is deprecated and warns) the same cores as '-l'."""
    from .dpdk_features import FEATURES
    if not FEATURES.eal_coremask_deprecated:
        return ["-c", mask]
    bits = int(mask, 16)
    return ["-l", ",".join(str(i) for i in range(bits.bit_length()) if bits >> i & 1)]


def _check_eal_options(config: EalConfig) -> None:
    """DPDK 25.11's rte_eal_init exit()s the whole process on an unknown option (rte_argparse):
    refuse it here, as EINVAL, so the process stays usable as on earlier releases."""
    from .dpdk_features import FEATURES, unknown_eal_option
    if not FEATURES.eal_exits_on_bad_argument:
        return
    bad = unknown_eal_option(config.eal_argv()[1:])
    if bad is not None:
        args = " ".join(config.eal_argv()[1:])
        raise EalError(22, f"rte_eal_init refused the arguments ({args}): {bad!r} is not an EAL "
                       f"option of DPDK {FEATURES.version} (whose EAL would exit the process on it, so "
                       "pydpdk checks first); the process is still usable, call Eal.init again with "
                       "corrected arguments", "rte_eal_init")


def _boot_vdevs(config: EalConfig) -> list[str]:
    """--vdev arguments for rte_eal_init: only the devargs too long for hotplug (rte_dev_probe
    refuses more than HOTPLUG_DEVARGS_MAX bytes on DPDK 24.11.8+/25.11; --vdev has no limit). The
    others are hotplugged after init, where a bad one raises a clear error."""
    from .dpdk_features import HOTPLUG_DEVARGS_MAX
    out: list[str] = []
    for v in config.vdevs:
        if len(v.encode()) > HOTPLUG_DEVARGS_MAX:
            out += ["--vdev", v]
    return out


def _init_failure(err: int, cfg: EalConfig) -> str:
    args = " ".join(cfg.eal_argv()[1:])
    if err == errno.EINVAL:
        return (f"rte_eal_init refused the arguments ({args}): see DPDK's usage message above; "
                "the process is still usable, call Eal.init again with corrected arguments")
    if err == errno.EALREADY:
        return f"rte_eal_init: the EAL was already initialised by other code in this process ({args})"
    if err in (errno.EACCES, errno.EPERM):
        return (f"rte_eal_init: permission denied ({args}): DPDK needs root or the hugepage and "
                f"/var/run/dpdk permissions")
    return f"rte_eal_init failed ({args}): {cstr(lib.rte_strerror(err))}"


def current() -> Eal:
    """The live EAL, or EalNotInitializedError."""
    if _live is None:
        raise EalNotInitializedError("the EAL is not initialised: call pydpdk.Eal.init(...) first"
                                     if not _cleaned else "the EAL was cleaned up in this process")
    return _live


def require() -> Eal:
    return current()


def is_initialized() -> bool:
    return _live is not None


_keep_until_exit: list[str] = []


def keep_devices_until_exit(reason: str) -> None:
    """A device that DPDK cannot tear down without crashing: cleanup() then skips
    rte_eal_cleanup (the objects are still invalidated, files still removed) and says why."""
    if reason not in _keep_until_exit:
        _keep_until_exit.append(reason)


def require_primary() -> None:
    """In a secondary process: EalError (ESRCH) when the primary it attached to has exited. The
    shared memory stays mapped after the primary dies, so without this a secondary would read
    frozen counters as if they were live."""
    live = _live
    if live is None or lib.rte_eal_process_type() != lib.RTE_PROC_SECONDARY:
        return
    if not primary_alive(live.config.effective_file_prefix):
        raise EalError(errno.ESRCH, f"the primary DPDK process with file prefix "
                       f"{live.config.effective_file_prefix!r} has exited: what this secondary reads of its "
                       "ports would be frozen, not live; clean up (pydpdk.cleanup()) and attach to a new "
                       "primary in a new process", "rte_eal_primary_proc_alive")


def is_secondary() -> bool:
    """True in a secondary process: ports, pools and hugepages belong to the primary."""
    return _live is not None and lib.rte_eal_process_type() == lib.RTE_PROC_SECONDARY


def cleanup() -> None:
    """Close all pydpdk objects and clean up the EAL. Every object refuses use afterwards."""
    global _live, _cleaned
    with _lock:
        if _live is None:
            return
        prefix = _live.file_prefix
        if is_secondary():      # the hugepage files and the runtime directory belong to the primary
            prefix = None
        rundir = _live.runtime_dir if prefix else None
        _resource.close_all("closed (the EAL was cleaned up)")
        if getattr(_live, "pdump", False):
            lib.rte_pdump_uninit()
        if _keep_until_exit:         # DPDK would crash tearing these down: let the process exit do it
            import logging
            logging.getLogger("pydpdk.eal").warning("rte_eal_cleanup skipped: %s", "; ".join(_keep_until_exit))
            rc = 0
        else:
            rc = lib.rte_eal_cleanup()
        _resource.invalidate_all("unusable: the EAL was cleaned up")
        _live, _cleaned = None, True
        if prefix:
            remove_files(prefix, rundir if rundir and os.path.basename(rundir) == prefix else None)
        check(rc, "rte_eal_cleanup", EalError)


def remove_files(prefix: str, rundir: str | None) -> None:
    """Remove a primary's hugepage files (/dev/hugepages/PREFIXmap_*) and, given, its runtime
    directory (config, sockets): what cleanup() and a forced exit leave no trace of."""
    for path in glob.glob(f"/dev/hugepages/{prefix}map_*"):
        try:
            os.unlink(path)
        except OSError:
            pass
    if rundir:
        shutil.rmtree(rundir, ignore_errors=True)


def _atexit_cleanup() -> None:
    try:
        cleanup()
    except Exception:
        pass
