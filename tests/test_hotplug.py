"""Attaching and detaching vdevs at runtime; the port list follows."""
import pytest

import pydpdk


def test_attach_detach_port_list_follows(eal, pool):
    before = {p.name for p in pydpdk.ports()}
    ports = pydpdk.vdev.attach("net_null7,size=128")
    assert len(ports) == 1 and ports[0].name == "net_null7"
    assert {p.name for p in pydpdk.ports()} == before | {"net_null7"}
    ports[0].setup(pool)
    b = ports[0].rx_burst(0, 4)
    assert b.lengths() == [128] * 4
    b.free()
    pydpdk.vdev.detach(ports[0])
    assert {p.name for p in pydpdk.ports()} == before
    with pytest.raises(pydpdk.ResourceClosedError, match="detached"):
        ports[0].stats()


def test_several_at_once_and_names_must_be_unique(eal):
    a = pydpdk.vdev.attach("net_ring8")
    b = pydpdk.vdev.attach("net_null8")
    with pytest.raises(pydpdk.InvalidArgumentError, match="attached already"):
        pydpdk.vdev.attach("net_ring8")
    pydpdk.vdev.detach("net_ring8")
    pydpdk.vdev.detach("net_null8,size=64")
    assert not any(p.name in ("net_ring8", "net_null8") for p in pydpdk.ports())


def test_repeated_init_attaches_new_vdevs(eal):
    cfg = eal.config.replace(vdevs=list(eal.config.vdevs) + ["net_null9"])
    assert pydpdk.Eal.init(cfg) is eal
    assert "net_null9" in [p.name for p in pydpdk.ports()]
    pydpdk.vdev.detach("net_null9")
