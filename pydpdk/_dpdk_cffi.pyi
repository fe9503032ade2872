# The compiled cffi module built by build_ffi.py (API mode). cffi generates no type information:
# every C declaration in pydpdk/_cffi_src is reachable through ``lib``, and ``ffi`` is the FFI
# instance that made it, so both are Any to the type checker.
from typing import Any

ffi: Any
lib: Any
