"""Our revocable buffer exporter for packet data views (c/window.c): not a DPDK header family,
but C the mbuf views need (Mbuf.data cannot outlive its mbuf)."""

INCLUDES = """
#include "window.h"
"""

TYPES = ""

FUNCTIONS = """
int pydpdk_window_install(void);
"""

CUSTOMIZATIONS = ""
