"""`pydpdk fwd` runs the guide's testpmd command lines with the same options (each in its own
process and EAL), and where a line has a file or a wire to compare, dpdk-testpmd runs it too."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from conftest import ROOT
from pydpdk.testing.frames import make_frame
from pydpdk.testing.procs import unpin
from pydpdk.testing.wait import WaitTimeout, wait_for
from pydpdk.pcap import read_frames, write_pcap
from pydpdk.units import format_pps

TESTPMD = shutil.which("dpdk-testpmd")
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


_PREFIXES: list[str] = []


def prefix() -> list[str]:
    _PREFIXES.append(f"pydpdk-cli-{uuid.uuid4().hex[:8]}")
    return ["--file-prefix", _PREFIXES[-1]]


@pytest.fixture(scope="module", autouse=True)
def _remove_testpmd_runtime_dirs():
    """pydpdk removes its EAL runtime directory on cleanup; dpdk-testpmd leaves its own behind.
    Only this run's prefixes: a parallel run's live EAL keeps its directory."""
    yield
    from pydpdk.testing.procs import cleanup_prefix
    for p in _PREFIXES:
        cleanup_prefix(p)


def fwd(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """`python -m pydpdk fwd ARGS` in its own process."""
    return subprocess.run([sys.executable, "-m", "pydpdk", "fwd", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=ENV, cwd=ROOT, preexec_fn=unpin)


def fwd_json(*args: str) -> dict:
    proc = fwd(*args, "--json")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)     # EAL and forwarding logs go to stderr with --json


def run_testpmd(*args: str, run_s: float = 1.0) -> str:
    """dpdk-testpmd non-interactive: once it forwards ("Press enter to exit"), it forwards for
    run_s seconds (the measured interval of the run, not a wait), then Enter; returns its output."""
    proc = subprocess.Popen(["stdbuf", "-oL", TESTPMD, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=unpin)      # stdbuf: line by line
    lines = Lines(proc.stdout)
    try:
        assert lines.wait_for("Press enter to exit", 60), lines.text()[-3000:]
        time.sleep(run_s)                      # forwarding for run_s seconds
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(timeout=30)
        return lines.text()
    finally:
        if proc.poll() is None:
            proc.kill()


def forward_stats(out: str) -> list[tuple[int, int]]:
    """(RX-packets, TX-packets) per port from testpmd-style 'Forward statistics for port' blocks."""
    res, lines = [], out.splitlines()
    for i, line in enumerate(lines):
        if "Forward statistics for port" in line:
            block = lines[i + 1:i + 8]            # csum mode has Bad-*csum lines between RX and TX
            rx = next(int(x.split()[1]) for x in block if x.strip().startswith("RX-packets:"))
            tx = next(int(x.split()[1]) for x in block if x.strip().startswith("TX-packets:"))
            res.append((rx, tx))
    return res


def test_default_is_two_ring_ports_io_tx_first():
    """`pydpdk fwd --duration 1` (the README's main job, app options without `--`): the guide's
    §7.1.2 — two ring ports, io, tx_first, forward statistics."""
    proc = fwd("--duration", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "io packet forwarding" in proc.stdout
    stats = forward_stats(proc.stdout)
    assert len(stats) == 2 and all(rx > 0 and tx > 0 for rx, tx in stats)
    assert "Accumulated forward statistics for all ports" in proc.stdout


def test_ring_pair_interactive_start_tx_first():
    """./testpmd -c E -n 4 --vdev=eth_ring0 --vdev=eth_ring1 -- -i; start tx_first; stop (on 2 cores: -c 3)."""
    proc = fwd("-c", "3", "-n", "4", "--vdev=eth_ring0", "--vdev=eth_ring1", "--no-pci", *prefix(), "--", "-i",
               stdin="show port info all\nstart tx_first\nshow port stats all\nstop\nquit\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "eth_ring0" in out and "eth_ring1" in out          # show port info all
    assert "NIC statistics for port 0" in out
    stats = forward_stats(out)
    assert len(stats) == 2 and all(rx > 0 for rx, _ in stats)
    # io between a crossed pair: what one port sent the other received, but for the burst in flight
    (rx0, tx0), (rx1, tx1) = stats
    assert 0 <= tx1 - rx0 <= 512 and 0 <= tx0 - rx1 <= 512


def test_testpmd_tuning_line_burst_rxfreet_mbcache():
    """testpmd -c 300 -n 4 -- -i --burst=32 --rxfreet=32 --mbcache=2 (guide §2.1.3), on ring ports."""
    proc = fwd("-c", "3", "-n", "4", "--no-pci", "--vdev=net_ring0", "--vdev=net_ring1", *prefix(), "--",
               "-i", "--burst=32", "--rxfreet=32", "--mbcache=2", stdin="start tx_first\nstop\nquit\n")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "packets/burst=32" in proc.stdout
    assert proc.stdout.count("RX free threshold=32") == 2       # both ports' RX queues
    assert "cache 2" in proc.stdout
    assert all(rx > 0 for rx, _ in forward_stats(proc.stdout))


def test_rxq_txq_spread_streams():
    """testpmd ... -- --rxq=2 --txq=2 -i (guide §4, mlx4 and VF lines): 2 queues per port, 4 streams."""
    proc = fwd("-l", "0-1", "--no-pci", "--vdev=net_ring0", "--vdev=net_ring1", *prefix(), "--",
               "--rxq=2", "--txq=2", "--tx-first", "--duration", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "forwards packets on 4 streams" in proc.stdout
    for p in (0, 1):
        for q in (0, 1):
            assert f"RX P={p}/Q={q}" in proc.stdout
    assert proc.stdout.count("RX queue number: 2 Tx queue number: 2") == 2
    assert all(rx > 0 for rx, _ in forward_stats(proc.stdout))


@pytest.fixture
def in_pcap(tmp_path):
    frames = [make_frame(i, 60 + (i * 37) % 1400) for i in range(1000)]
    path = tmp_path / "file_rx.pcap"
    write_pcap(str(path), frames)
    return path, frames


@pytest.mark.skipif(TESTPMD is None, reason="dpdk-testpmd not installed (Debian package dpdk)")
@pytest.mark.parametrize("flush", [False, True], ids=["no-flush-rx", "flush"])
def test_pcap_file_to_file_like_testpmd(in_pcap, tmp_path, flush):
    """--vdev 'eth_pcap0,rx_pcap=file_rx.pcap,tx_pcap=file_tx.pcap' with and without --no-flush-rx:
    byte-exact and in order without flushing; with flushing the RX stream is drained first, exactly
    as dpdk-testpmd does with the same file."""
    src, frames = in_pcap
    ours, theirs = tmp_path / "ours.pcap", tmp_path / "theirs.pcap"
    app = [] if flush else ["--no-flush-rx"]
    res = fwd_json("-c", "3", "-n", "4", "--no-pci", *prefix(),
                   "--vdev", f"eth_pcap0,rx_pcap={src},tx_pcap={ours}", "--", *app, "--duration", "1")
    out = run_testpmd("-l", "0-1", "-n", "4", "--no-pci", *prefix(),
                  "--vdev", f"eth_pcap0,rx_pcap={src},tx_pcap={theirs}", "--", *app)
    got, ref = read_frames(str(ours)), read_frames(str(theirs))
    assert len(got) == len(ref), f"pydpdk wrote {len(got)}, testpmd {len(ref)}"
    assert got == ref
    (port,) = res["ports"]
    assert port["rx_packets"] == port["tx_packets"] == len(got)
    assert port["rx_bytes"] == port["tx_bytes"] == sum(map(len, got))     # io reads no mbuf: port counters
    assert forward_stats(out)[0] == (len(got), len(got))
    if flush:
        assert got == []
    else:
        assert got == frames


def test_pcap_jumbo_frames_with_mbuf_size(tmp_path):
    """testpmd [options] --mbuf-size=<your-max-packet-size> (guide §1, em): 9000-byte frames in one
    mbuf each, written back byte-exact."""
    frames = [make_frame(i, 9000) for i in range(64)]
    src, dst = tmp_path / "jumbo_rx.pcap", tmp_path / "jumbo_tx.pcap"
    write_pcap(str(src), frames)
    proc = fwd("-l", "0-1", "--no-pci", *prefix(), "--vdev", f"eth_pcap0,rx_pcap={src},tx_pcap={dst}", "--",
               "--no-flush-rx", "--mbuf-size=10240", "--max-pkt-len=9018", "--duration", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "data room 10240" in proc.stdout
    assert read_frames(str(dst)) == frames
    assert forward_stats(proc.stdout) == [(64, 64)]


@pytest.fixture
def two_veth_wires():
    """Two veth pairs: (a_out, a_in) and (b_out, b_in); pydpdk takes a_in and b_in."""
    tag = uuid.uuid4().hex[:5]
    names = [(f"pda{tag}o", f"pda{tag}i"), (f"pdb{tag}o", f"pdb{tag}i")]
    made = []
    try:
        for o, i in names:
            subprocess.run(["ip", "link", "add", o, "type", "veth", "peer", "name", i], check=True)
            made.append(o)
            for dev in (o, i):
                subprocess.run(["ip", "link", "set", dev, "up"], check=True)
                subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1"], check=False)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        for o in made:
            subprocess.run(["ip", "link", "del", o], check=False)
        pytest.skip(f"cannot create veth pairs here: {exc}")
    yield names
    for o, _ in names:
        subprocess.run(["ip", "link", "del", o], check=False)


def test_pcap_on_interfaces_forwards_between_wires(two_veth_wires):
    """--vdev 'eth_pcap0,iface=eth0' --vdev 'eth_pcap1,iface=eth1': frames sent into one wire come
    out of the other unchanged."""
    import socket
    (a_out, a_in), (b_out, b_in) = two_veth_wires
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    rx.bind((b_out, 0))
    rx.settimeout(0.2)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((a_out, 0))
    frames = [make_frame(i, 64 + i, src="02:00:00:00:0a:01", dst="02:00:00:00:0b:01") for i in range(50)]
    proc = subprocess.Popen([sys.executable, "-m", "pydpdk", "fwd", "-l", "0-1", "--no-pci", *prefix(),
                             "--vdev", f"eth_pcap0,iface={a_in}", "--vdev", f"eth_pcap1,iface={b_in}",
                             "--", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV, cwd=ROOT, preexec_fn=unpin)
    err_lines = Lines(proc.stderr)
    try:
        assert err_lines.wait_for("Press Ctrl-C to stop forwarding"), err_lines.text()[-2000:]
        for f in frames:
            tx.send(f)
        got: list[bytes] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(got) < len(frames):
            try:
                data = rx.recv(65535)
            except socket.timeout:
                continue
            if data[6:12] == bytes.fromhex("020000000a01"):
                got.append(data)
        proc.send_signal(signal.SIGINT)
        out = proc.stdout.read()
        proc.wait(timeout=30)
        err = err_lines.text()
    finally:
        if proc.poll() is None:
            proc.kill()
        rx.close()
        tx.close()
    assert got == frames
    assert proc.returncode == 128 + signal.SIGINT, err[-2000:]      # stopped by a signal: 130
    ports = {p["name"]: p for p in json.loads(out)["ports"]}
    assert ports["eth_pcap0"]["rx_packets"] >= len(frames)
    assert ports["eth_pcap1"]["tx_packets"] >= len(frames)


class Lines:
    """Collects a child's stream line by line in a thread, so the test can wait for a line."""

    def __init__(self, stream):
        import threading
        self.lines: list[str] = []
        self._t = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._t.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 30) -> bool:
        """True once a line containing text arrived, False if none did within timeout."""
        try:
            return wait_for(lambda: any(text in line for line in list(self.lines)), timeout,
                            f"a line with {text!r}", interval=0.05)
        except WaitTimeout:
            return False

    def text(self) -> str:
        self._t.join(timeout=10)
        return "".join(self.lines)


