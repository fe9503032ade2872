"""EAL: argument construction, once-per-process init, lcores, and other configurations in
child processes (ordinary memory, in-memory, bad arguments, no hugepages, cleanup)."""
import glob
import json
import os

import pytest

import pydpdk
from pydpdk.eal import hugepage_status
from conftest import run_python, session_config, have_hugepages


def test_typed_config_renders_eal_argv():
    cfg = pydpdk.EalConfig(lcores=[0, 1], main_lcore=0, memory_channels=4, no_pci=True,
                           file_prefix="x", socket_mem=[256], iova_mode="va",
                           log_levels=["lib.eal:debug", "7"], single_file_segments=True,
                           proc_type="primary", vdevs=["net_ring0"], allow=["0000:00:04.0"],
                           extra=["--match-allocations"])
    argv = cfg.argv()
    assert argv[:6] == ["-l", "0,1", "--main-lcore", "0", "-n", "4"]
    for piece in (["-a", "0000:00:04.0"], ["--file-prefix", "x"], ["--socket-mem", "256"],
                  ["--iova-mode", "va"], ["--proc-type", "primary"], ["--vdev", "net_ring0"],
                  ["--log-level", "lib.eal:debug"]):
        i = argv.index(piece[0])
        assert argv[i:i + 2] == piece
    assert "--no-pci" in argv and "--single-file-segments" in argv and "--match-allocations" in argv
    assert "--vdev" not in cfg.eal_argv(), "vdevs are hotplugged after init"


