"""bench/gen.py --quick: every generator row runs beside its dpdk-testpmd engines and reports a
positive rate, and the accuracy table has every (port, rate). Smoke test only: no timing or
ratio is asserted (shared CI machines)."""
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, unpin


def test_gen_bench_quick(tmp_path):
    if not os.path.exists("/usr/bin/dpdk-testpmd"):
        pytest.skip("dpdk-testpmd is not installed (apt install dpdk)")
    out = tmp_path / "gen.json"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen.py"), "--quick", "--json", str(out)],
                          capture_output=True, text=True, timeout=400, env=env, cwd=ROOT, preexec_fn=unpin)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert sorted(data["rows"]) == ["gen_1field", "gen_csum", "gen_loop", "gen_rx", "gen_rx_untagged"]
    for name, row in data["rows"].items():
        assert all(v > 0 for side in row["runs"].values() for v in side), name
    assert set(data["rows"]["gen_1field"]["ratios"]) == {"txonly", "flowgen"}
    assert len(data["accuracy"]) == 8 and all(a["window_pps"] for a in data["accuracy"])
    assert "rate accuracy" in proc.stdout
