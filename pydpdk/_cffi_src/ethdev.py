"""rte_ethdev.h, rte_ether.h: Ethernet ports, their queues, statistics and RSS.

Per-queue counters are not declared from struct rte_eth_stats (25.11 removed q_ipackets...):
pydpdk_queue_stats() (c/qstats.c) reads them from wherever this DPDK keeps them.
"""

INCLUDES = """
#include <rte_ether.h>
#include <rte_ethdev.h>
#include "qstats.h"
"""

TYPES = """
#define RTE_MAX_ETHPORTS ...
#define RTE_MAX_QUEUES_PER_PORT ...
#define RTE_ETH_NAME_MAX_LEN ...
#define RTE_ETH_XSTATS_NAME_SIZE ...
#define RTE_ETH_RETA_GROUP_SIZE ...
#define RTE_ETHER_ADDR_LEN ...
#define RTE_ETHER_MTU ...
#define RTE_ETHER_MAX_LEN ...
#define RTE_ETH_MQ_RX_NONE ...
#define RTE_ETH_MQ_RX_RSS ...
#define RTE_ETH_VLAN_STRIP_OFFLOAD ...
#define RTE_ETH_VLAN_FILTER_OFFLOAD ...
#define RTE_ETH_VLAN_EXTEND_OFFLOAD ...
#define RTE_ETH_QINQ_STRIP_OFFLOAD ...
#define RTE_ETH_LINK_SPEED_AUTONEG ...
#define RTE_ETH_LINK_SPEED_FIXED ...
#define RTE_ETH_SPEED_NUM_NONE ...
#define RTE_ETH_SPEED_NUM_UNKNOWN ...
#define RTE_ETH_DEV_CAPA_RUNTIME_RX_QUEUE_SETUP ...
#define RTE_ETH_DEV_CAPA_RUNTIME_TX_QUEUE_SETUP ...

#define RTE_ETH_RSS_IPV4 ...
#define RTE_ETH_RSS_FRAG_IPV4 ...
#define RTE_ETH_RSS_NONFRAG_IPV4_TCP ...
#define RTE_ETH_RSS_NONFRAG_IPV4_UDP ...
#define RTE_ETH_RSS_NONFRAG_IPV4_SCTP ...
#define RTE_ETH_RSS_NONFRAG_IPV4_OTHER ...
#define RTE_ETH_RSS_IPV6 ...
#define RTE_ETH_RSS_FRAG_IPV6 ...
#define RTE_ETH_RSS_NONFRAG_IPV6_TCP ...
#define RTE_ETH_RSS_NONFRAG_IPV6_UDP ...
#define RTE_ETH_RSS_NONFRAG_IPV6_SCTP ...
#define RTE_ETH_RSS_NONFRAG_IPV6_OTHER ...
#define RTE_ETH_RSS_L2_PAYLOAD ...
#define RTE_ETH_RSS_IPV6_EX ...
#define RTE_ETH_RSS_IPV6_TCP_EX ...
#define RTE_ETH_RSS_IPV6_UDP_EX ...
#define RTE_ETH_RSS_PORT ...
#define RTE_ETH_RSS_VXLAN ...
#define RTE_ETH_RSS_GENEVE ...
#define RTE_ETH_RSS_NVGRE ...
#define RTE_ETH_RSS_ETH ...
#define RTE_ETH_RSS_IP ...
#define RTE_ETH_RSS_UDP ...
#define RTE_ETH_RSS_TCP ...
#define RTE_ETH_RSS_SCTP ...

struct rte_ether_addr { uint8_t addr_bytes[6]; ...; };

struct rte_eth_thresh { uint8_t pthresh; uint8_t hthresh; uint8_t wthresh; };

struct rte_eth_desc_lim {
    uint16_t nb_max;
    uint16_t nb_min;
    uint16_t nb_align;
    uint16_t nb_seg_max;
    uint16_t nb_mtu_seg_max;
};

struct rte_eth_rxconf {
    struct rte_eth_thresh rx_thresh;
    uint16_t rx_free_thresh;
    uint8_t rx_drop_en;
    uint8_t rx_deferred_start;
    uint64_t offloads;
    ...;
};

struct rte_eth_txconf {
    struct rte_eth_thresh tx_thresh;
    uint16_t tx_rs_thresh;
    uint16_t tx_free_thresh;
    uint8_t tx_deferred_start;
    uint64_t offloads;
    ...;
};

struct rte_eth_dev_portconf { uint16_t burst_size; uint16_t ring_size; uint16_t nb_queues; };

struct rte_eth_dev_info {
    struct rte_device *device;
    const char *driver_name;
    unsigned int if_index;
    uint16_t min_mtu;
    uint16_t max_mtu;
    uint32_t min_rx_bufsize;
    uint32_t max_rx_pktlen;
    uint32_t max_lro_pkt_size;
    uint16_t max_rx_queues;
    uint16_t max_tx_queues;
    uint32_t max_mac_addrs;
    uint32_t max_hash_mac_addrs;
    uint16_t max_vfs;
    uint16_t max_vmdq_pools;
    uint64_t rx_offload_capa;
    uint64_t tx_offload_capa;
    uint64_t rx_queue_offload_capa;
    uint64_t tx_queue_offload_capa;
    uint16_t reta_size;
    uint8_t hash_key_size;
    uint64_t flow_type_rss_offloads;
    struct rte_eth_rxconf default_rxconf;
    struct rte_eth_txconf default_txconf;
    struct rte_eth_desc_lim rx_desc_lim;
    struct rte_eth_desc_lim tx_desc_lim;
    uint32_t speed_capa;
    uint16_t nb_rx_queues;
    uint16_t nb_tx_queues;
    struct rte_eth_dev_portconf default_rxportconf;
    struct rte_eth_dev_portconf default_txportconf;
    uint64_t dev_capa;
    ...;
};

struct rte_eth_rxmode {
    uint32_t mtu;
    uint32_t max_lro_pkt_size;
    uint64_t offloads;
    ...;
};

struct rte_eth_txmode {
    uint64_t offloads;
    ...;
};

struct rte_eth_conf {
    uint32_t link_speeds;
    struct rte_eth_rxmode rxmode;
    struct rte_eth_txmode txmode;
    uint32_t lpbk_mode;
    ...;
};

struct rte_eth_rss_conf {
    uint8_t *rss_key;
    uint8_t rss_key_len;
    uint64_t rss_hf;
    ...;
};

struct rte_eth_rss_reta_entry64 {
    uint64_t mask;
    uint16_t reta[...];
};

struct rte_eth_stats {
    uint64_t ipackets;
    uint64_t opackets;
    uint64_t ibytes;
    uint64_t obytes;
    uint64_t imissed;
    uint64_t ierrors;
    uint64_t oerrors;
    uint64_t rx_nombuf;
    ...;
};

struct rte_eth_xstat { uint64_t id; uint64_t value; };
struct rte_eth_xstat_name { char name[...]; };

struct rte_eth_rxq_info {
    struct rte_mempool *mp;
    struct rte_eth_rxconf conf;
    uint8_t scattered_rx;
    uint16_t nb_desc;
    uint16_t rx_buf_size;
    ...;
};

struct rte_eth_txq_info {
    struct rte_eth_txconf conf;
    uint16_t nb_desc;
    ...;
};
"""

