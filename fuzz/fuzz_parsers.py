"""Coverage-guided fuzzing of pydpdk's parsers with atheris (not run in CI; results in
docs/reliability.md).

    pip install atheris
    python3 fuzz/fuzz_parsers.py devargs -max_total_time=600
    python3 fuzz/fuzz_parsers.py eal_argv -max_total_time=600
    python3 fuzz/fuzz_parsers.py yaml -max_total_time=600
    python3 fuzz/fuzz_parsers.py pcap -max_total_time=600

Each target feeds arbitrary bytes to one parser; the only acceptable outcomes are a result or
pydpdk's typed errors (InvalidArgumentError / ConfigError, ValueError for pcap files). Anything
else (a crash, an AttributeError, an IndexError...) is a finding: atheris stops and writes the
input to crash-*. No EAL is initialised: the parsers run before DPDK sees anything.
"""
from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    import pydpdk
    from pydpdk import config, pcap, vdev
    from pydpdk.eal import EalConfig

ALLOWED = (pydpdk.InvalidArgumentError,)


def devargs(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        spec = vdev.parse(text)
        again = vdev.parse(spec.devargs())
        assert again == spec, (text, spec, again)
        vdev.check_devargs(spec.devargs(), check_env=False)
    except ALLOWED:
        pass


def eal_argv(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    argv = [fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 24)) for _ in range(fdp.ConsumeIntInRange(0, 8))]
    try:
        cfg = EalConfig.from_argv(argv)
        assert EalConfig.from_argv(cfg.argv()).argv() == cfg.argv(), argv
    except ALLOWED:
        pass


def yaml_setup(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        config.loads(text, "fuzz.yaml", check_env=False)
    except config.ConfigError as e:
        assert e.file == "fuzz.yaml" and e.line >= 1, e


_PCAP = os.path.join(tempfile.mkdtemp(prefix="pdfuzz-"), "f.pcap")


def pcap_file(data: bytes) -> None:
    with open(_PCAP, "wb") as f:
        f.write(data)
    try:
        scan = pcap.scan_pcap(_PCAP)
        frames = pcap.read_frames(_PCAP)
        assert len(frames) == scan.records or scan.size < 24, (len(frames), scan)
    except ValueError:
        pass


TARGETS = {"devargs": devargs, "eal_argv": eal_argv, "yaml": yaml_setup, "pcap": pcap_file}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: fuzz_parsers.py {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()
