/* Per-burst helpers for pydpdk's Python burst API. See burst.h. */
#include "strict.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <rte_ethdev.h>
#include <rte_memcpy.h>
#include <rte_ring.h>
#include "burst.h"

int pydpdk_mbuf_from_bytes(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
                           struct rte_mbuf **out)
{
    struct rte_mbuf *head = NULL, *tail = NULL;
    uint32_t done = 0;

    do {
        struct rte_mbuf *seg = rte_pktmbuf_alloc(mp);
        uint16_t room, chunk;

        if (seg == NULL) {
            if (head != NULL)
                rte_pktmbuf_free(head);
            return -ENOMEM;
        }
        room = rte_pktmbuf_tailroom(seg);
        chunk = (len - done) < room ? (uint16_t)(len - done) : room;
        if (chunk > 0)
            memcpy(rte_pktmbuf_mtod(seg, uint8_t *), data + done, chunk);
        seg->data_len = chunk;
        seg->pkt_len = chunk;
        done += chunk;
        if (head == NULL) {
            head = seg;
        } else {
            tail->next = seg;
            head->nb_segs++;
            head->pkt_len += chunk;
        }
        tail = seg;
    } while (done < len);
    *out = head;
    return 0;
}

int pydpdk_mbufs_from_buffer(struct rte_mempool *mp, const uint8_t *data, const uint32_t *lens,
                             uint16_t n, struct rte_mbuf **out)
{
    uint64_t off = 0;
    uint16_t i;

    for (i = 0; i < n; i++) {
        if (pydpdk_mbuf_from_bytes(mp, data + off, lens[i], &out[i]) < 0) {
            rte_pktmbuf_free_bulk(out, i);
            return -ENOMEM;
        }
        off += lens[i];
    }
    return n;
}

uint32_t pydpdk_mbuf_copy_out(const struct rte_mbuf *m, uint8_t *buf, uint32_t cap)
{
    uint32_t done = 0;

    for (; m != NULL && done < cap; m = m->next) {
        uint32_t chunk = m->data_len;
        if (chunk > cap - done)
            chunk = cap - done;
        memcpy(buf + done, rte_pktmbuf_mtod(m, const uint8_t *), chunk);
        done += chunk;
    }
    return done;
}

uint64_t pydpdk_mbufs_bytes(struct rte_mbuf *const *pkts, uint16_t n)
{
    uint64_t total = 0;
    uint16_t i;

    for (i = 0; i < n; i++)
        total += pkts[i]->pkt_len;
    return total;
}

int64_t pydpdk_mbufs_copy_out(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *buf,
                              uint64_t cap, uint32_t *lens)
{
    uint64_t need = pydpdk_mbufs_bytes(pkts, n), off = 0;
    uint16_t i;

    if (need > cap)
        return -(int64_t)need;
    for (i = 0; i < n; i++) {
        lens[i] = pydpdk_mbuf_copy_out(pkts[i], buf + off, pkts[i]->pkt_len);
        off += lens[i];
    }
    return (int64_t)off;
}

uint16_t pydpdk_tx_burst_compact(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **pkts,
                                 uint16_t n)
{
    uint16_t sent = rte_eth_tx_burst(port_id, queue_id, pkts, n);

    if (sent > 0 && sent < n)
        memmove(pkts, pkts + sent, (size_t)(n - sent) * sizeof(*pkts));
    return sent;
}