def test_lcore_maps_go_to_dash_dash_lcores():
    """-l takes core lists only; a map of lcores to CPUs ("0@0,1@1,2@1") is --lcores' syntax."""
    assert pydpdk.EalConfig(lcores="0@0,1@1,2@1").eal_argv()[1:3] == ["--lcores", "0@0,1@1,2@1"]
    assert pydpdk.EalConfig(lcores="0-1").eal_argv()[1:3] == ["-l", "0-1"]
    proc = run_python("""
        import pydpdk
        eal = pydpdk.Eal.init(lcores="0@0,1@1,2@1", no_pci=True, no_huge=True, memory_mb=128)
        print(eal.worker_lcores())
        pydpdk.cleanup()
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[1, 2]"


def test_guide_command_lines_parse():
    # §7.1.2: ./testpmd -c E -n 4 --vdev=eth_ring0 --vdev=eth_ring1 -- -i
    cfg = pydpdk.EalConfig.from_argv(["-c", "E", "-n", "4", "--vdev=eth_ring0", "--vdev=eth_ring1"])
    assert cfg.coremask == "0xE" and cfg.memory_channels == 4
    assert cfg.vdevs == ("eth_ring0", "eth_ring1")
    # ch.4: testpmd -c 0xff00 -n 4 -w 0000:83:00.0 -w 0000:84:00.0
    cfg = pydpdk.EalConfig.from_argv(["-c", "0xff00", "-n", "4", "-w", "0000:83:00.0", "-w", "0000:84:00.0"])
    assert cfg.allow == ("0000:83:00.0", "0000:84:00.0")
    cfg = pydpdk.EalConfig.from_argv(["-l0-1", "--no-huge", "-m", "256", "--weird"])
    assert (cfg.lcores, cfg.no_huge, cfg.memory_mb, cfg.in_memory, cfg.extra) == ("0-1", True, 256, False, ("--weird",))
    assert pydpdk.EalConfig.from_argv(["--in-memory", "-l", "0"]).in_memory
    with pytest.raises(pydpdk.InvalidArgumentError, match="not with no_huge"):   # DPDK refuses the pair
        pydpdk.EalConfig.from_argv(["--no-huge", "--in-memory"])


def test_virtio_user_adds_single_file_segments():
    cfg = pydpdk.EalConfig(vdevs=["net_virtio_user0,path=/tmp/vhost.sock"])
    assert "--single-file-segments" in cfg.eal_argv()
    assert "--single-file-segments" not in pydpdk.EalConfig(in_memory=True, vdevs=cfg.vdevs).eal_argv()


def test_same_arguments_return_the_live_eal(eal):
    assert pydpdk.Eal.init(session_config()) is eal
    assert pydpdk.current() is eal


def test_different_arguments_raise_clearly(eal):
    with pytest.raises(pydpdk.EalConfigMismatchError, match="already initialised .* different arguments"):
        pydpdk.Eal.init(lcores="0", no_pci=True, no_huge=True, file_prefix="other")
    assert pydpdk.current() is eal


def test_lcores_and_properties(eal):
    lcores = eal.lcores()
    assert lcores[0].is_main and lcores[0].id == eal.main_lcore
    assert [lc.id for lc in lcores if not lc.is_main] == eal.worker_lcores()
    assert eal.process_type == "primary"
    assert eal.version.startswith("DPDK ")
    assert eal.has_hugepages == have_hugepages()
    assert os.path.isdir(eal.runtime_dir)


def test_other_memory_modes_in_subprocesses():
    code = """
        import json, pydpdk
        eal = pydpdk.Eal.init(lcores="0", no_pci=True, {mode}, vdevs=["net_ring0"])
        pool = pydpdk.Mempool.create("p", 1023, cache_size=0)
        port = pydpdk.Port(0).setup(pool)
        b = pool.burst([b"\\x01" * 60] * 8)
        sent = port.tx_burst(b)
        out = port.rx_burst(0, 16)
        got = len(out); out.free()
        print(json.dumps({{"hp": eal.has_hugepages, "sent": sent, "got": got, "in_use": pool.in_use}}))
        pydpdk.cleanup()
    """
    modes = ["no_huge=True, memory_mb=256"] + (["in_memory=True"] if have_hugepages() else [])
    for mode in modes:
        proc = run_python(code.format(mode=mode))
        assert proc.returncode == 0, proc.stderr[-2000:]
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        assert res["sent"] == 8 and res["got"] == 8 and res["in_use"] == 0
        assert res["hp"] == ("no_huge" not in mode)


def test_bad_eal_argument_leaves_process_usable():
    proc = run_python("""
        import pydpdk
        try:
            pydpdk.Eal.init(no_pci=True, no_huge=True, extra=["--definitely-not-an-eal-option"])
        except pydpdk.EalError as e:
            print("ERR", e.errno, "refused the arguments" in str(e))
        eal = pydpdk.Eal.init(no_pci=True, no_huge=True, lcores="0")
        print("OK", eal.alive)
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ERR 22 True" in proc.stdout and "OK True" in proc.stdout


def test_no_free_hugepages_gives_clear_error():
    path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
    if not os.access(path, os.W_OK):
        pytest.skip("needs root to change the hugepage reservation")
    status = {s.size_kb: s for s in hugepage_status()}
    if any(s.free for k, s in status.items() if k != 2048):
        pytest.skip("other hugepage sizes have free pages")
    old = int(open(path).read())
    s = status[2048]
    in_use = s.total - s.free
    try:
        with open(path, "w") as f:
            f.write(str(in_use))
        proc = run_python("""
            import pydpdk
            try:
                pydpdk.Eal.init(no_pci=True, lcores="0")
            except pydpdk.NoHugepagesError as e:
                print("NOHUGE", e)
            eal = pydpdk.Eal.init(no_pci=True, lcores="0", no_huge=True)
            print("FALLBACK", eal.alive, eal.has_hugepages)
        """)
    finally:
        with open(path, "w") as f:
            f.write(str(old))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "NOHUGE no free hugepages" in proc.stdout and "nr_hugepages" in proc.stdout
    assert "FALLBACK True False" in proc.stdout


def test_cleanup_makes_every_object_refuse_use():
    proc = run_python("""
        import pydpdk
        eal = pydpdk.Eal.init(no_pci=True, no_huge=True, lcores="0", vdevs=["net_ring0"])
        pool = pydpdk.Mempool.create("p", 1023, cache_size=0)
        ring = pydpdk.Ring.create("r", 64)
        port = pydpdk.Port(0).setup(pool)
        m = pool.mbuf(b"abc")
        pydpdk.cleanup()
        for what, fn in [("pool", lambda: pool.in_use), ("ring", lambda: ring.count),
                         ("port", lambda: port.stats()), ("mbuf", lambda: m.tobytes()),
                         ("burst", lambda: port.rx_burst(0)), ("eal", lambda: eal.lcores())]:
            try:
                fn()
                print(what, "USABLE")
            except (pydpdk.ResourceClosedError, pydpdk.EalNotInitializedError) as e:
                print(what, "refused:", type(e).__name__)
        try:
            pydpdk.Eal.init(no_pci=True, no_huge=True, lcores="0")
        except pydpdk.EalNotInitializedError as e:
            print("reinit refused:", "new process" in str(e))
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "USABLE" not in proc.stdout
    assert proc.stdout.count("refused:") == 7, proc.stdout


def test_hugepage_files_are_removed_at_exit():
    if not have_hugepages():
        pytest.skip("no hugepages")
    prefix = f"pydpdk-exit-{os.getpid()}"
    proc = run_python(f"""
        import pydpdk
        pydpdk.Eal.init(no_pci=True, lcores="0", file_prefix="{prefix}")
        pydpdk.Mempool.create("p", 1023)
    """)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not glob.glob(f"/dev/hugepages/{prefix}*")
