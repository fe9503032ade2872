"""The public API is typed and documented: mypy is clean on pydpdk/ (config in pyproject.toml),
and every public module, class, function, method and property has a docstring."""
from __future__ import annotations

import dataclasses
import enum
import importlib
import importlib.util
import inspect
import os
import pkgutil
import subprocess
import sys
from typing import Any, Iterator

import pytest

import pydpdk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_mypy_is_clean() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (.ci/install.sh installs it)")
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"mypy (config: pyproject.toml [tool.mypy]) failed:\n{proc.stdout}{proc.stderr}"
    assert "Success: no issues found" in proc.stdout, proc.stdout


def test_package_ships_its_typing_marker() -> None:
    here = os.path.dirname(pydpdk.__file__)
    assert os.path.isfile(os.path.join(here, "py.typed"))
    assert os.path.isfile(os.path.join(here, "_dpdk_cffi.pyi"))
    with open(os.path.join(ROOT, "setup.py")) as f:
        setup_py = f.read()
    assert '"py.typed"' in setup_py and '"_dpdk_cffi.pyi"' in setup_py


# -- docstrings ------------------------------------------------------------------------------
def public_modules() -> list[str]:
    """pydpdk and every module under it whose dotted name has no private part (the guest
    payloads run inside NIC-lab VMs and are scripts, not API)."""
    names = ["pydpdk"]
    for info in pkgutil.walk_packages(pydpdk.__path__, "pydpdk."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or info.name.startswith("pydpdk.testing.guest"):
            continue
        names.append(info.name)
    return sorted(names)


def _generated_doc(obj: type) -> bool:
    """dataclasses and NamedTuples write 'Name(field, ...)' when the class has no docstring."""
    doc = obj.__doc__ or ""
    return doc.startswith(f"{obj.__name__}(") and (dataclasses.is_dataclass(obj) or hasattr(obj, "_fields"))


def _ours(obj: Any) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "pydpdk"


def public_names(mod: Any) -> list[str]:
    if hasattr(mod, "__all__"):
        return list(mod.__all__)
    return [n for n, v in vars(mod).items() if not n.startswith("_")
            and (inspect.isclass(v) or inspect.isfunction(v)) and getattr(v, "__module__", None) == mod.__name__]


def _members(cls: type) -> Iterator[tuple[str, Any, Any]]:
    """(name, raw attribute, bound-or-plain attribute) of the public members a pydpdk class defines
    or inherits from another pydpdk class."""
    seen = set()
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for name, raw in vars(klass).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(raw, (staticmethod, classmethod)):
                yield name, raw, getattr(cls, name)
            elif isinstance(raw, property) or inspect.isfunction(raw):
                yield name, raw, raw


def missing_docstrings() -> list[str]:
    missing: list[str] = []
    checked: set[int] = set()

    def check_class(qual: str, cls: type) -> None:
        if id(cls) in checked:
            return
        checked.add(id(cls))
        if not (cls.__doc__ or "").strip() or _generated_doc(cls):
            missing.append(f"class {qual}")
        if issubclass(cls, (BaseException, enum.Enum)):
            return
        for name, raw, attr in _members(cls):
            if id(raw) in checked:
                continue
            checked.add(id(raw))
            kind = "property" if isinstance(raw, property) else "method"
            doc = raw.__doc__ if isinstance(raw, property) else inspect.getdoc(attr)
            if not (doc or "").strip():
                # an override documented by the base class it overrides counts as documented
                if not any((inspect.getdoc(getattr(b, name, None)) or "").strip()
                           for b in cls.__mro__[1:] if name in vars(b)):
                    missing.append(f"{kind} {qual}.{name}")

    for modname in public_modules():
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:   # an optional dependency (numba...) this machine lacks
            if (exc.name or "").split(".")[0] == "pydpdk":
                raise
            continue
        if not (mod.__doc__ or "").strip():
            missing.append(f"module {modname}")
        for name in public_names(mod):
            if not hasattr(mod, name):
                missing.append(f"export {modname}.{name} (listed in __all__, not defined)")
                continue
            obj = getattr(mod, name)
            if obj is None or inspect.ismodule(obj) or not _ours(obj):
                continue
            qual = f"{obj.__module__}.{getattr(obj, '__qualname__', name)}"
            if inspect.isclass(obj):
                check_class(qual, obj)
            elif inspect.isfunction(obj) and id(obj) not in checked:
                checked.add(id(obj))
                if not (obj.__doc__ or "").strip():
                    missing.append(f"function {qual}")
    return sorted(set(missing))


def test_public_api_has_docstrings() -> None:
    missing = missing_docstrings()
    assert not missing, f"{len(missing)} public members have no docstring:\n  " + "\n  ".join(missing)


def test_docstring_check_sees_what_it_should() -> None:
    """The walk reaches the modules and members the check is about (a walker that found nothing
    would pass the test above trivially)."""
    mods = public_modules()
    for m in ("pydpdk.eal", "pydpdk.ethdev", "pydpdk.ethdev.port", "pydpdk.forward", "pydpdk.vdev.specs",
              "pydpdk.stats", "pydpdk.drivers.checks", "pydpdk.host.hugepages", "pydpdk.cli.fwd"):
        assert m in mods
    port_members = {name for name, _, _ in _members(pydpdk.Port)}
    assert {"stats", "info", "link", "stop", "rx_burst", "tx_burst", "rss_reta", "configure"} <= port_members

    @dataclasses.dataclass
    class Undocumented:
        x: int = 0
    assert _generated_doc(Undocumented)
    assert not _generated_doc(pydpdk.EalConfig)
