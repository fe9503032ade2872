"""Typed vdev specs: devargs rendering and parsing, pre-checks with clear errors, what this
machine can do, and runtime composition (every type hotplugged at once, detached, again)."""
import os
import tempfile

import pytest

import pydpdk
from pydpdk import vdev
from pydpdk.pcap import write_pcap
from conftest import have_hugepages, run_python
from pydpdk.testing.frames import make_frame
from pydpdk.testing.netns import Veth
from pydpdk.testing.testpmd import Testpmd, needs_testpmd
from pydpdk.testing.netns import needs_netadmin

ROUND_TRIP = [
    ("net_ring0", vdev.Ring),
    ("eth_ring3,nodeaction=r0:0:CREATE,nodeaction=r1:0:ATTACH", vdev.Ring),
    ("net_null0,size=128,copy=1,no-rx=0", vdev.Null),
    ("eth_pcap0,rx_pcap=/a.pcap,rx_pcap=/b.pcap,tx_pcap=/c.pcap,rx_iface=x0,rx_iface_in=x1,tx_iface=x2,"
     "infinite_rx=1", vdev.Pcap),
    ("net_pcap1,iface=eth0,phy_mac=1", vdev.Pcap),
    ("net_af_packet0,iface=eth0,qpairs=2,blocksz=4096,framesz=2048,framecnt=512,qdisc_bypass=1", vdev.AfPacket),
    ("net_tap0,iface=dtap0,mac=fixed,remote=eth0,persist=1", vdev.Tap),
    ("net_tun0,iface=dtun0", vdev.Tun),
    ("net_virtio_user0,path=/tmp/vh.sock,mac=02:00:00:00:00:01,cq=1,queue_size=256,queues=2,server=1,"
     "mrg_rxbuf=0,in_order=1,packed_vq=1,speed=10000,vectorized=0", vdev.VirtioUser),
    ("virtio_user1,path=/dev/vhost-net,iface=tap9", vdev.VirtioUser),
    ("net_vhost0,iface=/tmp/vh.sock,queues=2,client=1,iommu-support=0,postcopy-support=0,tso=1,"
     "linear-buffer=1,ext-buffer=0,legacy-ol-flags=0", vdev.Vhost),
    ("net_memif0,id=3,role=client,bsize=2048,rsize=10,socket=/run/m.sock,socket-abstract=no,"
     "owner-uid=0,owner-gid=0,mac=02:00:00:00:00:01,zero-copy=yes,secret=s3", vdev.Memif),
    ("net_bonding0,mode=1,slave=x", vdev.Generic),
]


@pytest.mark.parametrize("devargs,cls", ROUND_TRIP, ids=[d.split(",")[0] for d, _ in ROUND_TRIP])
def test_parse_render_round_trip(devargs, cls):
    spec = vdev.parse(devargs)
    assert type(spec) is cls
    assert str(spec) == spec.devargs() == devargs
    assert vdev.parse(str(spec)) == spec
    assert spec.eal_args() == ["--vdev", devargs]


def test_typed_fields_render_as_drivers_want():
    assert str(vdev.Null(size=64, no_rx=True)) == "net_null0,size=64,no-rx=1"
    assert str(vdev.Memif(role="server", zero_copy=False)) == "net_memif0,role=server,zero-copy=no"
    p = vdev.Pcap("net_pcap4", rx_pcap="in.pcap", tx_pcap=["o0.pcap", "o1.pcap"])
    assert p.rx_pcap == ("in.pcap",) and str(p) == "net_pcap4,rx_pcap=in.pcap,tx_pcap=o0.pcap,tx_pcap=o1.pcap"
    assert vdev.parse("net_vhost0,iface=/x,queues=2").queues == 2
    assert vdev.parse("net_memif0,zero-copy=yes").zero_copy is True
    assert vdev.Ring().name == "net_ring0" and vdev.Tap().name == "net_tap0"


