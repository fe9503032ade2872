"""rte_dev_info.h and the ethdev calls that read what a device is (firmware, EEPROM, registers),
its controls (LED, flow control, FEC, queue rate limits, packet types), its clock and the
timesync (PTP) API; rte_net.h's software packet-type parser."""

INCLUDES = """
#include <time.h>
#include <rte_dev_info.h>
#include <rte_net.h>
#include <rte_mbuf_ptype.h>
#include <rte_mbuf_dyn.h>
"""

TYPES = """
#define RTE_PTYPE_ALL_MASK ...
#define RTE_MBUF_F_TX_IEEE1588_TMST ...
#define RTE_MBUF_F_RX_IEEE1588_PTP ...
#define RTE_MBUF_F_RX_IEEE1588_TMST ...
#define RTE_PTYPE_L2_MASK ...
#define RTE_PTYPE_L3_MASK ...
#define RTE_PTYPE_L4_MASK ...
#define RTE_PTYPE_TUNNEL_MASK ...

enum rte_eth_fc_mode { RTE_ETH_FC_NONE, RTE_ETH_FC_RX_PAUSE, RTE_ETH_FC_TX_PAUSE, RTE_ETH_FC_FULL };
enum rte_eth_fec_mode { RTE_ETH_FEC_NOFEC, RTE_ETH_FEC_AUTO, RTE_ETH_FEC_BASER, RTE_ETH_FEC_RS, ... };

struct rte_mbuf_dynfield;
struct rte_mbuf_dynflag;
struct timespec { long tv_sec; long tv_nsec; ...; };

struct rte_dev_reg_info { void *data; uint32_t offset; uint32_t length; uint32_t width;
    uint32_t version; ...; };
struct rte_dev_eeprom_info { void *data; uint32_t offset; uint32_t length; uint32_t magic; ...; };
struct rte_eth_dev_module_info { uint32_t type; uint32_t eeprom_len; };
struct rte_eth_fc_conf {
    uint32_t high_water; uint32_t low_water; uint16_t pause_time; uint16_t send_xon;
    enum rte_eth_fc_mode mode; uint8_t mac_ctrl_frame_fwd; uint8_t autoneg; ...;
};
struct rte_eth_fec_capa { uint32_t speed; uint32_t capa; };
"""

FUNCTIONS = """
int rte_eth_dev_fw_version_get(uint16_t port_id, char *fw_version, size_t fw_size);
int rte_eth_dev_get_reg_info(uint16_t port_id, struct rte_dev_reg_info *info);
int rte_eth_dev_get_eeprom_length(uint16_t port_id);
int rte_eth_dev_get_eeprom(uint16_t port_id, struct rte_dev_eeprom_info *info);
int rte_eth_dev_get_module_info(uint16_t port_id, struct rte_eth_dev_module_info *modinfo);
int rte_eth_dev_get_module_eeprom(uint16_t port_id, struct rte_dev_eeprom_info *info);
int rte_eth_led_on(uint16_t port_id);
int rte_eth_led_off(uint16_t port_id);
int rte_eth_dev_flow_ctrl_get(uint16_t port_id, struct rte_eth_fc_conf *fc_conf);
int rte_eth_dev_flow_ctrl_set(uint16_t port_id, struct rte_eth_fc_conf *fc_conf);
int rte_eth_set_queue_rate_limit(uint16_t port_id, uint16_t queue_idx, uint32_t tx_rate);
int rte_eth_dev_get_supported_ptypes(uint16_t port_id, uint32_t ptype_mask, uint32_t *ptypes, int num);
int rte_eth_dev_set_ptypes(uint16_t port_id, uint32_t ptype_mask, uint32_t *set_ptypes, unsigned int num);
int rte_eth_fec_get_capability(uint16_t port_id, struct rte_eth_fec_capa *speed_fec_capa, unsigned int num);
int rte_eth_fec_get(uint16_t port_id, uint32_t *fec_capa);
int rte_eth_fec_set(uint16_t port_id, uint32_t fec_capa);
int rte_eth_read_clock(uint16_t port_id, uint64_t *clock);
int rte_eth_timesync_enable(uint16_t port_id);
int rte_eth_timesync_disable(uint16_t port_id);
int rte_eth_timesync_read_rx_timestamp(uint16_t port_id, struct timespec *timestamp, uint32_t flags);
int rte_eth_timesync_read_tx_timestamp(uint16_t port_id, struct timespec *timestamp);
int rte_eth_timesync_adjust_time(uint16_t port_id, int64_t delta);
int rte_eth_timesync_read_time(uint16_t port_id, struct timespec *time);
int rte_eth_timesync_write_time(uint16_t port_id, const struct timespec *time);
int rte_mbuf_dynfield_lookup(const char *name, struct rte_mbuf_dynfield *params);
int rte_mbuf_dynflag_lookup(const char *name, struct rte_mbuf_dynflag *params);
void pydpdk_rx_timestamps(struct rte_mbuf *const *pkts, uint16_t n, int offset, int flag_bit,
    uint64_t *out, uint8_t *valid);
void pydpdk_net_ptypes(struct rte_mbuf *const *pkts, uint16_t n, uint32_t layers, uint32_t *out);
"""

CUSTOMIZATIONS = """
static void pydpdk_rx_timestamps(struct rte_mbuf *const *pkts, uint16_t n, int offset, int flag_bit,
                                 uint64_t *out, uint8_t *valid)
{
    uint16_t i;
    for (i = 0; i < n; i++) {
        valid[i] = (pkts[i]->ol_flags & (1ULL << flag_bit)) != 0;
        out[i] = valid[i] ? *RTE_MBUF_DYNFIELD(pkts[i], offset, uint64_t *) : 0;
    }
}

static void pydpdk_net_ptypes(struct rte_mbuf *const *pkts, uint16_t n, uint32_t layers, uint32_t *out)
{
    struct rte_net_hdr_lens lens;
    uint16_t i;
    for (i = 0; i < n; i++)
        out[i] = rte_net_get_ptype(pkts[i], &lens, layers);
}
"""
