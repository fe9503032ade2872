/* 5tswap (testpmd's): swap the MAC addresses, the IPv4 or IPv6 addresses and the UDP/TCP ports,
 * so that the packet goes back as the answer of its flow, and forward it. Every swap exchanges
 * words the IPv4 header and the UDP/TCP checksums sum alike, so the checksums stay valid.
 * Headers are parsed in the first segment (Ether, up to two VLAN tags, IPv4 with options or a
 * bare IPv6 header); what is too short for a header, or not IP, has only its addresses swapped
 * as far as it goes. Ports are left alone in IPv4 fragments other than the first (they hold no
 * L4 header) and behind IPv6 extension headers (testpmd does not look behind them either). */
#include "strict.h"

#include <rte_ip.h>

#include "fwd_engine.h"

static __rte_always_inline void swap32_at(uint8_t *a, uint8_t *b)
{
    uint32_t t = load32(a);

    store32(a, load32(b));
    store32(b, t);
}

static __rte_always_inline void swap_5tuple(uint8_t *p, uint32_t len)
{
    uint32_t l2, l4;
    uint16_t type, t;
    uint8_t proto;

    if (len < 2 * RTE_ETHER_ADDR_LEN)
        return;
    swap_mac_bytes(p);
    l2 = l2_parse(p, len, &type);
    if (l2 == 0)
        return;
    if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
        const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(p + l2);
        uint32_t ihl;

        if (len < l2 + sizeof(*ip) || (ip->version_ihl >> 4) != 4)
            return;
        ihl = (ip->version_ihl & 0xf) * 4u;
        if (ihl < sizeof(*ip) || len < l2 + ihl)
            return;
        swap32_at(p + l2 + 12, p + l2 + 16);
        if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
            return;
        proto = ip->next_proto_id;
        l4 = l2 + ihl;
    } else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
        uint8_t *a = p + l2 + 8, *b = p + l2 + 24;
        int k;

        if (len < l2 + sizeof(struct rte_ipv6_hdr))
            return;
        for (k = 0; k < 16; k += 4)
            swap32_at(a + k, b + k);
        proto = p[l2 + 6];
        l4 = l2 + sizeof(struct rte_ipv6_hdr);
    } else {
        return;
    }
    if ((proto == IPPROTO_UDP || proto == IPPROTO_TCP) && len >= l4 + 4) {
        t = load16(p + l4);
        store16(p + l4, load16(p + l4 + 2));
        store16(p + l4 + 2, t);
    }
}

#define PREFETCH_AHEAD 4

static __rte_always_inline uint16_t do_5tswap(const struct pydpdk_fwd_ctx *c,
                                              struct pydpdk_fwd_stream *s, struct rte_mbuf **pkts)
{
    uint64_t bytes = 0;
    uint16_t n = rte_eth_rx_burst(s->rx_port, s->rx_queue, pkts, c->burst), i;

    if (n == 0)
        return 0;
    for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        if (i + PREFETCH_AHEAD < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
        bytes += m->pkt_len;
        swap_5tuple(rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
    }
    if (!c->count_bytes)
        bytes = 0;
    s->rx_packets += n;
    s->rx_bytes += bytes;
    send_burst(c, s, pkts, n, bytes);
    return n;
}

PYDPDK_FWD_ENGINE(fivetswap, do_5tswap)
