"""rte_dev.h, rte_bus.h, rte_devargs.h: generic devices, buses and hotplug."""

INCLUDES = """
#include <rte_dev.h>
#include <rte_bus.h>
#include <rte_devargs.h>
"""

TYPES = """
#define RTE_DEV_NAME_MAX_LEN ...
struct rte_device;
struct rte_bus;
struct rte_driver;
"""

FUNCTIONS = """
int rte_dev_probe(const char *devargs);
int rte_dev_remove(struct rte_device *dev);
int rte_eal_hotplug_add(const char *busname, const char *devname, const char *drvargs);
int rte_eal_hotplug_remove(const char *busname, const char *devname);
const char *rte_dev_name(const struct rte_device *dev);
const struct rte_bus *rte_dev_bus(const struct rte_device *dev);
const char *rte_bus_name(const struct rte_bus *bus);
int rte_dev_numa_node(const struct rte_device *dev);
const struct rte_driver *rte_dev_driver(const struct rte_device *dev);
const char *rte_driver_name(const struct rte_driver *driver);
const char *pydpdk_dev_args(const struct rte_device *dev);
"""

CUSTOMIZATIONS = """
static const char *pydpdk_dev_args(const struct rte_device *dev)
{
    const struct rte_devargs *da = rte_dev_devargs(dev);
    return (da != NULL && da->args != NULL) ? da->args : "";
}
"""
