"""rte_mempool.h and the pktmbuf pool constructor of rte_mbuf.h."""

INCLUDES = """
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
"""

TYPES = """
#define RTE_MEMPOOL_NAMESIZE ...
#define RTE_MEMPOOL_CACHE_MAX_SIZE ...
#define RTE_MBUF_DEFAULT_BUF_SIZE ...
#define RTE_MBUF_DEFAULT_DATAROOM ...
#define RTE_PKTMBUF_HEADROOM ...
#define RTE_MBUF_PRIV_ALIGN ...

struct rte_mempool {
    unsigned int size;
    unsigned int cache_size;
    uint32_t elt_size;
    int socket_id;
    ...;
};
"""

FUNCTIONS = """
struct rte_mempool *rte_pktmbuf_pool_create(const char *name, unsigned int n,
    unsigned int cache_size, uint16_t priv_size, uint16_t data_room_size, int socket_id);
void rte_mempool_free(struct rte_mempool *mp);
struct rte_mempool *rte_mempool_lookup(const char *name);
unsigned int rte_mempool_avail_count(const struct rte_mempool *mp);
unsigned int rte_mempool_in_use_count(const struct rte_mempool *mp);
uint16_t rte_pktmbuf_data_room_size(struct rte_mempool *mp);
uint16_t rte_pktmbuf_priv_size(struct rte_mempool *mp);
const char *rte_mbuf_best_mempool_ops(void);
int pydpdk_mempool_ops_registered(const char *name);
const char *pydpdk_mempool_name(const struct rte_mempool *mp);
const char *pydpdk_mempool_ops_name(struct rte_mempool *mp);
"""

CUSTOMIZATIONS = """
static int pydpdk_mempool_ops_registered(const char *name)
{
    unsigned int i;
    for (i = 0; i < rte_mempool_ops_table.num_ops; i++)
        if (strcmp(rte_mempool_ops_table.ops[i].name, name) == 0)
            return 1;
    return 0;
}
static const char *pydpdk_mempool_name(const struct rte_mempool *mp) { return mp->name; }
static const char *pydpdk_mempool_ops_name(struct rte_mempool *mp)
{ return rte_mempool_get_ops(mp->ops_index)->name; }
"""
