/* testpmd's "set verbose N" without printing on the lcore: RX (and TX) callbacks summarise every
 * packet of a burst into one fixed-size record (the fields testpmd's dump_pkt_burst prints and
 * the first PYDPDK_DUMP_HEAD bytes) in a bounded multi-producer ring; a thread of the owner
 * drains the records and prints them. When the ring is full a record is not written and counts
 * as lost (the port's traffic is never held up).
 *
 *     d = pydpdk_dump_new("name", 4096);
 *     pydpdk_dump_attach(d, port, nb_rxq, nb_txq, rx, tx);   per port; then rx/tx bursts run
 *     n = pydpdk_dump_drain(d, recs, max);                    any thread (one at a time)
 *     pydpdk_dump_detach(d, port);                            waits for callbacks in flight
 *     pydpdk_dump_free(d);                                    detaches every port first
 */
#ifndef PYDPDK_PKTDUMP_H
#define PYDPDK_PKTDUMP_H
#include <stdint.h>

#define PYDPDK_DUMP_HEAD 64
#define PYDPDK_DUMP_POOL_NAME 32

struct pydpdk_dump_rec {
    uint64_t burst;            /* the burst's number (from 1, per dump object) */
    uint64_t ol_flags;
    uint64_t timestamp;        /* the RX timestamp dynamic field, when has_timestamp */
    uint32_t pkt_len;
    uint32_t packet_type;      /* the PMD's (hw ptype) */
    uint32_t sw_ptype;         /* rte_net_get_ptype(RTE_PTYPE_ALL_MASK) */
    uint32_t rss;              /* hash.rss (meaningful with RTE_MBUF_F_RX_RSS_HASH) */
    uint16_t port, queue;
    uint16_t nb_pkts;          /* packets in the burst */
    uint16_t index;            /* this packet's place in it */
    uint16_t nb_segs;
    uint16_t vlan_tci, vlan_tci_outer;
    uint16_t l3_len, tunnel_len, inner_l3_len;
    uint8_t l2_len, l4_len, inner_l2_len, inner_l4_len;
    uint8_t is_rx;
    uint8_t head_len;          /* bytes in head: min(pkt_len, PYDPDK_DUMP_HEAD) */
    uint8_t has_timestamp;     /* the mbuf has the RX timestamp flag set (e.g. net_pcap) */
    uint8_t _pad[5];
    char pool[PYDPDK_DUMP_POOL_NAME];
    uint8_t head[PYDPDK_DUMP_HEAD];
};

struct pydpdk_dump;

struct pydpdk_dump *pydpdk_dump_new(const char *name, unsigned int ring_size);
int pydpdk_dump_attach(struct pydpdk_dump *d, uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
                       int rx, int tx);
int pydpdk_dump_detach(struct pydpdk_dump *d, uint16_t port);
unsigned int pydpdk_dump_drain(struct pydpdk_dump *d, struct pydpdk_dump_rec *recs, unsigned int max);
void pydpdk_dump_counts(const struct pydpdk_dump *d, uint64_t *packets, uint64_t *lost);
void pydpdk_dump_free(struct pydpdk_dump *d);
#endif
