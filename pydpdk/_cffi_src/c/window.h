/* A revocable buffer exporter for packet data views: see window.c. */
#ifndef PYDPDK_WINDOW_H
#define PYDPDK_WINDOW_H

/* Create the Window type and publish it as sys.modules["pydpdk._window"].Window (takes the GIL
 * itself; idempotent). Returns 0, or -1 with the Python error printed. */
int pydpdk_window_install(void);

#endif
