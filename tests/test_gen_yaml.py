"""`pydpdk run` with a generator: section (issue 13, item 6): the streams built from YAML, sent
and measured, JSON results; bad streams refused naming the YAML line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pydpdk import config
from pydpdk.config import ConfigError
from conftest import ROOT, unpin

EXAMPLE = os.path.join(ROOT, "pydpdk", "examples", "generator_loop.yaml")


def test_generator_example_runs_and_measures_every_stream():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "pydpdk", "run", EXAMPLE, "--json", "--duration", "1"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, preexec_fn=unpin)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout)
    assert res["elapsed_s"] > 0 and [s["id"] for s in res["streams"]] == [0, 1]
    for s in res["streams"]:               # a ring looped to itself loses nothing
        assert s["tx_packets"] > 0 and s["rx_packets"] == s["tx_packets"] and s["lost"] == 0
        lat = s["latency_ns"]
        assert s["clock"] == "tsc" and 0 < lat["min"] <= lat["p50"] <= lat["p99"] <= lat["max"]


def test_generator_streams_are_checked_with_their_lines():
    text = textwrap.dedent("""\
        vdevs: [net_ring0]
        generator:
          streams:
            - size: 64
            - size: 64
              fields:
                - {name: udp.nosuch, op: inc, min: 1, max: 9}
        """)
    with pytest.raises(ConfigError) as e:
        config.loads(text, "g.yaml", check_env=False)
    assert e.value.line == 5 and "generator.streams[1]" in str(e.value) and "udp.nosuch" in str(e.value)
    with pytest.raises(ConfigError) as e:
        config.loads("generator:\n  streams:\n    - {rate: fast}\n", "g.yaml", check_env=False)
    assert e.value.line == 3 and "rate" in str(e.value)
    with pytest.raises(ConfigError, match="either forwarding: or generator:"):
        config.loads("forwarding: {mode: io}\ngenerator:\n  streams: [{size: 64}]\n", "g.yaml", check_env=False)


def test_stream_checksum_modes_in_yaml():
    for v in ("true", "false", "software", "offload", "auto"):
        config.loads(f"vdevs: [net_ring0]\ngenerator:\n  streams:\n    - {{checksum: {v}}}\n", "g.yaml",
                     check_env=False)
    with pytest.raises(ConfigError) as e:
        config.loads("vdevs: [net_ring0]\ngenerator:\n  streams:\n    - {checksum: hardware}\n", "g.yaml",
                     check_env=False)
    assert e.value.line == 4 and "checksum" in str(e.value) and "auto" in str(e.value)


def test_stages_and_clock_in_yaml(tmp_path):
    """stage: (per stream) and rx_stage:, FILE:FUNCTION relative to the YAML file; clock:."""
    (tmp_path / "even.c").write_text(
        "#include <stdint.h>\n"
        "int64_t even(uint8_t *d, int64_t n, int64_t p) { (void)p; return n >= 42 && !(d[35] & 1) ? -2 : -1; }\n")
    (tmp_path / "g.yaml").write_text(textwrap.dedent("""\
        eal: {lcores: 0-1, no_pci: true}
        vdevs: [net_ring0]
        generator:
          clock: auto
          rx_stage: even.c:even
          streams:
            - {name: halved, rate: 100kpps, count: 2000, stage: even.c:even,
               fields: [{name: udp.sport, op: inc, min: 1000, max: 1999}]}
            - {name: odd, rate: 50kpps, count: 500, fields: [{name: udp.sport, op: inc, min: 7, max: 7}]}
        """))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "pydpdk", "run", "g.yaml", "--json", "--duration", "2"],
                          capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=120, preexec_fn=unpin)
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(proc.stdout)
    halved, odd = res["streams"]
    assert (halved["tx_packets"], halved["stage_dropped"], halved["rx_packets"], halved["lost"]) == (1000, 1000, 1000, 0)
    assert (odd["tx_packets"], odd["rx_packets"]) == (500, 0) and res["rx_stage_dropped"] == 500
    assert res["clock"] == "tsc"
    with pytest.raises(ConfigError) as e:
        config.loads("vdevs: [net_ring0]\ngenerator:\n  clock: ptp\n  streams: [{size: 64}]\n", "g.yaml",
                     check_env=False)
    assert e.value.line == 3 and "clock" in str(e.value)


def test_forwarding_stage_path_is_relative_to_the_yaml_file(tmp_path):
    s = config.loads("vdevs: [net_ring0, net_ring1]\nforwarding: {mode: stage, stage: 'st.py:fn'}\n",
                     str(tmp_path / "f.yaml"), check_env=False)
    assert s.session.engine.stage == str(tmp_path / "st.py") + ":fn"
