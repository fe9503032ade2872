"""The Python code blocks of README.md and docs/*.md, and how to run a doc's blocks in a child
process with its own EAL (tests/test_docs.py, tests/test_packaging.py).

A block that cannot run on a CI machine (it needs a real NIC, say) is preceded in the markdown by
a marker comment naming why, on the line (or lines) just above its opening fence:

    <!-- no-run: needs a real NIC bound to vfio-pci -->
    ```python
    ...

Every other ```python block runs. The blocks of one document run in order in one interpreter
(later blocks use names earlier ones made), as a reader typing them into one session would; a
block preceded by ``<!-- new-process -->`` starts a new interpreter (a new EAL) for itself and
the blocks after it.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NO_RUN = re.compile(r"<!--\s*no-run:\s*(.+?)\s*-->")
NEW_PROCESS = re.compile(r"<!--\s*new-process\s*-->")

#: Prepended to every doc run: whatever the doc passes to Eal.init (keywords, argv or an
#: EalConfig), the EAL gets this run's own file prefix (parallel runs never share
#: /var/run/dpdk/<prefix>) and DPDK's ordinary-memory mode when this machine has no free
#: hugepages (EalConfig.auto). Nothing else changes: the real EAL and PMDs run.
PRELUDE = '''
import dataclasses as _pd_dc, pydpdk as _pd
_pd_init = _pd.Eal.init.__func__
def _pd_doc_init(cls, config=None, /, *, argv=None, **kw):
    if config is None:
        config = _pd.EalConfig.from_argv(argv, **kw) if argv is not None else _pd.EalConfig(**kw)
    fields = {f.name: getattr(config, f.name) for f in _pd_dc.fields(config) if f.init}
    fields["file_prefix"] = %(prefix)r
    return _pd_init(cls, _pd.EalConfig.auto(**fields))
_pd.Eal.init = classmethod(_pd_doc_init)
del _pd_doc_init
'''


@dataclass(frozen=True)
class Block:
    doc: str          # path relative to the repository root
    line: int         # 1-based line of the first code line
    code: str
    skip: str | None  # the no-run reason, or None
    new_process: bool = False


def blocks(path: str) -> list[Block]:
    """The ```python blocks of one markdown file, with their no-run markers."""
    rel = os.path.relpath(path, ROOT)
    with open(path) as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            skip, new = None, False
            j = i - 1
            while j >= 0 and lines[j].strip().startswith("<!--"):
                m = NO_RUN.search(lines[j])
                if m:
                    skip = m.group(1)
                new = new or bool(NEW_PROCESS.search(lines[j]))
                j -= 1
            start = i + 1
            k = start
            while k < len(lines) and lines[k].strip() != "```":
                k += 1
            out.append(Block(rel, start + 1, "\n".join(lines[start:k]), skip, new))
            i = k
        i += 1
    return out


def processes(doc_blocks: list[Block]) -> list[list[Block]]:
    """The runnable blocks of a document, grouped by interpreter (split at new-process markers)."""
    groups: list[list[Block]] = []
    for b in doc_blocks:
        if b.skip:
            continue
        if not groups or b.new_process:
            groups.append([])
        groups[-1].append(b)
    return groups


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
