"""A small typed schema over pyyaml's node tree, so every error names the key and its line.

The file is composed (``yaml.compose``), not loaded: nodes keep their marks. Each schema type
converts a node to a Python value or raises :class:`ConfigError` with ``file:line``.
"""
from __future__ import annotations

import os
import re
from typing import Any, Callable, Mapping, Sequence

import yaml

from ..errors import InvalidArgumentError

__all__ = ["ConfigError", "Node", "Str", "Int", "Float", "Bool", "Enum", "List", "Map", "Dict",
           "OneOf", "Text", "compose"]


class ConfigError(InvalidArgumentError):
    """A YAML set-up is not valid: names the key (dotted path), the value, what is allowed,
    and the file and line (``.file``, ``.line``: 1-based)."""

    def __init__(self, key: str, value: Any, allowed: str, file: str, line: int):
        self.file, self.line, self.key = file, line, key
        super().__init__(key, value, allowed, f"{file}:{line}")


class Node:
    """A converted value with the line it came from (and its children's nodes)."""

    __slots__ = ("value", "line", "key", "children")

    def __init__(self, value: Any, line: int, key: str, children: Any = None):
        self.value, self.line, self.key, self.children = value, line, key, children

    def __getitem__(self, name: Any) -> "Node":
        return self.children[name]

    def get(self, name: Any, default: Any = None) -> Any:
        """The value of child ``name`` (a mapping key), or default when it is absent."""
        if isinstance(self.children, Mapping) and name in self.children:
            return self.children[name].value
        return default

    def has(self, name: Any) -> bool:
        """True when this mapping has a child ``name``."""
        return isinstance(self.children, Mapping) and name in self.children


