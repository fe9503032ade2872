"""rte_flow.h: generic flow rules (patterns of items, lists of actions, attributes, errors).

Item and action configurations are partial structs: the compiler fills the layouts. The
bit-field parts (rte_flow_attr's direction bits, raw's relative/search, count queries) go
through the small helpers in c/flow.c.
"""

INCLUDES = """
#include <rte_flow.h>
#include "flow.h"
"""

TYPES = """
enum rte_flow_item_type {
    RTE_FLOW_ITEM_TYPE_END, RTE_FLOW_ITEM_TYPE_VOID, RTE_FLOW_ITEM_TYPE_ANY,
    RTE_FLOW_ITEM_TYPE_ETH, RTE_FLOW_ITEM_TYPE_VLAN, RTE_FLOW_ITEM_TYPE_IPV4,
    RTE_FLOW_ITEM_TYPE_IPV6, RTE_FLOW_ITEM_TYPE_ICMP, RTE_FLOW_ITEM_TYPE_UDP,
    RTE_FLOW_ITEM_TYPE_TCP, RTE_FLOW_ITEM_TYPE_SCTP, RTE_FLOW_ITEM_TYPE_VXLAN,
    RTE_FLOW_ITEM_TYPE_RAW, ...
};

enum rte_flow_action_type {
    RTE_FLOW_ACTION_TYPE_END, RTE_FLOW_ACTION_TYPE_VOID, RTE_FLOW_ACTION_TYPE_PASSTHRU,
    RTE_FLOW_ACTION_TYPE_JUMP, RTE_FLOW_ACTION_TYPE_MARK, RTE_FLOW_ACTION_TYPE_FLAG,
    RTE_FLOW_ACTION_TYPE_QUEUE, RTE_FLOW_ACTION_TYPE_DROP, RTE_FLOW_ACTION_TYPE_COUNT,
    RTE_FLOW_ACTION_TYPE_RSS, RTE_FLOW_ACTION_TYPE_PORT_ID,
    RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, ...
};

enum rte_flow_error_type {
    RTE_FLOW_ERROR_TYPE_NONE, RTE_FLOW_ERROR_TYPE_UNSPECIFIED, RTE_FLOW_ERROR_TYPE_HANDLE,
    RTE_FLOW_ERROR_TYPE_ATTR_GROUP, RTE_FLOW_ERROR_TYPE_ATTR_PRIORITY,
    RTE_FLOW_ERROR_TYPE_ATTR_INGRESS, RTE_FLOW_ERROR_TYPE_ATTR_EGRESS,
    RTE_FLOW_ERROR_TYPE_ATTR_TRANSFER, RTE_FLOW_ERROR_TYPE_ATTR, RTE_FLOW_ERROR_TYPE_ITEM_NUM,
    RTE_FLOW_ERROR_TYPE_ITEM_SPEC, RTE_FLOW_ERROR_TYPE_ITEM_LAST, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
    RTE_FLOW_ERROR_TYPE_ITEM, RTE_FLOW_ERROR_TYPE_ACTION_NUM, RTE_FLOW_ERROR_TYPE_ACTION_CONF,
    RTE_FLOW_ERROR_TYPE_ACTION, RTE_FLOW_ERROR_TYPE_STATE, ...
};

enum rte_eth_hash_function {
    RTE_ETH_HASH_FUNCTION_DEFAULT, RTE_ETH_HASH_FUNCTION_TOEPLITZ,
    RTE_ETH_HASH_FUNCTION_SIMPLE_XOR, RTE_ETH_HASH_FUNCTION_SYMMETRIC_TOEPLITZ, ...
};

struct rte_flow;

struct rte_flow_item {
    enum rte_flow_item_type type;
    const void *spec;
    const void *last;
    const void *mask;
};

struct rte_flow_action {
    enum rte_flow_action_type type;
    const void *conf;
};

struct rte_flow_error {
    enum rte_flow_error_type type;
    const void *cause;
    const char *message;
};

struct rte_ipv4_hdr {
    uint8_t type_of_service; uint8_t time_to_live; uint8_t next_proto_id;
    uint32_t src_addr; uint32_t dst_addr; ...;
};
struct rte_ipv6_hdr {
    uint32_t vtc_flow; uint8_t proto; uint8_t hop_limits;
    uint8_t src_addr[16]; uint8_t dst_addr[16]; ...;
};
struct rte_udp_hdr { uint16_t src_port; uint16_t dst_port; ...; };
struct rte_tcp_hdr { uint16_t src_port; uint16_t dst_port; uint8_t tcp_flags; ...; };
struct rte_sctp_hdr { uint16_t src_port; uint16_t dst_port; ...; };
struct rte_icmp_hdr { uint8_t icmp_type; uint8_t icmp_code; ...; };

struct rte_flow_item_any { uint32_t num; };
struct rte_flow_item_eth {
    struct rte_ether_addr dst; struct rte_ether_addr src; uint16_t type; ...;
};
struct rte_flow_item_vlan { uint16_t tci; uint16_t inner_type; ...; };
struct rte_flow_item_ipv4 { struct rte_ipv4_hdr hdr; };
struct rte_flow_item_ipv6 { struct rte_ipv6_hdr hdr; ...; };
struct rte_flow_item_icmp { struct rte_icmp_hdr hdr; };
struct rte_flow_item_udp { struct rte_udp_hdr hdr; };
struct rte_flow_item_tcp { struct rte_tcp_hdr hdr; };
struct rte_flow_item_sctp { struct rte_sctp_hdr hdr; };
struct rte_flow_item_vxlan { uint8_t flags; uint8_t vni[3]; ...; };
struct rte_flow_item_raw { int32_t offset; uint16_t limit; uint16_t length;
    const uint8_t *pattern; ...; };

struct rte_flow_action_queue { uint16_t index; };
struct rte_flow_action_mark { uint32_t id; };
struct rte_flow_action_jump { uint32_t group; };
struct rte_flow_action_count { uint32_t id; };
struct rte_flow_action_port_id { uint32_t id; ...; };
struct rte_flow_action_ethdev { uint16_t port_id; };
struct rte_flow_action_rss {
    enum rte_eth_hash_function func;
    uint32_t level;
    uint64_t types;
    uint32_t key_len;
    uint32_t queue_num;
    const uint8_t *key;
    const uint16_t *queue;
};
"""

