"""pydpdk: build with `pip install .` or `pip install -e .` (needs DPDK's dev files: see README)."""
import re

from setuptools import find_packages, setup

with open("pydpdk/_version.py") as f:
    version = re.search(r'__version__ = "([^"]+)"', f.read()).group(1)

setup(
    name="pydpdk",
    version=version,
    description="DPDK's poll-mode drivers from Python: a cffi binding of the real librte_* libraries",
    long_description=open("README.md").read(),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    python_requires=">=3.9",
    packages=find_packages(include=["pydpdk", "pydpdk.*"]),
    package_data={"pydpdk": ["_cffi_src/c/*.c", "_cffi_src/c/*.h", "testing/guest/*", "examples/*.yaml"]},
    setup_requires=["cffi>=1.15"],
    install_requires=["cffi>=1.15", "pyyaml>=6"],
    extras_require={"test": ["pytest>=7"], "numpy": ["numpy"], "jit": ["numba>=0.57", "numpy"]},
    cffi_modules=["build_ffi.py:ffibuilder"],
    entry_points={"console_scripts": ["pydpdk = pydpdk.cli:main"]},
    zip_safe=False,
)
