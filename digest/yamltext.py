"""YAML in, plain values out, with the line of every key and errors as Problems.

Used for site.yaml and for article front matter. Timestamps are not resolved here
(dates are parsed by digest itself, in the site's timezone) and aliases are refused,
so an alias bomb costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .errors import DigestError, fail

try:  # the C parser is several times faster; fall back when PyYAML was built without it
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Field:
    """One top-level key of a YAML mapping."""

    value: Any  # the constructed value
    raw: str | None  # the scalar's text as written, for fields that want text
    line: int  # 1-based line in the file


def load_mapping(text: str, path: str, first_line: int = 1) -> dict[str, Field]:
    """Parse `text` (which starts at line `first_line` of `path`) as a YAML mapping."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        _refuse_aliases(node, path, first_line)
        if not isinstance(node, yaml.MappingNode):
            raise fail(path, first_line + node.start_mark.line,
                       f"expected a mapping of keys to values, found {_kind(node)}")
        fields: dict[str, Field] = {}
        for key_node, value_node in node.value:
            line = first_line + key_node.start_mark.line
            if not isinstance(key_node, yaml.ScalarNode):
                raise fail(path, line, "a key must be plain text")
            key = key_node.value
            if key in fields:
                raise fail(path, line, f"duplicate key '{key}' (first on line {fields[key].line})")
            value = _construct(loader, value_node, path, first_line)
            raw = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
            fields[key] = Field(value, raw, line)
        return fields
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + (mark.line if mark else 0)
        raise fail(path, line, f"invalid YAML: {err.problem or err.context}") from None
    except yaml.YAMLError as err:
        raise fail(path, first_line, f"invalid YAML: {err}") from None
    except RecursionError:
        raise fail(path, first_line, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _construct(loader: _Loader, node: yaml.Node, path: str, first_line: int) -> Any:
    """The node's value. PyYAML's constructors raise plain Python errors for values their
    tag cannot hold (`!!int abc`, `!!timestamp 2024-13-45`, an integer of 5,000 digits)."""
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, RecursionError):
        raise
    except Exception as err:  # noqa: BLE001 - any of them means the same thing
        bad = _first_bad_scalar(loader, node) or node
        shown = bad.value if isinstance(bad.value, str) else ""
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        if "4300" in str(err):  # Python's limit on converting text to an integer
            message = (f"'{shown}' is a number of more than 4300 digits; quote it to keep "
                       "it as text")
        else:
            message = f"'{shown}' is not a valid {bad.tag.rsplit(':', 1)[-1]}"
        raise fail(path, first_line + bad.start_mark.line, f"invalid YAML: {message}") from None


def _first_bad_scalar(loader: _Loader, node: yaml.Node) -> yaml.ScalarNode | None:
    """The first scalar below `node`, in document order, whose own constructor fails."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            try:
                loader.construct_object(current)
            except Exception:  # noqa: BLE001 - the one we are looking for
                return current
        elif isinstance(current, yaml.MappingNode):
            stack.extend(reversed([item for pair in current.value for item in pair]))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return None


def _refuse_aliases(root: yaml.Node, path: str, first_line: int) -> None:
    """Aliases resolve to a node seen before; refuse them before anything expands them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise fail(path, first_line + node.start_mark.line,
                       "YAML anchors and aliases (&, *) are not allowed here")
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.ScalarNode):
        return f"'{node.value}'" if len(node.value) < 40 else "text"
    return "something else"


def type_name(value: Any) -> str:
    """How a value looks to someone who wrote it in YAML."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


__all__ = ["Field", "load_mapping", "type_name", "DigestError"]
