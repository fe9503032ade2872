"""What the module was built from: checked at import by pydpdk._native."""

INCLUDES = """
#include <rte_version.h>
"""

TYPES = ""

FUNCTIONS = """
const char *pydpdk_build_package_version(void);
const char *pydpdk_build_dpdk_version(void);
const char *pydpdk_build_pmd_dir(void);
const char *pydpdk_build_python_version(void);
"""

CUSTOMIZATIONS = """
static const char *pydpdk_build_package_version(void) { return PYDPDK_PACKAGE_VERSION; }
static const char *pydpdk_build_dpdk_version(void) { return PYDPDK_DPDK_VERSION; }
static const char *pydpdk_build_pmd_dir(void) { return PYDPDK_PMD_DIR; }
static const char *pydpdk_build_python_version(void) { return PYDPDK_PYTHON_VERSION; }
"""
