"""YAML set-ups: validation names key and line; every example --checks; the vdev examples run
for real in their own processes (pydpdk run ... --json) and their numbers are checked."""
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest

import pydpdk
from pydpdk import config
from pydpdk.config import ConfigError
from pydpdk.pcap import read_frames, write_pcap

from conftest import ROOT
from pydpdk.testing.frames import make_frame
from pydpdk.testing.procs import unpin

EXAMPLES = config.examples()
VDEV_EXAMPLES = ["ring_ports", "rings_switched", "rings_looped", "pcap_file_to_file", "pcap_iface",
                 "pcap_iface_capture"]
PCI_EXAMPLES = ["e1000_em", "igb_vf", "virtio", "vmxnet3"]


def run_cli(*args, cwd=ROOT, env=None, timeout=90):
    e = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    return subprocess.run([sys.executable, "-m", "pydpdk", "run", *args], capture_output=True, text=True,
                          cwd=cwd, env=e, timeout=timeout, preexec_fn=unpin)


def bad(text):
    with pytest.raises(ConfigError) as ei:
        config.loads(textwrap.dedent(text), "bad.yaml")
    return ei.value


def test_every_guide_setup_has_an_example():
    names = {os.path.splitext(os.path.basename(p))[0] for p in EXAMPLES}
    assert set(VDEV_EXAMPLES + PCI_EXAMPLES) <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=[os.path.basename(p) for p in EXAMPLES])
def test_example_checks_offline(path):
    s = config.load(path, check_env=False)
    assert isinstance(s.session, pydpdk.Session)
    if s.generator is not None:                  # a generator: set-up has no forwarding engine
        assert s.session.engine is None and s.generator.streams
    else:
        assert s.session.engine.mode in pydpdk.forward.MODES
    assert s.summary().startswith(path + ": OK")
    assert f"{len(s.eal.allow)} PCI device(s)" in s.summary()


def test_check_cli_all_examples_and_a_bad_one(tmp_path):
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text("eal:\n  lcores: 0-1\nforwarding:\n  mode: teleport\n")
    proc = run_cli("--check", *EXAMPLES, str(bad_file))
    assert proc.returncode == 1
    assert proc.stdout.count(": OK - EAL") == len(EXAMPLES)
    assert f"{bad_file}:4: forwarding.mode='teleport' is not valid: one of io, mac" in proc.stderr


def test_unknown_key_names_line_and_allowed_set():
    e = bad("""\
        eal:
          lcores: 0-1
          no_pci: true
          hugepages: 512
        """)
    assert (e.file, e.line, e.key) == ("bad.yaml", 4, "eal.hugepages")
    assert "allowed: lcores, coremask" in str(e) and "memory_mb" in str(e)
    assert str(e).startswith("bad.yaml:4: ")


def test_unknown_top_level_key():
    e = bad("eal: {no_pci: true}\nforward:\n  mode: io\n")
    assert e.line == 2 and "allowed: description, eal, vdevs, pci" in str(e)