@pytest.mark.parametrize("make,words", [
    (lambda: vdev.Pcap("net_ring0"), "starting with 'net_pcap'"),
    (lambda: vdev.Null(size="64"), "non-negative integer"),
    (lambda: vdev.Null(copy=1), "True or False"),
    (lambda: vdev.Pcap(rx_pcap="a,b"), "without ','"),
    (lambda: vdev.parse("net_null0,size=abc"), "size='abc'"),
    (lambda: vdev.parse("net_pcap0,bogus=1"), "rx_pcap"),
    (lambda: vdev.parse("net_null0,size=1,size=2"), "given once"),
    (lambda: vdev.parse("net_memif0,zero-copy=1"), "'yes' or 'no'"),
    (lambda: vdev.parse("net_vhost0,client=yes"), "0 or 1"),
])
def test_bad_specs_name_parameter_and_allowed(make, words):
    with pytest.raises(pydpdk.InvalidArgumentError, match=words.replace("(", r"\(")):
        make()


def test_checks_before_eal_sees_it(tmp_path):
    missing = str(tmp_path / "nope" / "x.sock")
    bad = tmp_path / "ng.pcap"
    bad.write_bytes(b"\x0a\x0d\x0d\x0a" + bytes(60))           # a pcapng file
    cases = [
        (vdev.Pcap(rx_pcap=str(tmp_path / "none.pcap")), "a readable file"),
        (vdev.Pcap(rx_pcap=str(bad)), "classic pcap"),
        (vdev.Pcap(tx_pcap=str(tmp_path / "no" / "out.pcap")), "writable directory"),
        (vdev.Pcap(rx_iface="pdnosuch0"), "existing network interface"),
        (vdev.Pcap(iface="lo", tx_pcap=str(tmp_path / "o.pcap")), "iface maps one interface"),
        (vdev.Pcap(), "at least one of rx_pcap"),
        (vdev.AfPacket(), "af_packet needs iface"),
        (vdev.AfPacket(iface="pdnosuch0"), "existing network interface"),
        (vdev.Tap(iface="a_name_that_is_too_long"), "at most 15 characters"),
        (vdev.VirtioUser(), "vhost-user socket path"),
        (vdev.VirtioUser(path=str(tmp_path / "vh.sock")), "start the vhost side first"),
        (vdev.VirtioUser(path=missing, server=True), "does not exist"),
        (vdev.VirtioUser(path=str(tmp_path / "vh.sock"), server=True, queue_size=300), "power of two"),
        (vdev.Vhost(iface=missing), "writable directory"),
        (vdev.Memif(socket=missing, socket_abstract=False), "does not exist"),
        (vdev.Ring(nodeaction="r0:0:MAKE"), "CREATE"),
    ]
    for spec, words in cases:
        with pytest.raises(pydpdk.InvalidArgumentError, match=words):
            spec.check()
    # fine ones return themselves
    write_pcap(str(tmp_path / "in.pcap"), [make_frame(0)])
    ok = vdev.Pcap(rx_pcap=str(tmp_path / "in.pcap"), tx_pcap=str(tmp_path / "o.pcap"))
    assert ok.check() is ok
    assert vdev.Memif(socket=missing).check()            # abstract socket: no directory needed


def test_eal_config_takes_specs_and_adds_single_file_segments(tmp_path):
    sock = str(tmp_path / "vh.sock")
    cfg = pydpdk.EalConfig(no_pci=True, vdevs=[vdev.Ring("net_ring5"), vdev.VirtioUser(path=sock, server=True)])
    assert cfg.vdevs == ("net_ring5", f"net_virtio_user0,path={sock},server=1")
    assert cfg.needs_single_file_segments and "--single-file-segments" in cfg.eal_argv()
    assert "--single-file-segments" not in cfg.replace(in_memory=True).eal_argv()
    with pytest.raises(pydpdk.InvalidArgumentError, match="readable file"):
        pydpdk.EalConfig(vdevs=[vdev.Pcap(rx_pcap=str(tmp_path / "none.pcap"))])


def test_capabilities_say_what_is_missing():
    caps = vdev.capabilities()
    for name in ("net_ring", "net_null", "net_pcap", "net_af_packet", "net_tap", "net_vhost", "net_memif",
                 "virtio_user_vhost_user", "virtio_user_vhost_kernel", "kni"):
        assert name in caps and caps[name].reason
    assert caps["net_tap"].available == os.path.exists("/dev/net/tun")
    assert not caps["kni"] and "KNI" in caps["kni"].reason
    assert caps["virtio_user_vhost_kernel"].available == (os.path.exists("/dev/vhost-net")
                                                          and os.path.exists("/dev/net/tun"))


