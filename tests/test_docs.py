"""Every documented snippet runs: the ```python blocks of README.md and docs/*.md are executed,
each document's blocks in order in a child process with its own EAL (its own file prefix, ordinary
memory when no hugepages are free: tests/doc_blocks.py), from a scratch directory. A failure names
the document and the line of the block. Blocks that cannot run on a CI machine carry a
``<!-- no-run: why -->`` marker; they are few, listed here, and still have to compile."""
import os

import pytest

import doc_blocks
from conftest import ROOT

DOCS = doc_blocks.documents()
ALL = {doc: doc_blocks.blocks(os.path.join(ROOT, doc)) for doc in DOCS}
RUNS = [(doc, i, group) for doc in DOCS for i, group in enumerate(doc_blocks.processes(ALL[doc]))]

#: the blocks that do not run here, and why (a new one must be added here on purpose)
NO_RUN_ALLOWED = 10      # 7 host/NIC-lab blocks; rte_flow (TC flower), RX interrupts (tap + a packet), a script reading another process


@pytest.mark.parametrize("doc,i,group", RUNS, ids=[f"{d}#{i}" for d, i, _ in RUNS])
def test_doc_blocks_run(doc, i, group, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    prefix = f"firsthour-doc-{os.getpid()}-{os.path.basename(doc)[:-3]}-{i}"
    p = doc_blocks.run(group, prefix, cwd=str(tmp_path), env=env, timeout=300)
    failed = [line for line in p.stderr.splitlines() if line.startswith("DOC-BLOCK-FAILED")]
    where = failed[0].split()[-1] if failed else f"{doc} (blocks at lines {[b.line for b in group]})"
    assert p.returncode == 0, f"{where}: the documented code fails:\n{p.stderr[-4000:]}"


def test_no_run_blocks_are_few_have_reasons_and_compile():
    skipped = [(b.doc, b.line, b.skip) for blocks in ALL.values() for b in blocks if b.skip]
    assert len(skipped) <= NO_RUN_ALLOWED, skipped
    for blocks in ALL.values():
        for b in blocks:
            assert b.skip is None or len(b.skip) > 10, (b.doc, b.line, "say why it cannot run")
            compile(b.code, f"{b.doc}:{b.line}", "exec")     # a no-run block is still Python


def test_every_doc_is_covered():
    assert "README.md" in DOCS and len(DOCS) >= 10
    assert sum(1 for blocks in ALL.values() for b in blocks if not b.skip) >= 15
