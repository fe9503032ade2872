"""NIC lab: pydpdk on DPDK's hardware PMDs, inside QEMU guests with emulated NICs (marker niclab).

One guest holds a cabled pair of every model (one EAL probes them all: cheaper than a guest per
model under TCG); the guide's lab samples (samples/niclab/) run in a second guest. Each pair must
probe with the expected PMD, come up, deliver exactly bursts*32 packets each way (no loss, no
extras, hardware counters agreeing) and forward with every stream conserving packets.

Real hardware instead of QEMU: PYDPDK_NICLAB_PCI="0000:03:00.0,0000:03:00.1[;A,B]" (each pair
cabled back to back, already bound to a DPDK driver, or set PYDPDK_NICLAB_BIND=vfio-pci) runs the
same pair checks on this host, as root. See docs/niclab.md.
"""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tempfile

import pytest

from conftest import ROOT
from pydpdk.testing.procs import unpin
from pydpdk.errors import InvalidArgumentError
from pydpdk.testing import niclab

pytestmark = pytest.mark.niclab

HW_PAIRS = [p.split(",") for p in os.environ.get("PYDPDK_NICLAB_PCI", "").replace(" ", "").split(";") if p]
PAIR_CHECK = os.path.join(niclab.GUEST_DIR, "pair_check.py")
HOST_TOOLS_CHECK = os.path.join(niclab.GUEST_DIR, "host_tools_check.py")
LAB_SAMPLES = sorted(glob.glob(os.path.join(ROOT, "samples", "niclab", "*.py")))
BURSTS = 4                     # 128 packets: fits every model's RX ring (virtio's is 256)


def _qemu_major() -> int:
    q = niclab.find_qemu()
    return niclab.qemu_version(q)[0] if q else 0


def _lab_models() -> list[str]:
    return [m for m, spec in niclab.MODELS.items() if _qemu_major() >= spec.min_qemu]


def _record(name: str, res: niclab.LabResult) -> None:
    """Timings to stdout (pytest -s) and to <work>/timings-<name>.json."""
    times = {"wall_s": res.wall_s, "boot_s": res.boot_s,
             "steps": [{"payload": os.path.basename(s.payload), "rc": s.rc, "uptime": s.uptime}
                       for s in res.steps]}
    if res.result and "pairs" in res.result:
        times["payload"] = res.result.get("times")
        times["pairs"] = {m: {"wall_s": r.get("wall_s"), **r.get("times", {})}
                          for m, r in res.result["pairs"].items()}
    print(f"\nNIC lab {name}: {json.dumps(times)}")
    with open(os.path.join(os.path.dirname(os.path.dirname(res.workdir)), f"timings-{name}.json"), "w") as f:
        json.dump(times, f, indent=1)


@pytest.fixture(scope="module")
def matrix() -> dict:
    """pair_check's result: {"pairs": {model: report}, "times": ...} (QEMU, or the PCI pairs)."""
    if HW_PAIRS:
        with tempfile.TemporaryDirectory() as out:
            args = [sys.executable, PAIR_CHECK, "--bursts", str(BURSTS)]
            for pair in HW_PAIRS:
                args += ["--pci", ",".join(pair)]
            if os.environ.get("PYDPDK_NICLAB_BIND"):
                args += ["--bind", os.environ["PYDPDK_NICLAB_BIND"]]
            env = dict(os.environ, NICLAB_OUT=out, PYTHONPATH=niclab.REPO_ROOT)
            proc = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env,
                                  preexec_fn=unpin)
            path = os.path.join(out, "result.json")
            assert os.path.exists(path), f"pair_check wrote no result:\n{proc.stdout}\n{proc.stderr}"
            with open(path) as f:
                return json.load(f)
    why = niclab.unavailable(["e1000"])
    if why:
        pytest.skip(why)
    res = niclab.run(_lab_models(), PAIR_CHECK, ["--bursts", str(BURSTS)], name="matrix", timeout=420)
    _record("matrix", res)
    assert res.result is not None, res.describe()
    res.result["_describe"] = res.describe(1500)
    return res.result


def _models() -> list[str]:
    return [f"pci{i}" for i in range(len(HW_PAIRS))] if HW_PAIRS else list(niclab.MODELS)


