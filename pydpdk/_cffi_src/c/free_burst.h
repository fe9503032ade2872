/* free_burst(): how pydpdk's own engines free a received burst (rxonly, flowgen's RX side, the
 * generator's receive engine). Header-only and inlined into each engine's loop; shared so that
 * there is one implementation of the fast free. */
#ifndef PYDPDK_FREE_BURST_H
#define PYDPDK_FREE_BURST_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

/* Free a received burst, as rte_pktmbuf_free_bulk() would, and return the sum of its pkt_len
 * (0 unless count). The common case, a single-segment direct mbuf held once and from the first
 * mbuf's pool, is collected and returned to that pool in one rte_mempool_put_bulk() without
 * reading the mbuf's second cache line (by the mbuf invariant, a packet of nb_segs 1 has no
 * next segment); anything else goes through rte_pktmbuf_free(). Inlined, so the byte count
 * shares the loop, and no call through the PLT. */
static __rte_always_inline uint64_t free_burst(struct rte_mbuf **pkts, uint16_t n, int count)
{
    struct rte_mempool *mp = pkts[0]->pool;
    uint64_t bytes = 0;
    uint16_t i, k = 0;

    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        if (count)
            bytes += m->pkt_len;
        if (likely(m->pool == mp && m->nb_segs == 1 && rte_mbuf_refcnt_read(m) == 1 &&
                   RTE_MBUF_DIRECT(m)))
            pkts[k++] = m;
        else
            rte_pktmbuf_free(m);
    }
    if (k != 0)
        rte_mempool_put_bulk(mp, (void **)pkts, k);
    return bytes;
}

#endif