class _Ctx:
    def __init__(self, file: str, expand_env: bool = True):
        self.file, self.expand_env = file, expand_env
        self._ctor = yaml.constructor.SafeConstructor()

    def error(self, node: yaml.Node, key: str, value: Any, allowed: str) -> ConfigError:
        return ConfigError(key, value, allowed, self.file, node.start_mark.line + 1)

    def scalar(self, node: yaml.Node, key: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"
            raise self.error(node, key, kind, "a single value")
        try:
            value = self._ctor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:          # a tag such as !x, a malformed timestamp...
            raise self.error(node, key, node.value, f"a plain YAML value ({getattr(exc, 'problem', exc)})") from None
        if isinstance(value, str) and self.expand_env and "${" in value:
            whole = re.fullmatch(r"\$\{[^}]*\}", value) is not None
            value = self._expand(node, key, value)
            if whole and node.style is None:     # `packets: ${N:-100}` -> 100, typed like YAML
                try:
                    parsed = yaml.safe_load(value) if value.strip() else value
                except yaml.YAMLError:
                    parsed = value
                value = parsed if isinstance(parsed, (int, float, bool, str)) else value
        return value

    def text(self, node: yaml.Node, key: str) -> str:
        """A scalar as the text written: YAML 1.1 would read 0000:00:04.0 as a base-60 number
        and 0x3 as 3; string fields take what the user typed."""
        v = self.scalar(node, key)   # raises unless node is a ScalarNode
        if not isinstance(v, str) and isinstance(node, yaml.ScalarNode) and node.style is None \
                and node.value != "":
            v = self._expand(node, key, node.value) if self.expand_env else node.value
        return v

    def _expand(self, node: yaml.Node, key: str, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(3)
            if name in os.environ:
                return os.environ[name]
            if default is None:
                raise self.error(node, key, text, f"environment variable {name} set (or "
                                 f"'${{{name}:-default}}')")
            return default
        return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}", sub, text)


class Type:
    """Base of the schema's value types: each converts a YAML node and says what it allows."""

    desc = "a value"

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        """The node as a checked :class:`Node` (value, line, children); ConfigError naming the key,
        the value, what is allowed, and the file and line otherwise."""
        raise NotImplementedError


class Str(Type):
    """A string, optionally matching a pattern or passing a check function."""
    def __init__(self, pattern: str | None = None, desc: str = "a string",
                 check: Callable[[str], str | None] | None = None):
        self.pattern, self.desc, self.check = pattern, desc, check

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        v = ctx.text(node, key)
        if not isinstance(v, str) or (self.pattern and not re.fullmatch(self.pattern, v)):
            raise ctx.error(node, key, v, self.desc)
        problem = self.check(v) if self.check else None
        if problem:
            raise ctx.error(node, key, v, problem)
        return Node(v, node.start_mark.line + 1, key)


class Text(Str):
    """A string, also written unquoted as a number (``lcores: 1``, ``socket_mem: 512``)."""

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        v = ctx.text(node, key)
        if not isinstance(v, str) or (self.pattern and not re.fullmatch(self.pattern, v)):
            raise ctx.error(node, key, v, self.desc)
        return Node(v, node.start_mark.line + 1, key)


class Int(Type):
    """An integer (YAML int, not bool), optionally within lo..hi."""
    def __init__(self, lo: int | None = None, hi: int | None = None, desc: str | None = None):
        self.lo, self.hi = lo, hi
        rng = (f" from {lo} to {hi}" if hi is not None else f" >= {lo}") if lo is not None else ""
        self.desc = desc or f"an integer{rng}"

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        v = ctx.scalar(node, key)
        if not isinstance(v, int) or isinstance(v, bool) or \
                (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            raise ctx.error(node, key, v, self.desc)
        return Node(v, node.start_mark.line + 1, key)


class Float(Type):
    """A number (int or float, not bool), at least lo and optionally at most hi."""
    def __init__(self, lo: float = 0.0, hi: float | None = None, desc: str | None = None):
        self.lo, self.hi = lo, hi
        self.desc = desc or (f"a number from {lo} to {hi}" if hi is not None else f"a number >= {lo}")

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        v = ctx.scalar(node, key)
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < self.lo or \
                (self.hi is not None and v > self.hi):
            raise ctx.error(node, key, v, self.desc)
        return Node(float(v), node.start_mark.line + 1, key)


class Bool(Type):
    """true or false."""
    desc = "true or false"

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        v = ctx.scalar(node, key)
        if not isinstance(v, bool):
            raise ctx.error(node, key, v, self.desc)
        return Node(v, node.start_mark.line + 1, key)


class Enum(Type):
    """One of a fixed set of strings."""
    def __init__(self, choices: Sequence[str]):
        self.choices = list(choices)
        self.desc = "one of " + ", ".join(self.choices)

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        v = ctx.scalar(node, key)
        if v not in self.choices:
            raise ctx.error(node, key, v, self.desc)
        return Node(v, node.start_mark.line + 1, key)


class List(Type):
    """A list of items; ``single=True`` also takes one item written without a list."""

    def __init__(self, item: Type, single: bool = False, min_len: int = 0):
        self.item, self.single, self.min_len = item, single, min_len
        self.desc = f"a list of {item.desc}" + (" (or one)" if single else "")

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        if not isinstance(node, yaml.SequenceNode):
            if self.single:
                n = self.item.convert(ctx, node, key)
                return Node([n.value], n.line, key, [n])
            raise ctx.error(node, key, _kind(ctx, node, key), self.desc)
        kids = [self.item.convert(ctx, child, f"{key}[{i}]") for i, child in enumerate(node.value)]
        if len(kids) < self.min_len:
            raise ctx.error(node, key, [], f"at least {self.min_len} item(s): {self.desc}")
        return Node([k.value for k in kids], node.start_mark.line + 1, key, kids)


class Map(Type):
    """A mapping with known keys (unknown keys are rejected, naming the allowed set)."""

    def __init__(self, fields: Mapping[str, Type], required: Sequence[str] = (), desc: str = "a mapping",
                 check: Callable[[Node, Any], None] | None = None):
        self.fields, self.required, self.desc, self.check = dict(fields), tuple(required), desc, check

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        if not isinstance(node, yaml.MappingNode):
            raise ctx.error(node, key or "(top level)", _kind(ctx, node, key),
                            f"{self.desc} with keys among: {', '.join(self.fields)}")
        kids: dict[str, Node] = {}
        for knode, vnode in node.value:
            name = ctx.scalar(knode, key or "(top level)")
            path = f"{key}.{name}" if key else str(name)
            if name not in self.fields:
                raise ctx.error(knode, path, name, f"a known key{' of ' + key if key else ''}; "
                                f"allowed: {', '.join(self.fields)}")
            if name in kids:
                raise ctx.error(knode, path, name, f"given once (first on line {kids[name].line})")
            kids[name] = self.fields[name].convert(ctx, vnode, path)
            kids[name].line = knode.start_mark.line + 1
        for name in self.required:
            if name not in kids:
                raise ctx.error(node, f"{key}.{name}" if key else name, None,
                                f"required in {key or 'the set-up'} ({self.fields[name].desc})")
        out = Node({k: v.value for k, v in kids.items()}, node.start_mark.line + 1, key, kids)
        if self.check:
            self.check(out, ctx)
        return out


class Dict(Type):
    """A mapping with free keys of one type and values of one type (``eth_peers: {0: mac}``)."""

    def __init__(self, key_type: Type, value_type: Type):
        self.key_type, self.value_type = key_type, value_type
        self.desc = f"a mapping of {key_type.desc} to {value_type.desc}"

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        if not isinstance(node, yaml.MappingNode):
            raise ctx.error(node, key, _kind(ctx, node, key), self.desc)
        kids = {}
        for knode, vnode in node.value:
            k = self.key_type.convert(ctx, knode, f"{key} key").value
            kids[k] = self.value_type.convert(ctx, vnode, f"{key}.{k}")
        return Node({k: v.value for k, v in kids.items()}, node.start_mark.line + 1, key, kids)


class OneOf(Type):
    """The first type whose node kind fits: scalars to a scalar type, mappings to a Map."""

    def __init__(self, *types: Type):
        self.types = types
        self.desc = " or ".join(t.desc for t in types)

    def convert(self, ctx: _Ctx, node: yaml.Node, key: str) -> Node:
        fits = [t for t in self.types
                if isinstance(node, yaml.MappingNode) == isinstance(t, (Map, Dict))
                and (isinstance(node, yaml.SequenceNode) == isinstance(t, List) or
                     isinstance(t, List) and t.single)]
        if len(fits) == 1:
            return fits[0].convert(ctx, node, key)       # its own, precise error
        for t in fits:
            try:
                return t.convert(ctx, node, key)
            except ConfigError:
                continue
        raise ctx.error(node, key, _kind(ctx, node, key), self.desc)


def _kind(ctx: _Ctx, node: yaml.Node, key: str) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return ctx.scalar(node, key)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def compose(text: str, file: str, schema: Type, *, expand_env: bool = True) -> Node:
    """Parse YAML text and convert it with schema; ConfigError (with line) on any problem."""
    try:
        root = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError("(yaml)", (exc.problem or "syntax error").strip(),
                          "well-formed YAML", file, line) from None
    except yaml.YAMLError as exc:           # ReaderError: a character YAML does not allow
        pos = getattr(exc, "position", 0) or 0
        raise ConfigError("(yaml)", str(getattr(exc, "reason", exc)), "YAML text (printable characters)",
                          file, text.count("\n", 0, pos) + 1) from None
    if root is None:
        raise ConfigError("(top level)", None, "a non-empty set-up (a mapping)", file, 1)
    return schema.convert(_Ctx(file, expand_env), root, "")
