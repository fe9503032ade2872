/* csum: testpmd's csum engine in its software form ("csum set ip|udp|tcp sw", no tunnels, no
 * TSO): set the Ethernet addresses as mac does, verify the IPv4 header checksum and the UDP/TCP
 * checksum of every packet in software, count the bad ones (bad_ip_csum, bad_l4_csum) and
 * rewrite them correct, then forward. Good checksums are left as they are (recomputing them
 * would give the same value), so a packet of valid checksums comes out with only its MACs
 * changed.
 *
 * Parsed: Ethernet, up to two VLAN tags, IPv4 (with options) or a bare IPv6 header, then UDP or
 * TCP; the headers must be in the first segment, the L4 payload may span segments. Not checked:
 * IPv4 fragments (the L4 checksum covers the reassembled datagram), UDP over IPv4 with checksum
 * 0 (none), packets whose IP length exceeds what was received, other protocols; testpmd's
 * hardware offload flags (RX "checksum bad" flags, TX offload requests) are neither read nor
 * set. */
#include "strict.h"

#include <rte_ip.h>

#include "fwd_engine.h"

#define PREFETCH_AHEAD 4

/* One's complement sum of the L4 bytes [off, off + len) of m plus phdr, folded. */
static __rte_always_inline uint16_t l4_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len,
                                           uint32_t phdr)
{
    uint16_t raw = 0;

    if (rte_raw_cksum_mbuf(m, off, len, &raw) != 0)
        return 0;
    return fold(phdr + raw);
}

static __rte_always_inline void check_packet(struct rte_mbuf *m, struct pydpdk_fwd_stream *s)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    const uint32_t len = m->data_len;
    uint32_t l2, l4, l4_len, phdr, ck_off;
    uint16_t type, ck;
    uint8_t proto;

    l2 = l2_parse(p, len, &type);
    if (l2 == 0)
        return;
    if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2);
        uint32_t ihl, tot;

        if (len < l2 + sizeof(*ip) || (ip->version_ihl >> 4) != 4)
            return;
        ihl = (ip->version_ihl & 0xf) * 4u;
        if (ihl < sizeof(*ip) || len < l2 + ihl)
            return;
        if (fold(rte_raw_cksum(ip, ihl)) != 0xffff) {
            s->bad_ip_csum++;
            ip->hdr_checksum = 0;
            ip->hdr_checksum = (uint16_t)~rte_raw_cksum(ip, ihl);
        }
        tot = rte_be_to_cpu_16(ip->total_length);
        if (tot < ihl || tot > m->pkt_len - l2 ||
            (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)))
            return;
        proto = ip->next_proto_id;
        l4 = l2 + ihl;
        l4_len = tot - ihl;
        phdr = sum32(ip->src_addr) + sum32(ip->dst_addr);
    } else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
        const uint8_t *a = p + l2 + 8;
        int k;

        if (len < l2 + sizeof(struct rte_ipv6_hdr))
            return;
        l4 = l2 + sizeof(struct rte_ipv6_hdr);
        l4_len = rte_be_to_cpu_16(load16(p + l2 + 4));
        if (l4_len > m->pkt_len - l4)
            return;
        proto = p[l2 + 6];
        phdr = 0;
        for (k = 0; k < 32; k += 4)
            phdr += sum32(load32(a + k));
    } else {
        return;
    }
    if (proto == IPPROTO_UDP) {
        if (l4_len < 8 || len < l4 + 8)
            return;
        ck_off = l4 + 6;
        if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && load16(p + ck_off) == 0)
            return; /* no checksum */
    } else if (proto == IPPROTO_TCP) {
        if (l4_len < 20 || len < l4 + 20)
            return;
        ck_off = l4 + 16;
    } else {
        return;
    }
    phdr += rte_cpu_to_be_16(proto) + rte_cpu_to_be_16((uint16_t)l4_len);
    if (l4_sum(m, l4, l4_len, phdr) == 0xffff)
        return;
    s->bad_l4_csum++;
    store16(p + ck_off, 0);
    ck = (uint16_t)~l4_sum(m, l4, l4_len, phdr);
    if (ck == 0 && proto == IPPROTO_UDP)
        ck = 0xffff;
    store16(p + ck_off, ck);
}

static __rte_always_inline uint16_t do_csum(const struct pydpdk_fwd_ctx *c,
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
        if (m->data_len >= 2 * RTE_ETHER_ADDR_LEN)
            memcpy(rte_pktmbuf_mtod(m, uint8_t *), s->mac_hdr, 2 * RTE_ETHER_ADDR_LEN);
        check_packet(m, s);
    }
    if (!c->count_bytes)
        bytes = 0;
    s->rx_packets += n;
    s->rx_bytes += bytes;
    send_burst(c, s, pkts, n, bytes);
    return n;
}

PYDPDK_FWD_ENGINE(csum, do_csum)
