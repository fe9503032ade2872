"""pydpdk.session.Session: a whole run as data, built into real ports, a pool and an engine on
ring, null and pcap vdevs, forwarded, closed (nothing left behind, no mbuf leaked); bad fields
refused naming the field."""
from __future__ import annotations

import os

import pytest

import pydpdk
from conftest import run_python
from pydpdk.testing.frames import make_frame
from pydpdk import vdev
from pydpdk.eal import EalConfig, hugepages_usable
from pydpdk.pcap import read_frames, write_pcap
from pydpdk.session import EngineSettings, MempoolPolicy, PortSettings, RingPortSpec, RingSpec, Session

TAG = f"s{os.getpid() % 10000}"


def gone(*names: str) -> bool:
    return all(not vdev.device_ports(n) for n in names)


def test_ring_vdevs_build_forward_close(eal):
    names = [f"net_ring_{TAG}a", f"net_ring_{TAG}b"]
    s = Session(vdevs=names, ports=names, port=PortSettings(rxd=256, txd=256),
                port_overrides={names[1]: {"rxq": 2, "txq": 2}},
                engine=EngineSettings(mode="macswap", tx_first=True))
    with s as run:
        assert [p.name for p in run.ports] == names
        assert [p.nb_rx_queues for p in run.ports] == [1, 2]
        assert run.ports[0].queue_conf("rx", 0).nb_desc == 256
        assert all(p.started and p.promiscuous for p in run.ports)
        # testpmd's pool: RX + TX descriptors + cache per lcore + a burst, per port, at least 8191
        assert run.pool.size == s.pool.size([run.settings[p.id] for p in run.ports], len(run.eal.lcores()))
        assert run.fwd is run.engine and run.engine.mode == "macswap"
        final = run.forward(0.3)
        assert final.rx_packets > 0 and final.tx_packets > 0
        assert {p.port: p.rx_packets > 0 for p in final.ports} == {p.id: True for p in run.ports}
        pool = run.pool
    assert run.closed and pool.closed and run.engine is None       # the pool closed: no mbuf out
    assert all(p.closed for p in run.ports) and gone(*names)         # the vdevs it attached: detached
    with pytest.raises(pydpdk.PydpdkError):
        run.ports[0].stats()
    s.close()                                                        # idempotent


def test_null_vdevs_txonly_counts_generated_packets(eal):
    names = [f"net_null_{TAG}a", f"net_null_{TAG}b"]
    run = Session(vdevs=[f"{n},size=64" for n in names], ports=names,
                  engine=EngineSettings(mode="txonly", txpkts=[60, 4], burst=64)).build()
    try:
        final = run.forward(0.3)
        assert final.tx_packets > 0 and sum(p.opackets for p in (q.stats() for q in run.ports)) > 0
        assert all(st.gen_packets > 0 for st in final.streams)
    finally:
        run.close()
    assert gone(*names)


def test_pcap_replay_to_file_by_count(eal, short_dir):
    tmp_path = short_dir   # hotplugged devargs: at most 127 bytes (DPDK 24.11.8+ refuses more)
    frames = [make_frame(i, 64 + i % 300) for i in range(500)]
    src, dst = tmp_path / "in.pcap", tmp_path / "out.pcap"
    write_pcap(str(src), frames)
    name = f"net_pcap_{TAG}"
    s = Session(vdevs=[f"{name},rx_pcap={src},tx_pcap={dst}"], ports=[name],
                engine=EngineSettings(mode="io", topology="loop", flush_rx=False, count_bytes=True))
    with s as run:
        final = run.forward(20.0, packets=len(frames))
    assert final.rx_packets == final.tx_packets == len(frames)
    assert gone(name)                          # detached: the pcap file is complete
    assert read_frames(str(dst)) == frames     # byte-exact, in order


def test_ports_made_from_rings_with_overrides_by_ring_port_name(eal):
    a, b, c = (f"{TAG}{x}" for x in "ABC")
    s = Session(rings=[RingSpec(a, 512), RingSpec(b), RingSpec(c)],
                ring_ports=[RingPortSpec(f"two{TAG}", [a, b], [a, b]), RingPortSpec(f"one{TAG}", [c], [c])],
                ports=[f"two{TAG}", f"one{TAG}"], port_overrides={f"two{TAG}": {"rxq": 2, "txq": 2}},
                port=PortSettings(rxd=128, txd=128),
                engine=EngineSettings(topology="loop", tx_first=True))
    with s as run:
        assert sorted(run.rings) == sorted([a, b, c]) and len(run.ring_ports) == 2
        assert sorted((st[0], st[1]) for st in run.engine.streams) == \
            sorted([(run.ports[0].id, 0), (run.ports[0].id, 1), (run.ports[1].id, 0)])
        final = run.forward(0.2)
        assert all(st.rx_packets > 0 for st in final.streams)
        rings = list(run.rings.values())
    assert all(r.closed for r in rings) and all(p.closed for p in run.ring_ports)


