/* rte_flow helpers for the bit-field parts of rte_flow's structs (pydpdk/_cffi_src/flow.py). */
#ifndef PYDPDK_FLOW_H
#define PYDPDK_FLOW_H
#include <stdint.h>
#include <rte_flow.h>

int pydpdk_flow_validate(uint16_t port_id, uint32_t group, uint32_t priority, int ingress,
                         int egress, int transfer, const struct rte_flow_item *pattern,
                         const struct rte_flow_action *actions, struct rte_flow_error *error);
struct rte_flow *pydpdk_flow_create(uint16_t port_id, uint32_t group, uint32_t priority,
                                    int ingress, int egress, int transfer,
                                    const struct rte_flow_item *pattern,
                                    const struct rte_flow_action *actions,
                                    struct rte_flow_error *error);
int pydpdk_flow_query_count(uint16_t port_id, struct rte_flow *flow,
                            const struct rte_flow_action *count_action, int reset,
                            uint64_t *hits, uint64_t *bytes, int *hits_set, int *bytes_set,
                            struct rte_flow_error *error);
void pydpdk_flow_raw_bits(struct rte_flow_item_raw *raw, int relative, int search);
#endif
