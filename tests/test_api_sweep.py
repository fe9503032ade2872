"""Every public method and property setter, given a wrong type or an out-of-range integer for one
parameter at a time, raises InvalidArgumentError (or TypeError) — never AttributeError,
OverflowError or a cffi error — and leaves the process usable (issue 16, item 1).

The table is generated from the API: each object's public callables and their signatures.
Parameters the sweep must fill to reach the one under test take values from VALID by name.
"""
from __future__ import annotations

import inspect
import itertools

import pytest

import pydpdk
from pydpdk import InvalidArgumentError, PydpdkError

#: values that are valid for parameters of these names (to reach the parameter under test)
VALID = {
    "queue": 0, "max_pkts": 32, "nb_desc": 512, "nb_rxq": 1, "nb_txq": 1, "n": 1, "count": 64,
    "name": "sweep_x", "mac": "02:00:00:00:00:09", "vlan_id": 1, "on": True, "kind": "rx",
    "table": {0: 0}, "functions": ["ip"], "ids": [0], "packets": [b"\x02" * 60], "data": b"\x02" * 60,
    "timeout": 0.01, "seconds": 0.01, "interval": 0.05, "burst": 32, "mode": "io", "wait": False,
    "pkts": [b"\x02" * 60], "pool": None, "capacity": 4, "snap": 16, "value": 1, "k": 1,
}
#: wrong values per parameter: a foreign object, a str, a huge int, a negative int
BAD = (object(), "not-a-number", 2 ** 70, -(2 ** 40))
#: methods that change or end what others share: the sweep does not call them
SKIP = {"close", "free", "cleanup", "stop", "reset", "detach", "start", "set_link_down", "set_link_up",
        "run", "setup", "flush_rx", "wait_link_up", "drain", "reset_xstats", "reset_stats", "explain",
        "start_forwarding", "from_rings", "lookup", "create", "of"}
ALLOWED = (InvalidArgumentError, TypeError, PydpdkError)


def _objects(pool: pydpdk.Mempool):
    ring = pydpdk.Ring.create("sweep_ring", 256)
    port = pydpdk.Port.from_rings("sweep", [ring], [ring])
    port.setup(pool, nb_rxd=128, nb_txd=128)
    burst = pool.burst([b"\x02" * 60])
    mbuf = pool.mbuf(b"\x02" * 64)
    fwd = pydpdk.Forwarder([port], "io")
    return ring, port, burst, mbuf, fwd


