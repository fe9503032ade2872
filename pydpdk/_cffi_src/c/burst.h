/* Per-burst helpers for pydpdk's Python burst API: one C call per burst, never per packet. */
#ifndef PYDPDK_BURST_H
#define PYDPDK_BURST_H

#include <stdint.h>
#include <rte_mbuf.h>

/* Build one mbuf (chained when len exceeds one segment's room) holding a copy of data[0:len].
 * Returns 0, or -ENOMEM when the pool ran dry (nothing is leaked). */
int pydpdk_mbuf_from_bytes(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
                           struct rte_mbuf **out);

/* Build n mbufs from packets packed back to back in data, packet i being lens[i] bytes long.
 * Returns n, or -ENOMEM with nothing allocated. */
int pydpdk_mbufs_from_buffer(struct rte_mempool *mp, const uint8_t *data, const uint32_t *lens,
                             uint16_t n, struct rte_mbuf **out);

/* Copy the whole packet (every segment) into buf; returns the bytes copied (at most cap). */
uint32_t pydpdk_mbuf_copy_out(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap);

/* Copy n packets back to back into buf and their lengths into lens.
 * Returns the total, or -(bytes needed) when cap is too small (nothing copied). */
int64_t pydpdk_mbufs_copy_out(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *buf,
                              uint64_t cap, uint32_t *lens);

/* Sum of pkt_len over a burst. */
uint64_t pydpdk_mbufs_bytes(struct rte_mbuf *const *pkts, uint16_t n);

/* rte_eth_tx_burst, then move the unsent mbufs to the front of pkts. Returns the number sent. */
uint16_t pydpdk_tx_burst_compact(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts,
                                 uint16_t n);

/* Per-queue busy flags, one uint8_t per queue in an array the Port owns: 0 free, 1 a Python
 * burst is in C, 2 an engine owns the queue, 3 dead (the port was reconfigured, reset, closed or
 * detached), 4 the port is stopped. A Python burst takes a free flag with a compare-and-swap
 * and gives it back the same way, in C, after cffi released the GIL: so two threads are never
 * both in a queue. The burst calls below return the count, or -(the flag seen) when the queue
 * was not free (nothing done). */
int32_t pydpdk_rx_burst_flagged(uint8_t *flags, uint16_t port_id, uint16_t queue_id,
                                struct rte_mbuf **pkts, uint16_t n);
/* pydpdk_tx_burst_compact under the queue's flag. */
int32_t pydpdk_tx_burst_flagged(uint8_t *flags, uint16_t port_id, uint16_t queue_id,
                                struct rte_mbuf **pkts, uint16_t n);
/* flags[queue]: from -> to if it holds from; returns the value seen (from when it was set). */
uint8_t pydpdk_queue_flag_cas(uint8_t *flags, uint16_t queue, uint8_t from, uint8_t to);

/* A queue handle's fixed part (pydpdk.ethdev.queues): everything checked once when it was
 * made, so the per-burst calls take one pointer instead of four converted arguments. */
struct pydpdk_queue {
    uint16_t port_id;
    uint16_t queue_id;
    uint16_t burst;             /* RX: how many packets to ask for */
    struct rte_mbuf **pkts;     /* RX: the handle's burst array, received into */
    uint8_t *busy;              /* this queue's flag in the port's array (kept alive by the handle) */
};

/* pydpdk_rx_burst_flagged(q->busy, q->port_id, q->queue_id, q->pkts, q->burst). */
int32_t pydpdk_queue_rx(const struct pydpdk_queue *q);

/* pydpdk_tx_burst_flagged on q's flag, port and queue: the unsent move to the front of pkts. */
int32_t pydpdk_queue_tx(const struct pydpdk_queue *q, struct rte_mbuf **pkts, uint16_t n);

/* rte_ring_enqueue_burst, then move what did not fit to the front. Returns the number enqueued. */
unsigned int pydpdk_ring_enqueue_compact(struct rte_ring *r, struct rte_mbuf **pkts, unsigned int n);

/* Receive and free up to max packets from one rx queue; returns the number freed. */
uint32_t pydpdk_rx_drain(uint16_t port_id, uint16_t queue_id, uint32_t max);

/* Free n packets (all segments; NULL entries are skipped). Returns n. */
uint16_t pydpdk_free_bulk(struct rte_mbuf **pkts, uint16_t n);

/* Copy the first snap bytes of each packet (across segments) into out[i * snap], zero-padding
 * short packets. Returns n. */
int pydpdk_headers_view(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *out, uint16_t snap);

/* out[i] = pkt_len of packet i. Returns n. */
int pydpdk_pkt_lengths(struct rte_mbuf *const *pkts, uint16_t n, uint32_t *out);

#endif
