"""Our per-burst helpers (c/burst.c): mbufs from and to bytes, TX with compaction, the queue
handles' one-pointer calls, bulk free, header and length views, RX drain."""

INCLUDES = """
#include "burst.h"
"""

TYPES = """
struct pydpdk_queue {
    uint16_t port_id;
    uint16_t queue_id;
    uint16_t burst;
    struct rte_mbuf **pkts;
    uint8_t *busy;
};
"""

FUNCTIONS = """
int pydpdk_mbuf_from_bytes(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
    struct rte_mbuf **out);
int pydpdk_mbufs_from_buffer(struct rte_mempool *mp, const uint8_t *data, const uint32_t *lens,
    uint16_t n, struct rte_mbuf **out);
uint32_t pydpdk_mbuf_copy_out(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap);
int64_t pydpdk_mbufs_copy_out(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *buf,
    uint64_t cap, uint32_t *lens);
uint64_t pydpdk_mbufs_bytes(struct rte_mbuf *const *pkts, uint16_t n);
uint16_t pydpdk_tx_burst_compact(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts,
    uint16_t n);
int32_t pydpdk_rx_burst_flagged(uint8_t *flags, uint16_t port_id, uint16_t queue_id,
    struct rte_mbuf **pkts, uint16_t n);
int32_t pydpdk_tx_burst_flagged(uint8_t *flags, uint16_t port_id, uint16_t queue_id,
    struct rte_mbuf **pkts, uint16_t n);
uint8_t pydpdk_queue_flag_cas(uint8_t *flags, uint16_t queue, uint8_t from, uint8_t to);
int32_t pydpdk_queue_rx(const struct pydpdk_queue *q);
int32_t pydpdk_queue_tx(const struct pydpdk_queue *q, struct rte_mbuf **pkts, uint16_t n);
unsigned int pydpdk_ring_enqueue_compact(struct rte_ring *r, struct rte_mbuf **pkts, unsigned int n);
uint32_t pydpdk_rx_drain(uint16_t port_id, uint16_t queue_id, uint32_t max);
uint16_t pydpdk_free_bulk(struct rte_mbuf **pkts, uint16_t n);
int pydpdk_headers_view(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *out, uint16_t snap);
int pydpdk_pkt_lengths(struct rte_mbuf *const *pkts, uint16_t n, uint32_t *out);
"""

CUSTOMIZATIONS = ""