@pytest.mark.parametrize("text,line,key,fragment", [
    ("forwarding:\n  burst: 9999\n", 2, "forwarding.burst", "from 1 to 512"),
    ("forwarding:\n  tx_first: maybe\n", 2, "forwarding.tx_first", "true or false"),
    ("ports:\n  - rxq: 2\n    rss: [ip, teleport]\n", 3, "ports[0].rss[1]", "one of eth, ether"),
    ("ports:\n  - rss: teleport\n", 2, "ports[0].rss", "true or false or a list of one of"),
    ("ports:\n  - rx_offloads: [vlan_strip, warp]\n", 2, "ports[0].rx_offloads[1]", "one of"),
    ("pci:\n  - 00:04\n", 2, "pci[0]", "a PCI address"),
    ("duration: -1\n", 1, "duration", "seconds"),
    ("eal:\n  lcores: [0, 1]\n  coremask: 0x3\n", 3, "eal.coremask", "lcores or coremask, not both"),
    ("eal:\n  iova_mode: xx\n", 2, "eal.iova_mode", "one of pa, va"),
    ("eal:\n  lcores: 0-999\n", 2, "eal.lcores", "cores this process may run on"),
    ("vdevs:\n  - net_null0,size=64\n  - net_null1,sise=64\n", 3, "vdevs[1]: sise", "a net_null devargs key"),
    ("vdevs:\n  - name: eth_pcap0\n    args: {rx_pcap: /nonexistent.pcap}\n", 2, "vdevs[0]: rx_pcap", "readable file"),
    ("ring_ports:\n  - {name: p, rx: R1, tx: R1}\n", 2, "ring_ports[0].rx[0]", "a ring defined under rings"),
    ("eal:\n  no_pci: true\n  no_pci: false\n", 3, "eal.no_pci", "given once (first on line 2)"),
    ("ports:\n  - {port: 0}\n  - {port: 0}\n", 3, "ports[1]", "each port configured once"),
    ("vdevs:\n  - eth_pcap0,iface=${PYDPDK_NO_SUCH_VAR}\n", 2, "vdevs[0]", "environment variable"),
    ("packets: auto\nvdevs: [net_ring0]\n", 1, "packets", "rx_pcap files"),
    ("eal: [lcores]\n", 1, "eal", "EAL options with keys among: lcores"),
    ("forwarding:\n  mode: io\n   burst: 2\n", 3, "(yaml)", "well-formed YAML"),
])
def test_bad_values_name_key_and_line(text, line, key, fragment):
    e = bad(text)
    assert (e.line, e.key) == (line, key), str(e)
    assert fragment in str(e)
    assert isinstance(e, ValueError) and isinstance(e, pydpdk.InvalidArgumentError)


def test_values_translate_to_eal_and_fwd_options(monkeypatch):
    monkeypatch.setenv("PYDPDK_T_PKTS", "77")
    s = config.loads(textwrap.dedent("""\
        eal:
          coremask: 0x3          # YAML would read 3: the text is kept (testpmd's -c is hex)
          memory_channels: 4
          socket_mem: 256
          allow: 0000:00:04.0    # YAML 1.1 would read a base-60 number
        vdevs:
          - net_ring0
          - {name: net_null0, args: {size: 128}}
        ports:
          - {port: 0, rxq: 2, txq: 2, rss: [ip, udp], mtu: 1400}
          - {name: net_null0, rss: false, rx_offloads: scatter}
        forwarding:
          mode: macswap
          flush_rx: false
          eth_peers: {1: "02:00:00:00:00:09"}
          txpkts: [60, 40]
          mbuf_size: 4096
        packets: ${PYDPDK_T_PKTS:-5}
        """), "t.yaml")
    from pydpdk.dpdk_features import FEATURES
    cores = ["-l", "0,1"] if FEATURES.eal_coremask_deprecated else ["-c", "0x3"]   # -c: deprecated in 25.11
    assert s.eal.coremask == "0x3"
    assert s.eal.argv()[:8] == cores + ["-n", "4", "-a", "0000:00:04.0", "--file-prefix",
                                        s.eal.effective_file_prefix]
    assert "--socket-mem" in s.eal.argv() and s.eal.vdevs == ("net_ring0", "net_null0,size=128")
    se = s.session                       # YAML builds the Session directly (no argparse)
    e = se.engine
    assert (e.mode, e.flush_rx, dict(e.eth_peers), list(e.txpkts), se.pool.data_room, s.packets) == \
        ("macswap", False, {1: "02:00:00:00:00:09"}, [60, 40], 4096, 77)
    assert se.port_overrides == {0: {"rxq": 2, "txq": 2, "rss": ["ip", "udp"], "mtu": 1400},
                                 "net_null0": {"rss": False, "rx_offloads": ["scatter"]}}
    assert se.settings_for(0).rxq == 2 and se.settings_for(0).rss_functions() == ["ip", "udp"]
    assert se.settings_for("net_null0").rss_functions() is None and se.settings_for(1) == se.port


