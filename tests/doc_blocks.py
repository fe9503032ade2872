"""The Python code blocks of README.md and docs/*.md, and how to run a doc's blocks in a child
process with its own EAL (tests/test_docs.py, tests/test_packaging.py).

A block that cannot run on a CI machine (it needs a real NIC, say) is preceded in the markdown by
a marker comment naming why, on the line (or lines) just above its opening fence:

    <!-- no-run: needs a real NIC bound to vfio-pci -->
    ```python
    ...

Every other ```python block runs. The blocks of one document run in order in one interpreter
(later blocks use names earlier ones made), as a reader typing them into one session would.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_RUN = re.compile(r"<!--\s*no-run:\s*(.+?)\s*-->")

#: Prepended to every doc run: the doc's Eal.init(...) keyword calls get this run's own file
#: prefix (parallel runs never share /var/run/dpdk/<prefix>) and DPDK's ordinary-memory mode
#: when this machine has no free hugepages (EalConfig.auto). The doc's own arguments win.
#: Nothing else is changed: the real EAL and PMDs run.
PRELUDE = '''
import pydpdk as _pd
_pd_init = _pd.Eal.init.__func__
def _pd_doc_init(cls, config=None, /, *, argv=None, **kw):
    if config is None and argv is None:
        config = _pd.EalConfig.auto(**dict({"file_prefix": %(prefix)r}, **kw))
    return _pd_init(cls, config, argv=argv) if argv is not None else _pd_init(cls, config)
_pd.Eal.init = classmethod(_pd_doc_init)
del _pd_doc_init
'''


@dataclass(frozen=True)
class Block:
    doc: str          # path relative to the repository root
    line: int         # 1-based line of the first code line
    code: str
    skip: str | None  # the no-run reason, or None


def blocks(path: str) -> list[Block]:
    """The ```python blocks of one markdown file, with their no-run markers."""
    rel = os.path.relpath(path, ROOT)
    with open(path) as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            skip = None
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("<!--"):
                m = NO_RUN.search(lines[j])
                if m:
                    skip = m.group(1)
                j -= 1
            start = i + 1
            k = start
            while k < len(lines) and lines[k].strip() != "```":
                k += 1
            out.append(Block(rel, start + 1, "\n".join(lines[start:k]), skip))
            i = k
        i += 1
    return out


def documents() -> list[str]:
    """README.md and docs/*.md, repository-relative."""
    docs = sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    return ["README.md"] + docs


def program(doc_blocks: list[Block], prefix: str) -> str:
    """One script running the blocks in order; each block's exceptions are reported with its
    document and line ("DOC-BLOCK-FAILED README.md:24")."""
    parts = [PRELUDE % {"prefix": prefix}, "import traceback as _tb, sys as _sys"]
    for b in doc_blocks:
        if b.skip:
            continue
        parts.append(
            # padded so that tracebacks name the document's own line numbers
            f"try:\n    exec(compile({chr(10) * (b.line - 1) + b.code!r}, {b.doc!r}, 'exec'), globals())\n"
            f"except BaseException:\n    _tb.print_exc()\n"
            f"    print('DOC-BLOCK-FAILED {b.doc}:{b.line}', file=_sys.stderr, flush=True)\n"
            f"    _sys.exit(1)\n")
    return "\n".join(parts)


def run(doc_blocks: list[Block], prefix: str, *, python: str = sys.executable, cwd: str | None = None,
        env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a doc's blocks in a fresh interpreter (its own EAL), from cwd (default: a directory of
    the repository, so `import pydpdk` is this tree's)."""
    e = dict(os.environ if env is None else env)
    return subprocess.run([python, "-c", program(doc_blocks, prefix)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=e, timeout=timeout,
                          preexec_fn=_unpin)


def _unpin() -> None:
    """The test process's EAL pinned it to one lcore: the child gets every CPU back."""
    from pydpdk import eal
    os.sched_setaffinity(0, eal._PROCESS_CPUS)