FUNCTIONS = """
uint16_t rte_eth_dev_count_avail(void);
uint16_t rte_eth_dev_count_total(void);
uint64_t rte_eth_find_next(uint16_t port_id);
int rte_eth_dev_is_valid_port(uint16_t port_id);
int rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *dev_info);
int rte_eth_dev_get_name_by_port(uint16_t port_id, char *name);
int rte_eth_dev_get_port_by_name(const char *name, uint16_t *port_id);
int rte_eth_dev_socket_id(uint16_t port_id);
int rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac_addr);

int rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_queue, uint16_t nb_tx_queue,
    const struct rte_eth_conf *eth_conf);
int rte_eth_rx_queue_setup(uint16_t port_id, uint16_t rx_queue_id, uint16_t nb_rx_desc,
    unsigned int socket_id, const struct rte_eth_rxconf *rx_conf, struct rte_mempool *mb_pool);
int rte_eth_tx_queue_setup(uint16_t port_id, uint16_t tx_queue_id, uint16_t nb_tx_desc,
    unsigned int socket_id, const struct rte_eth_txconf *tx_conf);
int rte_eth_dev_start(uint16_t port_id);
int rte_eth_dev_stop(uint16_t port_id);
int rte_eth_dev_close(uint16_t port_id);
int rte_eth_dev_reset(uint16_t port_id);
int rte_eth_dev_set_link_up(uint16_t port_id);
int rte_eth_dev_set_link_down(uint16_t port_id);
int rte_eth_dev_rx_queue_start(uint16_t port_id, uint16_t rx_queue_id);
int rte_eth_dev_rx_queue_stop(uint16_t port_id, uint16_t rx_queue_id);
int rte_eth_dev_tx_queue_start(uint16_t port_id, uint16_t tx_queue_id);
int rte_eth_dev_tx_queue_stop(uint16_t port_id, uint16_t tx_queue_id);
int rte_eth_rx_queue_info_get(uint16_t port_id, uint16_t queue_id, struct rte_eth_rxq_info *qinfo);
int rte_eth_tx_queue_info_get(uint16_t port_id, uint16_t queue_id, struct rte_eth_txq_info *qinfo);

int rte_eth_promiscuous_enable(uint16_t port_id);
int rte_eth_promiscuous_disable(uint16_t port_id);
int rte_eth_promiscuous_get(uint16_t port_id);
int rte_eth_allmulticast_enable(uint16_t port_id);
int rte_eth_allmulticast_disable(uint16_t port_id);
int rte_eth_allmulticast_get(uint16_t port_id);

int rte_eth_dev_default_mac_addr_set(uint16_t port_id, struct rte_ether_addr *mac_addr);
int rte_eth_dev_mac_addr_add(uint16_t port_id, struct rte_ether_addr *mac_addr, uint32_t pool);
int rte_eth_dev_mac_addr_remove(uint16_t port_id, struct rte_ether_addr *mac_addr);
int rte_eth_macaddrs_get(uint16_t port_id, struct rte_ether_addr *ma, unsigned int num);
int rte_eth_dev_vlan_filter(uint16_t port_id, uint16_t vlan_id, int on);
int rte_eth_dev_set_vlan_offload(uint16_t port_id, int offload_mask);
int rte_eth_dev_get_vlan_offload(uint16_t port_id);
int rte_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu);
int rte_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu);

int rte_eth_stats_get(uint16_t port_id, struct rte_eth_stats *stats);
int rte_eth_stats_reset(uint16_t port_id);
int pydpdk_queue_stats(uint16_t port_id, uint16_t nq, uint64_t *out);
int pydpdk_qstats_in_eth_stats(void);
int pydpdk_queue_stat_cntrs(void);
int rte_eth_xstats_get_names(uint16_t port_id, struct rte_eth_xstat_name *xstats_names, unsigned int size);
int rte_eth_xstats_get(uint16_t port_id, struct rte_eth_xstat *xstats, unsigned int n);
int rte_eth_xstats_get_by_id(uint16_t port_id, const uint64_t *ids, uint64_t *values, unsigned int size);
int rte_eth_xstats_get_id_by_name(uint16_t port_id, const char *xstat_name, uint64_t *id);
int rte_eth_xstats_reset(uint16_t port_id);

int rte_eth_dev_rss_reta_update(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
    uint16_t reta_size);
int rte_eth_dev_rss_reta_query(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
    uint16_t reta_size);
int rte_eth_dev_rss_hash_update(uint16_t port_id, struct rte_eth_rss_conf *rss_conf);
int rte_eth_dev_rss_hash_conf_get(uint16_t port_id, struct rte_eth_rss_conf *rss_conf);

uint16_t rte_eth_rx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **rx_pkts,
    const uint16_t nb_pkts);
uint16_t rte_eth_tx_burst(uint16_t port_id, uint16_t queue_id, struct rte_mbuf **tx_pkts,
    uint16_t nb_pkts);

const char *rte_eth_dev_rx_offload_name(uint64_t offload);
const char *rte_eth_dev_tx_offload_name(uint64_t offload);
const char *rte_eth_link_speed_to_str(uint32_t link_speed);

int pydpdk_link_get(uint16_t port_id, int wait, uint32_t *speed, int *duplex, int *autoneg,
    int *status);
void pydpdk_conf_set_rss(struct rte_eth_conf *conf, uint8_t *key, uint8_t key_len, uint64_t hf);
"""

CUSTOMIZATIONS = """
static int pydpdk_link_get(uint16_t port_id, int wait, uint32_t *speed, int *duplex,
                           int *autoneg, int *status)
{
    struct rte_eth_link link;
    int rc;
    memset(&link, 0, sizeof(link));
    rc = wait ? rte_eth_link_get(port_id, &link) : rte_eth_link_get_nowait(port_id, &link);
    *speed = link.link_speed;
    *duplex = link.link_duplex;
    *autoneg = link.link_autoneg;
    *status = link.link_status;
    return rc;
}
static void pydpdk_conf_set_rss(struct rte_eth_conf *conf, uint8_t *key, uint8_t key_len,
                                uint64_t hf)
{
    conf->rxmode.mq_mode = hf ? RTE_ETH_MQ_RX_RSS : RTE_ETH_MQ_RX_NONE;
    conf->rx_adv_conf.rss_conf.rss_key = key;
    conf->rx_adv_conf.rss_conf.rss_key_len = key_len;
    conf->rx_adv_conf.rss_conf.rss_hf = hf;
}
"""
