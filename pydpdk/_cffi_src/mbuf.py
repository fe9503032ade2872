"""rte_mbuf.h, rte_mbuf_core.h, rte_mbuf_ptype.h: packet buffers and their metadata."""

INCLUDES = """
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>
"""

TYPES = """
#define RTE_MBUF_F_RX_VLAN ...
#define RTE_MBUF_F_RX_RSS_HASH ...
#define RTE_MBUF_F_RX_VLAN_STRIPPED ...
#define RTE_MBUF_F_RX_IP_CKSUM_MASK ...
#define RTE_MBUF_F_RX_IP_CKSUM_GOOD ...
#define RTE_MBUF_F_RX_IP_CKSUM_BAD ...
#define RTE_MBUF_F_RX_L4_CKSUM_MASK ...
#define RTE_MBUF_F_RX_L4_CKSUM_GOOD ...
#define RTE_MBUF_F_RX_L4_CKSUM_BAD ...
#define RTE_MBUF_F_TX_VLAN ...
#define RTE_MBUF_F_TX_IPV4 ...
#define RTE_MBUF_F_TX_IP_CKSUM ...
#define RTE_MBUF_F_TX_UDP_CKSUM ...
#define RTE_MBUF_F_TX_TCP_CKSUM ...
#define RTE_PTYPE_L2_MASK ...
#define RTE_PTYPE_L3_MASK ...
#define RTE_PTYPE_L4_MASK ...

struct rte_mbuf {
    void *buf_addr;
    uint16_t data_off;
    uint16_t refcnt;
    uint16_t nb_segs;
    uint16_t port;
    uint64_t ol_flags;
    uint32_t packet_type;
    uint32_t pkt_len;
    uint16_t data_len;
    uint16_t vlan_tci;
    uint16_t vlan_tci_outer;
    uint16_t buf_len;
    struct rte_mempool *pool;
    struct rte_mbuf *next;
    ...;
};
"""

FUNCTIONS = """
struct rte_mbuf *rte_pktmbuf_alloc(struct rte_mempool *mp);
int rte_pktmbuf_alloc_bulk(struct rte_mempool *pool, struct rte_mbuf **mbufs, unsigned int count);
void rte_pktmbuf_free(struct rte_mbuf *m);
void rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count);
void rte_pktmbuf_reset(struct rte_mbuf *m);
char *rte_pktmbuf_append(struct rte_mbuf *m, uint16_t len);
char *rte_pktmbuf_prepend(struct rte_mbuf *m, uint16_t len);
char *rte_pktmbuf_adj(struct rte_mbuf *m, uint16_t len);
int rte_pktmbuf_trim(struct rte_mbuf *m, uint16_t len);
int rte_pktmbuf_chain(struct rte_mbuf *head, struct rte_mbuf *tail);
uint16_t rte_pktmbuf_headroom(const struct rte_mbuf *m);
uint16_t rte_pktmbuf_tailroom(const struct rte_mbuf *m);
int rte_pktmbuf_is_contiguous(const struct rte_mbuf *m);
int rte_pktmbuf_linearize(struct rte_mbuf *mbuf);
struct rte_mbuf *rte_pktmbuf_copy(const struct rte_mbuf *m, struct rte_mempool *mp,
    uint32_t offset, uint32_t length);
const void *rte_pktmbuf_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *buf);
const char *rte_get_rx_ol_flag_name(uint64_t mask);
const char *rte_get_tx_ol_flag_name(uint64_t mask);
int rte_get_ptype_name(uint32_t ptype, char *buf, size_t buflen);
uint32_t pydpdk_mbuf_rss_hash(const struct rte_mbuf *m);
void pydpdk_mbuf_set_rss_hash(struct rte_mbuf *m, uint32_t hash);
"""

CUSTOMIZATIONS = """
static uint32_t pydpdk_mbuf_rss_hash(const struct rte_mbuf *m) { return m->hash.rss; }
static void pydpdk_mbuf_set_rss_hash(struct rte_mbuf *m, uint32_t hash) { m->hash.rss = hash; }
"""
