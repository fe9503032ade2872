"""Test helpers for pydpdk and projects built on it (not imported by ``import pydpdk``).

- :mod:`pydpdk.testing.niclab`: QEMU guests with emulated NICs, pydpdk running inside (host side).
- :mod:`pydpdk.testing.nicpair`: two cabled ports checked with pydpdk (guest or real hardware).
- :mod:`pydpdk.testing.guestcheck`: named, recorded checks for guest payloads.
"""
