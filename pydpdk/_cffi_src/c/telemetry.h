/* pydpdk's telemetry commands, answered on DPDK's telemetry thread (pure C, no Python).
 *
 *   /pydpdk/version             pydpdk's version, the DPDK it runs on and was built against
 *   /pydpdk/fwd/list            ids of the registered forwarders
 *   /pydpdk/fwd/stats[,ID]      counters: without ID summed over every forwarder, per port;
 *                               with ID one forwarder, per port and per stream
 *
 * The commands are registered once, when the compiled module is loaded (like DPDK's own
 * libraries do, from a constructor). Forwarders are made visible with pydpdk_tel_fwd_add() and
 * must be removed with pydpdk_tel_fwd_remove() before their memory is freed: the registry's
 * lock is held while a command reads a forwarder, so after remove() returns no command touches
 * it any more. Counters are read with relaxed 64-bit atomic loads while the lcores write them.
 */
#ifndef PYDPDK_TELEMETRY_H
#define PYDPDK_TELEMETRY_H

#include <stdint.h>
#include "fwd.h"

#define PYDPDK_TEL_MAX_FWD 64        /* forwarders visible at once */
#define PYDPDK_TEL_MAX_STREAMS 32    /* streams listed by /pydpdk/fwd/stats,ID (output is 16 KiB) */

/* Registration status of the commands: 0, or the negative errno DPDK refused them with. */
int pydpdk_telemetry_status(void);

/* Make fwd visible as the next id (returned, >= 0), or -ENOSPC when PYDPDK_TEL_MAX_FWD are. */
int pydpdk_tel_fwd_add(const struct pydpdk_fwd *fwd);

/* Forget fwd (no-op when unknown). Returns its id, or -ENOENT. */
int pydpdk_tel_fwd_remove(const struct pydpdk_fwd *fwd);

#endif
