/* mac and macswap (testpmd's): rewrite or swap the Ethernet addresses, forward. */
#include "strict.h"

#ifdef __SSSE3__
#include <tmmintrin.h>
#endif

#include "fwd_engine.h"

/* Swap the two MAC addresses at p; p must have 16 readable and writable bytes. */
static __rte_always_inline void swap16(uint8_t *p)
{
#ifdef __SSSE3__
    const __m128i perm = _mm_setr_epi8(6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 12, 13, 14, 15);
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

    _mm_storeu_si128((__m128i *)(void *)p, _mm_shuffle_epi8(v, perm));
#else
    swap_mac_bytes(p);
#endif
}

/* mac and macswap in one pass, prefetching the headers a few packets ahead (testpmd's
 * macswap_sse.h does the same): runts shorter than 16 bytes take the byte-wise path, and
 * shorter than 12 are left alone. */
#define MAC_PREFETCH_AHEAD 4

static __rte_always_inline uint16_t do_mac_any(const struct pydpdk_fwd_ctx *c,
                                               struct pydpdk_fwd_stream *s,
                                               struct rte_mbuf **pkts, int swap)
{
    uint64_t bytes = 0;
    uint16_t n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst), i;

    if (n == 0)
        return 0;
    for (i = 0; i < n && i < MAC_PREFETCH_AHEAD; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

        if (i + MAC_PREFETCH_AHEAD < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + MAC_PREFETCH_AHEAD], void *));
        bytes += m->pkt_len;
        if (likely(m->data_len >= 16)) {
            if (swap)
                swap16(p);
            else
                memcpy(p, s->mac_hdr, 2 * RTE_ETHER_ADDR_LEN);
        } else if (m->data_len >= 2 * RTE_ETHER_ADDR_LEN) {
            if (swap)
                swap_mac_bytes(p);
            else
                memcpy(p, s->mac_hdr, 2 * RTE_ETHER_ADDR_LEN);
        }
    }
    if (!c->count_bytes)
        bytes = 0;
    s->rx_packets += n;
    s->rx_bytes += bytes;
    send_burst(c, s, pkts, n, bytes);
    return n;
}

static __rte_always_inline uint16_t do_mac(const struct pydpdk_fwd_ctx *c,
                                           struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    return do_mac_any(c, s, pkts, 0);
}

static __rte_always_inline uint16_t do_macswap(const struct pydpdk_fwd_ctx *c,
                                               struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    return do_mac_any(c, s, pkts, 1);
}

PYDPDK_FWD_ENGINE(mac, do_mac)
PYDPDK_FWD_ENGINE(macswap, do_macswap)
