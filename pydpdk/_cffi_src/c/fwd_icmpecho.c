/* icmpecho (testpmd's): answer ARP requests and ICMP echo requests in place, drop the rest. */
#include "strict.h"

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "fwd_engine.h"

/* Turn an ARP request (for any address) or an ICMP echo request into its reply, in place.
 * mac is the receiving port's address. Returns 0 (packet left untouched) for anything else. */
static inline int echo_reply(struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
    uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
    uint32_t len = m->data_len, l2, ihl;
    uint16_t type;

    l2 = l2_parse(p, len, &type);
    if (l2 == 0)
        return 0;
    if (type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
        struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + l2);
        struct rte_arp_ipv4 *a = &arp->arp_data;
        uint32_t ip;

        if (len < l2 + sizeof(*arp) || arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
            arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
            arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
            arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
            return 0;
        arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
        a->arp_tha = a->arp_sha;
        a->arp_sha = *mac;
        ip = a->arp_sip;
        a->arp_sip = a->arp_tip;
        a->arp_tip = ip;
        memcpy(p, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
        memcpy(p + RTE_ETHER_ADDR_LEN, mac, RTE_ETHER_ADDR_LEN);
        return 1;
    }
    if (type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || len < l2 + sizeof(struct rte_ipv4_hdr))
        return 0;
    {
        struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + l2);
        struct rte_icmp_hdr *icmp;
        uint32_t src = ip->src_addr, dst = ip->dst_addr;
        uint16_t before, after;

        ihl = (ip->version_ihl & 0xf) * 4u;
        if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) ||
            len < l2 + ihl + sizeof(struct rte_icmp_hdr) || ip->next_proto_id != IPPROTO_ICMP ||
            (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
            return 0;
        icmp = (struct rte_icmp_hdr *)(p + l2 + ihl);
        if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
            return 0;
        swap_mac_bytes(p);
        if ((rte_be_to_cpu_32(dst) & 0xf0000000u) == 0xe0000000u) {
            /* To a multicast group: answer from the other host of the sender's /30. */
            uint32_t h = rte_be_to_cpu_32(src);
            uint32_t me = rte_cpu_to_be_32((h & ~3u) | ((h & 3u) == 1 ? 2u : 1u));

            ip->src_addr = me;
            ip->hdr_checksum = cksum_update(ip->hdr_checksum, sum32(dst), sum32(me));
        } else {
            ip->src_addr = dst; /* a swap keeps the header checksum */
        }
        ip->dst_addr = src;
        before = load16((const uint8_t *)icmp);
        icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
        after = load16((const uint8_t *)icmp);
        icmp->icmp_cksum = cksum_update(icmp->icmp_cksum, before, after);
        return 1;
    }
}

static __rte_always_inline uint16_t do_icmpecho(const struct pydpdk_fwd_ctx *c, struct pydpdk_fwd_stream *s,
                                                struct rte_mbuf **pkts)
{
    uint64_t bytes, out_bytes = 0;
    uint16_t n = recv_burst(c, s, pkts, &bytes), i, nb_reply = 0;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];

        if (i + 1 < n)
            rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
        if (echo_reply(m, &s->rx_mac)) {
            pkts[nb_reply++] = m;
            out_bytes += m->pkt_len;
        } else {
            s->other_dropped++;
            rte_pktmbuf_free(m);
        }
    }
    if (nb_reply != 0)
        send_burst(c, s, pkts, nb_reply, c->count_bytes ? out_bytes : 0);
    return n;
}

PYDPDK_FWD_ENGINE(icmpecho, do_icmpecho)