def test_ctrl_c_stops_and_prints_final_stats():
    proc = subprocess.Popen([sys.executable, "-m", "pydpdk", "fwd"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT, preexec_fn=unpin)
    out_lines = Lines(proc.stdout)
    try:
        assert out_lines.wait_for("Press Ctrl-C"), out_lines.text() + proc.stderr.read()
        time.sleep(0.3)                    # the run: forwarding for 0.3 s before Ctrl-C (not a wait)
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.wait(timeout=30)
        out = out_lines.text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGINT and "stopped by SIGINT" in err, err[-2000:]
    stats = forward_stats(out)
    assert len(stats) == 2 and all(rx > 0 for rx, _ in stats)


def test_json_schema():
    res = fwd_json("-l", "0-1", "--no-pci", "--vdev=net_ring0", "--vdev=net_ring1", *prefix(), "--",
                   "--forward-mode=macswap", "--tx-first", "--duration", "0.5")
    assert res["forward_mode"] == "macswap" and res["elapsed_s"] > 0
    assert [p["port"] for p in res["ports"]] == [0, 1]
    keys = {"port", "name", "rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_dropped", "tx_dropped"}
    for p in res["ports"]:
        assert keys <= set(p) and p["rx_packets"] > 0


@pytest.mark.parametrize("app, param", [
    (["--forward-mode=bogus"], "forward-mode"),
    (["--rxd=0"], "--rxd: "),
    (["--burst=0"], "burst"),
    (["--rxq=99"], "nb_rxq"),
    (["--eth-peer=x"], "--eth-peer"),
])
def test_bad_options_are_named(app, param):
    proc = fwd("-l", "0-1", "--no-pci", "--vdev=net_ring0", "--vdev=net_ring1", *prefix(), "--", *app,
               "--duration", "0.2")
    assert proc.returncode != 0
    assert param in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_ports_and_version_subcommands():
    proc = subprocess.run([sys.executable, "-m", "pydpdk", "ports", "--no-pci", "--vdev", "net_null0",
                           *prefix()], capture_output=True, text=True, env=ENV, timeout=60, preexec_fn=unpin)
    assert proc.returncode == 0, proc.stderr
    assert "net_null0" in proc.stdout and "driver=net_null" in proc.stdout
    ver = subprocess.run([sys.executable, "-m", "pydpdk", "version"], capture_output=True, text=True, env=ENV,
                         timeout=60)
    assert ver.returncode == 0 and "DPDK 22." in ver.stdout or "DPDK 2" in ver.stdout


def test_default_ring_ports_kept_with_eal_options_that_add_no_device():
    """No --vdev, -a or -b: the two ring ports, whatever other EAL options are given, and app
    options on either side of -- (EAL options too)."""
    for args in ([*prefix(), "--", "--duration", "0.3"], ["--duration", "0.3", *prefix()],
                 ["--", "--duration", "0.3", *prefix(), "--no-pci"]):
        proc = fwd(*args)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        stats = forward_stats(proc.stdout)
        assert len(stats) == 2 and all(rx > 0 for rx, _ in stats), args


def test_missing_pci_device_and_eth_peer_port_are_named():
    proc = fwd("-l", "0-1", "-a", "0000:99:00.0", *prefix(), "--", "--duration", "0.2")
    assert proc.returncode == 1 and "eal.allow='0000:99:00.0'" in proc.stderr and "present" in proc.stderr
    proc = fwd(*prefix(), "--", "--eth-peer", "5,02:00:00:00:00:01", "--duration", "0.2")
    assert proc.returncode == 1
    assert "--eth-peer: " in proc.stderr and "engine.eth_peers=5" in proc.stderr and "1 (net_ring1)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_documents_every_option_with_eal_options_in_their_own_group():
    from pydpdk.cli.fwd import EAL_OPTIONS, app_parser
    proc = fwd("--help")
    assert proc.returncode == 0
    eal_part, app_part = proc.stdout.split("EAL options (before --):")[1].split("app options (after --):")
    for names, _, text in EAL_OPTIONS:
        assert names[0] in eal_part and text in eal_part
    for action in app_parser()._actions:
        assert action.help, f"{action.option_strings} has no help"
        assert action.option_strings[-1] in app_part


def _testpmd_shell(eal: list[str], app: list[str], script: str) -> str:
    proc = subprocess.run([TESTPMD, *eal, "--", "-i", *app], input=script, capture_output=True, text=True,
                          timeout=60, preexec_fn=unpin)
    return proc.stdout


def _info(out: str, keys: tuple[str, ...]) -> dict[str, str]:
    got = {}
    for line in out.splitlines():
        k, sep, v = line.partition(": ")
        if sep and k in keys and k not in got:
            got[k] = v.strip()
    return got


@pytest.mark.skipif(TESTPMD is None, reason="dpdk-testpmd not installed (Debian package dpdk)")
def test_shell_port_commands_side_by_side_with_testpmd():
    """The same session typed into dpdk-testpmd and `pydpdk fwd -i` on two ring ports: show port
    info/stats, port stop, port config all rxq 2, port start, show config fwd, set burst, start
    tx_first, show fwd stats all, stop, port stop, port close."""
    script = ("show port info 0\nshow port stats 0\nport stop all\nport config all rxq 2\nport start all\n"
              "show config fwd\nset burst 16\nstart tx_first\nshow fwd stats all\nstop\nport stop all\n"
              "port close all\nquit\n")
    eal = ["-l", "0-1", "--no-pci", "--no-huge", "-m", "512", "--vdev", "net_ring0", "--vdev", "net_ring1"]
    theirs = _testpmd_shell(eal + prefix(), ["--total-num-mbufs=8191"], script)
    ours = fwd(*eal, *prefix(), "--", "-i", "--total-num-mbufs=8191", stdin=script)
    assert ours.returncode == 0, ours.stderr[-2000:]
    out = ours.stdout
    keys = ("MAC address", "Device name", "Driver name", "Link status", "Link speed", "Link duplex", "MTU",
            "Promiscuous mode", "Current number of RX queues", "Max possible RX queues",
            "Max possible number of RXDs per queue", "RXDs number alignment", "Max possible TX queues",
            "Max segment number per packet")
    assert _info(out, keys) == _info(theirs, keys) and len(_info(out, keys)) == len(keys)
    assert "DescLimits(" not in out

    def nic_block(text: str) -> str:          # the first `show port stats 0` block, as printed
        start = text.index("  ######################## NIC statistics for port 0")
        return text[start:text.index("  " + "#" * 76, start) + 78]
    assert nic_block(out) == nic_block(theirs)     # before forwarding: every counter 0, same text
    for text in ("NIC statistics for port 0", "Throughput (since last show)", "Stopping ports...",
                 "Configuring Port 0 (socket 0)", "Configuring Port 1 (socket 0)",
                 "port 0: RX queue number: 2 Tx queue number: 1", "Number of packets per burst set to 16",
                 "Port 0 is closed", "Port 1 is closed", "Accumulated forward statistics for all ports"):
        assert text in out and text in theirs, text
    # after rxq 2 with txq 1: testpmd forwards min(rxq, txq) = 1 queue per port (2 streams), pydpdk's
    # Forwarder every RX queue (4 streams, RX queue 1 -> TX queue 0): both with bursts of 16
    assert "forwards packets on 2 streams" in theirs and "forwards packets on 4 streams" in out
    assert "io packet forwarding packets/burst=16" in out and "io packet forwarding packets/burst=16" in theirs
    assert all(rx > 0 for rx, _ in forward_stats(out)[:2])


def test_stats_period_prints_nic_statistics_with_throughput():
    proc = fwd(*prefix(), "--", "--stats-period", "0.25", "--duration", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    blocks = proc.stdout.split("NIC statistics for port 0")[1:]
    assert len(blocks) >= 2, proc.stdout[-3000:]
    rx_pps = [int(b.split("Rx-pps:")[1].split()[0]) for b in blocks]
    assert rx_pps[-1] > 0                          # since the previous print: forwarding ran
    # after testpmd's block, the same rates in pydpdk.units' format; ring ports count no bytes
    line = next(x for x in blocks[-1].splitlines() if x.startswith("  Throughput: RX "))
    assert format_pps(rx_pps[-1]) in line and "packets/s" in line and "bit/s" not in line