def test_without_engine_ports_and_pool_only(eal):
    name = f"net_ring_{TAG}c"
    with Session(vdevs=[name], ports=[name], engine=None, pool=MempoolPolicy(total=1023, cache=32)) as run:
        assert run.engine is None and run.pool.size == 1023 and run.pool.cache_size == 32
        p = run.ports[0]
        b = run.pool.burst([make_frame(i) for i in range(8)])
        assert p.tx_burst(b) == 8                 # one ring: what it sends it receives
    assert gone(name) and run.pool.closed         # close() drained the 8 mbufs back first


@pytest.mark.parametrize("kw, param", [
    (dict(port=PortSettings(rxq=0)), "port.rxq"),
    (dict(port=PortSettings(rxd=70000)), "port.rxd"),
    (dict(port=PortSettings(rss=["ip", "teleport"])), "port.rss"),
    (dict(port=PortSettings(rx_offloads=["warp"])), "port.rx_offloads"),
    (dict(port_overrides={"x": {"rxqq": 2}}), "port_overrides['x'].rxqq"),
    (dict(port_overrides={1: {"txd": 0}}), "port_overrides[1].txd"),
    (dict(pool=MempoolPolicy(cache=9999)), "pool.cache"),
    (dict(pool=MempoolPolicy(data_room=16)), "pool.data_room"),
    (dict(engine=EngineSettings(mode="teleport")), "engine.mode"),
    (dict(engine=EngineSettings(burst=0)), "engine.burst"),
    (dict(engine=EngineSettings(topology="star")), "engine.topology"),
    (dict(engine=EngineSettings(eth_peers={0: "not-a-mac"})), "engine.eth_peers"),
    (dict(engine=EngineSettings(txpkts=[])), "engine.txpkts"),
    (dict(rings=[RingSpec("r1")], ring_ports=[RingPortSpec("p", ["r2"], ["r1"])]), "ring_ports[0].rx[0]"),
    (dict(nb_ports=0), "nb_ports"),
    (dict(eal="-l 0-1"), "eal"),
])
def test_bad_fields_are_named(kw, param):
    with pytest.raises(pydpdk.InvalidArgumentError) as exc:
        Session(**kw)
    assert exc.value.param == param, str(exc.value)


def test_build_time_refusals_name_the_field_and_undo(eal):
    names = [f"net_ring_{TAG}d", f"net_ring_{TAG}e"]
    cases = [(dict(ports=names + ["nope"]), "ports"),
             (dict(ports=names, port_overrides={"net_ring_missing": {"rxq": 2}}), "port_overrides"),
             (dict(ports=names, engine=EngineSettings(eth_peers={999: "02:00:00:00:00:01"})), "engine.eth_peers"),
             (dict(ports=names, engine=EngineSettings(nb_cores=64)), "nb_cores")]
    for kw, param in cases:
        s = Session(vdevs=names, **kw)
        with pytest.raises(pydpdk.InvalidArgumentError) as exc:
            s.build()
        assert exc.value.param == param, str(exc.value)
        assert gone(*names), f"{param}: a failed build left its vdevs attached"


def test_settings_for_and_pool_policy():
    s = Session(port=PortSettings(rxq=2), port_overrides={3: PortSettings(rss=False), "p": {"rxd": 1024}})
    assert s.settings_for(0).rss_functions() == ["ip"]           # several RX queues: RSS over IP
    assert s.settings_for(3).rss_functions() is None
    assert s.settings_for(9, "p").rxd == 1024 and s.settings_for(9, "p").rxq == 2
    pol = MempoolPolicy()
    assert pol.size([PortSettings()] * 2, 2) == 8191                 # testpmd's floor
    assert pol.size([PortSettings(rxd=4096, txd=4096)] * 2, 2) == 2 * (4096 + 4096 + 2 * 250 + 512)
    assert MempoolPolicy(total=100).size([PortSettings()], 2) == 100


def test_eal_config_falls_back_to_ordinary_memory_by_the_one_rule():
    cfg = EalConfig(lcores="0", no_pci=True)
    out = Session(eal=cfg, ordinary_memory_mb=256).eal_config()
    assert out == cfg.or_ordinary_memory(256)
    assert out.no_huge == (not hugepages_usable())
    assert out.memory_mb == (None if hugepages_usable() else 256)
    assert Session(eal=cfg.replace(no_huge=True, memory_mb=64)).eal_config().memory_mb == 64
    assert Session(eal=cfg, ordinary_memory_mb=None).eal_config() is cfg


