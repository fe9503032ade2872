"""rte_errno.h: DPDK's per-lcore error number."""

INCLUDES = """
#include <errno.h>
#include <rte_errno.h>
"""

TYPES = """
#define E_RTE_SECONDARY ...
#define E_RTE_NO_CONFIG ...
"""

FUNCTIONS = """
int pydpdk_rte_errno(void);
void pydpdk_clear_rte_errno(void);
const char *rte_strerror(int errnum);
"""

CUSTOMIZATIONS = """
static int pydpdk_rte_errno(void) { return rte_errno; }
static void pydpdk_clear_rte_errno(void) { rte_errno = 0; }
"""
