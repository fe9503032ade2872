"""rte_eth_ring.h: ethdev ports made from rte_rings (the ring PMD's API)."""

INCLUDES = """
#include <rte_eth_ring.h>
"""

TYPES = ""

FUNCTIONS = """
int rte_eth_from_rings(const char *name, struct rte_ring * const rx_queues[],
    const unsigned int nb_rx_queues, struct rte_ring * const tx_queues[],
    const unsigned int nb_tx_queues, const unsigned int numa_node);
int rte_eth_from_ring(struct rte_ring *r);
"""

CUSTOMIZATIONS = ""
