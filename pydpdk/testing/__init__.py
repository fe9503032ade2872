"""Test helpers for pydpdk and projects built on it (not imported by ``import pydpdk``).

- :mod:`pydpdk.testing.pytest_plugin`: the pytest fixtures (``dpdk_eal``, ``dpdk_pool``,
  ``ring_pair``, ``pcap_port``, ``kernel_peer``, ``testpmd_peer``, ``no_mbuf_leak``,
  ``wait_for``), registered by the ``pytest11`` entry point (docs/testing.md).
- :mod:`pydpdk.testing.peers`: the objects behind them (RingPair, PcapPort, KernelPeer,
  TestpmdPeer) and the leak check, usable without pytest.
- :mod:`pydpdk.testing.wait`: :func:`wait_for`, a condition with a deadline.
- :mod:`pydpdk.testing.frames`: :func:`make_frame`, :func:`drain`.
- :mod:`pydpdk.testing.netns`: veth pairs and network namespaces; :mod:`pydpdk.testing.testpmd`:
  dpdk-testpmd as a peer process; :mod:`pydpdk.testing.procs`: child-process helpers.
- :mod:`pydpdk.testing.niclab`: QEMU guests with emulated NICs, pydpdk running inside (host side).
- :mod:`pydpdk.testing.nicpair`: two cabled ports checked with pydpdk (guest or real hardware).
- :mod:`pydpdk.testing.guestcheck`: named, recorded checks for guest payloads.
"""
from .frames import drain, make_frame
from .wait import WaitTimeout, wait_for

__all__ = ["wait_for", "WaitTimeout", "make_frame", "drain"]
