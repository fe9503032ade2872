"""`pydpdk ... | head`: a reader that goes away early ends the command quietly (status 141, as a
C tool killed by SIGPIPE), with no BrokenPipeError traceback."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT, unpin


@pytest.mark.parametrize("cmd", [["host", "hugepages"], ["run", "--list-examples"], ["--help"],
                                 ["host", "devices"]])
def test_closed_stdout_exits_quietly(cmd):
    r, w = os.pipe()
    os.close(r)                                  # the reader is gone before the first write
    try:
        p = subprocess.run([sys.executable, "-m", "pydpdk", *cmd], stdout=w, stderr=subprocess.PIPE,
                           text=True, cwd=ROOT, timeout=60)
    finally:
        os.close(w)
    assert "BrokenPipeError" not in p.stderr and "Traceback" not in p.stderr, p.stderr
    assert p.returncode == 141


def test_head_reads_the_first_lines(tmp_path):
    p = subprocess.run(f"{sys.executable} -m pydpdk run --list-examples | head -2", shell=True,
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 0 and p.stderr == ""
    from pydpdk import config
    assert p.stdout.split() == config.examples()[:2]          # the first two, then a quiet exit


@pytest.mark.parametrize("name,npci", [("e1000_em", 2), ("virtio", 2), ("vmxnet3", 2), ("igb_vf", 1),
                                       ("ring_ports", 0)])
def test_check_summary_counts_pci_devices_from_pci_and_allow(name, npci):
    path = os.path.join(ROOT, "pydpdk", "examples", f"{name}.yaml")
    p = subprocess.run([sys.executable, "-m", "pydpdk", "run", "--check", path], capture_output=True,
                       text=True, cwd=ROOT, timeout=60, preexec_fn=unpin)
    assert p.returncode == 0, p.stderr
    assert f" {npci} PCI device(s)" in p.stdout and p.stdout.count(" -a ") == npci, p.stdout


def test_example_descriptions_say_how_many_queues_they_set():
    import yaml
    for name in ("virtio", "vmxnet3"):
        with open(os.path.join(ROOT, "pydpdk", "examples", f"{name}.yaml")) as f:
            doc = yaml.safe_load(f)
        queues = {(p.get("rxq", 1), p.get("txq", 1)) for p in doc["ports"]}
        desc = doc["description"]
        if queues == {(1, 1)}:
            assert "one RX and one TX queue each" in desc and "two queues" not in desc, desc
        else:
            assert queues == {(2, 2)} and "two queues" in desc, desc


def test_pydpdk_march_overrides_debians_march(monkeypatch):
    """build_ffi: pkg-config's -march=corei7 by default; PYDPDK_MARCH replaces or drops it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("_fh_build_ffi", os.path.join(ROOT, "build_ffi.py"))
    b = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(b)
    flags = ["-I/usr/include/dpdk", "-march=corei7", "-include", "rte_config.h"]
    monkeypatch.delenv("PYDPDK_MARCH", raising=False)
    assert b._march(flags) == flags
    monkeypatch.setenv("PYDPDK_MARCH", "x86-64-v2")
    assert b._march(flags) == ["-I/usr/include/dpdk", "-include", "rte_config.h", "-march=x86-64-v2"]
    monkeypatch.setenv("PYDPDK_MARCH", "")
    assert "-march=corei7" not in b._march(flags) and not any(f.startswith("-march") for f in b._march(flags))
