/* In-process capture (see capture.h). The callbacks run on whichever lcore polls the port; the
 * writer (pydpdk_capture_drain) runs in the Python thread that owns the capture. */
#include "strict.h"
#include "dpdk_compat.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pcap/pcap.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_malloc.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_pcapng.h>
#include <rte_bpf.h>
#include "capture.h"

#define CAP_BURST 64

struct pydpdk_capture {
    rte_pcapng_t *pcapng;
    struct rte_ring *ring;
    struct rte_mempool *mp;
    struct rte_bpf *bpf;
    char *filter;                   /* the expression, recorded in the file's interface block */
    uint32_t snaplen;
    uint16_t port;
    uint16_t nb_rxq, nb_txq;
    const struct rte_eth_rxtx_callback *rx_cb[RTE_MAX_QUEUES_PER_PORT];
    const struct rte_eth_rxtx_callback *tx_cb[RTE_MAX_QUEUES_PER_PORT];
    volatile int active;
    uint32_t inflight;
    uint64_t seen, captured, filtered, dropped, written;
};

static struct rte_bpf *compile_filter(const char *filter, uint32_t snaplen, char *err,
                                      unsigned int errlen)
{
    struct bpf_program prog;
    struct rte_bpf_prm *prm;
    struct rte_bpf *bpf;
    pcap_t *pcap = pcap_open_dead(DLT_EN10MB, (int)snaplen);
    if (pcap == NULL) {
        snprintf(err, errlen, "pcap_open_dead failed");
        rte_errno = ENOMEM;
        return NULL;
    }
    if (pcap_compile(pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "%s", pcap_geterr(pcap));
        pcap_close(pcap);
        rte_errno = EINVAL;
        return NULL;
    }
    prm = rte_bpf_convert(&prog);
    pcap_freecode(&prog);
    pcap_close(pcap);
    if (prm == NULL) {
        snprintf(err, errlen, "rte_bpf_convert: %s", rte_strerror(rte_errno));
        return NULL;
    }
    bpf = rte_bpf_load(prm);
    rte_free(prm);
    if (bpf == NULL)
        snprintf(err, errlen, "rte_bpf_load: %s", rte_strerror(rte_errno));
    return bpf;
}

int pydpdk_bpf_check(const char *filter, uint32_t snaplen, char *err, unsigned int errlen)
{
    struct rte_bpf *bpf = compile_filter(filter, snaplen, err, errlen);
    if (bpf == NULL)
        return -rte_errno;
    rte_bpf_destroy(bpf);
    return 0;
}