def test_virtio_user_over_vhost_kernel_needs_vhost_net():
    """The guide's KNI vhost back end is gone; its successor virtio-user over vhost-kernel needs
    /dev/vhost-net. Where it is missing, pydpdk says so before DPDK is asked."""
    if os.path.exists("/dev/vhost-net"):
        pytest.skip("this host has /dev/vhost-net: the missing-feature path does not apply here")
    with pytest.raises(pydpdk.DeviceError, match=r"/dev/vhost-net does not exist \(the kernel's vhost_net"):
        vdev.VirtioUser(path="/dev/vhost-net", iface="pdvk0").check()
    with pytest.raises(pydpdk.DeviceError, match="virtio_user_vhost_kernel cannot work on this machine"):
        vdev.require("virtio_user_vhost_kernel")
    with pytest.raises(pydpdk.DeviceError, match="kni cannot work"):
        vdev.require("kni")


@needs_netadmin()
@needs_testpmd()
def test_every_type_hotplugged_at_once_then_again(eal, pool, short_dir):
    d = tmp_path = short_dir
    write_pcap(str(tmp_path / "in.pcap"), [make_frame(i) for i in range(5)])
    with Veth() as v, Testpmd([vdev.Vhost("net_vhost0", iface=os.path.join(d, "u.sock"))],
                              ["--port-topology=loop"]) as tp:
        tp.ready()
        specs = [vdev.Ring("net_ring_h0"), vdev.Null("net_null_h0", size=96),
                 vdev.Pcap("net_pcap_h0", rx_pcap=str(tmp_path / "in.pcap"), tx_pcap=str(tmp_path / "o.pcap")),
                 vdev.AfPacket("net_af_packet_h0", iface=v.outer), vdev.Tap("net_tap_h0", iface=f"pdh{os.getpid() % 10**6}"),
                 vdev.Vhost("net_vhost_h0", iface=os.path.join(d, "v.sock")),
                 vdev.VirtioUser("net_virtio_user_h0", path=os.path.join(d, "u.sock")),   # testpmd's vhost
                 vdev.Memif("net_memif_h0", role="server", socket=os.path.join(d, "m.sock"), socket_abstract=False)]
        drivers = ["net_ring", "net_null", "net_pcap", "net_af_packet", "net_tap", "net_vhost", "net_virtio_user",
                   "net_memif"]
        try:
            for round_ in range(2):
                before = {p.name for p in pydpdk.ports()}
                ports = [vdev.attach(s)[0] for s in specs]
                assert [p.driver for p in ports] == drivers
                assert {p.name for p in pydpdk.ports()} == before | {s.name for s in specs}
                assert [vdev.spec_of(p) for p in ports] == specs
                for p in ports:
                    p.setup(pool, nb_rxd=256, nb_txd=256)
                b = ports[1].rx_burst(0, 4)                  # the null port generates
                assert b.lengths() == [96] * 4
                b.free()
                for s in specs:
                    vdev.detach(s.name)
                assert {p.name for p in pydpdk.ports()} == before
        finally:
            for s in specs:
                if vdev.device_ports(s.name):
                    vdev.detach(s.name)
            for f in os.listdir(d):
                os.unlink(os.path.join(d, f))
            os.rmdir(d)


def test_virtio_user_refused_on_per_page_hugepage_files():
    if not have_hugepages():
        pytest.skip("no free hugepages here: per-page hugepage files (the failing memory mode) cannot be made")
    p = run_python("""
        import os, tempfile, pydpdk
        from pydpdk import vdev
        pydpdk.Eal.init(lcores="0", no_pci=True, memory_mb=64, file_prefix=f"pydpdk-vdev-sfs-{os.getpid()}")
        sock = os.path.join(tempfile.mkdtemp(), "u.sock")
        try:
            vdev.attach(vdev.VirtioUser(path=sock, server=True))
        except pydpdk.InvalidArgumentError as e:
            print("REFUSED", e)
        print("PORTS", len(pydpdk.ports()))
        rundir = pydpdk.current().runtime_dir
        pydpdk.cleanup()
        import shutil; shutil.rmtree(rundir, ignore_errors=True)
    """)
    assert p.returncode == 0, p.stderr
    assert "REFUSED" in p.stdout and "single_file_segments=True" in p.stdout and "8 memory" in p.stdout
    assert "PORTS 0" in p.stdout
