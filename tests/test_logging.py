"""DPDK's log in Python logging: real EALs in child processes log, records arrive with the logger
name of their DPDK log type and the mapped level; DPDK levels set from Python."""
from __future__ import annotations

import json
import logging

import pytest

import pydpdk
from pydpdk import log
from conftest import run_python

# A child that captures DPDK's log before its EAL starts and prints what logging received.
CHILD_PRELUDE = """
import json, logging, os, shutil, sys, threading
import pydpdk
from pydpdk import log
from pydpdk._native import ffi, lib
records = []
class Keep(logging.Handler):
    def emit(self, r):
        records.append({"name": r.name, "level": r.levelname, "msg": r.getMessage(),
                        "dpdk_level": r.dpdk_level if hasattr(r, "dpdk_level") else None,
                        "lcore": getattr(r, "dpdk_lcore", None), "thread": threading.get_ident()})
root = logging.getLogger("dpdk")
root.addHandler(Keep())
root.setLevel(logging.DEBUG)
root.propagate = False
log.capture()
prefix = f"pydpdk-obslog-{os.getpid()}"
eal = pydpdk.Eal.init(lcores="0", no_pci=True, no_huge=True, memory_mb=64, file_prefix=prefix,
                      telemetry=False)
def done(**extra):
    log.flush()
    print("RESULT " + json.dumps(dict(records=records, **extra)))
    rundir = eal.runtime_dir
    pydpdk.cleanup()
    shutil.rmtree(rundir, ignore_errors=True)
"""


def _result(proc) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    assert line, proc.stdout[-3000:]
    return json.loads(line[-1][7:])


def _find(records, name, level, text):
    return [r for r in records if r["name"] == name and r["level"] == level and text in r["msg"]]


def test_eal_and_driver_messages_reach_logging_by_type_and_level():
    proc = run_python(CHILD_PRELUDE + """
# the ring PMD's INFO message is below its default level: not emitted, not received
try:
    pydpdk.vdev.attach("net_ring0,nodeaction=bad")
except pydpdk.DeviceError:
    pass
log.flush()
before = len([r for r in records if "Initializing pmd_ring" in r["msg"]])
matched = log.set_level("pmd.net.ring", "debug")
try:
    pydpdk.vdev.attach("net_ring1,nodeaction=bad")
except pydpdk.DeviceError:
    pass
log.flush()                  # Python's levels apply when records are delivered
logging.getLogger("dpdk.lib.eal").setLevel(logging.CRITICAL)
try:
    pydpdk.vdev.attach("net_ring2,nodeaction=bad")
except pydpdk.DeviceError:
    pass
done(before=before, matched=matched, level=log.log_types()["pmd.net.ring"],
     capturing=log.capturing(), main=threading.get_ident())
""")
    res = _result(proc)
    recs = res["records"]
    # EAL start-up messages, captured before rte_eal_init ran
    assert _find(recs, "dpdk.lib.eal", "INFO", "EAL: Detected CPU lcores")
    # the driver's warning and the EAL's errors of a refused vdev, with their own loggers
    warn = _find(recs, "dpdk.pmd.net.ring", "WARNING", "could not parse node value from bad")
    assert len(warn) == 3 and all(r["dpdk_level"] == 5 and r["lcore"] == 0 for r in warn)
    errs = _find(recs, "dpdk.lib.eal", "ERROR", "Driver cannot attach the device")
    assert [e["msg"] for e in errs] == ["EAL: Driver cannot attach the device (net_ring0)",
                                       "EAL: Driver cannot attach the device (net_ring1)"]
    assert all(r["dpdk_level"] == 4 for r in errs)
    # DPDK level set from Python: the INFO message appears only after set_level(debug)
    assert res["before"] == 0 and res["matched"] == ["pmd.net.ring"] and res["level"] == "debug"
    assert _find(recs, "dpdk.pmd.net.ring", "INFO", "Initializing pmd_ring for net_ring1")
    # records are handed to logging on pydpdk's drain thread or the flushing thread, never DPDK's
    assert all(r["thread"] for r in recs) and res["capturing"] is True
    assert not any("(net_ring2)" in r["msg"] for r in recs if r["name"] == "dpdk.lib.eal")
    assert "Driver cannot attach" not in proc.stdout.split("RESULT ")[0] + proc.stderr


def test_other_threads_full_queue_and_release():
    proc = run_python(CHILD_PRELUDE + """
app = log.register_type("user.obstest", "debug")
def worker():
    for i in range(3):
        log.write("user.obstest", "notice", f"from a non-EAL thread {i}")
t = threading.Thread(target=worker)
t.start(); t.join()
log.flush()
# hold the drain lock: DPDK keeps logging, the bounded queue fills, the rest is dropped (counted)
with log._lock:
    for i in range(1100):
        log.write(app, "debug", f"burst {i}")
    dropped = log.dropped()
log.flush()
log.release()
log.write(app, "error", "after release: to DPDK's own stream")
done(dropped=dropped, capturing=log.capturing())
""")
    res = _result(proc)
    recs = res["records"]
    mine = [r for r in recs if r["name"] == "dpdk.user.obstest" and r["msg"].startswith("from a non-EAL")]
    assert [r["msg"] for r in mine] == [f"from a non-EAL thread {i}" for i in range(3)]
    assert all(r["level"] == "NOTICE" and r["dpdk_level"] == 6 and r["lcore"] == -1 for r in mine)
    burst = [r for r in recs if r["msg"].startswith("burst ")]
    assert res["dropped"] == 1100 - 1024 and len(burst) == 1024
    assert burst[0]["msg"] == "burst 0" and burst[-1]["msg"] == "burst 1023"      # in order
    assert _find(recs, "dpdk", "WARNING", f"{1100 - 1024} DPDK log messages were dropped")
    assert res["capturing"] is False
    assert not any("after release" in r["msg"] for r in recs)
    assert "after release: to DPDK's own stream" in proc.stdout + proc.stderr


def test_levels_from_python(eal):
    types = log.log_types()
    assert "lib.eal" in types and "pmd.net.ring" in types and set(types.values()) <= set(log.LEVELS)
    before = types["pmd.net.null"]
    try:
        assert log.set_level("pmd.net.nu*", logging.DEBUG) == ["pmd.net.null"]
        assert log.log_types()["pmd.net.null"] == "debug"
        assert log.set_level_regexp(r"^pmd\.net\.null$", "err") == ["pmd.net.null"]
        assert log.log_types()["pmd.net.null"] == "error"
    finally:
        log.set_level("pmd.net.null", before)
    assert log.log_types()["pmd.net.null"] == before
    assert log.logger_name("pmd.net.ring") == "dpdk.pmd.net.ring"


@pytest.mark.parametrize("call, param", [
    (lambda: log.set_level("lib.eal", "loud"), "level"),
    (lambda: log.set_level("lib.eal", 9), "level"),
    (lambda: log.set_level("", "info"), "pattern"),
    (lambda: log.set_level_regexp("(", "info"), "regexp"),
    (lambda: log.set_global_level(True), "level"),
    (lambda: log.write("no.such.type", "info", "x"), "logtype"),
    (lambda: log.capture(prefix=""), "prefix"),
])
def test_bad_levels_and_names_are_refused(eal, call, param):
    before = log.log_types()
    with pytest.raises(pydpdk.InvalidArgumentError) as exc:
        call()
    assert exc.value.param == param
    assert log.log_types() == before                     # nothing changed
