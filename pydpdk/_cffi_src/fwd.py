"""Our forwarding engines (c/fwd.h; control in c/fwd.c, engines in c/fwd_*.c, modes in
c/fwd_modes.h): testpmd's forwarding modes run in C on worker lcores, started, watched and stopped
from Python. The modes are not declared here: pydpdk.forward reads them from
pydpdk_fwd_mode_name() for 1..PYDPDK_FWD_NB_MODES-1.

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
#define PYDPDK_FWD_NB_MODES ...
#define PYDPDK_FWD_FLOW_SRC_IP ...
#define PYDPDK_FWD_FLOW_DST_IP ...
#define PYDPDK_FWD_FLOW_SRC_PORT ...
#define PYDPDK_FWD_FLOW_DST_PORT ...
#define PYDPDK_FWD_MAX_BURST ...
#define PYDPDK_FWD_MAX_SEGS ...
#define PYDPDK_FWD_MAX_PKT_LEN ...
#define PYDPDK_FWD_ERROR_LEN ...
#define PYDPDK_STAGE_DROP ...
#define PYDPDK_STAGE_PEER ...
#define PYDPDK_STAGE_BACK ...
#define PYDPDK_STAGE_ABI_PACKET ...
#define PYDPDK_STAGE_ABI_PACKET_STATE ...
#define PYDPDK_STAGE_ABI_BURST ...
#define PYDPDK_STAGE_ABI_MBUF ...
#define PYDPDK_STAGE_MIXED ...

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
    void *stage_fn;
    void *stage_state;
    uint32_t stage_abi;
    uint8_t stage_port_ok[...];
    void *stage_lcore_state;
    uint64_t stage_lcore_stride;
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
    uint64_t bad_ip_csum;
    uint64_t bad_l4_csum;
    uint64_t stage_forwarded;
    uint64_t stage_dropped;
    uint64_t stage_invalid;
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
const char *pydpdk_fwd_mode_name(uint32_t mode);
const char *pydpdk_fwd_mode_help(uint32_t mode);
int pydpdk_fwd_mode_flags(uint32_t mode);
int64_t pydpdk_stage_peer(uint8_t *data, int64_t length, int64_t port);
"""

CUSTOMIZATIONS = ""
