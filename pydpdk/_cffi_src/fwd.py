"""Our forwarding engines (c/fwd.h, c/fwd.c): testpmd's forwarding modes run in C on worker
lcores, started, watched and stopped from Python; plus per-burst packet views.

Ownership: the caller allocates `struct pydpdk_fwd` and the `struct pydpdk_fwd_stream[]` array
(ffi.new) and must keep both alive, unmoved and unfreed, from pydpdk_fwd_launch() until
pydpdk_fwd_stop() returns; likewise the mempools in cfg.tx_pool and the ports used by the streams.
Counters and lcores[i].iterations may be read at any time; all else is written only while stopped.
"""

INCLUDES = """
#include "fwd.h"
"""

TYPES = """
#define PYDPDK_FWD_DEFAULT ...
#define PYDPDK_FWD_IO ...
#define PYDPDK_FWD_MAC ...
#define PYDPDK_FWD_MACSWAP ...
#define PYDPDK_FWD_RXONLY ...
#define PYDPDK_FWD_TXONLY ...
#define PYDPDK_FWD_FLOWGEN ...
#define PYDPDK_FWD_ICMPECHO ...
#define PYDPDK_FWD_NB_MODES ...
#define PYDPDK_FWD_FLOW_SRC_IP ...
#define PYDPDK_FWD_FLOW_DST_IP ...
#define PYDPDK_FWD_FLOW_SRC_PORT ...
#define PYDPDK_FWD_FLOW_DST_PORT ...
#define PYDPDK_FWD_MAX_BURST ...
#define PYDPDK_FWD_MAX_SEGS ...
#define PYDPDK_FWD_MAX_PKT_LEN ...
#define PYDPDK_FWD_ERROR_LEN ...

struct pydpdk_fwd_config {
    uint32_t mode;
    uint16_t burst;
    uint16_t count_bytes;
    uint32_t txretry;
    uint32_t txretry_delay_us;
    uint32_t tx_pkt_len;
    uint32_t tx_nb_segs;
    uint16_t tx_seg_len[...];
    uint32_t tx_set_macs;
    uint32_t nb_flows;
    uint32_t flow_fields;
    uint32_t tx_template_len;
    uint8_t tx_template[...];
    struct rte_ether_addr peer_mac[...];
    struct rte_ether_addr port_mac[...];
    struct rte_mempool *tx_pool[...];
    ...;
};

struct pydpdk_fwd_stream {
    uint16_t rx_port;
    uint16_t rx_queue;
    uint16_t tx_port;
    uint16_t tx_queue;
    uint32_t mode;
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t gen_packets;
    uint64_t fwd_dropped;
    uint64_t other_dropped;
    uint64_t alloc_failures;
    uint32_t run_mode;
    uint32_t next_flow;
    ...;
};

struct pydpdk_fwd_lcore {
    uint32_t stream_begin;
    uint32_t nb_streams;
    uint32_t lcore_id;
    uint64_t iterations;
    uint64_t idle_iterations;
    ...;
};

struct pydpdk_fwd {
    struct pydpdk_fwd_config cfg;
    struct pydpdk_fwd_stream *streams;
    uint32_t nb_streams;
    uint32_t nb_lcores;
    struct pydpdk_fwd_lcore lcores[...];
    char error[...];
    uint32_t running;
    uint32_t stop;
    ...;
};
"""

FUNCTIONS = """
void pydpdk_fwd_init_config(struct pydpdk_fwd_config *cfg);
int pydpdk_fwd_assign(struct pydpdk_fwd *fwd, unsigned int nb_lcores);
int pydpdk_fwd_prepare(struct pydpdk_fwd *fwd);
int pydpdk_fwd_reset_stats(struct pydpdk_fwd *fwd);
int pydpdk_fwd_tx_first(struct pydpdk_fwd *fwd, unsigned int nb_bursts);
int pydpdk_fwd_launch(struct pydpdk_fwd *fwd, const unsigned int *lcore_ids, unsigned int nb_lcores);
int pydpdk_fwd_stop(struct pydpdk_fwd *fwd);
int64_t pydpdk_fwd_flush_rx(struct pydpdk_fwd *fwd, uint32_t ms_per_queue);
uint32_t pydpdk_rx_drain(uint16_t port_id, uint16_t queue_id, uint32_t max);

uint16_t pydpdk_free_bulk(struct rte_mbuf **pkts, uint16_t n);
int pydpdk_headers_view(struct rte_mbuf *const *pkts, uint16_t n, uint8_t *out, uint16_t snap);
int pydpdk_pkt_lengths(struct rte_mbuf *const *pkts, uint16_t n, uint32_t *out);
"""

CUSTOMIZATIONS = ""
