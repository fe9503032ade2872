"""NIC lab: DPDK's hardware PMDs against QEMU-emulated NICs, with pydpdk running inside the guest.

    from pydpdk.testing import niclab
    res = niclab.run(nics=["e1000", "virtio-modern"], payload=niclab.GUEST_DIR + "/pair_check.py")
    res.check()                       # raises LabError with the console's tail if the payload failed
    print(res.result["pairs"]["e1000"]["exact"])

A TCG guest boots the host's Debian kernel with the HOST's root filesystem shared read-only over
virtio-9p (plus a tmpfs overlay), so the guest runs the host's python3, DPDK and this checkout
(PYTHONPATH = the directory holding this ``pydpdk`` package) without a disk image. Each model in
``nics`` gives two NICs of that model cabled to each other through their own QEMU hub. The payload
(a Python or shell script, or ``-m module``) runs as root in the guest with ``NICLAB_JOB`` (the
job: cabled pairs, PCI locations) and ``NICLAB_OUT`` (a directory on a writable 9p share that the
host reads back); ``result.json`` written there becomes :attr:`StepResult.result`.
See docs/niclab.md.
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

from .._native import PMD_DIR

__all__ = ["NicModel", "MODELS", "Step", "StepResult", "LabResult", "LabError", "run", "unavailable",
           "find_qemu", "qemu_version", "guest_kernel", "layout", "GUEST_DIR", "REPO_ROOT"]

GUEST_DIR = str(Path(__file__).resolve().parent / "guest")
REPO_ROOT = str(Path(__file__).resolve().parents[2])   # what the guest puts on PYTHONPATH
INITRD_MODULES = ("virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
                  "netfs", "fscache", "9pnet", "9pnet_virtio", "9p", "overlay")
PYTHON = os.path.realpath(sys.executable)    # the guest runs the interpreter (and packages) of the tests
_runs = itertools.count()


@dataclass(frozen=True)
class NicModel:
    """An emulated NIC model: the QEMU device, what the guest sees and which DPDK PMD drives it."""

    name: str
    device: str                 # QEMU -device value (driver and properties, without netdev/mac)
    ids: str                    # vendor:device in the guest
    pmd: str                    # DPDK driver name (dev_info.driver_name) expected on the ports
    plugin: str                 # DPDK plugin that holds the PMD (librte_<plugin>.so)
    min_qemu: int = 0           # QEMU major version needed
    root_port: bool = False     # each NIC behind its own pcie-root-port (igb: VFs need functions)
    kind: str = "pf"            # "vf": the kernel PF driver makes one SR-IOV VF per NIC, DPDK gets the VFs


MODELS: dict[str, NicModel] = {m.name: m for m in [
    NicModel("e1000", "e1000", "8086:100e", "net_e1000_em", "net_e1000"),
    NicModel("e1000e", "e1000e", "8086:10d3", "net_e1000_em", "net_e1000"),
    NicModel("vmxnet3", "vmxnet3", "15ad:07b0", "net_vmxnet3", "net_vmxnet3"),
    NicModel("virtio-modern", "virtio-net-pci,disable-legacy=on", "1af4:1041", "net_virtio", "net_virtio"),
    NicModel("virtio-legacy", "virtio-net-pci,disable-modern=on", "1af4:1000", "net_virtio", "net_virtio"),
    NicModel("igb", "igb", "8086:10c9", "net_e1000_igb", "net_e1000", min_qemu=8, root_port=True),
    NicModel("igb-vf", "igb", "8086:10ca", "net_e1000_igb_vf", "net_e1000", min_qemu=8, root_port=True,
             kind="vf"),
]}


class LabError(AssertionError):
    """A lab run failed: the message carries the payload's and the console's tail."""


# -- environment -------------------------------------------------------------------------------
def find_qemu(qemu: str | None = None) -> str | None:
    """The QEMU binary: the argument, $PYDPDK_NICLAB_QEMU, or qemu-system-x86_64 on PATH."""
    q = qemu or os.environ.get("PYDPDK_NICLAB_QEMU") or "qemu-system-x86_64"
    return shutil.which(q)


def qemu_version(qemu: str) -> tuple[int, int]:
    """QEMU's (major, minor) version from ``qemu --version`` ((0, 0) when it prints none)."""
    out = subprocess.run([qemu, "--version"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"version (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def guest_kernel() -> tuple[str, str] | None:
    """(vmlinuz path, version) of the newest kernel in /boot whose modules are in /lib/modules
    ($PYDPDK_NICLAB_KERNEL=version picks one)."""
    want = os.environ.get("PYDPDK_NICLAB_KERNEL")
    found = []
    for vmlinuz in glob.glob("/boot/vmlinuz-*"):
        ver = vmlinuz[len("/boot/vmlinuz-"):]
        if os.path.isdir(f"/lib/modules/{ver}/kernel") and (not want or ver == want):
            found.append((vmlinuz, ver))
    if not found:
        return None
    key = lambda v: [int(x) if x.isdigit() else 0 for x in re.split(r"[.-]", v[1])]  # noqa: E731
    return sorted(found, key=key)[-1]


def unavailable(models: Sequence[str] = (), qemu: str | None = None) -> str | None:
    """Why the lab cannot run these models here (None: it can). Precise, for pytest.skip."""
    binary = find_qemu(qemu)
    if binary is None:
        return (f"no QEMU: {qemu or os.environ.get('PYDPDK_NICLAB_QEMU') or 'qemu-system-x86_64'} not found "
                "(run .ci/niclab-install.sh, or set PYDPDK_NICLAB_QEMU)")
    if guest_kernel() is None:
        return ("no guest kernel: no /boot/vmlinuz-VER with /lib/modules/VER/kernel "
                "(apt-get install linux-image-amd64; run .ci/niclab-install.sh)")
    for tool in ("/usr/lib/klibc/bin/run-init", shutil.which("cpio"), shutil.which("modinfo")):
        if not tool or not os.path.exists(tool):
            return "initramfs tools missing: need klibc-utils, cpio and kmod (run .ci/niclab-install.sh)"
    from .._native import PMD_DIR   # the plugin directory of the DPDK this build links
    if not PMD_DIR or not os.path.isdir(PMD_DIR):
        return f"no DPDK plugin directory {PMD_DIR or '(none found by build_ffi.py)'}"
    need = max([MODELS[m].min_qemu for m in models if m in MODELS] + [0])
    have = qemu_version(binary)
    if have[0] < need:
        return (f"{binary} is QEMU {have[0]}.{have[1]}; models {[m for m in models if MODELS[m].min_qemu > have[0]]}"
                f" need QEMU >= {need} (bookworm-backports: run .ci/niclab-install.sh)")
    return None


def _work_dir(work: str | None) -> Path:
    d = Path(work or os.environ.get("PYDPDK_NICLAB_WORK") or os.path.join(tempfile.gettempdir(), "pydpdk-niclab"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def build_initrd(kver: str, work: str | None = None) -> str:
    """A tiny initramfs (klibc + virtio/9p/overlay modules + our stage 1), cached per kernel and
    init script; stage 2 comes from the kernel command line, so any checkout can use it."""
    init = (Path(GUEST_DIR) / "init").read_text().replace("@MODULES@", " ".join(INITRD_MODULES))
    key = hashlib.sha256(f"{kver}\n{init}".encode()).hexdigest()[:12]
    target = _work_dir(work) / f"initrd-{kver}-{key}.gz"
    if target.exists():
        return str(target)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        root = Path(tmp) / "root"
        for d in ("bin", "lib/mods", "proc", "sys", "dev", "lower", "upper", "newroot"):
            (root / d).mkdir(parents=True)
        for f in glob.glob("/usr/lib/klibc/bin/*"):
            shutil.copy2(f, root / "bin", follow_symlinks=False)
        for f in glob.glob("/usr/lib/klibc-*.so"):
            shutil.copy2(f, root / "lib")
        for m in INITRD_MODULES:
            path = subprocess.run(["modinfo", "-k", kver, "-n", m], capture_output=True, text=True,
                                  check=True).stdout.strip()
            shutil.copy2(path, root / "lib/mods" / f"{m}.ko")
        (root / "init").write_text(init)
        (root / "init").chmod(0o755)
        names = subprocess.run(["find", "."], cwd=root, capture_output=True, check=True).stdout
        cpio = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=names,
                              capture_output=True, check=True).stdout
        part = Path(tmp) / "initrd.gz"
        part.write_bytes(gzip.compress(cpio, 1))
        os.replace(part, target)
    return str(target)


# -- runs --------------------------------------------------------------------------------------
@dataclass
class Step:
    """One payload run in the guest: a .py file (or python options: ``Step("-c", ["code"])``), a
    .sh file (bash), or ``module=True`` for ``python -m payload``; ``env`` for this step only."""

    payload: str
    args: Sequence[str] = ()
    module: bool = False
    env: Mapping[str, str] = field(default_factory=dict)

    def command(self, python: str = "python3") -> list[str]:
        """The guest command line that runs this step (python -m, bash, or python with the script)."""
        if self.module:
            return [python, "-m", self.payload, *self.args]
        if self.payload.endswith(".sh"):
            return ["bash", self.payload, *self.args]
        return [python, self.payload, *self.args]


@dataclass
class StepResult:
    """What one step did in the guest: exit status, output, and the result.json it wrote."""
    payload: str
    rc: int | None              # None: the step never finished (guest crashed or timed out)
    output: str                 # the payload's stdout and stderr
    result: Any                 # result.json the payload wrote to $NICLAB_OUT, or None
    uptime: tuple[float, float] | None = None   # guest uptime at start and end


@dataclass
class LabResult:
    """One NIC-lab run: the guest's steps, console, QEMU's exit, timings; :meth:`check` raises unless ok."""
    name: str
    workdir: str
    nics: list[str]
    steps: list[StepResult]
    console: str                # the guest's serial console
    qemu_rc: int | None
    timed_out: bool
    wall_s: float               # host wall time, QEMU start to exit
    boot_s: float | None        # guest uptime when stage 2 took over
    qemu_stderr: str = ""
    boots: int = 1              # > 1: an earlier boot stalled and was retried

    @property
    def rc(self) -> int | None:
        """The first step's exit status (None: it never finished)."""
        return self.steps[0].rc if self.steps else None

    @property
    def output(self) -> str:
        """The first step's output (stdout and stderr)."""
        return self.steps[0].output if self.steps else ""

    @property
    def result(self) -> Any:
        """The first step's result.json, or None."""
        return self.steps[0].result if self.steps else None

    @property
    def ok(self) -> bool:
        """True when the guest did not time out and every step exited 0."""
        return not self.timed_out and bool(self.steps) and all(s.rc == 0 for s in self.steps)

    def describe(self, tail: int = 3000) -> str:
        """A report for a failure message: the run's facts, each step's output tail, the console tail."""
        parts = [f"NIC lab {self.name} ({', '.join(self.nics)}): qemu rc={self.qemu_rc} "
                 f"timed_out={self.timed_out} wall={self.wall_s:.1f}s boot={self.boot_s}s boots={self.boots} "
                 f"dir={self.workdir}"]
        for i, s in enumerate(self.steps):
            parts.append(f"--- step {i} {s.payload}: rc={s.rc}\n{s.output[-tail:]}")
        parts.append(f"--- console tail\n{self.console[-tail:]}")
        if self.qemu_stderr.strip():
            parts.append(f"--- qemu stderr\n{self.qemu_stderr[-tail:]}")
        return "\n".join(parts)

    def check(self) -> "LabResult":
        """Raise LabError (an AssertionError) unless every step exited 0."""
        if not self.ok:
            raise LabError(self.describe())
        return self


def _nic_args(nics: Sequence[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """QEMU arguments for one cabled pair per model, and the pairs as the guest will find them."""
    args: list[str] = []
    pairs = []
    slot = 4                                      # 00:02.0, 00:03.0 are the two 9p devices
    for hub, model_name in enumerate(nics):
        if model_name not in MODELS:
            from ..errors import invalid
            raise invalid("nics", model_name, f"NIC models {', '.join(MODELS)}", "niclab.run")
        m = MODELS[model_name]
        located = []
        for side in range(2):
            nd = f"n{hub}_{side}"
            mac = f"52:54:00:{hub:02x}:00:{side + 1:02x}"
            args += ["-netdev", f"hubport,id={nd},hubid={hub}"]
            if m.root_port:
                rp = f"rp{hub}_{side}"
                args += ["-device", f"pcie-root-port,id={rp},chassis={slot},slot={slot},addr={slot:#x}"]
                args += ["-device", f"{m.device},netdev={nd},mac={mac},bus={rp}"]
                located.append({"behind": f"0000:00:{slot:02x}.0", "mac": mac})
            else:
                args += ["-device", f"{m.device},netdev={nd},mac={mac},addr={slot:#x}"]
                located.append({"pci": f"0000:00:{slot:02x}.0", "mac": mac})
            slot += 1
        pairs.append({"model": m.name, "pmd": m.pmd, "ids": m.ids, "kind": m.kind, "nics": located})
    if slot > 0x1e:
        from ..errors import invalid
        raise invalid("nics", list(nics), "at most 13 models per guest (PCI slots 04-1e)", "niclab.run")
    return args, pairs


def layout(nics: Sequence[str]) -> list[dict[str, Any]]:
    """The cabled pairs run() gives the guest for these models (the job file's "pairs"): root-bus
    NICs have fixed PCI addresses ("pci"), root-port ones are found "behind" their port."""
    return _nic_args(nics)[1]


def _job_script(steps: Sequence[Step], pmds: Sequence[str], env: Mapping[str, str], python: str) -> str:
    q = shlex.quote
    lines = ["# written by pydpdk.testing.niclab.run; sourced by stage2.sh in the guest",
             "set -o pipefail",
             f"export PYTHONPATH={q(REPO_ROOT)} NICLAB_JOB=/out/job.json PYTHONUNBUFFERED=1",
             f"export PATH={q(os.path.dirname(python))}:$PATH NICLAB_PYTHON={q(python)}"]
    lines += [f"export {k}={q(str(v))}" for k, v in env.items()]
    if pmds:
        lines.append("niclab_pmds " + " ".join(q(p) for p in pmds))
    lines.append(f"cd {q(REPO_ROOT)}")
    for i, step in enumerate(steps):
        d = f"/out/step{i}"
        envs = " ".join(f"{k}={q(str(v))}" for k, v in step.env.items())
        lines += [f"mkdir -p {d}; read -r up _ < /proc/uptime; echo $up > {d}/uptime",
                  f"echo {q(f'NICLAB step {i}: ' + ' '.join(step.command(python)))}",
                  f"NICLAB_OUT={d} {envs} {' '.join(q(c) for c in step.command(python))} 2>&1 | tee {d}/output.log",
                  f"echo ${{PIPESTATUS[0]}} > {d}/rc; read -r up _ < /proc/uptime; echo $up >> {d}/uptime"]
    return "\n".join(lines) + "\n"


def _boot(cmd: list[str], out: Path, timeout: float, boot_timeout: float) -> tuple[int | None, bool, bool]:
    """Run QEMU until it exits or timeout; (rc, timed_out, stalled): stalled = stage 2 never came up
    within boot_timeout (a TCG guest on an overloaded host can hang in early boot), QEMU stopped."""
    t0 = time.monotonic()
    timed_out = stalled = False
    with open(out / "qemu.stderr", "a") as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        try:
            while proc.poll() is None:
                waited = time.monotonic() - t0
                if waited >= timeout:
                    timed_out = True
                    break
                if waited >= boot_timeout and not (out / "stage2.txt").exists():
                    stalled = True
                    break
                try:
                    proc.wait(0.25)
                except subprocess.TimeoutExpired:
                    pass
        finally:                          # timeout, stall, KeyboardInterrupt: never leave the guest running
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return proc.returncode, timed_out, stalled


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


PayloadSpec = Union[str, Step, Sequence[Step]]


def run(nics: Sequence[str], payload: PayloadSpec, args: Sequence[str] = (), *, qemu: str | None = None,
        timeout: float = 300, name: str | None = None, kdrv: str = "uio_pci_generic",
        pmds: Sequence[str] | None = None, mem_mb: int = 1024, hugepages: int = 128, smp: int = 2,
        env: Mapping[str, str] | None = None, extra_qemu: Sequence[str] = (), job: Mapping[str, Any] | None = None,
        work: str | None = None, accel: str = "tcg", append: str = "", python: str = PYTHON,
        boot_timeout: float = 120, boot_retries: int = 1) -> LabResult:
    """Boot a guest with a cabled pair of NICs per model in ``nics``, run ``payload`` (a script
    path with ``args``, a :class:`Step`, or a list of steps run one after the other) and power off.

    ``pmds``: DPDK plugins the guest autoloads (default: mempool_ring + the models' plugins; fewer
    plugins make EAL init seconds faster under TCG). ``kdrv`` is handed to the payload in the job
    (the driver to bind to). ``job`` adds keys to the job file. Never raises for a failing payload:
    look at :attr:`LabResult.ok` or call :meth:`LabResult.check`.
    """
    why = unavailable(nics, qemu)
    if why:
        raise RuntimeError(f"NIC lab unavailable: {why}")
    binary, kernel = find_qemu(qemu), guest_kernel()
    if binary is None or kernel is None:      # unavailable() found both: only a race gets here
        raise RuntimeError("NIC lab unavailable: QEMU or the guest kernel went away")
    vmlinuz, kver = kernel
    initrd = build_initrd(kver, work)
    if isinstance(payload, Step):
        steps = [payload]
    elif isinstance(payload, str):
        steps = [Step(payload, list(args))]
    else:
        steps = list(payload)
    name = name or "lab-" + "-".join(nics)
    out = _work_dir(work) / "runs" / f"{name}-{os.getpid()}-{next(_runs)}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    nic_args, pairs = _nic_args(nics)
    if pmds is None:
        pmds = ["mempool_ring"] + sorted({MODELS[m].plugin for m in nics})
    (out / "job.json").write_text(json.dumps({"name": name, "kdrv": kdrv, "pairs": pairs, **(job or {})}, indent=1))
    (out / "job.sh").write_text(_job_script(steps, pmds, env or {}, python))
    append = (f"console=ttyS0 panic=-1 quiet hugepages={hugepages} {append} "
              f"nl.stage2={Path(GUEST_DIR) / 'stage2.sh'}")
    cmd = [binary, "-accel", accel, "-cpu", "max", "-smp", str(smp), "-M", "q35", "-m", str(mem_mb),
           "-nodefaults", "-display", "none", "-no-reboot", "-serial", f"file:{out / 'console.log'}",
           "-kernel", vmlinuz, "-initrd", initrd, "-append", append,
           "-fsdev", "local,id=r,path=/,security_model=none,readonly=on,multidevs=remap",
           "-device", "virtio-9p-pci,fsdev=r,mount_tag=hostroot,addr=0x2",
           "-fsdev", f"local,id=o,path={out},security_model=none",
           "-device", "virtio-9p-pci,fsdev=o,mount_tag=out,addr=0x3",
           *nic_args, *extra_qemu]
    (out / "qemu.cmd").write_text(" ".join(shlex.quote(c) for c in cmd) + "\n")
    t0 = time.monotonic()
    timed_out = False
    boots = 0
    while True:
        boots += 1
        qrc, timed_out, stalled = _boot(cmd, out, timeout - (time.monotonic() - t0), boot_timeout)
        if not stalled or boots > boot_retries:
            break
        (out / "console.log").rename(out / f"console-stalled-{boots}.log")   # boot again
    timed_out = timed_out or stalled
    wall = time.monotonic() - t0
    results = []
    for i, step in enumerate(steps):
        d = out / f"step{i}"
        rc_text = _read(d / "rc").strip()
        res = None
        if (d / "result.json").exists():
            try:
                res = json.loads(_read(d / "result.json"))
            except ValueError:
                res = None
        up = [float(x) for x in _read(d / "uptime").split()]
        results.append(StepResult(step.payload, int(rc_text) if rc_text.lstrip("-").isdigit() else None,
                                  _read(d / "output.log"), res, (up[0], up[1]) if len(up) == 2 else None))
    m = re.search(r"stage2 uptime=([0-9.]+)", _read(out / "stage2.txt"))
    stderr = "\n".join(line for line in _read(out / "qemu.stderr").splitlines()
                       if "not connected to host network" not in line)
    return LabResult(name, str(out), list(nics), results, _read(out / "console.log"), qrc, timed_out,
                     round(wall, 2), float(m.group(1)) if m else None, stderr, boots)
