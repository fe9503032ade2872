"""rte_eal.h, rte_lcore.h, rte_launch.h, rte_version.h, rte_cycles.h: EAL life cycle and lcores."""

INCLUDES = """
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_launch.h>
#include <rte_version.h>
#include <rte_cycles.h>
#include <rte_memory.h>
"""

TYPES = """
#define RTE_MAX_LCORE ...
#define RTE_MAX_NUMA_NODES ...
#define LCORE_ID_ANY ...
#define SOCKET_ID_ANY ...

enum rte_proc_type_t { RTE_PROC_AUTO, RTE_PROC_PRIMARY, RTE_PROC_SECONDARY, RTE_PROC_INVALID, ... };
enum rte_iova_mode { RTE_IOVA_DC, RTE_IOVA_PA, RTE_IOVA_VA, ... };
enum rte_lcore_state_t { WAIT, RUNNING, ... };
"""

FUNCTIONS = """
int rte_eal_init(int argc, char **argv);
int rte_eal_cleanup(void);
const char *rte_version(void);
enum rte_proc_type_t rte_eal_process_type(void);
enum rte_iova_mode rte_eal_iova_mode(void);
int rte_eal_has_hugepages(void);
int rte_eal_has_pci(void);
const char *rte_eal_get_runtime_dir(void);
int rte_eal_primary_proc_alive(const char *config_file_path);

unsigned int rte_lcore_count(void);
unsigned int rte_lcore_id(void);
unsigned int rte_get_main_lcore(void);
int rte_lcore_is_enabled(unsigned int lcore_id);
unsigned int rte_get_next_lcore(unsigned int i, int skip_main, int wrap);
unsigned int rte_lcore_to_socket_id(unsigned int lcore_id);
int rte_lcore_to_cpu_id(int lcore_id);
enum rte_lcore_state_t rte_eal_get_lcore_state(unsigned int worker_id);
int rte_eal_wait_lcore(unsigned int worker_id);
unsigned int rte_socket_count(void);
int rte_socket_id_by_idx(unsigned int idx);

uint64_t rte_get_tsc_hz(void);
uint64_t rte_rdtsc(void);
uint64_t rte_eal_get_physmem_size(void);
"""

CUSTOMIZATIONS = ""