struct pydpdk_capture *pydpdk_capture_new(int fd, const char *filter, uint32_t snaplen,
                                          unsigned int ring_size, unsigned int pool_size, unsigned int data_room,
                                          const char *name, char *err, unsigned int errlen)
{
    char rname[RTE_RING_NAMESIZE];
    struct pydpdk_capture *c = rte_zmalloc("pydpdk_capture", sizeof(*c), 0);
    if (c == NULL) {
        snprintf(err, errlen, "rte_zmalloc failed");
        rte_errno = ENOMEM;
        return NULL;
    }
    c->snaplen = snaplen;
    if (filter != NULL && filter[0] != '\0') {
        c->bpf = compile_filter(filter, snaplen, err, errlen);
        if (c->bpf == NULL)
            goto fail;
        c->filter = strdup(filter);
        if (c->filter == NULL) {
            snprintf(err, errlen, "strdup failed");
            rte_errno = ENOMEM;
            goto fail;
        }
    }
    snprintf(rname, sizeof(rname), "%s_r", name);
    c->ring = rte_ring_create(rname, ring_size, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (c->ring == NULL) {
        snprintf(err, errlen, "rte_ring_create(%s): %s", rname, rte_strerror(rte_errno));
        goto fail;
    }
    snprintf(rname, sizeof(rname), "%s_p", name);
    c->mp = rte_pktmbuf_pool_create_by_ops(rname, pool_size, 0, 0,
                                           data_room, SOCKET_ID_ANY,
                                           "ring_mp_mc");
    if (c->mp == NULL) {
        snprintf(err, errlen, "mempool %s: %s", rname, rte_strerror(rte_errno));
        goto fail;
    }
    c->pcapng = rte_pcapng_fdopen(fd, NULL, NULL, "pydpdk", NULL);
    if (c->pcapng == NULL) {
        snprintf(err, errlen, "rte_pcapng_fdopen: %s", rte_strerror(rte_errno));
        goto fail;
    }
    return c;
fail:
    {
        int e = rte_errno ? rte_errno : EINVAL;
        if (c->bpf) rte_bpf_destroy(c->bpf);
        free(c->filter);
        rte_ring_free(c->ring);
        rte_mempool_free(c->mp);
        rte_free(c);
        rte_errno = e;
    }
    return NULL;
}

static void capture_burst(struct pydpdk_capture *c, uint16_t port, uint16_t queue,
                          struct rte_mbuf **pkts, uint16_t n, enum rte_pcapng_direction dir)
{
    struct rte_mbuf *copies[CAP_BURST];
    uint64_t rcs[CAP_BURST];
    uint64_t ts;
    uint16_t i, done, chunk, k;
    unsigned int q;

    __atomic_fetch_add(&c->inflight, 1, __ATOMIC_ACQUIRE);
    if (!c->active)
        goto out;
    ts = rte_get_tsc_cycles();
    for (done = 0; done < n; done += chunk) {
        chunk = RTE_MIN(n - done, CAP_BURST);
        if (c->bpf != NULL)
            rte_bpf_exec_burst(c->bpf, (void **)&pkts[done], rcs, chunk);
        k = 0;
        for (i = 0; i < chunk; i++) {
            struct rte_mbuf *m;
            if (c->bpf != NULL && rcs[i] == 0) {
                __atomic_fetch_add(&c->filtered, 1, __ATOMIC_RELAXED);
                continue;
            }
            m = PYDPDK_PCAPNG_COPY(port, queue, pkts[done + i], c->mp, c->snaplen, ts, dir);
            if (m == NULL) {
                __atomic_fetch_add(&c->dropped, 1, __ATOMIC_RELAXED);
                continue;
            }
            copies[k++] = m;
        }
        q = rte_ring_enqueue_burst(c->ring, (void **)copies, k, NULL);
        __atomic_fetch_add(&c->captured, q, __ATOMIC_RELAXED);
        if (q < k) {
            __atomic_fetch_add(&c->dropped, k - q, __ATOMIC_RELAXED);
            rte_pktmbuf_free_bulk(&copies[q], k - q);
        }
    }
    __atomic_fetch_add(&c->seen, n, __ATOMIC_RELAXED);
out:
    __atomic_fetch_sub(&c->inflight, 1, __ATOMIC_RELEASE);
}

static uint16_t rx_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t nb_pkts,
                      uint16_t max_pkts, void *user)
{
    (void)max_pkts;
    if (nb_pkts)
        capture_burst(user, port, queue, pkts, nb_pkts, RTE_PCAPNG_DIRECTION_IN);
    return nb_pkts;
}

static uint16_t tx_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[], uint16_t nb_pkts,
                      void *user)
{
    if (nb_pkts)
        capture_burst(user, port, queue, pkts, nb_pkts, RTE_PCAPNG_DIRECTION_OUT);
    return nb_pkts;
}

