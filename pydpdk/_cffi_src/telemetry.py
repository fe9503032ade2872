"""rte_telemetry.h and our telemetry commands (c/telemetry.h, c/telemetry.c).

The commands (/pydpdk/version, /pydpdk/fwd/list, /pydpdk/fwd/stats[,ID]) are registered in C when
the module loads and answered by pure C on DPDK's telemetry thread: no Python runs there.
Forwarders become visible with pydpdk_tel_fwd_add() and must be removed before their memory goes.
"""

INCLUDES = """
#include <rte_telemetry.h>
#include "telemetry.h"
"""

TYPES = """
#define PYDPDK_TEL_MAX_FWD ...
#define PYDPDK_TEL_MAX_STREAMS ...
"""

FUNCTIONS = """
int pydpdk_telemetry_status(void);
int pydpdk_tel_fwd_add(const struct pydpdk_fwd *fwd);
int pydpdk_tel_fwd_remove(const struct pydpdk_fwd *fwd);
"""

CUSTOMIZATIONS = ""
