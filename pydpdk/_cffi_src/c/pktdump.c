/* Packet summaries for testpmd's "set verbose" (see pktdump.h). The callbacks run on whichever
 * lcore polls the port; drain runs in the owner's thread. */
#include "strict.h"

#include <stddef.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_net.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "pktdump.h"

#define DUMP_CHUNK 32

struct dump_port {
    uint16_t nb_rxq, nb_txq;
    const struct rte_eth_rxtx_callback **rx;   /* nb_rxq entries (NULL: none) */
    const struct rte_eth_rxtx_callback **tx;
};

struct pydpdk_dump {
    struct rte_ring *ring;
    uint32_t inflight;         /* callbacks running now */
    uint32_t active;           /* 0: callbacks return at once */
    uint64_t bursts;           /* burst numbers handed out */
    uint64_t packets;          /* packets seen by the callbacks */
    uint64_t lost;             /* records not written: ring full */
    uint64_t ts_flag;          /* the RX timestamp dynflag (0: not registered when attached) */
    int ts_off;                /* and its dynfield's offset */
    struct dump_port ports[RTE_MAX_ETHPORTS];
};

static __rte_always_inline void fill(const struct pydpdk_dump *d, struct pydpdk_dump_rec *r,
                                     struct rte_mbuf *m, uint64_t burst, uint16_t port, uint16_t queue,
                                     uint16_t n, uint16_t index, uint8_t is_rx)
{
    struct rte_net_hdr_lens lens;
    const void *head;
    size_t k;

    memset(r, 0, offsetof(struct pydpdk_dump_rec, pool));
    r->burst = burst;
    r->ol_flags = m->ol_flags;
    if (d->ts_flag != 0 && (m->ol_flags & d->ts_flag) != 0) {
        r->has_timestamp = 1;
        r->timestamp = *RTE_MBUF_DYNFIELD(m, d->ts_off, rte_mbuf_timestamp_t *);
    }
    r->pkt_len = m->pkt_len;
    r->packet_type = m->packet_type;
    memset(&lens, 0, sizeof(lens));
    r->sw_ptype = rte_net_get_ptype(m, &lens, RTE_PTYPE_ALL_MASK);
    r->l2_len = lens.l2_len;
    r->l3_len = lens.l3_len;
    r->l4_len = lens.l4_len;
    r->tunnel_len = lens.tunnel_len;
    r->inner_l2_len = lens.inner_l2_len;
    r->inner_l3_len = lens.inner_l3_len;
    r->inner_l4_len = lens.inner_l4_len;
    r->rss = m->hash.rss;
    r->port = port;
    r->queue = queue;
    r->nb_pkts = n;
    r->index = index;
    r->nb_segs = m->nb_segs;
    r->vlan_tci = m->vlan_tci;
    r->vlan_tci_outer = m->vlan_tci_outer;
    r->is_rx = is_rx;
    r->head_len = (uint8_t)RTE_MIN(m->pkt_len, (uint32_t)PYDPDK_DUMP_HEAD);
    head = rte_pktmbuf_read(m, 0, r->head_len, r->head);
    if (head != NULL && head != (const void *)r->head)
        memcpy(r->head, head, r->head_len);
    k = 0;
    if (m->pool != NULL) {
        k = strnlen(m->pool->name, RTE_MIN(sizeof(m->pool->name), (size_t)PYDPDK_DUMP_POOL_NAME - 1));
        memcpy(r->pool, m->pool->name, k);
    }
    r->pool[k] = '\0';
}

static void dump_burst(struct pydpdk_dump *d, uint16_t port, uint16_t queue, struct rte_mbuf **pkts,
                       uint16_t n, uint8_t is_rx)
{
    struct pydpdk_dump_rec recs[DUMP_CHUNK];
    uint64_t burst, lost = 0;
    uint16_t done, chunk, i;
    unsigned int q;

    __atomic_fetch_add(&d->inflight, 1, __ATOMIC_ACQUIRE);
    if (!__atomic_load_n(&d->active, __ATOMIC_RELAXED))
        goto out;
    burst = __atomic_add_fetch(&d->bursts, 1, __ATOMIC_RELAXED);
    for (done = 0; done < n; done += chunk) {
        chunk = RTE_MIN(n - done, DUMP_CHUNK);
        for (i = 0; i < chunk; i++)
            fill(d, &recs[i], pkts[done + i], burst, port, queue, n, done + i, is_rx);
        q = rte_ring_enqueue_burst_elem(d->ring, recs, sizeof(recs[0]), chunk, NULL);
        lost += chunk - q;
    }
    __atomic_fetch_add(&d->packets, n, __ATOMIC_RELAXED);
    if (lost)
        __atomic_fetch_add(&d->lost, lost, __ATOMIC_RELAXED);
out:
    __atomic_fetch_sub(&d->inflight, 1, __ATOMIC_RELEASE);
}

static uint16_t rx_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t nb_pkts,
                      uint16_t max_pkts, void *user)
{
    (void)max_pkts;
    if (nb_pkts)
        dump_burst(user, port, queue, pkts, nb_pkts, 1);
    return nb_pkts;
}