FUNCTIONS = """
int rte_flow_destroy(uint16_t port_id, struct rte_flow *flow, struct rte_flow_error *error);
int rte_flow_flush(uint16_t port_id, struct rte_flow_error *error);
int rte_flow_isolate(uint16_t port_id, int set, struct rte_flow_error *error);

int pydpdk_flow_validate(uint16_t port_id, uint32_t group, uint32_t priority, int ingress,
    int egress, int transfer, const struct rte_flow_item *pattern,
    const struct rte_flow_action *actions, struct rte_flow_error *error);
struct rte_flow *pydpdk_flow_create(uint16_t port_id, uint32_t group, uint32_t priority,
    int ingress, int egress, int transfer, const struct rte_flow_item *pattern,
    const struct rte_flow_action *actions, struct rte_flow_error *error);
int pydpdk_flow_query_count(uint16_t port_id, struct rte_flow *flow,
    const struct rte_flow_action *count_action, int reset, uint64_t *hits, uint64_t *bytes,
    int *hits_set, int *bytes_set, struct rte_flow_error *error);
void pydpdk_flow_raw_bits(struct rte_flow_item_raw *raw, int relative, int search);
"""

CUSTOMIZATIONS = ""


def types_for(release: tuple[int, ...]) -> str:
    """TYPES for a DPDK release: 24.11 made the IPv6 header's addresses a struct rte_ipv6_addr
    (release notes 24.11, "A new IPv6 address structure") where 22.11 has uint8_t[16]. Both are
    16 bytes; pydpdk.flow writes them through ffi.buffer, the same on either."""
    if release < (24, 11):
        return TYPES
    old = "uint8_t src_addr[16]; uint8_t dst_addr[16]; ...;"
    assert old in TYPES
    return ("struct rte_ipv6_addr { unsigned char a[16]; ...; };\n"
            + TYPES.replace(old, "struct rte_ipv6_addr src_addr; struct rte_ipv6_addr dst_addr; ...;"))