@pytest.mark.parametrize("model", _models())
def test_pair(matrix, model):
    if not HW_PAIRS and niclab.MODELS[model].min_qemu > _qemu_major():
        pytest.skip(f"{model} needs QEMU >= {niclab.MODELS[model].min_qemu} (have "
                    f"{_qemu_major()}; .ci/niclab-install.sh installs it from bookworm-backports)")
    # the guest ran the code under test: this checkout's pydpdk, not some installed copy
    assert matrix["pydpdk"].startswith(niclab.REPO_ROOT + os.sep), matrix["pydpdk"]
    rep = matrix["pairs"].get(model)
    assert rep is not None, f"no report for {model}: {matrix.get('_describe')}"
    assert "error" not in rep, f"{model}: {rep['error']}\n{matrix.get('_describe')}"
    # probe: the expected PMD on both ports, the device ids QEMU emulates
    if not HW_PAIRS:
        spec = niclab.MODELS[model]
        assert [p["driver"] for p in rep["ports"]] == [spec.pmd] * 2, rep["ports"]
        assert [p["ids"] for p in rep["ports"]] == [spec.ids] * 2, rep["ports"]
    assert all(link.startswith("Link Up") for link in rep["links"]), rep["links"]
    # exact accounting, both directions
    for way in rep["exact"]:
        want = BURSTS * 32
        assert way["want"] == want
        assert (way["sent"], way["received"]) == (want, want), way
        assert (way["tx_dropped"], way["rx_dropped"], way["hw_imissed"]) == (0, 0, 0), way
        assert (way["hw_opackets"], way["hw_ipackets"]) == (want, want), way
    # forwarding with the native mac engine: traffic both ways, every stream conserves packets
    fwd = rep["forward"]
    assert all(p["rx"] > 0 and p["tx"] > 0 for p in fwd["ports"]), fwd["ports"]
    for s in fwd["streams"]:
        assert s["tx"] + s["dropped"] == s["rx"] + s["generated"], s
        assert s["generated"] == 32, s


@pytest.mark.skipif(bool(HW_PAIRS), reason="the lab samples need the emulated NIC models")
def test_lab_samples():
    """The guide's procedures (samples/niclab/*.py) in one guest; then this module in hardware mode
    (PYDPDK_NICLAB_PCI) against the guest's e1000 pair, as on a host with real NICs; then a
    failing step, which the harness must report as failed with its output."""
    assert LAB_SAMPLES, "samples/niclab/*.py missing"
    models = ["e1000", "virtio-modern", "virtio-legacy", "vmxnet3"]
    if _qemu_major() >= 8:
        models.append("igb-vf")
    why = niclab.unavailable(models)
    if why:
        pytest.skip(why)
    em = ",".join(n["pci"] for n in niclab.layout(models)[0]["nics"])
    hw_mode = niclab.Step("pytest", ["-q", "-p", "no:cacheprovider", os.path.abspath(__file__), "-k", "test_pair"],
                          module=True, env={"PYDPDK_NICLAB_PCI": em, "PYDPDK_NICLAB_BIND": "uio_pci_generic",
                                               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})   # 30 s less under TCG
    fail = niclab.Step("-c", ["print('failing on purpose'); raise SystemExit(3)"])
    steps = [niclab.Step(p) for p in LAB_SAMPLES] + [hw_mode, fail]
    res = niclab.run(models, steps, name="samples", timeout=480)
    _record("samples", res)
    for step in res.steps[:len(LAB_SAMPLES)]:
        assert step.rc == 0, res.describe()
        assert step.result and step.result.get("ok") is True, (step.payload, step.result, step.output[-2000:])
    # this module's hardware mode (PYDPDK_NICLAB_PCI), run in the guest on the e1000 pair
    assert res.steps[-2].rc == 0 and "1 passed" in res.steps[-2].output, res.describe()
    last = res.steps[-1]
    assert last.rc == 3 and "failing on purpose" in last.output, res.describe()
    assert not res.ok
    with pytest.raises(niclab.LabError, match="failing on purpose"):
        res.check()


@pytest.mark.skipif(bool(HW_PAIRS), reason="runs in a QEMU guest")
def test_host_tools_in_guest():
    """pydpdk.host's guest-side check (owned by the host tools' author), when present."""
    if not os.path.exists(HOST_TOOLS_CHECK):
        pytest.skip(f"{HOST_TOOLS_CHECK} does not exist yet")
    test_host = os.path.join(ROOT, "tests", "test_host.py")
    if os.path.exists(test_host) and "host_tools_check.py" in open(test_host).read():
        pytest.skip("tests/test_host.py runs host_tools_check.py in its own lab guest (no second boot)")
    models = ["e1000"] + (["igb"] if _qemu_major() >= 8 else [])
    why = niclab.unavailable(models)
    if why:
        pytest.skip(why)
    res = niclab.run(models, HOST_TOOLS_CHECK, name="host-tools", timeout=300)
    _record("host-tools", res)
    res.check()


def test_timeout_reported():
    """A guest that overruns its timeout is stopped and reported, never left running."""
    why = niclab.unavailable()
    if why:
        pytest.skip(why)
    res = niclab.run([], niclab.Step("-c", ["pass"]), name="timeout", timeout=2)
    assert res.timed_out and not res.ok and res.rc is None and res.boots == 1
    with pytest.raises(niclab.LabError, match="timed_out=True"):
        res.check()
    # a boot that never reaches stage 2 in boot_timeout is stopped and tried again, once
    res = niclab.run([], niclab.Step("-c", ["pass"]), name="stall", timeout=30, boot_timeout=1)
    assert res.boots == 2 and res.timed_out and not res.ok
    assert os.path.exists(os.path.join(res.workdir, "console-stalled-1.log"))


def test_bad_nic_model_refused():
    with pytest.raises(InvalidArgumentError, match="nics.*e1000"):
        niclab._nic_args(["e1000", "rtl8139-not-a-model"])