def test_check_counts_pci_devices():
    s = config.loads("eal: {lcores: 0-1}\npci: ['0000:00:04.0', '0000:00:05.0']\n", "p.yaml", check_env=False)
    assert "2 PCI device(s)" in s.summary()


def test_ring_ports_example_runs_and_json_counts(tmp_path):
    proc = run_cli(os.path.join(ROOT, "pydpdk/examples/ring_ports.yaml"), "--duration", "0.5", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    d = json.loads(proc.stdout)
    assert d["forward_mode"] == "io" and [p["name"] for p in d["ports"]] == ["eth_ring0", "eth_ring1"]
    assert all(p["rx_packets"] > 0 for p in d["ports"])
    # tx_first sent one 32-packet burst per stream: TX is ahead of RX by what is in flight
    assert 0 < sum(p["tx_packets"] for p in d["ports"]) - sum(p["rx_packets"] for p in d["ports"]) <= 64
    assert "Accumulated forward statistics" in proc.stderr      # testpmd text goes to stderr with --json


@pytest.mark.parametrize("name,mode,names", [("rings_switched", "io", ["port1", "port2"]),
                                             ("rings_looped", "macswap", ["loop1", "loop2"])])
def test_ring_from_rings_examples_run(name, mode, names):
    proc = run_cli(os.path.join(ROOT, f"pydpdk/examples/{name}.yaml"), "--duration", "0.3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"{mode} packet forwarding - ports=2" in proc.stdout
    acc = proc.stdout.split("Accumulated forward statistics")[1]
    rx = int(acc.split("RX-packets:")[1].split()[0])
    assert rx > 0


def test_pcap_file_to_file_replays_by_count(tmp_path):
    frames = [make_frame(i, 64 + i % 200) for i in range(3000)]
    write_pcap(str(tmp_path / "file_rx.pcap"), frames)
    shutil.copy(os.path.join(ROOT, "pydpdk/examples/pcap_file_to_file.yaml"), tmp_path)
    proc = run_cli("pcap_file_to_file.yaml", "--json", cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    d = json.loads(proc.stdout)
    assert d["ports"][0]["rx_packets"] == d["ports"][0]["tx_packets"] == 3000
    assert read_frames(str(tmp_path / "file_tx.pcap")) == frames      # byte-exact, in order


@pytest.fixture
def veths():
    """Two veth pairs: pydpdk's pcap ports take the A ends, the test the B ends."""
    if not os.path.isdir("/sys/class/net") or os.geteuid() != 0:
        pytest.skip("needs root to create veth interfaces")
    names = [(f"pdnbA{i}{os.getpid() % 1000}", f"pdnbB{i}{os.getpid() % 1000}") for i in range(2)]
    for a, b in names:
        subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True)
        for n in (a, b):
            subprocess.run(["ip", "link", "set", n, "up"], check=True)
            with open(f"/proc/sys/net/ipv6/conf/{n}/disable_ipv6", "w") as f:
                f.write("1")
    yield names
    for a, _ in names:
        subprocess.run(["ip", "link", "del", a], check=False)


def _raw(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    s.bind((ifname, 0))
    return s


def test_pcap_iface_example_bridges_two_interfaces(veths):
    (a0, b0), (a1, b1) = veths
    sender, sink = _raw(b0), _raw(b1)
    sink.settimeout(0.2)
    env = {"IFACE0": a0, "IFACE1": a1}
    proc = subprocess.Popen([sys.executable, "-m", "pydpdk", "run", "--json", "--duration", "3",
                             os.path.join(ROOT, "pydpdk/examples/pcap_iface.yaml")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **env),
                            preexec_fn=unpin)
    frame = b"\x02\x00\x00\x00\x00\x0b" + b"\x02\x00\x00\x00\x00\x0a" + b"\x88\xb5" + b"pydpdk-bridge" + bytes(40)
    got = 0
    try:
        import time
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline and got < 5:
            sender.send(frame)
            try:
                while True:
                    if sink.recv(2048)[14:27] == b"pydpdk-bridge":
                        got += 1
            except socket.timeout:
                pass
        out, err = proc.communicate(timeout=60)
    finally:
        sender.close(), sink.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert got >= 1, "no frame crossed from one interface to the other through the pcap ports"
    d = json.loads(out)
    assert d["ports"][0]["rx_packets"] >= got and d["ports"][1]["tx_packets"] >= got


def test_pcap_iface_capture_example_writes_what_arrives(veths, tmp_path):
    (a0, b0), _ = veths
    sender = _raw(b0)
    out_file = tmp_path / "cap.pcap"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               IFACE0=a0, PCAP_OUT=str(out_file))
    proc = subprocess.Popen([sys.executable, "-m", "pydpdk", "run", "--duration", "2.5",
                             os.path.join(ROOT, "pydpdk/examples/pcap_iface_capture.yaml")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
                            preexec_fn=unpin)
    sent = []
    try:
        import time
        while proc.poll() is None and len(sent) < 999:      # until the run ends: some arrive
            sent.append(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x0a" + b"\x88\xb5" +
                        b"capture%03d" % len(sent) + bytes(40))
            sender.send(sent[-1])
            time.sleep(0.02)                                  # pacing: one frame per 20 ms
        out, err = proc.communicate(timeout=60)
    finally:
        sender.close()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    captured = [f for f in read_frames(str(out_file)) if f[14:21] == b"capture"]
    assert captured, "nothing captured"
    first = sent.index(captured[0])
    assert captured == sent[first:first + len(captured)]       # byte-exact, in order, none lost


def test_runtime_refusal_names_the_yaml_key_and_line(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("eal: {lcores: 0-1, no_pci: true}\nvdevs: [net_ring0, net_ring1]\nports:\n"
                 "  - {rxd: 512}\n  - rxq: 99\nduration: 0.1\n")
    proc = run_cli(str(f))
    assert proc.returncode == 1
    assert f"pydpdk run: {f}:5: ports[1].rxq: " in proc.stderr and "nb_rxq=99 is not valid" in proc.stderr


def test_docs_cover_every_schema_key():
    from pydpdk.config.schema import List, Map, OneOf
    doc = open(os.path.join(ROOT, "docs", "config.md")).read()

    def keys(t):
        for k, v in t.fields.items():
            yield k
            inner = v.item if isinstance(v, List) else v
            for m in (inner.types if isinstance(inner, OneOf) else [inner]):
                if isinstance(m, Map):
                    yield from keys(m)
    missing = sorted({k for k in keys(config.SCHEMA) if f"`{k}`" not in doc})
    assert not missing, f"docs/config.md does not describe: {missing}"


def test_port_entry_for_a_missing_port_is_refused(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("eal: {lcores: 0-1, no_pci: true}\nvdevs: [net_ring0, net_ring1]\nports:\n"
                 "  - {name: net_ring7, rxd: 256}\nduration: 0.1\n")
    proc = run_cli(str(f))
    assert proc.returncode == 1
    assert f"{f}:4: ports[0].name: " in proc.stderr and "0 (net_ring0), 1 (net_ring1)" in proc.stderr


def test_per_port_settings_reach_the_ports(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("eal: {lcores: 0-1, no_pci: true}\nrings:\n  - {name: A, size: 512}\n  - {name: B}\n"
                 "  - {name: C}\nring_ports:\n  - {name: two, rx: [A, B], tx: [A, B]}\n  - {name: one, rx: C, tx: C}\n"
                 "ports:\n  - {name: two, rxq: 2, txq: 2, rxd: 256, txd: 256}\n"
                 "forwarding: {mode: io, tx_first: true, topology: loop}\nduration: 0.2\n")
    proc = run_cli(str(f), "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "streams=3" in proc.stderr                  # 2 RX queues on 'two' + 1 on 'one'
    d = json.loads(proc.stdout)
    assert sorted({(s["rx_port"], s["rx_queue"]) for s in d["streams"]}) == [(0, 0), (0, 1), (1, 0)]
