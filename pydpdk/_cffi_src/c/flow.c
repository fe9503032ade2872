/* rte_flow helpers: rte_flow_attr and the count query carry bit-fields cffi cannot reach. */
#include "strict.h"
#include <string.h>
#include "flow.h"

static void attr_fill(struct rte_flow_attr *attr, uint32_t group, uint32_t priority,
                      int ingress, int egress, int transfer)
{
    memset(attr, 0, sizeof(*attr));
    attr->group = group;
    attr->priority = priority;
    attr->ingress = !!ingress;
    attr->egress = !!egress;
    attr->transfer = !!transfer;
}

int pydpdk_flow_validate(uint16_t port_id, uint32_t group, uint32_t priority, int ingress,
                         int egress, int transfer, const struct rte_flow_item *pattern,
                         const struct rte_flow_action *actions, struct rte_flow_error *error)
{
    struct rte_flow_attr attr;
    attr_fill(&attr, group, priority, ingress, egress, transfer);
    return rte_flow_validate(port_id, &attr, pattern, actions, error);
}

struct rte_flow *pydpdk_flow_create(uint16_t port_id, uint32_t group, uint32_t priority,
                                    int ingress, int egress, int transfer,
                                    const struct rte_flow_item *pattern,
                                    const struct rte_flow_action *actions,
                                    struct rte_flow_error *error)
{
    struct rte_flow_attr attr;
    attr_fill(&attr, group, priority, ingress, egress, transfer);
    return rte_flow_create(port_id, &attr, pattern, actions, error);
}

int pydpdk_flow_query_count(uint16_t port_id, struct rte_flow *flow,
                            const struct rte_flow_action *count_action, int reset,
                            uint64_t *hits, uint64_t *bytes, int *hits_set, int *bytes_set,
                            struct rte_flow_error *error)
{
    struct rte_flow_query_count q;
    int rc;
    memset(&q, 0, sizeof(q));
    q.reset = !!reset;
    rc = rte_flow_query(port_id, flow, count_action, &q, error);
    *hits = q.hits;
    *bytes = q.bytes;
    *hits_set = q.hits_set;
    *bytes_set = q.bytes_set;
    return rc;
}

void pydpdk_flow_raw_bits(struct rte_flow_item_raw *raw, int relative, int search)
{
    raw->relative = !!relative;
    raw->search = !!search;
}
