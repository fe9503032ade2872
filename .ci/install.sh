#!/bin/bash
# Set up a fresh Debian 12 machine for pydpdk: DPDK 22.11 and build tools from Debian,
# Python packages from PyPI, pydpdk built in place, hugepages reserved. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

APT_PACKAGES="dpdk dpdk-dev libdpdk-dev libpcap-dev pkg-config gcc make iproute2 iputils-ping procps python3-venv tshark tcpdump"
missing=$(dpkg-query -W -f='${Package} ${Status}\n' $APT_PACKAGES 2>/dev/null | grep -vc "install ok installed" || true)
if ! dpkg-query -W $APT_PACKAGES >/dev/null 2>&1 || [ "$missing" != 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
fi

PY=${PYTHON:-python3}
# cffi/pyyaml: runtime; pytest: tests; scapy + numpy: interop tests and the numpy header view
# (both optional for users: see README "Dependencies").
$PY -m pip install -q --disable-pip-version-check cffi pyyaml pytest setuptools wheel scapy numpy hypothesis
# nbclient + ipykernel: tests/test_notebooks.py executes samples/notebooks/*.ipynb in real kernels
$PY -m pip install -q --disable-pip-version-check nbclient ipykernel
# mypy + types-PyYAML: tests/test_typing.py type-checks pydpdk/ (config: pyproject.toml [tool.mypy])
$PY -m pip install -q --disable-pip-version-check mypy types-PyYAML
# build: tests/test_packaging.py makes the sdist and wheel (python -m build) and installs each
# into a fresh venv (python3 -m venv: Debian's python3-venv when python3 is Debian's own)
$PY -m pip install -q --disable-pip-version-check build
# numba (+ llvmlite): compiled stages (pydpdk.stage.Stage.numba, extras "jit"); tests/test_stages.py, samples/stage_*.py
$PY -m pip install -q --disable-pip-version-check numba
$PY -m pip install -q --disable-pip-version-check --no-build-isolation -e .

# Hugepages: 1 GiB of 2 MiB pages for the tests and testpmd peers (no_huge is used otherwise).
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$HP" ] && [ "$(cat $HP)" -lt "${PYDPDK_HUGEPAGES:-1024}" ]; then
  echo "${PYDPDK_HUGEPAGES:-1024}" > "$HP" || true
fi
if ! grep -q hugetlbfs /proc/mounts; then
  mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages || true
fi

# The NIC lab (QEMU guests with emulated NICs) has its own installer.
if [ -x .ci/niclab-install.sh ] && [ "${PYDPDK_NICLAB:-1}" != 0 ]; then
  bash .ci/niclab-install.sh
fi
