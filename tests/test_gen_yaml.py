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
