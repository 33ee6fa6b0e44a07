"""YAML in, plain values out, with the line of every key and errors as Problems.

Used for site.yaml and for article front matter. Timestamps are not resolved here
(dates are parsed by digest itself, in the site's timezone) and aliases are refused,
so an alias bomb costs nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import DigestError, Problem, fail

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
    quoted: bool = False  # a scalar written in quotes


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
            scalar = isinstance(value_node, yaml.ScalarNode)
            raw = value_node.value if scalar else None
            fields[key] = Field(value, raw, line, scalar and value_node.style in ("'", '"'))
        return fields
    except yaml.MarkedYAMLError as err:
        raise DigestError(explain(err, text, path, first_line)) from None
    except yaml.YAMLError as err:
        raise fail(path, first_line, f"invalid YAML: {err}") from None
    except RecursionError:
        raise fail(path, first_line, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()


# `key: value` on a line of its own, perhaps as an item of a list (`- title: World`)
_KEY_LINE = re.compile(r"^(\s*(?:-\s+)?)([^\s#'\"\[{][^:]*?):[ \t]+(\S.*?)\s*$")


def explain(err: yaml.MarkedYAMLError, text: str, path: str, first_line: int) -> Problem:
    """A YAML error at the line that causes it, with the line shown, and in plain words
    with the corrected line for the mistakes people make in front matter every day."""
    lines = text.split("\n")
    mark = err.problem_mark or err.context_mark
    index, column = (mark.line, mark.column + 1) if mark else (0, 0)
    message = f"invalid YAML: {err.problem or err.context}"
    problem_text = err.problem or ""
    if err.context == "while scanning a quoted scalar" and err.context_mark is not None:
        # the quote runs on to the end: the line to fix is the one that opens it
        index, column = err.context_mark.line, err.context_mark.column + 1
        message = _unclosed(lines[index], column - 1)
    elif problem_text.startswith("mapping values are not allowed"):
        message = (index < len(lines) and _colon_in_value(lines[index])) or message
    elif err.context == "while parsing a block mapping" and "expected" in problem_text:
        found = _bad_quotes(lines, index)
        if found is not None:
            index, column, message = found
    excerpt = lines[index] if index < len(lines) else ""
    return Problem(path, first_line + index, message, excerpt=excerpt,
                   column=column if excerpt else 0)


def _colon_in_value(line: str) -> str | None:
    """`title: Minister says: we will win`: the second ': ' would start a mapping."""
    match = _KEY_LINE.match(line)
    if match is None:
        return None
    start, key, value = match.groups()
    return (f"invalid YAML: the {key} has ': ' in it, which YAML reads as the start of "
            f"another key; put the {key} in quotes: {start.lstrip()}{key}: {_quoted(value)}")


def _unclosed(line: str, at: int) -> str:
    quote = line[at] if at < len(line) else '"'
    whole = _KEY_LINE.match(line)
    if whole is not None and whole.start(3) < at:  # `title: Vote: "Yes`: ': ' came first
        start, key, value = whole.groups()
        return (f"invalid YAML: the quote {quote} in the {key} starts text in quotes that is "
                f"never closed; put the {key} in quotes: {start.lstrip()}{key}: "
                f"{_quoted(value)}")
    match = _KEY_LINE.match(line[:at] + "x")
    what = f"the {match.group(2)}" if match else "the text"
    return (f"invalid YAML: the quote {quote} that starts {what} is never closed: end it "
            f"with {quote} on the same line: {line.rstrip()}{quote}")


def _bad_quotes(lines: list[str], last: int) -> tuple[int, int, str] | None:
    """The first line up to `last` whose quoted value is not closed on its line, or has
    text after its closing quote (`title: 'Minister's plan'`), with what to write."""
    for index, line in enumerate(lines[:last + 1]):
        match = _QUOTED_LINE.match(line)
        if match is None:
            continue
        start, key, value = match.groups()
        quote = value[0]
        end = _closing_quote(value)
        column = line.index(value, len(start) + len(key)) + 1
        if end is None:
            return index, column, _unclosed(line, column - 1)
        rest = value[end + 1:].strip()
        if rest and not rest.startswith("#"):
            inner = value[1:-1] if value.endswith(quote) else value
            return index, column + end, (
                f"invalid YAML: the quote {quote} in the {key} ends it, and text follows; "
                f"write the {key} in other quotes: {start.lstrip()}{key}: {_quoted(inner)}")
    return None


# a line whose value starts with a quote
_QUOTED_LINE = re.compile(r"^(\s*(?:-\s+)?)([^\s#'\"\[{][^:]*?):[ \t]+(['\"].*?)\s*$")


def _closing_quote(value: str) -> int | None:
    """The index of the quote that closes the quoted scalar at the start of `value`."""
    quote, index = value[0], 1
    while index < len(value):
        char = value[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and value[index + 1:index + 2] == "'":
                index += 2  # '' is an apostrophe inside '...'
                continue
            return index
        index += 1
    return None


def _quoted(value: str) -> str:
    """`value` as a YAML scalar in quotes: double ones unless it holds a double quote."""
    if '"' in value and "'" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


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