int pydpdk_capture_attach(struct pydpdk_capture *c, uint16_t port, uint16_t nb_rxq,
                          uint16_t nb_txq, int rx, int tx)
{
    uint16_t q;

    if (PYDPDK_PCAPNG_ADD_INTERFACE(c->pcapng, port, c->filter) < 0)
        return -(rte_errno ? rte_errno : EINVAL);
    c->port = port;
    c->nb_rxq = rx ? nb_rxq : 0;
    c->nb_txq = tx ? nb_txq : 0;
    c->active = 1;
    for (q = 0; q < c->nb_rxq; q++) {
        c->rx_cb[q] = rte_eth_add_rx_callback(port, q, rx_cb, c);
        if (c->rx_cb[q] == NULL)
            goto fail;
    }
    for (q = 0; q < c->nb_txq; q++) {
        c->tx_cb[q] = rte_eth_add_tx_callback(port, q, tx_cb, c);
        if (c->tx_cb[q] == NULL)
            goto fail;
    }
    return 0;
fail:
    {
        int e = rte_errno ? rte_errno : ENOTSUP;
        pydpdk_capture_detach(c);
        return -e;
    }
}

int pydpdk_capture_detach(struct pydpdk_capture *c)
{
    uint16_t q;
    int rc = 0;
    c->active = 0;
    for (q = 0; q < c->nb_rxq; q++)
        if (c->rx_cb[q] != NULL) {
            if (rte_eth_remove_rx_callback(c->port, q, c->rx_cb[q]) < 0)
                rc = -1;
            c->rx_cb[q] = NULL;
        }
    for (q = 0; q < c->nb_txq; q++)
        if (c->tx_cb[q] != NULL) {
            if (rte_eth_remove_tx_callback(c->port, q, c->tx_cb[q]) < 0)
                rc = -1;
            c->tx_cb[q] = NULL;
        }
    /* a callback that already entered finishes before the ring and pool go away */
    while (__atomic_load_n(&c->inflight, __ATOMIC_ACQUIRE) != 0)
        rte_pause();
    rte_delay_us_sleep(1000);
    while (__atomic_load_n(&c->inflight, __ATOMIC_ACQUIRE) != 0)
        rte_pause();
    return rc;
}

int64_t pydpdk_capture_drain(struct pydpdk_capture *c, unsigned int max)
{
    struct rte_mbuf *pkts[CAP_BURST];
    int64_t total = 0;
    unsigned int n;
    while ((unsigned int)total < max) {
        n = rte_ring_dequeue_burst(c->ring, (void **)pkts, RTE_MIN(CAP_BURST, max - total), NULL);
        if (n == 0)
            break;
        /* 22.11's rte_pcapng_write_packets does not free the copies (whatever its comment
         * says): dpdk-dumpcap frees them after the write, and so do we */
        if (rte_pcapng_write_packets(c->pcapng, pkts, n) < 0) {
            int e = errno;
            rte_pktmbuf_free_bulk(pkts, n);
            return -e;
        }
        rte_pktmbuf_free_bulk(pkts, n);
        total += n;
        c->written += n;
    }
    return total;
}

void pydpdk_capture_counts(const struct pydpdk_capture *c, uint64_t *seen, uint64_t *captured,
                           uint64_t *filtered, uint64_t *dropped, uint64_t *written)
{
    *seen = __atomic_load_n(&c->seen, __ATOMIC_RELAXED);
    *captured = __atomic_load_n(&c->captured, __ATOMIC_RELAXED);
    *filtered = __atomic_load_n(&c->filtered, __ATOMIC_RELAXED);
    *dropped = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
    *written = c->written;
}

int pydpdk_capture_close(struct pydpdk_capture *c, uint16_t port, uint64_t start_ns,
                         uint64_t end_ns)
{
    int rc = 0;
    pydpdk_capture_detach(c);
    if (pydpdk_capture_drain(c, UINT32_MAX) < 0)
        rc = -1;
    if (PYDPDK_PCAPNG_WRITE_STATS(c->pcapng, port, start_ns, end_ns, c->seen, c->dropped) < 0)
        rc = -1;
    rte_pcapng_close(c->pcapng);      /* closes the fd */
    if (c->bpf)
        rte_bpf_destroy(c->bpf);
    free(c->filter);
    rte_ring_free(c->ring);
    rte_mempool_free(c->mp);
    rte_free(c);
    return rc;
}
