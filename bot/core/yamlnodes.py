"""Read YAML safely into plain values whose mappings remember their line numbers.

PyYAML's (C) parser composes the node tree; this module turns nodes into values
itself, which is both where line numbers come from and about twice as fast as
PyYAML's constructor on large files. Only the standard safe tags are accepted:
any other tag (``!!python/object`` and the like) is an error, never executed.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["LocatedMap", "load_located"]

_Composer: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE = SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_SCALARS = {
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp", "binary", "value")
}


class LocatedMap(dict[str, object]):
    """A mapping that knows the line it starts at, the line of each key, and repeated keys."""

    __slots__ = ("dupes", "key_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.dupes: list[tuple[str, int]] = []

    def line_of(self, key: str) -> int:
        """The line of a key, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


def _error(node: Node, problem: str) -> ConstructorError:
    return ConstructorError(None, None, problem, node.start_mark)


def _build(node: Node, memo: dict[int, object]) -> object:
    done = memo.get(id(node))
    if done is not None:
        return done
    if isinstance(node, ScalarNode):
        if node.tag == _STR:
            return node.value
        if node.tag in _SCALARS:
            return _SAFE.yaml_constructors[node.tag](_SAFE, node)
        raise _error(node, f"could not determine a constructor for the tag {node.tag!r}")
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            raise _error(node, f"could not determine a constructor for the tag {node.tag!r}")
        items: list[object] = []
        memo[id(node)] = items
        # Let go of each child's nodes as soon as it is built: freeing a large file's whole
        # node tree at once holds the GIL long enough to stall an event loop.
        children, node.value = node.value, []
        children.reverse()
        while children:
            items.append(_build(children.pop(), memo))
        return items
    if not isinstance(node, MappingNode) or node.tag != _MAP:
        raise _error(node, f"could not determine a constructor for the tag {node.tag!r}")
    data = LocatedMap(node.start_mark.line + 1)
    memo[id(node)] = data
    merged: list[LocatedMap] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            value = _build(value_node, memo)
            merged.extend(
                v for v in (value if isinstance(value, list) else [value]) if isinstance(v, LocatedMap)
            )
            continue
        if not isinstance(key_node, ScalarNode):
            raise _error(key_node, "a key must be plain text")
        key = str(key_node.value)
        line = key_node.start_mark.line + 1
        if key in data.key_lines:
            data.dupes.append((key, line))
        else:
            data.key_lines[key] = line
        data[key] = _build(value_node, memo)
    for extra in merged:
        for key, value in extra.items():
            if key not in data:
                data[key] = value
                data.key_lines[key] = extra.line_of(key)
    return data


def load_located(text: str) -> object:
    """Parse one YAML document; raises `yaml.YAMLError` (with a mark) when it is malformed."""
    node = yaml.compose(text, Loader=_Composer)
    return None if node is None else _build(node, {})
