"""rte_ring.h: lockless FIFOs of pointers (here: mbufs)."""

INCLUDES = """
#include <rte_ring.h>
"""

TYPES = """
#define RTE_RING_NAMESIZE ...
#define RING_F_SP_ENQ ...
#define RING_F_SC_DEQ ...
#define RING_F_EXACT_SZ ...
#define RING_F_MP_RTS_ENQ ...
#define RING_F_MC_RTS_DEQ ...
#define RING_F_MP_HTS_ENQ ...
#define RING_F_MC_HTS_DEQ ...
#define RTE_RING_SZ_MASK ...

struct rte_ring {
    int flags;
    uint32_t size;
    uint32_t mask;
    uint32_t capacity;
    ...;
};
"""

FUNCTIONS = """
struct rte_ring *rte_ring_create(const char *name, unsigned int count, int socket_id, unsigned int flags);
void rte_ring_free(struct rte_ring *r);
struct rte_ring *rte_ring_lookup(const char *name);
unsigned int rte_ring_enqueue_burst(struct rte_ring *r, void * const *obj_table,
    unsigned int n, unsigned int *free_space);
unsigned int rte_ring_dequeue_burst(struct rte_ring *r, void **obj_table,
    unsigned int n, unsigned int *available);
unsigned int rte_ring_enqueue_bulk(struct rte_ring *r, void * const *obj_table,
    unsigned int n, unsigned int *free_space);
unsigned int rte_ring_dequeue_bulk(struct rte_ring *r, void **obj_table,
    unsigned int n, unsigned int *available);
unsigned int rte_ring_count(const struct rte_ring *r);
unsigned int rte_ring_free_count(const struct rte_ring *r);
int rte_ring_full(const struct rte_ring *r);
int rte_ring_empty(const struct rte_ring *r);
unsigned int rte_ring_get_size(const struct rte_ring *r);
unsigned int rte_ring_get_capacity(const struct rte_ring *r);
const char *pydpdk_ring_name(const struct rte_ring *r);
"""

CUSTOMIZATIONS = """
static const char *pydpdk_ring_name(const struct rte_ring *r) { return r->name; }
"""