def test_session_with_its_own_eal_in_a_fresh_process():
    proc = run_python(f"""
        import pydpdk
        from pydpdk.session import EngineSettings, Session
        s = pydpdk.Session(eal=pydpdk.EalConfig(lcores="0-1", no_pci=True, vdevs=["net_ring0", "net_ring1"],
                                                file_prefix="pydpdk-session-{TAG}"),
                           engine=EngineSettings(tx_first=True))
        with s as run:
            final = run.forward(0.3)
            pool = run.pool
        assert pydpdk.eal.is_initialized()          # close() leaves the EAL to the caller
        assert pool.closed and all(p.closed for p in run.ports)
        print("OK", final.rx_packets > 0, [p.name for p in run.ports])
        pydpdk.cleanup()
        """)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "OK True ['net_ring0', 'net_ring1']" in proc.stdout


def test_forward_until_packets_with_ticks_and_engine_changes(eal):
    names = [f"net_ring_{TAG}f", f"net_ring_{TAG}g"]
    with Session(vdevs=names, ports=names, engine=EngineSettings(tx_first=True)) as run:
        ticks = []
        final = run.forward(30.0, packets=5000, tick=lambda t, rx: ticks.append((t, rx)), tick_s=0.05)
        assert final.rx_packets >= 5000 and ticks and ticks[-1][1] >= 5000
        assert all(a[0] <= b[0] for a, b in zip(ticks, ticks[1:]))
        old = run.engine
        new = run.make_engine(mode="macswap", burst=16)
        assert old.closed and new.mode == "macswap" and new.burst == 16
        assert run.session.engine.mode == "macswap"              # kept for the next make_engine()
        with pytest.raises(pydpdk.InvalidArgumentError) as exc:
            run.make_engine(eth_peers={42: "02:00:00:00:00:01"})
        assert exc.value.param == "engine.eth_peers" and not new.closed   # refused: the engine stays
        with pytest.raises(pydpdk.InvalidArgumentError) as exc:
            run.make_engine(bogus=1)
        assert exc.value.param == "engine.bogus"
        run.stop_port(run.ports[1])                 # drained, then stopped
        run.close_port(run.ports[1])
        assert run.engine is None and len(run.ports) == 1
    assert gone(*names)


def test_shell_commands_over_a_built_session(eal):
    """The interactive shell on a Session built in this process (no testpmd here: the shell's
    own refusals and state changes)."""
    import io
    from pydpdk.cli.fwd import Console
    from pydpdk.cli.shell import Shell
    names = [f"net_ring_{TAG}h", f"net_ring_{TAG}i"]
    with Session(vdevs=names, ports=names) as run:
        a, b = (p.id for p in run.ports)
        out = io.StringIO()
        script = (f"set eth-peer {a} 02:00:00:00:00:0a\nset eth-peer 99 02:00:00:00:00:0b\nset txpkts 60,4\n"
                  "set burst 8\nset fwd teleport\nset fwd macswap\nport config all rxd 128\nport stop all\n"
                  "port config all rxd 128\nstart\nport start all\nstart tx_first\nclear fwd stats all\n"
                  "show fwd stats all\nport stop all\nstop\nshow port stats 9\nhelp port\nbogus\nquit\n")
        Shell(Console(run, out), stdin=io.StringIO(script), stdout=out).cmdloop()
        text = out.getvalue()
        e = run.session.engine
        assert dict(e.eth_peers) == {a: "02:00:00:00:00:0a"} and list(e.txpkts) == [60, 4]
        assert e.burst == 8 and e.mode == "macswap" and run.engine.mode == "macswap"
        assert "engine.eth_peers=99" in text and "mode='teleport'" in text
        assert "Please stop all ports first" in text and "Not all ports were started" in text
        assert "Configuring Port" in text and run.ports[0].queue_conf("rx", 0).nb_desc == 128
        assert "Please stop forwarding first" in text              # port stop while forwarding
        assert "Invalid port 9" in text and "port start|stop|close all|N" in text and "Bad arguments" in text
        assert "Accumulated forward statistics" in text and text.rstrip().endswith("Bye...")
        assert not run.engine.running
        # `clear fwd stats all` while forwarding (as testpmd): stop prints what came after it
        acc = text.rsplit("Accumulated forward statistics", 1)[1]
        since_clear = int(acc.split("RX-packets:")[1].split()[0])
        assert 0 < since_clear < run.engine.stats().rx_packets
    assert gone(*names)
