"""Find the line of a field, given its dotted path, in a TOML or YAML file.

Best effort, for error messages: the line of the deepest part of the path the file
spells out (a bad value inside an inline table points at the table's line). The file
is indexed once (:func:`line_index`), in one pass over its lines (TOML) or nodes
(YAML, composed within the bounds of :mod:`tierroute.policy._bounds`); a YAML alias
is not followed, so a field reached through one is placed at the alias.

>>> text = '''horizon = "8h"
... [[streams]]
... name = "a"
... [[streams]]
... name = "b"
... arrivals = { rate_per_hour = -1 }
... '''
>>> where = line_index(text, "x.toml")
>>> line_of(where, ["streams", "1", "arrivals", "rate_per_hour"])
6
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tierroute.policy._bounds import yaml_node

__all__ = ["line_index", "line_of"]

LineIndex = dict[tuple[str, ...], int]
"""Dotted path (list indices as strings) → line number (1-based)."""

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*([A-Za-z0-9_\-"' .]+?)\s*=""")


def _split_key(key: str) -> list[str]:
    return [p.strip().strip("\"'") for p in key.split(".")]


def _toml_lines(text: str) -> LineIndex:
    where: LineIndex = {}
    counts: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    # the last index of each array of tables, keyed by its path without indices
    last: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m and not line.lstrip().startswith("#"):
            names = _split_key(m.group(2))
            path: list[str] = []
            plain: list[str] = []
            for name in names[:-1]:
                path.append(name)
                plain.append(name)
                if tuple(plain) in last:
                    path.append(str(last[tuple(plain)]))
            path.append(names[-1])
            plain.append(names[-1])
            if m.group(1) == "[[":
                key = tuple(path)
                index = counts.get(key, 0)
                counts[key] = index + 1
                last[tuple(plain)] = index
                path.append(str(index))
            table = tuple(path)
            where.setdefault(table, number)
            continue
        k = _KEY.match(line)
        if k:
            where.setdefault((*table, *_split_key(k.group(1))), number)
    return where


def _yaml_lines(text: str) -> LineIndex:
    import yaml

    where: LineIndex = {}
    root = yaml_node(text)
    stack: list[tuple[Any, tuple[str, ...]]] = [] if root is None else [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        where.setdefault(path, node.start_mark.line + 1)
        # Popped in document order, so an anchor comes before its aliases.
        if id(node) in seen:  # an alias: its content is indexed where its anchor is
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in reversed(node.value):
                sub = (*path, str(key.value))
                where.setdefault(sub, key.start_mark.line + 1)
                stack.append((value, sub))
        elif isinstance(node, yaml.SequenceNode):
            items = list(enumerate(node.value))
            stack.extend((item, (*path, str(i))) for i, item in reversed(items))
    return where


def line_index(text: str, source: str | None) -> LineIndex | None:
    """The line of every path the file spells out; ``None`` when the file is neither
    TOML nor YAML (by ``source``'s suffix) or cannot be indexed."""
    name = (source or "").lower()
    try:
        if name.endswith(".toml"):
            return _toml_lines(text)
        if name.endswith((".yaml", ".yml")):
            return _yaml_lines(text)
    except Exception:  # a locator must never hide the real error
        return None
    return None


def line_of(where: LineIndex, parts: Sequence[str]) -> int | None:
    """Line (1-based) of the deepest prefix of ``parts`` in the index, if any."""
    for n in range(len(parts), 0, -1):
        line = where.get(tuple(parts[:n]))
        if line is not None:
            return line
    return None