def _calls(obj, valid):
    for name, member in inspect.getmembers(type(obj)):
        if name.startswith("_") or name in SKIP:
            continue
        if isinstance(member, property):
            if member.fset is not None:
                yield name, "setter", None
            continue
        if not callable(member):
            continue
        try:
            sig = inspect.signature(getattr(obj, name))
        except (TypeError, ValueError):
            continue
        params = [p for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        for p in params:
            yield name, p.name, params


def _call(obj, name, param, params, bad, valid):
    if param == "setter":
        setattr(obj, name, bad)
        return
    kwargs = {}
    for p in params:
        if p.name == param:
            kwargs[p.name] = bad
        elif p.default is inspect.Parameter.empty:
            if p.name not in valid:
                raise _NoValue(p.name)
            kwargs[p.name] = valid[p.name]
    args = [kwargs.pop(p.name) for p in params if p.kind == p.POSITIONAL_ONLY and p.name in kwargs]
    result = getattr(obj, name)(*args, **kwargs)
    if inspect.iscoroutine(result):         # async methods check their arguments when awaited
        import asyncio
        asyncio.run(asyncio.wait_for(result, 2))


class _NoValue(Exception):
    pass


def test_every_public_method_rejects_wrong_types_and_ranges(eal, pool, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # a method taking a path may create "not-a-number": not in the tree
    ring, port, burst, mbuf, fwd = _objects(pool)
    valid = dict(VALID, pool=pool)
    failures, tried = [], 0
    try:
        for obj in (port, pool, ring, burst, mbuf, fwd):
            for name, param, params in _calls(obj, valid):
                for bad in BAD:
                    try:
                        _call(obj, name, param, params, bad, valid)
                    except _NoValue:
                        break
                    except ALLOWED:
                        tried += 1
                    except Exception as exc:   # noqa: BLE001 - the point: what leaks through
                        tried += 1
                        failures.append(f"{type(obj).__name__}.{name}({param}={bad!r:.30}): "
                                        f"{type(exc).__name__}: {exc}")
                    else:
                        tried += 1
        assert tried > 100
        assert not failures, f"{len(failures)} calls leaked a non-pydpdk error:\n" + "\n".join(failures)
    finally:
        while True:                      # whatever a sweep call sent: back to the pool
            b = port.rx_burst(0, 256)
            if not b:
                break
            b.free()
        burst.free()
        if mbuf.owned:
            mbuf.free()
        fwd.close()
        port.close()
        ring.close()


def _factories(pool, tmp_path):
    """Constructors and module functions, with valid values for what they need."""
    from pydpdk import eal as eal_mod, log, multiprocess, stats, telemetry, vdev
    pcap = str(tmp_path / "in.pcap")
    from pydpdk.pcap import write_pcap
    write_pcap(pcap, [b"\x02" * 60])
    return [
        (pydpdk.Mempool.create, {"name": "sweep_pool", "n": 255, "cache_size": 0}),
        (pydpdk.Ring.create, {"name": "sweep_r2", "count": 64}),
        (pydpdk.MbufBurst, {"capacity": 4}),
        (pydpdk.Port, {"port_id": 0}),
        (pydpdk.EalConfig, {}),
        (pydpdk.EalConfig.from_argv, {"argv": ["-l", "0", "--no-pci"]}),
        (eal_mod.primary_alive, {"file_prefix": "nosuch-prefix"}),
        (multiprocess.primary_alive, {"file_prefix": "nosuch-prefix"}),
        (vdev.parse, {"devargs": "net_null9"}),
        (vdev.parse_devargs, {"devargs": "net_null9"}),
        (vdev.check_devargs, {"devargs": "net_null9"}),
        (vdev.Null, {}), (vdev.Ring, {}), (vdev.Pcap, {"rx_pcap": pcap}), (vdev.AfPacket, {}),
        (vdev.Tap, {}), (vdev.VirtioUser, {}), (vdev.Vhost, {}), (vdev.Memif, {}),
        (stats.port_records, {"ports": [pydpdk.Port(0)]}),
        (stats.Sampler, {"source": [pydpdk.Port(0)]}),
        (log.set_level, {"level": "info"}),
        (telemetry.Client, {"file_prefix": "nosuch-prefix"}),
        (pydpdk.Forwarder, {"ports": [pydpdk.Port("net_ring0")]}),
    ]


def _close(result):
    for r in (result if isinstance(result, list) else [result]):
        close = getattr(r, "close", None)
        if close is not None and hasattr(r, "closed"):
            close()


def test_constructors_and_functions_reject_wrong_types_and_ranges(eal, pool, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    failures, tried = [], 0
    for fn, valid in _factories(pool, tmp_path):
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name != "self"]
        for p in params:
            for bad in BAD:
                kwargs = dict(valid)
                kwargs[p.name] = bad
                args = [kwargs.pop(q.name) for q in params if q.kind == q.POSITIONAL_ONLY and q.name in kwargs]
                tried += 1
                try:
                    _close(fn(*args, **kwargs))
                except ALLOWED:
                    pass
                except Exception as exc:   # noqa: BLE001
                    failures.append(f"{getattr(fn, '__qualname__', fn)}({p.name}={bad!r:.30}): "
                                    f"{type(exc).__name__}: {exc}")
    assert tried > 100
    assert not failures, f"{len(failures)} calls leaked a non-pydpdk error:\n" + "\n".join(failures)
