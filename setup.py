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
    license_files=["LICENSE"],
    author="pydpdk developers",
    url="https://github.com/pydpdk/pydpdk",
    project_urls={
        "Documentation": "https://github.com/pydpdk/pydpdk/tree/main/docs",
        "Source": "https://github.com/pydpdk/pydpdk",
        "Issues": "https://github.com/pydpdk/pydpdk/issues",
    },
    keywords=["dpdk", "networking", "packet processing", "cffi", "pmd", "scapy"],
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Developers",
        "Intended Audience :: Telecommunications Industry",
        "License :: OSI Approved :: BSD License",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: C",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        *(f"Programming Language :: Python :: 3.{m}" for m in range(9, 15)),   # CI: 3.9-3.14
        "Programming Language :: Python :: Implementation :: CPython",
        "Topic :: System :: Networking",
        "Topic :: System :: Hardware :: Hardware Drivers",
    ],
    python_requires=">=3.9",   # CI: 3.9 and 3.13 (pyenv), 3.11 (Debian 12), 3.13 (13), 3.14 (sid)
    packages=find_packages(include=["pydpdk", "pydpdk.*"]),
    package_data={"pydpdk": ["_cffi_src/c/*.c", "_cffi_src/c/*.h", "testing/guest/*", "examples/*.yaml",
                            "py.typed", "_dpdk_cffi.pyi"]},
    setup_requires=["cffi>=1.15"],
    install_requires=["cffi>=1.15", "pyyaml>=6"],
    # optional dependencies, by what uses them (README "Dependencies"):
    extras_require={
        "numpy": ["numpy"],                              # MbufBurst.headers(): zero-loop header views
        "scapy": ["scapy>=2.5"],                         # decode="scapy" in sniff/receive/read_pcap
        "jit": ["numba>=0.57", "numpy"],                 # pydpdk.stage.Stage.numba: compiled stages
        "notebook": ["ipython", "matplotlib"],           # HTML views, live rates, plot_rates()
        # the test suite: scapy builds real packets, nbclient + ipykernel execute
        # samples/notebooks, hypothesis for property tests (tests/ is repo-only: MANIFEST.in)
        "test": ["pytest>=7", "hypothesis", "scapy>=2.5", "nbclient", "ipykernel"],
    },
    cffi_modules=["build_ffi.py:ffibuilder"],
    entry_points={"console_scripts": ["pydpdk = pydpdk.cli:main"],
                  "pytest11": ["pydpdk = pydpdk.testing.pytest_plugin"]},
    zip_safe=False,
)
