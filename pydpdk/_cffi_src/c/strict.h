/* Warnings are errors in our own C: every c/<name>.c includes this header first (build_ffi.py
 * refuses a file that does not). The pragmas hold from here to the end of the file, so they
 * cover our code and not the cffi-generated module (which never includes this header); DPDK's
 * headers are system headers in the build (build_ffi.py passes them as -isystem), so their own
 * code is not judged by our flags. Equivalent to -Wall -Wextra -Werror for this file alone
 * (-Wunused-parameter named: the build's -Wno-unused-parameter, meant for the generated
 * module, would otherwise win). */
#ifndef PYDPDK_STRICT_H
#define PYDPDK_STRICT_H

#pragma GCC diagnostic error "-Wall"
#pragma GCC diagnostic error "-Wextra"
#pragma GCC diagnostic error "-Wunused-parameter"

#endif