/* Take a queue's flag (0 -> 1): 0, or -(the value seen) when it was not free. */
static inline int32_t flag_enter(uint8_t *flag)
{
    uint8_t seen = 0;

    if (__atomic_compare_exchange_n(flag, &seen, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
        return 0;
    return -(int32_t)seen;
}

/* Give it back (1 -> 0); a flag marked dead meanwhile stays dead. */
static inline void flag_leave(uint8_t *flag)
{
    uint8_t held = 1;

    __atomic_compare_exchange_n(flag, &held, 0, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

static inline int32_t rx_flagged(uint8_t *flag, uint16_t port_id, uint16_t queue_id,
                                 struct rte_mbuf **pkts, uint16_t n)
{
    int32_t rc = flag_enter(flag);
    uint16_t got;

    if (rc != 0)
        return rc;
    got = rte_eth_rx_burst(port_id, queue_id, pkts, n);
    flag_leave(flag);
    return got;
}

static inline int32_t tx_flagged(uint8_t *flag, uint16_t port_id, uint16_t queue_id,
                                 struct rte_mbuf **pkts, uint16_t n)
{
    int32_t rc = flag_enter(flag);
    uint16_t sent;

    if (rc != 0)
        return rc;
    sent = rte_eth_tx_burst(port_id, queue_id, pkts, n);
    flag_leave(flag);
    if (sent > 0 && sent < n)
        memmove(pkts, pkts + sent, (size_t)(n - sent) * sizeof(*pkts));
    return sent;
}

int32_t pydpdk_rx_burst_flagged(uint8_t *flags, uint16_t port_id, uint16_t queue_id,
                                struct rte_mbuf **pkts, uint16_t n)
{
    return rx_flagged(&flags[queue_id], port_id, queue_id, pkts, n);
}

int32_t pydpdk_tx_burst_flagged(uint8_t *flags, uint16_t port_id, uint16_t queue_id,
                                struct rte_mbuf **pkts, uint16_t n)
{
    return tx_flagged(&flags[queue_id], port_id, queue_id, pkts, n);
}

uint8_t pydpdk_queue_flag_cas(uint8_t *flags, uint16_t queue, uint8_t from, uint8_t to)
{
    uint8_t seen = from;

    __atomic_compare_exchange_n(&flags[queue], &seen, to, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    return seen;
}

int32_t pydpdk_queue_rx(const struct pydpdk_queue *q)
{
    return rx_flagged(q->busy, q->port_id, q->queue_id, q->pkts, q->burst);
}

int32_t pydpdk_queue_tx(const struct pydpdk_queue *q, struct rte_mbuf **pkts, uint16_t n)
{
    return tx_flagged(q->busy, q->port_id, q->queue_id, pkts, n);
}

unsigned int pydpdk_ring_enqueue_compact(struct rte_ring *r, struct rte_mbuf **pkts, unsigned int n)
{
    unsigned int done = rte_ring_enqueue_burst(r, (void *const *)pkts, n, NULL);

    if (done > 0 && done < n)
        memmove(pkts, pkts + done, (size_t)(n - done) * sizeof(*pkts));
    return done;
}

#define DRAIN_BURST 64

uint32_t pydpdk_rx_drain(uint16_t port_id, uint16_t queue_id, uint32_t max)
{
    struct rte_mbuf *pkts[DRAIN_BURST];
    struct rte_eth_dev_info info;
    uint32_t total = 0;
    uint16_t n;

    if (!rte_eth_dev_is_valid_port(port_id) || rte_eth_dev_info_get(port_id, &info) != 0 ||
        queue_id >= info.nb_rx_queues)
        return 0;
    while (total < max) {
        n = rte_eth_rx_burst(port_id, queue_id, pkts,
                             (uint16_t)RTE_MIN(max - total, (uint32_t)DRAIN_BURST));
        if (n == 0)
            break;
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
    }
    return total;
}

uint16_t pydpdk_free_bulk(struct rte_mbuf **pkts, uint16_t n)
{
    rte_pktmbuf_free_bulk(pkts, n);
    return n;
}

int pydpdk_headers_view(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *out, uint16_t snap)
{
    uint16_t i;

    for (i = 0; i < n; i++, out += snap) {
        const struct rte_mbuf *m = pkts[i];
        uint32_t len = 0;

        if (m != NULL) {
            len = RTE_MIN(m->pkt_len, (uint32_t)snap);
            if (likely(m->data_len >= len)) {
                rte_memcpy(out, rte_pktmbuf_mtod(m, const void *), len);
            } else {
                const void *p = rte_pktmbuf_read(m, 0, len, out);

                if (p == NULL)
                    len = 0;
                else if (p != out)
                    memcpy(out, p, len);
            }
        }
        if (len < snap)
            memset(out + len, 0, snap - len);
    }
    return n;
}

int pydpdk_pkt_lengths(struct rte_mbuf *const *pkts, uint16_t n, uint32_t *out)
{
    uint16_t i;

    for (i = 0; i < n; i++)
        out[i] = pkts[i] != NULL ? pkts[i]->pkt_len : 0;
    return n;
}