static uint16_t tx_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t nb_pkts,
                      void *user)
{
    if (nb_pkts)
        dump_burst(user, port, queue, pkts, nb_pkts, 0);
    return nb_pkts;
}

struct pydpdk_dump *pydpdk_dump_new(const char *name, unsigned int ring_size)
{
    struct pydpdk_dump *d = rte_zmalloc("pydpdk_dump", sizeof(*d), RTE_CACHE_LINE_SIZE);

    if (d == NULL) {
        rte_errno = ENOMEM;
        return NULL;
    }
    d->ring = rte_ring_create_elem(name, sizeof(struct pydpdk_dump_rec), ring_size, SOCKET_ID_ANY,
                                   RING_F_SC_DEQ);
    if (d->ring == NULL) {
        int e = rte_errno;

        rte_free(d);
        rte_errno = e;
        return NULL;
    }
    d->active = 1;
    return d;
}

static void wait_idle(struct pydpdk_dump *d)
{
    /* a callback that already entered finishes before its records' ring may go away */
    while (__atomic_load_n(&d->inflight, __ATOMIC_ACQUIRE) != 0)
        rte_pause();
    rte_delay_us_sleep(1000);
    while (__atomic_load_n(&d->inflight, __ATOMIC_ACQUIRE) != 0)
        rte_pause();
}

int pydpdk_dump_detach(struct pydpdk_dump *d, uint16_t port)
{
    struct dump_port *p;
    uint16_t q;
    int rc = 0;

    if (port >= RTE_MAX_ETHPORTS)
        return -EINVAL;
    p = &d->ports[port];
    for (q = 0; p->rx != NULL && q < p->nb_rxq; q++)
        if (p->rx[q] != NULL && rte_eth_remove_rx_callback(port, q, p->rx[q]) < 0)
            rc = -EINVAL;
    for (q = 0; p->tx != NULL && q < p->nb_txq; q++)
        if (p->tx[q] != NULL && rte_eth_remove_tx_callback(port, q, p->tx[q]) < 0)
            rc = -EINVAL;
    if (p->rx != NULL || p->tx != NULL)
        wait_idle(d);
    rte_free(p->rx);
    rte_free(p->tx);
    memset(p, 0, sizeof(*p));
    return rc;
}

int pydpdk_dump_attach(struct pydpdk_dump *d, uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
                       int rx, int tx)
{
    struct dump_port *p;
    uint16_t q;

    if (port >= RTE_MAX_ETHPORTS)
        return -EINVAL;
    pydpdk_dump_detach(d, port);
    if (d->ts_flag == 0) {     /* as testpmd: the PMD registers it when it sets timestamps */
        int off = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
        int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);

        if (off >= 0 && bit >= 0) {
            d->ts_off = off;
            d->ts_flag = RTE_BIT64(bit);
        }
    }
    p = &d->ports[port];
    p->nb_rxq = rx ? nb_rxq : 0;
    p->nb_txq = tx ? nb_txq : 0;
    if (p->nb_rxq)
        p->rx = rte_zmalloc("pydpdk_dump_cb", sizeof(p->rx[0]) * p->nb_rxq, 0);
    if (p->nb_txq)
        p->tx = rte_zmalloc("pydpdk_dump_cb", sizeof(p->tx[0]) * p->nb_txq, 0);
    if ((p->nb_rxq && p->rx == NULL) || (p->nb_txq && p->tx == NULL)) {
        pydpdk_dump_detach(d, port);
        return -ENOMEM;
    }
    for (q = 0; q < p->nb_rxq; q++) {
        p->rx[q] = rte_eth_add_rx_callback(port, q, rx_cb, d);
        if (p->rx[q] == NULL)
            goto fail;
    }
    for (q = 0; q < p->nb_txq; q++) {
        p->tx[q] = rte_eth_add_tx_callback(port, q, tx_cb, d);
        if (p->tx[q] == NULL)
            goto fail;
    }
    return 0;
fail:
    {
        int e = rte_errno ? rte_errno : ENOTSUP;

        pydpdk_dump_detach(d, port);
        return -e;
    }
}

unsigned int pydpdk_dump_drain(struct pydpdk_dump *d, struct pydpdk_dump_rec *recs, unsigned int max)
{
    return rte_ring_dequeue_burst_elem(d->ring, recs, sizeof(recs[0]), max, NULL);
}

void pydpdk_dump_counts(const struct pydpdk_dump *d, uint64_t *packets, uint64_t *lost)
{
    *packets = __atomic_load_n(&d->packets, __ATOMIC_RELAXED);
    *lost = __atomic_load_n(&d->lost, __ATOMIC_RELAXED);
}

void pydpdk_dump_free(struct pydpdk_dump *d)
{
    uint16_t port;

    if (d == NULL)
        return;
    __atomic_store_n(&d->active, 0, __ATOMIC_RELAXED);
    for (port = 0; port < RTE_MAX_ETHPORTS; port++)
        pydpdk_dump_detach(d, port);
    wait_idle(d);
    rte_ring_free(d->ring);
    rte_free(d);
}
