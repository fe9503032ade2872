"""A port's receive-side scaling: redirection table and hash configuration."""
from __future__ import annotations

import errno
from typing import Any, Iterable, Mapping, Sequence

from .._native import ffi, lib
from ..errors import PortError, check, invalid
from .base import PortBase, key_size
from .tables import RSS_HASH_FUNCTIONS, mask_of

__all__ = ["RssMixin"]


class RssMixin(PortBase):
    """RSS RETA and hash."""

    def _reta_conf(self) -> tuple[Any, int]:
        size = self._dev_info_raw().reta_size
        if not size:
            raise PortError(errno.EOPNOTSUPP, f"{self._describe()} ({self.driver}) has no RSS redirection table",
                            "rte_eth_dev_rss_reta_query")
        groups = (size + lib.RTE_ETH_RETA_GROUP_SIZE - 1) // lib.RTE_ETH_RETA_GROUP_SIZE
        return ffi.new("struct rte_eth_rss_reta_entry64[]", groups), size

    def rss_reta(self) -> list[int]:
        """The RSS redirection table: entry i -> RX queue."""
        conf, size = self._reta_conf()
        g = lib.RTE_ETH_RETA_GROUP_SIZE
        for i in range(len(conf)):
            conf[i].mask = (1 << 64) - 1
        check(lib.rte_eth_dev_rss_reta_query(self._id, conf, size), "rte_eth_dev_rss_reta_query", PortError)
        return [conf[i // g].reta[i % g] for i in range(size)]

    def update_rss_reta(self, table: Sequence[int] | Mapping[int, int]) -> None:
        """Set RETA entries: a full list, or {entry: queue} for some entries."""
        conf, size = self._reta_conf()
        ctx = f"Port.update_rss_reta({self._describe()})"
        items = dict(enumerate(table)) if not isinstance(table, Mapping) else dict(table)
        if not isinstance(table, Mapping) and len(items) != size:
            raise invalid("table", f"{len(items)} entries", f"exactly {size} entries (or a dict)", ctx)
        g = lib.RTE_ETH_RETA_GROUP_SIZE
        for entry, q in items.items():
            if not isinstance(entry, int) or not 0 <= entry < size:
                raise invalid("entry", entry, f"0 to {size - 1}", ctx)
            if not isinstance(q, int) or not 0 <= q < self._nb_rxq:
                raise invalid("queue", q, f"0 to {self._nb_rxq - 1} (configured RX queues)", ctx)
            conf[entry // g].mask |= 1 << (entry % g)
            conf[entry // g].reta[entry % g] = q
        check(lib.rte_eth_dev_rss_reta_update(self._id, conf, size), "rte_eth_dev_rss_reta_update", PortError)

    def rss_hash_conf(self) -> tuple[list[str], bytes]:
        """(hash functions on, key)."""
        size = key_size(self._dev_info_raw())
        key = ffi.new("uint8_t[]", 256)   # some PMDs copy their key whatever length is asked
        conf = ffi.new("struct rte_eth_rss_conf *")
        conf.rss_key = key
        conf.rss_key_len = size
        check(lib.rte_eth_dev_rss_hash_conf_get(self._id, conf), "rte_eth_dev_rss_hash_conf_get", PortError)
        return ([n for n, b in RSS_HASH_FUNCTIONS.items() if conf.rss_hf & b == b],
                bytes(ffi.buffer(key, size)))

    def update_rss_hash(self, functions: Iterable[str] | int, key: bytes | None = None) -> None:
        """rte_eth_dev_rss_hash_update: the hash functions on, and optionally a new key."""
        ctx = f"Port.update_rss_hash({self._describe()})"
        info = self._dev_info_raw()
        conf = ffi.new("struct rte_eth_rss_conf *")
        conf.rss_hf = mask_of(functions, RSS_HASH_FUNCTIONS, "functions", ctx)
        keep = None
        if key is not None:
            if len(key) != key_size(info):
                raise invalid("key", f"{len(key)} bytes", f"{key_size(info)} bytes for this driver", ctx)
            keep = ffi.new("uint8_t[]", bytes(key))
            conf.rss_key, conf.rss_key_len = keep, len(key)
        check(lib.rte_eth_dev_rss_hash_update(self._id, conf), "rte_eth_dev_rss_hash_update", PortError)
        del keep

