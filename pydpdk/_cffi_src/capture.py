"""rte_pcapng.h, rte_pdump.h, rte_bpf.h and our capture helpers (c/capture.c): RX/TX callbacks
that copy packets into pcapng, filtered by libpcap expressions run as DPDK BPF; and the packet
summaries of testpmd's "set verbose" (c/pktdump.c)."""

INCLUDES = """
#include <rte_pdump.h>
#include <rte_pcapng.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>
#include "capture.h"
#include "pktdump.h"
"""

TYPES = """
struct pydpdk_capture;
#define RTE_PDUMP_FLAG_RXTX ...
#define RTE_MBUF_F_RX_QINQ ...
#define RTE_MBUF_F_TX_QINQ ...
#define RTE_MBUF_F_RX_FDIR ...
#define PYDPDK_DUMP_HEAD ...
#define RTE_PTYPE_L4_UDP ...
#define RTE_PTYPE_L4_TCP ...
#define RTE_PTYPE_INNER_L2_MASK ...
#define RTE_PTYPE_INNER_L3_MASK ...
#define RTE_PTYPE_INNER_L4_MASK ...

struct pydpdk_dump_rec {
    uint64_t burst;
    uint64_t ol_flags;
    uint64_t timestamp;
    uint32_t pkt_len;
    uint32_t packet_type;
    uint32_t sw_ptype;
    uint32_t rss;
    uint16_t port, queue;
    uint16_t nb_pkts;
    uint16_t index;
    uint16_t nb_segs;
    uint16_t vlan_tci, vlan_tci_outer;
    uint16_t l3_len, tunnel_len, inner_l3_len;
    uint8_t l2_len, l4_len, inner_l2_len, inner_l4_len;
    uint8_t is_rx;
    uint8_t head_len;
    uint8_t has_timestamp;
    char pool[...];
    uint8_t head[...];
    ...;
};
struct pydpdk_dump;
"""

FUNCTIONS = """
int rte_pdump_init(void);
uint32_t rte_pcapng_mbuf_size(uint32_t length);
int rte_pdump_uninit(void);

struct pydpdk_capture *pydpdk_capture_new(int fd, const char *filter, uint32_t snaplen,
    unsigned int ring_size, unsigned int pool_size, unsigned int data_room, const char *name, char *err,
    unsigned int errlen);
int pydpdk_capture_attach(struct pydpdk_capture *c, uint16_t port, uint16_t nb_rxq,
    uint16_t nb_txq, int rx, int tx);
int pydpdk_capture_detach(struct pydpdk_capture *c);
int64_t pydpdk_capture_drain(struct pydpdk_capture *c, unsigned int max);
void pydpdk_capture_counts(const struct pydpdk_capture *c, uint64_t *seen, uint64_t *captured,
    uint64_t *filtered, uint64_t *dropped, uint64_t *written);
int pydpdk_capture_close(struct pydpdk_capture *c, uint16_t port, uint64_t start_ns,
    uint64_t end_ns);
int pydpdk_bpf_check(const char *filter, uint32_t snaplen, char *err, unsigned int errlen);

int rte_get_rx_ol_flag_list(uint64_t mask, char *buf, size_t buflen);
int rte_get_tx_ol_flag_list(uint64_t mask, char *buf, size_t buflen);

struct pydpdk_dump *pydpdk_dump_new(const char *name, unsigned int ring_size);
int pydpdk_dump_attach(struct pydpdk_dump *d, uint16_t port, uint16_t nb_rxq, uint16_t nb_txq,
    int rx, int tx);
int pydpdk_dump_detach(struct pydpdk_dump *d, uint16_t port);
unsigned int pydpdk_dump_drain(struct pydpdk_dump *d, struct pydpdk_dump_rec *recs, unsigned int max);
void pydpdk_dump_counts(const struct pydpdk_dump *d, uint64_t *packets, uint64_t *lost);
void pydpdk_dump_free(struct pydpdk_dump *d);
"""

CUSTOMIZATIONS = ""
